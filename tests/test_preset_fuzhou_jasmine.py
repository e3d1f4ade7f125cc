"""fuzhou-jasmine: an incentive-only city score (facts 3.13-3.14).

Signature: the scheme never sanctions -- no sanction rows, no income cut -- while rewards
reach people with high scores; legal offences cost 150 points; the annual bonus goes to
people with no bad record that year.
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.records import CORRECTED
from scslab.engine.sim import Sim

N, DAYS = 2000, 400


@pytest.fixture(scope="module")
def run():
    sim = Sim("fuzhou-jasmine", n=N, seed=1, days=DAYS, overrides=["policy.sanction_scale=3"])
    return sim, sim.run()


def test_never_sanctions_but_rewards(run):
    sim, res = run
    kinds = np.asarray(res.names["measure_kind"], dtype=object)
    assert res.indicators["sanction_rows"] == 0
    assert len(res.sanctions["measure"]) > 0 and (kinds[res.sanctions["measure"]] == "reward").all()
    assert res.indicators["income_loss_subjects"] == 0
    assert (sim.state.income_effect >= 0).all()
    assert res.summary["sanctions_applied"] == 0
    assert (res.series["sanctions_active"] == 0).all()
    assert res.indicators["reward_benefit_yuan"] > 0
    # rewards go only to people at or above the list thresholds
    rewarded = np.unique(res.sanctions["target"][res.sanctions["end"] < 0])
    assert (sim.state.score[rewarded] >= 600).all()


def test_points_scale_and_annual_bonus(run):
    sim, res = run
    rec = res.records
    offence = res.names["behaviour"].index("legal_offence")
    assert (rec["points"][rec["behaviour"] == offence] == -150).all()
    persons = np.flatnonzero(res.subjects["type"] == 0)
    score = res.subjects["score"][persons]
    assert score.min() >= 0 and score.max() <= 1000
    # the day-365 bonus went exactly to persons with no bad record in the year before it
    # (the bonus is paid in step 4 of day 365: records corrected before that day do not count)
    corrected_before = (rec["status"] == CORRECTED) & (rec["end_day"] < 365)
    bad_year = (rec["points"] < 0) & (rec["day"] > 0) & (rec["day"] <= 365) & ~corrected_before
    had_bad = np.zeros(res.subjects["type"].size, bool)
    had_bad[rec["subject"][bad_year]] = True
    bonus = sim.state.scores.bonus[persons]
    np.testing.assert_array_equal(bonus > 0, ~had_bad[persons])
    assert set(np.unique(bonus)) <= {0.0, 30.0}
