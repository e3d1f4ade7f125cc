"""volunteer-morality: recorded volunteering puts people on a red list that brings perks.

Signature: the red list holds exactly the people whose records meet its rule
(``records_volunteering >= 3``), rewards reach only the red-listed and the moral models, a
higher perceived reward value raises volunteering, only registered volunteers' sessions are
recorded, and registration drives that reach cities better skew the honours to the urban.
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
    red = sp["list"] == res.names["list"].index("volunteer_redlist")
    listed = np.zeros(S, bool)
    listed[sp["subject"][(sp["end"] < 0) & red]] = True
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
    rewarding = np.isin(sp["list"], [res.names["list"].index(x) for x in ("volunteer_redlist", "morality_model")])
    np.testing.assert_array_equal(live, np.unique(sp["subject"][(sp["end"] < 0) & rewarding]))
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


def test_only_registered_volunteers_sessions_are_recorded(run):
    sim, res = run
    rec, sp = res.records, res.list_spells
    reg = sp["list"] == res.names["list"].index("registered_volunteers")
    since = np.full(sim.state.S, np.iinfo(np.int32).max)
    since[sp["subject"][reg]] = sp["start"][reg]
    vol = (rec["behaviour"] == res.names["behaviour"].index("volunteering")) & rec["true"]
    assert vol.sum() > 50
    delay = next(x.delay_days for x in sim.scenario.sources if x.name == "volunteer_platform")
    assert (rec["day"][vol] - delay > since[rec["subject"][vol]]).all()  # the act came after registering
    # many volunteer without a registration: their sessions leave no record
    done = res.series["good_deeds_volunteering"].sum()
    assert vol.sum() < 0.9 * 0.9 * done


def test_moral_models_are_exactly_those_with_the_hours():
    sim = Sim("volunteer-morality", n=4000, seed=1)  # two years: hours take time to add up
    res = sim.run()
    st, sp = sim.state, res.list_spells
    k = res.names["list"].index("morality_model")
    now = np.zeros(st.S, bool)
    now[sp["subject"][(sp["list"] == k) & (sp["end"] < 0)]] = True
    hours = np.where(st.is_person, st.score, 0.0)
    np.testing.assert_array_equal(now, st.is_person & (hours >= 12))
    assert now.sum() > 0
    j = res.names["measure"].index("green_channel")
    sa = res.sanctions
    assert np.isin(sa["target"][sa["measure"] == j], sp["subject"][sp["list"] == k]).all()


def test_urban_registration_drives_skew_who_is_registered_and_honoured():
    def gap(overrides):
        sim = Sim("volunteer-morality", n=4000, seed=1, overrides=overrides)
        res = sim.run()
        g = res.indicators["honoured_share_by_group"]
        sp = res.list_spells
        reg = np.zeros(sim.state.n, bool)
        subj = sp["subject"][sp["list"] == res.names["list"].index("registered_volunteers")]
        reg[subj[subj < sim.state.n]] = True
        a, urban = sim.state.adult[: sim.state.n], sim.state.urban[: sim.state.n] == 1
        return reg[a & urban].mean() - reg[a & ~urban].mean(), g["urban"] - g["rural"]

    reg_gap, hon_gap = gap([])
    assert reg_gap > 0.1 and hon_gap > 0
    reg_gap1, _ = gap(["sources.volunteer_registry.coverage_rural=1"])
    assert abs(reg_gap1) < 0.05  # the gap is the registry's reach, nothing else
