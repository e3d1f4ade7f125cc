"""Results database: tables, decoded labels, determinism, atomicity, Parquet, credit files."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from scslab.store import TABLES, credit_file, export_parquet, format_credit_file, list_runs, write_run
from toy_results import TOY_IDS, toy_results

VOLATILE = {"run_id", "created_at", "wall_s"}


@pytest.fixture(scope="module")
def toy():
    return toy_results()


@pytest.fixture(scope="module")
def db(tmp_path_factory, toy):
    """One database holding the toy run twice (ids: base and base-2)."""
    out = tmp_path_factory.mktemp("db")
    ids = [write_run(toy, out, wall_s=1.5), write_run(toy, out)]
    return out, ids


def _q(out, sql, params=()):
    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_tables_and_row_counts(db, toy):
    out, (rid, _) = db
    counts = {t: _q(out, f"SELECT count(*) FROM {t} WHERE run_id = ?", [rid])[0][0] for t in TABLES}
    assert counts == {
        "runs": 1,
        "timeseries": 30 * len(toy.series),
        "records": 6,
        "list_spells": 4,
        "sanctions": 6,
        "subjects": 8,
        # the toy run declares nothing: no declared figures or subject columns to store
        "declared": 0,
        "figures": 0,
        "subject_values": 0,
    }
    name, seed, days, persons, orgs, scale, wall = _q(
        out, "SELECT name, seed, days, persons, orgs, scale, wall_s FROM runs WHERE run_id = ?", [rid]
    )[0]
    assert (name, seed, days, persons, orgs, scale, wall) == ("toy_town", 0, 30, 6, 2, 1000.0, 1.5)


def test_run_ids_deterministic_and_suffixed(db, tmp_path):
    _, (a, b) = db
    assert b == f"{a}-2" and len(a) == 12
    assert write_run(toy_results(), tmp_path) == a  # same scenario + seed -> same id in a fresh db
    assert write_run(toy_results(seed=1), tmp_path) != a


def test_labels_decoded(db):
    out, (rid, _) = db
    rec = _q(
        out,
        "SELECT subject_id, domain, behaviour, source, day, points, happened, severity, status, "
        "end_day FROM records WHERE run_id = ? ORDER BY record_id",
        [rid],
    )
    assert rec[2] == (
        TOY_IDS[2],
        "commercial",
        "tax_filing",
        "tax_bureau",
        7,
        -10.0,
        False,
        "moderate",
        "corrected",
        25,
    )
    assert rec[0][0] == TOY_IDS[6] and rec[0][-1] is None  # open record end -> NULL
    spells = _q(
        out,
        "SELECT subject_id, list, list_type, start, end_day, cause_record, end_reason, wrongful "
        "FROM list_spells WHERE run_id = ? ORDER BY spell_id",
        [rid],
    )
    assert spells[0] == (TOY_IDS[6], "blacklist", "black", 4, None, 0, "open", False)
    assert spells[3][1:3] == ("redlist", "red")
    assert spells[2][-2:] == ("corrected", True)
    sanc = _q(
        out,
        "SELECT target_id, measure, kind, agency, category, spell_id, end_day, via, wrongful "
        "FROM sanctions WHERE run_id = ? ORDER BY sanction_id",
        [rid],
    )
    assert sanc[1] == (TOY_IDS[0], "flight_ban", "sanction", "CAAC", "travel", 0, None, "legal_rep", False)
    assert sanc[5][1:5] == ("transport_discount", "reward", "city", "transport")
    subj = _q(out, 'SELECT id, type, sex, "group", score, grade FROM subjects WHERE run_id = ? ORDER BY subject', [rid])
    assert subj[2][:4] == (TOY_IDS[2], "person", 0, "minority") and subj[2][5] == "A"
    assert subj[6] == (TOY_IDS[6], "enterprise", None, None, None, None)  # -1 / NaN -> NULL


def test_timeseries_long_form(db):
    out, (rid, _) = db
    rows = _q(
        out, "SELECT day, value FROM timeseries WHERE run_id = ? AND metric = 'listed_blacklist' ORDER BY day", [rid]
    )
    assert [v for _, v in rows[:10]] == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3] and rows[-1] == (29, 1.0)


def test_identical_results_identical_content(db):
    out, (a, b) = db
    for t in TABLES:
        con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
        try:
            cols = [c[0] for c in con.execute(f"DESCRIBE {t}").fetchall() if c[0] not in VOLATILE]
            sel = ", ".join(f'"{c}"' for c in cols)
            da = con.execute(f"SELECT {sel} FROM {t} WHERE run_id = ?", [a]).df()
            dbb = con.execute(f"SELECT {sel} FROM {t} WHERE run_id = ?", [b]).df()
        finally:
            con.close()
        assert da.equals(dbb), t


def test_failed_write_leaves_no_partial_run(tmp_path):
    good = toy_results()
    write_run(good, tmp_path)
    bad = dataclasses.replace(good, seed=7, sanctions={**good.sanctions, "via": np.zeros(2, np.int8)})
    with pytest.raises(ValueError, match="unequal lengths"):
        write_run(bad, tmp_path)
    for t, n in {"runs": 1, "records": 6, "list_spells": 4, "timeseries": 30 * len(good.series)}.items():
        assert _q(tmp_path, f"SELECT count(*) FROM {t}")[0][0] == n


def test_missing_tables_and_names_are_tolerated(tmp_path):
    r = toy_results()
    names = {k: v for k, v in r.names.items() if k != "source"}
    empty = dataclasses.replace(r, list_spells={}, sanctions={}, series={}, names=names)
    rid = write_run(empty, tmp_path)
    assert _q(tmp_path, "SELECT count(*) FROM list_spells")[0][0] == 0
    # no label list for sources: the code itself is shown instead of failing
    assert [s for (s,) in _q(tmp_path, "SELECT source FROM records WHERE run_id = ? ORDER BY record_id", [rid])] == [
        "0",
        "0",
        "1",
        "3",
        "2",
        "1",
    ]


def test_export_parquet(db):
    out, (a, _) = db
    paths = export_parquet(out)
    assert [p.name for p in paths] == [f"{t}.parquet" for t in TABLES]
    for t, p in zip(TABLES, paths):
        assert pq.read_table(p).num_rows == _q(out, f"SELECT count(*) FROM {t}")[0][0]
    one = export_parquet(out, a)
    recs = pq.read_table(out / "parquet" / f"records-{a}.parquet")
    assert recs.num_rows == 6 and set(recs.column("run_id").to_pylist()) == {a} and len(one) == len(TABLES)
    with pytest.raises(KeyError):
        export_parquet(out, "nope")


def test_list_runs(db, tmp_path):
    out, (a, b) = db
    df = list_runs(out)
    assert list(df["run_id"]) == [a, b]
    assert list(df["name"]) == ["toy_town"] * 2 and list(df["seed"]) == [0, 0]
    assert list(df["records"]) == [6, 6] and df["wall_s"].iloc[0] == 1.5
    assert len(list_runs(tmp_path / "none")) == 0


def test_credit_file_legal_rep_chain(db):
    out, (_, latest) = db
    d = credit_file(out, TOY_IDS[0])
    assert d["run_id"] == latest and d["subject"]["type"] == "person"
    (s,) = d["sanctions"]
    assert (s["measure"], s["via"], s["spell"]["subject_id"]) == ("flight_ban", "legal_rep", TOY_IDS[6])
    assert s["spell"]["cause"]["record_id"] == 0 and s["spell"]["cause"]["subject_id"] == TOY_IDS[6]
    assert s["rule"]["agency"] == "CAAC" and d["list_spells"] == []
    assert d["chains"] == [
        f"record #0 (debt_repayment, court, day 3, happened) → list blacklist (spell #0 of {TOY_IDS[6]}, "
        "day 4–open) → measure flight_ban (CAAC, legal_rep, from day 4)",
        "record #5 (tax_filing, tax_bureau, day 15, false) → not listed",
    ]
    text = format_credit_file(d)
    assert TOY_IDS[0] in text and d["chains"][0] in text


def test_credit_file_self_wrongful_and_firm(db):
    out, (a, _) = db
    d = credit_file(out, TOY_IDS[2], run_id=a)
    (sp,) = d["list_spells"]
    assert sp["cause"]["happened"] is False and sp["rule"]["entry"] == "judicial_serious >= 1"
    assert d["chains"] == [
        "record #2 (tax_filing, tax_bureau, day 7, false) → list blacklist "
        "(spell #2, day 8–25, wrongful) → measure flight_ban "
        "(CAAC, self, day 8–25, wrongful)"
    ]
    firm = credit_file(out, TOY_IDS[6])
    assert [m["target_id"] for m in firm["reaches_others"]] == [TOY_IDS[0]]
    assert firm["chains"][1].endswith(f"measure flight_ban (CAAC, legal_rep → {TOY_IDS[0]}, from day 4)")
    red = credit_file(out, TOY_IDS[3])
    assert red["chains"][0].endswith("reward transport_discount (city, self, from day 11)")
    assert credit_file(out, TOY_IDS[4])["chains"] == []


def test_credit_file_through_a_server_connection_reads_the_same(db):
    """The server passes an open connection, the run's (name, scenario) and its RunIndex, each read
    once per run: the same file."""
    import json

    from scslab.store import RunIndex
    from scslab.store.duck import connect

    out, (a, _) = db
    con = connect(out)
    try:
        name, scenario_json = con.execute("SELECT name, scenario_json FROM runs WHERE run_id = ?", [a]).fetchone()
        index = RunIndex.read(con, a)
        subject_of = dict(con.execute("SELECT id, subject FROM subjects WHERE run_id = ?", [a]).fetchall())
        n_records = dict(
            con.execute("SELECT subject, count(*) FROM records WHERE run_id = ? GROUP BY 1", [a]).fetchall()
        )
        assert {subject_of[i] for i in TOY_IDS if index.has_records(subject_of[i])} == set(n_records)
        assert any(not index.has_spells(subject_of[i]) for i in TOY_IDS)  # some queries are skipped
        for sid in TOY_IDS:
            alone = credit_file(out, sid, run_id=a)
            cur = con.cursor()
            given = credit_file(None, sid, run_id=a, con=cur, run=(name, json.loads(scenario_json)))
            assert given == alone
            assert credit_file(None, sid, run_id=a, con=cur) == alone
            # the index skips only queries that would find nothing: the same file
            assert credit_file(None, sid, run_id=a, con=cur, index=index) == alone
    finally:
        con.close()


def test_credit_file_unknown_subject(db):
    out, _ = db
    with pytest.raises(KeyError, match="unknown subject id"):
        credit_file(out, "000000000000000000")
    with pytest.raises(FileNotFoundError):
        credit_file(out / "missing", TOY_IDS[0])
