"""Compare: paired differences under common random numbers, intervals, winners and losers, storage."""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scslab.cli import main as cli_main
from scslab.lab.compare import compare, load_compare
from scslab.lab.stats import paired, welch_width
from scslab.lab.winners import PersonOutcomes, WinnersLosers

SMALL = dict(n=1500, days=60, seed=1)


def test_a_scenario_compared_with_itself_differs_by_exactly_zero():
    res = compare("rongcheng", "rongcheng", runs=3, **SMALL)
    assert res.runs == 3 and res.metrics
    for name, m in res.metrics.items():
        assert m["diff"] == 0.0 and m["ci_low"] == 0.0 and m["ci_high"] == 0.0, name
        assert m["baseline"] == m["reform"], name
    wl = res.winners_losers
    known = wl[wl["better_off"].notna()]
    assert (known["unchanged"] == 1.0).all() and (known["better_off"] == 0).all() and (known["worse_off"] == 0).all()


def test_doubled_detection_is_detected_and_pairing_narrows_the_interval():
    res = compare("rongcheng", reform_set=["policy.detection_scale=2"], runs=6, **SMALL)
    m = res.metrics["records"]
    assert m["ci_low"] > 0, m  # more detection, more records: the interval excludes zero
    assert m["ci_high"] - m["ci_low"] < m["ci_width_independent"], m
    assert m["ci_level"] == 0.95


def test_a_scheduled_reform_leaves_every_daily_series_identical_before_its_day(tmp_path):
    day = 25
    reform = tmp_path / "later.toml"
    reform.write_text(
        f'extends = "rongcheng"\nname = "rongcheng-later"\n\n[[schedule]]\nday = {day}\n'
        'set = { "policy.detection_scale" = 3.0 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    res = compare("rongcheng", reform, runs=3, out=out, **SMALL)
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    rows = con.execute(
        """SELECT r.replicate, r.arm, t.metric, t.day, t.value FROM experiment_runs r JOIN timeseries t
           USING (run_id) WHERE r.experiment_id = ? ORDER BY r.replicate, t.metric, t.day, r.arm""",
        [res.experiment_id],
    ).df()
    con.close()
    wide = rows.pivot_table(index=["replicate", "metric", "day"], columns="arm", values="value", dropna=False)
    before = wide[wide.index.get_level_values("day") < day]
    after = wide[wide.index.get_level_values("day") >= day]
    assert len(before) > 0 and set(before.index.get_level_values("replicate")) == {0, 1, 2}
    same = (before["baseline"] == before["reform"]) | (before["baseline"].isna() & before["reform"].isna())
    assert same.all()
    assert (after["baseline"] != after["reform"]).any()  # and the reform does change something after


def test_json_output_has_the_documented_shape_and_everything_is_in_the_database(tmp_path, capsys):
    out = tmp_path / "c"
    rc = cli_main(
        ["compare", "rongcheng", "--reform-set", "policy.sanction_scale=2", "--runs", "2", "--n", "800"]
        + ["--days", "30", "--out", str(out), "--json", "--metric", "records", "series.violations.sum"]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"runs", "paired", "metrics"} and doc["runs"] == 2 and doc["paired"] is True
    assert set(doc["metrics"]) == {"records", "series.violations.sum"}
    for m in doc["metrics"].values():
        assert {"baseline", "reform", "diff", "ci_low", "ci_high", "ci_level", "ci_width_independent"} <= set(m)
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    runs = con.execute("SELECT arm, seed, overrides_json FROM experiment_runs ORDER BY arm, seed").fetchall()
    con.close()
    assert runs == [
        ("baseline", 1, "[]"),
        ("baseline", 2, "[]"),
        ("reform", 1, '["policy.sanction_scale=2"]'),
        ("reform", 2, '["policy.sanction_scale=2"]'),
    ]
    again = load_compare(out, metrics=["records", "series.violations.sum"])
    assert again.to_dict() == doc  # every figure recomputed from the database alone


def test_winners_and_losers_recomputed_from_the_database_match(tmp_path):
    res = compare("rongcheng", reform_set=["policy.detection_scale=2"], runs=2, out=tmp_path, **SMALL)
    again = load_compare(tmp_path)
    pd.testing.assert_frame_equal(again.winners_losers, res.winners_losers)
    assert again.to_dict() == res.to_dict()
    assert (tmp_path / "compare.json").exists() and (tmp_path / "winners_losers.csv").exists()


def test_a_bad_reform_path_is_refused_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "never"
    rc = cli_main(["compare", "rongcheng", "--reform-set", "policy.no_such_lever=2", "--runs", "2", "--out", str(out)])
    assert rc == 2
    assert "policy.no_such_lever" in capsys.readouterr().err
    assert not out.exists()


# ---------------------------------------------------------------- hand-built winners and losers


def _people(income0, sex, income, sanctions, ids=None):
    k = len(income0)
    return PersonOutcomes(
        ids=np.array(ids or [f"p{i}" for i in range(k)]),
        income0=np.array(income0, float),
        group=np.array(["han"] * k, dtype=object),
        sex=np.array(sex, dtype=object),
        region=np.array(["urban"] * k, dtype=object),
        hukou=np.array(["local"] * k, dtype=object),
        outcomes={
            "ever_listed": np.zeros(k),
            "days_listed": np.zeros(k),
            "sanctions": np.array(sanctions, float),
            "income": np.array(income, float),
            "score": np.full(k, np.nan),
        },
    )


def test_winners_losers_on_a_hand_built_case():
    # four people; incomes 100 -> 105 (+5 %: better off, not a gain over 5 %), 100 -> 110 (+10 %),
    # 200 -> 199.9 (-0.05 %: inside the 0.1 % band, unchanged), 50 -> 40 (-20 %).
    # PolicyEngine's old formula ((2R - B) - B) / B would have put the +5 % person over 5 % too.
    base = _people([100, 100, 200, 50], ["male", "female", "female", "male"], [100, 100, 200, 50], [1, 0, 2, 0])
    reform = _people([100, 100, 200, 50], ["male", "female", "female", "male"], [105, 110, 199.9, 40], [0, 0, 3, 0])
    wl = WinnersLosers()
    assert wl.add(base, reform)
    t = wl.table().set_index(["outcome", "breakdown", "category"])
    inc = t.loc[("income", "all", "all")]
    assert (inc.better_off, inc.worse_off, inc.unchanged) == (0.5, 0.25, 0.25)
    assert (inc.gain_over_5pct, inc.loss_over_5pct) == (0.25, 0.25)
    assert inc.persons == 4
    assert math.isclose(inc.mean_change, (5 + 10 - 0.1 - 10) / 4)
    san = t.loc[("sanctions", "sex", "female")]  # persons 1 (0 -> 0) and 2 (2 -> 3: worse)
    assert (san.better_off, san.worse_off, san.unchanged) == (0.0, 0.5, 0.5)
    san_m = t.loc[("sanctions", "sex", "male")]  # persons 0 (1 -> 0: better) and 3 (0 -> 0)
    assert (san_m.better_off, san_m.worse_off) == (0.5, 0.0)
    assert math.isnan(t.loc[("score", "all", "all")].better_off)  # nobody scored: no share, not zero
    # a second run pair is pooled: person-runs, not runs, are the unit
    assert wl.add(base, base)
    inc2 = wl.table().set_index(["outcome", "breakdown", "category"]).loc[("income", "all", "all")]
    assert (inc2.better_off, inc2.unchanged, inc2.persons) == (0.25, 0.625, 4)


def test_winners_losers_refuse_arms_with_different_people():
    a = _people([1, 2], ["male", "male"], [1, 2], [0, 0])
    b = _people([1, 2], ["male", "male"], [1, 2], [0, 0], ids=["x", "y"])
    wl = WinnersLosers()
    assert not wl.add(a, b) and wl.skipped == 1 and wl.table().empty


# ---------------------------------------------------------------- statistics


def test_paired_statistics_match_scipy():
    rng = np.random.default_rng(3)
    b = rng.normal(10, 3, 12)
    r = b + 1 + rng.normal(0, 0.2, 12)
    m = paired(b, r)
    ci = stats.ttest_rel(r, b).confidence_interval(0.95)
    assert m["ci_method"] == "paired_t"
    assert math.isclose(m["ci_low"], ci.low) and math.isclose(m["ci_high"], ci.high)
    w = stats.ttest_ind(r, b, equal_var=False).confidence_interval(0.95)
    assert math.isclose(m["ci_width_independent"], w.high - w.low)
    assert math.isclose(welch_width(r, b), w.high - w.low)
    assert m["ci_width"] < m["ci_width_independent"]


def test_skewed_differences_get_a_bootstrap_interval():
    b = np.zeros(12)
    r = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 30], float)  # one big winner: strongly skewed
    m = paired(b, r)
    assert m["ci_method"] == "bootstrap_bca"
    assert m["ci_low"] != m["t_ci_low"] and m["ci_low"] >= 0  # BCa respects the support, t does not
    assert m["t_ci_low"] < 0
    assert paired(b, r) == m  # fixed random state: reproducible


@pytest.mark.parametrize("runs", [1])
def test_a_single_run_gives_a_difference_without_an_interval(runs):
    m = paired([1.0] * runs, [2.0] * runs)
    assert m["diff"] == 1.0 and math.isnan(m["ci_low"])
