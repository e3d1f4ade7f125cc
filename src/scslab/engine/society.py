"""Periodic social updates (every ``model.social_update_days``): peer behaviour and socially learnt
perception of surveillance.

People look at three circles -- household, colleagues, friends -- for how often others
break rules (the peer violation share in the decision) and for how watched they are: their
belief drifts toward their contacts' beliefs (DeGroot averaging, which spreads what
violators learn to people who never test the system), and the share of contacts they *see*
punished adds to how watched they feel while it lasts. Publicity makes every sanction
visible; without it only a fraction is.

Writes ``sim.state.peer_share``, ``sim.state.seen_share`` and moves ``sim.state.perceived``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit

from ..population.network import neighbor_mean
from .module import SAMPLE_EVERY, Module, ResultSpec

if TYPE_CHECKING:
    from ..scenario.schema import Perception
    from .sim import Sim

__all__ = ["SocietyModule", "scatter_share"]


@njit(cache=True)
def scatter_share(indptr, indices, sources, out, weight):
    """out[i] += weight / deg(i) for every neighbour i of every source.

    On a symmetric graph this equals ``weight * (share of i's neighbours that are sources)``,
    at the cost of the sources' edges only -- sanctioned people are few.
    """
    for s in sources:
        for k in range(indptr[s], indptr[s + 1]):
            i = indices[k]
            out[i] += weight / (indptr[i + 1] - indptr[i])


class SocietyModule(Module):
    """peer shares and socially learnt perception (every few days)"""

    name = "society"

    def init(self, sim: Sim) -> None:
        self.n = sim.state.n

    def _networks(self, sim: Sim) -> tuple[tuple[Any, float], ...]:
        mdl, pop = sim.scenario.model, sim.pop
        return (
            (pop.household_net, mdl.peer_household),
            (pop.work_net, mdl.peer_work),
            (sim.state.friend_net, mdl.peer_friends),
        )

    def _mean(self, sim: Sim, values: np.ndarray) -> np.ndarray:
        """Weighted mean of ``values`` over the three circles (0 for the isolated)."""
        values = np.ascontiguousarray(values, np.float32)
        out = np.zeros(self.n, np.float64)
        wsum = np.zeros(self.n, np.float64)
        for net, w in self._networks(sim):
            if w > 0:
                has = np.diff(net.indptr) > 0
                out += w * neighbor_mean(net, values)  # 0 where a person has no such contacts
                wsum += w * has
        out /= np.maximum(wsum, 1e-300)
        return out.astype(np.float32)

    def _seen(self, sim: Sim, per: Perception) -> np.ndarray:
        """Share of each person's circles under sanction, weighted by how visible sanctions are."""
        st, n = sim.state, self.n
        sanctioned = np.flatnonzero(st.n_sanctions[:n] > 0)
        if sanctioned.size == 0:
            return np.zeros(n, np.float32)
        visibility = 1.0 if sim.scenario.policy.publicity else per.private_visibility
        out = np.zeros(n, np.float64)
        wsum = np.zeros(n, np.float64)
        for net, w in self._networks(sim):
            if w > 0:
                scatter_share(net.indptr, net.indices, sanctioned, out, float(w))
                wsum += w * (np.diff(net.indptr) > 0)
        out /= np.maximum(wsum, 1e-300)
        return (visibility * out).astype(np.float32)

    def step(self, sim: Sim, day: int) -> None:
        mdl = sim.scenario.model
        if day % mdl.social_update_days:
            return
        st, n, per = sim.state, self.n, mdl.perception
        st.peer_share[:n] = self._mean(sim, st.recent_violation[:n])
        st.seen_share[:n] = self._seen(sim, per)
        perceived = st.perceived
        if perceived.shape[0] and per.social_rate > 0:
            mine = perceived[:, :n].mean(axis=0)
            shift = (per.social_rate * (self._mean(sim, mine) - mine)).astype(np.float32)
            beliefs = perceived[:, :n]  # in place: no two temporaries of behaviours x persons
            np.clip(np.add(beliefs, shift, out=beliefs), 0.0, 1.0, out=beliefs)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """What persons see of their contacts: violations and sanctions."""
        return [
            ResultSpec("peer_share_mean", "share", "mean share of contacts' recent violations", every=SAMPLE_EVERY),
            ResultSpec("seen_sanctioned_share", "share", "mean share of contacts seen sanctioned", every=SAMPLE_EVERY),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        if out.sampling:
            st = sim.state
            out["peer_share_mean"] = st.peer_share[: st.n].mean()
            out["seen_sanctioned_share"] = st.seen_share.mean()
