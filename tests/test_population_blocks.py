"""Block-wise keyed synthesis (issue 12): a block is a function of (seed, block), a part
equals the same blocks of the whole, and the blocks keep the configured distributions."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.population import Csr, plan_blocks, synthesize
from scslab.population.synth import BLOCK_PERSONS, cross_block_pairs
from scslab.scenario.loader import load_scenario
from scslab.scenario.schema import Population

PERSON = ("age", "sex", "urban", "migrant", "education", "income", "savings", "honesty", "group", "household")
PERSON += ("occupation", "spouse", "parent1", "parent2", "workplace", "citizen_id", "region")
ORG = ("org_type", "org_code", "legal_rep", "org_size", "org_revenue", "org_urban", "org_region")
NETS = ("household_net", "work_net", "friend_net")


@pytest.fixture(scope="module")
def provinces():
    return load_scenario("national-outline").population.model_copy(update={"n": 12_000})


@pytest.fixture(scope="module")
def whole(provinces):
    return synthesize(provinces, 5)


def _rows(net: Csr, rows: np.ndarray) -> list[list[int]]:
    return [net.indices[net.indptr[i] : net.indptr[i + 1]].tolist() for i in rows]


def _same_as_slices(whole, part, blocks):
    plan = whole.plan
    persons = np.concatenate([np.arange(plan.offsets[b], plan.offsets[b + 1]) for b in blocks])
    orgs = np.concatenate([np.arange(plan.org_offsets[b], plan.org_offsets[b + 1]) for b in blocks])
    assert part.n == persons.size and part.m == orgs.size and not part.whole
    for f in PERSON:
        assert np.array_equal(getattr(whole, f)[persons], getattr(part, f)), f
    for f in ORG:
        assert np.array_equal(getattr(whole, f)[orgs], getattr(part, f)), f
    for net in NETS:
        w, p = getattr(whole, net), getattr(part, net)
        assert p.n == persons.size
        assert _rows(w, persons) == _rows(p, np.arange(persons.size)), net


def test_a_part_synthesised_alone_equals_the_same_blocks_of_the_whole(provinces, whole):
    assert whole.plan.k == 31 and whole.whole
    for blocks in ([18], [30, 0, 11], [25]):  # Guangdong; three in any order; Tibet
        _same_as_slices(whole, synthesize(provinces, 5, blocks=blocks), blocks)


def test_every_block_alone_one_by_one_gives_the_whole(provinces, whole):
    parts = [synthesize(provinces, 5, blocks=[b]) for b in range(whole.plan.k)]
    for f in PERSON:
        assert np.array_equal(np.concatenate([getattr(p, f) for p in parts]), getattr(whole, f)), f
    for f in ORG:
        assert np.array_equal(np.concatenate([getattr(p, f) for p in parts]), getattr(whole, f)), f
    for net in NETS:
        w = getattr(whole, net)
        assert np.array_equal(np.concatenate([getattr(p, net).indices for p in parts]), w.indices), net
        assert np.array_equal(
            np.concatenate([[0], np.cumsum([getattr(p, net).nnz for p in parts])]),
            w.indptr[np.concatenate([[0], whole.plan.offsets[1:]])],
        ), net


def test_chunks_without_regions_are_blocks_too():
    cfg = load_scenario("rongcheng").population.model_copy(update={"n": BLOCK_PERSONS + 4_000})
    plan = plan_blocks(cfg)
    assert plan.k == 2 and not plan.regional and plan.sizes.sum() == cfg.n
    whole = synthesize(cfg, 3)
    assert (whole.region == -1).all() and (whole.org_region == -1).all()
    _same_as_slices(whole, synthesize(cfg, 3, blocks=[1]), [1])
    # the non-local ties go anywhere, as in one block: the friendship graph stays one population
    src, dst = whole.friend_net.edges()
    blk = plan.block_of(np.arange(whole.n))
    across = (blk[src] != blk[dst]).mean()
    expected = 2 * 0.2 * (plan.sizes[0] * plan.sizes[1]) / cfg.n**2  # share of directed edges
    assert abs(across - expected) < 0.01


def test_a_block_depends_on_the_seed_and_the_block_only(provinces, whole):
    again = synthesize(provinces, 5, blocks=[7])
    other = synthesize(provinces, 6, blocks=[7])
    lo, hi = whole.plan.offsets[7], whole.plan.offsets[8]
    assert np.array_equal(again.income, whole.income[lo:hi])
    assert not np.array_equal(other.income, again.income)
    # a bigger population moves other blocks' offsets, never a block's own draws of persons
    s1, d1 = cross_block_pairs(provinces, 5, 7)
    s2, d2 = cross_block_pairs(provinces, 5, 7)
    assert np.array_equal(s1, s2) and np.array_equal(d1, d2)
    assert ((s1 >= lo) & (s1 < hi)).all() and ((d1 < lo) | (d1 >= hi)).all()


def test_cross_region_ties_follow_the_share_and_the_graph_is_symmetric(provinces, whole):
    net = whole.friend_net
    assert net.is_symmetric()
    src, dst = net.edges()
    across = (whole.region[src] != whole.region[dst]).mean()
    pairs = net.nnz / 2
    se = np.sqrt(provinces.cross_region_share * (1 - provinces.cross_region_share) / pairs)
    assert abs(across - provinces.cross_region_share) < 4 * se + 0.005  # + rounding per block
    # ties inside a household, a workplace stay inside the region
    for name in ("household_net", "work_net"):
        s, d = getattr(whole, name).edges()
        assert (whole.region[s] == whole.region[d]).all(), name


def test_block_wise_synthesis_keeps_the_marginal_distributions():
    cfg = load_scenario("national-outline").population.model_copy(update={"n": 60_000})
    pop = synthesize(cfg, 11)
    n = pop.n
    per_region = np.bincount(pop.region, minlength=31)
    assert np.array_equal(per_region, pop.plan.sizes)
    weights = np.array([r.weight for r in cfg.regions])
    assert np.abs(per_region / n - weights / weights.sum()).max() < 1.0 / n + 1e-12
    adult = pop.age >= 18
    assert abs(adult.mean() - cfg.adult_share) < 31 / n  # rounded per block
    assert abs(pop.sex.mean() - cfg.female_share) < 4 * np.sqrt(0.25 / n)
    sizes = np.bincount(np.unique(pop.household, return_inverse=True)[1])
    nh = sizes.size
    assert abs(pop.urban.mean() - cfg.urban_share) < 4 * np.sqrt(cfg.urban_share * (1 - cfg.urban_share) / nh) * 1.5
    se_size = np.sqrt(max(cfg.household_size_mean - 1, 0.01) / nh)
    assert abs(sizes.mean() - cfg.household_size_mean) < 4 * se_size + 31 / nh  # the last household of a block is cut
    deg = pop.friend_net.degree().mean()
    assert abs(deg - cfg.friends_mean_degree) < 0.1
    earners = pop.age >= 16
    assert abs(np.median(pop.income[earners]) / cfg.income_median_per_year - 1) < 0.02
    # ids stay unique across blocks drawn apart
    assert np.unique(pop.citizen_id).size == n and np.unique(pop.org_code).size == pop.m


def test_bad_block_lists_are_refused():
    cfg = Population(n=1000)
    for bad in ([1], [-1], [0, 0]):
        with pytest.raises(ValueError, match="blocks must be distinct"):
            synthesize(cfg, 1, blocks=bad)
