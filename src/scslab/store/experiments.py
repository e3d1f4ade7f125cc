"""Experiments in the results database: compares, ensembles, sweeps, sensitivity runs.

Tables, alongside the run tables of :mod:`scslab.store.duck` (``runs``, ``timeseries``, ...):

- ``experiments``: experiment_id, kind (compare | ensemble | sweep | sensitivity | calibration),
  name, spec_json (the whole specification, canonical JSON), created_at
- ``experiment_runs``: experiment_id, run_id, point, replicate, arm, seed, overrides_json,
  params_json (a sweep point's parameter values), scenario_hash (final scenario + seed),
  status (done | failed), error
- ``run_metrics``: experiment_id, run_id, metric, value (every model figure of the run)
- ``run_timings``: experiment_id, run_id, wall_s, finished_at -- the only rows that depend on
  the machine, kept apart so that the tables above are identical whatever the executor,
  the number of workers, or an interruption and ``--resume``
- ``sensitivity_indices``: experiment_id, method, metric, parameter, index, value, conf

Why the parent writes and workers do not: DuckDB allows one writer. Each finished run is
written in its own transaction as it arrives, so a sweep streams to disk (nothing is held
in memory until the end, the wall Mesa's batch runner hits, mesa#1915) and a kill -9
leaves only whole runs behind; ``--resume`` skips every run whose id is stored as done.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from scslab.store.duck import TABLES, connect, count_rows, db_path, ensure_schema, insert_run, to_json

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXPERIMENT_TABLES",
    "ExperimentStore",
    "experiment_metrics",
    "experiment_runs",
    "find_experiment",
    "write_sensitivity",
]

_DDL: dict[str, str] = {
    "experiments": """experiment_id VARCHAR PRIMARY KEY, kind VARCHAR, name VARCHAR, spec_json VARCHAR,
        created_at TIMESTAMP""",
    "experiment_runs": """experiment_id VARCHAR, run_id VARCHAR, point INTEGER, replicate INTEGER,
        arm VARCHAR, seed BIGINT, overrides_json VARCHAR, params_json VARCHAR, scenario_hash VARCHAR,
        status VARCHAR, error VARCHAR, PRIMARY KEY (experiment_id, run_id)""",
    "run_metrics": "experiment_id VARCHAR, run_id VARCHAR, metric VARCHAR, value DOUBLE",
    "run_timings": "experiment_id VARCHAR, run_id VARCHAR, wall_s DOUBLE, finished_at TIMESTAMP",
    "sensitivity_indices": """experiment_id VARCHAR, method VARCHAR, metric VARCHAR, parameter VARCHAR,
        "index" VARCHAR, value DOUBLE, conf DOUBLE""",
}
EXPERIMENT_TABLES: tuple[str, ...] = tuple(_DDL)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


class ExperimentStore:
    """The parent's one writable connection for an experiment's folder (use as a context manager)."""

    def __init__(self, out_dir: Path | str) -> None:
        self.path = db_path(out_dir)
        self.con = connect(out_dir, read_only=False)
        ensure_schema(self.con)
        for name, cols in _DDL.items():
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")

    # -------------------------------------------------------------------- experiments
    def has_experiment(self, experiment_id: str) -> bool:
        row = self.con.execute("SELECT count(*) FROM experiments WHERE experiment_id = ?", [experiment_id]).fetchone()
        return bool(row and row[0])

    def begin(self, experiment_id: str, kind: str, name: str, spec: Mapping[str, Any]) -> None:
        """Record the experiment once (a resumed one keeps its first row)."""
        if not self.has_experiment(experiment_id):
            self.con.execute(
                "INSERT INTO experiments VALUES (?, ?, ?, ?, ?)", [experiment_id, kind, name, to_json(spec), _now()]
            )

    def done_runs(self, experiment_id: str) -> set[str]:
        rows = self.con.execute(
            "SELECT run_id FROM experiment_runs WHERE experiment_id = ? AND status = 'done'", [experiment_id]
        ).fetchall()
        return {r[0] for r in rows}

    def drop_experiment(self, experiment_id: str) -> None:
        """Forget an experiment's rows (a rerun without ``--resume`` starts it afresh)."""
        self.con.execute("BEGIN TRANSACTION")
        run_ids = [
            r[0]
            for r in self.con.execute(
                "SELECT run_id FROM experiment_runs WHERE experiment_id = ?", [experiment_id]
            ).fetchall()
        ]
        for table in EXPERIMENT_TABLES:
            self.con.execute(f"DELETE FROM {table} WHERE experiment_id = ?", [experiment_id])
        for table in TABLES:
            if run_ids:
                self.con.execute(f"DELETE FROM {table} WHERE list_contains(?, run_id)", [run_ids])
        self.con.execute("COMMIT")

    # -------------------------------------------------------------------- runs
    def write_run(
        self,
        experiment_id: str,
        run_id: str,
        row: Mapping[str, Any],
        *,
        figures: Mapping[str, float] | None = None,
        series: Mapping[str, np.ndarray] | None = None,
        results: Any = None,
        wall_s: float | None = None,
        error: str | None = None,
    ) -> None:
        """One finished (or failed) run in one transaction: its row, figures, series or whole results.

        ``row`` holds point, replicate, arm, seed, overrides (list), params (dict), scenario_hash.
        A run stored before (failed, or done by an interrupted writer) is replaced.
        """
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            sql = "SELECT count(*) FROM experiment_runs WHERE experiment_id = ? AND run_id = ?"
            seen = count_rows(con, sql, [experiment_id, run_id])
            if seen:  # a run's rows are written in one transaction: none exist unless this row does
                for table in ("experiment_runs", "run_metrics", "run_timings"):
                    con.execute(f"DELETE FROM {table} WHERE experiment_id = ? AND run_id = ?", [experiment_id, run_id])
                for table in TABLES:
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            con.execute(
                "INSERT INTO experiment_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    experiment_id,
                    run_id,
                    int(row.get("point", 0)),
                    int(row.get("replicate", 0)),
                    str(row.get("arm", "run")),
                    int(row["seed"]),
                    json.dumps(list(row.get("overrides", ()))),
                    to_json(row.get("params", {})),
                    str(row.get("scenario_hash", "")),
                    "failed" if error else "done",
                    error,
                ],
            )
            if figures:
                names = sorted(figures)
                self._append(
                    "run_metrics",
                    {
                        "experiment_id": pa.array([experiment_id] * len(names)),
                        "run_id": pa.array([run_id] * len(names)),
                        "metric": pa.array(names),
                        "value": pa.array([float(figures[k]) for k in names], type=pa.float64()),
                    },
                )
            if results is not None:
                insert_run(con, results, run_id, wall_s=wall_s)
            elif series:
                self._append("timeseries", _series_columns(run_id, series))
            con.execute("INSERT INTO run_timings VALUES (?, ?, ?, ?)", [experiment_id, run_id, wall_s, _now()])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _append(self, table: str, columns: Mapping[str, pa.Array]) -> None:
        data = pa.table(dict(columns))
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        self.con.register("_scslab_exp", data)
        try:
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _scslab_exp")
        finally:
            self.con.unregister("_scslab_exp")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ExperimentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _series_columns(run_id: str, series: Mapping[str, np.ndarray]) -> dict[str, pa.Array]:
    names = sorted(k for k, v in series.items() if np.asarray(v).ndim == 1)
    days = [np.arange(len(series[k]), dtype=np.int32) for k in names]
    values = [np.asarray(series[k], dtype=np.float64) for k in names]
    total = sum(len(d) for d in days)
    value = np.concatenate(values) if values else np.zeros(0)
    return {
        "run_id": pa.array([run_id] * total, type=pa.string()),
        "day": pa.array(np.concatenate(days) if days else np.zeros(0, np.int32)),
        "metric": pa.array(np.repeat(np.array(names, dtype=object), [len(d) for d in days]).tolist(), type=pa.string()),
        "value": pa.array(value, mask=np.isnan(value)),
    }


def write_sensitivity(out_dir: Path | str, experiment_id: str, method: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace an experiment's sensitivity indices (metric, parameter, index, value, conf)."""
    with ExperimentStore(out_dir) as st:
        st.con.execute("BEGIN TRANSACTION")
        st.con.execute(
            "DELETE FROM sensitivity_indices WHERE experiment_id = ? AND method = ?", [experiment_id, method]
        )
        for r in rows:
            st.con.execute(
                "INSERT INTO sensitivity_indices VALUES (?, ?, ?, ?, ?, ?, ?)",
                [experiment_id, method, r["metric"], r["parameter"], r["index"], r["value"], r.get("conf")],
            )
        st.con.execute("COMMIT")


# ------------------------------------------------------------------------ reading


def _read(out_dir: Path | str) -> duckdb.DuckDBPyConnection:
    return connect(out_dir, read_only=True)


def find_experiment(out_dir: Path | str, kind: str | None = None) -> str:
    """The newest experiment's id in a folder (of one kind, if given)."""
    con = _read(out_dir)
    try:
        q = "SELECT experiment_id FROM experiments"
        args: list[Any] = []
        if kind:
            q += " WHERE kind = ?"
            args.append(kind)
        row = con.execute(q + " ORDER BY created_at DESC, experiment_id LIMIT 1", args).fetchone()
    finally:
        con.close()
    if row is None:
        raise KeyError(f"no {kind or ''} experiment in {db_path(out_dir)}".replace("  ", " "))
    return str(row[0])


def experiment_runs(out_dir: Path | str, experiment_id: str) -> pd.DataFrame:
    """One row per run of an experiment (ordered by point, replicate, arm)."""
    con = _read(out_dir)
    try:
        return con.execute(
            "SELECT * FROM experiment_runs WHERE experiment_id = ? ORDER BY point, replicate, arm", [experiment_id]
        ).df()
    finally:
        con.close()


def experiment_metrics(out_dir: Path | str, experiment_id: str, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Tidy (point, replicate, arm, seed, run_id, metric, value) rows of an experiment's done runs."""
    con = _read(out_dir)
    try:
        q = """SELECT r.point, r.replicate, r.arm, r.seed, r.run_id, r.params_json, m.metric, m.value
               FROM experiment_runs r JOIN run_metrics m USING (experiment_id, run_id)
               WHERE r.experiment_id = ? AND r.status = 'done'"""
        args: list[Any] = [experiment_id]
        names = list(metrics) if metrics is not None else None
        if names is not None:
            q += " AND list_contains(?, m.metric)"
            args.append(names)
        return con.execute(q + " ORDER BY r.point, r.replicate, r.arm, m.metric", args).df()
    finally:
        con.close()
