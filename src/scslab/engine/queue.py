"""Day-keyed event queues: deadlines and expiries are scheduled, not polled."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..jit import njit

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


BLOCK = 64  # members per block of a Calendar day (256 bytes)


@njit(cache=True)
def _cal_push(head, fill, count, blocks, link, free, days, ids):  # pragma: no cover - numba
    """Append each member to its day's newest block (a new block from ``free`` when full).

    Returns False when the pool is exhausted (more members pending than it was sized for).
    """
    horizon = head.shape[0]
    width = blocks.shape[1]
    for j in range(ids.shape[0]):
        d = days[j]
        if 0 <= d < horizon:
            blk = head[d]
            if blk < 0 or fill[d] == width:
                top = free[0]
                if top == 0:
                    return False
                nb = free[top]
                free[0] = top - 1
                link[nb] = blk
                head[d] = nb
                fill[d] = 0
                blk = nb
            blocks[blk, fill[d]] = ids[j]
            fill[d] += 1
            count[d] += 1
    return True


@njit(cache=True)
def _cal_pop(head, fill, count, blocks, link, free, day):  # pragma: no cover - numba
    """The day's members, last pushed first: newest block first, each block read backwards."""
    out = np.empty(count[day], np.int64)
    width = blocks.shape[1]
    blk = head[day]
    f = fill[day]
    k = 0
    while blk >= 0:
        for p in range(f - 1, -1, -1):
            out[k] = blocks[blk, p]
            k += 1
        older = link[blk]
        top = free[0] + 1
        free[top] = blk  # the block is free again
        free[0] = top
        blk = older
        f = width
    head[day] = -1
    fill[day] = 0
    count[day] = 0
    return out


class Calendar:
    """One pending day per member, as per-day lists (O(1) push and pop per member).

    Used for recurring events (opportunities, shocks, false matches): every member has
    exactly one next event, and days past the run's horizon are simply not stored. A day is
    a chain of blocks of :data:`BLOCK` members from a pool sized for every member pending
    at once (plus one part-filled block per day), so a push writes into one of a few
    hundred open blocks and a pop reads blocks in sequence: no member-to-member links to
    chase (a linked list per member made each pop a chain of dependent loads). A day pops
    its members last pushed first.
    """

    def __init__(self, n_members: int, horizon: int) -> None:
        h = max(horizon, 1)
        self.head = np.full(h, -1, np.int32)  # the day's newest block
        self.fill = np.zeros(h, np.int32)  # members in that block
        self.count = np.zeros(h, np.int32)  # members due that day
        nblocks = -(-max(n_members, 1) // BLOCK) + h + 1
        self.blocks = np.empty((nblocks, BLOCK), np.int32)
        self.link = np.full(nblocks, -1, np.int32)  # the next older block of the same day
        self.free = np.empty(nblocks + 1, np.int64)  # free[0] blocks free, listed in free[1:]
        self.clear()

    def push(self, days: np.ndarray, ids: np.ndarray) -> None:
        days = np.broadcast_to(np.asarray(days, np.int64), np.shape(ids))
        ok = _cal_push(
            self.head,
            self.fill,
            self.count,
            self.blocks,
            self.link,
            self.free,
            np.ascontiguousarray(days),
            np.asarray(ids, np.int64),
        )
        if not ok:
            raise ValueError("calendar pool exhausted: more members pending than members (one queued twice?)")

    def pop(self, day: int) -> np.ndarray:
        if day >= self.head.shape[0]:
            return np.empty(0, np.int64)
        return _cal_pop(self.head, self.fill, self.count, self.blocks, self.link, self.free, day)

    def clear(self) -> None:
        """Forget every pending event."""
        self.head.fill(-1)
        self.fill.fill(0)
        self.count.fill(0)
        self.link.fill(-1)
        nblocks = self.link.shape[0]
        self.free[0] = nblocks
        self.free[1:] = np.arange(nblocks - 1, -1, -1)


class Calendars:
    """``rows`` calendars over the same members and horizon, popped together (:meth:`pop_all`);
    ``cals[b]`` is row ``b``."""

    def __init__(self, rows: int, n_members: int, horizon: int) -> None:
        self.cals = [Calendar(n_members, horizon) for _ in range(rows)]

    def pop_all(self, day: int) -> list[np.ndarray]:
        """Every row's members due on ``day``, each in the order :meth:`Calendar.pop` gives."""
        return [c.pop(day) for c in self.cals]
