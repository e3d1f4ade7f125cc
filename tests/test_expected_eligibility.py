"""Expected weights read measure eligibility (issue 13, item 3): a subject's expected cost of
being listed counts a measure only if the measure would apply to it, itself or someone it
answers for (a child, its legal representative), evaluated over all subjects at once."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import toy_scenario
from scslab.engine.decision import Expectations
from scslab.engine.sim import Sim


def _deterred(eligible, school=True):
    """The toy scenario with deterrence on; the flight ban applies to ``eligible`` subjects.

    Perception is frozen (no learning, nothing seen), so a person's decision depends only on
    her own draws and her expected weight: whoever's weight does not move decides the same."""

    def edit(d):
        d["population"]["n"] = 2000
        d["model"]["w_deterrence"] = 2.0
        d["model"]["perception"] = {
            "initial": 0.5,
            "visibility": 0.0,
            "learning_rate": 0.0,
            "social_rate": 0.0,
            "vicarious_rate": 0.0,
            "w_seen": 0.0,
        }
        d["measures"][0]["eligible"] = eligible
        if not school:
            d["measures"] = d["measures"][:1]

    return toy_scenario(edit)


def _weights(sc):
    sim = Sim(sc).init()
    exp = next(m for m in sim.modules if m.name == "behaviour").expect
    exp.refresh(sim, 0)
    n = sim.state.n
    return sim, np.asarray(exp.sanction(0, np.arange(n)), float) * np.ones(n)


def test_only_the_eligible_group_expects_the_measure():
    sim_all, w_all = _weights(_deterred("true", school=False))
    sim_urb, w_urb = _weights(_deterred("urban", school=False))
    _, w_none = _weights(_deterred("false", school=False))
    urban = sim_urb.state.urban[: sim_urb.state.n] == 1
    assert 0.3 < urban.mean() < 0.9  # both groups are there
    # the urban expect what everybody expected when the ban applied to all ...
    assert np.allclose(w_urb[urban], w_all[urban])
    # ... the rural what nobody would expect without it, and that is less
    assert np.allclose(w_urb[~urban], w_none[~urban])
    assert (w_none < w_all).all()
    # one number per person per group, not per person
    assert np.unique(w_urb).size == 2


def test_a_measure_on_children_weighs_only_on_parents_of_minors():
    sim, w = _weights(_deterred("true"))
    _, w_no_school = _weights(_deterred("true", school=False))
    st = sim.state
    kids = st.children
    n = st.n
    minor = st.is_person & ~st.adult
    has_minor = np.array([minor[kids.indices[kids.indptr[i] : kids.indptr[i + 1]]].any() for i in range(n)])
    assert 0 < has_minor.sum() < n
    assert (w[has_minor] > w_no_school[has_minor]).all()
    assert np.allclose(w[~has_minor], w_no_school[~has_minor])


def test_only_the_eligible_group_changes_its_conduct():
    runs = {}
    for rule in ("true", "urban"):
        sim = Sim(_deterred(rule, school=False))
        res = sim.run()
        runs[rule] = (sim, res)
    st = runs["urban"][0].state
    n = st.n
    urban = st.urban[:n] == 1
    rec = {r: np.bincount(res.records["subject"], minlength=n)[:n] for r, (_, res) in runs.items()}
    # the rural lost the ban from their expectations: they violate more; the urban kept it
    assert rec["urban"][~urban].sum() > rec["true"][~urban].sum()
    assert rec["urban"][urban].sum() == rec["true"][urban].sum()


def test_eligibility_is_read_again_after_the_refresh_interval():
    sc = _deterred("day >= 40", school=False)
    sc.sim.days = 70
    sim = Sim(sc).init()
    exp = next(m for m in sim.modules if m.name == "behaviour").expect
    upper = exp.upper()[0][0]
    every = Expectations.REFRESH_DAYS
    for day in range(40):
        sim.step(day)
    assert exp.refreshed == every * (39 // every)
    assert np.all(np.asarray(exp.sanction(0, np.arange(10))) < upper)  # nobody eligible before day 40
    for day in range(40, 70):
        sim.step(day)
    assert exp.refreshed == every * (69 // every) >= 40
    assert np.allclose(exp.sanction(0, np.arange(10)), upper)  # eligible from day 40, read at the refresh


@pytest.mark.parametrize("rule", ["true", "urban"])
def test_same_seed_same_weights(rule):
    _, a = _weights(_deterred(rule))
    _, b = _weights(_deterred(rule))
    assert np.array_equal(a, b)
