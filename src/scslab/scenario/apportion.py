"""Whole numbers split by weight: persons to regions, regions to shards.

Both the population (how many persons each region gets) and the planner and the sharded
executor (which shard each region goes to, how many persons a shard holds) need the same
split, computed from the scenario alone and identically everywhere, so it lives here, upstream
of both (scenario -> population -> engine -> lab).
"""

from __future__ import annotations

import numpy as np

__all__ = ["apportion", "region_shards"]


def apportion(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` split into integer parts proportional to ``weights`` (largest remainder, ties to
    the earlier part); when ``n >= len(weights)`` a part that would be empty takes one from
    the largest parts. A pure function of ``n`` and the weights, so every worker computes the
    same block sizes and offsets."""
    w = np.asarray(weights, dtype=np.float64)
    k = int(w.shape[0])
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    quota = n * w / w.sum()
    parts = np.floor(quota).astype(np.int64)
    left = int(n - parts.sum())
    order = np.argsort(-(quota - parts), kind="stable")
    parts[order[:left]] += 1
    if n >= k:
        for e in np.flatnonzero(parts == 0).tolist():
            parts[int(np.argmax(parts))] -= 1  # the largest part (>= 2 while n >= k) gives one
            parts[e] = 1
    return parts


def region_shards(counts: np.ndarray, shards: int) -> np.ndarray:
    """The shard of each region (int16, in region order): regions go to shards in contiguous
    runs of about ``counts.sum() / shards`` persons, a region never split, so a shard holding
    a large region is larger than the mean (and a later shard may be empty)."""
    counts = np.asarray(counts, dtype=np.int64)
    edges = np.searchsorted(np.cumsum(counts), np.arange(1, shards) * (int(counts.sum()) / shards))
    of_region = np.zeros(counts.size, np.int16)
    for e in edges:
        of_region[e + 1 :] += 1
    return np.minimum(of_region, shards - 1).astype(np.int16)
