"""Stream keys: 64-bit keys from the run seed and a stream's name, with no dependencies.

At the bottom of the import graph (beside ``codes``) because two layers key their randomness
by it: the engine's counter-based streams (``engine/rng.py``) and the population's block-wise
synthesis (``population/synth.py``), which must not import the engine. The same
``(seed, name)`` gives the same key in every process and Python version (BLAKE2b, not
``hash``), which is what lets a worker synthesise or simulate its part alone.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stream_key"]


def stream_key(seed: int, name: str) -> np.uint64:
    """A 64-bit key from the run seed and the stream's name (stable across Python runs)."""
    h = hashlib.blake2b(f"{int(seed)}:{name}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(h, "little"))
