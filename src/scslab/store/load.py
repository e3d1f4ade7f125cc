"""A stored run read back as :class:`~scslab.engine.results.Results`, with the engine's codes and dtypes.

Why: run-level metrics are functions of the results alone (``metrics.summary``), so a run
stored in ``results.duckdb`` can be summarised again, by another process or a later version,
without re-running it. :func:`load_results` undoes what ``duck.insert_run`` did: labels
become the engine's integer codes again (the label lists are rebuilt from the stored
scenario, :func:`~scslab.engine.results.result_names`), SQL ``NULL`` becomes the ``-1``
sentinel or NaN, every column gets the engine's dtype, and the declared per-run figures and
subject columns come back from the ``figures`` and ``subject_values`` tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scslab.codes import RECORD_DTYPES, SANCTION_DTYPES, SANCTION_INTERNAL, SPELL_DTYPES, SUBJECT_DTYPES
from scslab.engine.results import Results, result_names
from scslab.scenario.schema import Scenario
from scslab.store.duck import connect, db_path, latest_run_id

__all__ = ["load_results"]

_TABLE_COLUMNS = {
    # results column -> (stored column, label list in names, engine dtype table)
    "records": (
        RECORD_DTYPES,
        {"true": "happened"},
        {
            "domain": "domain",
            "behaviour": "behaviour",
            "source": "source",
            "severity": "severity",
            "status": "record_status",
        },
        "record_id",
    ),
    "list_spells": (
        SPELL_DTYPES,
        {"end": "end_day"},
        {"list": "list", "end_reason": "end_reason"},
        "spell_id",
    ),
    "sanctions": (
        {k: v for k, v in SANCTION_DTYPES.items() if k not in SANCTION_INTERNAL},
        {"spell": "spell_id", "end": "end_day"},
        {"measure": "measure", "via": "via"},
        "sanction_id",
    ),
}


def _codes(values: pd.Series, labels: list[str]) -> np.ndarray:
    """Labels -> their index in ``labels`` (NULL -> -1)."""
    return np.asarray(pd.Categorical(values, categories=labels).codes)


def _column(df: pd.DataFrame, col: str, dtype: str, labels: list[str] | None) -> np.ndarray:
    v = df[col]
    if labels is not None:
        return _codes(v, labels).astype(dtype)
    kind = np.dtype(dtype).kind
    if kind == "f":
        return v.to_numpy(np.float64, na_value=np.nan).astype(dtype)
    if kind == "b":
        return v.to_numpy(bool)
    return v.to_numpy(np.float64, na_value=-1).astype(dtype)  # NULL sentinels are -1


def _table(con: Any, run_id: str, table: str, names: dict[str, list[str]]) -> dict[str, np.ndarray]:
    dtypes, renamed, coded, order = _TABLE_COLUMNS[table]
    stored = {k: renamed.get(k, k) for k in dtypes}
    sel = ", ".join(f'"{c}"' for c in stored.values())
    df = con.execute(f"SELECT {sel} FROM {table} WHERE run_id = ? ORDER BY {order}", [run_id]).df()
    return {k: _column(df, stored[k], dt, names[coded[k]] if k in coded else None) for k, dt in dtypes.items()}


def _subjects(con: Any, run_id: str, names: dict[str, list[str]], declared: list[dict[str, Any]]) -> dict:
    cols = ["id", *SUBJECT_DTYPES]
    sel = ", ".join(f'"{c}"' for c in cols)
    df = con.execute(f"SELECT {sel} FROM subjects WHERE run_id = ? ORDER BY subject", [run_id]).df()
    coded = {"type": "subject_type", "group": "group", "grade": "grade"}
    out: dict[str, np.ndarray] = {"id": np.asarray(df["id"].to_numpy(), dtype=str)}
    for k, dt in SUBJECT_DTYPES.items():
        out[k] = _column(df, k, dt, names[coded[k]] if k in coded else None)
    n = len(df)
    for d in declared:
        if d["kind"] != "column":
            continue
        vals = con.execute(
            "SELECT subject, value FROM subject_values WHERE run_id = ? AND name = ? ORDER BY subject",
            [run_id, d["name"]],
        ).df()
        col = np.zeros(n, np.float64)
        col[vals["subject"].to_numpy(np.int64)] = vals["value"].to_numpy(np.float64, na_value=np.nan)
        out[d["name"]] = col.astype(d["dtype"])
    return out


def _series(con: Any, run_id: str, days: int, declared: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    df = con.execute(
        "SELECT metric::VARCHAR AS metric, day, value FROM timeseries WHERE run_id = ? ORDER BY metric, day",
        [run_id],
    ).df()
    dtype = {d["name"]: d["dtype"] for d in declared if d["kind"] == "series"}
    out: dict[str, np.ndarray] = {}
    for metric, g in df.groupby("metric", sort=False):
        a = np.full(days, np.nan)
        a[g["day"].to_numpy(np.int64)] = g["value"].to_numpy(np.float64, na_value=np.nan)
        out[str(metric)] = a.astype(dtype.get(str(metric), "f8"))
    order = [d["name"] for d in declared if d["kind"] == "series" and d["name"] in out]
    return {k: out[k] for k in [*order, *sorted(set(out) - set(order))]}


def load_results(db: Path | str, run_id: str | None = None) -> Results:
    """Run ``run_id`` (default: the latest) of the results database ``db`` (a folder or a
    ``.duckdb`` file) as :class:`Results`; ``summary`` and ``indicators`` are the stored ones."""
    con = connect(db)
    try:
        rid = run_id if run_id is not None else latest_run_id(con)
        row = con.execute(
            "SELECT seed, days, persons, orgs, scale, scenario_json, summary_json, indicators_json "
            "FROM runs WHERE run_id = ?",
            [rid],
        ).fetchone()
        if row is None:
            raise KeyError(f"no run {rid!r} in {db_path(db)}")
        seed, days, persons, orgs, scale, scenario_json, summary_json, indicators_json = row
        scenario = json.loads(scenario_json)
        names = result_names(Scenario.model_validate(scenario))
        declared = [
            dict(zip(("name", "module", "kind", "unit", "description", "dtype", "every"), r, strict=True))
            for r in con.execute(
                "SELECT name, module, kind, unit, description, dtype, every FROM declared WHERE run_id = ?", [rid]
            ).fetchall()
        ]
        figures = {
            str(k): json.loads(v)
            for k, v in con.execute("SELECT name, value_json FROM figures WHERE run_id = ?", [rid]).fetchall()
        }
        return Results(
            scenario=scenario,
            seed=int(seed),
            days=int(days),
            n_persons=int(persons),
            n_orgs=int(orgs),
            scale=float(scale),
            series=_series(con, rid, int(days), declared),
            records=_table(con, rid, "records", names),
            list_spells=_table(con, rid, "list_spells", names),
            sanctions=_table(con, rid, "sanctions", names),
            subjects=_subjects(con, rid, names, declared),
            names=names,
            figures=figures,
            declared=declared,
            summary=json.loads(summary_json) if summary_json else {},
            indicators=json.loads(indicators_json) if indicators_json else {},
        )
    finally:
        con.close()
