"""Numba's ``njit`` and ``prange``, with the on-disk cache of compiled kernels saved under a lock.

Why: every kernel is ``@njit(cache=True)``, and several processes often compile at once (the
spawned workers of a sweep or a sharded run, pytest's two workers). Numba saves a kernel's
cache entry by reading the function's index, picking the first free data-file number and
writing the index back, with no lock (numba/numba#10128). Two processes that compile
*different* signatures of one kernel at the same moment can both pick ``.1.nbc``; the index
then points one signature at the other's machine code, and every later process that loads it
runs the wrong code. Saving under an exclusive ``flock`` on a lock file beside the index makes
the read-pick-write atomic across processes. Where ``fcntl`` is missing (Windows) the save is
numba's own.

Every scslab module that compiles a kernel imports ``njit`` from here, so the lock is in place
before the first kernel is compiled.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from numba import njit, prange
from numba.core import caching

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["locked_save", "njit", "prange"]


@contextlib.contextmanager
def _exclusive(path: str) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def locked_save(save: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``IndexDataCacheFile.save`` so that one process at a time reads, picks and writes."""

    def save_locked(self: Any, key: Any, data: Any) -> Any:
        with _exclusive(self._index_path + ".lock"):
            return save(self, key, data)

    save_locked.scslab_locked = True  # type: ignore[attr-defined]
    save_locked.__wrapped__ = save  # type: ignore[attr-defined]
    return save_locked


if fcntl is not None and not getattr(caching.IndexDataCacheFile.save, "scslab_locked", False):
    caching.IndexDataCacheFile.save = locked_save(caching.IndexDataCacheFile.save)  # type: ignore[method-assign]
