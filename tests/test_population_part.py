"""A Sim over a part of the population draws what the whole Sim draws for the same subjects.

Global subject ids key every per-subject draw (``engine.rng.Streams.ids``), the set-up
draws of a sequential generator (organisations' honesty, the initial norms) are made over
the whole population and sliced, and ``population.part.localize`` gives the part its own
index space: so a worker holding some blocks starts exactly where the whole run starts for
them (issue 12.3-12.4, docs/design.md "Sharded runs and exactness").
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.epidemic import _checkins, _progress
from scslab.engine.rng import Streams, sliced_draw
from scslab.engine.sim import Sim
from scslab.population.part import localize, synthesize_part
from scslab.population.synth import synthesize
from scslab.scenario.loader import load_scenario

N = 6000
SEED = 5
BLOCKS = [2, 9, 10, 24]  # four of national-outline's 31 provinces, not contiguous
SETS = ["model.norm_initial=0.4"]  # a non-zero initial norm: the sliced beta draw is exercised


@pytest.fixture(scope="module")
def sims() -> tuple[Sim, Sim]:
    whole = Sim("national-outline", n=N, seed=SEED, days=60, overrides=SETS).init()
    part = Sim("national-outline", n=N, seed=SEED, days=60, overrides=SETS, blocks=BLOCKS).init()
    return whole, part


def _drain(cal: object, days: int) -> list[np.ndarray]:
    return [np.sort(cal.pop(d)) for d in range(days)]  # type: ignore[attr-defined]


def test_part_holds_its_blocks_subjects(sims: tuple[Sim, Sim]) -> None:
    whole, part = sims
    plan = whole.pop.plan
    assert plan is not None and part.part is not None
    gid = part.state.gid
    assert gid is not None and np.all(np.diff(gid) > 0)
    persons = np.concatenate([np.arange(plan.offsets[b], plan.offsets[b + 1]) for b in BLOCKS])
    orgs = np.concatenate([np.arange(plan.org_offsets[b], plan.org_offsets[b + 1]) for b in BLOCKS])
    np.testing.assert_array_equal(gid, np.concatenate([persons, plan.n + orgs]))
    assert part.state.whole == (whole.state.n, whole.state.m)
    assert 0 < part.state.S < whole.state.S
    assert whole.state.gid is None and whole.streams.ids is None  # a whole run holds no id array


def test_links_are_local_and_cross_ties_complete_the_friends(sims: tuple[Sim, Sim]) -> None:
    whole, part = sims
    p, w, gid = part.pop, whole.pop, part.state.gid
    assert gid is not None
    n = p.n
    pg = gid[:n]
    for name in ("spouse", "parent1", "parent2", "legal_rep"):
        local = getattr(p, name)
        mapped = np.where(local >= 0, pg[np.maximum(local, 0)], -1)
        ref = getattr(w, name)[pg] if name != "legal_rep" else w.legal_rep[gid[n:] - w.n]
        np.testing.assert_array_equal(mapped, ref)
    np.testing.assert_array_equal(
        np.where(p.workplace >= 0, gid[n + np.maximum(p.workplace, 0)] - w.n, -1), w.workplace[pg]
    )
    for name in ("household_net", "work_net", "friend_net"):
        net_p, net_w = getattr(p, name), getattr(w, name)
        assert net_p.n == n and (net_p.nnz == 0 or net_p.indices.max() < n)
        got = {(int(pg[s]), int(pg[d])) for s, d in zip(*net_p.edges())}
        if name == "friend_net":
            got |= {(int(pg[s]), int(d)) for s, d in zip(part.part.cross_src, part.part.cross_dst)}
            assert part.part.cross_src.size > 0  # friendships do cross provinces
            assert not np.isin(part.part.cross_dst, pg).any()
        src, dst = net_w.edges()
        keep = np.isin(src, pg)
        assert got == {(int(s), int(d)) for s, d in zip(src[keep], dst[keep])}


def test_set_up_state_is_the_whole_runs_slice(sims: tuple[Sim, Sim]) -> None:
    whole, part = sims
    gid = part.state.gid
    assert gid is not None
    assert (part.state.norm > 0).all() and (part.state.kind > 0).any()  # draws exercised
    for name in ("honesty", "norm", "age", "income", "savings", "kind", "region", "adult", "perceived", "urban"):
        np.testing.assert_array_equal(getattr(part.state, name), getattr(whole.state, name)[..., gid], err_msg=name)


def test_keyed_draws_use_global_ids(sims: tuple[Sim, Sim]) -> None:
    whole, part = sims
    gid = part.state.gid
    assert gid is not None
    local = np.arange(part.state.S)
    other = (local * 7 + 3) % part.state.S
    ps, ws = part.streams, whole.streams
    np.testing.assert_array_equal(ps.uniform("t", 4, local), ws.uniform("t", 4, gid))
    np.testing.assert_array_equal(ps.uniform_sub("t", 4, local, other), ws.uniform_sub("t", 4, gid, other))
    np.testing.assert_array_equal(ps.uniform_pair("t", 4, local, other), ws.uniform_pair("t", 4, gid, gid[other]))
    # the uniform_sub of a part would differ if it made its second index global: it must not
    assert not np.array_equal(ps.uniform_sub("t", 4, local, other), ws.uniform_sub("t", 4, gid, gid[other]))


def test_calendars_match(sims: tuple[Sim, Sim]) -> None:
    """Every pending opportunity and false match set up at init."""
    whole, part = sims
    gid = part.state.gid
    assert gid is not None
    days = whole.scenario.sim.days
    for qw, qp in zip(whole.behaviour.opp_q, part.behaviour.opp_q):
        for dw, dp in zip(_drain(qw, days), _drain(qp, days)):
            np.testing.assert_array_equal(dw[np.isin(dw, gid)], gid[dp])
    assert whole.sources.fm_q, "national-outline has false matches"
    for k in whole.sources.fm_q:
        for dw, dp in zip(_drain(whole.sources.fm_q[k], days), _drain(part.sources.fm_q[k], days)):
            np.testing.assert_array_equal(dw[np.isin(dw, gid)], gid[dp])


def test_day_0_acts_match() -> None:
    whole = Sim("national-outline", n=N, seed=SEED, days=30, overrides=SETS).init()
    part = Sim("national-outline", n=N, seed=SEED, days=30, overrides=SETS, blocks=BLOCKS).init()
    whole.step(0)
    part.step(0)
    gid = part.state.gid
    assert gid is not None
    ws, wb = whole.events.acts
    ps, pb = part.events.acts
    inside = np.isin(ws, gid)
    assert inside.any()
    w = sorted(zip(ws[inside].tolist(), wb[inside].tolist()))
    assert w == sorted(zip(gid[ps].tolist(), pb.tolist()))


def test_localize_whole_is_identity_and_part_equals_slice() -> None:
    cfg = load_scenario("national-outline", ["population.n=3000"]).population
    pop = synthesize(cfg, 2)
    ident = localize(pop)
    np.testing.assert_array_equal(ident.gid, np.arange(pop.n + pop.m))
    assert ident.cross_src.size == 0
    np.testing.assert_array_equal(ident.pop.friend_net.indices, pop.friend_net.indices)
    a = synthesize_part(cfg, 2, [5, 1])  # any order in, ascending held
    np.testing.assert_array_equal(a.blocks, [1, 5])
    with pytest.raises(ValueError, match="ascending"):
        localize(synthesize(cfg, 2, blocks=[5, 1]))


def test_sliced_draw_equals_the_whole_draw() -> None:
    ids = np.array([7, 3, 1_500_000, 0, 2_000_001])

    def beta(g: np.random.Generator, k: int) -> np.ndarray:
        return g.beta(0.6, 2.0, k)

    full = beta(np.random.default_rng(9), 2_000_002)
    got = sliced_draw(beta, np.random.default_rng(9), 2_000_002, ids, chunk=1 << 16)
    np.testing.assert_array_equal(got, full[ids])
    np.testing.assert_array_equal(sliced_draw(beta, np.random.default_rng(9), 50, None), full[:50])


def test_epidemic_kernels_key_by_global_ids() -> None:
    """The epidemic's numba kernels draw per person with ``Streams.gids()``."""
    n, sub = 400, np.arange(100, 400, 3)
    streams = Streams(1)
    key = streams.key("epidemic.recover")
    epi = np.ones(n, np.int8)
    until = np.zeros(n, np.int32)
    _progress(3, epi, until, key, 5.0, streams.gids())
    epi_p = np.ones(sub.size, np.int8)
    until_p = np.zeros(sub.size, np.int32)
    _progress(3, epi_p, until_p, key, 5.0, Streams(1, ids=sub).gids())
    np.testing.assert_array_equal(until_p, until[sub])
    args = (np.ones(n, np.int8), np.zeros(n, np.int32), np.zeros(n, np.int32), np.full(n, 2, np.int32))
    _checkins(5, *args, np.zeros(n, np.int8), key, 0.5, streams.gids())
    argp = tuple(a[sub].copy() for a in (np.ones(n, np.int8), np.zeros(n, np.int32), np.zeros(n, np.int32)))
    need = np.full(sub.size, 2, np.int32)
    _checkins(5, *argp, need, np.zeros(sub.size, np.int8), key, 0.5, Streams(1, ids=sub).gids())
    np.testing.assert_array_equal(argp[2], args[2][sub])  # the streaks
