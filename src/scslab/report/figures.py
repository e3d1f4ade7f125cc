"""Figure builders for the HTML report: one function per figure, ``None`` when data is absent.

Why one function each: the report must show whatever a run produced and nothing it did not
(no empty axes for a scenario without scores or lists), and each figure stays testable alone.
Everything is aggregated with NumPy *before* it reaches Plotly, so a run of ten million
records still yields a report of a few megabytes (bars of counts, histogram bins, daily series).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scslab.engine.results import Results

__all__ = ["FIGURES", "HANDLED_SERIES", "extra_series_names", "list_sizes", "score_distribution",
           "grade_shares", "score_mean", "records_by_domain", "records_by_source",
           "sanctions_by_measure", "sanctions_active", "wrongful_over_time",
           "violations_compliance", "extra_series"]

HANDLED_SERIES = ("violations", "records", "records_false", "listed_total", "score_mean",
                  "sanctions_active", "compliance_rate", "wrongful_listed")
_HANDLED_PREFIXES = ("listed_", "grade_share_")
_TRUE, _FALSE = "#4c78a8", "#e45756"
_MAX_SMALL_MULTIPLES = 36


def _layout(fig: go.Figure, title: str, *, height: int = 360, xtitle: str = "day",
            ytitle: str = "") -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", height=height,
                      margin=dict(l=60, r=20, t=50, b=45), legend=dict(orientation="h", y=-0.2),
                      xaxis_title=xtitle, yaxis_title=ytitle)
    return fig


def _series(r: Results, name: str) -> np.ndarray | None:
    a = r.series.get(name)
    if a is None:
        return None
    a = np.asarray(a)
    return a.astype(np.float64) if a.ndim == 1 and a.size and a.dtype.kind in "biuf" else None


def _line(fig: go.Figure, r: Results, name: str, label: str | None = None, **kw) -> bool:
    a = _series(r, name)
    if a is None:
        return False
    fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, mode="lines", name=label or name, **kw))
    return True


def _labels(r: Results, key: str, n: int) -> list[str]:
    labels = list(r.names.get(key) or [])
    return [str(x) for x in labels] + [str(i) for i in range(len(labels), n)]


def _counts(codes: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    ok = (codes >= 0) & mask
    return np.bincount(codes[ok].astype(np.int64), minlength=n)[:n]


def list_sizes(r: Results) -> go.Figure | None:
    """Subjects on each list per day (one line per ``listed_<list>``, plus the total)."""
    names = sorted(k for k in r.series if k.startswith("listed_") and k != "listed_total")
    fig = go.Figure()
    drawn = [_line(fig, r, k, k.removeprefix("listed_")) for k in names]
    drawn.append(_line(fig, r, "listed_total", "total", line=dict(dash="dot", color="#555")))
    return _layout(fig, "Subjects listed", ytitle="subjects (agents)") if any(drawn) else None


def _scored(r: Results) -> np.ndarray | None:
    scoring = (r.scenario.get("scoring") or {}) if isinstance(r.scenario, dict) else {}
    if scoring.get("kind") == "none" or "score" not in r.subjects:
        return None
    score = np.asarray(r.subjects["score"], dtype=np.float64)
    types = r.subjects.get("type")
    labels = r.names.get("subject_type") or ["person"]
    if types is not None and "person" in labels:
        score = score[np.asarray(types) == labels.index("person")]
    score = score[np.isfinite(score)]
    return score if score.size else None


def score_distribution(r: Results) -> go.Figure | None:
    """Histogram of persons' final scores (pre-binned: 40 bins, counts only)."""
    score = _scored(r)
    if score is None:
        return None
    lo, hi = float(score.min()), float(score.max())
    counts, edges = np.histogram(score, bins=40, range=(lo, hi if hi > lo else lo + 1.0))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges),
                           marker_color=_TRUE, name="persons"))
    return _layout(fig, "Score distribution at the end of the run (persons)", xtitle="score",
                   ytitle="persons (agents)")


def grade_shares(r: Results) -> go.Figure | None:
    """Share of subjects in each grade per day, stacked, in the order the engine lists grades."""
    order = [f"grade_share_{g}" for g in r.names.get("grade") or []]
    keys = [k for k in order if k in r.series] + sorted(
        k for k in r.series if k.startswith("grade_share_") and k not in order)
    fig = go.Figure()
    drawn = [_line(fig, r, k, k.removeprefix("grade_share_"), stackgroup="g") for k in keys]
    return _layout(fig, "Grade shares", ytitle="share") if any(drawn) else None


def score_mean(r: Results) -> go.Figure | None:
    fig = go.Figure()
    return _layout(fig, "Mean score", ytitle="score") if _line(fig, r, "score_mean", "mean score") else None


def _by_code(r: Results, key: str, title: str) -> go.Figure | None:
    rec = r.records
    if key not in rec or len(rec[key]) == 0:
        return None
    codes = np.asarray(rec[key]).astype(np.int64)
    truth = np.asarray(rec["true"], dtype=bool) if "true" in rec else np.ones(codes.size, bool)
    n = max(len(r.names.get(key) or []), int(codes.max()) + 1)
    labels = _labels(r, key, n)
    t, f = _counts(codes, truth, n), _counts(codes, ~truth, n)
    keep = (t + f) > 0
    x = [lab for lab, k in zip(labels, keep) if k]
    fig = go.Figure([go.Bar(x=x, y=t[keep], name="true records", marker_color=_TRUE),
                     go.Bar(x=x, y=f[keep], name="false records", marker_color=_FALSE)])
    fig.update_layout(barmode="stack")
    return _layout(fig, title, xtitle=key, ytitle="records")


def records_by_domain(r: Results) -> go.Figure | None:
    return _by_code(r, "domain", "Records by domain (true vs false)")


def records_by_source(r: Results) -> go.Figure | None:
    return _by_code(r, "source", "Records by source (true vs false)")


def sanctions_by_measure(r: Results) -> go.Figure | None:
    """Measures applied, by measure, split into rightful and wrongful (rooted in a false record)."""
    s = r.sanctions
    if "measure" not in s or len(s["measure"]) == 0:
        return None
    codes = np.asarray(s["measure"]).astype(np.int64)
    wrong = np.asarray(s["wrongful"], dtype=bool) if "wrongful" in s else np.zeros(codes.size, bool)
    n = max(len(r.names.get("measure") or []), int(codes.max()) + 1)
    kinds = _labels(r, "measure_kind", n)
    labels = [f"{m} ({k})" if k == "reward" else m for m, k in zip(_labels(r, "measure", n), kinds)]
    ok, bad = _counts(codes, ~wrong, n), _counts(codes, wrong, n)
    keep = (ok + bad) > 0
    x = [lab for lab, k in zip(labels, keep) if k]
    fig = go.Figure([go.Bar(x=x, y=ok[keep], name="rightful", marker_color=_TRUE),
                     go.Bar(x=x, y=bad[keep], name="wrongful", marker_color=_FALSE)])
    fig.update_layout(barmode="stack")
    return _layout(fig, "Sanctions and rewards by measure", xtitle="measure", ytitle="applications")


def sanctions_active(r: Results) -> go.Figure | None:
    fig = go.Figure()
    ok = _line(fig, r, "sanctions_active", "active measures")
    return _layout(fig, "Active measures", ytitle="measures in force") if ok else None


def wrongful_over_time(r: Results) -> go.Figure | None:
    """False records written per day and wrongfully listed subjects per day."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    a = _series(r, "records_false")
    b = _series(r, "wrongful_listed")
    if a is not None:
        fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, name="false records / day",
                                 line=dict(color=_FALSE)), secondary_y=False)
    if b is not None:
        fig.add_trace(go.Scatter(x=np.arange(b.size), y=b, name="wrongfully listed",
                                 line=dict(color="#72b7b2")), secondary_y=True)
    if a is None and b is None:
        return None
    fig.update_yaxes(title_text="false records", secondary_y=False)
    fig.update_yaxes(title_text="subjects listed wrongfully", secondary_y=True)
    return _layout(fig, "Wrongful records and listings")


def violations_compliance(r: Results) -> go.Figure | None:
    """Violations committed vs recorded per day (left), compliance rate (right)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    drawn = False
    for name, label in (("violations", "violations / day"), ("records", "records / day")):
        a = _series(r, name)
        if a is not None:
            fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, name=label), secondary_y=False)
            drawn = True
    c = _series(r, "compliance_rate")
    if c is not None:
        fig.add_trace(go.Scatter(x=np.arange(c.size), y=c, name="compliance rate",
                                 line=dict(color="#54a24b")), secondary_y=True)
        fig.update_yaxes(title_text="compliance rate", secondary_y=True)
        drawn = True
    return _layout(fig, "Violations and compliance", ytitle="per day") if drawn else None


def extra_series_names(r: Results) -> list[str]:
    """Series no dedicated figure shows, so new engine metrics appear without report changes."""
    return sorted(k for k in r.series if k not in HANDLED_SERIES and not k.startswith(_HANDLED_PREFIXES)
                  and _series(r, k) is not None)


def extra_series(r: Results) -> go.Figure | None:
    """Small multiples (3 per row, own y axes) of every series not shown elsewhere."""
    names = extra_series_names(r)[:_MAX_SMALL_MULTIPLES]
    if not names:
        return None
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, vertical_spacing=0.5 / rows + 0.02)
    for i, name in enumerate(names):
        a = _series(r, name)
        fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, mode="lines", name=name, showlegend=False,
                                 line=dict(color=_TRUE)), row=i // cols + 1, col=i % cols + 1)
    return _layout(fig, "Other series", height=220 * rows + 60, xtitle="")


#: key -> builder, in report order; the HTML section table refers to these keys.
FIGURES: dict[str, Callable[[Results], go.Figure | None]] = {
    "list_sizes": list_sizes, "score_distribution": score_distribution, "grade_shares": grade_shares,
    "score_mean": score_mean, "records_by_domain": records_by_domain,
    "records_by_source": records_by_source, "sanctions_by_measure": sanctions_by_measure,
    "sanctions_active": sanctions_active, "wrongful_over_time": wrongful_over_time,
    "violations_compliance": violations_compliance, "extra_series": extra_series,
}
