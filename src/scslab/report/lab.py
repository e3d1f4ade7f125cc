"""Offline HTML pages for experiments: ensemble bands, sweep plots, sensitivity rankings, compares.

Each function takes plain pandas DataFrames (the tidy tables the lab returns), so the report
depends on no lab type; plotly.js is inlined once per page so the file opens without a network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "compare_page",
    "ensemble_page",
    "sensitivity_page",
    "sweep_page",
    "write_page",
]

#: daily series shown first in an ensemble page, when the scenario has them
PREFERRED_SERIES = (
    "compliance_rate",
    "violations",
    "records",
    "records_false",
    "listed_total",
    "sanctions_active",
    "score_mean",
    "wrongful_listed",
    "income_mean",
    "norm_mean",
    "perceived_mean",
)


def _fig_html(fig: Any) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})


def _table(df: Any, floatfmt: str = "{:,.4g}") -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "n/a" if v != v else floatfmt.format(v)
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_page(path: Path | str, title: str, sections: Sequence[tuple[str, str]], intro: str = "") -> Path:
    """A self-contained page: ``sections`` are (heading, html) pairs."""
    from plotly.offline import get_plotlyjs

    parts = "".join(f"<section><h2>{html.escape(h)}</h2>{body}</section>" for h, body in sections)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}}
table{{border-collapse:collapse;font-size:90%}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
th{{background:#f3f3f3}}section{{margin-bottom:2em}}p.note{{color:#555}}</style>
<script>{get_plotlyjs()}</script></head><body><h1>{html.escape(title)}</h1>{intro}{parts}</body></html>"""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(page, encoding="utf-8")
    return p


def _band(fig: Any, x: Any, mean: Any, lo: Any, hi: Any, name: str, color: str) -> None:
    import plotly.graph_objects as go

    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lo,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=color.replace("1)", "0.2)"),
            name=f"{name} 95% interval",
            hoverinfo="skip",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines", line={"color": color}, name=f"{name} mean"))


def ensemble_page(path: Path | str, title: str, figures: Any, series: Any, runs: int, limit: int = 12) -> Path:
    """Headline figures (mean and 95 % interval over runs) and daily series drawn as bands."""
    import plotly.graph_objects as go

    names = list(dict.fromkeys([*(s for s in PREFERRED_SERIES if s in set(series["metric"])), *series["metric"]]))
    sections = [("Figures (mean and 95 % interval over runs)", _table(figures))]
    for name in names[:limit]:
        s = series[series["metric"] == name].sort_values("day")
        fig = go.Figure()
        _band(fig, s["day"], s["mean"], s["ci_low"], s["ci_high"], name, "rgba(31,119,180,1)")
        fig.update_layout(title=name, xaxis_title="day", height=320, margin={"t": 40, "b": 40})
        sections.append((name, _fig_html(fig)))
    intro = f"<p class='note'>{runs} runs on seeds S..S+{runs - 1}; bands are 95 % t intervals of the mean.</p>"
    return write_page(path, title, sections, intro)


def sweep_page(path: Path | str, title: str, summary: Any, parameters: Sequence[str]) -> Path:
    """Each metric against each parameter: point means with their 95 % intervals as error bars."""
    import plotly.graph_objects as go

    sections = []
    for metric in sorted(summary["metric"].unique()):
        s = summary[summary["metric"] == metric]
        for param in parameters:
            t = s.sort_values(param)
            fig = go.Figure(
                go.Scatter(
                    x=t[param],
                    y=t["mean"],
                    mode="markers+lines" if len(parameters) == 1 else "markers",
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": t["ci_high"] - t["mean"],
                        "arrayminus": t["mean"] - t["ci_low"],
                    },
                    name=metric,
                )
            )
            fig.update_layout(title=f"{metric} vs {param}", xaxis_title=param, yaxis_title=metric, height=340)
            sections.append((f"{metric} vs {param}", _fig_html(fig)))
    sections.append(("All points", _table(summary)))
    return write_page(path, title, sections)


def sensitivity_page(path: Path | str, title: str, indices: Any, method: str) -> Path:
    """Indices ranked per metric, with their confidence intervals."""
    import plotly.graph_objects as go

    sections = []
    main = "mu_star" if method == "morris" else "ST"
    for metric in sorted(indices["metric"].unique()):
        d = indices[indices["metric"] == metric]
        fig = go.Figure()
        for idx in [i for i in (("mu_star", "sigma") if method == "morris" else ("S1", "ST")) if i in set(d["index"])]:
            t = d[d["index"] == idx]
            order = d[d["index"] == main].sort_values("value", ascending=False)["parameter"].tolist()
            t = t.set_index("parameter").reindex(order).reset_index()
            fig.add_trace(
                go.Bar(x=t["parameter"], y=t["value"], error_y={"type": "data", "array": t["conf"]}, name=idx)
            )
        fig.update_layout(title=f"{metric}: {method} indices (ranked by {main})", barmode="group", height=360)
        sections.append((metric, _fig_html(fig)))
    sections.append(("Indices", _table(indices)))
    return write_page(path, title, sections)


def compare_page(path: Path | str, title: str, metrics: Any, winners: Any) -> Path:
    """Paired differences with intervals (and the independent-seed width), winners and losers.

    The charts are the dashboard's (:func:`scslab.report.compare.compare_figures`).
    """
    from scslab.report.compare import compare_figures
    from scslab.report.story import summary_label

    rows = [{**r, "label": summary_label(str(r["metric"]))} for r in metrics.to_dict(orient="records")]
    figs = compare_figures(rows, winners.to_dict(orient="records"), intervals=True)
    sections = [(f.layout.title.text or key, _fig_html(f)) for key, f in figs[:1]]
    sections.append(("Metrics", _table(metrics)))
    sections += [(f"Who wins and who loses: {f.layout.title.text}", _fig_html(f)) for _, f in figs[1:]]
    sections.append(("Winners and losers (all breakdowns)", _table(winners)))
    return write_page(path, title, sections)
