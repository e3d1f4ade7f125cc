"""``scslab run SCENARIO --shards K --plan`` (issue 12.5): what a sharded run needs, without simulating.

The plan's figures come from the estimator (``scslab.scenario.budget.estimate`` per shard);
these tests check that the command prints exactly what the estimator says, that the machine
count follows from the machine's size, and that a plan whose shards do not fit is refused
with exit 2 before anything is simulated or written.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cli_calls import call, refused
from scslab.scenario import budget
from scslab.scenario.loader import load_scenario

BIG = ["rongcheng", "--n", "1400000000"]  # no regions: shards are equal ranges of persons
NATIONAL = ["national-outline", "--n", "1400000000"]  # 31 provinces: a shard is whole provinces


def plan_json(capsys, *args: str) -> dict:
    p = call(capsys, "run", *args, "--plan", "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_shards_split_every_person_once() -> None:
    for n, k in ((1_400_000_000, 31), (1001, 7), (10, 10)):
        sizes = budget.shard_persons(n, k)
        assert len(sizes) == k and sum(sizes) == n and max(sizes) - min(sizes) <= 1


def test_plan_prints_the_estimators_figures_and_the_machines_they_need(tmp_path, capsys) -> None:
    out = tmp_path / "o"
    d = plan_json(
        capsys, *BIG, "--shards", "64", "--machine-memory", "24GiB", "--machine-cores", "2", "--out", str(out)
    )
    assert not out.exists()  # nothing simulated, nothing written
    sc = load_scenario("rongcheng", ["population.n=1400000000"])
    shards = d["shards"]
    assert len(shards) == 64 and sum(s["persons"] for s in shards) == 1_400_000_000
    for s in shards:
        est = budget.estimate(sc, s["persons"])
        assert s["memory_bytes"] == round(est.memory_bytes) and s["subjects"] == est.subjects
    biggest = max(s["memory_bytes"] for s in shards)
    usable = 24 * 2**30 * (1 - budget.MACHINE_RESERVE)
    assert d["shards_per_machine"] == min(2, int(usable // biggest)) >= 1
    assert d["machines_needed"] == math.ceil(64 / d["shards_per_machine"])
    assert d["fits"] and d["waves"] == 1 and d["days"] == sc.sim.days
    assert d["constants"]["measured"] == budget.MEASURED

    # twice the cores per machine: at most half the machines; fewer machines given: waves
    wide = plan_json(capsys, *BIG, "--shards", "64", "--machine-memory", "64GiB", "--machine-cores", "4")
    assert wide["shards_per_machine"] > d["shards_per_machine"] and wide["machines_needed"] < d["machines_needed"]
    few = plan_json(capsys, *BIG, "--shards", "64", "--machine-memory", "24GiB", "--machines", "10")
    assert few["waves"] == math.ceil(64 / (10 * few["shards_per_machine"])) > 1
    assert few["wall_seconds"] == pytest.approx(few["waves"] * max(s["seconds_one_core"] for s in few["shards"]), 1e-3)


def test_human_plan_names_shards_machines_and_time(capsys) -> None:
    p = call(capsys, "run", *BIG, "--shards", "64", "--plan", "--machine-memory", "24GiB", "--machine-cores", "2")
    assert p.returncode == 0, p.stderr
    assert "64 shards" in p.stdout and "machines needed" in p.stdout and "wall time" in p.stdout
    assert "21,875,000" in p.stdout  # 1.4 bn / 64 persons in each shard


def test_shards_by_region_are_the_split_of_the_sharded_run() -> None:
    from scslab.engine.sim import Sim
    from scslab.lab.shards import assign_shards

    sc = load_scenario("national-outline", ["population.n=5000", "sim.days=5"])
    sim = Sim(sc).init()
    weights = [r.weight for r in sc.population.regions]
    for k in (1, 2, 4, 31):
        got = budget.shard_persons(5000, k, weights)
        want = np.bincount(assign_shards(sim, k)[: sim.state.n], minlength=k).tolist()
        assert got == want, k


def test_national_plan_names_the_largest_province_shard(capsys) -> None:
    d = plan_json(capsys, *NATIONAL, "--shards", "31", "--machine-memory", "128GiB", "--machine-cores", "16")
    weights = [r.weight for r in load_scenario("national-outline").population.regions]
    sizes = budget.shard_persons(1_400_000_000, 31, weights)
    assert [s["persons"] for s in d["shards"]] == sizes and max(sizes) > 1_400_000_000 / 31 * 2
    # a shard is whole provinces: more shards than the 31 regions are refused, as --shards refuses them
    assert "31 regions" in refused(capsys, "run", *NATIONAL, "--shards", "32", "--plan")
    err = refused(capsys, "run", *NATIONAL, "--shards", "31", "--plan", "--machine-memory", "24GiB")
    assert "no split into whole regions fits" in err


def test_a_plan_that_does_not_fit_the_machines_is_refused(tmp_path, capsys) -> None:
    out = tmp_path / "o"
    err = refused(capsys, "run", *BIG, "--shards", "31", "--plan", "--machine-memory", "4GiB", "--out", str(out))
    assert "does not fit" in err and "45,161,291 persons" in err and "4.0 GB" in err
    assert "at least" in err and "--shards" in err
    assert not out.exists()
    # the fewest shards it names do fit
    fewest = int(err.split("at least ")[1].split()[0].replace(",", ""))
    d = plan_json(capsys, *BIG, "--shards", str(fewest), "--machine-memory", "4GiB")
    assert d["fits"] and d["shards_per_machine"] >= 1
    more = refused(capsys, "run", *BIG, "--shards", str(fewest - 1), "--plan", "--machine-memory", "4GiB")
    assert "does not fit" in more


def test_bad_plan_options_are_refused(capsys) -> None:
    assert "--shards" in refused(capsys, "run", "rongcheng", "--shards", "0", "--plan")
    assert "--machine-memory" in refused(capsys, "run", "rongcheng", "--plan", "--machine-memory", "lots")
    assert "needs --plan" in refused(capsys, "run", "rongcheng", "--n", "200", "--machine-cores", "2")
    err = refused(capsys, "run", "rongcheng", "--n", "500", "--shards", "501", "--plan")
    assert "more shards than the 500 persons" in err


def test_one_process_is_refused_beyond_int32_subjects(capsys) -> None:
    # the schema no longer caps population.n at 50 M: the estimate decides, and one process
    # cannot index more than 2**31 - 1 subjects whatever the memory
    err = refused(capsys, "run", "rongcheng", "--n", "3000000000", "--max-memory", "100T")
    assert "int32" in err and "3,000,000,000" in err
    assert load_scenario("rongcheng", ["population.n=1400000000"]).population.n == 1_400_000_000
