"""List spells (``sim.state.spells``): who is on which list since when, and why.

Shared state because two rows end spells -- lists (terms, removal on performance) and
retirement (a spell whose causing record was corrected) -- and rules, measures and the
results read them. Starting or ending a spell keeps the per-subject list state in
``sim.state`` (``listed``, ``spell_of``, ``pending_exit``, ``ever_listed``,
``wrongly_listed``, ``dirty``) and the per-list counts consistent; the row that made the
change publishes it in ``sim.events``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import END_REASONS, LIST_TYPES, SPELL_DTYPES
from .columns import Columns, take_cols

if TYPE_CHECKING:
    from .state import State

__all__ = ["CORRECTED", "LIST_TYPES", "PERFORMANCE", "SPELL_DTYPES", "TERM", "SpellTable"]

TERM, PERFORMANCE, CORRECTED = (END_REASONS.index(r) for r in ("term", "performance", "corrected"))


class SpellTable:
    """Spells as columns; ``count[k]`` subjects on list k now. Writers: lists, retirement."""

    def __init__(self, list_types: list[str]) -> None:
        self.rows = Columns(SPELL_DTYPES, capacity=4096)
        self.types = np.array([LIST_TYPES.index(t) for t in list_types], np.int8)
        self.count = np.zeros(len(list_types), np.int64)
        # the false records decisive for a wrongful spell (:mod:`.wrongful`), one row per pair
        self.decisive = Columns({"spell": "i8", "record": "i8"}, capacity=256)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.rows[column]

    def view(self) -> dict[str, np.ndarray]:
        return self.rows.view()

    def copy(self) -> dict[str, np.ndarray]:
        return self.rows.copy()

    # -- writing ----------------------------------------------------------------------------
    def start(
        self, state: State, k: int, who: np.ndarray, day: int, cause: np.ndarray, wrongful: np.ndarray
    ) -> np.ndarray:
        """Subjects ``who`` (not on list k) enter it today; returns the new spell ids."""
        ids = self.rows.append(
            subject=who, list=k, start=day, end=-1, cause_record=cause, end_reason=0, wrongful=wrongful
        )
        black = self.types[k] == 0
        state.listed[k, who] = True
        state.spell_of[k, who] = ids
        state.ever_listed[who] |= black
        state.wrongly_listed[who] |= wrongful & black
        self.count[k] += who.size
        return ids

    def end(self, state: State, ids: np.ndarray, reason: int, day: int) -> np.ndarray:
        """End the open spells among ``ids`` today with ``reason``; returns the ids ended."""
        ids = ids[self.rows["end"][ids] < 0]
        if ids.size == 0:
            return ids
        subj, lst = self.rows["subject"][ids], self.rows["list"][ids]
        self.rows["end"][ids] = day
        self.rows["end_reason"][ids] = reason
        state.listed[lst, subj] = False
        state.spell_of[lst, subj] = -1
        state.pending_exit[lst, subj] = -1
        state.dirty[subj] = True
        np.add.at(self.count, lst, -1)
        return ids

    # -- reading ----------------------------------------------------------------------------
    def on_type(self, state: State, idx: np.ndarray, type_name: str) -> np.ndarray:
        """On any list of this type (black, red, watch) now."""
        rows = np.flatnonzero(self.types == LIST_TYPES.index(type_name))
        if rows.size == 0:
            return np.zeros(idx.size, bool)
        return np.asarray(take_cols(state.listed, idx)[rows].any(axis=0))

    def days_listed(self, state: State, k: int, idx: np.ndarray, day: int) -> np.ndarray:
        """Days since the subjects' current spell on list k started (0 if not listed)."""
        sp = state.spell_of[k, idx]
        if len(self.rows) == 0:
            return np.zeros(idx.size, np.int32)
        start = self.rows["start"][np.maximum(sp, 0)]
        return np.where(sp >= 0, day - start, 0)

    def open_caused_by(self, record_ids: np.ndarray) -> np.ndarray:
        """Open spells whose causing record is one of ``record_ids``."""
        if record_ids.size == 0 or len(self.rows) == 0:
            return np.empty(0, np.int64)
        open_ = np.flatnonzero(self.rows["end"] < 0)
        return open_[np.isin(self.rows["cause_record"][open_], record_ids)]
