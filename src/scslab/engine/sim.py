"""The simulation: a population, the institution's modules and the published day loop.

``Sim.modules`` *is* the loop: every day, after the day's event buffers are cleared, each
module's ``step(sim, day)`` runs in this order (:data:`MODULES`; ``Sim.loop_table()``
prints it for a run, with the CPU time each row took):

| # | module     | does                                                                  |
|---|------------|-----------------------------------------------------------------------|
| 0 | schedule   | timed scenario changes take effect; every module re-configures        |
| 1 | behaviour  | subjects with an opportunity comply, violate, do good or speak        |
| 2 | sources    | data sources observe a share of it, with misses and false matches     |
| 3 | perception | violators and those who saw them learn whether they were caught       |
| 4 | ledger     | observations due today become records (with their ground truth)       |
| 5 | scoring    | records written today move scores; yearly bonus, monthly rescoring    |
| 6 | lists      | terms end, subjects leave on performance or enter by the entry rules  |
| 7 | repair     | records expire, are repaired, objected to and verified                |
| 8 | retirement | retired records leave counters and scores; spells they caused end     |
| 9 | measures   | joint sanctions and rewards reach the listed and their links, or lift |
|10 | feedback   | income, savings and shocks                                            |
|11 | exclusion  | contacts cut ties with publicly exposed subjects (weekly)             |
|12 | society    | peer shares and socially learnt perception (every few days)           |
|13 | results    | every module writes the day's values of its declared series           |

Modules talk through the day's event buffers (:mod:`.events`: a producer fills them in its
step, a later row reads them) and shared state (``sim.state``); none calls another, so this
table is the order in which things happen. ``docs/design.md`` lists every cross-module read.

Optional modules (:data:`EXTENSIONS`: an epidemic for health codes, reminder letters) join
when their scenario table is enabled, at the position each declares (both run before
behaviour). A module of your own joins the same way: ``Sim(..., modules=[*MODULES, Mine])``
with ``Mine.position = ("after", "feedback")``, or one line in :data:`MODULES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from ..population.part import Part, synthesize_part
from ..population.synth import synthesize
from ..scenario.schema import Scenario
from .behaviour import BehaviourModule
from .epidemic import EpidemicModule
from .events import Events
from .exclusion import ExclusionModule
from .feedback import FeedbackModule
from .ledger import LedgerModule
from .letters import LettersModule
from .lists import ListsModule
from .measures import MeasuresModule
from .module import Module, assemble
from .perception import PerceptionModule
from .recorder import ResultsModule
from .repair import RepairModule
from .results import Results
from .retirement import RetirementModule
from .rng import Streams
from .schedule import ScheduleModule
from .scoring import ScoringModule
from .society import SocietyModule
from .sources import SourcesModule
from .state import State

__all__ = ["EXTENSIONS", "MODULES", "Sim", "summarize_results", "timed"]

#: The published loop, one row per module in the order they run each day.
MODULES: list[type[Module]] = [
    ScheduleModule,
    BehaviourModule,
    SourcesModule,
    PerceptionModule,
    LedgerModule,
    ScoringModule,
    ListsModule,
    RepairModule,
    RetirementModule,
    MeasuresModule,
    FeedbackModule,
    ExclusionModule,
    SocietyModule,
    ResultsModule,
]

#: Optional modules: scenario table -> module class (placed at the class's ``position``).
EXTENSIONS: dict[str, type[Module]] = {"epidemic": EpidemicModule, "letters": LettersModule}


class Sim:
    """Run one scenario: ``Sim("rongcheng", n=10_000, seed=1).run()`` returns :class:`Results`.

    ``scenario`` is a :class:`Scenario`, a preset name or a TOML path; ``n``, ``seed``,
    ``days``/``years`` and ``overrides`` (``"policy.detection_scale=0.5"``) adjust it.
    ``modules`` replaces the module list (default :data:`MODULES`; enabled
    :data:`EXTENSIONS` join it either way). ``blocks`` builds the Sim over those population
    blocks only (:mod:`..population.part`): its subjects are indexed locally, every keyed
    draw uses their global ids, so each draws what the whole run draws for it; what couples
    it to other blocks (friend ties across, population-wide ranks) is not exchanged yet.
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
        modules: Sequence[type[Module] | Module] | None = None,
        blocks: Sequence[int] | None = None,
    ) -> None:
        from ..scenario.loader import apply_overrides, load_scenario, size_overrides

        extra = size_overrides(n=n, seed=seed, days=days, years=years)
        if isinstance(scenario, Scenario):
            data = apply_overrides(scenario.model_dump(mode="json"), [*extra, *overrides])
            scenario = Scenario.model_validate(data)
        else:
            scenario = load_scenario(scenario, [*extra, *overrides])
        self.scenario = scenario
        self.progress = progress
        self.streams = Streams(scenario.sim.seed)
        #: the population blocks this Sim holds (None: all of them, a whole run); see :meth:`init`
        self.blocks = None if blocks is None else sorted(int(b) for b in blocks)
        self.part: Part | None = None
        self.day = 0
        self.wall_s = 0.0
        self.events = Events()
        base = list(MODULES if modules is None else modules)
        base += [cls for key, cls in EXTENSIONS.items() if getattr(getattr(scenario, key, None), "enabled", False)]
        self.modules: list[Module] = assemble(m() if isinstance(m, type) else m for m in base)
        self.cpu_s = {m.name: 0.0 for m in self.modules}
        self.step_wall_s = {m.name: 0.0 for m in self.modules}
        #: set-up and finishing phases: name -> {"wall_s", "cpu_s", "peak_rss_mb"} (see :meth:`profile`)
        self.phases: dict[str, dict[str, float]] = {}

    # -- the modules ----------------------------------------------------------------------
    def module(self, name: str) -> Module | None:
        """The module of this run called ``name`` (e.g. "epidemic"), or None."""
        return next((m for m in self.modules if m.name == name), None)

    extension = module  # the name earlier code used for optional modules

    def __getattr__(self, name: str) -> Any:
        # ``sim.lists``, ``sim.measures`` ...: the module of that name (for inspection and
        # tests; modules themselves read shared state and events, never each other)
        if name != "modules" and "modules" in self.__dict__:
            for m in self.__dict__["modules"]:
                if m.name == name:
                    return m
        raise AttributeError(f"{type(self).__name__!s} has no attribute or module {name!r}")

    def loop_table(self) -> list[dict[str, Any]]:
        """The published loop of this run: row, module, what it does, CPU seconds spent so far."""
        rows = []
        for i, m in enumerate(self.modules):
            doc = (type(m).__doc__ or "").strip().splitlines()
            rows.append({"row": i, "module": m.name, "does": doc[0] if doc else "", "cpu_s": self.cpu_s[m.name]})
        return rows

    def timed(self, phase: str) -> AbstractContextManager[None]:
        """Time a phase of the run (wall and process CPU) into :attr:`phases` (:func:`timed`)."""
        return timed(self.phases, phase)

    def profile(self) -> list[dict[str, Any]]:
        """Where the run's time went: set-up phases, each module's daily step summed over the
        days, then the finishing phases, with wall and process CPU seconds (CPU is the steadier
        figure on a shared machine) and the process's peak memory after each phase."""
        rows: list[dict[str, Any]] = []
        for k, v in self.phases.items():
            rows.append({"phase": k, **v})
            if k == "day loop":
                wall, cpu = self.step_wall_s, self.cpu_s
                rows += [{"phase": f"  {m.name}", "wall_s": wall[m.name], "cpu_s": cpu[m.name]} for m in self.modules]
        return rows

    # -- the run --------------------------------------------------------------------------
    def init(self) -> Sim:
        sc = self.scenario
        with self.timed("synthesis"):
            if self.blocks is None:
                self.pop = synthesize(sc.population, self.streams.seed)
            else:  # a part: its blocks only, in their own index space, draws keyed by global ids
                self.part = synthesize_part(sc.population, self.streams.seed, self.blocks)
                self.pop = self.part.pop
                self.streams.ids = self.part.gid
        with self.timed("state"):
            part = self.part
            gid, whole = (None, None) if part is None else (part.gid, part.whole)
            self.state = State(self.pop, sc, self.streams.generator("state"), gid=gid, whole=whole)
        for mod in self.modules:
            with self.timed(f"init {mod.name}"):
                mod.init(self)
        return self

    def configure(self) -> None:
        """Every module re-derives its parameters from ``self.scenario`` (after a timed change)."""
        for mod in self.modules:
            mod.configure(self)

    def step(self, day: int) -> None:
        """One day: clear the event buffers, then every module's step in loop order."""
        self.day = day
        self.events.clear()
        clock, wall, spent, spent_wall = time.process_time, time.perf_counter, self.cpu_s, self.step_wall_s
        for mod in self.modules:
            t, w = clock(), wall()
            mod.step(self, day)
            spent[mod.name] += clock() - t
            spent_wall[mod.name] += wall() - w

    def run(self, on_day: Callable[[int, int], None] | None = None, *, summarize: bool = True) -> Results:
        """Simulate every day and return the results.

        ``on_day(days_done, days_total)`` is called after each simulated day (a web server's
        progress bar, a notebook's widget); it must be cheap, and it cannot change the run.
        ``summarize=False`` returns the collected results without their summary and
        indicators, so a caller can release the engine first and then call
        :func:`summarize_results` (``scslab run`` does: the summary then no longer adds to a
        peak set with the population, networks and state still alive).
        """
        t0 = time.perf_counter()
        if not hasattr(self, "state"):
            self.init()
        total = self.scenario.sim.days
        days = range(total)
        if self.progress:
            from tqdm import tqdm

            days = tqdm(days, desc=self.scenario.name, unit="day", mininterval=0.5)
        with self.timed("day loop"):
            for day in days:
                self.step(day)
                if on_day is not None:
                    on_day(day + 1, total)
        self.wall_s = time.perf_counter() - t0
        return self.finish(summarize=summarize)

    def finish(self, *, summarize: bool = True) -> Results:
        """The run's :class:`Results` (after the last ``step``), with its summary and indicators.

        The summary is a function of the results alone (``metrics.summary.summarize``), the
        same function that recomputes it from a results database (``store.load_results``).
        """
        with self.timed("finish: collect results"):
            recorder = self.module("results")
            assert isinstance(recorder, ResultsModule), "the loop ends with the results row"
            res = recorder.collect(self)
        if summarize:
            with self.timed("finish: summary and indicators"):
                summarize_results(res)
        return res


def summarize_results(res: Results) -> Results:
    """Fill ``res.summary`` and ``res.indicators`` (functions of the results alone) and return it."""
    from ..metrics.indicators import compute_indicators
    from ..metrics.summary import summarize

    res.summary = summarize(res)
    res.indicators = compute_indicators(res)
    return res


@contextmanager
def timed(phases: dict[str, dict[str, float]], phase: str) -> Iterator[None]:
    """Add a phase's wall and process CPU seconds to ``phases[phase]``.

    The peak resident memory of the process at the phase's end is kept beside it: it only
    grows, so the phase where it jumps is the one that raised the peak. Timing never
    changes what a run computes.
    """
    w, c = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        row = phases.setdefault(phase, {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mb": 0.0})
        row["wall_s"] += time.perf_counter() - w
        row["cpu_s"] += time.process_time() - c
        row["peak_rss_mb"] = _peak_rss_mb()


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (VmHWM on Linux, else ru_maxrss)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
