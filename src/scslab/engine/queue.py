"""Day-keyed event queues: deadlines and expiries are scheduled, not polled."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["DayQueue"]


class DayQueue:
    """Buckets of integer ids keyed by the day they fall due.

    Pushing costs one list append per call (not per id); popping a day concatenates its
    buckets. Ids that no longer apply (a spell already ended) are filtered by the caller.
    """

    def __init__(self) -> None:
        self._b: dict[int, list[np.ndarray]] = defaultdict(list)

    def push(self, days: np.ndarray | int, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), ids.shape)
        if np.all(days == days[0]):
            self._b[int(days[0])].append(ids.copy())
            return
        order = np.argsort(days, kind="stable")
        d, i = days[order], ids[order]
        cuts = np.flatnonzero(np.diff(d)) + 1
        for dd, chunk in zip(d[np.r_[0, cuts]], np.split(i, cuts)):
            self._b[int(dd)].append(chunk)

    def pop(self, day: int) -> np.ndarray:
        chunks = self._b.pop(int(day), None)
        if not chunks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    def __len__(self) -> int:
        return sum(sum(c.size for c in v) for v in self._b.values())
