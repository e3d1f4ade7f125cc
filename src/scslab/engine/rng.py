"""Named, counter-based random streams: the basis of common random numbers.

Every random decision has its own stream, keyed by its name and the run seed. A draw is a
pure hash of ``(stream key, day, agent index)``, so agent *i*'s draws never depend on how
many draws other agents consumed. Sanctioning one person therefore changes nothing for the
draws of people unconnected to them, and two scenarios that differ in one rule are
compared on exactly the same luck. (Starsim gets the same property with per-slot draws; a
stateless hash gives it without allocating a full-population array every day.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..jit import njit
from ..keys import stream_key

__all__ = ["Streams", "sliced_draw", "stream_key", "uniform", "uniform_sub"]

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
    """The run's random streams, looked up by name: ``sim.streams.key("behaviour.traffic")``.

    ``ids`` is the global subject index of each local subject (persons of the whole
    population first, then its organisations): every per-subject keyed draw is keyed by
    it, so a run over a part of the population (``Sim(blocks=...)``) draws for each of its
    subjects exactly what the whole run draws for them. ``None`` (a whole run) is the
    identity, ``arange(S)``, without holding it.
    """

    def __init__(self, seed: int, ids: np.ndarray | None = None) -> None:
        self.seed = int(seed)
        self._keys: dict[str, np.uint64] = {}
        self.ids: np.ndarray | None = None if ids is None else np.ascontiguousarray(ids, dtype=np.int64)

    def key(self, name: str) -> np.uint64:
        k = self._keys.get(name)
        if k is None:
            k = self._keys[name] = stream_key(self.seed, name)
        return k

    def gid(self, idx: np.ndarray) -> np.ndarray:
        """The global subject index of local subjects ``idx`` (int64, contiguous)."""
        idx = np.ascontiguousarray(idx, dtype=np.int64)
        return idx if self.ids is None else self.ids[idx]

    def gids(self) -> np.ndarray:
        """The ids array itself for numba kernels: empty for a whole run (the identity)."""
        return np.zeros(0, np.int64) if self.ids is None else self.ids

    def uniform(self, name: str, counter: int, idx: np.ndarray) -> np.ndarray:
        """U[0,1) per local subject in ``idx``, keyed by (stream, counter, global subject)."""
        return uniform(self.key(name), np.int64(counter), self.gid(idx))

    def uniform_sub(self, name: str, counter: int, idx: np.ndarray, sub: np.ndarray) -> np.ndarray:
        """Draws for local subjects ``idx`` keyed by a second index ``sub`` that is not a
        subject (a behaviour, a record, a spell): only ``idx`` is made global."""
        return uniform_sub(
            self.key(name),
            np.int64(counter),
            self.gid(idx),
            np.ascontiguousarray(sub, dtype=np.int64),
        )

    def uniform_pair(self, name: str, counter: int, idx: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Draws keyed by two subjects (a contact and the exposed, a case and a contact):
        both made global, so the pair draws alike wherever either is simulated."""
        return uniform_sub(self.key(name), np.int64(counter), self.gid(idx), self.gid(other))

    def generator(self, name: str) -> np.random.Generator:
        """A classic NumPy generator for one-off set-up work (population synthesis).

        Its draws are sequential, so a draw over subjects must be made over the whole
        population and sliced (:func:`sliced_draw`) to stay the same in a part.
        """
        return np.random.default_rng([self.seed, int(self.key(name))])


def sliced_draw(
    draw: Callable[[np.random.Generator, int], np.ndarray],
    rng: np.random.Generator,
    total: int,
    ids: np.ndarray | None,
    chunk: int = 1 << 20,
) -> np.ndarray:
    """``draw(rng, total)`` of a sequential generator, kept at ``ids`` only (all of it for None).

    The whole population's draw is made in chunks of ``chunk`` values and only the part's
    values are kept, so a part's memory is its own size; the values equal the slice of the
    whole draw because NumPy's samplers consume the bit stream value by value (the CPU is
    still that of the whole draw).
    """
    if ids is None:
        return draw(rng, total)
    ids = np.asarray(ids, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    out = None
    lo = 0
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        vals = draw(rng, stop - start)
        if out is None:
            out = np.empty(ids.shape[0], dtype=vals.dtype)
        hi = int(np.searchsorted(sorted_ids, stop, side="left"))
        out[order[lo:hi]] = vals[sorted_ids[lo:hi] - start]
        lo = hi
        if lo == ids.shape[0]:
            break
    return np.empty(0, np.float64) if out is None else out
