"""Counter-based random streams, growable columns and the day queue."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.columns import Columns
from scslab.engine.queue import DayQueue
from scslab.engine.rng import Streams, stream_key, uniform, uniform_sub


def _idx(*a):
    return np.asarray(a, dtype=np.int64)


def test_uniform_range_and_determinism():
    key = stream_key(3, "behaviour.x.choice")
    idx = np.arange(10_000, dtype=np.int64)
    a = uniform(key, np.int64(5), idx)
    b = uniform(key, np.int64(5), idx)
    assert a.dtype == np.float64 and a.shape == (10_000,)
    assert np.all((a >= 0.0) & (a < 1.0))
    assert np.array_equal(a, b)


def test_uniform_depends_only_on_key_day_agent():
    key = stream_key(1, "s")
    full = uniform(key, np.int64(7), np.arange(10, dtype=np.int64))
    assert uniform(key, np.int64(7), _idx(5))[0] == full[5]
    # order and company of the other agents do not matter
    shuffled = _idx(9, 3, 5, 0)
    assert np.array_equal(uniform(key, np.int64(7), shuffled), full[shuffled])
    # another day or another key gives other draws
    assert uniform(key, np.int64(8), _idx(5))[0] != full[5]
    assert not np.array_equal(uniform(stream_key(1, "t"), np.int64(7), np.arange(10, dtype=np.int64)), full)
    assert not np.array_equal(uniform(stream_key(2, "s"), np.int64(7), np.arange(10, dtype=np.int64)), full)
    # negative counters (set-up draws) are valid and distinct from day 0
    assert uniform(key, np.int64(-1), _idx(5))[0] != uniform(key, np.int64(0), _idx(5))[0]


def test_stream_key_stable_and_streams_cache():
    assert stream_key(1, "a") == stream_key(1, "a")
    assert stream_key(1, "a") != stream_key(1, "b")
    s = Streams(42)
    assert s.key("x") == stream_key(42, "x")
    a = s.uniform("x", 3, [1, 2, 3])
    assert np.array_equal(a, Streams(42).uniform("x", 3, np.array([1, 2, 3], np.int32)))
    assert not np.array_equal(a, s.uniform("y", 3, [1, 2, 3]))


def test_uniform_is_roughly_uniform():
    n = 100_000
    u = np.sort(uniform(stream_key(9, "ks"), np.int64(0), np.arange(n, dtype=np.int64)))
    assert abs(u.mean() - 0.5) < 0.005  # sd of the mean is 0.0009
    assert abs(u.var() - 1 / 12) < 0.002
    ks = np.max(np.abs(u - np.arange(1, n + 1) / n))
    assert ks < 1.63 / np.sqrt(n)  # Kolmogorov-Smirnov at the 1 % level
    # consecutive agents are not correlated
    v = uniform(stream_key(9, "ks"), np.int64(0), np.arange(n, dtype=np.int64))
    assert abs(np.corrcoef(v[:-1], v[1:])[0, 1]) < 0.02
    # the same agent on consecutive days is not correlated either
    w = uniform(stream_key(9, "ks"), np.int64(1), np.arange(n, dtype=np.int64))
    assert abs(np.corrcoef(v, w)[0, 1]) < 0.02


def test_uniform_sub_differs_by_sub_and_is_pure():
    key = stream_key(5, "source.cam.detect")
    idx = np.arange(1000, dtype=np.int64)
    a = uniform_sub(key, np.int64(3), idx, np.zeros(1000, np.int64))
    b = uniform_sub(key, np.int64(3), idx, np.ones(1000, np.int64))
    assert np.all((a >= 0) & (a < 1)) and np.all((b >= 0) & (b < 1))
    assert np.mean(a == b) < 0.01
    assert np.array_equal(a, uniform_sub(key, np.int64(3), idx, np.zeros(1000, np.int64)))
    mixed = uniform_sub(key, np.int64(3), _idx(7, 7), _idx(0, 1))
    assert mixed[0] == a[7] and mixed[1] == b[7]
    s = Streams(5)
    assert np.array_equal(s.uniform_sub("source.cam.detect", 3, idx, np.zeros(1000, np.int64)), a)
    assert not np.array_equal(s.uniform_sub("source.cam.detect", 3, idx, np.full(1000, 2)), a)


def test_generator_is_seeded_by_name():
    g1 = Streams(1).generator("population").random(5)
    g2 = Streams(1).generator("population").random(5)
    g3 = Streams(1).generator("state").random(5)
    g4 = Streams(2).generator("population").random(5)
    assert np.array_equal(g1, g2)
    assert not np.array_equal(g1, g3) and not np.array_equal(g1, g4)


# -- Columns -----------------------------------------------------------------------------


def test_columns_growth_preserves_data():
    c = Columns({"a": "i4", "b": "f4", "c": "?"}, capacity=16)
    ids = c.append(a=np.arange(10), b=np.arange(10) * 0.5, c=True)
    assert np.array_equal(ids, np.arange(10))
    c["a"][3] = -3  # a live column is writable
    for start in range(10, 1000, 37):  # many doublings
        k = 37
        ids = c.append(a=np.arange(start, start + k), b=1.5, c=np.arange(k) % 2 == 0)
        assert np.array_equal(ids, np.arange(start, start + k))
    assert len(c) == 10 + 37 * len(range(10, 1000, 37))
    a = c["a"]
    expect = np.arange(len(c))
    expect[3] = -3
    assert np.array_equal(a, expect)
    assert np.array_equal(c["b"][:10], np.arange(10) * 0.5)
    assert np.all(c["b"][10:] == 1.5)
    assert np.all(c["c"][:10])
    assert np.array_equal(c["c"][10:47], np.arange(37) % 2 == 0)
    snap = c.copy()
    c["a"][0] = 99
    assert snap["a"][0] == 0 and c.view()["a"][0] == 99
    assert c["a"].dtype == np.int32 and c["b"].dtype == np.float32


def test_columns_scalar_row_and_missing_column():
    c = Columns({"x": "i8", "y": "i2"})
    ids = c.append(x=5, y=2)
    assert np.array_equal(ids, [0]) and c["x"][0] == 5 and c["y"][0] == 2
    try:
        c.append(x=np.arange(3))
    except KeyError as e:
        assert "y" in str(e)
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("append without every column must raise KeyError")
    assert len(c) == 1


# -- DayQueue ----------------------------------------------------------------------------


def test_dayqueue_mixed_days():
    q = DayQueue()
    q.push(np.array([5, 3, 5, 4, 3]), np.array([10, 11, 12, 13, 14]))
    q.push(5, np.array([20, 21]))
    q.push(np.array([3]), np.array([30]))
    q.push(7, np.array([], np.int64))  # empty pushes are ignored
    assert len(q) == 8
    assert np.array_equal(q.pop(3), [11, 14, 30])  # stable: push order is kept within a day
    assert np.array_equal(q.pop(4), [13])
    assert np.array_equal(q.pop(5), [10, 12, 20, 21])
    assert q.pop(5).size == 0 and q.pop(6).size == 0 and q.pop(7).size == 0
    assert len(q) == 0


def test_dayqueue_push_copies_ids():
    q = DayQueue()
    ids = np.array([1, 2, 3])
    q.push(9, ids)
    ids[:] = 0
    out = q.pop(9)
    assert np.array_equal(out, [1, 2, 3]) and out.dtype == np.int64


# -- Calendar, Calendars -------------------------------------------------------------------


def test_calendar_pops_a_day_last_pushed_first_and_refuses_to_overfill_its_pool():
    from scslab.engine.queue import BLOCK, FAR, Calendar

    cal = Calendar(10, 6)
    cal.push(np.array([2, 4, 2, FAR, -1]), np.array([0, 1, 2, 3, 4]))  # past the horizon: not stored
    cal.push(np.array([2]), np.array([7]))
    assert np.array_equal(cal.pop(2), [7, 2, 0]) and cal.pop(2).size == 0
    assert np.array_equal(cal.pop(4), [1]) and cal.pop(9).size == 0
    many = np.arange(3 * BLOCK + 5) % 10  # a day over several blocks, in reverse push order
    cal.push(np.full(many.size, 3), many)
    assert np.array_equal(cal.pop(3), many[::-1])
    assert (cal.head == -1).all() and not cal.count.any() and cal.free[0] == cal.link.size  # every block free
    with pytest.raises(ValueError, match="pool exhausted"):
        cal.push(np.full(cal.link.size * BLOCK + 1, 1), np.zeros(cal.link.size * BLOCK + 1, np.int64))


class _ListCalendar:
    """The reference: a list per day, popped last pushed first (what the per-member linked
    lists of the calendar before its block pool gave)."""

    def __init__(self, horizon: int) -> None:
        self.days: list[list[int]] = [[] for _ in range(horizon)]

    def push(self, days: np.ndarray, ids: np.ndarray) -> None:
        for d, i in zip(days.tolist(), ids.tolist(), strict=True):
            if 0 <= d < len(self.days):
                self.days[d].append(i)

    def pop(self, day: int) -> np.ndarray:
        if day >= len(self.days):
            return np.empty(0, np.int64)
        out, self.days[day] = self.days[day][::-1], []
        return np.array(out, np.int64)


def test_calendars_pop_all_equals_lists_popped_last_pushed_first():
    from scslab.engine.queue import Calendars

    rng = np.random.default_rng(3)
    rows, n, horizon = 5, 3000, 30
    cals, ref = Calendars(rows, n, horizon), [_ListCalendar(horizon) for _ in range(rows)]
    for b in range(rows):
        members = rng.permutation(n)[: rng.integers(0, n)] if b != 2 else np.empty(0, np.int64)  # row 2 empty
        days = rng.integers(0, horizon + 5, members.size)
        cals.cals[b].push(days, members)
        ref[b].push(days, members)
    cals.cals[4].clear()  # a re-rated row starts again
    ref[4] = _ListCalendar(horizon)
    sizes = []
    for day in range(horizon + 2):
        got = cals.pop_all(day)
        want = [c.pop(day) for c in ref]
        assert len(got) == rows
        for g, w in zip(got, want, strict=True):
            assert g.dtype == np.int64 and np.array_equal(g, w)
        sizes += [w.size for w in want]
        if day < horizon:
            # the members popped today are free again: push them to later days in both, in pieces
            for b in range(rows):
                later = day + 1 + rng.integers(0, 4, want[b].size)
                for part in np.array_split(np.arange(want[b].size), 3):
                    cals.cals[b].push(later[part], want[b][part])
                    ref[b].push(later[part], want[b][part])
    assert max(sizes) > 3 * 64  # days spanning several blocks
    assert all(not c.count.any() and (c.head == -1).all() for c in cals.cals)


def test_take_cols_equals_the_slice_and_index_gather():
    from scslab.engine.columns import take_cols

    rng = np.random.default_rng(5)
    for a in (rng.random((3, 500)) < 0.3, rng.integers(-1, 50, (2, 500)).astype(np.int32), rng.random((4, 500))):
        for idx in (
            rng.integers(0, 500, 80),
            rng.integers(0, 500, 80).astype(np.int32),
            np.arange(0),
            -np.arange(1, 4),
        ):
            got = take_cols(a, idx)
            assert got.dtype == a.dtype and got.shape == (a.shape[0], idx.size)
            assert np.array_equal(got, a[:, idx]) and got.flags.c_contiguous
        mask = rng.random(500) < 0.5
        assert np.array_equal(take_cols(a, mask), a[:, mask])  # a boolean mask selects, as indexing does
