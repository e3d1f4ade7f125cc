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

from ..jit import njit, prange
from .module import SAMPLE_EVERY, Module, ResultSpec

if TYPE_CHECKING:
    from ..scenario.schema import Perception
    from .sim import Sim

__all__ = ["SocietyModule", "scatter_share", "social_means"]


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


@njit(cache=True, inline="always")
def _row_sums(ip, ix, a, b, two, i):  # pragma: no cover - numba
    """(degree, float64 sum, float64 sum) over row ``i``, neighbours in order: of ``a`` alone,
    or (``two``) of both columns of ``b``, the two value arrays side by side (n x 2)."""
    lo = ip[i]
    hi = ip[i + 1]
    sa = 0.0
    sb = 0.0
    if two:
        for k in range(lo, hi):
            nb = ix[k]
            sa += b[nb, 0]  # the two values side by side: one cache line per neighbour
            sb += b[nb, 1]
    else:
        for k in range(lo, hi):
            sa += a[ix[k]]
    return hi - lo, sa, sb


@njit(cache=True, inline="always")
def _add_circle(d, sa, sb, w32, w64, oa, ob, ws):  # pragma: no cover - numba
    """Add one circle's weighted row means: the same float ops as ``out += w * neighbor_mean``."""
    if d == 0:
        return oa, ob, ws  # an isolated row adds w * 0.0 = 0.0: no change
    oa += np.float64(w32 * np.float32(sa / d))
    ob += np.float64(w32 * np.float32(sb / d))
    return oa, ob, ws + w64


@njit(cache=True, parallel=True)
def _social_means(ip0, ix0, ip1, ix1, ip2, ix2, w32, w64, a, b, two, out_a, out_b, wsum):  # pragma: no cover
    """Both circle-weighted neighbour means in one walk over each person's three rows.

    Same float operations, in the same order and precision, as three ``neighbor_mean``
    passes per value array (float64 accumulation, the row mean rounded to float32, times the
    weight in float32, summed in float64 over the circles in order, over the float64 weight
    sum of the circles the person has, rounded to float32). Persons are independent, so the
    parallel loop is bit-deterministic.
    """
    n = ip0.shape[0] - 1
    for i in prange(n):
        oa = 0.0
        ob = 0.0
        ws = 0.0
        if w64[0] > 0.0:
            d, sa, sb = _row_sums(ip0, ix0, a, b, two, i)
            oa, ob, ws = _add_circle(d, sa, sb, w32[0], w64[0], oa, ob, ws)
        if w64[1] > 0.0:
            d, sa, sb = _row_sums(ip1, ix1, a, b, two, i)
            oa, ob, ws = _add_circle(d, sa, sb, w32[1], w64[1], oa, ob, ws)
        if w64[2] > 0.0:
            d, sa, sb = _row_sums(ip2, ix2, a, b, two, i)
            oa, ob, ws = _add_circle(d, sa, sb, w32[2], w64[2], oa, ob, ws)
        wsum[i] = ws
        den = max(ws, 1e-300)
        out_a[i] = np.float32(oa / den)
        if two:
            out_b[i] = np.float32(ob / den)


def social_means(
    nets: tuple[tuple[Any, float], ...], a: np.ndarray, b: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Circle-weighted means of ``a`` (and ``b``) over three (graph, weight) circles, float32.

    Equals ``sum(w * neighbor_mean(net, v)) / sum(w * has_contacts)`` over the circles with
    ``w > 0`` (0 for a person with none), bit for bit, in one pass over the edges for both
    arrays. Also returns the float64 weight sum per person, which ``_seen`` reuses.
    """
    if len(nets) != 3:
        raise ValueError("social_means takes exactly three circles")
    n = nets[0][0].n
    a = np.ascontiguousarray(a, np.float32)
    two = b is not None
    if a.shape[0] != n or (b is not None and b.shape[0] != n) or any(net.n != n for net, _ in nets):
        raise ValueError("every circle and value array must have one entry per person")
    if b is not None:
        bb = np.empty((n, 2), np.float32)
        bb[:, 0] = a
        bb[:, 1] = b
    else:
        bb = np.zeros((0, 2), np.float32)
    w64 = np.array([float(w) for _, w in nets], np.float64)
    w32 = w64.astype(np.float32)  # a Python float times a float32 array multiplies in float32
    out_a = np.empty(n, np.float32)
    out_b = np.empty(n if two else 0, np.float32)
    wsum = np.empty(n, np.float64)
    (g0, _), (g1, _), (g2, _) = nets
    _social_means(
        g0.indptr, g0.indices, g1.indptr, g1.indices, g2.indptr, g2.indices, w32, w64, a, bb, two, out_a, out_b, wsum
    )
    return out_a, (out_b if two else None), wsum


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
        return social_means(self._networks(sim), values)[0]

    def _seen(self, sim: Sim, per: Perception, wsum: np.ndarray | None = None) -> np.ndarray:
        """Share of each person's circles under sanction, weighted by how visible sanctions are.

        ``wsum`` is the circles' weight sum per person from :func:`social_means` (recomputed
        when not given).
        """
        st, n = sim.state, self.n
        sanctioned = np.flatnonzero(st.n_sanctions[:n] > 0)
        if sanctioned.size == 0:
            return np.zeros(n, np.float32)
        visibility = 1.0 if sim.scenario.policy.publicity else per.private_visibility
        nets = self._networks(sim)
        if wsum is None:
            wsum = np.zeros(n, np.float64)
            for net, w in nets:
                if w > 0:
                    wsum += w * (np.diff(net.indptr) > 0)
        out = np.zeros(n, np.float64)
        for net, w in nets:
            if w > 0:
                scatter_share(net.indptr, net.indices, sanctioned, out, float(w))
        # in place (issue 12.2): out / max(wsum, 1e-300) where a person has circles (wsum is a sum of
        # positive weights there; elsewhere out is 0 and stays 0), then times the visibility
        np.divide(out, wsum, out=out, where=wsum > 0)
        out *= visibility
        return out.astype(np.float32)

    def step(self, sim: Sim, day: int) -> None:
        mdl = sim.scenario.model
        if day % mdl.social_update_days:
            return
        st, n, per = sim.state, self.n, mdl.perception
        perceived = st.perceived
        learn = bool(perceived.shape[0]) and per.social_rate > 0
        mine = perceived[:, :n].mean(axis=0) if learn else None
        # one walk over the circles for both means (peer violations and beliefs)
        peer, belief, wsum = social_means(self._networks(sim), st.recent_violation[:n], mine)
        st.peer_share[:n] = peer
        del peer
        st.seen_share[:n] = self._seen(sim, per, wsum)
        del wsum
        if belief is not None and mine is not None:
            shift = np.subtract(belief, mine, out=belief)  # float32, in place of two temporaries
            shift *= per.social_rate
            beliefs = perceived[:, :n]  # in place: no two temporaries of behaviours x persons
            np.clip(np.add(beliefs, shift, out=beliefs), 0.0, 1.0, out=beliefs)

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """What persons see of their contacts: violations and sanctions."""
        return [
            ResultSpec(
                "peer_share_mean",
                "share",
                "mean share of contacts' recent violations",
                every=SAMPLE_EVERY,
                reduce="mean",
            ),
            ResultSpec(
                "seen_sanctioned_share",
                "share",
                "mean share of contacts seen sanctioned",
                every=SAMPLE_EVERY,
                reduce="mean_subjects",
            ),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        if out.sampling:
            st = sim.state
            out["peer_share_mean"] = st.peer_share[: st.n].mean()
            out["seen_sanctioned_share"] = st.seen_share.mean()
