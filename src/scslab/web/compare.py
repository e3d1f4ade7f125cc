"""Comparisons the server keeps: two stored runs side by side, and lab compare experiments.

A comparison of two stored runs is one run against one run: it shows both runs' figures
and their difference, and says plainly that one run each gives no interval -- that needs
replicates under common random numbers (a compare experiment, run in the worker pool by
:func:`scslab.web.worker.compare_job`). When both runs hold the same synthetic people (same
preset, size and seed) the comparison classes each person as better off, unchanged or worse
off, as a compare experiment does for each of its pairs.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path
from typing import Any

from scslab.jsonable import to_jsonable
from scslab.web.runstore import RUN_ID, RunStore
from scslab.web.worker import figures_json, write_json

__all__ = ["CompareStore", "compare_runs"]


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def compare_runs(store: RunStore, a: str, b: str) -> dict[str, Any]:
    """Scalar summary figures and indicators of runs ``a`` and ``b`` with their differences."""
    from scslab.report import summary_label

    ma, mb = store.meta(a) or {}, store.meta(b) or {}
    sa, sb = store.summary(a) or {}, store.summary(b) or {}
    rows = []
    for key in [k for k in sa if k in sb]:
        va, vb = sa[key], sb[key]
        if not (_number(va) and _number(vb)) or key in ("seed", "wall_s", "agent_days_per_s", "peak_rss_mb"):
            continue
        rows.append(
            {
                "metric": key,
                "label": summary_label(key),
                "a": va,
                "b": vb,
                "difference": vb - va,
                "ratio": (vb / va) if va else None,
            }
        )
    ia, ib = sa.get("indicators") or {}, sb.get("indicators") or {}
    for key in [k for k in ia if k in ib and _number(ia[k]) and _number(ib[k])]:
        rows.append(
            {
                "metric": f"indicators.{key}",
                "label": key.replace("_", " "),
                "a": ia[key],
                "b": ib[key],
                "difference": ib[key] - ia[key],
                "ratio": (ib[key] / ia[key]) if ia[key] else None,
            }
        )
    same_people = all(ma.get(k) == mb.get(k) for k in ("scenario", "n", "seed"))
    winners = _winners(store, a, b) if same_people else []
    from scslab.report.compare import compare_figures

    change_rows = [{**r, "baseline": r["a"], "reform": r["b"], "diff": r["difference"]} for r in rows]
    charts = figures_json(compare_figures(change_rows, winners, intervals=False))
    return {
        "kind": "runs",
        "a": {k: ma.get(k) for k in ("run_id", "scenario", "n", "days", "seed", "set", "schedule")},
        "b": {k: mb.get(k) for k in ("run_id", "scenario", "n", "days", "seed", "set", "schedule")},
        "same_people": same_people,
        "figures": rows,
        "winners_losers": winners,
        "charts": charts,
        "note": (
            "One run each: differences are shown without confidence intervals, which need replicates "
            "under common random numbers (a compare experiment)."
            + (" Both runs simulate the same synthetic people (same preset, size and seed)." if same_people else "")
        ),
    }


def _winners(store: RunStore, a: str, b: str) -> list[dict[str, Any]]:
    """Who wins and who loses going from run ``a`` to run ``b`` (the same synthetic people)."""
    from scslab.lab.compare import people_from_db
    from scslab.lab.winners import WinnersLosers

    people = []
    for rid in (a, b):
        meta = store.meta(rid) or {}
        db_run_id = meta.get("db_run_id")
        assert db_run_id is not None, f"run {rid!r}: a finished run records its results' run id"
        with store.cursor(rid) as cur:
            people.append(people_from_db(cur, str(db_run_id), int(meta.get("days") or 0)))
    wl = WinnersLosers()
    if not wl.add(*people):
        return []
    return to_jsonable(wl.table().to_dict(orient="records"))


class CompareStore:
    """Finished comparisons as JSON files under ``OUT/compare``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, compare_id: str) -> Path | None:
        return self.root / f"{compare_id}.json" if RUN_ID.match(compare_id or "") else None

    def save(self, compare_id: str, doc: dict[str, Any]) -> None:
        doc = {
            **doc,
            "compare_id": compare_id,
            "finished_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        write_json(self.root / f"{compare_id}.json", doc)

    def get(self, compare_id: str) -> dict[str, Any] | None:
        p = self.path(compare_id)
        if p is None or not p.is_file():
            return None
        return json.loads(p.read_text(encoding="utf-8"))

    def delete(self, compare_id: str) -> bool:
        p = self.path(compare_id)
        if p is None or not p.is_file():
            return False
        p.unlink()
        return True

    def ids(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.json") if RUN_ID.match(p.stem))
