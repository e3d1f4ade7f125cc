"""A credit file as the inquiry page shows it: chains as steps, the score over time.

Why its own module: the store's credit file (``scslab.store.credit_file``) gives rows and
one sentence per chain, which suits a terminal. A page needs each chain as its steps --
record -> rule -> list -> measure -- with the one thing a real platform never shows marked
on every step: whether the chain rests on a record of an event that never happened.

The score over time is rebuilt from the records for a points ledger (start, plus the
points of every record in force, plus annual bonuses, clipped to the range), and checked
against the score the run stored at its end: the page says "rebuilt" only when the two
agree, and otherwise shows the stored end score alone. Weighted scores depend on ranks over
the whole population and are not rebuilt.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["MAX_ROWS", "chains", "credit_view", "score_history"]

MAX_ROWS = 1000  # records / spells / measures returned for one subject (the rest are counted)


T = TypeVar("T")


def _plain(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: v for k, v in row.items() if k not in ("cause", "rule", "spell")}


def chains(cf: dict[str, Any]) -> list[dict[str, Any]]:
    """Each measure (and each spell that led to none) as ``{record, rule, list, measure, false_record}``."""
    out = []
    for s in cf["sanctions"] + cf["reaches_others"]:
        sp = s.get("spell")
        rec = None if sp is None else sp.get("cause")
        rule = None if sp is None else (sp.get("rule") or {}).get("entry")
        out.append(
            {
                "record": _plain(rec),
                "rule": rule,
                "list": _plain(sp),
                "measure": _plain(s),
                "measure_rule": s.get("rule"),
                "on_other": s.get("target_id") != cf["subject"]["id"],
                "false_record": bool(rec is not None and not rec.get("happened")),
                "wrongful": bool(s.get("wrongful")),
            }
        )
    used = {s.get("spell_id") for s in cf["sanctions"] + cf["reaches_others"]}
    for sp in cf["list_spells"]:
        if sp["spell_id"] in used:
            continue
        rec = sp.get("cause")
        out.append(
            {
                "record": _plain(rec),
                "rule": (sp.get("rule") or {}).get("entry"),
                "list": _plain(sp),
                "measure": None,
                "measure_rule": None,
                "on_other": False,
                "false_record": bool(rec is not None and not rec.get("happened")),
                "wrongful": bool(sp.get("wrongful")),
            }
        )
    return out


def _changes_scoring(scenario: dict[str, Any]) -> bool:
    """Whether a timed change alters what the score is made of (then it is not rebuilt)."""
    for it in scenario.get("schedule") or []:
        for key in it.get("set") or {}:
            if key == "policy.sanction_scale" or key.startswith("scoring."):
                return True
    return False


def _grade(score: float, bands: list[dict[str, Any]]) -> str | None:
    for b in bands:
        if score >= float(b["min"]):
            return str(b["name"])
    return str(bands[-1]["name"]) if bands else None


def score_history(cf: dict[str, Any], scenario: dict[str, Any], days: int) -> dict[str, Any]:
    """``{"kind", "points": [{"day", "score", "grade"}], "rebuilt": bool, "end_score", "end_grade", "note"}``."""
    subj = cf["subject"]
    scoring = scenario.get("scoring") or {}
    kind = scoring.get("kind", "none")
    end = subj.get("score")
    out: dict[str, Any] = {
        "kind": kind,
        "points": [],
        "rebuilt": False,
        "end_score": end,
        "end_grade": subj.get("grade"),
        "note": "",
    }
    if kind == "none" or end is None:
        out["note"] = "This system keeps no score." if kind == "none" else "Unscored: no score for this subject."
        return out
    if kind != "points":
        out["note"] = "A weighted score depends on ranks over the whole population; only the end score is stored."
        return out
    if _changes_scoring(scenario):
        out["note"] = "A timed change altered the scoring during the run; only the end score is shown."
        return out
    scale = float((scenario.get("policy") or {}).get("sanction_scale", 1.0))
    start, lo, hi = float(scoring.get("start", 0.0)), float(scoring.get("min", 0.0)), float(scoring.get("max", 1e18))
    bonus = float(scoring.get("annual_bonus") or 0.0)
    bands = list(scoring.get("bands") or [])
    events: dict[int, float] = {}
    bad_days = []
    for r in cf["records"]:
        pts = float(r.get("points") or 0.0)
        applied = pts * scale if pts < 0 else pts
        events[int(r["day"])] = events.get(int(r["day"]), 0.0) + applied
        if r.get("end_day") is not None:
            events[int(r["end_day"])] = events.get(int(r["end_day"]), 0.0) - applied
        if pts < 0 and r.get("status") != "corrected":
            bad_days.append(int(r["day"]))
    if bonus:
        for d in range(365, days, 365):
            if not any(d - 365 < b <= d for b in bad_days):
                events[d] = events.get(d, 0.0) + bonus
    first = min(max(start, lo), hi)
    raw = start
    points: list[dict[str, Any]] = [{"day": 0, "score": first, "grade": _grade(first, bands)}]
    for d in sorted(events):
        raw += events[d]
        s = min(max(raw, lo), hi)
        if d == 0:
            points[0] = {"day": 0, "score": s, "grade": _grade(s, bands)}
        elif s != points[-1]["score"]:
            points.append({"day": d, "score": s, "grade": _grade(s, bands)})
    points.append({"day": days, "score": points[-1]["score"], "grade": points[-1]["grade"]})
    if abs(points[-1]["score"] - float(end)) <= 1e-3 * max(1.0, abs(float(end))):
        out.update(
            points=points, rebuilt=True, note="Rebuilt from the records in force each day; matches the end score."
        )
    else:
        out["note"] = "The score path could not be rebuilt exactly from the records; only the end score is shown."
    return out


def _cap(rows: list[T]) -> tuple[list[T], int]:
    return rows[:MAX_ROWS], len(rows)


def credit_view(cf: dict[str, Any], scenario: dict[str, Any], run_id: str, days: int) -> dict[str, Any]:
    """The credit file as the API returns it (rows capped at :data:`MAX_ROWS`, counts kept)."""
    records, n_rec = _cap([_plain(r) for r in cf["records"]])
    spells, n_sp = _cap([_plain(s) for s in cf["list_spells"]])
    sanctions, n_sa = _cap([_plain(s) for s in cf["sanctions"]])
    others, n_ot = _cap([_plain(s) for s in cf["reaches_others"]])
    ch = chains(cf)
    return {
        "run_id": run_id,
        "scenario": cf["scenario"],
        "synthetic": True,
        "notice": "Every identity here is synthetic: made by the simulation, belonging to no real person or firm.",
        "subject": cf["subject"],
        "score_history": score_history(cf, scenario, days),
        "records": records,
        "list_spells": spells,
        "sanctions": sanctions,
        "reaches_others": others,
        "counts": {"records": n_rec, "list_spells": n_sp, "sanctions": n_sa, "reaches_others": n_ot},
        "false_records": sum(1 for r in cf["records"] if not r.get("happened")),
        "chains": ch[:MAX_ROWS],
        "chain_text": cf["chains"][:MAX_ROWS],
    }
