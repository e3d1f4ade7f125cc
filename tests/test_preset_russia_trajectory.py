"""russia-trajectory: hiring rejections fall on the low-profile list, and vanish when the
profile is not shared with employers."""

import pytest

from scslab.engine.sim import Sim


def test_rejections_concentrate_on_bottom_and_vanish_unshared():
    shared = Sim("russia-trajectory", n=2000, seed=1, days=540)
    res = shared.run()
    ind = res.indicators
    assert ind["hiring_blocks"] > 0
    assert ind["hiring_rejection_rate_bottom"] == pytest.approx(1.0, abs=0.25)  # every application rejected
    assert ind["hiring_rejection_rate_rest"] == 0.0
    assert ind["income_gap_top_bottom"] == pytest.approx(0.2, abs=0.02)  # +10 % vs -10 %
    assert 0.75 < ind["profile_coverage"] < 0.85  # facts 7.13: 4 in 5
    # only profiled persons can be listed
    bottom = next(k for k, x in enumerate(shared.scenario.lists) if x.name == "bottom_profile")
    n = shared.state.n
    assert not (shared.state.listed[bottom, :n] & ~shared.state.scores.mask[:n]).any()

    unshared = Sim("russia-trajectory", n=2000, seed=1, days=540, overrides=["policy.joint_sanctions=false"]).run()
    assert unshared.indicators["hiring_blocks"] == 0
    assert unshared.indicators["hiring_rejection_rate"] == 0
    assert unshared.indicators["income_gap_top_bottom"] == 0
