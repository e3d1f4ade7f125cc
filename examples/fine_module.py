"""A new institution module in one file: a daily fine for everyone on a blacklist.

The worked example of CONTRIBUTING.md (tests/test_contributing_example.py runs it). The fine
and its amount are illustrative assumptions, not a sourced feature of any system.
Run it: ``.venv/bin/python examples/fine_module.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from scslab.engine.module import Module, ResultSpec

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

    # what the module leaves in the results (and in results.duckdb)
    def results(self, sim: Sim) -> list[ResultSpec]:
        return [
            ResultSpec("fines_collected", "yuan", "fines paid today"),
            ResultSpec("fines_total", "yuan", "fines paid over the run", kind="figure"),
            ResultSpec("fines_paid", "yuan", "fines the subject paid over the run", kind="column"),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        out["fines_collected"] = self.collected[day]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out["fines_total"] = float(self.collected.sum())
        paid = np.zeros(sim.state.S)  # a column has a value for every subject
        paid[: sim.state.n] = self.paid
        out["fines_paid"] = paid


if __name__ == "__main__":
    from scslab.engine.sim import MODULES, Sim

    sim = Sim("fico-us", n=5000, years=1, seed=1, modules=[*MODULES, DailyFine])
    res = sim.run()
    print([m.name for m in sim.modules])
    paid = res.subjects["fines_paid"]
    print(f"fines collected: {res.figures['fines_total']:,.0f} yuan from {(paid > 0).sum()} persons")
