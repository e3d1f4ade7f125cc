"""Figures of a comparison: what a reform changes (with its interval) and who wins, who loses.

One set of builders for the offline compare page (:func:`scslab.report.lab.compare_page`)
and the dashboard's Compare page, so both show the same charts. They take plain rows
(dicts), not lab types, so a comparison of two stored runs (no interval) and a compare
experiment (paired 95 % intervals) draw through the same code.

Why the change is drawn relative to the baseline: the figures of a run have different
units (records in thousands, shares between 0 and 1, scores in hundreds); on one axis in
their own units the large ones flatten the rest. Each bar is ``(reform - baseline) /
|baseline|`` in per cent, its error bar the paired interval of the difference divided the
same way (the baseline mean is taken as known: the bar reads "how big is the change
against where the baseline stands"). Figures whose baseline is zero have no relative
change and are left to the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

import plotly.graph_objects as go

__all__ = ["OUTCOME_LABELS", "change_figure", "compare_figures", "winners_figure"]

#: plain words for the per-person outcomes of lab.winners
OUTCOME_LABELS = {
    "ever_listed": "ever on a blacklist",
    "days_listed": "days on a blacklist",
    "sanctions": "sanctions suffered",
    "income": "income",
    "score": "credit score",
}
_BETTER, _SAME, _WORSE = "#54a24b", "#d9d9d9", "#e45756"
_QUINTILE_NAMES = {"Q1": "Q1 poorest", "Q5": "Q5 richest"}
_BREAKDOWN_TITLES = {
    "income_quintile": "by income at the start (quintiles)",
    "group": "by group",
    "sex": "by sex",
    "region": "by region",
    "hukou": "by hukou",
}


def _finite(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def change_figure(rows: Sequence[Mapping[str, Any]], title: str) -> go.Figure | None:
    """Horizontal bars of each figure's change in % of its baseline, with error bars when given.

    A row has ``label``, ``baseline``, ``diff`` and optionally ``ci_low`` / ``ci_high``.
    """
    pts = []
    for r in rows:
        b, d = r.get("baseline"), r.get("diff")
        if not (_finite(b) and _finite(d)) or b == 0:
            continue
        scale = 100.0 / abs(b)
        lo, hi = r.get("ci_low"), r.get("ci_high")
        ci = (lo * scale, hi * scale) if _finite(lo) and _finite(hi) else None
        pts.append((str(r.get("label") or r.get("metric")), d * scale, ci, r))
    if not pts:
        return None
    pts.reverse()  # plotly draws the first category at the bottom: keep the table's order top-down
    x = [p[1] for p in pts]
    bar = go.Bar(
        y=[p[0] for p in pts],
        x=x,
        orientation="h",
        marker={"color": "#4c78a8"},  # one colour: the sign of a change is not its merit
        customdata=[[p[3].get("baseline"), p[3].get("reform", p[3].get("b"))] for p in pts],
        hovertemplate="%{y}: %{x:+.1f} % of the baseline<br>baseline %{customdata[0]:,.4g}, reform "
        "%{customdata[1]:,.4g}<extra></extra>",
        name="change",
    )
    if any(p[2] is not None for p in pts):
        bar.error_x = {
            "type": "data",
            "symmetric": False,
            "array": [(p[2][1] - p[1]) if p[2] else 0.0 for p in pts],
            "arrayminus": [(p[1] - p[2][0]) if p[2] else 0.0 for p in pts],
            "color": "#222",
            "thickness": 1.5,
            "width": 4,
        }
    fig = go.Figure(bar)
    fig.add_vline(x=0, line={"color": "#888", "width": 1})
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=max(260, 60 + 28 * len(pts)),
        margin={"l": 10, "r": 30, "t": 50, "b": 45},
        xaxis={"title": {"text": "change, % of the baseline"}, "ticksuffix": " %", "zeroline": False},
        yaxis={"automargin": True},
        showlegend=False,
        bargap=0.35,
        template="plotly_white",
    )
    return fig


def winners_figure(
    rows: Iterable[Mapping[str, Any]], outcome: str, breakdown: str = "income_quintile"
) -> go.Figure | None:
    """Shares of persons better off, unchanged and worse off in one outcome, per category.

    ``rows`` are the winners-and-losers table's rows (:meth:`lab.winners.WinnersLosers.table`).
    The overall share comes first, then the breakdown's categories.
    """
    sel = [r for r in rows if r.get("outcome") == outcome and r.get("breakdown") in ("all", breakdown)]
    sel = [r for r in sel if _finite(r.get("better_off")) and _finite(r.get("worse_off"))]
    if not sel:
        return None
    sel.sort(key=lambda r: (r["breakdown"] != "all", str(r["category"])))
    sel.reverse()
    cats = [
        "everyone" if r["breakdown"] == "all" else _QUINTILE_NAMES.get(str(r["category"]), str(r["category"]))
        for r in sel
    ]
    fig = go.Figure()
    for key, name, color in (
        ("better_off", "better off", _BETTER),
        ("unchanged", "unchanged", _SAME),
        ("worse_off", "worse off", _WORSE),
    ):
        vals = [100.0 * float(r.get(key) or 0.0) for r in sel]
        fig.add_trace(
            go.Bar(
                y=cats,
                x=vals,
                orientation="h",
                name=name,
                marker={"color": color},
                text=[f"{v:.1f} %" if v >= 4 else "" for v in vals],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate="%{y}: %{x:.2f} % " + name + "<extra></extra>",
            )
        )
    label = OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))
    fig.update_layout(
        title={"text": label, "x": 0},
        barmode="stack",
        height=max(240, 90 + 30 * len(cats)),
        margin={"l": 10, "r": 20, "t": 50, "b": 70},
        xaxis={"title": {"text": "share of persons, %"}, "range": [0, 100], "ticksuffix": " %"},
        yaxis={"automargin": True, "title": {"text": _BREAKDOWN_TITLES.get(breakdown, breakdown)}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0, "traceorder": "normal"},
        template="plotly_white",
    )
    return fig


def compare_figures(
    rows: Sequence[Mapping[str, Any]], winners: Iterable[Mapping[str, Any]] | None, *, intervals: bool
) -> list[tuple[str, go.Figure]]:
    """(key, figure) pairs: the change chart, then one who-wins-who-loses chart per outcome."""
    title = (
        "What the reform changes (reform − baseline, % of the baseline; bars: 95 % paired interval)"
        if intervals
        else "What B changes against A (B − A, % of A; one run each: no interval)"
    )
    out: list[tuple[str, go.Figure]] = []
    fig = change_figure(rows, title)
    if fig is not None:
        out.append(("change", fig))
    w = list(winners or [])
    for outcome in OUTCOME_LABELS:
        f = winners_figure(w, outcome)
        if f is not None:
            out.append((f"winners_{outcome}", f))
    return out
