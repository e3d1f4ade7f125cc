"""A [[schedule]] change of a behaviour's parameters takes effect on its day.

Rare behaviours draw their next opportunity decades ahead, so a new
``opportunities_per_year`` must redraw the pending opportunities (exact for exponential
waiting times); a new ``base_logit`` must reach the decision itself.
"""

from __future__ import annotations

import numpy as np

from conftest import toy_scenario
from scslab.engine.sim import Sim


def _opportunities_by_day(sc) -> np.ndarray:
    sim = Sim(sc).init()
    out = np.zeros(sc.sim.days, np.int64)
    for d in range(sc.sim.days):
        sim.step(d)
        out[d] = sim.behaviour.opportunities.sum()
    return out


def test_a_scheduled_rate_change_takes_effect_on_its_day():
    def rare_then_common(d):
        d["behaviours"][0]["opportunities_per_year"] = 0.01
        d["schedule"] = [{"day": 30, "set": {"behaviours.littering.opportunities_per_year": 20.0}}]

    sc = toy_scenario(rare_then_common)
    opp = _opportunities_by_day(sc)
    persons = sc.population.n
    before, after = opp[:30].sum(), opp[30:].sum()
    assert before < 5  # 600 people x 30 days x 0.01 a year: about 0.5 expected
    expected = persons * 0.8 * 20.0 * (sc.sim.days - 30) / 365.0  # roughly the adults' share
    assert 0.6 * expected < after < 1.4 * expected, (after, expected)


def test_a_scheduled_base_logit_change_changes_decisions():
    def switch(logit):
        def edit(d):
            d["schedule"] = [{"day": 20, "set": {"behaviours.littering.base_logit": logit}}]

        return edit

    low = Sim(toy_scenario(switch(-20.0))).run()
    high = Sim(toy_scenario(switch(5.0))).run()
    v_low, v_high = low.series["violations"], high.series["violations"]
    assert np.array_equal(v_low[:20], v_high[:20])  # same luck before the change
    assert v_low[25:].sum() == 0 and v_high[25:].sum() > 10 * max(v_low[:20].sum(), 1)
