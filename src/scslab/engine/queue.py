"""Day-keyed event queues: deadlines and expiries are scheduled, not polled."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numba import njit

__all__ = ["FAR", "Calendar", "Calendars", "DayQueue", "exponential_gaps"]

FAR = 10**9


def exponential_gaps(u: np.ndarray, per_year: float) -> np.ndarray:
    """Exponential waiting times in whole days (at least 1) for a rate per year (``FAR`` if 0).

    ``u`` are uniform draws, so the gap of each member comes from its own named stream.
    """
    if per_year <= 0:
        return np.full(u.shape, FAR, np.int64)
    return np.maximum(1, np.ceil(-np.log1p(-u) * 365.0 / per_year)).astype(np.int64)


class DayQueue:
    """Buckets of integer ids keyed by the day they fall due.

    Pushing costs one list append per call (not per id); popping a day concatenates its
    buckets. Ids that no longer apply (a spell already ended) are filtered by the caller.
    """

    def __init__(self, dtype: str = "int64") -> None:
        self._b: dict[int, list[np.ndarray]] = defaultdict(list)
        self.dtype = np.dtype(dtype)

    def push(self, days: np.ndarray | int, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=self.dtype)
        if ids.size == 0:
            return
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), ids.shape)
        if np.all(days == days[0]):
            self._b[int(days[0])].append(ids.copy())
            return
        keep = days < FAR  # a day beyond any run ('never') is not queued
        if not keep.all():
            days, ids = days[keep], ids[keep]
            if ids.size == 0:
                return
        order = np.argsort(days, kind="stable")
        d, i = days[order], ids[order]
        cuts = np.flatnonzero(np.diff(d)) + 1
        for dd, chunk in zip(d[np.r_[0, cuts]], np.split(i, cuts)):
            self._b[int(dd)].append(chunk)

    def pop(self, day: int) -> np.ndarray:
        chunks = self._b.pop(int(day), None)
        if not chunks:
            return np.empty(0, dtype=self.dtype)
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    def __len__(self) -> int:
        return sum(sum(c.size for c in v) for v in self._b.values())


@njit(cache=True)
def _cal_push(head, nxt, count, days, ids):
    horizon = head.shape[0]
    for j in range(ids.shape[0]):
        d = days[j]
        if 0 <= d < horizon:
            i = ids[j]
            nxt[i] = head[d]
            head[d] = i
            count[d] += 1


@njit(cache=True)
def _cal_pop(head, nxt, count, day):
    """The day's members, last pushed first, in one walk (the day's count sizes the output)."""
    c = count[day]
    out = np.empty(c, np.int64)
    i = head[day]
    k = 0
    while i >= 0 and k < c:
        out[k] = i
        k += 1
        i = nxt[i]
    if k != c or i >= 0:
        raise ValueError("calendar list and count disagree: a member was queued twice")
    head[day] = -1
    count[day] = 0
    return out


@njit(cache=True)
def _cal_pop_rows(head, nxt, count, day, out, offs):
    """Pop ``day`` from every row of stacked calendars at once, into ``out[offs[b]:offs[b+1]]``.

    Walking a linked list is a chain of dependent loads (memory latency, not bandwidth);
    advancing all the rows' chains in turn keeps several loads in flight: 2.6x faster than
    popping the rows one by one at 1 M members.
    """
    rows = head.shape[0]
    cur = np.empty(rows, np.int64)
    pos = np.empty(rows, np.int64)
    for b in range(rows):
        cur[b] = head[b, day]
        pos[b] = offs[b]
    active = True
    while active:
        active = False
        for b in range(rows):
            i = cur[b]
            if i >= 0 and pos[b] < offs[b + 1]:
                out[pos[b]] = i
                pos[b] += 1
                cur[b] = nxt[b, i]
                active = True
    for b in range(rows):
        if pos[b] != offs[b + 1] or cur[b] >= 0:
            raise ValueError("calendar list and count disagree: a member was queued twice")
        head[b, day] = -1
        count[b, day] = 0


class Calendar:
    """One pending day per member, as per-day linked lists (O(1) push and pop per member).

    Used for recurring events (opportunities, shocks, false matches): every member has
    exactly one next event, so the links fit in one int32 array of members, and days past
    the run's horizon are simply not stored. A day's count of members sizes its pop.
    """

    def __init__(self, n_members: int, horizon: int) -> None:
        self.head = np.full(max(horizon, 1), -1, np.int32)
        self.nxt = np.full(max(n_members, 1), -1, np.int32)
        self.count = np.zeros(max(horizon, 1), np.int32)

    @classmethod
    def _view(cls, head: np.ndarray, nxt: np.ndarray, count: np.ndarray) -> Calendar:
        cal = cls.__new__(cls)
        cal.head, cal.nxt, cal.count = head, nxt, count
        return cal

    def push(self, days: np.ndarray, ids: np.ndarray) -> None:
        days = np.broadcast_to(np.asarray(days, np.int64), np.shape(ids))
        _cal_push(self.head, self.nxt, self.count, np.ascontiguousarray(days), np.asarray(ids, np.int64))

    def pop(self, day: int) -> np.ndarray:
        if day >= self.head.shape[0]:
            return np.empty(0, np.int64)
        return _cal_pop(self.head, self.nxt, self.count, day)

    def clear(self) -> None:
        """Forget every pending event (in place: a row of :class:`Calendars` stays a view)."""
        self.head.fill(-1)
        self.nxt.fill(-1)
        self.count.fill(0)


class Calendars:
    """``rows`` calendars over the same members and horizon, stacked so a day pops from all at
    once (:meth:`pop_all`); ``cals[b]`` is row ``b`` as a :class:`Calendar` (a view)."""

    def __init__(self, rows: int, n_members: int, horizon: int) -> None:
        self.head = np.full((rows, max(horizon, 1)), -1, np.int32)
        self.nxt = np.full((rows, max(n_members, 1)), -1, np.int32)
        self.count = np.zeros((rows, max(horizon, 1)), np.int32)
        self.cals = [Calendar._view(self.head[b], self.nxt[b], self.count[b]) for b in range(rows)]

    def pop_all(self, day: int) -> list[np.ndarray]:
        """Every row's members due on ``day``, each in the order :meth:`Calendar.pop` gives."""
        rows = self.head.shape[0]
        if day >= self.head.shape[1]:
            return [np.empty(0, np.int64) for _ in range(rows)]
        offs = np.zeros(rows + 1, np.int64)
        np.cumsum(self.count[:, day], out=offs[1:])
        out = np.empty(int(offs[-1]), np.int64)
        _cal_pop_rows(self.head, self.nxt, self.count, day, out, offs)
        return [out[offs[b] : offs[b + 1]] for b in range(rows)]
