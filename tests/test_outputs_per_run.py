"""Outputs that do not overwrite one another (issue 8.9).

A second run into the same ``--out`` appended to the database but replaced ``report.html``
and ``summary.json``, and ``scslab runs`` did not show what differed, so two runs looked
identical. Every run now keeps ``runs/<run_id>/report.html`` and ``summary.json`` (the
latest also at the top), ``scslab runs`` shows each run's size and overrides, and
``scslab report OUT [--run ID]`` rebuilds a report from the database alone.
"""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from scslab.cli import main as cli

ARGS = ["rongcheng", "--years", "1", "--seed", "1", "--quiet"]
# make the black list easy to enter so a short run has sanctions to inspect
LISTING = ["--set", "lists.grade_c_d.entry=points < 1000", "--set", "lists.grade_c_d.exit=points >= 1000"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("two") / "out"
    assert cli(["run", *ARGS, "--n", "600", *LISTING, "--out", str(out)]) == 0
    first = json.loads((out / "summary.json").read_text())
    assert cli(["run", *ARGS, "--n", "900", "--set", "policy.detection_scale=0.5", *LISTING, "--out", str(out)]) == 0
    second = json.loads((out / "summary.json").read_text())
    return out, first, second


def test_every_run_keeps_its_own_report_and_summary(two_runs):
    out, first, second = two_runs
    assert first["run_id"] != second["run_id"]
    for s in (first, second):
        own = out / "runs" / s["run_id"]
        assert json.loads((own / "summary.json").read_text()) == s
        assert (own / "report.html").stat().st_size > 0
    assert (first["persons"], second["persons"]) == (600, 900)
    # the latest is also at the top, as before (make run and the README open these)
    assert json.loads((out / "summary.json").read_text())["run_id"] == second["run_id"]
    assert (out / "report.html").read_bytes() == (out / "runs" / second["run_id"] / "report.html").read_bytes()


def test_runs_shows_each_runs_size_and_overrides(two_runs, capsys):
    out, first, second = two_runs
    capsys.readouterr()
    assert cli(["runs", str(out), "--json"]) == 0
    rows = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    a, b = rows[first["run_id"]], rows[second["run_id"]]
    assert (a["persons"], b["persons"]) == (600, 900)
    assert "population.n=600" in a["overrides"] and "detection_scale" not in a["overrides"]
    assert "population.n=900" in b["overrides"] and "policy.detection_scale=0.5" in b["overrides"]
    assert 'lists.grade_c_d.entry="points < 1000"' in a["overrides"]
    assert cli(["runs", str(out)]) == 0
    text = capsys.readouterr().out
    assert "overrides" in text.splitlines()[0] and "policy.detection_scale=0.5" in text


def test_report_rebuilds_a_runs_report_from_the_database(two_runs, capsys):
    from html import escape

    from scslab.report.html import summary_rows

    out, first, _ = two_runs
    own = out / "runs" / first["run_id"] / "report.html"
    written = own.read_text(encoding="utf-8")
    own.unlink()
    assert cli(["report", str(out), "--run", first["run_id"]]) == 0
    assert capsys.readouterr().out.strip() == str(own)
    rebuilt = own.read_text(encoding="utf-8")
    # the first run's figures, not the latest's: every row of its key-figure table is there
    volatile = {"wall_s", "agent_days_per_s", "peak_rss_mb", "out", "run_id"}
    for _label, key, value in summary_rows(first):
        if key not in volatile:
            assert f">{escape(value)}<" in rebuilt and f">{escape(value)}<" in written, (key, value)
    assert f">{first['persons']:,}<" in rebuilt
    # the words too: the headline compares each level with the same reference level (the
    # stored summary kept its order: a sorted one made "female" the reference, 1.00x)
    said = [x for x in written.split(">") if "as often as" in x]
    assert said and all(x in rebuilt.split(">") for x in said)
    assert cli(["report", str(out), "--run", "nope"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_readme_inspect_one_liner_works_after_two_runs(two_runs):
    out, _, second = two_runs
    with duckdb.connect(str(out / "results.duckdb"), read_only=True) as con:
        (sid,) = con.execute(
            "select target_id from sanctions where run_id = "
            "(select run_id from runs order by created_at desc limit 1) limit 1"
        ).fetchone()
    done = subprocess.run(
        [sys.executable, "-m", "scslab", "inspect", str(out), sid], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert second["run_id"] in done.stdout
