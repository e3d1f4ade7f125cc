"""Weekly social updates: peer behaviour and socially learnt perception of surveillance.

People look at three circles -- household, colleagues, friends -- for how often others
break rules (the peer violation share in the decision) and for how watched they are: their
belief drifts toward their contacts' beliefs (DeGroot averaging, which spreads what
violators learn to people who never test the system), and the share of contacts they *see*
punished adds to how watched they feel while it lasts. Publicity makes every sanction
visible; without it only a fraction is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["SocietyModule", "EVERY"]

EVERY = 7  # days between social updates


@njit(cache=True)
def neighbour_mean(indptr, indices, values, out, weight, wsum):
    """out += weight * mean of ``values`` over neighbours; wsum += weight where a node has any."""
    for i in range(indptr.shape[0] - 1):
        a, b = indptr[i], indptr[i + 1]
        if b > a:
            s = 0.0
            for k in range(a, b):
                s += values[indices[k]]
            out[i] += weight * s / (b - a)
            wsum[i] += weight


class SocietyModule:
    name = "society"

    def init(self, sim: "Sim") -> None:
        st = sim.state
        self.n = st.n
        self.seen_share = np.zeros(st.S, np.float32)

    def _networks(self, sim: "Sim"):
        mdl, pop = sim.scenario.model, sim.pop
        return ((pop.household_net, mdl.peer_household), (pop.work_net, mdl.peer_work),
                (sim.exclusion.friend_net, mdl.peer_friends))

    def _mean(self, sim: "Sim", values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, np.float64)
        wsum = np.zeros(self.n, np.float64)
        for net, w in self._networks(sim):
            if w > 0:
                neighbour_mean(net.indptr, net.indices, values, out, float(w), wsum)
        return np.divide(out, wsum, out=np.zeros_like(out), where=wsum > 0).astype(np.float32)

    def step(self, sim: "Sim", day: int) -> None:
        if day % EVERY:
            return
        st, n = sim.state, self.n
        per = sim.scenario.model.perception
        st.peer_share[:n] = self._mean(sim, st.recent_violation[:n])
        perceived = sim.behaviour.perceived
        if perceived.shape[0] == 0:
            return
        visibility = 1.0 if sim.scenario.policy.publicity else per.private_visibility
        seen = ((st.n_sanctions[:n] > 0) * np.float32(visibility)).astype(np.float32)
        self.seen_share[:n] = self._mean(sim, seen)
        if per.social_rate > 0:
            mine = perceived[:, :n].mean(axis=0)
            shift = per.social_rate * (self._mean(sim, mine) - mine)
            perceived[:, :n] = np.clip(perceived[:, :n] + shift.astype(np.float32), 0.0, 1.0)
