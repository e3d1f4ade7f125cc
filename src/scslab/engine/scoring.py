"""The scoring row: scores and grades move.

Three regimes from the sources: a municipal *points ledger* (Rongcheng: start at 1,000,
add and deduct per record, grade bands), a *weighted-dimension* score (Sesame, Tencent,
FICO: a range split among dimensions), or *none* (the national system is mostly lists).
Negative points are a sanction, so ``policy.sanction_scale`` multiplies them.

The score book (:class:`ScoreBook`, ``sim.state.scores``) is shared state: this row adds
the records written today (``events.records_written``), the yearly bonus and the monthly
rescoring; the retirement row takes out the points of records retired today.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import take_cols
from .module import SAMPLE_EVERY, Module, ResultSpec

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["DIMENSION_ATTRIBUTES", "ScoreBook", "ScoringModule"]


def _rank(x: np.ndarray) -> np.ndarray:
    """Percentile rank in [0, 1] (ties broken by index, deterministic)."""
    r = np.empty(x.size, np.float32)
    r[np.argsort(x, kind="stable")] = np.linspace(0.0, 1.0, x.size, dtype=np.float32) if x.size > 1 else 1.0
    return r


# Attributes a weighted dimension can read, each in [0, 1]. Ranks are percentiles over all
# scored subjects, refreshed with the monthly full recompute (``RANKED``), so a subject
# rescored between refreshes is ranked against everyone, not against that day's few.
RANKED = {
    "income_rank": lambda s: s.state.income,
    "savings_rank": lambda s: s.state.savings,
    "degree_rank": lambda s: s.state.friend_net.degree().astype(np.float32),
}
DIMENSION_ATTRIBUTES = {
    "education": lambda s, idx: s.state.education[idx] / 3.0,
    "history_length": lambda s, idx: np.clip((s.state.age[idx].astype(np.float32) - 18.0) / 30.0, 0.0, 1.0),
    "urban": lambda s, idx: s.state.urban[idx].astype(np.float32),
    "no_debt": lambda s, idx: (s.state.debt[idx] <= 0).astype(np.float32),
    **{k: (lambda k: lambda s, idx: s.state.scores.ranks[k][idx])(k) for k in RANKED},
}


class ScoreBook:
    """Who is scored and what each record added (``sim.state.scores``).

    Writers: scoring (records written, bonus, rescoring), retirement (records retired).
    ``add(sim, ids, +1)`` remembers the points each record actually added, so ``-1`` undoes
    exactly that even after a timed change of ``sanction_scale``.
    """

    def __init__(self, sim: Sim) -> None:
        sc, st = sim.scenario, sim.state
        self.cfg = sc.scoring
        self.kind = self.cfg.kind
        subj = {"person": st.is_person, "adult": st.adult, "enterprise": st.kind == 1, "any": np.ones(st.S, bool)}[
            self.cfg.subjects
        ]
        if self.cfg.opt_in_share < 1.0:  # voluntary scores (Sesame): only consenting subjects are scored
            u = sim.streams.uniform("scoring.opt_in", 0, np.arange(st.S))
            subj = subj & (u < self.cfg.opt_in_share)
        self.scored = np.flatnonzero(subj).astype(np.int32)  # subject indices are int32
        self.mask = subj
        self.points = np.zeros(st.S, np.float64)
        self.applied = np.zeros(1024, np.float64)  # points each record actually added (by record id)
        self.bonus = np.zeros(st.S, np.float64)
        B = len(sc.behaviours)
        self.dim_bad = np.zeros((len(self.cfg.dimensions), st.S), np.float32)
        self.dim_good = np.zeros((len(self.cfg.dimensions), st.S), np.float32)  # only where good_weight > 0
        self.dim_of_behaviour = np.full((len(self.cfg.dimensions), B), False)
        bidx = {b.name: i for i, b in enumerate(sc.behaviours)}
        for d, dim in enumerate(self.cfg.dimensions):
            for b in dim.behaviours:
                self.dim_of_behaviour[d, bidx[b]] = True
            if dim.attribute and dim.attribute not in DIMENSION_ATTRIBUTES:
                raise ValueError(
                    f"scoring.dimensions.{dim.name}.attribute: unknown '{dim.attribute}' "
                    f"(choose from {sorted(DIMENSION_ATTRIBUTES)})"
                )
        self.ranks: dict[str, np.ndarray] = {}
        self.thresholds = np.zeros(0)

    def configure(self, sim: Sim) -> None:
        """Bands, range, start and bonus (a scheduled change rescores everyone at once)."""
        self.cfg = sim.scenario.scoring
        self.thresholds = np.array([b.min for b in self.cfg.bands], np.float64)
        if self.kind == "none":
            return
        self.refresh_ranks(sim)
        self.recompute(sim, self.scored)

    def refresh_ranks(self, sim: Sim) -> None:
        """Percentile ranks of the ranked dimension attributes over every scored subject."""
        used = {d.attribute for d in self.cfg.dimensions if d.attribute is not None} & set(RANKED)
        for k in used:
            full = np.zeros(sim.state.S, np.float32)
            full[self.scored] = _rank(RANKED[k](sim)[self.scored])
            self.ranks[k] = full

    def _scale(self, sim: Sim, pts: np.ndarray) -> np.ndarray:
        return np.where(pts < 0, pts * sim.scenario.policy.sanction_scale, pts)

    def add(self, sim: Sim, ids: np.ndarray, sign: float) -> None:
        """Records ``ids`` start (+1) or stop (-1) counting toward their subjects' scores."""
        if self.kind == "none" or ids.size == 0:
            return
        rec = sim.state.records
        subj = rec["subject"][ids]
        keep = self.mask[subj]
        subj, ids = subj[keep], ids[keep]
        if self.kind == "points":
            if sign > 0:  # remember what was applied, so retiring undoes exactly that
                self._reserve(len(rec))
                self.applied[ids] = self._scale(sim, rec["points"][ids].astype(np.float64))
            np.add.at(self.points, subj, sign * self.applied[ids])
        else:
            beh = rec["behaviour"][ids]
            bad = rec["points"][ids] < 0
            good = rec["points"][ids] > 0
            for d in range(self.dim_bad.shape[0]):
                hit = bad & self.dim_of_behaviour[d, beh]
                np.add.at(self.dim_bad[d], subj[hit], sign)
                if self.cfg.dimensions[d].good_weight > 0:
                    np.add.at(self.dim_good[d], subj[good & self.dim_of_behaviour[d, beh]], sign)
        self.recompute(sim, np.unique(subj))

    def _reserve(self, n: int) -> None:
        if n > self.applied.size:
            new = np.zeros(max(n, 2 * self.applied.size), np.float64)
            new[: self.applied.size] = self.applied
            self.applied = new

    def _score(
        self, sim: Sim, idx: np.ndarray, points: np.ndarray, dim_bad: np.ndarray, dim_good: np.ndarray | None = None
    ) -> np.ndarray:
        """Score of the subjects ``idx`` given their points (or bad and good records per dimension).

        A behaviour dimension is the share of good conduct on file: ``1 / (1 + s x bad)`` when
        only bad records count, ``(1 + w x good) / (1 + w x good + s x bad)`` with a
        ``good_weight`` w, so good records offset bad ones (s = ``sanction_scale``)."""
        if dim_good is None:
            dim_good = take_cols(self.dim_good, idx)
        c = self.cfg
        if self.kind == "points":
            raw = c.start + self.bonus[idx] + points
        else:
            total = np.zeros(idx.size)
            for d, dim in enumerate(c.dimensions):
                if dim.attribute:
                    sub = DIMENSION_ATTRIBUTES[dim.attribute](sim, idx)
                elif dim.good_weight > 0:
                    credit = 1.0 + dim.good_weight * dim_good[d].astype(np.float64)
                    sub = credit / (credit + sim.scenario.policy.sanction_scale * dim_bad[d])
                else:
                    sub = 1.0 / (1.0 + sim.scenario.policy.sanction_scale * dim_bad[d])
                total += dim.weight * sub
            raw = c.min + (c.max - c.min) * total + self.bonus[idx]
        return np.clip(raw, c.min, c.max)

    def recompute(self, sim: Sim, idx: np.ndarray) -> None:
        """Score and grade of the subjects ``idx`` from their points (or dimensions) now."""
        st = sim.state
        st.score[idx] = self._score(sim, idx, self.points[idx], take_cols(self.dim_bad, idx))
        if self.thresholds.size:
            # bands are listed highest first: grade k is the first band whose min the score reaches
            st.grade[idx] = _grade(st.score[idx], self.thresholds)
        st.dirty[idx] = True

    def without(self, sim: Sim, idx: np.ndarray, ids: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, grade) of the subjects ``idx`` had the records ``ids`` (of subject ``idx[pos]``)
        never been written: the but-for score of the wrongful test. Nothing is changed."""
        st = sim.state
        score, grade = st.score[idx].copy(), st.grade[idx].copy()
        if self.kind == "none" or ids.size == 0:
            return score, grade
        keep = self.mask[idx[pos]]
        ids, pos = ids[keep], pos[keep]
        points = self.points[idx].copy()
        dim_bad = take_cols(self.dim_bad, idx)  # a new array
        dim_good = take_cols(self.dim_good, idx)
        rec = sim.state.records
        if self.kind == "points":
            self._reserve(len(rec))
            np.add.at(points, pos, -self.applied[ids])
        else:
            beh, bad, good = rec["behaviour"][ids], rec["points"][ids] < 0, rec["points"][ids] > 0
            for d in range(dim_bad.shape[0]):
                hit = bad & self.dim_of_behaviour[d, beh]
                np.add.at(dim_bad[d], pos[hit], -1)
                if self.cfg.dimensions[d].good_weight > 0:
                    np.add.at(dim_good[d], pos[good & self.dim_of_behaviour[d, beh]], -1)
        scored = self.mask[idx]
        score[scored] = self._score(sim, idx[scored], points[scored], dim_bad[:, scored], dim_good[:, scored])
        if self.thresholds.size:
            grade[scored] = _grade(score[scored], self.thresholds)
        return score, grade


class ScoringModule(Module):
    """scores and grades move: records written today, the yearly bonus, monthly rescoring"""

    name = "scoring"

    def init(self, sim: Sim) -> None:
        sim.state.scores = ScoreBook(sim)
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        sim.state.scores.configure(sim)

    def step(self, sim: Sim, day: int) -> None:
        book = sim.state.scores
        book.add(sim, sim.events.records_written, +1.0)
        if book.kind == "none":
            return
        if book.cfg.annual_bonus and day > 0 and day % 365 == 0:
            clean = book.scored[sim.state.records.bad_in_last_year(book.scored, day, sim.state.S) == 0]
            book.bonus[clean] += book.cfg.annual_bonus
            book.recompute(sim, clean)
        if book.kind == "weighted" and day % 30 == 0:
            book.refresh_ranks(sim)
            book.recompute(sim, book.scored)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """The scored subjects' mean score and the share in each grade band (when scoring)."""
        sc = sim.scenario.scoring
        covered = ResultSpec(
            "profile_persons",
            "persons",
            "persons the score keeps a profile of (all persons without a score)",
            "i8",
            kind="figure",
        )
        if sc.kind == "none":
            return [covered]
        return [
            covered,
            ResultSpec(
                "score_mean", "points", "mean score of scored subjects", every=SAMPLE_EVERY, reduce="mean_approx"
            ),
            *(
                ResultSpec(
                    f"grade_share_{band.name}",
                    "share",
                    f"scored subjects in band {band.name}",
                    every=SAMPLE_EVERY,
                    reduce="mean_approx",
                )
                for band in sc.bands
            ),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out["profile_persons"] = int(sim.state.scores.mask[: sim.state.n].sum())

    def record(self, sim: Sim, day: int, out: Any) -> None:
        if not out.sampling or "score_mean" not in out:
            return
        st, bands = sim.state, sim.scenario.scoring.bands
        sc = st.scores.scored
        out["score_mean"] = st.score[sc].mean() if sc.size else np.nan
        g = st.grade[sc]
        shares = np.bincount(g[g >= 0].astype(np.int64), minlength=len(bands))
        for k, band in enumerate(bands):
            out[f"grade_share_{band.name}"] = shares[k] / max(sc.size, 1)


def _grade(score: np.ndarray, thresholds_desc: np.ndarray) -> np.ndarray:
    """Index of the first (highest) band whose minimum the score reaches; lowest band otherwise."""
    reached = score[:, None] >= thresholds_desc[None, :]
    g = np.where(reached.any(axis=1), reached.argmax(axis=1), thresholds_desc.size - 1)
    return g.astype(np.int8)
