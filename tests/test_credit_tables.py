"""Credit files answered from memory (store/credit_tables.py) are the files the SQL queries give.

Byte for byte: the same keys in the same order, the same values of the same Python types,
so the API's JSON is unchanged whichever path answered. Compared for every subject that has
a record, a spell or a measure (or is reached by one), and for a sample of the rest, on
three stored runs: the toy run twice in one database (the tables of one run must not see
the other's rows), a run with sanction cascades (measures reaching spouses and households
through other subjects' spells), and a rongcheng run (scores, grades, weighted lists).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest

from scslab import Sim
from scslab.store import RunIndex, credit_file, write_run
from scslab.store.credit_tables import CreditTables
from toy_results import TOY_IDS, toy_results

CASCADE = Path(__file__).parent / "fixtures" / "engine" / "toy_cascade.toml"


def _open(out: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(out / "results.duckdb"), read_only=True)


def _ids_to_check(con: duckdb.DuckDBPyConnection, run_id: str, sample: int) -> list[str]:
    with_rows = con.execute(
        """SELECT subject_id FROM records WHERE run_id = $1 UNION SELECT subject_id FROM list_spells WHERE run_id = $1
           UNION SELECT target_id FROM sanctions WHERE run_id = $1
           UNION SELECT origin_subject_id FROM sanctions WHERE run_id = $1 AND origin_subject_id IS NOT NULL""",
        [run_id],
    ).fetchall()
    every = [
        r[0] for r in con.execute("SELECT id FROM subjects WHERE run_id = ? ORDER BY subject", [run_id]).fetchall()
    ]
    rng = np.random.default_rng(0)
    rest = [every[i] for i in rng.choice(len(every), size=min(sample, len(every)), replace=False)]
    return sorted({r[0] for r in with_rows} | set(rest))


def _same_files(out: Path, run_id: str, sample: int = 50) -> int:
    """Compare both paths for the run's subjects; returns how many were compared."""
    con = _open(out)
    try:
        name, scenario_json = con.execute("SELECT name, scenario_json FROM runs WHERE run_id = ?", [run_id]).fetchone()
        run = (name, json.loads(scenario_json))
        tables = CreditTables(con, run_id)
        index = RunIndex.read(con, run_id)
        ids = _ids_to_check(con, run_id, sample)
        for sid in ids:
            by_sql = credit_file(None, sid, run_id=run_id, con=con, run=run, index=index)
            from_memory = credit_file(None, sid, run_id=run_id, run=run, tables=tables)
            assert from_memory == by_sql, sid
            # the same JSON text: key order and value types too (True is not 1, 2.0 is not 2)
            assert json.dumps(from_memory) == json.dumps(by_sql), sid
            assert [type(v) for v in from_memory["subject"].values()] == [type(v) for v in by_sql["subject"].values()]
        with pytest.raises(KeyError, match="unknown subject id"):
            credit_file(None, "000000000000000000", run_id=run_id, run=run, tables=tables)
        with pytest.raises(KeyError):
            credit_file(None, ids[0][:-1], run_id=run_id, run=run, tables=tables)  # a prefix is not an id
        return len(ids)
    finally:
        con.close()


def test_toy_runs_in_one_database(tmp_path):
    toy = toy_results()
    a, b = write_run(toy, tmp_path), write_run(toy, tmp_path)
    for rid in (a, b):
        assert _same_files(tmp_path, rid) == len(TOY_IDS)
    con = _open(tmp_path)
    try:
        tables = CreditTables(con, a)
        assert tables.records.n == 6 and tables.spells.n == 4 and tables.sanctions.n == 6  # one run's rows only
    finally:
        con.close()


def test_cascade_run(tmp_path):
    res = Sim(CASCADE).run()
    rid = write_run(res, tmp_path)
    con = _open(tmp_path)
    try:
        others = con.execute(
            "SELECT count(*) FROM sanctions s JOIN list_spells l ON s.spell_id = l.spell_id AND s.run_id = l.run_id "
            "WHERE s.run_id = ? AND s.target <> l.subject",
            [rid],
        ).fetchone()[0]
    finally:
        con.close()
    assert others > 0  # measures reaching other subjects through a spell: the "reaches_others" path
    assert _same_files(tmp_path, rid) > 20


def test_rongcheng_run(tmp_path):
    from scslab.scenario import load_scenario

    sc = load_scenario("rongcheng", ["population.n=3000", "sim.days=365"])
    rid = write_run(Sim(sc).run(), tmp_path)
    assert _same_files(tmp_path, rid, sample=200) > 200


def test_estimate_covers_what_is_held(tmp_path):
    """The budget check reads row counts only; its estimate is not below what the tables then hold."""
    rid = write_run(Sim(CASCADE).run(), tmp_path)
    con = _open(tmp_path)
    try:
        assert CreditTables.estimate_bytes(con, rid) >= CreditTables(con, rid).nbytes > 0
    finally:
        con.close()
