"""One stored run's credit-file tables held in memory, so a look-up sends no SQL at all.

Why: every DuckDB query costs 1.5-4 ms of CPU however little it finds (planning and
optimising it is most of that; measured on the 1 M-person rongcheng run, docs/performance.md),
and a credit file needs one to five of them. Twenty clients on two cores then queue for
hundreds of milliseconds. A server reads a run's ``subjects``, ``records``, ``list_spells``
and ``sanctions`` once, as NumPy columns sorted by the key a credit file looks them up by,
and answers each look-up with a binary search and a few array reads: tens of microseconds.

Only the rows a look-up returns become Python objects, and they are the very values
DuckDB's ``fetchall`` gives (``int``, ``float``, ``bool``, ``str``, ``list``, ``None``), so
the credit file is the same, key for key and byte for byte, as the one read with queries
(``tests/test_credit_tables.py`` compares the two for every subject of a run).

Memory: about 60-80 bytes per subject and per row of the other tables (a 1 M-person
rongcheng year: about 80 MB). A run whose tables would not fit the caller's budget is not
loaded (:meth:`CreditTables.estimate_bytes` says before anything is read); the caller then
answers with queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import duckdb
import numpy as np
import pyarrow as pa

__all__ = ["CreditTables", "MemoryTable"]

#: a string column with more distinct values than this share of its rows is kept as UTF-8 bytes
#: and offsets (ids); fewer, as codes into a list of labels (names of lists, measures, sources)
_DISTINCT_SHARE = 0.05
#: bytes per row assumed before a table is read, above what was measured (rongcheng 1 M persons:
#: subjects 60, records 80; spells and measures carry lists of record ids)
_BYTES_PER_ROW = {"subjects": 80, "records": 112, "list_spells": 320, "sanctions": 320}

_Column = Callable[[np.ndarray], list[Any]]


def _nulls(arr: pa.Array) -> np.ndarray | None:
    if arr.null_count == 0:
        return None
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _with_nulls(values: _Column, mask: np.ndarray | None) -> _Column:
    if mask is None:
        return values

    def read(idx: np.ndarray) -> list[Any]:
        return [None if m else v for v, m in zip(values(idx), mask[idx].tolist())]

    return read


def _column(arr: pa.Array) -> tuple[_Column, int]:
    """A reader ``rows -> [python value per row]`` for one column, and the bytes it holds."""
    mask = _nulls(arr)
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        fill: Any = False if pa.types.is_boolean(t) else 0
        values = np.asarray(arr.fill_null(fill).to_numpy(zero_copy_only=False))
        return _with_nulls(lambda idx: values[idx].tolist(), mask), values.nbytes + (0 if mask is None else mask.size)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(t) else arr
        codes_arr = arr.dictionary_encode()
        labels = codes_arr.dictionary.to_pylist() or [None]  # all NULL: codes are 0 and masked
        if len(labels) <= max(256, _DISTINCT_SHARE * len(arr)):
            codes = np.asarray(codes_arr.indices.fill_null(0).to_numpy(zero_copy_only=False))
            codes = codes.astype(np.min_scalar_type(max(len(labels) - 1, 0)))
            return _with_nulls(lambda idx: [labels[c] for c in codes[idx].tolist()], mask), codes.nbytes
        # many distinct values (subject ids): the UTF-8 bytes and their offsets, decoded per row read
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr) + 1, offset=8 * arr.offset)
        data = bytes(arr.buffers()[2] or b"")
        bounds = offsets.tolist()

        def strings(idx: np.ndarray) -> list[Any]:
            return [data[bounds[i] : bounds[i + 1]].decode() for i in idx.tolist()]

        return _with_nulls(strings, mask), len(data) + offsets.nbytes
    # lists (decisive_records) and anything else: Python values (these tables are small)
    py = arr.to_pylist()
    return (
        lambda idx: [None if (v := py[i]) is None else (list(v) if isinstance(v, list) else v) for i in idx.tolist()]
    ), (64 * len(py))


class MemoryTable:
    """One table's rows in memory, read back as DuckDB's ``fetchall`` would give them (dicts in column order)."""

    def __init__(self, table: pa.Table) -> None:
        self.names = list(table.column_names)
        self.n = table.num_rows
        self._columns: list[_Column] = []
        self.nbytes = 0
        for name in self.names:
            read, size = _column(table.column(name).combine_chunks())
            self._columns.append(read)
            self.nbytes += size

    def rows(self, positions: Iterable[int] | np.ndarray) -> list[dict[str, Any]]:
        idx = np.asarray(positions, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            return []
        values = [read(idx) for read in self._columns]
        return [dict(zip(self.names, row)) for row in zip(*values)]


class _Key:
    """Rows of a table found by one integer column: the sorted keys and the positions they came from."""

    def __init__(self, keys: np.ndarray, positions: np.ndarray | None = None) -> None:
        self.keys = keys  # sorted
        self.positions = positions  # None: the table itself is sorted by this key

    @classmethod
    def of(cls, column: np.ndarray, *, sorted_already: bool = False) -> _Key:
        if sorted_already:
            return cls(column)
        order = np.argsort(column, kind="stable")
        return cls(column[order], order)

    def find(self, key: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.keys, key, "left"), np.searchsorted(self.keys, key, "right")
        if self.positions is None:
            return np.arange(lo, hi, dtype=np.int64)
        return self.positions[lo:hi]

    def find_many(self, keys: Iterable[int]) -> np.ndarray:
        parts = [self.find(int(k)) for k in sorted(set(keys))]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + (0 if self.positions is None else self.positions.nbytes)


def _sorted_ids(ids: pa.Array) -> np.ndarray:
    """Subject ids (sorted by DuckDB, byte order) as one NumPy array to binary-search.

    Ids of one length (citizen ids and credit codes are all 18 characters) are the Arrow
    buffer itself seen as fixed-width bytes: no Python string per subject. Others are
    Python strings (same order: code points sort as their UTF-8 bytes do).
    """
    ids = ids.cast(pa.large_string())
    lengths = np.diff(np.frombuffer(ids.buffers()[1], dtype=np.int64, count=len(ids) + 1, offset=8 * ids.offset))
    width = int(lengths[0]) if len(lengths) else 0
    if ids.null_count == 0 and width > 0 and bool((lengths == width).all()) and ids.buffers()[2] is not None:
        start = int(np.frombuffer(ids.buffers()[1], dtype=np.int64, count=1, offset=8 * ids.offset)[0])
        raw = np.frombuffer(ids.buffers()[2], dtype=np.uint8, count=width * len(ids), offset=start)
        if not (raw == 0).any():
            return raw.view(f"S{width}").copy()
    return np.array(ids.to_pylist(), dtype=object)


def _ints(table: pa.Table, name: str, null: int = -1) -> np.ndarray:
    col = table.column(name).combine_chunks().cast(pa.int64())
    return np.asarray(col.fill_null(null).to_numpy(zero_copy_only=False), dtype=np.int64)


class CreditTables:
    """Everything a credit file reads from one run, in memory (see the module docstring).

    The methods are the credit file's look-ups, each answering what its SQL counterpart in
    ``store/inspect.py`` answers, in the same order.
    """

    #: (table, ORDER BY that groups its rows by the look-up key, as the queries order them)
    TABLES: ClassVar[dict[str, str]] = {
        "records": "subject, day, record_id",
        "list_spells": "subject, start, spell_id",
        "sanctions": "target NULLS LAST, start, sanction_id",
    }

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        cur = con.cursor()  # its own cursor: whatever the caller's connection has pending stays as it is
        try:
            self._read(cur, run_id)
        finally:
            cur.close()

    def _read(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        def read(sql: str) -> pa.Table:
            return con.sql(sql, params=[run_id]).to_arrow_table()

        subjects = read('SELECT * FROM subjects WHERE run_id = ? ORDER BY "subject"')
        by_id = read("SELECT id, subject FROM subjects WHERE run_id = ? ORDER BY id")
        # the id is the one searched for: kept once, sorted, not in the table as well
        self._subject_columns = list(subjects.column_names)
        self.subjects = MemoryTable(subjects.drop_columns(["id"]))
        index = _ints(subjects, "subject")
        positional = bool((index == np.arange(index.size)).all())
        self._subject_pos = None if positional else _Key(index)  # subjects are sorted by index
        self._ids = _sorted_ids(by_id.column("id").combine_chunks())
        self._id_subject = _ints(by_id, "subject").astype(np.int32)
        tables = {
            name: read(f"SELECT * EXCLUDE (run_id) FROM {name} WHERE run_id = ? ORDER BY {order}")
            for name, order in self.TABLES.items()
        }
        self.records = MemoryTable(tables["records"])
        self.spells = MemoryTable(tables["list_spells"])
        self.sanctions = MemoryTable(tables["sanctions"])
        self._records_of = _Key.of(_ints(tables["records"], "subject"), sorted_already=True)
        self._record_by_id = _Key.of(_ints(tables["records"], "record_id"))
        self._spells_of = _Key.of(_ints(tables["list_spells"], "subject"), sorted_already=True)
        self._spell_by_id = _Key.of(_ints(tables["list_spells"], "spell_id"))
        targets = _ints(tables["sanctions"], "target", null=np.iinfo(np.int64).max)  # NULLS LAST, as sorted
        self._sanction_target = targets
        self._sanctions_on = _Key.of(targets, sorted_already=True)
        self._sanctions_from = _Key.of(_ints(tables["sanctions"], "spell_id", null=-1))
        self._sanction_start = _ints(tables["sanctions"], "start")
        self._sanction_id = _ints(tables["sanctions"], "sanction_id")
        self.nbytes = (
            self.subjects.nbytes
            + self.records.nbytes
            + self.spells.nbytes
            + self.sanctions.nbytes
            + (self._ids.nbytes if self._ids.dtype.kind == "S" else 64 * len(self._ids))
            + self._id_subject.nbytes
            + (0 if self._subject_pos is None else self._subject_pos.nbytes)
            + sum(k.nbytes for k in (self._records_of, self._record_by_id, self._spells_of, self._spell_by_id))
            + sum(a.nbytes for a in (self._sanction_target, self._sanction_start, self._sanction_id))
            + self._sanctions_from.nbytes
        )

    @staticmethod
    def estimate_bytes(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
        """About how much memory the run's tables would take, from their row counts (nothing else is read)."""
        sql = " + ".join(f"{b} * (SELECT count(*) FROM {t} WHERE run_id = $1)" for t, b in _BYTES_PER_ROW.items())
        cur = con.cursor()
        try:
            ((rows,),) = cur.execute(f"SELECT {sql}", [run_id]).fetchall()
        finally:
            cur.close()
        return int(rows)

    # ------------------------------------------------------------------ the look-ups
    def subject(self, subject_id: str) -> dict[str, Any] | None:
        """The subject's row (every column, ``run_id`` included, as ``SELECT *``), or None."""
        key: Any = subject_id.encode() if self._ids.dtype.kind == "S" else subject_id
        k = int(np.searchsorted(self._ids, key))
        if k >= len(self._ids) or self._ids[k] != key or b"\0" in subject_id.encode():
            return None
        i = int(self._id_subject[k])
        pos = np.array([i]) if self._subject_pos is None else self._subject_pos.find(i)[:1]
        rows = self.subjects.rows(pos)
        if not rows:
            return None
        row = rows[0]
        return {c: subject_id if c == "id" else row[c] for c in self._subject_columns}

    def records_of(self, subject: int) -> list[dict[str, Any]]:
        return self.records.rows(self._records_of.find(subject))

    def spells_of(self, subject: int) -> list[dict[str, Any]]:
        return self.spells.rows(self._spells_of.find(subject))

    def sanctions_on(self, subject: int) -> list[dict[str, Any]]:
        return self.sanctions.rows(self._sanctions_on.find(subject))

    def sanctioned(self, spell_ids: set[int]) -> set[int]:
        """Those of ``spell_ids`` that some measure follows from."""
        return {i for i in spell_ids if self._sanctions_from.find(i).size}

    def sanctions_from(self, spell_ids: set[int], not_target: int) -> list[dict[str, Any]]:
        """Measures that follow from these spells and reach another subject, by start and id."""
        pos = self._sanctions_from.find_many(spell_ids)
        target = self._sanction_target[pos]
        pos = pos[(target != not_target) & (target != np.iinfo(np.int64).max)]  # SQL: target <> ?, NULL never
        pos = pos[np.lexsort((self._sanction_id[pos], self._sanction_start[pos]))]
        return self.sanctions.rows(pos)

    def spells_by_id(self, spell_ids: set[int]) -> list[dict[str, Any]]:
        return self.spells.rows(self._spell_by_id.find_many(spell_ids))

    def records_by_id(self, record_ids: set[int]) -> list[dict[str, Any]]:
        return self.records.rows(self._record_by_id.find_many(record_ids))
