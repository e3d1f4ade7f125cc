"""fico-us: credit decisions only -- no measure outside credit, nothing joint."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.sim import Sim
from scslab.engine.state import BLOCKS


@pytest.fixture(scope="module")
def run():
    sim = Sim("fico-us", n=2000, seed=1, days=300)
    return sim, sim.run()


def test_structure_from_facts(run):
    sim, _ = run
    sc = sim.scenario
    assert (sc.scoring.min, sc.scoring.max) == (300.0, 850.0)  # facts 7.1
    assert [d.weight for d in sc.scoring.dimensions] == [0.35, 0.30, 0.15, 0.10, 0.10]  # facts 7.2
    assert [b.min for b in sc.scoring.bands][:4] == [800.0, 740.0, 670.0, 580.0]  # facts 7.3
    assert list(sim.repair.expiry) == [2555, 2555, 2555]  # facts 7.4
    assert sc.sources[0].delay_days == 30


def test_never_applies_a_measure_outside_credit(run):
    sim, res = run
    sa = res.sanctions
    kinds = np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]]
    assert (kinds == "sanction").sum() > 0
    cats = np.asarray(res.names["measure_category"], dtype=object)[sa["measure"]]
    agencies = np.asarray(res.names["measure_agency"], dtype=object)[sa["measure"]]
    assert set(cats) == {"finance"}
    assert set(agencies) == {"lender"}
    assert all(not m.joint for m in sim.scenario.measures)
    # the only service ever blocked is a loan
    used = {BLOCKS[b] for b in range(len(BLOCKS)) if sim.state.blocks[b].any()}
    assert used == {"loan"}
    assert sim.measures.blocked_total.sum() > 0
    assert res.indicators["finance_only_share"] == 1.0


def test_turning_off_joint_sanctions_changes_nothing(run):
    _, res = run
    off = Sim("fico-us", n=2000, seed=1, days=300, overrides=["policy.joint_sanctions=false"]).run()
    for k in ("target", "measure", "start", "end"):
        assert np.array_equal(off.sanctions[k], res.sanctions[k])
