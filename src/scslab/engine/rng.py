"""Named, counter-based random streams: the basis of common random numbers.

Every random decision has its own stream, keyed by its name and the run seed. A draw is a
pure hash of ``(stream key, day, agent index)``, so agent *i*'s draws never depend on how
many draws other agents consumed. Sanctioning one person therefore changes nothing for the
draws of people unconnected to them, and two scenarios that differ in one rule are
compared on exactly the same luck. (Starsim gets the same property with per-slot draws; a
stateless hash gives it without allocating a full-population array every day.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..keys import stream_key

__all__ = ["Streams", "stream_key", "uniform", "uniform_sub"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    """splitmix64 finaliser: a bijective avalanche of 64 bits."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def draw(key: np.uint64, counter: np.int64, idx: np.int64) -> float:
    """One U[0,1) draw for (stream, counter, agent): usable inside other numba kernels."""
    z = _mix(key ^ _mix(np.uint64(counter) * np.uint64(0xD1B54A32D192ED03) + np.uint64(idx)))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def uniform(key: np.uint64, counter: np.int64, idx: np.ndarray) -> np.ndarray:
    """U[0,1) draws for the agents in ``idx`` at ``counter`` (usually the day)."""
    out = np.empty(idx.shape[0], dtype=np.float64)
    for j in range(idx.shape[0]):
        out[j] = draw(key, counter, np.int64(idx[j]))
    return out


@njit(cache=True)
def uniform_sub(key: np.uint64, counter: np.int64, idx: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Draws keyed by a second index too (e.g. the n-th event of an agent on one day)."""
    out = np.empty(idx.shape[0], dtype=np.float64)
    for j in range(idx.shape[0]):
        k2 = _mix(key ^ np.uint64(sub[j]) * np.uint64(0x9E3779B97F4A7C15))
        out[j] = draw(k2, counter, np.int64(idx[j]))
    return out


class Streams:
    """The run's random streams, looked up by name: ``sim.streams.key("behaviour.traffic")``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._keys: dict[str, np.uint64] = {}

    def key(self, name: str) -> np.uint64:
        k = self._keys.get(name)
        if k is None:
            k = self._keys[name] = stream_key(self.seed, name)
        return k

    def uniform(self, name: str, counter: int, idx: np.ndarray) -> np.ndarray:
        return uniform(self.key(name), np.int64(counter), np.ascontiguousarray(idx, dtype=np.int64))

    def uniform_sub(self, name: str, counter: int, idx: np.ndarray, sub: np.ndarray) -> np.ndarray:
        return uniform_sub(
            self.key(name),
            np.int64(counter),
            np.ascontiguousarray(idx, dtype=np.int64),
            np.ascontiguousarray(sub, dtype=np.int64),
        )

    def generator(self, name: str) -> np.random.Generator:
        """A classic NumPy generator for one-off set-up work (population synthesis)."""
        return np.random.default_rng([self.seed, int(self.key(name))])
