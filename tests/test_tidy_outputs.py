"""Tidy, labelled outputs (issue 8.8): long-form series with units, labelled tables and
DuckDB columns, a plot of the main series, money with its unit in inspect."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from scslab import Sim
from scslab.engine.results import HUKOU, REGION, SEX, VIA
from scslab.scenario.schema import DOMAINS


@pytest.fixture(scope="module")
def res():
    return Sim("rongcheng", n=1500, seed=3, years=1).run()


def test_to_df_is_long_with_units_and_the_wide_table_stays(res):
    df = res.to_df()
    assert list(df.columns) == ["day", "metric", "value", "unit"]
    assert len(df) == res.days * len(res.series)
    wide = res.to_df(wide=True)
    assert wide.index.name == "day" and list(wide.columns) == list(res.series)
    # the same numbers either way
    back = df.pivot(index="day", columns="metric", values="value")[list(res.series)]
    assert np.allclose(back.to_numpy(), wide.to_numpy(), equal_nan=True)
    units = {d["name"]: d["unit"] for d in res.declared if d["kind"] == "series"}
    got = df.drop_duplicates("metric").set_index("metric")["unit"].to_dict()
    assert {k: got[k] for k in units if k in got} == {k: units[k] for k in units if k in got}
    assert got["listed_total"] == "subjects" and (df["day"].diff().dropna() >= 0).all()


def test_tables_carry_labels_not_codes(res):
    rec, subj, sa = res.table("records"), res.table("subjects"), res.table("sanctions")
    assert set(rec["domain"].astype(str)) <= set(DOMAINS)
    assert set(rec["behaviour"].astype(str)) <= {b["name"] for b in res.scenario["behaviours"]}
    assert set(subj["sex"].dropna().astype(str)) == set(SEX)
    assert set(subj["urban"].dropna().astype(str)) == set(REGION)
    assert set(subj["migrant"].dropna().astype(str)) == set(HUKOU)
    assert isinstance(subj["sex"].dtype, pd.CategoricalDtype)
    # the labels are the codes' labels, row by row
    codes = res.table("subjects", labels=False)
    assert (np.asarray(SEX)[codes["sex"].to_numpy()] == subj["sex"].astype(str).to_numpy()).all()
    assert set(sa["via"].astype(str)) <= set(VIA) and set(sa["kind"].astype(str)) <= {"sanction", "reward"}
    spells = res.table("list_spells")
    assert set(spells["list"].astype(str)) <= {x["name"] for x in res.scenario["lists"]}
    # "none" codes are missing, not a label: the grade of a subject without one
    assert subj["grade"].isna().sum() == int((codes["grade"] < 0).sum())


def test_duckdb_subjects_have_label_columns(res, tmp_path):
    from scslab.store.duck import write_run

    rid = write_run(res, tmp_path)
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT sex, sex_label, urban, region, migrant, hukou FROM subjects WHERE run_id = ? AND type = 'person'",
        [rid],
    ).fetchall()
    dom = {r[0] for r in con.execute("SELECT DISTINCT domain FROM records WHERE run_id = ?", [rid]).fetchall()}
    con.close()
    assert rows and all(
        (SEX[a], REGION[b], HUKOU[c]) == (la, lb, lc) for a, la, b, lb, c, lc in rows
    )  # the codes stay for existing queries
    assert dom <= set(DOMAINS)


def test_plot_draws_the_main_series_offline(res):
    import plotly.graph_objects as go

    fig = res.plot()
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert "listed_total" in names and "records" in names
    y = next(t.y for t in fig.data if t.name == "listed_total")
    assert np.allclose(y, res.series["listed_total"])
    one = res.plot(["score_mean"], smooth=7)
    assert [t.name for t in one.data] == ["score_mean"]
    with pytest.raises(KeyError, match="no series nonsense"):
        res.plot(["nonsense"])


def test_inspect_money_has_its_unit_and_rounding(res, tmp_path):
    from scslab.store.duck import write_run
    from scslab.store.inspect import credit_file, format_credit_file, money

    assert money(35210.4567, "yuan", "year") == "35,210 yuan per year"
    assert money(12.3456, "EUR") == "12.35 EUR" and money(None, "USD") == "—"
    rid = write_run(res, tmp_path)
    sid = str(res.subjects["id"][0])
    d = credit_file(tmp_path, sid, run_id=rid)
    assert d["currency"] == "yuan" and d["subject"]["income"] == round(d["subject"]["income"], 2)
    assert f"income {money(d['subject']['income'], 'yuan', 'year')}" in format_credit_file(d)
    fico = Sim("fico-us", n=300, seed=1, days=30).run()
    rid = write_run(fico, tmp_path / "fico")
    text = format_credit_file(credit_file(tmp_path / "fico", str(fico.subjects["id"][0]), run_id=rid))
    assert " USD per year (at start " in text
