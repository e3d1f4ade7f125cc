"""Sensitivity analysis (SALib): an inert parameter scores exactly zero, an active one does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scslab.cli import main as cli_main
from scslab.lab.sensitivity import sensitivity

TOY = Path(__file__).parent / "fixtures" / "engine" / "toy_points.toml"
# reward_value only enters the decisions of good deeds: for the toy's one prohibition it is inert
SPEC = f"""base = "{TOY}"
n = 300
days = 30
seed = 2
replicates = 2
trajectories = 4
levels = 4
points = 4
metrics = ["series.violations.sum"]

[[parameters]]
path = "behaviours.littering.base_logit"
low = -4.0
high = -1.0

[[parameters]]
path = "behaviours.littering.reward_value"
low = 0.0
high = 5.0
"""


@pytest.mark.parametrize("method, main", [("morris", "mu_star"), ("sobol", "ST")])
def test_indices_rank_the_active_parameter_first_and_the_inert_one_at_zero(tmp_path, method, main):
    f = tmp_path / "s.toml"
    f.write_text(SPEC, encoding="utf-8")
    res = sensitivity(f, method, out=tmp_path / "o")
    ranked = res.ranked("series.violations.sum")
    assert ranked["parameter"].tolist() == ["behaviours.littering.base_logit", "behaviours.littering.reward_value"]
    assert ranked["value"].iloc[0] > 0 and ranked["value"].iloc[1] == 0.0  # common random numbers: exactly zero
    assert ranked["conf"].notna().all()
    share = res.noise.set_index("metric").loc["series.violations.sum", "noise_share"]
    assert 0 <= share < 0.5  # replicates: the parameter, not the seed, drives the output
    expected = 4 * 3 if method == "morris" else 4 * 4  # Morris r(k+1), Sobol N(k+2) points
    assert len(res.points) == expected


def test_cli_writes_indices_report_and_database(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "cli"
    assert cli_main(["sensitivity", str(f), "--method", "morris", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == "morris" and doc["points"] == 12
    assert (out / "sensitivity.html").exists() and (out / "sensitivity.csv").exists()
    import duckdb

    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    n = con.execute("SELECT count(*) FROM sensitivity_indices WHERE \"index\" = 'mu_star'").fetchone()[0]
    con.close()
    assert n == 2
