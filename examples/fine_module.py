"""A new institution module in one file: a daily fine for everyone on a blacklist.

The worked example of CONTRIBUTING.md (tests/test_contributing_example.py runs it). The fine
and its amount are illustrative assumptions, not a sourced feature of any system.
Run it: ``.venv/bin/python examples/fine_module.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scslab.engine.module import Module

if TYPE_CHECKING:
    from scslab.engine.sim import Sim


class DailyFine(Module):
    """persons on a blacklist pay a fixed fine each day, out of their savings"""

    name = "daily_fine"
    position = ("after", "measures")  # today's lists and measures have run
    yuan_per_day = 5.0  # assumed amount; subclass to change it

    def init(self, sim: Sim) -> None:
        self.collected = np.zeros(sim.scenario.sim.days)  # yuan, per day
        self.paid = np.zeros(sim.state.n)  # yuan, per person
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        # from init, and again from the engine after every timed change of the scenario
        self.black = [k for k, rule in enumerate(sim.scenario.lists) if rule.type == "black"]

    def step(self, sim: Sim, day: int) -> None:
        if not self.black:
            return
        st = sim.state
        fined = np.flatnonzero(st.listed[self.black, : st.n].any(axis=0))  # persons are 0..n-1
        st.savings[fined] -= self.yuan_per_day
        self.paid[fined] += self.yuan_per_day
        self.collected[day] = fined.size * self.yuan_per_day


if __name__ == "__main__":
    from scslab.engine.sim import MODULES, Sim

    sim = Sim("fico-us", n=5000, years=1, seed=1, modules=[*MODULES, DailyFine])
    sim.run()
    fine = sim.module("daily_fine")
    assert isinstance(fine, DailyFine)
    print([m.name for m in sim.modules])
    print(f"fines collected: {fine.collected.sum():,.0f} yuan from {(fine.paid > 0).sum()} persons")
