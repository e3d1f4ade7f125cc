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
