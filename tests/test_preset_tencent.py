"""tencent: scores stay in 300-850 and respond to policy.sanction_scale."""

from __future__ import annotations

import pytest

from scslab.engine.sim import Sim


def _run(scale: float):
    sim = Sim("tencent", n=2000, seed=2, days=240, overrides=[f"policy.sanction_scale={scale}"])
    res = sim.run()
    scored = (res.subjects["type"] == 0) & (res.subjects["grade"] >= 0)
    return sim, res, scored


@pytest.fixture(scope="module")
def runs():
    return {s: _run(s) for s in (0.0, 1.0, 4.0)}


def test_five_indices_in_range(runs):
    sim, res, scored = runs[1.0]
    assert [d.name for d in sim.scenario.scoring.dimensions] == [
        "performance",
        "security",
        "wealth",
        "consumption",
        "social",
    ]  # facts 4.7
    s = res.subjects["score"][scored]
    assert scored.sum() == sim.state.adult.sum()  # every adult is scored
    assert s.min() >= 300.0 and s.max() <= 850.0


def test_zero_sanction_scale_keeps_behaviour_indices_full(runs):
    # sub = 1 / (1 + 0 * bad) = 1: performance and security give 0.2 + 0.2 of the range
    _, res, scored = runs[0.0]
    assert res.subjects["score"][scored].min() >= 300.0 + 550.0 * 0.4 - 1e-3


def test_harsher_sanctions_lower_scores_and_grades(runs):
    poor = {}
    mean = {}
    for scale, (_, res, scored) in runs.items():
        mean[scale] = float(res.subjects["score"][scored].mean())
        poor[scale] = float((res.subjects["grade"][scored] == 3).mean())  # 'poor' band
    assert mean[0.0] > mean[1.0] > mean[4.0]
    assert poor[4.0] > poor[1.0] >= poor[0.0]
