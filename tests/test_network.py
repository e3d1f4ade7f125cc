"""CSR graphs: construction, symmetry, group cliques, tie cutting, neighbour means."""

import numpy as np
import pytest

from scslab.population.network import Csr, concat_rows, from_groups, neighbor_mean, random_friends


def _adj(g: Csr) -> set[tuple[int, int]]:
    src, dst = g.edges()
    return set(zip(src.tolist(), dst.tolist()))


def test_from_edges_symmetric_dedupe_no_self_loops():
    g = Csr.from_edges(5, np.array([0, 1, 1, 3, 2, 0]), np.array([1, 0, 2, 3, 1, 1]))
    assert g.indptr.dtype == np.int32 and g.indices.dtype == np.int32  # int32 offsets below 2**31 edges
    assert g.n == 5 and g.nnz == 4
    assert _adj(g) == {(0, 1), (1, 0), (1, 2), (2, 1)}
    assert g.neighbors(1).tolist() == [0, 2]
    assert g.degree().tolist() == [1, 2, 1, 0, 0]
    assert g.degree().dtype == np.int32
    assert g.is_symmetric()
    assert g.nbytes == 6 * 4 + 4 * 4


def test_from_edges_directed_keeps_duplicates_when_asked():
    g = Csr.from_edges(3, np.array([0, 0, 2]), np.array([2, 2, 1]), symmetric=False, dedupe=False)
    assert g.neighbors(0).tolist() == [2, 2]
    assert g.neighbors(1).tolist() == []
    assert not g.is_symmetric()
    with pytest.raises(ValueError):
        Csr.from_edges(3, np.array([0]), np.array([3]))


def test_rows_sorted_long_and_short():
    rng = np.random.default_rng(1)
    src = np.zeros(200, dtype=np.int64)  # node 0 has a long row (sorted with np.sort)
    dst = rng.integers(1, 100, 200)
    g = Csr.from_edges(100, src, dst)
    row = g.neighbors(0)
    assert np.array_equal(row, np.unique(dst))
    for i in range(1, 100):
        assert g.neighbors(i).tolist() == ([0] if i in set(dst.tolist()) else [])


def test_from_groups_toy():
    # groups: {0,2,4} (triangle), {1,3} (pair), 5 alone, 6 no group
    g = from_groups(np.array([7, 3, 7, 3, 7, 9, -1]))
    assert _adj(g) == {(0, 2), (2, 0), (0, 4), (4, 0), (2, 4), (4, 2), (1, 3), (3, 1)}
    assert g.degree().tolist() == [2, 1, 2, 1, 2, 0, 0]


def test_from_groups_caps_large_groups():
    n = 1000
    g = from_groups(np.zeros(n, dtype=np.int32), max_clique=10, rng=np.random.default_rng(2))
    deg = g.degree()
    assert g.is_symmetric()
    assert 0.7 * 10 < deg.mean() <= 10  # ~max_clique, not n - 1
    assert (deg >= 5).all()  # each member drew 5 partners
    assert all(i not in g.neighbors(i) for i in range(0, n, 37))
    # a group of exactly max_clique + 1 is still complete
    h = from_groups(np.zeros(11, dtype=np.int32), max_clique=10)
    assert (h.degree() == 10).all()


def test_remove_edges_toy():
    g = Csr.from_edges(4, np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3]))
    h = g.remove_edges(np.array([2, 0]), np.array([0, 3]))  # (0,3) is absent: ignored
    assert _adj(h) == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)}
    assert h.indptr.tolist() == [0, 1, 3, 5, 6]
    assert _adj(g) == _adj(h) | {(0, 2), (2, 0)}  # the original is untouched
    k = g.without_edges(np.array([i % 2 == 0 for i in range(g.nnz)]))
    assert k.nnz == g.nnz // 2
    one_way = g.remove_edges(np.array([1]), np.array([2]), symmetric=False)
    assert 2 not in one_way.neighbors(1) and 1 in one_way.neighbors(2)


def test_remove_edges_in_place_gives_the_same_graph_without_a_copy():
    rng = np.random.default_rng(4)
    g = random_friends(2000, 8.0, rng)
    src, dst = g.edges()
    pick = rng.random(src.size) < 0.1
    want = g.remove_edges(src[pick], dst[pick])
    buf = g.indices
    got = g.remove_edges(src[pick], dst[pick], in_place=True)
    assert got.indptr.tolist() == want.indptr.tolist() and got.indices.tolist() == want.indices.tolist()
    assert np.shares_memory(got.indices, buf) and np.shares_memory(got.indptr, g.indptr)  # no second copy
    assert got.is_symmetric() and got.nnz < g.nnz


def test_neighbor_mean_hand_computed():
    # path 0-1-2 plus isolated 3
    g = Csr.from_edges(4, np.array([0, 1]), np.array([1, 2]))
    v = np.array([1.0, 2.0, 4.0, 100.0], dtype=np.float32)
    out = neighbor_mean(g, v)
    assert out.dtype == np.float32
    assert out.tolist() == [2.0, 2.5, 2.0, 0.0]
    assert neighbor_mean(g, np.array([True, False, True, True])).tolist() == [0.0, 1.0, 0.0, 0.0]
    assert neighbor_mean(g, np.array([1, 2, 4, 100], dtype=np.int8)).tolist() == [2.0, 2.5, 2.0, 0.0]


def test_random_friends_degree_symmetry_locality():
    rng = np.random.default_rng(3)
    n = 4000
    region = (np.arange(n) % 2).astype(np.int8)
    g = random_friends(n, 8.0, rng, locality=region, local_share=0.8)
    assert g.is_symmetric()
    assert 7.8 < g.degree().mean() <= 8.0
    src, dst = g.edges()
    assert (src != dst).all()
    same = (region[src] == region[dst]).mean()
    assert abs(same - (0.8 + 0.2 * 0.5)) < 0.02  # local ties + half of the global ones
    plain = random_friends(n, 8.0, np.random.default_rng(3))
    assert abs((region[plain.edges()[0]] == region[plain.edges()[1]]).mean() - 0.5) < 0.02
    again = random_friends(n, 8.0, np.random.default_rng(3))
    assert np.array_equal(plain.indptr, again.indptr) and np.array_equal(plain.indices, again.indices)
    assert random_friends(n, 0.0, rng).nnz == 0


def test_row_offsets_stay_64_bit_when_the_edges_do_not_fit_32_bits():
    from scslab.population.network import narrow_indptr

    small = np.array([0, 3, 2**31 - 1], np.int64)
    assert narrow_indptr(small).dtype == np.int32 and narrow_indptr(small).tolist() == small.tolist()
    big = np.array([0, 3, 2**31], np.int64)
    assert narrow_indptr(big).dtype == np.int64 and narrow_indptr(big).tolist() == big.tolist()


def test_blocks_of_rows_stack_to_the_graph_from_edges():
    rng = np.random.default_rng(4)
    n = 500
    src = rng.integers(0, n, 3000)
    dst = rng.integers(0, n, 3000)
    whole = Csr.from_edges(n, src, dst)
    both_s, both_d = np.concatenate([src, dst]), np.concatenate([dst, src])
    parts = []
    for lo, hi in ((0, 120), (120, 121), (121, 500)):  # rows lo..hi-1, columns global
        mine = (both_s >= lo) & (both_s < hi)
        parts.append(Csr.from_rows(hi - lo, lo, both_s[mine] - lo, both_d[mine]))
    stacked = concat_rows(parts)
    assert parts == []  # emptied as it goes
    assert np.array_equal(stacked.indptr, whole.indptr) and np.array_equal(stacked.indices, whole.indices)
    # a self loop is recognised in global coordinates, not by the local row number
    one = Csr.from_rows(2, 10, np.array([0, 0, 1]), np.array([10, 0, 11]))
    assert one.neighbors(0).tolist() == [0] and one.neighbors(1).tolist() == []
