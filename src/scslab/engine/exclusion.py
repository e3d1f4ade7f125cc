"""Social and business exclusion: contacts cut ties with publicly exposed subjects.

When a publicity measure exposes a person, each friend and colleague cuts the tie with
probability ``model.exclusion.cut_share`` (a named stream per pair, so it is CRN-safe).
Cuts are batched and applied to the friend network once a week (a CSR rebuild is O(edges)).
``exclusion_degree_loss`` is the mean share of ties that exposed persons lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .module import Module, ResultSpec
from .state import chunks

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ExclusionModule"]


class ExclusionModule(Module):
    """contacts cut ties with publicly exposed subjects (applied weekly)"""

    name = "exclusion"

    def init(self, sim: Sim) -> None:
        # a module that reads the friend network as synthesised keeps it; otherwise ties are
        # cut in place and the population's network is the cut one (one copy in memory)
        self.keep_original = any(m.reads_synthesised_friends for m in sim.modules)
        self.degree0 = sim.state.friend_net.degree().astype(np.int32)
        self.exposed = np.zeros(sim.state.n, np.bool_)
        self.pending_src: list[np.ndarray] = []
        self.pending_dst: list[np.ndarray] = []
        self.cuts = 0

    def _expose(self, sim: Sim, who: np.ndarray, day: int) -> None:
        """Publicity reached these subjects today: their contacts may cut ties."""
        share = sim.scenario.model.exclusion.cut_share
        who = who[who < sim.state.n]
        who = who[~self.exposed[who]]  # contacts decide once, at the first exposure
        if who.size == 0:
            return
        self.exposed[who] = True
        if share <= 0:
            return
        net = sim.state.friend_net
        deg = (net.indptr[who + 1] - net.indptr[who]).astype(np.int64)
        if deg.sum() == 0:
            return
        starts = np.repeat(net.indptr[who], deg)
        offs = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
        src = np.repeat(who, deg)
        dst = net.indices[starts + offs].astype(np.int64)
        u = sim.streams.uniform_pair("exclusion.cut", day, dst, src)
        cut = u < share
        self.pending_src.append(src[cut])
        self.pending_dst.append(dst[cut])

    def step(self, sim: Sim, day: int) -> None:
        """Contacts of the subjects exposed today (``events.exposed``) decide; cuts apply weekly."""
        for who in sim.events.exposed:  # in the order the measures exposed them
            self._expose(sim, who, day)
        if day % 7 or not self.pending_src:
            return
        src = np.concatenate(self.pending_src)
        dst = np.concatenate(self.pending_dst)
        self.pending_src, self.pending_dst = [], []
        if src.size:
            net = sim.state.friend_net
            private = net is not sim.pop.friend_net  # already a copy of its own (cut before)
            cut = net.remove_edges(src, dst, symmetric=True, in_place=private or not self.keep_original)
            if not self.keep_original:
                sim.pop.friend_net = cut
            sim.state.friend_net = cut
            self.cuts += src.size

    def degree_loss(self, sim: Sim) -> float | None:
        """Mean share of friendship ties lost by persons exposed by publicity (None if nobody was)."""
        who = np.flatnonzero(self.exposed & (self.degree0 > 0))
        if who.size == 0:
            return None
        indptr = sim.state.friend_net.indptr  # friend_net.degree()[who], without the whole-population array
        now = (indptr[who + 1] - indptr[who]).astype(np.int32)
        return float(np.mean(1.0 - now / self.degree0[who]))

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """How much of their circle the publicly exposed lost."""
        return [
            ResultSpec(
                "exclusion_degree_loss",
                "share",
                "mean share of friendship ties lost by persons exposed by publicity (None if nobody was)",
                kind="figure",
                reduce="mean_approx",
            ),
            ResultSpec(
                "ties_lost_share",
                "share",
                "share of the person's friendship ties lost over the run (NaN without friends, organisations)",
                kind="column",
            ),
        ]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        out["exclusion_degree_loss"] = self.degree_loss(sim)
        n = sim.state.n
        indptr = sim.state.friend_net.indptr
        lost = np.full(sim.state.S, np.nan)
        for lo, hi in chunks(n):  # the float64 temporaries a chunk at a time
            deg0 = self.degree0[lo:hi].astype(np.float64)
            now = np.diff(indptr[lo : hi + 1]).astype(np.int32)  # friend_net.degree() of the chunk
            with np.errstate(invalid="ignore", divide="ignore"):
                lost[lo:hi] = np.where(deg0 > 0, 1.0 - now / deg0, np.nan)
        out["ties_lost_share"] = lost
