"""One subject's credit file, read back from the results database.

Why: the point of the laboratory is to show *how* a measure reached someone. A sanction is
only explainable as a chain: the record that was written (true or not), the list spell it
triggered (possibly the spell of a firm the person represents), and the measure an agency
applied through some path (``self``, ``legal_rep``, ``spouse`` ...). This module rebuilds
those chains with a handful of indexed-by-run SQL queries, never loading a whole table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from scslab.store.credit_tables import CreditTables
from scslab.store.duck import connect, latest_run_id

__all__ = ["RunIndex", "credit_file", "format_credit_file", "money"]


@dataclass(frozen=True)
class RunIndex:
    """Which subjects of one stored run have rows at all in the per-subject tables.

    Why: most subjects of a large run were never listed or sanctioned (in a 1 M-person
    rongcheng year, 0.5 % have a list spell and most have no record), and every query costs a
    DuckDB round trip (planning it is most of the cost, 1.5-3 ms) even when it finds nothing.
    A server reads this once per run (sorted unique indices, 4-8 bytes per subject that has
    rows) and ``credit_file`` sends only the queries that can find something. A stored run
    never changes, so the index never goes stale.
    """

    with_records: np.ndarray  # subject indices with at least one record, sorted
    with_spells: np.ndarray  # ... with at least one list spell
    targets: np.ndarray  # ... reached by at least one measure
    sanctioned_spells: np.ndarray  # spell ids that at least one measure follows from

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, run_id: str) -> RunIndex:
        def ids(sql: str) -> np.ndarray:
            (column,) = con.execute(sql, [run_id]).fetchnumpy().values()
            return np.asarray(column, dtype=np.int64)  # sorted, no NULLs

        return cls(
            with_records=ids("SELECT DISTINCT subject FROM records WHERE run_id = ? ORDER BY 1"),
            with_spells=ids("SELECT DISTINCT subject FROM list_spells WHERE run_id = ? ORDER BY 1"),
            targets=ids("SELECT DISTINCT target FROM sanctions WHERE run_id = ? AND target IS NOT NULL ORDER BY 1"),
            sanctioned_spells=ids(
                "SELECT DISTINCT spell_id FROM sanctions WHERE run_id = ? AND spell_id IS NOT NULL ORDER BY 1"
            ),
        )

    @staticmethod
    def _has(sorted_ids: np.ndarray, i: int) -> bool:
        k = int(np.searchsorted(sorted_ids, i))
        return k < sorted_ids.size and int(sorted_ids[k]) == i

    def has_records(self, subject: int) -> bool:
        return self._has(self.with_records, subject)

    def has_spells(self, subject: int) -> bool:
        return self._has(self.with_spells, subject)

    def is_target(self, subject: int) -> bool:
        return self._has(self.targets, subject)

    def sanctioned(self, spell_ids: set[int]) -> set[int]:
        """Those of ``spell_ids`` that some measure follows from."""
        return {i for i in spell_ids if self._has(self.sanctioned_spells, i)}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _in(column: str, ids: set[int]) -> str:
    """``column BETWEEN lo AND hi AND column IN (...)`` for integers read from the database itself
    (so no injection risk).

    Why the range as well as the list: record and spell ids are stored in id order, and DuckDB
    skips the blocks outside a range by their min/max, while an ``IN`` list alone is only an
    "optional" filter that still scans a whole row group (about 120,000 rows, 30 ms on a
    loaded 2-core machine, where the range reads a few blocks).
    """
    if not ids:
        raise ValueError("_in: no ids (skip the query instead)")
    lo, hi = min(ids), max(ids)
    values = ",".join(str(int(i)) for i in sorted(ids))
    return f"{column} BETWEEN {int(lo)} AND {int(hi)} AND {column} IN ({values})"


def _span(start: Any, end: Any) -> str:
    return f"day {start}–{'open' if end is None else end}"


def _record_text(rec: dict[str, Any] | None) -> str:
    if rec is None:
        return "no record (entry by rule)"
    truth = "happened" if rec["happened"] else "false"
    return f"record #{rec['record_id']} ({rec['behaviour']}, {rec['source']}, day {rec['day']}, {truth})"


def _but_for(row: dict[str, Any]) -> str:
    """ ", wrongful (but for false records #a, #b)" for a wrongful spell or measure, else ""."""
    if not row.get("wrongful"):
        return ""
    ids = row.get("decisive_records") or []
    if not ids:
        return ", wrongful"
    word = "record" if len(ids) == 1 else "records"
    return f", wrongful (but for false {word} {', '.join(f'#{i}' for i in ids)})"


def _spell_text(spell: dict[str, Any], subject: int) -> str:
    holder = "" if spell["subject"] == subject else f" of {spell['subject_id']}"
    flag = _but_for(spell)
    span = _span(spell["start"], spell["end_day"])
    return f"list {spell['list']} (spell #{spell['spell_id']}{holder}, {span}{flag})"


def _measure_text(s: dict[str, Any], subject: int) -> str:
    when = f"from day {s['start']}" if s["end_day"] is None else f"day {s['start']}–{s['end_day']}"
    target = "" if s["target"] == subject else f" → {s['target_id']}"
    flag = _but_for(s)
    word = "reward" if s.get("kind") == "reward" else "measure"
    return f"{word} {s['measure']} ({s['agency']}, {s['via']}{target}, {when}{flag})"


class _Queries:
    """The credit file's look-ups as SQL on an open connection (the same methods as ``CreditTables``).

    ``index`` (a :class:`RunIndex`) skips the queries that would find nothing.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, index: RunIndex | None) -> None:
        self.con, self.run_id, self.index = con, run_id, index

    def subject(self, subject_id: str) -> dict[str, Any] | None:
        rows = _rows(self.con, "SELECT * FROM subjects WHERE run_id = ? AND id = ?", [self.run_id, str(subject_id)])
        return rows[0] if rows else None

    def records_of(self, subject: int) -> list[dict[str, Any]]:
        if self.index is not None and not self.index.has_records(subject):
            return []
        sql = "SELECT * EXCLUDE (run_id) FROM records WHERE run_id = ? AND subject = ? ORDER BY day, record_id"
        return _rows(self.con, sql, [self.run_id, subject])

    def spells_of(self, subject: int) -> list[dict[str, Any]]:
        if self.index is not None and not self.index.has_spells(subject):
            return []
        sql = "SELECT * EXCLUDE (run_id) FROM list_spells WHERE run_id = ? AND subject = ? ORDER BY start, spell_id"
        return _rows(self.con, sql, [self.run_id, subject])

    def sanctions_on(self, subject: int) -> list[dict[str, Any]]:
        if self.index is not None and not self.index.is_target(subject):
            return []
        sql = "SELECT * EXCLUDE (run_id) FROM sanctions WHERE run_id = ? AND target = ? ORDER BY start, sanction_id"
        return _rows(self.con, sql, [self.run_id, subject])

    def sanctioned(self, spell_ids: set[int]) -> set[int]:
        return set(spell_ids) if self.index is None else self.index.sanctioned(spell_ids)

    def sanctions_from(self, spell_ids: set[int], not_target: int) -> list[dict[str, Any]]:
        sql = (
            f"SELECT * EXCLUDE (run_id) FROM sanctions WHERE run_id = ? AND {_in('spell_id', spell_ids)} "
            f"AND target <> ? ORDER BY start, sanction_id"
        )
        return _rows(self.con, sql, [self.run_id, not_target])

    def spells_by_id(self, spell_ids: set[int]) -> list[dict[str, Any]]:
        sql = f"SELECT * EXCLUDE (run_id) FROM list_spells WHERE run_id = ? AND {_in('spell_id', spell_ids)}"
        return _rows(self.con, sql, [self.run_id])

    def records_by_id(self, record_ids: set[int]) -> list[dict[str, Any]]:
        sql = f"SELECT * EXCLUDE (run_id) FROM records WHERE run_id = ? AND {_in('record_id', record_ids)}"
        return _rows(self.con, sql, [self.run_id])


def credit_file(
    out_dir: Path | str | None,
    subject_id: str,
    run_id: str | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    run: tuple[str, dict[str, Any]] | None = None,
    index: RunIndex | None = None,
    tables: CreditTables | None = None,
) -> dict[str, Any]:
    """Everything the database knows about one subject, with cause chains.

    Returns ``{"run_id", "scenario", "subject", "records", "list_spells", "sanctions",
    "reaches_others", "chains"}``. Each spell carries ``cause`` (the record row or None) and
    ``rule`` (the scenario's list rule); each sanction carries ``spell`` (with its own
    ``cause``) and ``rule`` (the measure row of the scenario). ``reaches_others`` lists the
    measures that the subject's own spells imposed on *other* subjects (a firm's spell
    reaching its legal representative). Raises ``KeyError`` for an unknown subject id.

    ``con`` reads through an open connection (a server's read-only one) instead of opening
    ``out_dir``; it is left open. ``run`` is the run's ``(name, scenario)`` when the caller
    already has them (a server reads them once per run, not once per look-up); it needs
    ``run_id``. ``index`` (:class:`RunIndex` of that run) skips the queries that would find
    nothing; ``tables`` (:class:`~scslab.store.credit_tables.CreditTables` of that run, with
    ``run`` and ``run_id``) answers every look-up from memory and sends no query at all. The
    file is the same whichever is given.
    """
    if tables is not None:
        if run is None or run_id is None:
            raise ValueError("credit_file: tables need the run's run_id and (name, scenario)")
        return _assemble(tables, subject_id, run_id, run)
    own = con is None
    if con is None:
        if out_dir is None:
            raise ValueError("credit_file: give out_dir or an open connection")
        con = connect(out_dir)
    try:
        if run is None or run_id is None:
            run_id = run_id or latest_run_id(con)
            row = _rows(con, "SELECT name, scenario_json FROM runs WHERE run_id = ?", [run_id])
            if not row:
                raise KeyError(f"no run {run_id!r} in the results database")
            run = (row[0]["name"], json.loads(row[0]["scenario_json"] or "{}"))
        return _assemble(_Queries(con, run_id, index), subject_id, run_id, run)
    finally:
        if own:
            con.close()


def _assemble(
    src: _Queries | CreditTables, subject_id: str, run_id: str, run: tuple[str, dict[str, Any]]
) -> dict[str, Any]:
    """The credit file from its look-ups (SQL or in memory): the rows, then the chains."""
    name, scenario = run
    subject = src.subject(str(subject_id))
    if subject is None:
        raise KeyError(
            f"unknown subject id {subject_id!r} in run {run_id} "
            f"(ids are 18-character synthetic codes; pass run_id for an older run)"
        )
    for k in ("income", "income0"):  # money to the cent, not float32 noise
        if isinstance(subject.get(k), float) and subject[k] == subject[k]:
            subject[k] = round(subject[k], 2)
    idx = int(subject["subject"])
    # a look-up is made only when it can find something (most subjects were never listed)
    records = src.records_of(idx)
    own_spells = src.spells_of(idx)
    sanctions = src.sanctions_on(idx)
    own_ids = {s["spell_id"] for s in own_spells}
    followed = src.sanctioned(own_ids)
    others = src.sanctions_from(followed, idx) if followed else []
    # the subject's own spells are in hand; only the spells of others (a firm's spell
    # reaching its legal representative) are read again
    spells = {s["spell_id"]: dict(s) for s in own_spells}
    more_spells = {s["spell_id"] for s in sanctions if s["spell_id"] is not None} - own_ids
    if more_spells:
        spells.update((s["spell_id"], s) for s in src.spells_by_id(more_spells))
    spells = dict(sorted(spells.items()))
    # likewise the causing records: mostly the subject's own records, read above
    cause_ids = {s["cause_record"] for s in spells.values() if s["cause_record"] is not None}
    own_records = {r["record_id"]: r for r in records}
    causes = {i: dict(own_records[i]) for i in sorted(cause_ids & own_records.keys())}
    if cause_ids - own_records.keys():
        causes.update((r["record_id"], r) for r in src.records_by_id(cause_ids - own_records.keys()))

    list_rules = {x.get("name"): x for x in scenario.get("lists", []) or []}
    measure_rules = {x.get("name"): x for x in scenario.get("measures", []) or []}
    for s in spells.values():
        s["cause"] = causes.get(s["cause_record"])
        s["rule"] = list_rules.get(s["list"])
    for s in sanctions + others:
        s["spell"] = spells.get(s["spell_id"])
        s["rule"] = measure_rules.get(s["measure"])

    chains: list[str] = []
    for s in sanctions + others:
        sp = s["spell"]
        head = [] if sp is None else [_record_text(sp["cause"]), _spell_text(sp, idx)]
        chains.append(" → ".join(head + [_measure_text(s, idx)]))
    used = {s["spell_id"] for s in sanctions + others}
    for sp_id in sorted(own_ids - used, key=lambda i: (spells[i]["start"], i)):
        sp = spells[sp_id]
        chains.append(f"{_record_text(sp['cause'])} → {_spell_text(sp, idx)} → no measure")
    listed = {sp["cause_record"] for sp in spells.values()}
    for rec in records:
        if rec["record_id"] not in listed:
            chains.append(f"{_record_text(rec)} → not listed")

    return {
        "run_id": run_id,
        "scenario": name,
        "currency": (scenario.get("population") or {}).get("currency") or "yuan",
        "subject": subject,
        "records": records,
        "list_spells": [spells[i] for i in sorted(own_ids, key=lambda i: (spells[i]["start"], i))],
        "sanctions": sanctions,
        "reaches_others": others,
        "chains": chains,
    }


def money(x: Any, currency: str, per: str = "") -> str:
    """An amount with its unit, rounded for reading: whole units from 100 up, else 2 decimals."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    v = float(x)
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"
    return f"{text} {currency}" + (f" per {per}" if per else "")


def _cascade_text(m: dict[str, Any]) -> str:
    """Where a measure reached through a link came from: the chain's depth and its origin."""
    depth = m.get("depth")
    if not depth:
        return ""
    rec = m.get("origin_record")
    origin = f"{m.get('origin_subject_id') or '?'}" + ("" if rec is None else f"'s record #{rec}")
    return f"  cascade depth {depth} from {origin}"


def format_credit_file(d: dict[str, Any]) -> str:
    """Plain-text rendering for the CLI: who, what was recorded, and the chains."""
    s, cur = d["subject"], d.get("currency", "yuan")
    score = "unscored" if s.get("score") is None else f"score {s['score']:.1f}"
    lines = [
        f"Credit file of {s['id']} ({s.get('type')}, group {s.get('group') or '—'}) — run {d['run_id']} "
        f"({d['scenario']})",
        f"  {score}, grade {s.get('grade') or 'none'}, income {money(s.get('income'), cur, 'year')} "
        f"(at start {money(s.get('income0'), cur, 'year')})",
        "",
        f"Records ({len(d['records'])}):",
    ]
    for r in d["records"]:
        lines.append(
            f"  #{r['record_id']:<8} day {r['day']:<5} {r['domain']:<11} {r['behaviour']:<20} "
            f"{r['source']:<14} {r['points']:+7.1f}  {'happened' if r['happened'] else 'FALSE':<8} "
            f"{r['status']}"
        )
    lines += ["", f"List spells ({len(d['list_spells'])}):"]
    for sp in d["list_spells"]:
        rule = sp.get("rule") or {}
        lines.append(
            f"  #{sp['spell_id']:<8} {sp['list']} ({sp['list_type']}) "
            f"{_span(sp['start'], sp['end_day'])}"
            f"{'' if sp['end_day'] is None else ', ended: ' + str(sp['end_reason'])}"
            f"{_but_for(sp).upper()}"
            f"{'  rule: ' + rule['entry'] if rule.get('entry') else ''}"
        )
    lines += ["", f"Measures ({len(d['sanctions'])}):"]
    for m in d["sanctions"]:
        lines.append(
            f"  #{m['sanction_id']:<8} {m['kind']} {m['measure']} by {m['agency']} via {m['via']}, "
            f"{_span(m['start'], m['end_day'])}{_but_for(m).upper()}{_cascade_text(m)}"
        )
    if d.get("reaches_others"):
        lines += ["", "Measures this subject's listings imposed on others:"]
        for m in d["reaches_others"]:
            lines.append(f"  #{m['sanction_id']:<8} {m['measure']} on {m['target_id']} via {m['via']}")
    lines += ["", "Chains:"] + [f"  {c}" for c in d["chains"]]
    return "\n".join(lines)
