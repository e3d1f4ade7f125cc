"""The feedback row: the society answers -- income, savings, shocks and peer behaviour update.

Sanctions that deny loans, jobs or procurement cut income; income stress raises the
chance of missing the next obligation (the poverty trap). One fused pass over subjects
updates savings every day; peer effects live in :mod:`.society`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..jit import njit
from .module import SAMPLE_EVERY, Module, ResultSpec
from .queue import Calendar, exponential_gaps

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["CONSUMPTION_SHARE", "FeedbackModule"]

CONSUMPTION_SHARE = 0.9  # share of normal income spent: sanctions that cut income eat savings


@njit(cache=True)
def _economy(base, effect, benefit, income, savings, consumption_share, subsistence, n_persons):
    """income = base x (1 + income effects) + benefits; savings += (income - spending) / 365.

    Persons spend a share of their normal income but never less than subsistence, so a
    sanction that cuts a poor person's income eats straight into savings.
    """
    for i in range(base.shape[0]):
        f = 1.0 + effect[i]
        if f < 0.0:
            f = 0.0
        inc = base[i] * f + benefit[i]
        income[i] = inc
        spend = consumption_share * base[i]
        if i < n_persons and base[i] > 0.0 and spend < subsistence:
            spend = subsistence
        savings[i] += (inc - spend) / 365.0


class FeedbackModule(Module):
    """income, savings and shocks"""

    name = "feedback"

    def init(self, sim: Sim) -> None:
        st = sim.state
        adults = np.flatnonzero(st.adult)
        mdl = sim.scenario.model
        u = sim.streams.uniform("feedback.shock", -1, adults)
        self.shock_q = Calendar(st.S, sim.scenario.sim.days)
        self.shock_q.push(exponential_gaps(u, mdl.shocks_per_year), adults)
        self.shocks_today = 0
        self.zeros: np.ndarray | None = None  # made when economic feedback is switched off

    def step(self, sim: Sim, day: int) -> None:
        st, mdl = sim.state, sim.scenario.model
        if mdl.economic_feedback:
            effect, benefit = st.income_effect, st.benefit
        else:  # switched off: measures leave income alone
            if self.zeros is None:
                self.zeros = np.zeros(st.S, np.float32)
            effect, benefit = self.zeros, self.zeros
        _economy(
            st.base_income, effect, benefit, st.income, st.savings, CONSUMPTION_SHARE, mdl.subsistence_per_year, st.n
        )
        hit = self.shock_q.pop(day)
        self.shocks_today = hit.size
        if hit.size:
            st.savings[hit] -= mdl.shock_months * st.base_income[hit] / 12.0
            u = sim.streams.uniform("feedback.shock", day, hit)
            self.shock_q.push(day + exponential_gaps(u, mdl.shocks_per_year), hit)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Income shocks of the day and the persons' mean income."""
        return [
            ResultSpec("shocks", "persons", "persons hit by an income shock today"),
            ResultSpec("income_mean", "yuan per year", "mean income of persons", every=SAMPLE_EVERY, reduce="mean"),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        out["shocks"] = self.shocks_today
        if out.sampling:
            out["income_mean"] = sim.state.income[: sim.state.n].mean()
