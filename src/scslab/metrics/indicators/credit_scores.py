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

from ..lens import context_of, cross_context_mask, list_contexts
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
