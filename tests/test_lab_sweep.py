"""Sweeps and ensembles: strict files, worker-count independence, kill -9 and resume, failures, bands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from scslab.cli import main as cli_main
from scslab.lab.sweep import Sweep
from scslab.lab.sweepfile import load_sweep
from scslab.scenario.errors import ScenarioError

TINY = """base = "rongcheng"
n = 400
days = 20
seed = 3
replicates = 2
metrics = ["compliance_rate", "records"]
series = {series}

[[parameters]]
path = "policy.detection_scale"
values = [0.5, 2.0]

[[parameters]]
path = "policy.sanction_scale"
low = 0.5
high = 3.0
sample = "lhs"
points = 3
"""

#: every table a sweep writes, with the columns that depend on the machine left out
CONTENT = {
    "experiments": "experiment_id, kind, name, spec_json",
    "experiment_runs": "*",
    "run_metrics": "*",
    "timeseries": "*",
}


def sweep_file(tmp_path: Path, series: bool = False, name: str = "tiny.toml") -> Path:
    p = tmp_path / name
    p.write_text(TINY.format(series="true" if series else "false"), encoding="utf-8")
    return p


def contents(out: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT {cols} FROM {t}").fetchall()) for t, cols in CONTENT.items()}
    finally:
        con.close()


def test_points_are_the_grid_times_one_latin_hypercube_with_the_same_seeds_everywhere(tmp_path):
    sw = Sweep.from_file(sweep_file(tmp_path))
    pts = sw.points()
    assert len(pts) == 6 and [p["policy.detection_scale"] for p in pts] == [0.5] * 3 + [2.0] * 3
    lhs = sorted(p["policy.sanction_scale"] for p in pts[:3])
    assert lhs == sorted(p["policy.sanction_scale"] for p in pts[3:])  # one design, crossed with the grid
    bins = sorted(int((v - 0.5) / (2.5 / 3)) for v in lhs)
    assert bins == [0, 1, 2]  # Latin hypercube: one point in each third of the range
    assert sw.spec.seeds() == [3, 4]


def test_a_bad_sweep_file_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'base = "rongcheng"\nreplicates = 0\ncolour = "red"\n\n'
        '[[parameters]]\npath = "policy.sanction_scale"\nlow = 2.0\nhigh = 2.0\n\n'
        '[[parameters]]\npath = "policy.detection_scale"\nvalues = []\n\n'
        '[[parameters]]\npath = "policy.sanction_scael"\nvalues = [1.0]\n\n'
        '[[parameters]]\npath = "policy.detection_scale"\nlow = 0.1\nhigh = 1.0\nsample = "sobol"\npoints = 6\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as e:
        load_sweep(bad)
    text = str(e.value)
    assert "replicates" in text and "colour: unknown key" in text
    assert "empty range" in text and "empty list" in text and "power of 2" in text
    assert f"{bad}:3: colour" in text  # file and line
    out = tmp_path / "never"
    assert cli_main(["sweep", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    ok_but_unknown = tmp_path / "unknown.toml"
    ok_but_unknown.write_text(
        'base = "rongcheng"\n[[parameters]]\npath = "policy.sanction_scael"\nvalues = [1.0]\n', encoding="utf-8"
    )
    assert cli_main(["sweep", str(ok_but_unknown), "--out", str(out)]) == 2
    assert "parameters[policy.sanction_scael]" in capsys.readouterr().err and not out.exists()


def test_one_and_two_workers_store_identical_contents(tmp_path):
    f = sweep_file(tmp_path, series=True)
    assert cli_main(["sweep", str(f), "--out", str(tmp_path / "w1"), "--quiet"]) == 0
    assert cli_main(["sweep", str(f), "--out", str(tmp_path / "w2"), "--workers", "2", "--quiet"]) == 0
    a, b = contents(tmp_path / "w1"), contents(tmp_path / "w2")
    assert len(a["experiment_runs"]) == 12 and len(a["timeseries"]) > 0
    assert a == b
    assert (tmp_path / "w1" / "sweep.html").exists() and (tmp_path / "w1" / "sweep.csv").exists()


def test_kill_minus_nine_then_resume_gives_the_uninterrupted_results(tmp_path):
    f = sweep_file(tmp_path)
    killed = tmp_path / "killed"
    code = (
        "import os, signal, sys\n"
        "from scslab.lab.sweep import Sweep\n"
        "die = lambda p: p.done >= 4 and os.kill(os.getpid(), signal.SIGKILL)\n"
        "Sweep.from_file(sys.argv[1]).run(sys.argv[2], progress=die)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(f), str(killed)], capture_output=True, timeout=300)
    assert proc.returncode == -9  # killed, not finished
    con = duckdb.connect(str(killed / "results.duckdb"), read_only=True)
    done = con.execute("SELECT count(*) FROM experiment_runs WHERE status = 'done'").fetchone()[0]
    con.close()
    assert 0 < done < 12
    assert cli_main(["sweep", str(f), "--out", str(killed), "--resume", "--quiet", "--json"]) == 0
    assert cli_main(["sweep", str(f), "--out", str(tmp_path / "whole"), "--quiet"]) == 0
    assert contents(killed) == contents(tmp_path / "whole")


def test_a_failed_run_is_reported_with_its_seed_and_overrides_and_the_others_are_kept(tmp_path, capsys):
    f = tmp_path / "fails.toml"
    f.write_text(
        'base = "rongcheng"\nn = 300\ndays = 10\nreplicates = 1\nmetrics = ["records"]\n\n'
        '[[parameters]]\npath = "lists.low_grade.entry"\nvalues = ["score < 900", "no_such_attribute > 1"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "o"
    assert cli_main(["sweep", str(f), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "seed 1" in err and "no_such_attribute" in err and "1 run(s) failed" in err
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    rows = con.execute("SELECT point, status, error FROM experiment_runs ORDER BY point").fetchall()
    con.close()
    assert [r[:2] for r in rows] == [(0, "done"), (1, "failed")] and "no_such_attribute" in rows[1][2]


def test_ensemble_reports_means_intervals_and_bands(tmp_path, capsys):
    out = tmp_path / "e"
    rc = cli_main(["run", "rongcheng", "--runs", "3", "--n", "500", "--days", "20", "--out", str(out), "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["runs"] == 3 and doc["seeds"] == [1, 2, 3]
    rec = doc["figures"]["records"]
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    per_run = [
        r[0] for r in con.execute("SELECT value FROM run_metrics WHERE metric = 'records' ORDER BY run_id").fetchall()
    ]
    stored = con.execute("SELECT count(DISTINCT run_id) FROM runs").fetchone()[0]
    con.close()
    assert stored == 3 and np.isclose(rec["mean"], np.mean(per_run)) and rec["ci_low"] <= rec["mean"] <= rec["ci_high"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "95% interval" in page and "tonexty" in page  # bands, not single lines


def test_the_python_api_matches_the_database(tmp_path):
    sw = Sweep.from_file(sweep_file(tmp_path))
    mem = sw.run()
    disk = sw.run(tmp_path / "d")
    a, b = mem.runs(), disk.runs()
    assert list(a.columns) == ["point", "replicate", "seed", "policy.detection_scale", "policy.sanction_scale"] + [
        "metric",
        "value",
    ]
    assert np.array_equal(a["value"].to_numpy(), b["value"].to_numpy()) and (a["metric"] == b["metric"]).all()
    s = disk.summary()
    assert set(s["metric"]) == {"compliance_rate", "records"} and (s["replicates"] == 2).all()


def test_sweep_file_base_is_found_next_to_the_file(tmp_path):
    sc = tmp_path / "mine.toml"
    sc.write_text('extends = "rongcheng"\nname = "mine"\n', encoding="utf-8")
    f = tmp_path / "s.toml"
    f.write_text('base = "mine.toml"\n[[parameters]]\npath = "policy.detection_scale"\nvalues = [1.0]\n')
    assert Path(load_sweep(f).base) == sc
