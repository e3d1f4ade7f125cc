"""Partitioned sharded runs: each worker holds only its shard's regions, and with the same seed
the merged run is the unsharded run -- every integer identical once both are in the canonical
row order (lab/partitioned.py; docs/design.md "Sharded runs and exactness").
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from cli_calls import refused
from scslab.engine.sim import Sim
from scslab.lab.partitioned import (
    canonical,
    canonical_order,
    merge_partitioned,
    partition_problems,
    reduce_rules,
    run_partitioned,
    run_partitioned_shard,
    shard_blocks,
)
from scslab.scenario.loader import load_scenario

N = 4000
SEED = 3
# national-outline with nothing that couples its provinces: no friendship across regions and
# no data-entry error filed against a random subject of the whole population
UNCOUPLED = [
    "population.cross_region_share=0",
    *(f"sources.{s}.entry_error_share=0" for s in ("court", "tax_bureau", "regulators", "grid_workers")),
]


def _scenario(days: int = 730) -> Any:
    return load_scenario("national-outline", [f"population.n={N}", f"sim.seed={SEED}", f"sim.days={days}", *UNCOUPLED])


@pytest.fixture(scope="module")
def whole() -> Any:
    sim = Sim(_scenario())
    res = canonical(sim.run())
    res.rules = reduce_rules(sim)  # how each result combines over shards
    return res


def _merged(shards: int) -> Any:
    sc = _scenario()
    data = sc.model_dump(mode="json")
    blocks = shard_blocks(sc, shards)
    return merge_partitioned([run_partitioned_shard((data, shards, k, blocks[k])) for k in range(shards)])


def integer_tables_equal(a: Any, b: Any) -> None:
    """Every integer column of every table and of ``subjects``, and the ids, identical."""
    for table in ("records", "list_spells", "sanctions", "decisive"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert ta.keys() == tb.keys(), table
        for c in ta:
            if ta[c].dtype.kind in "iub":
                np.testing.assert_array_equal(ta[c], tb[c], err_msg=f"{table}.{c}")
    for c, v in a.subjects.items():
        if np.asarray(v[:0]).dtype.kind in "iub" or c == "id":
            np.testing.assert_array_equal(np.asarray(v), np.asarray(b.subjects[c]), err_msg=f"subjects.{c}")


def _integers_equal(a: Any, b: Any) -> None:
    integer_tables_equal(a, b)
    rules = a.rules
    for k, v in a.series.items():
        if rules.get(k, "sum") == "sum":
            np.testing.assert_array_equal(np.asarray(v), np.asarray(b.series[k]), err_msg=f"series {k}")
    for k, v in a.figures.items():
        skip = k in ("wall_s", "peak_rss_mb", "partition_approximate") or rules.get(k, "sum") != "sum"
        if not skip and isinstance(v, (int, np.integer, dict)):
            assert v == b.figures[k], k


@pytest.mark.parametrize("shards", [1, 2, 4])
def test_partitioned_run_is_the_unsharded_run(whole: Any, shards: int) -> None:
    merged = _merged(shards)
    assert len(whole.records["subject"]) > 100 and len(whole.list_spells["subject"]) > 10
    assert len(whole.sanctions["target"]) > 10
    _integers_equal(whole, merged)
    assert merged.n_persons == whole.n_persons and merged.n_orgs == whole.n_orgs


def test_float_means_agree_closely(whole: Any) -> None:
    """Means over persons are the persons-weighted means of the shards' (float rounding only)."""
    merged = _merged(2)
    rules = whole.rules
    means = [k for k, r in rules.items() if r == "mean" and k in whole.series]
    assert "income_mean" in means and "norm_mean" in means
    for k in means:
        np.testing.assert_allclose(merged.series[k], whole.series[k], rtol=1e-6, err_msg=k)


def test_shards_hold_only_their_regions() -> None:
    sc = _scenario(days=5)
    blocks = shard_blocks(sc, 4)
    assert sorted(b for bs in blocks for b in bs) == list(range(31))
    part = run_partitioned_shard((sc.model_dump(mode="json"), 4, 1, blocks[1]))
    assert part.n_local < N // 2 and part.gid.shape[0] == part.results.subjects["type"].shape[0]


def test_canonical_order_sorts_by_day_subject_row() -> None:
    day = np.array([2, 1, 1, 2, 1])
    subj = np.array([5, 9, 3, 5, 3])
    row = np.array([0, 1, 2, 3, 4])
    assert canonical_order(day, subj, row).tolist() == [2, 4, 1, 0, 3]


def test_coupled_scenarios_are_refused() -> None:
    sc = load_scenario("national-outline")
    why = " ".join(partition_problems(sc, 2))
    assert "cross_region_share" in why and "entry_error_share" in why
    assert "no population.regions" in " ".join(partition_problems(load_scenario("rongcheng"), 2))
    assert partition_problems(load_scenario("rongcheng"), 1) == []  # one shard holds everything
    assert "epidemic" in " ".join(partition_problems(load_scenario("health-code"), 2))
    with pytest.raises(ValueError, match="cross_region_share"):
        run_partitioned(sc, 2)


def test_cli_refuses_with_the_reason(capsys: Any, tmp_path: Any) -> None:
    out = refused(
        capsys, "run", "national-outline", "--n", "2000", "--shards", "2", "--partitioned", "--out", str(tmp_path / "o")
    )
    assert "cross_region_share" in out
    assert not (tmp_path / "o").exists()


def test_cli_partitioned_run_writes_the_unsharded_runs_counts(tmp_path: Any) -> None:
    sets = [x for s in UNCOUPLED for x in ("--set", s)]
    base = ["run", "national-outline", "--n", "2000", "--days", "900", "--json", "--no-report", *sets]
    run = [sys.executable, "-m", "scslab"]
    one = subprocess.run([*run, *base, "--out", str(tmp_path / "one")], capture_output=True, text=True, timeout=600)
    two = subprocess.run(
        [*run, *base, "--shards", "2", "--partitioned", "--out", str(tmp_path / "two")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    ints = {k for k, v in a.items() if isinstance(v, int) and not isinstance(v, bool)}
    assert {"records", "ever_listed", "sanctions_applied", "objections", "repaired"} <= ints
    assert a["records"] > 100 and a["sanctions_applied"] > 0
    assert {k: a[k] for k in ints} == {k: b[k] for k in ints}
    assert (tmp_path / "two" / "results.duckdb").exists()


def test_shard_values_combine_by_their_reduce_rule() -> None:
    from scslab.lab.partitioned import _combine

    assert _combine([3, None, 4], [1, 1, 1], "sum") == 7  # a shard without the figure adds nothing
    assert isinstance(_combine([3, None, 4], [1, 1, 1], "sum"), int)
    assert _combine([{"a": 1}, None, {"a": 2, "b": 5}], [1, 1, 1], "sum") == {"a": 3, "b": 5}
    # a mean over persons: weighted by the shards' persons; a shard with nobody (None) left out
    assert _combine([0.5, None, 0.2], [100, 50, 300], "mean") == pytest.approx((0.5 * 100 + 0.2 * 300) / 400)
    assert _combine([None, None], [1, 1], "mean") is None
    got = _combine([np.array([1.0, np.nan]), np.array([3.0, 2.0])], [1, 3], "mean")
    np.testing.assert_allclose(got, [2.5, 2.0])
