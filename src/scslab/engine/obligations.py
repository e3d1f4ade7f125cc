"""Open obligations (``sim.state.obligations``): debts that wait to be settled.

Shared state because several modules act on the same debts: behaviour opens them (a missed
payment) and settles them at a hazard, reminder letters settle them for responders, the
ledger drops reports of debts already paid, lists read ``unpaid_days``. One obligation row
per behaviour of kind ``obligation``, one column per subject.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .columns import take_cols

if TYPE_CHECKING:
    from ..scenario.schema import Scenario
    from .state import State

__all__ = ["Obligations"]


class Obligations:
    """``open_since[j, i]`` (-1 = nothing open), ``owed[j, i]`` and the open subjects per obligation.

    Writers: behaviour (``open``, ``settle``), letters (``settle``).
    """

    def __init__(self, sc: Scenario, subjects: int) -> None:
        self.names = [b.name for b in sc.behaviours if b.kind == "obligation"]
        self.index = {name: j for j, name in enumerate(self.names)}
        self.behaviour = [i for i, b in enumerate(sc.behaviours) if b.kind == "obligation"]  # behaviour code of row j
        self.open_since = np.full((len(self.names), subjects), -1, np.int32)
        self.owed = np.zeros((len(self.names), subjects), np.float32)
        self.open_idx = [np.empty(0, np.int64) for _ in self.names]

    def open(self, state: State, j: int, who: np.ndarray, amount: np.ndarray, day: int) -> None:
        """Subjects ``who`` miss obligation j today: the amount is added to what they owe."""
        new = self.open_since[j, who] < 0
        self.open_since[j, who[new]] = day
        self.open_idx[j] = np.concatenate([self.open_idx[j], who[new]])
        self.owed[j, who] += amount
        state.debt[who] += amount
        state.dirty[who] = True

    def settle(self, state: State, j: int, pay: np.ndarray) -> int:
        """Close obligation j for the subjects in ``pay`` (unique): they pay what they owe."""
        if pay.size == 0:
            return 0
        state.savings[pay] -= self.owed[j, pay]
        state.debt[pay] = np.maximum(0.0, state.debt[pay] - self.owed[j, pay])
        self.owed[j, pay] = 0.0
        self.open_since[j, pay] = -1
        self.open_idx[j] = self.open_idx[j][self.open_since[j, self.open_idx[j]] >= 0]
        state.dirty[pay] = True
        return int(pay.size)

    def debtors(self) -> int:
        """Open obligations right now (a subject owing two counts twice)."""
        return sum(x.size for x in self.open_idx)

    def unpaid_days(self, idx: np.ndarray, day: int) -> np.ndarray:
        """Days since the oldest open obligation of each subject (0 if none)."""
        if not self.names:
            return np.zeros(idx.size, np.int32)
        since = take_cols(self.open_since, idx)
        days = np.where(since >= 0, day - since, 0)
        return days.max(axis=0)

    def unpaid_days_one(self, j: int, idx: np.ndarray, day: int) -> np.ndarray:
        since = self.open_since[j, idx]
        return np.where(since >= 0, day - since, 0)

    def open_count(self, idx: np.ndarray) -> np.ndarray:
        """Open obligations per subject."""
        if not self.names:
            return np.zeros(idx.size, np.int64)
        return (take_cols(self.open_since, idx) >= 0).sum(axis=0)
