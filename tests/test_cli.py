"""End-to-end checks of the ``scslab`` command line, run as a real subprocess.

Small runs (2,000 persons, 0.3 years of the ``rongcheng`` preset) are shared by module-scoped
fixtures so the whole file stays well under a minute on two cores.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from scslab import cli

SMALL = ["--n", "2000", "--years", "0.3"]
REQUIRED = (
    "scenario",
    "seed",
    "persons",
    "days",
    "wall_s",
    "agent_days_per_s",
    "peak_rss_mb",
    "records",
    "records_false",
    "listed_now",
    "ever_listed",
    "wrongful_listings",
    "sanctions_applied",
    "compliance_rate",
    "score_mean",
    "grade_shares",
    "indicators",
    "out",
    "run_id",
)
VOLATILE = ("wall_s", "agent_days_per_s", "peak_rss_mb", "run_id", "out")
# make the black list easy to enter so a short run produces sanctions to inspect
LISTING = ["--set", "lists.grade_c_d.entry=points < 1000", "--set", "lists.grade_c_d.exit=points >= 1000"]


def scslab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m scslab ARGS`` (the same entry point as the console script)."""
    return subprocess.run(
        [sys.executable, "-m", "scslab", *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300
    )


def call(capsys, *args: str) -> subprocess.CompletedProcess:
    """``cli.main(ARGS)`` in this process: the same code path without paying for a new interpreter."""
    capsys.readouterr()
    try:
        rc = cli.main(list(args))
    except SystemExit as e:  # argparse rejects bad option values itself, with exit code 2
        rc = e.code
    cap = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), rc, cap.out, cap.err)


def ok(p: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


def _env() -> dict:
    env = dict(os.environ)
    env.pop("SCSLAB_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def runs(work) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """The four small runs the tests read, started together so they share the two cores."""
    specs = {
        "a": (["--seed", "7", "--json", "--parquet", "--out", str(work / "a")], None, work / "a"),
        # same inputs as "a", default output folder (relative to the working directory), profiled
        "b": (["--seed", "7", "--json", "--profile"], work, work / "out" / "rongcheng"),
        "blind": (
            ["--seed", "7", "--json", "--no-report", "--set", "policy.detection_scale=0", "--out", str(work / "blind")],
            None,
            work / "blind",
        ),
        "listed": ([*LISTING, "--out", str(work / "listed")], None, work / "listed"),
    }
    procs = {
        k: subprocess.Popen(
            [sys.executable, "-m", "scslab", "run", "rongcheng", *SMALL, *args],
            cwd=cwd,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k, (args, cwd, _) in specs.items()
    }
    done = {}
    for k, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        done[k] = (ok(subprocess.CompletedProcess(proc.args, proc.returncode, out, err)), specs[k][2])
    return done


@pytest.fixture(scope="module")
def run_a(runs):
    return runs["a"]


@pytest.fixture(scope="module")
def run_b(runs):
    return runs["b"]


@pytest.fixture(scope="module")
def run_listed(runs):
    return runs["listed"]


# ---------------------------------------------------------------------------- run


def test_run_json_is_one_object_with_sane_values(run_a):
    p, out = run_a
    d = json.loads(p.stdout)  # the whole stdout is exactly one JSON document
    assert isinstance(d, dict)
    for key in REQUIRED:
        assert key in d, key
    assert d["scenario"] == "rongcheng" and d["seed"] == 7
    assert d["persons"] == 2000
    assert d["days"] == round(0.3 * 365)
    assert 0.0 <= d["compliance_rate"] <= 1.0
    assert math.isclose(sum(d["grade_shares"].values()), 1.0, abs_tol=1e-6)
    assert d["records"] > 0 and 0 <= d["records_false"] <= d["records"]
    assert d["wall_s"] > 0 and d["agent_days_per_s"] > 0
    assert Path(d["out"]) == out and isinstance(d["run_id"], str) and d["run_id"]
    assert "NaN" not in p.stdout


def test_run_writes_database_report_summary_and_parquet(run_a):
    p, out = run_a
    d = json.loads(p.stdout)
    assert (out / "report.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == d
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"runs", "timeseries", "records", "list_spells", "sanctions"} <= tables
        assert con.execute("SELECT run_id, persons FROM runs").fetchall() == [(d["run_id"], 2000)]
        assert con.execute("SELECT count(*) FROM records").fetchone()[0] == d["records"]
    finally:
        con.close()
    parquet = sorted(f.name for f in (out / "parquet").iterdir())
    assert f"records-{d['run_id']}.parquet" in parquet


def test_same_seed_gives_identical_json(run_a, run_b):
    a, b = json.loads(run_a[0].stdout), json.loads(run_b[0].stdout)
    assert Path(b["out"]) == Path("out") / "rongcheng" and (run_b[1] / "results.duckdb").is_file()
    for k in VOLATILE:
        a.pop(k), b.pop(k)
    assert a == b


def test_profile_lists_every_phase_and_module_without_changing_the_run(run_a, run_b):
    """``--profile`` (run "b") prints the table on stderr; its JSON equals unprofiled run "a" (above)."""
    table = run_b[0].stderr.splitlines()
    assert table[0].split() == ["phase", "wall", "s", "CPU", "s", "CPU", "%", "peak", "MB"]
    phases = [line[:34].rstrip() for line in table[1:]]
    for phase in ("synthesis", "state", "init behaviour", "day loop", "write: DuckDB", "write: report.html", "total"):
        assert phase in phases
    from scslab.engine.sim import MODULES

    steps = phases[phases.index("day loop") + 1 : phases.index("day loop") + 1 + len(MODULES)]
    assert steps == [f"  {m.name}" for m in MODULES]
    cpu = {line[:34].rstrip(): float(line[34:].split()[1]) for line in table[1:]}
    assert cpu["day loop"] >= sum(cpu[s] for s in steps) * 0.99 and cpu["total"] > 0
    assert "phase" not in run_a[0].stderr


def test_set_override_changes_records(runs, run_a, work):
    p = runs["blind"][0]
    d = json.loads(p.stdout)
    assert json.loads(run_a[0].stdout)["records"] > 0
    assert d["records"] == 0 and d["records_false"] == 0
    assert not (work / "blind" / "report.html").exists()
    assert (work / "blind" / "summary.json").is_file()


def test_human_summary_names_the_report(run_listed):
    p, out = run_listed
    assert "rongcheng" in p.stdout and "2,000 persons" in p.stdout
    assert str(out / "report.html") in p.stdout


# ---------------------------------------------------------------------------- other commands


def test_presets_lists_rongcheng_with_its_description():
    p = ok(scslab("presets"))
    line = next(x for x in p.stdout.splitlines() if x.startswith("rongcheng "))
    assert "Rongcheng points ledger" in line


def test_validate_ok_and_bad(tmp_path, capsys):
    assert ok(call(capsys, "validate", "rongcheng")).stdout.strip() == "ok: rongcheng"
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "rongcheng"\n[population]\nnn = 5\n', encoding="utf-8")
    p = call(capsys, "validate", str(bad))
    assert p.returncode == 2 and f"{bad}:3: population.nn: unknown key" in p.stderr
    assert "Traceback" not in p.stderr


def test_inspect_prints_the_causal_chain(run_listed, capsys):
    _, out = run_listed
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        subject, measure = con.execute(
            "SELECT s.target_id, s.measure FROM sanctions s JOIN list_spells l USING (run_id, spell_id) "
            "WHERE s.via = 'self' AND l.cause_record IS NOT NULL ORDER BY s.sanction_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    p = ok(scslab("inspect", str(out), subject))
    chain = next(x for x in p.stdout.splitlines() if "→ list grade_c_d" in x and f"measure {measure}" in x)
    assert chain.strip().startswith("record #")
    assert "rule: points < 1000" in p.stdout  # the list rule that the record triggered
    d = json.loads(ok(call(capsys, "inspect", str(out), subject, "--json")).stdout)
    assert d["subject"]["id"] == subject and d["sanctions"] and d["chains"]


def test_inspect_unknown_subject_and_missing_database(run_listed, tmp_path, capsys):
    p = call(capsys, "inspect", str(run_listed[1]), "no-such-id")
    assert p.returncode == 2 and "no-such-id" in p.stderr and "Traceback" not in p.stderr
    p = call(capsys, "inspect", str(tmp_path / "nowhere"), "x")
    assert p.returncode == 2 and "no results database" in p.stderr
    assert not (tmp_path / "nowhere").exists()


def test_runs_lists_the_run(run_a, capsys):
    p, out = run_a
    run_id = json.loads(p.stdout)["run_id"]
    assert run_id in ok(call(capsys, "runs", str(out))).stdout
    rows = json.loads(ok(call(capsys, "runs", str(out), "--json")).stdout)
    assert [r["run_id"] for r in rows] == [run_id] and rows[0]["persons"] == 2000


# ---------------------------------------------------------------------------- user errors

BAD_FILES = {
    "unknown_key": ('extends = "rongcheng"\n[population]\nnn = 5\n', "population.nn", 3),
    "wrong_type": ('extends = "rongcheng"\n[sim]\nseed = "abc"\n', "sim.seed", 3),
    "out_of_range": ('extends = "rongcheng"\n[policy]\ndetection_scale = -1.0\n', "policy.detection_scale", 3),
    "missing_extends": ('extends = "no_such_parent.toml"\n', "extends", 1),
    "bad_expression": (
        'extends = "rongcheng"\n[[lists]]\nname = "grade_c_d"\nentry = "points >>> 3"\n',
        "lists[grade_c_d].entry",
        4,
    ),
    "unknown_attribute": (
        'extends = "rongcheng"\n[[lists]]\nname = "grade_c_d"\nentry = "no_such_attr > 1"\n',
        "lists[grade_c_d].entry",
        4,
    ),
}


def assert_user_error(p: subprocess.CompletedProcess, out: Path, *needles: str) -> None:
    assert p.returncode == 2, f"exit {p.returncode}\n{p.stderr}"
    assert "Traceback" not in p.stderr
    assert p.stdout == ""
    for n in needles:
        assert n in p.stderr, (n, p.stderr)
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_exits_2_and_writes_nothing(tmp_path, capsys, case):
    text, field, line = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    p = call(capsys, "run", str(path), *SMALL, "--json", "--out", str(out))
    assert_user_error(p, out, f"{path}:{line}: {field}: ")
    if case == "unknown_attribute":
        assert "no_such_attr" in p.stderr


def test_user_errors_in_a_real_process(tmp_path):
    """The engine-time check (unknown attribute) and the console script itself, end to end."""
    path = tmp_path / "attr.toml"
    path.write_text(BAD_FILES["unknown_attribute"][0], encoding="utf-8")
    out = tmp_path / "out"
    p = scslab("run", str(path), *SMALL, "--json", "--out", str(out))
    assert_user_error(p, out, f"{path}:4: lists[grade_c_d].entry: ", "unknown name 'no_such_attr'")
    script = Path(sys.executable).with_name("scslab")
    p = subprocess.run(
        [str(script), "run", "rongcheng", "--set", "population.n", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_user_error(p, out, "--set: population.n: expected PATH=VALUE")


def test_circular_extends(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nname = "a"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n', encoding="utf-8")
    out = tmp_path / "out"
    p = call(capsys, "run", str(tmp_path / "a.toml"), *SMALL, "--out", str(out))
    assert_user_error(p, out, "b.toml:1: extends: circular extends")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["rongcheng", "--set", "population.n"], ["--set: population.n: expected PATH=VALUE"]),
        (["no_such_preset"], ["<preset:no_such_preset>", "unknown preset"]),
        (["missing_file.toml"], ["missing_file.toml", "cannot read file"]),
        (["rongcheng", "--n", "5"], ["population.n", "greater than or equal to 10"]),
        (["rongcheng", "--years", "nan"], ["--years"]),
    ],
)
def test_bad_command_line_exits_2_and_writes_nothing(tmp_path, capsys, monkeypatch, args, needles):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    p = call(capsys, "run", *args, "--out", str(out))
    assert_user_error(p, out, *needles)


# ---------------------------------------------------------------------------- in-process


def test_internal_error_is_reported_without_traceback(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("kaput")

    monkeypatch.setitem(cli._COMMANDS, "presets", boom)
    monkeypatch.delenv("SCSLAB_DEBUG", raising=False)
    assert cli.main(["presets"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "SCSLAB_DEBUG=1" in err
    monkeypatch.setenv("SCSLAB_DEBUG", "1")
    with pytest.raises(RuntimeError, match="kaput"):
        cli.main(["presets"])


def test_json_encoding_of_numpy_and_nan():
    obj = {
        "a": np.float32(0.5),
        "b": np.int64(3),
        "c": float("nan"),
        "d": [np.inf, np.bool_(True)],
        "e": np.array([1, 2]),
        4: None,
    }
    assert json.loads(cli.dumps(obj)) == {"a": 0.5, "b": 3, "c": None, "d": [None, True], "e": [1, 2], "4": None}


@pytest.mark.parametrize("shards", ["0", "-3", "two"])
def test_bad_shard_counts_exit_2_and_write_nothing(tmp_path, capsys, shards):
    out = tmp_path / "out"
    p = call(capsys, "run", "rongcheng", *SMALL, "--shards", shards, "--out", str(out))
    assert_user_error(p, out, "--shards")
