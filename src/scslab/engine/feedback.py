"""Step 8: the society answers -- income, savings, shocks and peer behaviour update.

Sanctions that deny loans, jobs or procurement cut income; income stress raises the
chance of missing the next obligation (the poverty trap). One fused pass over subjects
updates savings every day; peer violation shares are refreshed weekly over the networks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from .behaviour import _gaps
from .queue import Calendar

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["FeedbackModule", "CONSUMPTION_SHARE"]

CONSUMPTION_SHARE = 0.9  # share of normal income spent: sanctions that cut income eat savings


@njit(cache=True)
def _economy(base, effect, benefit, income, savings, consumption_share):
    """income = base x (1 + sum of income effects) + benefits; savings += (income - spending)/365."""
    for i in range(base.shape[0]):
        f = 1.0 + effect[i]
        if f < 0.0:
            f = 0.0
        inc = base[i] * f + benefit[i]
        income[i] = inc
        savings[i] += (inc - consumption_share * base[i]) / 365.0


@njit(cache=True)
def _neighbour_mean(indptr, indices, values, out):
    for i in range(indptr.shape[0] - 1):
        a, b = indptr[i], indptr[i + 1]
        if b > a:
            s = 0.0
            for k in range(a, b):
                s += values[indices[k]]
            out[i] = s / (b - a)
        else:
            out[i] = 0.0


class FeedbackModule:
    name = "feedback"

    def init(self, sim: "Sim") -> None:
        st = sim.state
        self.adults = np.flatnonzero(st.adult)
        mdl = sim.scenario.model
        u = sim.streams.uniform("feedback.shock", -1, self.adults)
        self.shock_q = Calendar(st.S, sim.scenario.sim.days)
        self.shock_q.push(_gaps(u, mdl.shocks_per_year), self.adults)
        self.shocks_today = 0

    def step(self, sim: "Sim", day: int) -> None:
        st, mdl = sim.state, sim.scenario.model
        _economy(st.base_income, st.income_effect, st.benefit, st.income, st.savings, CONSUMPTION_SHARE)
        hit = self.shock_q.pop(day)
        self.shocks_today = hit.size
        if hit.size:
            st.savings[hit] -= mdl.shock_months * st.base_income[hit] / 12.0
            u = sim.streams.uniform("feedback.shock", day, hit)
            self.shock_q.push(day + _gaps(u, mdl.shocks_per_year), hit)
        if day % 7 == 0:
            net = sim.pop.friend_net
            out = np.empty(st.n, np.float32)
            _neighbour_mean(net.indptr, net.indices, st.recent_violation[: st.n], out)
            st.peer_share[: st.n] = out
