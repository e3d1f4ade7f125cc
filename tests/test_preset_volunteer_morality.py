"""volunteer-morality: recorded volunteering puts people on a red list that brings perks.

Signature: the red list holds exactly the people whose records meet its rule
(``records_volunteering >= 3``), rewards reach only them, and a higher perceived reward
value raises volunteering.
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.records import ACTIVE
from scslab.engine.sim import Sim

N, DAYS = 2000, 365


@pytest.fixture(scope="module")
def run():
    sim = Sim("volunteer-morality", n=N, seed=1, days=DAYS)
    return sim, sim.run()


def test_redlist_is_exactly_the_rule(run):
    sim, res = run
    rec, S = res.records, res.subjects["type"].size
    vol = res.names["behaviour"].index("volunteering")
    active = (rec["behaviour"] == vol) & (rec["status"] == ACTIVE)
    counts = np.bincount(rec["subject"][active], minlength=S)
    persons = res.subjects["type"] == 0
    meets = persons & (counts >= 3)
    sp = res.list_spells
    listed = np.zeros(S, bool)
    listed[sp["subject"][sp["end"] < 0]] = True
    assert meets.sum() > 0
    np.testing.assert_array_equal(listed, meets)
    assert res.indicators["redlist_rule_mismatch"] == 0


def test_rewards_only_to_redlisted(run):
    sim, res = run
    sa, sp = res.sanctions, res.list_spells
    kinds = np.asarray(res.names["measure_kind"], dtype=object)
    assert len(sa["measure"]) > 0 and (kinds[sa["measure"]] == "reward").all()
    # each reward row starts no earlier than the spell it hangs on, and its target is that spell's subject
    np.testing.assert_array_equal(sa["target"], sp["subject"][sa["spell"]])
    assert (sa["start"] >= sp["start"][sa["spell"]]).all()
    live = np.unique(sa["target"][sa["end"] < 0])
    np.testing.assert_array_equal(live, np.unique(sp["subject"][sp["end"] < 0]))
    benefit = sim.state.benefit
    assert (benefit[live] > 0).all()
    others = np.setdiff1d(np.arange(benefit.size), live)
    assert (benefit[others] == 0).all()


def test_higher_reward_value_raises_volunteering(run):
    _, base = run
    more = Sim(
        "volunteer-morality", n=N, seed=1, days=DAYS, overrides=["behaviours.volunteering.reward_value=2.0"]
    ).run()
    a = base.series["good_deeds_volunteering"].sum()
    b = more.series["good_deeds_volunteering"].sum()
    assert b > 1.5 * a
    assert more.indicators["redlisted_now"] > base.indicators["redlisted_now"]
