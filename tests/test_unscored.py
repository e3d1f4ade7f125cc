"""Unscored subjects have no score (issue 8.3): NaN in the arrays, NULL in DuckDB, "unscored"
in ``inspect`` and the web credit file, and every mean over the scored alone.

fico-us and schufa-de score adults only: minors (and, in fico-us, organisations) were stored
with a score of 0, so the subjects table averaged far below the scored mean.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from scslab.cli import main as cli
from scslab.engine.sim import Sim
from scslab.metrics import core
from scslab.store.duck import write_run
from scslab.store.inspect import credit_file, format_credit_file


@pytest.fixture(scope="module", params=["fico-us", "schufa-de"])
def stored(request, tmp_path_factory):
    res = Sim(request.param, n=1500, seed=3, days=120).run()
    out = tmp_path_factory.mktemp(request.param)
    run_id = write_run(res, out)
    return res, out, run_id


def _q(out, sql):
    with duckdb.connect(str(out / "results.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_unscored_subjects_have_nan_scores(stored):
    res, _, _ = stored
    score, grade = res.subjects["score"], res.subjects["grade"]
    unscored = grade < 0
    assert unscored.any() and (~unscored).any()
    assert np.isnan(score[unscored]).all()  # not 0: an unscored subject has no score
    assert np.isfinite(score[~unscored]).all()
    assert res.summary["scored_share"] == pytest.approx(core.scored(res)[res.subjects["type"] == 0].mean())
    assert 0.0 < res.summary["scored_share"] < 1.0  # minors are persons without a score


def test_subjects_table_mean_is_the_scored_mean(stored):
    res, out, run_id = stored
    ((mean, scored, nulls, zeros),) = _q(
        out,
        f"SELECT avg(score), count(score), count(*) FILTER (WHERE score IS NULL), "
        f"count(*) FILTER (WHERE score = 0) FROM subjects WHERE run_id = '{run_id}'",
    )
    assert nulls == int((res.subjects["grade"] < 0).sum()) > 0
    assert zeros == 0
    assert scored == int(core.scored(res).sum())
    assert mean == pytest.approx(res.summary["score_mean"], rel=1e-5)
    ((graded_mean,),) = _q(out, f"SELECT avg(score) FROM subjects WHERE run_id = '{run_id}' AND grade IS NOT NULL")
    assert mean == pytest.approx(graded_mean, rel=1e-9)


def test_inspect_says_unscored(stored, capsys):
    res, out, run_id = stored
    i = int(np.flatnonzero((res.subjects["type"] == 0) & (res.subjects["grade"] < 0))[0])
    ((sid,),) = _q(out, f"SELECT id FROM subjects WHERE run_id = '{run_id}' AND subject = {i}")
    cf = credit_file(out, sid, run_id=run_id)
    assert cf["subject"]["score"] is None
    text = format_credit_file(cf)
    assert "unscored" in text.splitlines()[1] and "score 0.0" not in text
    assert cli(["inspect", str(out), sid, "--run", run_id]) == 0
    assert "unscored" in capsys.readouterr().out
    j = int(np.flatnonzero(core.scored(res))[0])
    ((sid2,),) = _q(out, f"SELECT id FROM subjects WHERE run_id = '{run_id}' AND subject = {j}")
    assert f"score {res.subjects['score'][j]:.1f}" in format_credit_file(credit_file(out, sid2, run_id=run_id))
