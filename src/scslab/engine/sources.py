"""The sources row: data sources observe a share of what happened, late and with errors.

Each source has a detection probability per behaviour, coverage by region, a reporting
delay, a data-entry error share (the record lands on the wrong subject) and, for cameras
with face recognition, a false-match rate with per-attribute multipliers (facts 8.7-8.8).
The simulator keeps the truth next to each record, so every false record is countable.

Reads ``sim.events.acts``; writes ``sim.events.detections`` (what was seen and missed,
for the perception row) and files observations in ``sim.state.observations`` (shared: the
epidemic files its own there too), which the ledger takes out on the day they fall due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .columns import take_cols
from .module import Module, ResultSpec
from .queue import FAR, Calendar

if TYPE_CHECKING:
    from ..scenario.schema import Scenario
    from .sim import Sim

__all__ = ["Observations", "SourceTables", "SourcesModule", "members_mask", "source_tables"]


class Observations:
    """Observations waiting for their reporting delay (``sim.state.observations``).

    Writers: sources, the epidemic (``file``); reader: the ledger (``pop`` on the due day).
    """

    def __init__(self) -> None:
        self.pending: dict[int, list[tuple[np.ndarray, ...]]] = {}

    def file(self, due: int, subj: np.ndarray, beh: np.ndarray, source: int, happened: np.ndarray | bool) -> None:
        """Observations of (subject, behaviour) by ``source``, reaching the ledger on ``due``."""
        self.pending.setdefault(int(due), []).append(
            (
                np.asarray(subj, np.int64),
                np.asarray(beh, np.int16),
                np.full(len(subj), source, np.int16),
                np.asarray(happened, np.bool_),
            )
        )

    def pop(self, day: int) -> tuple[np.ndarray, ...] | None:
        """(subjects, behaviours, sources, happened) due today, or None."""
        batches = self.pending.pop(day, None)
        if not batches:
            return None
        return tuple(np.concatenate(c) for c in zip(*batches))


class SourceTables(NamedTuple):
    """Per source and behaviour: detection probability; per source: rural/urban coverage, delay,
    and the lists whose members alone it observes (``members_of``; empty: everyone)."""

    detect: np.ndarray
    coverage: np.ndarray
    delay: np.ndarray
    members: tuple[np.ndarray, ...]


def members_mask(state: Any, lists: np.ndarray, subj: np.ndarray) -> np.ndarray | None:
    """Which of ``subj`` a source limited to ``lists`` observes today (None: it observes everyone)."""
    if lists.size == 0:
        return None
    return take_cols(state.listed, subj)[lists].any(axis=0)


def source_tables(sc: Scenario) -> SourceTables:
    """The scenario's sources as arrays (shared with the epidemic, which detects its breaches)."""
    bidx = {b.name: i for i, b in enumerate(sc.behaviours)}
    B, K = len(sc.behaviours), len(sc.sources)
    detect = np.zeros((K, B))
    for k, s in enumerate(sc.sources):
        for b, p in s.detects.items():
            detect[k, bidx[b]] = p
    coverage = np.array([[s.coverage_rural, s.coverage_urban] for s in sc.sources]).reshape(K, 2)
    delay = np.array([s.delay_days for s in sc.sources], np.int64)
    lidx = {x.name: k for k, x in enumerate(sc.lists)}
    members = tuple(np.array([lidx[name] for name in s.members_of], np.int64) for s in sc.sources)
    return SourceTables(detect, coverage, delay, members)


class SourcesModule(Module):
    """data sources observe a share of today's acts, with misses and false matches"""

    name = "sources"

    def init(self, sim: Sim) -> None:
        sim.state.observations = Observations()
        self.fm_q: dict[int, Calendar] = {}
        self.configure(sim)
        st, sc = sim.state, sim.scenario
        persons = np.arange(st.n)
        for k, rate in self.fm_rate.items():
            u = sim.streams.uniform(f"source.{self.specs[k].name}.false_match", -1, persons)
            self.fm_q[k] = Calendar(st.n, sc.sim.days)
            self.fm_q[k].push(self._fm_gap(u, _rate_of(rate, persons), sc.policy.detection_scale, 0), persons)
        self.reset_counters()

    def configure(self, sim: Sim) -> None:
        """Derive detection, coverage, delays and false-match rates from the scenario.

        Called at start and after a scheduled change; pending false matches keep their
        day and the next one is drawn at the new rate.
        """
        sc = sim.scenario
        self.specs = sc.sources
        bidx = {b.name: i for i, b in enumerate(sc.behaviours)}
        self.detect, self.coverage, self.delay, self.members = source_tables(sc)
        # a false-match rate per year: one number for every person, or, where multipliers make
        # it differ, its few distinct values and a uint8 code per person (1 byte, not a float64)
        self.fm_rate: dict[int, float | np.ndarray | tuple[np.ndarray, np.ndarray]] = {}
        self.fm_behaviour: dict[int, int] = {}
        for k, s in enumerate(self.specs):
            if s.false_match_per_year <= 0:
                continue
            rate: float | np.ndarray = float(s.false_match_per_year)
            for attr, mult in s.false_match_multipliers.items():
                rate = rate * np.where(_person_flag(sim, attr), mult, 1.0)
            coded: float | np.ndarray | tuple[np.ndarray, np.ndarray] = rate
            if isinstance(rate, np.ndarray):
                values, codes = np.unique(rate, return_inverse=True)
                if values.size <= 256:
                    coded = (values, codes.astype(np.uint8))  # the same float64 values, looked up
            self.fm_rate[k] = coded
            if s.false_match_behaviour is not None:  # the schema requires one with a false-match rate
                self.fm_behaviour[k] = bidx[s.false_match_behaviour]

    @staticmethod
    def _fm_gap(u: np.ndarray, rate: float | np.ndarray, scale: float, day: int) -> np.ndarray:
        r = rate * scale
        with np.errstate(divide="ignore"):
            gap = np.where(r > 0, np.ceil(-np.log1p(-u) * 365.0 / np.maximum(r, 1e-300)), FAR)
        return np.minimum(day + np.maximum(gap, 1), FAR).astype(np.int64)

    def reset_counters(self) -> None:
        self.detected = 0
        self.missed = 0
        self.entry_errors = 0
        self.false_matches = 0

    def step(self, sim: Sim, day: int) -> None:
        """Observe today's acts; observations wait in ``sim.state.observations`` for their delay."""
        subj, beh = sim.events.acts
        self.reset_counters()
        st, scale = sim.state, sim.scenario.policy.detection_scale
        if subj.size:
            remaining = np.ones(subj.size, np.bool_)
            for k, s in enumerate(self.specs):
                p = self.detect[k, beh] * self.coverage[k, st.urban[subj]] * scale
                only = members_mask(st, self.members[k], subj)
                if only is not None:  # a source limited to a list's members sees nobody else
                    p = p * only
                if not p.any():
                    continue
                u = sim.streams.uniform_sub(f"source.{s.name}.detect", day, subj, beh)
                hit = remaining & (u < p)
                remaining &= ~hit
                if hit.any():
                    self._observe(sim, day, k, subj[hit], beh[hit])
            self.missed = int(remaining.sum())
            self.detected = subj.size - self.missed
            sim.events.detections = (subj, beh, ~remaining)
        for k, q in self.fm_q.items():
            if k not in self.fm_rate:  # false matches switched off by a scheduled change
                continue
            who = q.pop(day)
            if who.size == 0:
                continue
            u = sim.streams.uniform(f"source.{self.specs[k].name}.false_match", day, who)
            rate = self.fm_rate[k]
            q.push(self._fm_gap(u, _rate_of(rate, who), scale, day), who)
            only = members_mask(st, self.members[k], who)
            if only is not None:  # no false match filed against someone the source does not watch
                who = who[only]
                if who.size == 0:
                    continue
            self.false_matches += who.size
            sim.state.observations.file(
                day + self.delay[k],
                who,
                np.full(who.size, self.fm_behaviour[k], np.int16),
                k,
                np.zeros(who.size, np.bool_),
            )

    def _observe(self, sim: Sim, day: int, k: int, subj: np.ndarray, beh: np.ndarray) -> None:
        s = self.specs[k]
        happened = np.ones(subj.size, np.bool_)
        if s.entry_error_share > 0:
            u = sim.streams.uniform_sub(f"source.{s.name}.entry_error", day, subj, beh)
            wrong = u < s.entry_error_share
            if wrong.any():
                st = sim.state
                u2 = sim.streams.uniform_sub(f"source.{s.name}.entry_target", day, subj[wrong], beh[wrong])
                persons = st.is_person[subj[wrong]]
                other = np.where(persons, (u2 * st.n).astype(np.int64), st.n + (u2 * max(st.m, 1)).astype(np.int64))
                subj = subj.copy()
                subj[wrong] = np.minimum(other, st.S - 1)
                happened = ~wrong
                self.entry_errors += int(wrong.sum())
        sim.state.observations.file(day + self.delay[k], subj, beh, k, happened)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """What the sources saw today, and what they got wrong."""
        return [
            ResultSpec("detected", "acts", "observable acts a source observed today"),
            ResultSpec("missed", "acts", "observable acts no source observed today"),
            ResultSpec("false_matches", "observations", "observations of acts that did not happen"),
            ResultSpec("entry_errors", "observations", "observations entered against the wrong subject or act"),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        out["detected"], out["missed"] = self.detected, self.missed
        out["false_matches"], out["entry_errors"] = self.false_matches, self.entry_errors


def _rate_of(rate: float | np.ndarray | tuple[np.ndarray, np.ndarray], who: np.ndarray) -> float | np.ndarray:
    """The false-match rate of the persons ``who``: one number, or their coded values."""
    if isinstance(rate, tuple):
        values, codes = rate
        return values[codes[who]]
    if isinstance(rate, np.ndarray):
        return rate[who]
    return rate


def _person_flag(sim: Sim, attr: str) -> np.ndarray:
    """A boolean per person for a multiplier key: ``female``, ``migrant``, ``rural``, ``group_<name>``..."""
    from .attributes import SubjectView

    view = SubjectView(sim, np.arange(sim.state.n))
    if attr not in view:
        raise ValueError(f"false_match_multipliers: unknown attribute '{attr}'")
    return np.asarray(view[attr]).astype(bool)
