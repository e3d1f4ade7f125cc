"""Synthetic population: dtypes, shares, family structure, organisations, ids, determinism."""

import numpy as np
import pytest

from scslab.population import citizen_ids_valid, credit_codes_valid, synthesize
from scslab.population.network import Csr
from scslab.scenario.schema import Group, Population

CFG = Population(n=3000, groups=[Group(name="a", share=0.7), Group(name="b", share=0.2), Group(name="c", share=0.1)])


@pytest.fixture(scope="module")
def pop():
    return synthesize(CFG, 42)


def test_shapes_and_dtypes(pop):
    n, m = pop.n, pop.m
    assert n == 3000
    expected = {
        "age": np.uint8,
        "sex": np.int8,
        "urban": np.int8,
        "migrant": np.int8,
        "education": np.int8,
        "income": np.float32,
        "savings": np.float32,
        "honesty": np.float32,
        "group": np.int8,
        "household": np.int32,
        "spouse": np.int32,
        "parent1": np.int32,
        "parent2": np.int32,
        "workplace": np.int32,
    }
    for name, dt in expected.items():
        a = getattr(pop, name)
        assert a.shape == (n,) and a.dtype == dt, name
    assert pop.citizen_id.dtype == np.dtype("S18") and pop.citizen_id.shape == (n,)
    assert m == 60 + 3 + 8  # 20 + 1 per 1000, 8 government bodies
    for name, dt in {
        "org_type": np.int8,
        "legal_rep": np.int32,
        "org_size": np.int32,
        "org_revenue": np.float32,
        "org_urban": np.int8,
    }.items():
        assert getattr(pop, name).shape == (m,) and getattr(pop, name).dtype == dt, name
    assert pop.org_code.dtype == np.dtype("S18")
    assert pop.org_type.tolist() == [1] * 60 + [2] * 3 + [3] * 8  # enterprises, social, government
    assert pop.nbytes() > 60 * n


def test_shares_within_tolerance(pop):
    adult = pop.age >= 18
    assert abs(adult.mean() - CFG.adult_share) < 0.01
    assert abs(pop.urban.mean() - CFG.urban_share) < 0.06  # drawn per household
    assert abs(pop.migrant.mean() - CFG.migrant_share) < 0.05
    assert abs(pop.sex.mean() - CFG.female_share) < 0.03
    shares = np.bincount(pop.group, minlength=3) / pop.n
    assert np.allclose(shares, [0.7, 0.2, 0.1], atol=0.05)
    sizes = np.bincount(pop.household)
    assert abs(sizes.mean() - CFG.household_size_mean) < 0.15
    assert (np.diff(pop.household) >= 0).all()  # persons stored household by household
    assert pop.age.max() <= 85 and pop.age[adult].min() >= 18
    assert set(np.unique(pop.education)) <= {0, 1, 2, 3}
    assert pop.migrant[pop.urban == 1].mean() > pop.migrant[pop.urban == 0].mean()


def test_income_savings_honesty(pop):
    earner = pop.age >= 16
    assert (pop.income[~earner] == 0).all() and (pop.income[earner] > 0).all()
    assert abs(np.median(pop.income[earner]) / CFG.income_median_per_year - 1) < 0.01
    working = (pop.age >= 25) & (pop.age < 60)
    urban_med = np.median(pop.income[working & (pop.urban == 1)])
    rural_med = np.median(pop.income[working & (pop.urban == 0)])
    assert urban_med > 1.5 * rural_med
    assert np.median(pop.income[working & (pop.education >= 2)]) > np.median(pop.income[working & (pop.education == 0)])
    assert (pop.savings >= 0).all() and (pop.savings[~earner] == 0).all()
    ratio = pop.savings[earner].sum() / (pop.income[earner].sum() / 12)
    assert abs(ratio - CFG.savings_months_mean) < 0.6
    assert (pop.honesty >= 0).all() and (pop.honesty <= 1).all()
    mean = CFG.honesty_alpha / (CFG.honesty_alpha + CFG.honesty_beta)
    assert abs(pop.honesty.mean() - mean) < 0.02


def test_family_links(pop):
    idx = np.arange(pop.n)
    has_sp = pop.spouse >= 0
    assert has_sp.any()
    assert (pop.spouse[pop.spouse[has_sp]] == idx[has_sp]).all()  # symmetric
    assert (pop.household[pop.spouse[has_sp]] == pop.household[has_sp]).all()
    assert (pop.sex[pop.spouse[has_sp]] != pop.sex[has_sp]).all()
    assert (pop.age[has_sp] >= 18).all()
    child = pop.age < 18
    assert (pop.parent1[child] >= 0).all() and (pop.parent1[~child] == -1).all()
    assert (pop.parent2[~child] == -1).all()
    for col in (pop.parent1, pop.parent2):
        kid = col >= 0
        par = col[kid]
        assert (pop.household[par] == pop.household[kid]).all()
        assert (pop.age[par] >= 18).all()
        assert (pop.age[par].astype(int) >= pop.age[kid].astype(int) + 18).all()
    both = pop.parent2 >= 0
    assert (pop.spouse[pop.parent1[both]] == pop.parent2[both]).all()


def test_organisations_and_work(pop):
    adult = pop.age >= 18
    assert (pop.legal_rep >= 0).all() and adult[pop.legal_rep].all()
    staffed = pop.org_size > 0
    assert (pop.workplace[pop.legal_rep[staffed]] == np.flatnonzero(staffed)).all()
    emp = pop.workplace >= 0
    assert ((pop.age[emp] >= 18) & (pop.age[emp] <= 64)).all()
    assert np.array_equal(np.bincount(pop.workplace[emp], minlength=pop.m), pop.org_size)
    assert (pop.urban[emp] == pop.org_urban[pop.workplace[emp]]).all()
    assert (pop.org_revenue > 0).all()


def test_ids_valid_unique(pop):
    assert citizen_ids_valid(pop.citizen_id).all()
    assert np.unique(pop.citizen_id).shape[0] == pop.n
    assert credit_codes_valid(pop.org_code).all()
    assert np.unique(pop.org_code).shape[0] == pop.m
    text = pop.citizen_id.astype(str)
    born = np.array([int(s[6:10]) for s in text])
    assert (np.abs(2019 - born - pop.age.astype(int)) <= 1).all()
    seq = np.array([int(s[14:17]) for s in text])
    assert (seq % 2 == (pop.sex == 0)).all()


def _pairs(g: Csr) -> set[tuple[int, int]]:
    src, dst = g.edges()
    return set(zip(src.tolist(), dst.tolist()))


def test_networks(pop):
    for g in (pop.household_net, pop.work_net, pop.friend_net):
        assert g.n == pop.n
        assert g.is_symmetric()
        src, dst = g.edges()
        assert (src != dst).all()
    pairs = _pairs(pop.friend_net)
    assert all((j, i) in pairs for i, j in list(pairs)[:2000])
    src, dst = pop.household_net.edges()
    assert (pop.household[src] == pop.household[dst]).all()
    sizes = np.bincount(pop.household)
    assert np.array_equal(pop.household_net.degree(), sizes[pop.household] - 1)
    src, dst = pop.work_net.edges()
    assert (pop.workplace[src] == pop.workplace[dst]).all() and (pop.workplace[src] >= 0).all()
    assert abs(pop.friend_net.degree().mean() - CFG.friends_mean_degree) < 0.2
    fs, fd = pop.friend_net.edges()
    assert (pop.urban[fs] == pop.urban[fd]).mean() > 0.8


def test_determinism(pop):
    again = synthesize(CFG, 42)
    for name in (
        "age",
        "sex",
        "income",
        "savings",
        "honesty",
        "household",
        "spouse",
        "parent1",
        "workplace",
        "citizen_id",
        "org_code",
        "legal_rep",
        "org_revenue",
    ):
        assert np.array_equal(getattr(pop, name), getattr(again, name)), name
    for net in ("household_net", "work_net", "friend_net"):
        a, b = getattr(pop, net), getattr(again, net)
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    other = synthesize(CFG, 43)
    assert not np.array_equal(pop.income, other.income)


def test_edge_configs():
    tiny = synthesize(
        Population(
            n=10,
            adult_share=0.0,
            enterprises_per_1000=0.0,
            social_orgs_per_1000=0.0,
            government_bodies=3,
            friends_mean_degree=0.0,
        ),
        1,
    )
    assert tiny.n == 10 and tiny.m == 3
    assert (tiny.age[tiny.legal_rep] >= 18).all()
    assert (np.bincount(tiny.household) >= 1).all()
    assert tiny.friend_net.nnz == 0
    assert citizen_ids_valid(tiny.citizen_id).all()
    allurban = synthesize(Population(n=500, urban_share=1.0, migrant_share=0.3), 2)
    assert allurban.urban.all() and abs(allurban.migrant.mean() - 0.3) < 0.06
