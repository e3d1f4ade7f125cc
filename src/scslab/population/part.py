"""A part of the population in its own index space: what a partitioned worker holds.

``synthesize(cfg, seed, blocks=B)`` gives the blocks ``B`` with **global** indices (their
slices of the whole population; a graph's columns may name persons of other blocks).
:func:`localize` turns such a part into a population indexed ``0 .. n_part-1`` (persons)
and ``0 .. m_part-1`` (organisations) that the engine can run as it runs a whole one, and
keeps what the part needs to stay the whole run's slice:

- ``gid``: the global subject index of every local subject (whole persons ``0 .. n-1``
  first, then organisations ``n + j``), which keys every per-subject draw
  (:class:`..engine.rng.Streams`) and places the part's rows in the whole run;
- ``cross_src`` / ``cross_dst``: the friendship ties that leave the part (a local person
  and the global index of a friend in another block), dropped from the local friend graph:
  what a partitioned run must exchange (docs/design.md, "Sharded runs and exactness").

Households, spouses, parents, workplaces, colleagues and legal representatives are drawn
inside a block (:mod:`.synth`), so only friendships cross blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .network import Csr
from .synth import ORG_FIELDS, PERSON_FIELDS, BlockPlan, SyntheticPopulation, synthesize

if TYPE_CHECKING:  # pragma: no cover
    from scslab.scenario.schema import Population

__all__ = ["Part", "localize", "synthesize_part"]


@dataclass
class Part:
    """A part of the population with local indices (:func:`localize`)."""

    pop: SyntheticPopulation  # every index local; graphs square (n_part rows and columns)
    blocks: np.ndarray  # the blocks held, ascending
    gid: np.ndarray  # int64 per local subject: global person index, then n_whole + global org index
    n_whole: int  # persons of the whole population
    m_whole: int  # organisations of the whole population
    cross_src: np.ndarray  # int32: local person with a friend in another block ...
    cross_dst: np.ndarray  # int64: ... that friend's global person index (one row per directed tie)

    @property
    def whole(self) -> tuple[int, int]:
        """(persons, organisations) of the whole population."""
        return self.n_whole, self.m_whole

    @property
    def person_gid(self) -> np.ndarray:
        return self.gid[: self.pop.n]


def _maps(plan: BlockPlan, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block: its first local person and first local organisation (-1: not held)."""
    p0 = np.full(plan.k, -1, np.int64)
    o0 = np.full(plan.k, -1, np.int64)
    p0[blocks] = np.concatenate([[0], np.cumsum(plan.sizes[blocks])[:-1]])
    o0[blocks] = np.concatenate([[0], np.cumsum(plan.org_counts[blocks].sum(axis=1))[:-1]])
    return p0, o0


def _to_local(g: np.ndarray, offsets: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Global indices ``g`` (``-1``: none) as local ones; ``-1`` for none or outside the part."""
    g = np.asarray(g, np.int64)
    b = np.searchsorted(offsets, g, side="right") - 1
    b = np.clip(b, 0, first.shape[0] - 1)
    start = first[b]
    return np.where((g >= 0) & (start >= 0), g - offsets[b] + start, -1)


def localize(pop: SyntheticPopulation) -> Part:
    """The part ``pop`` (from ``synthesize(..., blocks=B)``, or a whole population) re-indexed
    to its own subjects, with the friendship ties that leave it.

    The part's blocks must come in ascending order, so that local order is global order
    within the part (rows of the graphs stay sorted, and ``gid`` ascends).
    """
    plan, blocks = pop.plan, pop.blocks
    if plan is None or blocks is None:
        raise ValueError("localize: the population has no block plan (use population.synth.synthesize)")
    blocks = np.asarray(blocks, np.int64)
    if blocks.size > 1 and np.any(np.diff(blocks) <= 0):
        raise ValueError("localize: the part's blocks must be distinct and ascending")
    p0, o0 = _maps(plan, blocks)
    person_gid = np.concatenate(
        [np.arange(plan.offsets[b], plan.offsets[b + 1], dtype=np.int64) for b in blocks.tolist()]
        or [np.zeros(0, np.int64)]
    )
    org_gid = np.concatenate(
        [np.arange(plan.org_offsets[b], plan.org_offsets[b + 1], dtype=np.int64) for b in blocks.tolist()]
        or [np.zeros(0, np.int64)]
    )
    if person_gid.shape[0] != pop.n or org_gid.shape[0] != pop.m:
        raise ValueError("localize: the population does not hold exactly its plan's blocks")

    def person(g: np.ndarray) -> np.ndarray:
        return _to_local(g, plan.offsets, p0)

    def org(g: np.ndarray) -> np.ndarray:
        return _to_local(g, plan.org_offsets, o0)

    changes: dict[str, object] = {}
    fields = {**PERSON_FIELDS, **ORG_FIELDS}
    for name, (_, kind) in fields.items():
        if kind:
            v = getattr(pop, name)
            local = person(v) if kind == "person" else org(v)
            if np.any((local < 0) & (np.asarray(v) >= 0)):
                raise ValueError(f"localize: {name} names a subject outside the part")
            changes[name] = local.astype(v.dtype)
    for name in ("household_net", "work_net"):
        net: Csr = getattr(pop, name)
        cols = person(net.indices)
        if np.any(cols < 0):
            raise ValueError(f"localize: {name} has a tie out of the part (drawn inside blocks)")
        changes[name] = Csr(net.indptr, cols.astype(np.int32))
    fnet: Csr = pop.friend_net
    cols = person(fnet.indices)
    out = cols < 0
    src_all = np.repeat(np.arange(fnet.n, dtype=np.int32), np.diff(fnet.indptr))
    cross_src, cross_dst = src_all[out], fnet.indices[out].astype(np.int64)
    del src_all
    changes["friend_net"] = Csr(fnet.indptr, np.where(out, 0, cols).astype(np.int32)).without_edges(~out)
    local_pop = replace(pop, **changes)  # type: ignore[arg-type]
    return Part(
        pop=local_pop,
        blocks=blocks,
        gid=np.concatenate([person_gid, plan.n + org_gid]),
        n_whole=plan.n,
        m_whole=plan.m,
        cross_src=cross_src,
        cross_dst=cross_dst,
    )


def synthesize_part(cfg: Population, seed: int, blocks: Sequence[int] | np.ndarray) -> Part:
    """:func:`..synth.synthesize` of ``blocks`` (in ascending order), localized."""
    return localize(synthesize(cfg, seed, blocks=np.sort(np.asarray(blocks, np.int64).reshape(-1))))
