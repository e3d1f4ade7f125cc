"""DuckDB results database: one file per output folder, many runs per file.

Why DuckDB: a run of ten million records must be queryable (SQL, Parquet, pandas) without
loading it into Python objects. Tables are built as Arrow tables whose coded columns are
Arrow *dictionary* arrays (codes + labels), so decoding costs nothing until DuckDB casts them
to VARCHAR inside its own vectorised engine; nothing is inserted row by row.

Conventions: every table has ``run_id``; ``*_id`` row-index columns are the positions in the
engine's arrays (``record_id`` = index into ``Results.records``); engine sentinels ``-1``
(still open, no cause, no grade, no sex for a firm) become SQL ``NULL``; NaN scores
become ``NULL``.
A run is written inside one transaction, so a failure leaves no partial run behind.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from scslab.codes import END_REASONS, HUKOU, RECORD_STATUS, REGION, SEVERITIES, SEX, SUBJECT_DTYPES, SUBJECT_TYPES, VIA
from scslab.engine.results import Results
from scslab.population.ids import IdColumn

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DB_NAME",
    "SCHEMA_VERSION",
    "SUBJECT_FIXED",
    "TABLES",
    "ResultsError",
    "check_database",
    "connect",
    "count_rows",
    "db_path",
    "ensure_schema",
    "export_parquet",
    "insert_run",
    "latest_run_id",
    "list_runs",
    "to_json",
    "write_run",
]

DB_NAME = "results.duckdb"

_DDL: dict[str, str] = {
    "runs": """run_id VARCHAR PRIMARY KEY, name VARCHAR, description VARCHAR, seed BIGINT,
        days INTEGER, persons BIGINT, orgs BIGINT, scale DOUBLE, created_at TIMESTAMP,
        wall_s DOUBLE, scenario_json VARCHAR, summary_json VARCHAR, indicators_json VARCHAR""",
    "timeseries": "run_id VARCHAR, day INTEGER, metric VARCHAR, value DOUBLE",
    "records": """run_id VARCHAR, record_id BIGINT, subject INTEGER, subject_id VARCHAR,
        domain VARCHAR, behaviour VARCHAR, source VARCHAR, day INTEGER, points DOUBLE,
        happened BOOLEAN, severity VARCHAR, status VARCHAR, end_day INTEGER""",
    "list_spells": """run_id VARCHAR, spell_id BIGINT, subject INTEGER, subject_id VARCHAR,
        list VARCHAR, list_type VARCHAR, start INTEGER, end_day INTEGER, cause_record BIGINT,
        end_reason VARCHAR, wrongful BOOLEAN, decisive_records BIGINT[]""",
    "sanctions": """run_id VARCHAR, sanction_id BIGINT, target INTEGER, target_id VARCHAR,
        measure VARCHAR, kind VARCHAR, agency VARCHAR, category VARCHAR, spell_id BIGINT,
        start INTEGER, end_day INTEGER, via VARCHAR, wrongful BOOLEAN, decisive_records BIGINT[],
        origin_subject INTEGER, origin_subject_id VARCHAR, origin_record BIGINT, depth TINYINT""",
    "subjects": """run_id VARCHAR, subject INTEGER, id VARCHAR, type VARCHAR, sex TINYINT,
        urban TINYINT, migrant TINYINT, "group" VARCHAR, income0 DOUBLE, income DOUBLE,
        score DOUBLE, grade VARCHAR, sex_label VARCHAR, region VARCHAR, hukou VARCHAR""",
    # what the modules declared (engine/module.py ResultSpec), their per-run figures (JSON)
    # and their per-subject columns (long form: new columns need no schema change)
    "declared": """run_id VARCHAR, name VARCHAR, module VARCHAR, kind VARCHAR, unit VARCHAR,
        description VARCHAR, dtype VARCHAR, every INTEGER""",
    "figures": "run_id VARCHAR, name VARCHAR, value_json VARCHAR",
    "subject_values": "run_id VARCHAR, subject INTEGER, name VARCHAR, value DOUBLE",
}
TABLES: tuple[str, ...] = tuple(_DDL)
_ADDED = (
    ("list_spells", "decisive_records", "BIGINT[]"),
    ("sanctions", "decisive_records", "BIGINT[]"),
    ("sanctions", "origin_subject", "INTEGER"),
    ("sanctions", "origin_subject_id", "VARCHAR"),
    ("sanctions", "origin_record", "BIGINT"),
    ("sanctions", "depth", "TINYINT"),
    # labels of the 0/1 codes sex, urban and migrant (the codes stay for existing queries)
    ("subjects", "sex_label", "VARCHAR"),
    ("subjects", "region", "VARCHAR"),
    ("subjects", "hukou", "VARCHAR"),
)


def count_rows(con: duckdb.DuckDBPyConnection, sql: str, args: list[Any]) -> int:
    """The single number a ``SELECT count(*) ...`` returns (0 if it returns no row)."""
    row = con.execute(sql, args).fetchone()
    return int(row[0]) if row else 0


def db_path(out_dir: Path | str) -> Path:
    """The database file for an output folder (a path ending in ``.duckdb`` is taken as is)."""
    p = Path(out_dir)
    return p if p.suffix == ".duckdb" else p / DB_NAME


SCHEMA_VERSION = 1  # of the tables above; stored in scslab_meta, checked on every open
_META = "scslab_meta"
# A results folder may come from someone else: never let opening it fetch or load code.
SAFE_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}


class ResultsError(Exception):
    """A results database that cannot be used (damaged, not DuckDB, not scslab's, newer schema)."""


def _columns(ddl: str) -> list[str]:
    return [part.split()[0].strip('"') for part in ddl.replace("\n", " ").split(",") if part.strip()]


def _check_header(path: Path) -> None:
    """Refuse files that are not DuckDB databases before DuckDB sees them (it would try to
    load a reader extension for a SQLite file)."""
    try:
        if not path.is_file():
            raise ResultsError(f"{path}: not a regular file")
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise ResultsError(f"{path}: cannot read ({e.strerror or e})") from None
    if not head:
        raise ResultsError(f"{path}: empty file, not a results database (delete it or choose another --out)")
    if head.startswith(b"SQLite format 3"):
        raise ResultsError(f"{path}: a SQLite database, not a DuckDB results database")
    if len(head) < 12 or head[8:12] != b"DUCK":
        raise ResultsError(f"{path}: not a DuckDB database (damaged, truncated or another kind of file)")


def check_database(con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
    """An open database must be empty or scslab's: known schema version, run tables with their columns."""
    try:
        have = {
            (t, c)
            for t, c in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
            ).fetchall()
        }
        tables = {t for t, _ in have}
        if not tables:
            return
        if _META in tables:
            row = con.execute(f"SELECT value FROM {_META} WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row and str(row[0]).isdigit() else None
            if version is None:
                raise ResultsError(f"{path}: damaged results database (no schema version in {_META})")
            if version > SCHEMA_VERSION:
                raise ResultsError(
                    f"{path}: written by a newer scslab (schema version {version}; this one reads {SCHEMA_VERSION})"
                )
        if "runs" not in tables:
            has = ", ".join(sorted(tables))
            raise ResultsError(f"{path}: not a scslab results database (no 'runs' table; has {has})")
        for name, ddl in _DDL.items():
            if name in tables:
                added = {c for t, c, _ in _ADDED if t == name}  # older databases gain these on write
                missing = [c for c in _columns(ddl) if (name, c) not in have and c not in added]
                if missing:
                    raise ResultsError(f"{path}: table {name!r} lacks column(s) {', '.join(missing)} (not this schema)")
    except duckdb.Error as e:
        raise ResultsError(f"{path}: damaged results database ({_first_line(e)})") from None


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]


def connect(out_dir: Path | str, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the results database; reading a missing database is an error, not a new file.

    Extension autoloading and autoinstalling are off, the file's header and schema are checked:
    a damaged, foreign or newer database raises :class:`ResultsError` saying what is wrong.
    """
    path = db_path(out_dir)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no results database at {path} (run a scenario with --out first)")
    existed = path.exists() or path.is_symlink()
    if existed:
        _check_header(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=dict(SAFE_CONFIG))
    except duckdb.Error as e:
        raise ResultsError(f"{path}: cannot open the results database ({_first_line(e)})") from None
    try:
        check_database(con, path)
    except BaseException:
        con.close()
        raise
    return con


def to_json(obj: Any, *, sort_keys: bool = True) -> str:
    """Canonical JSON (sorted keys, NumPy values as Python) so identical inputs give identical text;
    ``sort_keys=False`` keeps the order of a summary's maps (the order is meaning there)."""

    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        if isinstance(o, Path):
            return str(o)
        return str(o)

    return json.dumps(obj, sort_keys=sort_keys, default=default, allow_nan=True)


# ---------------------------------------------------------------------------------- columns
def _nrows(table: dict[str, np.ndarray], name: str) -> int:
    """Common column length; unequal lengths are a bug upstream and must not be stored."""
    lengths = {k: len(v) for k, v in table.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{name}: columns have unequal lengths {lengths}")
    return next(iter(lengths.values()), 0)


def _ints(table: dict, key: str, n: int, dtype: Any, *, null_negative: bool = False) -> pa.Array:
    """An integer column; missing columns become NULL, ``-1`` sentinels NULL if asked."""
    if key not in table:
        return pa.nulls(n, pa.from_numpy_dtype(np.dtype(dtype)))
    a = np.asarray(table[key]).astype(dtype, copy=False)
    return pa.array(a, mask=(a < 0) if null_negative else None)


def _floats(table: dict, key: str, n: int) -> pa.Array:
    if key not in table:
        return pa.nulls(n, pa.float64())
    a = np.asarray(table[key], dtype=np.float64)
    return pa.array(a, mask=np.isnan(a))


def _bools(table: dict, key: str, n: int) -> pa.Array:
    if key not in table:
        return pa.nulls(n, pa.bool_())
    return pa.array(np.asarray(table[key], dtype=bool))


def _decode(codes: Any, labels: Sequence[str] | np.ndarray | pa.Array | _Ids | None, n: int) -> pa.Array:
    """Codes -> labels as a dictionary array; out-of-range or negative codes become NULL.

    Missing label lists fall back to the code as text, so an engine that forgets a name
    still produces a readable (if ugly) table instead of a crash.
    """
    if codes is None:
        return pa.nulls(n, pa.string())
    c = np.asarray(codes)
    if c.dtype.kind != "i" or c.dtype.itemsize > 4:  # Arrow indices: signed, at most 32 bits here
        c = c.astype(np.int32)
    if labels is None:
        top = int(c.max()) + 1 if c.size else 0
        labels = [str(i) for i in range(max(top, 0))]
    if isinstance(labels, _Ids):
        return labels.decode(c)
    dictionary = labels if isinstance(labels, pa.Array) else _strings(labels)
    bad = (c < 0) | (c >= len(dictionary))
    if bad.any():
        idx = pa.array(np.where(bad, 0, c).astype(c.dtype, copy=False), mask=bad)
    else:
        idx = pa.array(c)  # zero-copy: codes are used as dictionary indices as they are
    return pa.DictionaryArray.from_arrays(idx, dictionary)


class _Ids:
    """The subjects' synthetic ids, converted to Arrow only where a table names them.

    A table of records or sanctions names a few of a million subjects: its dictionary holds
    just those ids (DuckDB reads a dictionary whole, so a full one would cost the memory of
    every id for every table), and the subjects table converts its rows chunk by chunk.
    """

    def __init__(self, ids: np.ndarray | IdColumn) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, lo: int, hi: int) -> pa.Array:
        return _strings(self.ids[lo:hi])

    def decode(self, codes: np.ndarray) -> pa.Array:
        """Subject indices -> their ids, as a dictionary array of only the ids used."""
        c = np.asarray(codes, np.int64)
        bad = (c < 0) | (c >= len(self.ids))
        used, inv = np.unique(np.where(bad, 0, c), return_inverse=True)
        idx = pa.array(inv.astype(np.int32).reshape(-1), mask=bad if bad.any() else None)
        return pa.DictionaryArray.from_arrays(idx, _strings(self.ids[used]))


#: rows of the per-subject tables converted and inserted at a time (bounds the write's memory)
CHUNK_ROWS = 1 << 18


def _strings(values: Any) -> pa.Array:
    """Labels or ids as an Arrow string array (NumPy unicode arrays convert without Python objects)."""
    a = np.asarray(values)
    if a.dtype.kind not in "UST":  # T: NumPy's variable-width StringDType
        a = a.astype(str)
    return pa.array(a, type=pa.string())


def _records(r: Results, ids: _Ids | None) -> pa.Table:
    t, names = r.records, r.names
    n = _nrows(t, "records")
    return pa.table(
        {
            "record_id": pa.array(np.arange(n, dtype=np.int64)),
            "subject": _ints(t, "subject", n, np.int32),
            "subject_id": _decode(t.get("subject"), ids, n),
            "domain": _decode(t.get("domain"), names.get("domain"), n),
            "behaviour": _decode(t.get("behaviour"), names.get("behaviour"), n),
            "source": _decode(t.get("source"), names.get("source"), n),
            "day": _ints(t, "day", n, np.int32),
            "points": _floats(t, "points", n),
            "happened": _bools(t, "true", n),
            "severity": _decode(t.get("severity"), names.get("severity", SEVERITIES), n),
            "status": _decode(t.get("status"), names.get("record_status", RECORD_STATUS), n),
            "end_day": _ints(t, "end_day", n, np.int32, null_negative=True),
        }
    )


def _decisive(r: Results, spells: int) -> pa.Array:
    """Per spell, the ids of the false records decisive for it (empty unless wrongful)."""
    d = r.decisive
    spell = np.asarray(d.get("spell", np.zeros(0)), np.int64)
    record = np.asarray(d.get("record", np.zeros(0)), np.int64)
    o = np.lexsort((record, spell))
    counts = np.bincount(spell, minlength=spells)[:spells] if spell.size else np.zeros(spells, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(record[o], type=pa.int64()))


def _list_spells(r: Results, ids: _Ids | None) -> pa.Table:
    t, names = r.list_spells, r.names
    n = _nrows(t, "list_spells")
    return pa.table(
        {
            "spell_id": pa.array(np.arange(n, dtype=np.int64)),
            "subject": _ints(t, "subject", n, np.int32),
            "subject_id": _decode(t.get("subject"), ids, n),
            "list": _decode(t.get("list"), names.get("list"), n),
            "list_type": _decode(t.get("list"), names.get("list_type"), n),
            "start": _ints(t, "start", n, np.int32),
            "end_day": _ints(t, "end", n, np.int32, null_negative=True),
            "cause_record": _ints(t, "cause_record", n, np.int64, null_negative=True),
            "end_reason": _decode(t.get("end_reason"), names.get("end_reason", END_REASONS), n),
            "wrongful": _bools(t, "wrongful", n),
            "decisive_records": _decisive(r, n),
        }
    )


def _sanctions(r: Results, ids: _Ids | None) -> pa.Table:
    t, names = r.sanctions, r.names
    n = _nrows(t, "sanctions")
    m = t.get("measure")
    return pa.table(
        {
            "sanction_id": pa.array(np.arange(n, dtype=np.int64)),
            "target": _ints(t, "target", n, np.int32),
            "target_id": _decode(t.get("target"), ids, n),
            "measure": _decode(m, names.get("measure"), n),
            "kind": _decode(m, names.get("measure_kind"), n),
            "agency": _decode(m, names.get("measure_agency"), n),
            "category": _decode(m, names.get("measure_category"), n),
            "spell_id": _ints(t, "spell", n, np.int64, null_negative=True),
            "start": _ints(t, "start", n, np.int32),
            "end_day": _ints(t, "end", n, np.int32, null_negative=True),
            "via": _decode(t.get("via"), names.get("via", VIA), n),
            "wrongful": _bools(t, "wrongful", n),
            "decisive_records": _sanction_decisive(r, t, n),
            "origin_subject": _ints(t, "origin_subject", n, np.int32, null_negative=True),
            "origin_subject_id": _decode(t.get("origin_subject"), ids, n),
            "origin_record": _ints(t, "origin_record", n, np.int64, null_negative=True),
            "depth": _ints(t, "depth", n, np.int8),
        }
    )


def _sanction_decisive(r: Results, t: dict, n: int) -> pa.Array:
    """A sanction's decisive false records are those of the spell it follows from."""
    spells = _nrows(r.list_spells, "list_spells") if r.list_spells else 0
    per_spell = _decisive(r, spells)
    sp = np.asarray(t.get("spell", np.full(n, -1)), np.int64)
    ok = (sp >= 0) & (sp < spells)
    return per_spell.take(pa.array(np.where(ok, sp, 0), mask=~ok)) if n else pa.array([], pa.list_(pa.int64()))


def _subjects(r: Results, ids: _Ids | None) -> Iterator[pa.Table]:
    n = _nrows(r.subjects, "subjects")
    for lo in range(0, max(n, 1), CHUNK_ROWS):
        yield _subject_rows(r, ids, lo, min(n, lo + CHUNK_ROWS))


def _subject_rows(r: Results, ids: _Ids | None, lo: int, hi: int) -> pa.Table:
    t = {k: v[lo:hi] for k, v in r.subjects.items()}
    names = r.names
    n = hi - lo
    return pa.table(
        {
            "subject": pa.array(np.arange(lo, hi, dtype=np.int32)),
            "id": ids.rows(lo, hi) if ids is not None else pa.nulls(n, pa.string()),
            "type": _decode(t.get("type"), names.get("subject_type", SUBJECT_TYPES), n),
            "sex": _ints(t, "sex", n, np.int8, null_negative=True),
            "urban": _ints(t, "urban", n, np.int8, null_negative=True),
            "migrant": _ints(t, "migrant", n, np.int8, null_negative=True),
            "group": _decode(t.get("group"), names.get("group"), n),
            "income0": _floats(t, "income0", n),
            "income": _floats(t, "income", n),
            "score": _floats(t, "score", n),
            "grade": _decode(t.get("grade"), names.get("grade"), n),
            "sex_label": _decode(t.get("sex"), names.get("sex", SEX), n),
            "region": _decode(t.get("urban"), names.get("region", REGION), n),
            "hukou": _decode(t.get("migrant"), names.get("hukou", HUKOU), n),
        }
    )


def _timeseries(r: Results, ids: _Ids | None = None) -> pa.Table:
    """Long form (day, metric, value): new metrics need no schema change."""
    metrics, days, values = [], [], []
    for name in sorted(r.series):
        a = np.asarray(r.series[name])
        if a.dtype.kind not in "biuf" or a.ndim == 0:
            continue
        cols = (
            [(name, a)]
            if a.ndim == 1
            else [(f"{name}[{j}]", a.reshape(len(a), -1)[:, j]) for j in range(a.reshape(len(a), -1).shape[1])]
        )
        for metric, col in cols:
            metrics.append((metric, len(col)))
            days.append(np.arange(len(col), dtype=np.int32))
            values.append(col.astype(np.float64))
    labels = [m for m, _ in metrics]
    codes = np.repeat(np.arange(len(labels), dtype=np.int32), [k for _, k in metrics])
    value = np.concatenate(values) if values else np.zeros(0)
    return pa.table(
        {
            "day": pa.array(np.concatenate(days) if days else np.zeros(0, np.int32)),
            "metric": _decode(codes, labels, len(codes)),
            "value": pa.array(value, mask=np.isnan(value)),
        }
    )


#: The fixed columns of ``Results.subjects``; any other column is a declared one.
SUBJECT_FIXED = frozenset({"id", *SUBJECT_DTYPES})


def _declared(r: Results, ids: _Ids | None = None) -> pa.Table:
    d = r.declared
    return pa.table(
        {
            "name": pa.array([x["name"] for x in d], pa.string()),
            "module": pa.array([x["module"] for x in d], pa.string()),
            "kind": pa.array([x["kind"] for x in d], pa.string()),
            "unit": pa.array([x["unit"] for x in d], pa.string()),
            "description": pa.array([x["description"] for x in d], pa.string()),
            "dtype": pa.array([x["dtype"] for x in d], pa.string()),
            "every": pa.array([int(x["every"]) for x in d], pa.int32()),
        }
    )


def _figures(r: Results, ids: _Ids | None = None) -> pa.Table:
    names = sorted(r.figures)
    return pa.table(
        {
            "name": pa.array(names, pa.string()),
            "value_json": pa.array([to_json(r.figures[k], sort_keys=False) for k in names], pa.string()),
        }
    )


def _subject_values(r: Results, ids: _Ids | None = None) -> Iterator[pa.Table]:
    """Long form (subject, name, value), column after column, a chunk of subjects at a time."""
    cols = sorted(k for k in r.subjects if k not in SUBJECT_FIXED)
    names = _strings(cols)
    for j, k in enumerate(cols):
        col = r.subjects[k]
        for lo in range(0, len(col), CHUNK_ROWS):
            value = np.asarray(col[lo : lo + CHUNK_ROWS], np.float64)
            codes = pa.array(np.full(value.size, j, np.int32))
            yield pa.table(
                {
                    "subject": pa.array(np.arange(lo, lo + value.size, dtype=np.int32)),
                    "name": pa.DictionaryArray.from_arrays(codes, names),
                    "value": pa.array(value, mask=np.isnan(value)),
                }
            )


_BUILDERS = {
    "timeseries": _timeseries,
    "records": _records,
    "list_spells": _list_spells,
    "sanctions": _sanctions,
    "subjects": _subjects,
    "declared": _declared,
    "figures": _figures,
    "subject_values": _subject_values,
}


# ---------------------------------------------------------------------------------- writing
def _base_run_id(r: Results) -> str:
    h = hashlib.sha256(f"{to_json(r.scenario)}\n{r.seed}".encode()).hexdigest()
    return h[:12]


def _free_run_id(con: duckdb.DuckDBPyConnection, base: str) -> str:
    taken = {
        row[0]
        for row in con.execute(
            "SELECT run_id FROM runs WHERE run_id = ? OR run_id LIKE ?", [base, base + "-%"]
        ).fetchall()
    }
    run_id, k = base, 1
    while run_id in taken:
        k += 1
        run_id = f"{base}-{k}"
    return run_id


def _insert(con: duckdb.DuckDBPyConnection, table: str, run_id: str, data: pa.Table) -> None:
    cols = ", ".join(f'"{c}"' for c in data.column_names)
    con.register("_scslab_src", data)
    try:
        con.execute(f"INSERT INTO {table} (run_id, {cols}) SELECT ?, {cols} FROM _scslab_src", [run_id])
    finally:
        con.unregister("_scslab_src")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the run tables (and the schema version) if the database does not have them yet."""
    for name, cols in _DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    con.execute(f"CREATE TABLE IF NOT EXISTS {_META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"INSERT OR IGNORE INTO {_META} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    for name, col, typ in _ADDED:  # columns added since the first schema: older databases gain them
        con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {col} {typ}")


def insert_run(con: duckdb.DuckDBPyConnection, results: Results, run_id: str, *, wall_s: float | None = None) -> None:
    """Insert one run under a given ``run_id`` on an open connection, inside the caller's
    transaction (the lab writes many runs into one database, each in its own transaction)."""
    desc = results.scenario.get("description", "")
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            results.name,
            str(desc),
            int(results.seed),
            int(results.days),
            int(results.n_persons),
            int(results.n_orgs),
            float(results.scale),
            _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
            None if wall_s is None else float(wall_s),
            to_json(results.scenario),
            # in the order the run gave them: the first level of a disparity is its reference,
            # grades run from the highest band (a report rebuilt from the database reads these)
            to_json(results.summary, sort_keys=False),
            to_json(results.indicators, sort_keys=False),
        ],
    )
    raw_ids = results.subjects.get("id")
    # an IdColumn (a run's results) is read slice by slice, never converted whole
    ids = None if raw_ids is None else _Ids(raw_ids if isinstance(raw_ids, IdColumn) else np.asarray(raw_ids))
    for table, build in _BUILDERS.items():
        data = build(results, ids)  # one table (or one chunk of one) in memory at a time
        for part in [data] if isinstance(data, pa.Table) else data:
            for lo in range(0, max(part.num_rows, 1), CHUNK_ROWS):  # a whole table (records) in slices
                _insert(con, table, run_id, part.slice(lo, CHUNK_ROWS))


#: DuckDB's memory limit while a run is written into a new database, where every chunk is a
#: statement of its own (it bounds the buffer pool; the pages written can be evicted)
WRITE_MEMORY_LIMIT = "128MB"


def write_run(results: Results, out_dir: Path | str, *, wall_s: float | None = None) -> str:
    """Append one run to ``out_dir/results.duckdb`` and return its ``run_id``.

    The id is a hash of the scenario and seed (``-2``, ``-3`` ... when that run is already
    stored), so re-running the same thing is recognisable; everything but ``run_id``,
    ``created_at`` and ``wall_s`` is a pure function of ``results``.

    Either the run is stored whole or nothing is. Into an existing database it is appended in
    one transaction, which DuckDB holds in memory until it commits (about 290 bytes per
    subject at a million). A new database is written as a hidden file beside it, every chunk
    committed on its own under :data:`WRITE_MEMORY_LIMIT`, and renamed into place once
    complete, so the write's memory stays about constant with the population (issue 12.2).
    """
    path = db_path(out_dir)
    if not (path.exists() or path.is_symlink()):
        return _write_new(results, path, wall_s=wall_s)
    con = connect(out_dir, read_only=False)
    try:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        try:
            run_id = _free_run_id(con, _base_run_id(results))
            insert_run(con, results, run_id, wall_s=wall_s)
            con.execute("COMMIT")
        except BaseException:
            # an interrupt may already have aborted the transaction: never let the rollback's
            # own error hide the interrupt (or the first error)
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        return run_id
    finally:
        con.close()


def _write_new(results: Results, path: Path, *, wall_s: float | None) -> str:
    """``write_run`` into a database that does not exist yet: written whole beside it, then renamed."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # DuckDB creates the file itself
    try:
        con = duckdb.connect(str(tmp), config={**SAFE_CONFIG, "memory_limit": WRITE_MEMORY_LIMIT})
        try:
            ensure_schema(con)
            run_id = _base_run_id(results)  # a new database holds no run yet
            insert_run(con, results, run_id, wall_s=wall_s)  # autocommit: a transaction per chunk
        finally:
            con.close()  # checkpoints: the file is complete and has no write-ahead log left
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    return run_id


# ---------------------------------------------------------------------------------- reading
def latest_run_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT run_id FROM runs ORDER BY created_at DESC, run_id DESC LIMIT 1").fetchone()
    if row is None:
        raise KeyError("the results database holds no runs")
    return str(row[0])


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def export_parquet(out_dir: Path | str, run_id: str | None = None) -> list[Path]:
    """Write one Parquet file per table to ``out_dir/parquet/`` (all runs, or one run).

    Files are ``<table>.parquet`` for all runs and ``<table>-<run_id>.parquet`` for one.
    """
    out = db_path(out_dir).parent / "parquet"
    out.mkdir(parents=True, exist_ok=True)
    con = connect(out_dir)
    try:
        if run_id is not None and count_rows(con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id]) == 0:
            raise KeyError(f"no run {run_id!r} in {db_path(out_dir)}")
        where = "" if run_id is None else f" WHERE run_id = {_quote(run_id)}"
        paths = []
        for table in TABLES:
            path = out / (f"{table}.parquet" if run_id is None else f"{table}-{run_id}.parquet")
            # no ORDER BY: DuckDB keeps insertion order, and sorting 10^7 rows would dominate
            con.execute(f"COPY (SELECT * FROM {table}{where}) TO {_quote(str(path))} (FORMAT PARQUET)")
            paths.append(path)
        return paths
    finally:
        con.close()


def _summary_columns(summary_json: Iterator[str]) -> list[dict[str, Any]]:
    """Scalar headline figures of each run, for a one-line-per-run overview."""
    rows = []
    for text in summary_json:
        d = json.loads(text) if text else {}
        rows.append({k: v for k, v in d.items() if isinstance(v, (int, float, str, bool)) or v is None})
    return rows


def list_runs(out_dir: Path | str) -> pd.DataFrame:
    """One row per stored run (oldest first) with its scalar summary figures as extra columns."""
    import pandas as pd

    base = ["run_id", "name", "seed", "persons", "orgs", "days", "scale", "created_at", "wall_s"]
    if not db_path(out_dir).exists():
        return pd.DataFrame(columns=base)
    con = connect(out_dir)
    try:
        df = con.execute(f"SELECT {', '.join(base)}, summary_json FROM runs ORDER BY created_at, run_id").df()
    except duckdb.Error as e:  # a damaged block (checksum) shows only when it is read
        raise ResultsError(f"{db_path(out_dir)}: damaged results database ({_first_line(e)})") from None
    finally:
        con.close()
    extra = pd.DataFrame(_summary_columns(df.pop("summary_json")), index=df.index)
    extra = extra[[c for c in extra.columns if c not in df.columns]]
    return pd.concat([df, extra], axis=1)
