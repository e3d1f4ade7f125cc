"""Self-contained HTML report of one run (Jinja2 template + offline Plotly).

Why self-contained: reports are shared as single files and opened on machines without
network access; plotly.js is inlined once in the page head and every figure refers to it,
so the page loads nothing from anywhere. Sections render only what the run produced.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from scslab.engine.results import Results
from scslab.report import figures as F
from scslab.report.story import _LABELS, SECTION_KEYS, _pct, cost_section, headline, lens_section
from scslab.report.tables import _fmt, _plain, is_scalar, nested_table, nested_tables

__all__ = [
    "figure_sections",
    "headline",
    "is_scalar",
    "nested_table",
    "nested_tables",
    "render_report",
    "summary_rows",
    "write_report",
]

_TEMPLATES = Path(__file__).parent / "templates"

#: (section id, title, how to read it, figure keys)
_SECTIONS: list[tuple[str, str, str, list[str]]] = [
    (
        "lists",
        "List size over time",
        "Each line counts the agents on one list that day (the dotted 'total': on any blacklist); "
        "multiply by the scale for real people.",
        ["list_sizes"],
    ),
    (
        "scores",
        "Scores and grades",
        "The histogram shows where persons' scores ended; the stacked area shows how grades shifted.",
        ["score_distribution", "grade_shares", "score_mean"],
    ),
    (
        "records",
        "Records by domain and by source",
        "Bars count records written over the whole run; red is the part that records something "
        "that never happened (false matches, entry errors).",
        ["records_by_domain", "records_by_source"],
    ),
    (
        "sanctions",
        "Sanctions and rewards",
        "Bars count measures applied; red marks measures whose chain starts at a false record.",
        ["sanctions_by_measure", "sanctions_active"],
    ),
    (
        "wrongful",
        "Wrongful records and listings",
        "False records written per day (left axis) and subjects listed on a false record (right axis).",
        ["wrongful_over_time"],
    ),
    (
        "behaviour",
        "Violations and compliance",
        "What people did (violations) next to what the institution saw (records); the compliance "
        "rate is on the right axis. Long runs are drawn as 7-day averages.",
        ["violations_compliance", "behaviour_totals", "expression"],
    ),
    (
        "epidemic",
        "Epidemic and health codes",
        "Persons (agents) in each disease state and holding each health-code colour, per day.",
        ["epidemic", "health_codes"],
    ),
    ("other", "Other series", "Every other per-day series the run produced, each on its own scale.", ["extra_series"]),
]


def _table(rows: Any, columns: list[str]) -> dict[str, Any] | None:
    """A list of dicts as header + rows, keeping only columns some row actually has."""
    rows = [x for x in (rows or []) if isinstance(x, dict)]
    if not rows:
        return None
    cols = [c for c in columns if any(c in x for x in rows)]
    return {"columns": cols, "rows": [[_fmt(x.get(c)) for c in cols] for x in rows]}


def _bands(bands: Any) -> Any:
    """Score bands as 'AAA ≥ 1050, A ≥ 960, …' rather than a list of dicts."""
    if isinstance(bands, list) and all(isinstance(b, dict) for b in bands):
        return ", ".join(
            f"{b.get('name')} ≥ {b.get('min'):g}"
            if isinstance(b.get("min"), (int, float))
            else f"{b.get('name')} ≥ {b.get('min')}"
            for b in bands
        )  # a score: no separators
    return bands


def _dimensions(dims: Any) -> Any:
    """Weighted-score dimensions as 'payment_history 0.35 (card_payment, loan_payment); …'."""
    if not (isinstance(dims, list) and all(isinstance(d, dict) for d in dims)):
        return dims
    return "; ".join(
        f"{d.get('name')} {d.get('weight', '')}"
        + (
            f" ({', '.join(d.get('behaviours') or []) or d.get('attribute') or ''})"
            if d.get("behaviours") or d.get("attribute")
            else ""
        )
        for d in dims
    )


def _parameter_tables(sc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pop = sc.get("population") or {}
    groups = pop.get("groups") or []
    tables = [
        (
            "Policy levers",
            _table([{"lever": k, "value": v} for k, v in (sc.get("policy") or {}).items()], ["lever", "value"]),
        ),
        (
            "Population",
            _table(
                [{"parameter": k, "value": v} for k, v in pop.items() if k != "groups"]
                + (
                    [{"parameter": "groups", "value": ", ".join(f"{g.get('name')} {g.get('share')}" for g in groups)}]
                    if groups
                    else []
                ),
                ["parameter", "value"],
            ),
        ),
        (
            "Scoring",
            _table(
                [
                    {"parameter": k, "value": _bands(v) if k == "bands" else _dimensions(v) if k == "dimensions" else v}
                    for k, v in (sc.get("scoring") or {}).items()
                    if v not in ([], None) and (k == "kind" or (sc.get("scoring") or {}).get("kind") != "none")
                ],
                ["parameter", "value"],
            ),
        ),
        (
            "Behaviours",
            _table(
                sc.get("behaviours"),
                ["name", "domain", "kind", "subject", "opportunities_per_year", "base_logit", "points", "severity"],
            ),
        ),
        (
            "Sources",
            _table(
                sc.get("sources"),
                [
                    "name",
                    "kind",
                    "detects",
                    "coverage_urban",
                    "coverage_rural",
                    "delay_days",
                    "entry_error_share",
                    "false_match_per_year",
                ],
            ),
        ),
        (
            "Lists",
            _table(
                sc.get("lists"),
                ["name", "type", "domain", "subjects", "entry", "term_days", "extend_if", "extension_days", "exit"],
            ),
        ),
        (
            "Measures",
            _table(
                sc.get("measures"),
                [
                    "name",
                    "list",
                    "kind",
                    "agency",
                    "category",
                    "applies_to",
                    "blocks",
                    "income_effect",
                    "benefit",
                    "joint",
                    "publicity",
                    "from_day",
                ],
            ),
        ),
        (
            "Schedule",
            _table([{"day": s.get("day"), "set": s.get("set")} for s in sc.get("schedule") or []], ["day", "set"]),
        ),
    ]
    return [(title, t) for title, t in tables if t]


def _count(table: dict[str, Any], col: str) -> tuple[int, int]:
    """(rows, rows where ``col`` is true) of one engine table."""
    a = table.get(col)
    if a is None:
        n = len(next(iter(table.values()))) if table else 0
        return n, 0
    a = np.asarray(a, dtype=bool)
    return int(a.size), int(a.sum())


def _wrongful_counts(r: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    n, true = _count(r.records, "true")
    rows.append(("records", _fmt(n), _fmt(n - true), _pct((n - true) / n) if n else "—"))
    # one row per list type: the blacklist row is the summary's wrongful_listings (the but-for test)
    sp, types = r.list_spells, list(r.names.get("list_type") or [])
    lists = np.asarray(sp.get("list", np.zeros(0, np.int64)), np.int64)
    wrong = np.asarray(sp.get("wrongful", np.zeros(lists.size, bool)), bool)
    for t, label in (("black", "blacklist spells"), ("red", "red-list spells"), ("watch", "watch-list spells")):
        mine = np.isin(lists, [i for i, x in enumerate(types) if x == t])
        if t in types:
            n, bad = int(mine.sum()), int((mine & wrong).sum())
            rows.append((label, _fmt(n), _fmt(bad), _pct(bad / n) if n else "—"))
    sa, kinds = r.sanctions, np.asarray(r.names.get("measure_kind") or [], dtype=object)
    meas = np.asarray(sa.get("measure", np.zeros(0, np.int64)), np.int64)
    swrong = np.asarray(sa.get("wrongful", np.zeros(meas.size, bool)), bool)
    for kind, label in (("sanction", "sanctions applied"), ("reward", "rewards granted")):
        mine = kinds[meas] == kind if kinds.size and meas.size else np.zeros(meas.size, bool)
        if kind in set(kinds):
            n, bad = int(mine.sum()), int((mine & swrong).sum())
            rows.append((label, _fmt(n), _fmt(bad), _pct(bad / n) if n else "—"))
    return rows


def _figure_html(fig: Any, key: str) -> Markup:
    height = fig.layout.height or 360
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"fig-{key}",
        default_height=f"{height}px",
        config={"displaylogo": False, "responsive": True},
    )
    return Markup(html)


def figure_sections(results: Results) -> list[dict[str, Any]]:
    """The report's figure sections: ``{"id", "title", "how", "figures": [(key, plotly Figure)],
    "counts", "flat"}`` for every section the run has something to show in.

    Public so that other views of a run (the web application) draw exactly the report's figures.
    """
    r = results
    builders = {**F.FIGURES, **F.SCENARIO_FIGURES}
    sections = []
    for sid, title, how, keys in _SECTIONS:
        figs = [(k, builders[k](r)) for k in keys]
        figs = [(k, f) for k, f in figs if f is not None]
        table = _wrongful_counts(r) if sid == "wrongful" else None
        if table and not figs and all(row[2] == "0" for row in table):
            how = "No false record was written and nobody was listed on one during the run (no figure)."
        flat = [F.series_label(k, r)[0] for k in F.flat_series_names(r)] if sid == "other" else []
        if figs or table or flat:
            sections.append(
                {"id": sid, "title": title, "how": how, "figures": figs, "counts": table, "flat": ", ".join(flat)}
            )
    return sections


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, key, formatted value) of each scalar summary figure, as the report's table shows them."""
    return [(_LABELS.get(k, k), k, _fmt(v)) for k, v in summary.items() if is_scalar(_plain(v))]


def indicator_rows(results: Results) -> list[tuple[str, str]]:
    """(name, formatted value) of each scalar indicator, as the report's table shows them.

    Indicators that count people or events are agents times the population scale ("people
    represented"): 237 agents x 29.5 is 6,991.5, but people come whole, so a value that is a
    whole number of agents times the scale is shown rounded to a whole number (6,992).
    """
    ind = results.indicators if isinstance(results.indicators, dict) else {}
    scale = float(results.scale or 1.0)
    out = []
    for k, v in ind.items():
        v = _plain(v)
        if not is_scalar(v):
            continue
        if isinstance(v, float) and math.isfinite(v) and scale > 0:
            agents = v / scale
            if abs(agents - round(agents)) < 1e-6 and scale != 1.0:
                v = int(round(v))
        out.append((k, _fmt(v)))
    return out


def render_report(results: Results, *, wall_s: float | None = None) -> str:
    """The report as one HTML string (see ``write_report``)."""
    from plotly.offline import get_plotlyjs

    r, sc = results, results.scenario if isinstance(results.scenario, dict) else {}
    sections = figure_sections(r)
    for s in sections:
        s["figures"] = [(k, _figure_html(f, k)) for k, f in s["figures"]]
    facts = [
        ("scenario", r.name),
        ("seed", _fmt(int(r.seed))),
        ("days simulated", _fmt(int(r.days))),
        ("persons (agents)", _fmt(int(r.n_persons))),
        ("organisations (agents)", _fmt(int(r.n_orgs))),
        ("scale (people per agent)", _fmt(float(r.scale))),
        ("people represented", _fmt(float(r.n_persons) * float(r.scale))),
    ]
    if wall_s is not None:
        facts.append(("wall time", f"{wall_s:.2f} s"))
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    summary = r.summary if isinstance(r.summary, dict) else {}
    scalars = summary_rows(summary)
    nested = [k for k, v in summary.items() if not is_scalar(_plain(v)) and k not in SECTION_KEYS]
    ind = r.indicators if isinstance(r.indicators, dict) else {}
    return env.get_template("report.html").render(
        name=r.name,
        description=str(sc.get("description") or ""),
        facts=facts,
        parameters=_parameter_tables(sc),
        headline=headline(r),
        summary=scalars,
        summary_tables=[
            t
            for k in nested
            for t in nested_tables(
                _LABELS.get(k, k.replace("_", " ")),
                summary[k],
                fmt=_pct if k.endswith("shares") else _fmt,
                value_header="share" if k.endswith("shares") else "value",
            )
        ],
        indicators=indicator_rows(r),
        indicator_tables=[t for k, v in ind.items() if not is_scalar(_plain(v)) for t in nested_tables(k, v)],
        cost=cost_section(summary),
        lens=lens_section(summary, str((sc.get("population") or {}).get("currency") or "yuan")),
        sections=sections,
        plotlyjs=Markup(get_plotlyjs()) if sections else None,
    )


def write_report(results: Results, path: Path | str, *, wall_s: float | None = None) -> Path:
    """Write the report to ``path`` (a folder gets ``report.html``); returns the file written.

    Written to a temporary name and renamed, so a viewer never sees half a report.
    """
    path = Path(path)
    if path.is_dir() or path.suffix == "":
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_report(results, wall_s=wall_s), encoding="utf-8")
    os.replace(tmp, path)
    return path
