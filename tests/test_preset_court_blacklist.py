"""court-blacklist: six triggers, terms, removal on performance, bans and agencies joining (facts 2)."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.results import END_REASONS
from scslab.engine.sim import Sim

FAST = [
    "behaviours.judgment_debt.opportunities_per_year=0.05",
    "behaviours.resist_enforcement.opportunities_per_year=0.02",
    "behaviours.evade_enforcement.opportunities_per_year=0.02",
]


@pytest.fixture(scope="module")
def run():
    sim = Sim("court-blacklist", n=4000, days=1200, seed=3, overrides=FAST)
    return sim, sim.run()


def test_six_triggers_two_terms():
    sc = Sim("court-blacklist").scenario
    assert len(sc.behaviours) == 6 and all(b.domain == "judicial" for b in sc.behaviours)  # facts 2.2
    lists = {x.name: x for x in sc.lists}
    assert lists["dishonest_refusal"].term_days == 0  # until performance
    assert lists["dishonest_conduct"].term_days == 730 and lists["dishonest_conduct"].extension_days == 365
    assert all(x.exit_within_days == 3 for x in sc.lists)  # facts 2.3
    assert sc.scoring.kind == "none"


def test_minors_are_never_listed(run):
    sim, res = run
    subj = res.list_spells["subject"]
    assert subj.size > 20
    people = subj[subj < res.n_persons]
    assert (sim.state.age[people] >= 18).all()


def test_removal_on_performance_within_three_days(run):
    sim, res = run
    sp = res.list_spells
    refusal = res.names["list"].index("dishonest_refusal")
    done = (sp["list"] == refusal) & (sp["end_reason"] == END_REASONS.index("performance"))
    assert done.any()  # people pay and come off the list
    j = sim.state.obligations.index["judgment_debt"]
    still = np.flatnonzero(sim.state.listed[refusal])
    # whoever is still listed either still owes, or performed less than 3 days ago and is pending removal
    owes = sim.state.obligations.open_since[j, still] >= 0
    pending = sim.state.pending_exit[refusal, still]
    last = res.days - 1
    assert (owes | ((pending >= 0) & (pending <= last + 3))).all()


def test_bans_reach_the_listed_and_agencies_join_on_time(run):
    sim, res = run
    sa, sp, names = res.sanctions, res.list_spells, res.names
    measure = np.asarray(names["measure"])[sa["measure"]]
    via = np.asarray(names["via"])[sa["via"]]
    first = {m: sa["start"][measure == m].min() for m in set(measure)}
    assert first["flight_ban"] >= 92 and first["rail_ban"] >= 92  # 8 departments, 2014
    assert first.get("civil_service_ban", 10**9) >= 822  # 44-department MOU
    assert first.get("management_ban", 10**9) >= 1090  # 60-department Opinions
    selfs = via == "self"
    assert (sa["target"][selfs] == sp["subject"][sa["spell"][selfs]]).all()
    reps = via == "legal_rep"
    if reps.any():
        firms = sp["subject"][sa["spell"][reps]]
        assert (sa["target"][reps] == sim.state.legal_rep[firms - res.n_persons]).all()
    assert res.indicators["flight_blocks"] > 0 and res.indicators["paid_after_listing"] > 0


CATALOGUE = {  # measure -> (service it denies, day its agencies joined), facts 2b and 2.6
    "flight_ban": ("flight", 92),
    "rail_ban": ("rail", 92),
    "private_school_ban": ("private_school", 92),
    "hotel_ban": ("star_hotel", 659),
    "golf_nightclub_ban": ("golf_nightclub", 659),
    "property_ban": ("property", 659),
    "car_ban": ("car", 659),
    "civil_service_ban": ("hiring", 822),
    "loan_refusal": ("loan", 822),
    "procurement_ban": ("procurement", 822),
    "insurance_ban": ("premium_insurance", 822),
    "management_ban": ("office", 1090),
    "outbound_tour_ban": ("outbound_tour", 1091),
    "exit_ban": ("exit", 1091),
    "legal_exam_ban": ("legal_exam", 1091),
}


def test_the_sanction_catalogue_of_facts_2b():
    sc = Sim("court-blacklist").scenario
    ms = {m.name: m for m in sc.measures}
    for name, (service, day) in CATALOGUE.items():
        assert ms[name].blocks == service and ms[name].from_day == day, name
        assert ms[name].list == "dishonest_refusal"
    # the high-consumption restrictions reach a unit debtor's legal representative (facts 2b)
    for name in (
        "flight_ban",
        "rail_ban",
        "hotel_ban",
        "golf_nightclub_ban",
        "property_ban",
        "car_ban",
        "insurance_ban",
        "outbound_tour_ban",
        "exit_ban",
    ):
        assert "legal_rep" in ms[name].applies_to, name
    # public exposure from day 0, the monthly Credit China lists from June 2018 (facts 2.1, 2b)
    assert ms["public_exposure"].publicity and ms["credit_china_list"].publicity
    assert ms["credit_china_list"].from_day == 1704
    assert sc.model.exclusion.cut_share > 0  # exposure has social costs (issue 13.5)


def test_blocked_attempts_are_counted_per_measure(run):
    sim, res = run
    blocks = res.summary["blocks"]
    by_service = res.summary["blocks_by_service"]
    assert set(CATALOGUE) - {
        "private_school_ban",
        "civil_service_ban",
        "loan_refusal",
        "procurement_ban",
        "management_ban",
    } <= set(blocks)
    # a service only one measure denies: its blocked attempts are that measure's
    for name in ("hotel_ban", "golf_nightclub_ban"):
        assert blocks[name] == by_service[CATALOGUE[name][0]]
    assert blocks["hotel_ban"] > 0
    # no attempt is blocked before the measure's agency joined
    assert sum(blocks.values()) >= by_service["flight"]


def test_the_rail_rule_narrows_with_the_2016_opinions(run):
    """Dated change (issue 8): the 2015 rule barred any high-speed train, the Opinions of
    26 Sep 2016 (day 1091) G-series trains (facts 2b, 2.6); the fitted rate drops that day."""
    sc = Sim("court-blacklist").scenario
    (change,) = sc.schedule
    assert change.day == 1091
    rates = {m.name: m.attempts_per_year for m in sc.measures}
    after = change.set["measures.rail_ban.attempts_per_year"]
    assert change.set["measures.conduct_rail_ban.attempts_per_year"] == after
    assert rates["rail_ban"] == rates["conduct_rail_ban"] > after > 0
    sim, res = run  # 1,200 days: the change has taken effect in the engine
    now = {m.name: m.attempts_per_year for m in sim.scenario.measures}
    assert now["rail_ban"] == now["conduct_rail_ban"] == after
    assert now["flight_ban"] == rates["flight_ban"]  # nothing else moved
