"""Step 2: data sources observe a share of what happened, late and with errors.

Each source has a detection probability per behaviour, coverage by region, a reporting
delay, a data-entry error share (the record lands on the wrong subject) and, for cameras
with face recognition, a false-match rate with per-attribute multipliers (facts 8.7-8.8).
The simulator keeps the truth next to each record, so every false record is countable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .module import Module
from .queue import FAR, Calendar

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["SourcesModule"]


class SourcesModule(Module):
    """data sources observe a share of today's acts, with misses and false matches"""

    name = "sources"

    def init(self, sim: Sim) -> None:
        self.pending: dict[int, list[tuple[np.ndarray, ...]]] = {}
        self.fm_q: dict[int, Calendar] = {}
        self.configure(sim)
        st, sc = sim.state, sim.scenario
        persons = np.arange(st.n)
        for k, rate in self.fm_rate.items():
            u = sim.streams.uniform(f"source.{self.specs[k].name}.false_match", -1, persons)
            self.fm_q[k] = Calendar(st.n, sc.sim.days)
            self.fm_q[k].push(self._fm_gap(u, rate, sc.policy.detection_scale, 0), persons)
        self.reset_counters()

    def configure(self, sim: Sim) -> None:
        """Derive detection, coverage, delays and false-match rates from the scenario.

        Called at start and after a scheduled change; pending false matches keep their
        day and the next one is drawn at the new rate.
        """
        sc, st = sim.scenario, sim.state
        self.specs = sc.sources
        bidx = {b.name: i for i, b in enumerate(sc.behaviours)}
        B, K = len(sc.behaviours), len(self.specs)
        self.detect = np.zeros((K, B))
        for k, s in enumerate(self.specs):
            for b, p in s.detects.items():
                self.detect[k, bidx[b]] = p
        self.coverage = np.array([[s.coverage_rural, s.coverage_urban] for s in self.specs]).reshape(K, 2)
        self.delay = np.array([s.delay_days for s in self.specs], np.int64)
        self.fm_rate: dict[int, np.ndarray] = {}
        self.fm_behaviour: dict[int, int] = {}
        for k, s in enumerate(self.specs):
            if s.false_match_per_year <= 0:
                continue
            rate = np.full(st.n, s.false_match_per_year)
            for attr, mult in s.false_match_multipliers.items():
                rate = rate * np.where(_person_flag(sim, attr), mult, 1.0)
            self.fm_rate[k] = rate
            self.fm_behaviour[k] = bidx[s.false_match_behaviour]

    @staticmethod
    def _fm_gap(u: np.ndarray, rate: np.ndarray, scale: float, day: int) -> np.ndarray:
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
        """Observe ``sim.events.acts``; observations wait in ``pending`` until their delay has passed."""
        subj, beh = sim.events.acts
        self.reset_counters()
        st, scale = sim.state, sim.scenario.policy.detection_scale
        if subj.size:
            remaining = np.ones(subj.size, np.bool_)
            for k, s in enumerate(self.specs):
                p = self.detect[k, beh] * self.coverage[k, st.urban[subj]] * scale
                if not p.any():
                    continue
                u = sim.streams.uniform_sub(f"source.{s.name}.detect", day, subj, beh)
                hit = remaining & (u < p)
                remaining &= ~hit
                if hit.any():
                    self._observe(sim, day, k, subj[hit], beh[hit])
            self.missed = int(remaining.sum())
            self.detected = subj.size - self.missed
            sim.behaviour.learn_detection(sim, subj, beh, ~remaining)
        for k, q in self.fm_q.items():
            if k not in self.fm_rate:  # false matches switched off by a scheduled change
                continue
            who = q.pop(day)
            if who.size == 0:
                continue
            u = sim.streams.uniform(f"source.{self.specs[k].name}.false_match", day, who)
            q.push(self._fm_gap(u, self.fm_rate[k][who], scale, day), who)
            self.false_matches += who.size
            self._queue(
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
        self._queue(day + self.delay[k], subj, beh, k, happened)

    def _queue(self, due: int, subj, beh, k: int, happened) -> None:
        self.pending.setdefault(int(due), []).append(
            (
                np.asarray(subj, np.int64),
                np.asarray(beh, np.int16),
                np.full(len(subj), k, np.int16),
                np.asarray(happened, np.bool_),
            )
        )

    queue = _queue  # public: extensions (an epidemic's quarantine breaches) queue observations too

    def due(self, day: int) -> tuple[np.ndarray, ...] | None:
        """Observations that reach the ledger today (after each source's delay)."""
        batches = self.pending.pop(day, None)
        if not batches:
            return None
        return tuple(np.concatenate(c) for c in zip(*batches))


def _person_flag(sim: Sim, attr: str) -> np.ndarray:
    """A boolean per person for a multiplier key: ``female``, ``migrant``, ``rural``, ``group_<name>``..."""
    from .attributes import SubjectView

    view = SubjectView(sim, np.arange(sim.state.n))
    if attr not in view:
        raise ValueError(f"false_match_multipliers: unknown attribute '{attr}'")
    return np.asarray(view[attr]).astype(bool)
