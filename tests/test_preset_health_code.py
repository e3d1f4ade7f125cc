"""health-code preset: the Hangzhou colour rules hold exactly, the epidemic spreads over the
networks and isolation shrinks it, and people who break isolation end up blacklisted."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.epidemic import GREEN, INFECTIOUS, RED, YELLOW
from scslab.engine.sim import Sim

QUIET = [
    "epidemic.initial_infected=0",
    "epidemic.travel_per_year=0",
    "epidemic.checkin_share=1",
    "epidemic.violation_opportunities_per_day=0",
    "epidemic.beta_household=0",
    "epidemic.beta_work=0",
    "epidemic.beta_friend=0",
]


def _epi(sim):
    return sim.module("epidemic")


def _colours(overrides=(), days=60, d=5, setup=None):
    """Step a quiet population; ``setup(ep, d)`` codes people before day ``d``; returns colours[day, person]."""
    sim = Sim("health-code", n=300, days=days, seed=3, overrides=[*QUIET, *overrides]).init()
    ep = _epi(sim)
    out = np.zeros((days, 5), np.int8)
    for day in range(days):
        if day == d:
            setup(ep, d)
        sim.step(day)
        out[day] = ep.code[:5]
    return out, ep


def _first_green(col: np.ndarray, d: int) -> int:
    return d + int(np.argmax(col[d:] == GREEN))


def test_yellow_7_plus_7_and_red_14_plus_14_exact():
    d = 5

    def setup(ep, day):
        ep.assign_code(np.array([0]), YELLOW, day)
        ep.assign_code(np.array([1]), RED, day)
        ep.epi[2], ep.until[2] = INFECTIOUS, day + 20  # red while still infectious for 20 days
        ep.assign_code(np.array([2]), RED, day)

    col, _ = _colours(d=d, setup=setup)
    assert (col[:d] == GREEN).all()
    # yellow: 7 isolation days + 7 consecutive check-ins -> green on day d + 14 (facts 8.11)
    assert (col[d : d + 14, 0] == YELLOW).all() and (col[d + 14 :, 0] == GREEN).all()
    # red: 14 + 14 -> green on day d + 28
    assert (col[d : d + 28, 1] == RED).all() and (col[d + 28 :, 1] == GREEN).all()
    # check-ins while infectious are not 'normal': the 14 clean days start at recovery (d + 20)
    assert _first_green(col[:, 2], d) == d + 20 + 14
    assert (col[:, 3:] == GREEN).all()


def test_missed_checkins_restart_and_red_is_not_downgraded():
    d = 2

    def setup(ep, day):
        ep.assign_code(np.array([0, 1]), RED, day)
        ep.assign_code(np.array([1, 2]), YELLOW, day)  # 1 stays red, 2 turns yellow

    col, ep = _colours(["epidemic.checkin_share=0"], days=50, d=d, setup=setup)
    assert (col[d:, 0] == RED).all() and (col[d:, 1] == RED).all()  # never a clean streak
    assert (col[d:, 2] == YELLOW).all()
    assert ep.days_red[0] == 50 - d and ep.days_yellow[2] == 50 - d
    col, _ = _colours(["epidemic.checkin_share=0.7"], days=60, d=d, setup=setup)
    g = _first_green(col[:, 2], d)
    assert g >= d + 14 and (col[d:g, 2] == YELLOW).all()


def _run(overrides, n=2000, days=100, seed=2):
    sim = Sim(
        "health-code",
        n=n,
        days=days,
        seed=seed,
        overrides=[
            "epidemic.travel_per_year=0",
            "epidemic.violation_opportunities_per_day=0",
            "epidemic.initial_infected=10",
            *overrides,
        ],
    )
    res = sim.run()
    return sim, res


def test_epidemic_spreads_over_network_and_isolation_reduces_final_size():
    _, none = _run(["epidemic.beta_household=0", "epidemic.beta_work=0", "epidemic.beta_friend=0"])
    assert none.indicators["attack_rate"] == pytest.approx(10 / 2000)  # no contacts, no spread
    sim_free, free = _run(["epidemic.isolation_factor_household=1", "epidemic.isolation_factor_community=1"])
    _, iso = _run([])
    assert free.indicators["attack_rate"] > 0.15
    assert iso.indicators["attack_rate"] < 0.5 * free.indicators["attack_rate"]
    # same luck, same codes rule: the only difference is isolation, and it shrinks the epidemic
    assert iso.series["new_confirmed"].sum() < free.series["new_confirmed"].sum()
    s = free.series
    total = s["susceptible"] + s["infected"] + s["recovered"]
    assert (total == 2000).all()
    assert (s["code_green"] + s["code_yellow"] + s["code_red"] == 2000).all()
    assert s["code_red"].max() > 0 and s["code_yellow"].max() > 0


def test_quarantine_violators_are_coded_people_and_end_up_listed():
    sim, res = _run(
        ["epidemic.violation_opportunities_per_day=0.3", "epidemic.travel_per_year=1"], n=3000, days=80, seed=4
    )
    ep = _epi(sim)
    b = res.names["behaviour"].index("quarantine_violation")
    rec = res.records
    viol = rec["subject"][rec["behaviour"] == b]
    assert viol.size > 5
    assert (ep.ever_yellow | ep.ever_red)[viol].all()  # only people under a code can break isolation
    k = res.names["list"].index("quarantine_violators")
    listed = np.unique(res.list_spells["subject"][res.list_spells["list"] == k])
    assert np.array_equal(listed, np.unique(viol))  # every recorded breaker is listed, nobody else
    assert res.indicators["violators_listed_share"] > 0.9
    assert res.sanctions["target"].size > 0


def test_deterministic():
    a = _run([], n=800, days=40, seed=9)[1]
    b = _run([], n=800, days=40, seed=9)[1]
    for k in ("infected", "code_yellow", "code_red", "new_confirmed"):
        assert np.array_equal(a.series[k], b.series[k])
