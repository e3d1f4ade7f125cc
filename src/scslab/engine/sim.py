"""The simulation: a population, the institution's modules and the published day loop.

| # | module    | does                                                               |
|---|-----------|--------------------------------------------------------------------|
| 0 | schedule  | timed scenario changes take effect (``[[schedule]]``)              |
| 1 | behaviour | subjects with an opportunity comply, violate, do good or speak     |
| 2 | sources   | data sources observe a share of it, with misses and false matches  |
| 3 | ledger    | observations due today become records (with their ground truth)    |
| 4 | scoring   | scores and grades move                                             |
| 5 | lists     | subjects enter or leave red lists, blacklists, watch lists         |
| 6 | measures  | joint sanctions and rewards reach subjects and their links         |
| 7 | repair    | expiry, credit repair, objections filed and resolved               |
| 8 | feedback  | income, savings and shocks; exclusion (ties cut with exposed       |
|   |           | subjects); society (weekly peer shares and social perception)      |
| 9 | results   | the day's figures are stored                                       |

Optional processes (an epidemic for health codes, reminder letters) join through
:mod:`.extensions` before step 1 or after step 8, without changing this order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from ..population.synth import synthesize
from ..scenario.schema import Scenario
from .behaviour import BehaviourModule
from .exclusion import ExclusionModule
from .extensions import active_extensions
from .feedback import FeedbackModule
from .ledger import LedgerModule
from .lists import ListsModule
from .measures import MeasuresModule
from .recorder import Recorder
from .repair import RepairModule
from .results import Results
from .rng import Streams
from .scoring import ScoringModule
from .society import SocietyModule
from .sources import SourcesModule
from .state import State

__all__ = ["Sim"]


class Sim:
    """Run one scenario: ``Sim("rongcheng", n=10_000, seed=1).run()`` returns :class:`Results`.

    ``scenario`` is a :class:`Scenario`, a preset name or a TOML path; ``n``, ``seed``,
    ``days``/``years`` and ``overrides`` (``"policy.detection_scale=0.5"``) adjust it.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        n: int | None = None,
        seed: int | None = None,
        days: int | None = None,
        years: float | None = None,
        overrides: Iterable[str] = (),
        progress: bool = False,
    ) -> None:
        from ..scenario.loader import apply_overrides, load_scenario

        extra = []
        if n is not None:
            extra.append(f"population.n={int(n)}")
        if seed is not None:
            extra.append(f"sim.seed={int(seed)}")
        if years is not None:
            days = int(round(years * 365))
        if days is not None:
            extra.append(f"sim.days={int(days)}")
        if isinstance(scenario, Scenario):
            data = apply_overrides(scenario.model_dump(mode="json"), [*extra, *overrides])
            scenario = Scenario.model_validate(data)
        else:
            scenario = load_scenario(scenario, [*extra, *overrides])
        self.scenario = scenario
        self.progress = progress
        self.streams = Streams(scenario.sim.seed)
        self.day = 0
        self.wall_s = 0.0

    def init(self) -> Sim:
        sc = self.scenario
        self.pop = synthesize(sc.population, self.streams.generator("population"))
        self.state = State(self.pop, sc, self.streams.generator("state"))
        self.behaviour, self.sources, self.ledger = BehaviourModule(), SourcesModule(), LedgerModule()
        self.scoring, self.lists, self.measures = ScoringModule(), ListsModule(), MeasuresModule()
        self.repair, self.feedback = RepairModule(), FeedbackModule()
        self.society, self.exclusion = SocietyModule(), ExclusionModule()
        self.extensions = active_extensions(self)  # created first: rules may read their attributes
        for mod in (
            self.exclusion,
            self.behaviour,
            self.sources,
            self.ledger,
            self.scoring,
            self.lists,
            self.measures,
            self.repair,
            self.feedback,
            self.society,
        ):
            mod.init(self)
        for ext in self.extensions:
            ext.init(self)
        self.recorder = Recorder(self)
        return self

    def extension(self, name: str):
        """The running extension module called ``name`` (e.g. "epidemic"), or None."""
        return next((e for e in getattr(self, "extensions", ()) if e.name == name), None)

    def _apply_schedule(self, day: int) -> None:
        from ..scenario.loader import apply_overrides

        items = [s for s in self.scenario.schedule if s.day == day]
        if not items:
            return
        data = self.scenario.model_dump(mode="json")
        for it in items:
            data = apply_overrides(
                data, [f"{k}={_toml_value(v)}" for k, v in it.set.items()], origin=f"schedule day {day}"
            )
        self.scenario = Scenario.model_validate(data)
        # derived parameters follow the new scenario; state (records, spells, beliefs) carries on
        for mod in (self.sources, self.ledger, self.scoring, self.lists, self.measures):
            mod.configure(self)
        self.behaviour.refresh(self)

    def step(self, day: int) -> None:
        self.day = day
        self._apply_schedule(day)
        for ext in self.extensions:
            if ext.phase == "before_behaviour":
                ext.step(self, day)
        subj, beh = self.behaviour.step(self, day)
        self.sources.step(self, day, subj, beh)
        self.ledger.step(self, day)
        self.scoring.step(self, day)
        self.measures.reset_counters()
        self.lists.step(self, day)
        self.measures.step(self, day)
        self.repair.step(self, day)
        self.feedback.step(self, day)
        self.exclusion.step(self, day)
        self.society.step(self, day)
        for ext in self.extensions:
            if ext.phase == "after_feedback":
                ext.step(self, day)
        self.recorder.record(self, day)

    def run(self) -> Results:
        t0 = time.perf_counter()
        if not hasattr(self, "state"):
            self.init()
        days = range(self.scenario.sim.days)
        if self.progress:
            from tqdm import tqdm

            days = tqdm(days, desc=self.scenario.name, unit="day", mininterval=0.5)
        for day in days:
            self.step(day)
        self.wall_s = time.perf_counter() - t0
        return self.recorder.finish(self)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    return repr(v)
