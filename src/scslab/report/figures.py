"""Figure builders for the HTML report: one function per figure, ``None`` when data is absent.

Why one function each: the report must show whatever a run produced and nothing it did not
(no empty axes for a scenario without scores or lists), and each figure stays testable alone.
Everything is aggregated with NumPy *before* it reaches Plotly, so a run of ten million
records still yields a report of a few megabytes (bars of counts, histogram bins, daily series).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scslab.engine.results import Results

__all__ = [
    "FIGURES",
    "HANDLED_SERIES",
    "SCENARIO_FIGURES",
    "SERIES_LABELS",
    "behaviour_totals",
    "epidemic",
    "expression",
    "extra_series",
    "extra_series_names",
    "flat_series_names",
    "grade_shares",
    "health_codes",
    "list_sizes",
    "records_by_domain",
    "records_by_source",
    "sanctions_active",
    "sanctions_by_measure",
    "score_distribution",
    "score_mean",
    "series_label",
    "smooth",
    "violations_compliance",
    "wrongful_over_time",
]

#: epidemic compartments drawn by ``epidemic`` (susceptible would dwarf them, so it is left out)
_EPI = (
    ("infectious", "infectious"),
    ("infected", "infected (exposed + infectious)"),
    ("isolated", "isolated"),
    ("recovered", "recovered"),
)
#: green is the large remainder: stacking it would flatten the yellow and red bands to a line
_CODES = (("code_yellow", "yellow", "#eeca3b"), ("code_red", "red", "#e45756"))
HANDLED_SERIES = (
    "violations",
    "records",
    "records_false",
    "listed_total",
    "score_mean",
    "sanctions_active",
    "rewards_active",
    "compliance_rate",
    "wrongful_listed",
    "infectious",
    "infected",
    "isolated",
    "recovered",
    "code_green",
    "code_yellow",
    "code_red",
)
_HANDLED_PREFIXES = ("listed_", "grade_share_", "violations_", "good_deeds_", "desired_", "expressed_")
_TRUE, _FALSE = "#4c78a8", "#e45756"
_MAX_SMALL_MULTIPLES = 36
#: plain label and unit of each daily series the recorder writes and no dedicated figure shows
#: (the "Other series" panels); a series missing here is shown by its name, spaced, unit-less.
#: Counts are of agents (multiply by the scale for the people they stand for).
SERIES_LABELS: dict[str, tuple[str, str]] = {
    "opportunities": ("chances to comply or violate", "opportunities / day"),
    "involuntary_defaults": ("defaults by people who could not pay", "defaults / day"),
    "good_deeds": ("good deeds done", "acts / day"),
    "detected": ("acts a source saw", "acts / day"),
    "missed": ("violations no source saw", "acts / day"),
    "false_matches": ("false matches (acts never committed)", "records / day"),
    "entry_errors": ("data-entry errors", "records / day"),
    "list_entries": ("list entries", "spells begun / day"),
    "list_exits": ("list exits", "spells ended / day"),
    "sanctions_applied": ("measures applied (sanctions and rewards)", "applications / day"),
    "debtors": ("persons in debt", "persons (agents)"),
    "settled": ("debts settled", "settlements / day"),
    "shocks": ("income shocks", "persons hit / day"),
    "expired": ("records expired", "records / day"),
    "repaired": ("records removed by credit repair", "records / day"),
    "objections": ("objections filed", "objections / day"),
    "corrected": ("records corrected after objection", "records / day"),
    "norm_mean": ("internalised norm, mean over persons", "index, 0 to 1"),
    "perceived_mean": ("perceived chance of being seen, mean", "probability"),
    "income_mean": ("income, mean over persons", "per year"),
    "self_governance_index": ("self-governance index", "ratio, 1 = as if watched"),
    "peer_share_mean": ("share of one's ties who are listed, mean", "share, 0 to 1"),
    "seen_sanctioned_share": ("persons who saw a tie sanctioned", "share, 0 to 1"),
}
#: units of daily counts (drawn as 7-day averages in long runs, like the main figures)
_PER_DAY = " / day"
#: daily series longer than this are drawn as 7-day averages: daily counts of a few
#: thousand agents are mostly noise, and a zig-zag hides the trend a reader looks for
_SMOOTH_FROM_DAYS = 60


def _layout(fig: go.Figure, title: str, *, height: int = 360, xtitle: str = "day", ytitle: str = "") -> go.Figure:
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=height,
        margin=dict(l=60, r=20, t=50, b=45),
        legend=dict(orientation="h", y=-0.2),
        xaxis_title=xtitle,
        yaxis_title=ytitle,
    )
    return fig


def _counts_axis(fig: go.Figure) -> go.Figure:
    """Counts start at zero; a small maximum gets whole-number ticks (no '0.2 subjects')."""
    top = max(
        (
            float(np.nanmax(t.y))
            for t in fig.data
            if t.y is not None and len(t.y) and np.isfinite(np.asarray(t.y, dtype=np.float64)).any()
        ),
        default=0.0,
    )
    fig.update_yaxes(rangemode="tozero", dtick=1 if top <= 5 else None)
    return fig


def _series(r: Results, name: str) -> np.ndarray | None:
    a = r.series.get(name)
    if a is None:
        return None
    a = np.asarray(a)
    return a.astype(np.float64) if a.ndim == 1 and a.size and a.dtype.kind in "biuf" else None


def smooth(a: np.ndarray, window: int = 7) -> np.ndarray:
    """Trailing moving average over the finite values (shorter window over the first days).

    Same length as ``a``; NaN (e.g. a rate on a day without opportunities) is skipped, and a
    window holding no finite value stays NaN, so one missing day does not blank the line.
    """
    a = np.asarray(a, dtype=np.float64)
    if window <= 1 or a.size == 0:
        return a
    ok = np.isfinite(a)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, a, 0.0))])
    k = np.concatenate([[0], np.cumsum(ok)])
    idx = np.arange(1, a.size + 1)
    lo = np.maximum(idx - window, 0)
    n = k[idx] - k[lo]
    return np.divide(c[idx] - c[lo], n, out=np.full(a.size, np.nan), where=n > 0)


def _smoothed(r: Results, name: str) -> tuple[np.ndarray | None, bool]:
    a = _series(r, name)
    if a is None or a.size < _SMOOTH_FROM_DAYS:
        return a, False
    return smooth(a), True


def _line(fig: go.Figure, r: Results, name: str, label: str | None = None, **kw: Any) -> bool:
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


def _wrap(label: str, width: int = 14) -> str:
    """A category label on several short lines (no tilted labels running into the legend)."""
    words, lines, cur = label.replace("_", " ").split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "<br>".join(lines)


def _split_bars(
    x: list[str],
    ok: np.ndarray,
    bad: np.ndarray,
    *,
    title: str,
    xtitle: str,
    ytitle: str,
    ok_name: str,
    bad_name: str,
    bad_axis: str,
) -> go.Figure:
    """All cases per category (stacked, the minority in red) over a panel of the minority alone.

    Why two panels: false records and wrongful sanctions are typically 0.1-2 % of the bars,
    a red sliver no reader sees on the shared axis -- and they are what the chart is for. The
    lower panel draws them on their own axis, each bar labelled with its count and share.
    """
    labels = list(x)
    total = ok + bad
    share = np.divide(bad, total, out=np.zeros(total.size), where=total > 0)
    any_bad = bool(bad.any())
    rows = 2 if any_bad else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.58, 0.42] if any_bad else [1.0],
        vertical_spacing=0.1,
    )
    fig.add_trace(go.Bar(x=labels, y=ok, name=ok_name, marker_color=_TRUE), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=bad, name=bad_name, marker_color=_FALSE), row=1, col=1)
    if any_bad:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=bad,
                name=bad_name,
                marker_color=_FALSE,
                showlegend=False,
                text=[f"{int(b):,} ({100 * s:.1f} %)" if b else "" for b, s in zip(bad, share)],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}: %{y:,} " + bad_name + "<extra></extra>",
            ),
            row=2,
            col=1,
        )
        fig.update_yaxes(title_text=bad_axis, row=2, col=1, rangemode="tozero")
        top = float(bad.max())
        fig.update_yaxes(range=[0, top * 1.3], dtick=1 if top <= 5 else None, row=2, col=1)
    else:
        title += f" (none {bad_name})"
    fig.update_layout(barmode="stack")
    _layout(fig, title, height=520 if any_bad else 380, xtitle="", ytitle="")
    fig.update_yaxes(title_text=ytitle, row=1, col=1, rangemode="tozero")
    fig.update_xaxes(tickangle=0, automargin=True, tickmode="array", tickvals=labels, ticktext=[_wrap(v) for v in x])
    fig.update_xaxes(title_text=xtitle, row=rows, col=1)
    # legend above the plot: below it, it ran into the category labels
    fig.update_layout(
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"), margin=dict(t=80)
    )
    if len(x) < 4:
        fig.update_traces(width=0.2 + 0.1 * len(x))
    return fig


def list_sizes(r: Results) -> go.Figure | None:
    """Subjects on each list per day (one line per ``listed_<list>``, plus the total)."""
    names = sorted(k for k in r.series if k.startswith("listed_") and k != "listed_total")
    fig = go.Figure()
    drawn = [_line(fig, r, k, k.removeprefix("listed_")) for k in names]
    drawn.append(_line(fig, r, "listed_total", "total", line=dict(dash="dot", color="#555")))
    return _counts_axis(_layout(fig, "Subjects listed", ytitle="subjects (agents)")) if any(drawn) else None


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
    fig = go.Figure(
        go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=_TRUE, name="persons")
    )
    return _layout(fig, "Score distribution at the end of the run (persons)", xtitle="score", ytitle="persons (agents)")


def grade_shares(r: Results) -> go.Figure | None:
    """Share of subjects in each grade per day, stacked, in the order the engine lists grades."""
    order = [f"grade_share_{g}" for g in r.names.get("grade") or []]
    keys = [k for k in order if k in r.series] + sorted(
        k for k in r.series if k.startswith("grade_share_") and k not in order
    )
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
    return _split_bars(
        x,
        t[keep],
        f[keep],
        title=title,
        xtitle=key,
        ytitle="records",
        ok_name="true records",
        bad_name="false records",
        bad_axis="false records",
    )


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
    return _split_bars(
        x,
        ok[keep],
        bad[keep],
        title="Sanctions and rewards by measure",
        xtitle="measure",
        ytitle="applications",
        ok_name="rightful",
        bad_name="wrongful",
        bad_axis="wrongful (on a false record)",
    )


def sanctions_active(r: Results) -> go.Figure | None:
    """Sanctions and rewards in force per day (a reward-only scheme would otherwise show a flat zero)."""
    fig = go.Figure()
    ok = _line(fig, r, "sanctions_active", "sanctions in force", line=dict(color=_FALSE))
    rew = _series(r, "rewards_active")
    if rew is not None and rew.any():
        ok = _line(fig, r, "rewards_active", "rewards in force", line=dict(color="#54a24b")) or ok
    return _counts_axis(_layout(fig, "Measures in force", ytitle="measures in force")) if ok else None


def wrongful_over_time(r: Results) -> go.Figure | None:
    """False records written per day and wrongfully listed subjects per day."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    a = _series(r, "records_false")
    b = _series(r, "wrongful_listed")
    if a is not None:
        fig.add_trace(
            go.Scatter(x=np.arange(a.size), y=a, name="false records / day", line=dict(color=_FALSE)), secondary_y=False
        )
    if b is not None:
        fig.add_trace(
            go.Scatter(x=np.arange(b.size), y=b, name="wrongfully listed", line=dict(color="#72b7b2")), secondary_y=True
        )
    if (a is None and b is None) or not (
        np.nan_to_num(a if a is not None else 0).any() or np.nan_to_num(b if b is not None else 0).any()
    ):
        return None  # nothing wrongful happened: the counts table above says so
    fig.update_yaxes(title_text="false records", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="subjects listed wrongfully", secondary_y=True, rangemode="tozero", showgrid=False)
    return _counts_axis(_layout(fig, "Wrongful records and listings"))


def violations_compliance(r: Results) -> go.Figure | None:
    """Violations committed vs recorded per day (left), compliance rate (right)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    drawn = avg = False
    for name, label, color in (("violations", "violations / day", "#e45756"), ("records", "records / day", _TRUE)):
        a, sm = _smoothed(r, name)
        if a is not None:
            fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, name=label, line=dict(color=color)), secondary_y=False)
            drawn, avg = True, avg or sm
    c, sm = _smoothed(r, "compliance_rate")
    if c is not None and np.isfinite(c).any():  # all-NaN: the scenario has no obligations to comply with
        fig.add_trace(
            go.Scatter(x=np.arange(c.size), y=c, name="compliance rate", line=dict(color="#54a24b", dash="dot")),
            secondary_y=True,
        )
        fig.update_yaxes(title_text="compliance rate", secondary_y=True, showgrid=False)
        drawn, avg = True, avg or sm
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    title = "Violations and compliance" + (" (7-day averages)" if avg else "")
    return _layout(fig, title, ytitle="per day") if drawn else None


def _prefixed_totals(r: Results, prefix: str) -> dict[str, float]:
    return {
        k.removeprefix(prefix): float(a.sum())
        for k in sorted(r.series)
        if k.startswith(prefix) and (a := _series(r, k)) is not None
    }


def behaviour_totals(r: Results) -> go.Figure | None:
    """Violations and good deeds over the whole run, by behaviour (what people did, seen or not)."""
    bad, good = _prefixed_totals(r, "violations_"), _prefixed_totals(r, "good_deeds_")
    if not any(bad.values()) and not any(good.values()):
        return None
    # horizontal bars: behaviour names are long, and rotated labels collide with the legend
    fig = go.Figure()
    if bad:
        fig.add_trace(
            go.Bar(y=list(bad), x=list(bad.values()), name="violations", marker_color=_FALSE, orientation="h")
        )
    if good:
        fig.add_trace(
            go.Bar(y=list(good), x=list(good.values()), name="good deeds", marker_color="#54a24b", orientation="h")
        )
    n = len(bad) + len(good)
    _layout(fig, "What people did over the whole run, by behaviour", height=140 + 24 * n, xtitle="acts (agents)")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero")
    # legend above the plot on the left (the mode bar sits top right; below, it would hit the axis title)
    fig.update_layout(
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, xanchor="left"),
        margin=dict(t=80),
        title=dict(y=1.0, yanchor="top", pad=dict(t=12)),
    )
    return fig


def expression(r: Results) -> go.Figure | None:
    """Speech people wanted to express vs expressed, per expression behaviour (the chilling effect)."""
    names = sorted(k.removeprefix("desired_") for k in r.series if k.startswith("desired_"))
    fig, avg = go.Figure(), False
    for n in names:
        for key, label, dash in ((f"desired_{n}", "wanted to say", "dot"), (f"expressed_{n}", "said", None)):
            a, sm = _smoothed(r, key)
            if a is not None:
                fig.add_trace(go.Scatter(x=np.arange(a.size), y=a, name=f"{n}: {label}", line=dict(dash=dash)))
                avg = avg or sm
    if not fig.data:
        return None
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, "Speech wanted vs expressed" + (" (7-day averages)" if avg else ""), ytitle="acts per day")


def epidemic(r: Results) -> go.Figure | None:
    """Epidemic compartments per day (persons, agents)."""
    fig = go.Figure()
    drawn = [_line(fig, r, k, label) for k, label in _EPI]
    if not any(drawn):
        return None
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, "Epidemic", ytitle="persons (agents)")


def health_codes(r: Results) -> go.Figure | None:
    """Persons holding a yellow or red health code per day, stacked (everyone else is green)."""
    fig = go.Figure()
    drawn = [_line(fig, r, k, label, stackgroup="c", line=dict(color=c)) for k, label, c in _CODES]
    if not any(drawn):
        return None
    return _counts_axis(
        _layout(fig, "Persons holding a yellow or red health code (everyone else: green)", ytitle="persons (agents)")
    )


def extra_series_names(r: Results) -> list[str]:
    """Series no dedicated figure shows, so new engine metrics appear without report changes."""
    return sorted(
        k
        for k in r.series
        if k not in HANDLED_SERIES and not k.startswith(_HANDLED_PREFIXES) and _series(r, k) is not None
    )


def _series_or_empty(r: Results, name: str) -> np.ndarray:
    a = _series(r, name)
    return np.zeros(0) if a is None else a


def flat_series_names(r: Results) -> list[str]:
    """Extra series that are zero every day: named in a line of text rather than drawn empty."""
    return [k for k in extra_series_names(r) if not np.nan_to_num(_series_or_empty(r, k)).any()]


def series_label(name: str, r: Results | None = None) -> tuple[str, str]:
    """(plain label, unit) of a daily series.

    The report's own wording (:data:`SERIES_LABELS`) first; else what the module that writes
    the series declared (its description and unit, ``Results.declared``), so a new engine
    series is labelled without a report change; else its name, spaced, without a unit.
    """
    if name in SERIES_LABELS:
        return SERIES_LABELS[name]
    for d in r.declared if r is not None else ():
        if d.get("name") == name and d.get("kind", "series") == "series":
            unit = str(d.get("unit") or "")
            return str(d.get("description") or name.replace("_", " ")), unit
    return name.replace("_", " "), ""


def extra_series(r: Results) -> go.Figure | None:
    """Small multiples (3 per row, own y axes) of every series not shown elsewhere and not all zero.

    Each panel is titled with the series' plain label and its y axis with the unit; daily
    counts of a long run are drawn as 7-day averages (the unit says so), as in the main figures.
    """
    flat = set(flat_series_names(r))
    names = [k for k in extra_series_names(r) if k not in flat][:_MAX_SMALL_MULTIPLES]
    if not names:
        return None
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    height = 200 * rows + 90
    titles = [series_label(k, r)[0] for k in names]
    # a fixed ~70 px gap between rows (room for the next row's title), whatever the row count
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=70 / (height - 95), horizontal_spacing=0.1
    )
    averaged = False
    units: list[str] = []
    for i, name in enumerate(names):
        label, unit = series_label(name, r)
        a = _series(r, name)
        if unit.endswith(_PER_DAY):
            a, sm = _smoothed(r, name)
            averaged = averaged or sm
        if a is None:  # names come from extra_series_names: every one has a series
            continue
        fig.add_trace(
            go.Scatter(
                x=np.arange(a.size),
                y=a,
                mode="lines",
                name=label,
                showlegend=False,
                line=dict(color=_TRUE),
                hovertemplate="day %{x}: %{y:,.4g}" + (f" {unit}" if unit else "") + "<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
        units.append(unit)
    fig.update_yaxes(rangemode="tozero", exponentformat="none", separatethousands=True)
    fig.update_annotations(font_size=12)
    title = "Counts per day are drawn as 7-day averages" if averaged else ""
    _layout(fig, title, height=height, xtitle="")
    for i, unit in enumerate(units):  # after the layout, whose axis title would blank the first
        if unit:
            fig.update_yaxes(title_text=unit, title_font_size=10, row=i // cols + 1, col=i % cols + 1)
    return fig


#: key -> builder, in report order; the HTML section table refers to these keys.
FIGURES: dict[str, Callable[[Results], go.Figure | None]] = {
    "list_sizes": list_sizes,
    "score_distribution": score_distribution,
    "grade_shares": grade_shares,
    "score_mean": score_mean,
    "records_by_domain": records_by_domain,
    "records_by_source": records_by_source,
    "sanctions_by_measure": sanctions_by_measure,
    "sanctions_active": sanctions_active,
    "wrongful_over_time": wrongful_over_time,
    "violations_compliance": violations_compliance,
    "extra_series": extra_series,
}

#: figures only some scenarios produce (per-behaviour series, speech, an epidemic): kept apart
#: from ``FIGURES`` so that "every figure of a full run" stays a checkable promise.
SCENARIO_FIGURES: dict[str, Callable[[Results], go.Figure | None]] = {
    "behaviour_totals": behaviour_totals,
    "expression": expression,
    "epidemic": epidemic,
    "health_codes": health_codes,
}
