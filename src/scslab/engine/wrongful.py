"""The but-for test: is a listing *wrongful*?

A listing (and every sanction that follows from it) is wrongful when it would not have
happened had the records of events that never happened (``records["true"] == False``)
not existed. The lists row re-evaluates the entry rule, on the day of entry, for the
entering subjects that hold a live false record, with every false record of theirs taken
out of what the rule reads: the record counters (``records``, ``bad_records``,
``good_records``, ``serious_records``, ``records_<domain>``, ``records_<behaviour>``) and
the score and grade (:meth:`.scoring.ScoreBook.without`). If the rule no longer admits
the subject, the listing is wrongful.

The *decisive* false records are then a smallest set, found greedily, whose removal alone
already keeps the subject off the list: each false record in turn (by record id) is put
back, and stays back if the subject is still not admitted without the others. So a false
bonus record is never decisive for a rule like ``points < 850``, a single false deduction
that tips the threshold is, and two false deductions that are each not enough alone but
together are, are both decisive.

Only what the records feed is re-derived; consequences of false records through other
channels (an earlier wrongful listing read by ``blacklisted``, a yearly bonus that a
false record cost) are not undone. Everything is vectorised over the entering subjects;
the greedy pass loops over the *k*-th false record of each subject (k is small).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import DOMAINS
from .attributes import SubjectView

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ButForView", "but_for"]


class ButForView(SubjectView):
    """The subjects ``idx`` as a rule would read them had the records ``ids`` (of subject
    ``idx[pos]``) never been written."""

    def __init__(self, sim: Sim, idx: np.ndarray, getters: dict, ids: np.ndarray, pos: np.ndarray) -> None:
        super().__init__(sim, idx, getters)
        self._ids, self._pos = ids, pos
        rec = sim.state.records
        self._pts = rec["points"][ids]
        self._adjust: dict[str, Any] = {
            "records": lambda: np.ones(ids.size, bool),
            "bad_records": lambda: self._pts < 0,
            "good_records": lambda: self._pts > 0,
            "serious_records": lambda: (rec["severity"][ids] == 2) & (self._pts <= 0),
        }
        dom = rec["domain"][ids]
        for d, name in enumerate(DOMAINS):
            self._adjust[f"records_{name}"] = (lambda d: lambda: dom == d)(d)
        beh = rec["behaviour"][ids]
        for b, spec in enumerate(sim.scenario.behaviours):
            self._adjust[f"records_{spec.name}"] = (lambda b: lambda: beh == b)(b)
        self._scores: tuple[np.ndarray, np.ndarray] | None = None
        self._bands = {f"grade_{band.name.lower()}": k for k, band in enumerate(sim.scenario.scoring.bands)}

    def _score_grade(self) -> tuple[np.ndarray, np.ndarray]:
        if self._scores is None:
            self._scores = self.sim.state.scores.without(self.sim, self.idx, self._ids, self._pos)
        return self._scores

    def __getitem__(self, name: str) -> np.ndarray:
        v = self._cache.get(name)
        if v is not None:
            return v
        if name in ("score", "points"):
            v = self._score_grade()[0]
        elif name == "grade":
            v = self._score_grade()[1]
        elif name in self._bands:
            v = self._score_grade()[1] == self._bands[name]
        elif name in self._adjust and name in self._g:
            base = np.asarray(self._g[name](self.sim, self.idx)).astype(np.int64)
            v = base - np.bincount(self._pos[self._adjust[name]()], minlength=self.idx.size)
        else:
            return super().__getitem__(name)
        self._cache[name] = v
        return v


def but_for(sim: Sim, rule: Any, who: np.ndarray, getters: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The but-for test for subjects ``who`` that ``rule`` admits today.

    Returns ``wrongful`` (bool per subject) and the decisive false records as (record ids,
    position in ``who``), sorted by position then id.
    """
    wrongful = np.zeros(who.size, bool)
    ids, pos = sim.state.records.false_live(who)
    if ids.size == 0:
        return wrongful, ids, pos
    has = np.unique(pos)
    sub = who[has]
    local = np.searchsorted(has, pos)  # position within ``sub``
    admitted = rule.condition(ButForView(sim, sub, getters, ids, local), sub.size)
    wrong_local = ~admitted
    wrongful[has] = wrong_local
    keep = wrong_local[local]  # false records of wrongful subjects: the set removed so far
    ids, local = ids[keep], local[keep]
    if ids.size == 0:
        return wrongful, ids, has[local]
    removed = np.ones(ids.size, bool)
    first = np.searchsorted(local, local, side="left")
    rank = np.arange(ids.size) - first  # k-th false record of its subject
    for k in range(int(rank.max()) + 1):
        trial = rank == k
        owners = np.unique(local[trial])
        out = removed & ~trial  # put the k-th record back
        mine = np.isin(local, owners) & out
        view_idx = sub[owners]
        at = np.searchsorted(owners, local[mine])
        still_off = ~rule.condition(ButForView(sim, view_idx, getters, ids[mine], at), view_idx.size)
        back = np.zeros(ids.size, bool)
        back[trial] = still_off[np.searchsorted(owners, local[trial])]
        removed &= ~back
    return wrongful, ids[removed], has[local[removed]]
