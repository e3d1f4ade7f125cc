"""health-code-blacklist: a confirmed infection itself lists a person (the essay's 'blacklisting
of infected citizens'); rules read the epidemic's state; the work suspension follows the code."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.attributes import SubjectView
from scslab.engine.epidemic import GREEN, RED
from scslab.engine.sim import Sim


@pytest.fixture(scope="module")
def run():
    sim = Sim("health-code-blacklist", n=4000, seed=1)
    return sim, sim.run()


def _list(res, name):
    sp = res.list_spells
    mine = sp["list"] == res.names["list"].index(name)
    return {k: v[mine] for k, v in sp.items()}


def test_every_confirmed_case_is_listed_on_the_day_of_confirmation(run):
    sim, res = run
    ep = sim.module("epidemic")
    sp = _list(res, "infected_citizens")
    confirmed = np.flatnonzero(ep.ever_red)
    assert confirmed.size > 20
    assert np.array_equal(np.sort(sp["subject"]), confirmed)  # one spell each: the term outlasts the run
    # listed on the day the code turned red: those still red carry that day in code_start
    order = np.argsort(sp["subject"])
    subj, start = sp["subject"][order], sp["start"][order]
    red = ep.code[subj] == RED
    assert red.sum() > 5
    assert np.array_equal(start[red], ep.code_start[subj[red]])
    # nobody never infected is on it: a confirmation is a true case
    assert ep.ever_infected[sp["subject"]].all()


def test_the_infected_bear_the_sanctions_ties_and_income_loss(run):
    sim, res = run
    ind = res.indicators
    assert ind["confirmed_listed_share"] == 1.0
    assert ind["sanctions_per_capita_ever_infected"] > 20 * ind["sanctions_per_capita_never_infected"]
    assert ind["ties_lost_share_ever_infected"] > 3 * ind["ties_lost_share_never_infected"]
    assert ind["income_change_ever_infected"] < 0 <= ind["income_change_never_infected"] + 1e-12
    # and most non-green codes are still held by people never infected (the code's reach)
    assert ind["nongreen_never_infected_share"] > 0.5


def test_work_suspension_follows_the_code_colour(run):
    sim, res = run
    ep = sim.module("epidemic")
    s = res.sanctions
    j = res.names["measure"].index("infected_work_suspension")
    mine = s["measure"] == j
    tgt, end = s["target"][mine], s["end"][mine]
    assert mine.sum() > 20
    # in force now exactly for the listed adults whose code is not green
    live = tgt[end < 0]
    assert (ep.code[live] != GREEN).all()
    ended = tgt[end >= 0]
    assert ended.size > 0  # stopped when the code turned green, while the spell went on
    sp = res.list_spells
    assert (sp["end"][s["spell"][mine][end >= 0]] < 0).all()
    # the hiring ban, read only on entry, is still on for every listed adult
    h = res.names["measure"].index("infected_hiring_ban")
    hired = s["target"][(s["measure"] == h) & (s["end"] < 0)]
    listed = _list(res, "infected_citizens")["subject"]
    assert np.array_equal(np.sort(hired), np.sort(listed[sim.state.adult[listed]]))


def test_rules_read_the_epidemic_state():
    sim = Sim("health-code-blacklist", n=2000, seed=2, days=40).init()
    for day in range(40):
        sim.step(day)
    ep = sim.module("epidemic")
    who = np.arange(sim.state.S)
    v = SubjectView(sim, who)
    n = ep.n
    assert np.array_equal(v["infected"][:n], np.isin(ep.epi, (1, 2)))
    assert np.array_equal(v["recovered"][:n], ep.epi == 3)
    assert np.array_equal(v["days_nongreen"][:n], ep.days_yellow + ep.days_red)
    assert np.array_equal(v["code_nongreen"][:n], ep.code != GREEN)
    assert not v["infected"][n:].any() and not v["days_red"][n:].any()  # organisations read 0
    assert v["days_yellow"][:n].max() > 0 and v["infected"].any()
