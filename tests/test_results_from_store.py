"""Run-level metrics are computed from the results alone: a stored run gives the same summary.

Each preset runs, is written to ``results.duckdb`` and read back with
``scslab.store.load_results``; the summary recomputed from what was read must equal the
run's own summary exactly (same JSON text), and every table, series, figure and subject
column must come back with the engine's values and dtypes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scslab import Sim
from scslab.metrics.indicators import compute_indicators
from scslab.metrics.summary import summarize
from scslab.store import load_results, write_run
from scslab.store.duck import to_json

# a scored system with red lists, a judicial blacklist with obligations, an epidemic with
# codes, and the national outline (organisations, expression, several blacklists); then one
# preset of each other indicator set: enterprise spillover, reminder letters, political
# records, an employer profile, a voluntary private score, volunteer honours, and the
# blacklisting of the infected (exclusion and income by infection)
PRESETS = ["rongcheng", "court-blacklist", "health-code", "national-outline"]
INDICATOR_PRESETS = [
    "corporate",
    "bit-nudge",
    "carnet-patria",
    "russia-trajectory",
    "sesame",
    "volunteer-morality",
    "health-code-blacklist",
]
DAYS = {"bit-nudge": 430}  # its letters go out on day 400


@pytest.fixture(scope="module", params=PRESETS + INDICATOR_PRESETS)
def stored(request, tmp_path_factory):
    res = Sim(request.param, n=1500, seed=3, days=DAYS.get(request.param, 240)).run()
    out = tmp_path_factory.mktemp(request.param)
    write_run(res, out)  # a second run in the same database: load_results must pick by id
    run_id = write_run(res, out)
    return res, load_results(out, run_id), run_id


def test_summary_recomputed_from_the_database_equals_the_runs_own(stored):
    res, back, _ = stored
    assert to_json(summarize(back)) == to_json(res.summary)
    assert back.summary == _plain(res.summary) and back.indicators == _plain(res.indicators)


def test_indicators_recomputed_from_the_database_equal_the_runs_own(stored):
    """Every preset indicator is a function of the results alone: the stored run gives the same."""
    res, back, _ = stored
    assert res.indicators, "the preset asks for indicators"
    assert to_json(compute_indicators(back)) == to_json(res.indicators)


def test_indicators_read_declared_figures_not_the_simulation(stored):
    """A declared figure changed in the stored run changes the recomputed indicators that read it."""
    res, back, _ = stored
    fig = dict(back.figures)
    fig["blocked_by_service"] = {k: v + 5 for k, v in fig["blocked_by_service"].items()}
    fig["reviewed_cancelled"] += 3
    fig["letters_sent"] = 0
    again = compute_indicators(dataclasses.replace(back, figures=fig))  # the fixture's run stays as stored
    reading = {"flight_blocks", "rail_blocks", "loan_blocks", "hiring_blocks", "human_review_cancelled"}
    reading |= {"letter_recipients", "payment_rate"}
    for name in ("flight_blocks", "rail_blocks", "loan_blocks", "hiring_blocks"):
        if name in again:
            assert again[name] == pytest.approx(res.indicators[name] + 5 * res.scale)
    if "human_review_cancelled" in again:
        was = res.indicators["human_review_cancelled"]
        assert again["human_review_cancelled"] == pytest.approx(was + 3 * res.scale)
    if "letter_recipients" in again:
        assert again["letter_recipients"] == 0.0
    # the indicators that read none of the changed figures do not move
    rest = [k for k in again if k not in reading]
    assert to_json({k: again[k] for k in rest}) == to_json({k: res.indicators[k] for k in rest})


def test_tables_come_back_with_the_engines_codes_and_dtypes(stored):
    res, back, _ = stored
    for table in ("records", "list_spells", "sanctions", "subjects"):
        a, b = getattr(res, table), getattr(back, table)
        assert sorted(a) == sorted(b), table
        for col in a:
            x, y = np.asarray(a[col]), np.asarray(b[col])
            if col != "id":
                assert y.dtype == x.dtype, (table, col, x.dtype, y.dtype)
            np.testing.assert_array_equal(y, x, err_msg=f"{table}.{col}")
    assert back.names == res.names


def test_series_figures_and_declarations_come_back(stored):
    res, back, _ = stored
    assert list(back.series) == list(res.series)
    for k, v in res.series.items():
        np.testing.assert_array_equal(back.series[k], v, err_msg=k)
    assert back.figures == res.figures
    assert back.declared == res.declared
    columns = {d["name"] for d in res.declared if d["kind"] == "column"}
    assert columns <= set(back.subjects)


def test_the_summary_reads_declared_figures_not_the_simulation(stored):
    """Changing a stored figure changes the recomputed summary: it is read, not cached."""
    res, back, _ = stored
    back.figures = {**back.figures, "objections_total": back.figures["objections_total"] + 7}
    assert summarize(back)["objections"] == res.summary["objections"] + 7


def _plain(obj):
    import json

    return json.loads(to_json(obj))


def test_writing_in_small_chunks_stores_the_same_tables(stored, tmp_path, monkeypatch):
    """The per-subject tables go to DuckDB a chunk at a time; the chunk size changes nothing."""
    import duckdb

    from scslab.store import duck

    res, _, run_id = stored
    monkeypatch.setattr(duck, "CHUNK_ROWS", 97)  # many chunks, the last one short
    small = write_run(res, tmp_path)
    assert small == run_id.split("-")[0]
    back = load_results(tmp_path, small)
    for table in ("records", "list_spells", "sanctions", "subjects"):
        a, b = getattr(res, table), getattr(back, table)
        assert sorted(a) == sorted(b), table
        for col in a:
            np.testing.assert_array_equal(np.asarray(b[col]), np.asarray(a[col]), err_msg=f"{table}.{col}")
    con = duckdb.connect(str(tmp_path / duck.DB_NAME), read_only=True)
    try:
        rows = con.execute("SELECT subject, name, value FROM subject_values ORDER BY rowid").fetchall()
        ids = con.execute("SELECT subject_id FROM records ORDER BY record_id").fetchall()
    finally:
        con.close()
    cols = sorted(k for k in res.subjects if k not in duck.SUBJECT_FIXED)
    expect = [(i, k, float(v)) for k in cols for i, v in enumerate(np.asarray(res.subjects[k], np.float64))]
    assert [(s, k, v) for s, k, v in rows] == [(s, k, (None if np.isnan(v) else v)) for s, k, v in expect]
    assert [r[0] for r in ids] == [str(x) for x in np.asarray(res.subjects["id"])[res.records["subject"]]]
