"""The runs a server keeps: one folder per run under ``OUT/runs``, read through read-only DuckDB.

Why one folder (and one database file) per run: DuckDB allows one writing process per
file, and runs are written by worker processes while the server reads others. A run's
folder appears complete or not at all (the worker renames it into place), so nothing a
reader sees is half-written, and deleting a run is deleting its folder.

Why the connections are configured the way they are: no request text ever reaches SQL
(every query here is fixed, values are bound parameters), and in addition each database
is opened read-only with external access (files, network, extensions) switched off and the
configuration locked, so even a query built wrongly could neither write nor read anything
but the run's own tables.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from scslab.store.credit_tables import CreditTables
from scslab.store.duck import count_rows
from scslab.store.inspect import RunIndex
from scslab.web.worker import write_json

__all__ = ["READ_ONLY_CONFIG", "RUN_ID", "SUBJECT_QUERY", "RunStore"]

#: what a run id looks like (folder names are checked against it before any path is built)
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: what a subject search may contain: citizen ids are digits (and X), credit codes digits and capitals
SUBJECT_QUERY = re.compile(r"^[0-9A-Za-z]{1,18}$")
READ_ONLY_CONFIG: dict[str, Any] = {
    "access_mode": "READ_ONLY",
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "memory_limit": "1GB",
    "threads": 2,
    "lock_configuration": True,
}
_OPEN_MAX = 16  # read-only connections kept open (least recently used closed first)


class RunStore:
    """The run folders under ``root`` and cached read-only connections to their databases."""

    def __init__(self, root: Path | str, *, memory_budget: int = 1 << 30) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for tmp in self.root.glob(".tmp-*"):  # a worker died while writing: never a run
            shutil.rmtree(tmp, ignore_errors=True)
        self._lock = threading.Lock()
        self._cons: OrderedDict[str, duckdb.DuckDBPyConnection] = OrderedDict()
        self._meta: dict[str, tuple[float, dict[str, Any]]] = {}
        self._runs: dict[str, tuple[str, str, dict[str, Any]]] = {}  # (db run id, name, scenario)
        self._indexes: OrderedDict[str, RunIndex] = OrderedDict()  # at most _OPEN_MAX, like connections
        self._index_lock = threading.Lock()
        #: runs' credit-file tables in memory (least recently used dropped first), within memory_budget bytes
        self._tables: OrderedDict[str, CreditTables] = OrderedDict()
        self._too_big: set[str] = set()  # runs whose tables would not fit: answered with queries
        self.memory_budget = memory_budget

    # ------------------------------------------------------------------ folders and files
    def folder(self, run_id: str) -> Path | None:
        """The run's folder, or None when ``run_id`` is malformed or unknown."""
        if not RUN_ID.match(run_id or ""):
            return None
        p = self.root / run_id
        return p if (p / "meta.json").is_file() else None

    def ids(self) -> list[str]:
        """Stored runs (done or failed), oldest first."""
        metas = [(m.get("finished_at") or "", i) for i in self._folder_ids() if (m := self.meta(i))]
        return [i for _, i in sorted(metas)]

    def _folder_ids(self) -> list[str]:
        return [p.name for p in self.root.iterdir() if p.is_dir() and RUN_ID.match(p.name)]

    def count(self) -> int:
        return len(self._folder_ids())

    def meta(self, run_id: str) -> dict[str, Any] | None:
        """The run's meta.json (cached while the file is unchanged)."""
        folder = self.folder(run_id)
        if folder is None:
            return None
        path = folder / "meta.json"
        try:
            mtime = path.stat().st_mtime
            cached = self._meta.get(run_id)
            if cached and cached[0] == mtime:
                return cached[1]
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self._meta[run_id] = (mtime, data)
        return data

    def read_json(self, run_id: str, name: str) -> dict[str, Any] | None:
        folder = self.folder(run_id)
        if folder is None or not (folder / name).is_file():
            return None
        return json.loads((folder / name).read_text(encoding="utf-8"))

    def summary(self, run_id: str) -> dict[str, Any] | None:
        return self.read_json(run_id, "summary.json")

    def view(self, run_id: str) -> dict[str, Any] | None:
        return self.read_json(run_id, "view.json")

    def report_path(self, run_id: str) -> Path | None:
        folder = self.folder(run_id)
        return folder / "report.html" if folder is not None and (folder / "report.html").is_file() else None

    def write_failed(self, run_id: str, meta: dict[str, Any]) -> None:
        """Keep a failed run's request and error, so GET answers the same after a restart."""
        folder = self.root / run_id
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / "meta.json", {**meta, "run_id": run_id, "status": "failed"})

    def delete(self, run_id: str) -> bool:
        folder = self.folder(run_id)
        if folder is None:
            return False
        with self._lock:
            con = self._cons.pop(run_id, None)
        if con is not None:
            con.close()
        self._meta.pop(run_id, None)
        self._runs.pop(run_id, None)
        with self._index_lock:
            self._indexes.pop(run_id, None)
            self._tables.pop(run_id, None)
            self._too_big.discard(run_id)
        trash = self.root / f".tmp-deleted-{run_id}"
        folder.rename(trash)  # gone for readers at once; the files go next
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def close(self) -> None:
        with self._lock:
            cons, self._cons = list(self._cons.values()), OrderedDict()
        for con in cons:
            con.close()

    # ------------------------------------------------------------------ database
    @contextmanager
    def cursor(self, run_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the run's read-only database (one per request thread; closed after use)."""
        folder = self.folder(run_id)
        db = None if folder is None else folder / "results.duckdb"
        if db is None or not db.is_file():
            raise KeyError(run_id)
        with self._lock:
            con = self._cons.get(run_id)
            if con is None:
                con = duckdb.connect(str(db), read_only=True, config=dict(READ_ONLY_CONFIG))
                self._cons[run_id] = con
                while len(self._cons) > _OPEN_MAX:
                    self._cons.popitem(last=False)[1].close()
            else:
                self._cons.move_to_end(run_id)
            cur = con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def _run(self, run_id: str) -> tuple[str, str, dict[str, Any]]:
        """The run's ``(db run id, name, scenario)``, read and parsed once (a stored run never changes)."""
        cached = self._runs.get(run_id)
        if cached is None:
            db_run_id = (self.meta(run_id) or {}).get("db_run_id")
            sql = "SELECT run_id, name, scenario_json FROM runs"
            sql += " WHERE run_id = ?" if db_run_id else " ORDER BY created_at DESC, run_id DESC LIMIT 1"
            with self.cursor(run_id) as cur:
                row = cur.execute(sql, [db_run_id] if db_run_id else []).fetchone()
            if row is None:
                raise KeyError(run_id)
            cached = (str(row[0]), str(row[1]), json.loads(row[2]) if row[2] else {})
            self._runs[run_id] = cached
        return cached

    def scenario(self, run_id: str) -> dict[str, Any]:
        """The run's final scenario (as stored in its ``runs`` row)."""
        return self._run(run_id)[2]

    def credit_file(self, run_id: str, subject_id: str) -> dict[str, Any]:
        """The subject's credit file (``KeyError`` for an unknown run or subject)."""
        from scslab.store import credit_file

        db_run_id, name, scenario = self._run(run_id)
        tables = self.tables(run_id)
        if tables is not None:  # in memory: no SQL at all
            return credit_file(None, subject_id, run_id=db_run_id, run=(name, scenario), tables=tables)
        index = self.index(run_id)
        with self.cursor(run_id) as cur:
            return credit_file(None, subject_id, run_id=db_run_id, con=cur, run=(name, scenario), index=index)

    def tables(self, run_id: str) -> CreditTables | None:
        """The run's credit-file tables in memory (read on first use), or None when they would not fit.

        Reading them takes a few seconds for a 1 M-person run, once; look-ups meanwhile wait
        for it (as for :meth:`index`). Runs looked up less recently are dropped to make room.
        """
        with self._index_lock:
            tables = self._tables.get(run_id)
            if tables is not None:
                self._tables.move_to_end(run_id)
                return tables
            if run_id in self._too_big:
                return None
            db_run_id = self._run(run_id)[0]
            with self.cursor(run_id) as cur:
                need = CreditTables.estimate_bytes(cur, db_run_id)
                if need > self.memory_budget:
                    self._too_big.add(run_id)
                    return None
                while self._tables and sum(t.nbytes for t in self._tables.values()) + need > self.memory_budget:
                    self._tables.popitem(last=False)
                tables = CreditTables(cur, db_run_id)
            self._tables[run_id] = tables
            return tables

    def index(self, run_id: str) -> RunIndex:
        """Which subjects of the run have records, spells, measures (read once; see ``RunIndex``)."""
        with self._index_lock:  # one reader builds it; the others wait for it instead of building it too
            index = self._indexes.get(run_id)
            if index is None:
                db_run_id = self._run(run_id)[0]
                with self.cursor(run_id) as cur:
                    index = RunIndex.read(cur, db_run_id)
                self._indexes[run_id] = index
                while len(self._indexes) > _OPEN_MAX:
                    self._indexes.popitem(last=False)
            else:
                self._indexes.move_to_end(run_id)
            return index

    def subjects(
        self, run_id: str, *, q: str = "", which: str = "listed", limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        """A page of the run's subjects: ``which`` is listed | sanctioned | wrongful | all; ``q`` an id prefix."""
        conditions = {
            "listed": "s.subject IN (SELECT subject FROM list_spells)",
            "sanctioned": "s.subject IN (SELECT target FROM sanctions)",
            "wrongful": "s.subject IN (SELECT subject FROM list_spells WHERE wrongful)",
            "all": "TRUE",
        }
        where = conditions[which]  # a fixed text chosen by key, never request text
        params: list[Any] = []
        if q:
            where += " AND s.id LIKE ?"
            params.append(q.upper() + "%")  # SUBJECT_QUERY admits no LIKE wildcards
        sql = f"""
            WITH picked AS (SELECT s.subject, s.id, s.type, s.grade, s.score FROM subjects s WHERE {where}
                            ORDER BY s.id LIMIT ? OFFSET ?)
            SELECT p.id, p.type, p.grade, p.score,
                   (SELECT count(*) FROM list_spells l WHERE l.subject = p.subject) AS spells,
                   (SELECT count(*) FROM list_spells l WHERE l.subject = p.subject AND l.end_day IS NULL) AS listed_now,
                   (SELECT count(*) FROM list_spells l WHERE l.subject = p.subject AND l.wrongful) AS wrongful_spells,
                   (SELECT count(*) FROM sanctions m WHERE m.target = p.subject) AS sanctions
            FROM picked p ORDER BY p.id"""
        with self.cursor(run_id) as cur:
            total = count_rows(cur, f"SELECT count(*) FROM subjects s WHERE {where}", params)
            res = cur.execute(sql, [*params, int(limit), int(offset)])
            cols = [c[0] for c in res.description]
            rows = [dict(zip(cols, r)) for r in res.fetchall()]
        return {"total": int(total), "offset": offset, "limit": limit, "subjects": rows}
