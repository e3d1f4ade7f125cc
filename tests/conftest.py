"""Shared fixtures for the engine tests: the toy scenario and a recording simulation runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ENGINE_FIXTURES = Path(__file__).parent / "fixtures" / "engine"
TOY = ENGINE_FIXTURES / "toy_points.toml"


def run_recording(scenario=TOY, patch=None, **kw):
    """Run a Sim day by day, keeping what behaviour handed to the sources each day (``events.acts``).

    Returns ``(sim, results, acts)`` with ``acts[day] = (subjects, behaviour codes)``: the
    ground truth the ledger tests compare records against. ``patch(sim)`` runs after
    ``init`` (to alter a module for a counterfactual run).
    """
    from scslab.engine.sim import Sim

    sim = Sim(scenario, **kw).init()
    acts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if patch is not None:
        patch(sim)
    for day in range(sim.scenario.sim.days):
        sim.step(day)
        subj, beh = sim.events.acts  # what behaviour handed to the sources today
        acts[day] = (subj.copy(), beh.copy())
    return sim, sim.finish(), acts


def toy_scenario(edit=None):
    """The toy scenario as a validated :class:`Scenario`, after ``edit(dict)`` changed it."""
    import tomllib

    from scslab.scenario.schema import Scenario

    data = tomllib.loads(TOY.read_text())
    if edit is not None:
        edit(data)
    return Scenario.model_validate(data)


@pytest.fixture(scope="session")
def toy_run():
    """The toy scenario as written (60 days, 600 persons), run once for the session."""
    return run_recording()
