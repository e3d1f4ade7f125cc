"""The records table (``sim.state.records``): shared state that the ledger writes and others read.

Why a table with its own operations: three modules touch records -- the ledger writes
them, repair changes their status, retirement takes retired ones out of the per-subject
counters -- and lists, scoring and the results read them. Keeping the columns, the
per-subject counters derived from them and the "newest record" caches behind one small
class means every writer keeps them consistent the same way, and no module reaches into
another to do it.

Records are never deleted: expiry, repair and correction change ``status`` (and set
``end_day``); a record keeps its ground truth (``true``) beside what the institution wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import RECORD_DTYPES, RECORD_STATUS
from .columns import Columns

if TYPE_CHECKING:
    from .state import State

__all__ = ["ACTIVE", "CORRECTED", "DISPUTED", "EXPIRED", "LIVE", "RECORD_DTYPES", "REPAIRED", "RecordTable"]

ACTIVE, EXPIRED, REPAIRED, CORRECTED, DISPUTED = (RECORD_STATUS.index(s) for s in RECORD_STATUS)
LIVE = (ACTIVE, DISPUTED)  # a record in force (disputed ones count until verification)


class RecordTable:
    """Records as columns, plus what is derived from them per subject.

    Writers: the ledger (``append``), repair (``status``/``end_day`` of records it retires,
    disputes or restores), retirement (``count(..., -1)`` for records retired today).
    """

    def __init__(self, subjects: int, domains: int) -> None:
        self.rows = Columns(RECORD_DTYPES, capacity=max(1024, subjects // 8))
        # newest bad record per subject, for the domains a list's cause has been asked for (made
        # on first use from the table, then kept up to date: no array for domains no list reads)
        self.domains = domains
        self.last_bad: dict[int, np.ndarray] = {}
        self.last_any = np.full(subjects, -1, np.int32)
        self.last_by_behaviour: dict[int, np.ndarray] = {}
        self.false_ids = Columns({"id": "i8"}, capacity=1024)  # records of events that never happened

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.rows[column]

    def view(self) -> dict[str, np.ndarray]:
        return self.rows.view()

    def copy(self) -> dict[str, np.ndarray]:
        return self.rows.copy()

    # -- writing ----------------------------------------------------------------------------
    def append(self, state: State, **cols: Any) -> np.ndarray:
        """Write new active records (columns as for :class:`Columns`); returns their ids.

        The per-subject counters and the newest-record caches follow at once.
        """
        ids = self.rows.append(**cols)
        self.count(state, ids, +1)
        false = ids[~self.rows["true"][ids]]
        if false.size:
            self.false_ids.append(id=false)
        subj, beh = self.rows["subject"][ids], self.rows["behaviour"][ids]
        bad = self.rows["points"][ids] < 0
        # the newest record explains a later listing: keep it per subject and domain
        if self.last_bad:
            dom = self.rows["domain"][ids]
            for d, last in self.last_bad.items():
                mine = bad & (dom == d)
                last[subj[mine]] = ids[mine]
        self.last_any[subj] = ids
        for b, last in self.last_by_behaviour.items():
            mine = beh == b
            last[subj[mine]] = ids[mine]
        return ids

    def count(self, state: State, ids: np.ndarray, sign: int) -> None:
        """Add (+1) or remove (-1) records from the per-subject counters rules read."""
        subj = self.rows["subject"][ids]
        pts = self.rows["points"][ids]
        dom = self.rows["domain"][ids]
        sev = self.rows["severity"][ids]
        np.add.at(state.n_records, subj, sign)
        np.add.at(state.bad_records, subj[pts < 0], sign)
        np.add.at(state.good_records, subj[pts > 0], sign)
        np.add.at(state.serious_records, subj[(sev == 2) & (pts <= 0)], sign)
        if state.domain_records.shape[1]:  # 0 wide when no rule reads records_<...> (State)
            np.add.at(state.domain_records, (dom, subj), sign)
            np.add.at(state.behaviour_records, (self.rows["behaviour"][ids], subj), sign)
        state.dirty[subj] = True

    def end(self, ids: np.ndarray, status: int, day: int) -> np.ndarray:
        """Retire the live records among ``ids`` with ``status`` on ``day``; returns those ids."""
        ids = np.asarray(ids, np.int64)
        live = ids[np.isin(self.rows["status"][ids], LIVE)]
        self.rows["status"][live] = status
        self.rows["end_day"][live] = day
        return live

    def track(self, behaviours: set[int]) -> None:
        """Keep the newest record per subject for these behaviours (lists whose rules name them)."""
        for b in behaviours:
            if b not in self.last_by_behaviour:
                self.last_by_behaviour[b] = np.full(self.last_any.size, -1, np.int32)

    def _last_bad(self, domain: int) -> np.ndarray:
        """The newest bad record (any status) of each subject in ``domain``, -1 if none."""
        last = self.last_bad.get(domain)
        if last is None:
            last = np.full(self.last_any.size, -1, np.int32)
            rows = np.flatnonzero((self.rows["domain"] == domain) & (self.rows["points"] < 0))
            np.maximum.at(last, self.rows["subject"][rows], rows.astype(np.int32))  # later rows win
            self.last_bad[domain] = last
        return last

    # -- reading ----------------------------------------------------------------------------
    def cause(self, who: np.ndarray, domain: int | None, behaviours: frozenset[int] = frozenset()) -> np.ndarray:
        """The newest live record (active or disputed) that can explain listing each subject.

        A list whose rule names behaviours (``records_<b>``) is explained by their records;
        otherwise by the newest bad record of the list's domain, or the newest record at all.
        The per-subject caches are checked first; where that record has since been retired
        (expired, repaired, corrected) the table is searched for the next newest live one.
        """
        if behaviours:
            cache = np.max(np.stack([self.last_by_behaviour[b][who] for b in sorted(behaviours)]), axis=0)
        elif domain is not None:
            cache = self._last_bad(int(domain))[who]
        else:
            cache = self.last_any[who]
        cause = cache.astype(np.int64)
        if len(self.rows) == 0:
            return cause
        has = cause >= 0
        stale = np.zeros(who.size, bool)
        stale[has] = ~np.isin(self.rows["status"][cause[has]], LIVE)
        if stale.any():
            st = self.rows.view()
            live = np.isin(st["status"], LIVE) & np.isin(st["subject"], who[stale])
            if behaviours:
                live &= np.isin(st["behaviour"], list(behaviours))
            elif domain is not None:
                live &= (st["domain"] == domain) & (st["points"] < 0)
            rows = np.flatnonzero(live)
            newest = {int(s): int(r) for s, r in zip(st["subject"][rows], rows)}  # later rows win
            for k in np.flatnonzero(stale):
                cause[k] = newest.get(int(who[k]), -1)
        return cause

    def false_live(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The live false records of the subjects ``who`` (unique): (record ids, position in ``who``).

        Only the false records are scanned (a small share of the table), sorted by subject
        position then record id.
        """
        fid = self.false_ids["id"]
        if fid.size == 0 or who.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        subj = self.rows["subject"][fid]
        order = np.argsort(who, kind="stable")
        srt = who[order]
        at = np.searchsorted(srt, subj)
        hit = (at < srt.size) & (srt[np.minimum(at, srt.size - 1)] == subj)
        hit &= np.isin(self.rows["status"][fid], LIVE)
        ids, pos = fid[hit], order[at[hit]].astype(np.int64)
        o = np.lexsort((ids, pos))
        return ids[o], pos[o]

    def bad_in_last_year(self, idx: np.ndarray, day: int, subjects: int) -> np.ndarray:
        """Count of negative records per subject in the last 365 days (for annual bonuses)."""
        if len(self.rows) == 0:
            return np.zeros(idx.size, np.int64)
        rec = self.rows
        recent = (rec["day"] > day - 365) & (rec["points"] < 0) & (rec["status"] != CORRECTED)
        counts = np.bincount(rec["subject"][recent], minlength=subjects)
        return counts[idx]
