"""Growable columnar tables: append-only, amortised doubling, no per-row Python objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["Columns", "take_cols"]


def take_cols(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a[:, idx]`` for integer ``idx`` (C-ordered): the same values, about 10x faster.

    NumPy's mixed slice-and-index path gathers element by element into a transposed
    buffer (40,000 subjects from a 2 x 1 M bool array: 2.0 vs 0.17 ms). Use it where the
    layout of the result cannot matter (element-wise work, reductions over rows); a matrix
    product over the rows may sum in another order on another layout.
    """
    idx = np.asarray(idx)
    if idx.dtype == np.bool_:
        return a[:, idx]
    return np.take(a, idx, axis=1)


class Columns:
    """A table of equally long NumPy columns that grows by doubling.

    Used for the ledger, list spells and sanctions: rows are appended in bulk (one call
    per module per day), and ``view()`` returns the filled part without copying.
    """

    def __init__(self, dtypes: Mapping[str, str | np.dtype], capacity: int = 1024) -> None:
        self.dtypes = {k: np.dtype(v) for k, v in dtypes.items()}
        self.n = 0
        self._cap = max(16, int(capacity))
        self._data = {k: np.empty(self._cap, dtype=dt) for k, dt in self.dtypes.items()}

    def __len__(self) -> int:
        return self.n

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= self._cap:
            return
        cap = self._cap
        while cap < need:
            cap *= 2
        for k, arr in self._data.items():
            new = np.empty(cap, dtype=arr.dtype)
            new[: self.n] = arr[: self.n]
            self._data[k] = new
        self._cap = cap

    def append(self, **cols: Any) -> np.ndarray:
        """Append rows given as equally long arrays (scalars broadcast); returns their row ids."""
        size = max((np.size(v) for v in cols.values() if np.ndim(v) > 0), default=1)
        missing = set(self.dtypes) - set(cols)
        if missing:
            raise KeyError(f"missing columns: {sorted(missing)}")
        self._reserve(size)
        start = self.n
        for k, v in cols.items():
            self._data[k][start : start + size] = v
        self.n += size
        return np.arange(start, start + size, dtype=np.int64)

    def __getitem__(self, name: str) -> np.ndarray:
        """The live column (a view of the filled rows; writable, for status updates)."""
        return self._data[name][: self.n]

    def view(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n] for k, v in self._data.items()}

    def copy(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n].copy() for k, v in self._data.items()}

    @property
    def nbytes(self) -> int:
        return sum(v.nbytes for v in self._data.values())
