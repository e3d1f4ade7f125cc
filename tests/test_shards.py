"""Sharded runs (``scslab run --shards K``): the merged run is the unsharded run.

Issue 12.4: with the same seed, every integer result of a K-shard run (counts, records, list
spells, sanctions) is identical to the unsharded run and floats agree (here: bit for bit),
whatever K, the executor and the number of workers. The local executor's shards run in
spawned processes; Ray is in ``tests/test_lab_ray.py`` (a real local cluster). Bad shard
options are refused with exit 2 before any work, and a shard that dies fails the run and
leaves nothing written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scslab.engine.sim import Sim
from scslab.lab.shards import KILL_ENV, ShardError, assign_shards, merge_parts, run_shard, run_sharded
from scslab.scenario.loader import load_scenario, size_overrides

SCSLAB = [sys.executable, "-m", "scslab"]
#: run-dependent figures (time, memory): the only values allowed to differ
RUN_DEPENDENT = {"wall_s", "peak_rss_mb", "agent_days_per_s"}


def scenario(name: str, n: int, days: int, seed: int = 3):
    return load_scenario(name, size_overrides(n=n, days=days, seed=seed))


def assert_same_results(a, b) -> None:
    """Every table, subject column, series, figure, summary value and indicator identical."""
    for table in ("records", "list_spells", "sanctions", "subjects", "decisive"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert list(ta) == list(tb), table
        for col in ta:
            assert ta[col].dtype == tb[col].dtype, f"{table}.{col}"
            assert np.array_equal(ta[col], tb[col], equal_nan=ta[col].dtype.kind == "f"), f"{table}.{col}"
    assert list(a.series) == list(b.series)
    for k in a.series:
        assert np.array_equal(a.series[k], b.series[k], equal_nan=True), k
    assert {k: v for k, v in a.figures.items() if k not in RUN_DEPENDENT} == {
        k: v for k, v in b.figures.items() if k not in RUN_DEPENDENT
    }
    strip = lambda d: json.dumps({k: v for k, v in d.items() if k not in RUN_DEPENDENT}, sort_keys=True, default=str)  # noqa: E731
    assert strip(a.summary) == strip(b.summary)
    assert json.dumps(a.indicators, sort_keys=True, default=str) == json.dumps(
        b.indicators, sort_keys=True, default=str
    )


@pytest.fixture(scope="module")
def corporate():
    """Enterprise lists whose sanctions reach legal representatives: links across shards."""
    sc = scenario("corporate", n=1500, days=120)
    res = Sim(sc).run()
    assert res.list_spells["subject"].size > 10 and (res.sanctions["via"] > 0).any()  # the test bites
    return sc, res


@pytest.mark.parametrize(("shards", "workers"), [(1, 1), (2, 2), (4, 2)])
def test_a_sharded_run_on_spawned_workers_is_the_unsharded_run(corporate, shards, workers):
    sc, single = corporate
    merged = run_sharded(sc, shards, executor="local", workers=workers)
    assert_same_results(single, merged)


def test_an_epidemic_run_sharded_is_the_unsharded_run():
    # the epidemic ranks all subjects for its first infections and infects along the contact
    # networks: both cross any split of the population
    sc = scenario("health-code-blacklist", n=600, days=45)
    single = Sim(sc).run()
    assert single.records["subject"].size > 0
    assert_same_results(single, run_sharded(sc, 2))


def test_every_subject_has_one_shard_and_firms_go_with_their_representative():
    sim = Sim(scenario("corporate", n=1000, days=5)).init()
    owner = assign_shards(sim, 4)
    st = sim.state
    assert owner.shape == (st.S,)
    assert sorted(set(owner.tolist())) == [0, 1, 2, 3]
    assert np.all(np.bincount(owner[: st.n]) == 250)  # persons: four equal ranges
    rep = st.legal_rep
    assert np.array_equal(owner[st.n :][rep >= 0], owner[rep[rep >= 0]])


def test_shards_are_whole_regions_when_the_population_has_regions():
    sim = Sim(scenario("court-blacklist", n=3100, days=5)).init()
    st = sim.state
    region, owner = st.region.astype(np.int64), assign_shards(sim, 4)
    assert region.min() >= 0 and np.unique(region).size == 31
    for r in np.unique(region):
        assert np.unique(owner[region == r]).size == 1  # a region is never split
    sizes = np.bincount(owner[: st.n], minlength=4)
    assert sizes.min() > 0 and sizes.sum() == st.n


def test_a_region_sharded_national_run_is_the_unsharded_run():
    sc = scenario("national-outline", n=1500, days=60)
    single = Sim(sc).run()
    assert single.records["subject"].size > 0
    assert_same_results(single, run_sharded(sc, 4, workers=2))


def test_the_merge_refuses_parts_that_do_not_fit(corporate):
    sc, single = corporate
    data = sc.model_dump(mode="json")
    parts = [run_shard((data, 2, k)) for k in range(2)]
    assert_same_results(single, merge_parts(parts))  # in-process parts merge to the same run
    with pytest.raises(ShardError, match=r"shards 0\.\.1"):
        merge_parts(parts[:1])
    short = parts[1]
    short.rows["sanctions"] = short.rows["sanctions"][1:]
    short.tables["sanctions"] = {c: v[1:] for c, v in short.tables["sanctions"].items()}
    with pytest.raises(ShardError, match=r"sanctions\.\w+: 1 rows from no shard"):
        merge_parts(parts)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*SCSLAB, *args], capture_output=True, text=True, env=env, timeout=600)


def test_bad_shard_options_are_refused_before_any_work(tmp_path):
    out = tmp_path / "out"
    p = run_cli("run", "rongcheng", "--n", "50", "--days", "5", "--shards", "0", "--out", str(out))
    assert p.returncode == 2 and "--shards: must be at least 1" in p.stderr
    p = run_cli(
        "run", "rongcheng", "--n", "50", "--days", "5", "--shards", "51", "--executor", "ray",
        "--ray-address", "127.0.0.1:9", "--out", str(out),
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    # every problem at once: too many shards, and a cluster that does not answer
    assert "more shards than the 50 persons" in p.stderr and "no Ray cluster answers" in p.stderr
    assert "Traceback" not in p.stderr
    p = run_cli("run", "court-blacklist", "--n", "100", "--shards", "32", "--out", str(out))
    assert p.returncode == 2 and "has 31 regions" in p.stderr, p.stderr
    p = run_cli("run", "rongcheng", "--n", "50", "--days", "5", "--shards", "2", "--ray-address", "127.0.0.1:9")
    assert p.returncode == 2 and "--ray-address needs --executor ray" in p.stderr
    assert not out.exists()


def test_a_sharded_run_writes_one_database_like_the_unsharded_run(tmp_path):
    base = ["run", "rongcheng", "--n", "200", "--days", "15", "--json", "--no-report"]
    one = json.loads(run_cli(*base, "--out", str(tmp_path / "one")).stdout)
    two = json.loads(run_cli(*base, "--shards", "2", "--out", str(tmp_path / "two")).stdout)
    assert one["run_id"] == two["run_id"]
    assert {k: v for k, v in one.items() if k not in RUN_DEPENDENT | {"out"}} == {
        k: v for k, v in two.items() if k not in RUN_DEPENDENT | {"out"}
    }
    assert (tmp_path / "two" / "results.duckdb").exists()


def test_a_shard_that_dies_fails_the_run_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, KILL_ENV: "1"}
    p = run_cli("run", "rongcheng", "--n", "300", "--days", "10", "--shards", "2", "--out", str(out), env=env)
    assert p.returncode == 1, p.stderr
    assert "the sharded run failed and nothing was written" in p.stderr and "shard" in p.stderr
    assert "Traceback" not in p.stderr
    assert not Path(out, "results.duckdb").exists() and not Path(out, "summary.json").exists()


def test_local_shard_workers_fit_the_cores_and_the_memory(monkeypatch):
    from scslab.cli import run as run_cmd
    from scslab.scenario import budget

    monkeypatch.setattr(budget, "available_memory", lambda: 10e9)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert run_cmd.local_shard_workers(31, 2e9) == 4  # 8 GB usable: four whole runs
    assert run_cmd.local_shard_workers(3, 1e9) == 3  # no more than asked
    assert run_cmd.local_shard_workers(31, 1e6) == 16  # no more than the cores
    assert run_cmd.local_shard_workers(31, 1e12) == 1  # one at a time when even one does not fit
