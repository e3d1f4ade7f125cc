"""Indicators of the commercial and foreign credit-score presets (sesame, tencent, fico-us,
schufa-de, private-scoring).

These scores are private or sectoral, so the questions differ from the national lists:
who is scored at all (opt-in), who gets a perk, whether a lender ever acts outside credit,
how long insolvency data is kept, how often a human review catches a wrong decision, and
whether a record from one context reaches another (EU AI Act Art. 5(1)(c)(i), facts 9.1, 9.5).
Counts of people are multiplied by the population scale; shares are not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = [
    "SET",
    "context_of",
    "cross_context_mask",
    "cross_context_sanctions",
    "finance_only_share",
    "human_review_cancelled",
    "insolvency_kept_days_max",
    "list_contexts",
    "opt_in_share",
    "perk_holders",
    "score_percentiles",
    "scored_below_perk_threshold",
    "wrongful_sanction_share",
]

SET = IndicatorSet("credit_scores")


_RECORDS = re.compile(r"\brecords_([a-z][a-z0-9_]*)")
_SCORE = re.compile(r"\b(?:score|points|grade\w*)\b")
_THRESHOLD = re.compile(r"\b(?:points|score)\s*>=\s*([0-9]+(?:\.[0-9]+)?)")


def _persons(res: Results) -> np.ndarray:
    return res.subjects["type"] == 0


def _adults(res: Results) -> np.ndarray:
    return _persons(res) & (res.subjects["adult"] > 0)


def _scored(res: Results) -> np.ndarray:
    """Scored adult persons (credit scores do not cover minors)."""
    return _adults(res) & (res.subjects["grade"] >= 0)


@SET.register("opt_in_share")
def opt_in_share(res: Results) -> float:
    """Share of adult persons who carry a score (a voluntary score leaves the rest unscored)."""
    return float(_scored(res).sum() / max(_adults(res).sum(), 1))


def _active_rows(res: Results, kind: str) -> np.ndarray:
    sa = res.sanctions
    kinds = np.asarray(res.names["measure_kind"], dtype=object)
    if not len(sa["measure"]):
        return np.zeros(0, bool)
    return (kinds[sa["measure"]] == kind) & (sa["end"] < 0)


@SET.register("perk_holders")
def perk_holders(res: Results) -> dict[str, float]:
    """Per reward measure: share of scored adults holding it at the end of the run."""
    sa = res.sanctions
    active = _active_rows(res, "reward")
    denom = max(int(_scored(res).sum()), 1)
    out = {}
    for j, m in enumerate(res.scenario["measures"]):
        if m["kind"] == "reward":
            out[m["name"]] = (
                float(np.unique(sa["target"][active & (sa["measure"] == j)]).size / denom) if active.size else 0.0
            )
    return out


@SET.register("score_percentiles")
def score_percentiles(res: Results) -> dict[str, float] | None:
    """10th, 50th and 90th percentile and mean of scored adults' final scores."""
    m = _scored(res)
    if not m.any():
        return None
    s = res.subjects["score"][m].astype(np.float64)
    p10, p50, p90 = np.percentile(s, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(s.mean())}


@SET.register("scored_below_perk_threshold")
def scored_below_perk_threshold(res: Results) -> float:
    """Scored adults below the lowest reward threshold at the end (read from red-list entry rules)."""
    m = _scored(res)
    lows = []
    for lst in res.scenario["lists"]:
        hit = _THRESHOLD.search(lst["entry"])
        if lst["type"] == "red" and hit:
            lows.append(float(hit.group(1)))
    if not lows or not m.any():
        return 0.0
    return float((res.subjects["score"][m] < min(lows)).sum() * res.scale)


@SET.register("finance_only_share")
def finance_only_share(res: Results) -> float | None:
    """Share of sanction applications whose measure is a credit (finance) decision."""
    sa = res.sanctions
    if not len(sa["measure"]):
        return None
    kinds = np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]]
    cats = np.asarray(res.names["measure_category"], dtype=object)[sa["measure"]]
    s = kinds == "sanction"
    return None if not s.any() else float((cats[s] == "finance").mean())


@SET.register("insolvency_kept_days_max")
def insolvency_kept_days_max(res: Results) -> int | None:
    """Longest time any insolvency record stayed in effect (end of run for live ones)."""
    rec = res.records
    names = res.names["behaviour"]
    if "insolvency" not in names or not len(rec["subject"]):
        return None
    ins = rec["behaviour"] == names.index("insolvency")
    if not ins.any():
        return None
    end = np.where(rec["end_day"][ins] >= 0, rec["end_day"][ins], res.days - 1)
    return int((end - rec["day"][ins]).max())


@SET.register("human_review_cancelled")
def human_review_cancelled(res: Results) -> float:
    """Automated applications a human review cancelled because the causing record was false."""
    return float(res.figures["reviewed_cancelled"] * res.scale)


@SET.register("wrongful_sanction_share")
def wrongful_sanction_share(res: Results) -> float | None:
    """Share of sanction applications caused by a false record."""
    sa = res.sanctions
    if not len(sa["measure"]):
        return None
    s = np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]] == "sanction"
    return None if not s.any() else float(sa["wrongful"][s].mean())


def context_of(behaviour_name: str) -> str:
    """A behaviour's context is its name's first word (``rental_late_rent`` -> ``rental``)."""
    return behaviour_name.split("_", 1)[0]


def list_contexts(res: Results) -> list[str | None]:
    """Per list: the one context its entry rule reads (``records_<behaviour>``), else None.

    A list fed by one context's records (a landlord's own arrears list) belongs to that
    context whatever record the engine names as the spell's cause; a score-based list reads
    every context, so its spells are judged by their causing record instead.
    """
    lists = res.scenario.get("lists", [])
    behaviours = set(res.names["behaviour"])
    out: list[str | None] = []
    for lst in lists:
        used = {m for m in _RECORDS.findall(lst.get("entry", "")) if m in behaviours}
        ctx = {context_of(b) for b in used}
        out.append(ctx.pop() if len(ctx) == 1 and not _SCORE.search(lst.get("entry", "")) else None)
    return out


def cross_context_mask(res: Results) -> np.ndarray:
    """Sanction rows whose measure category differs from the context of the data behind them.

    That context is the list's own context (see :func:`list_contexts`) or, for lists that
    read the pooled score, the context of the spell's causing record.
    """
    sa, sp, rec = res.sanctions, res.list_spells, res.records
    if not len(sa["measure"]):
        return np.zeros(0, bool)
    cause = sp["cause_record"][sa["spell"]]
    has = cause >= 0
    beh_ctx = np.array([context_of(b) for b in res.names["behaviour"]] + [""], dtype=object)
    beh = np.where(has, rec["behaviour"][np.maximum(cause, 0)], len(beh_ctx) - 1)
    ctx = beh_ctx[beh]
    own = np.array([c if c is not None else "" for c in list_contexts(res)] + [""], dtype=object)
    lst_ctx = own[sp["list"][sa["spell"]]]
    ctx = np.where(lst_ctx != "", lst_ctx, ctx)
    known = has | (lst_ctx != "")
    cats = np.asarray(res.names["measure_category"], dtype=object)[sa["measure"]]
    kinds = np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]]
    return known & (kinds == "sanction") & (cats != ctx)


@SET.register("cross_context_sanctions")
def cross_context_sanctions(res: Results) -> dict[str, Any]:
    """Sanctions applied in a context other than the one the causing record came from.

    This is the AI Act Art. 5(1)(c)(i) pattern (facts 9.1, 9.5): e.g. a late-rent record
    leading to an insurance surcharge. Returns the count (scaled) and the share of sanctions.
    """
    cross = cross_context_mask(res)
    sa = res.sanctions
    s = (
        (np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]] == "sanction")
        if len(sa["measure"])
        else np.zeros(0, bool)
    )
    return {"count": float(cross.sum() * res.scale), "share": float(cross.sum() / s.sum()) if s.any() else 0.0}
