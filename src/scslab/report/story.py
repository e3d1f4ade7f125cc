"""The words of the report: a plain-language headline and the "Who bears the cost" section.

Why separate from the page assembly: these sentences are claims about the run, so they are
built from the numbers alone and tested on their own (only what the numbers support is said).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scslab.engine.results import Results
from scslab.report.tables import _fmt, nested_table

__all__ = ["cost_section", "headline", "lens_section", "summary_label"]

#: plain-language labels of the summary keys (the raw key is shown beside, for --json users)
_LABELS = {
    "scenario": "scenario",
    "seed": "random seed",
    "persons": "persons simulated (agents)",
    "organisations": "organisations simulated (agents)",
    "scale": "people each agent stands for",
    "people_represented": "real people the persons stand for (people)",
    "days": "days simulated",
    "wall_s": "run time (seconds)",
    "agent_days_per_s": "speed (agent-days per second)",
    "peak_rss_mb": "peak memory (MB)",
    "records": "records written (agents' records)",
    "records_false": "records of events that never happened (agents' records)",
    "listed_now": "on a blacklist at the end (agents)",
    "ever_listed": "ever on a blacklist (agents)",
    "wrongful_listings": "blacklistings caused by a false record (agents' spells)",
    "sanctions_applied": "sanctions applied (to agents)",
    "wrongful_sanctions": "sanctions rooted in a false record (to agents)",
    "compliance_rate": "share of obligations met",
    "involuntary_defaults": "defaults by agents who could not pay",
    "objections": "objections filed",
    "corrected": "records corrected after objection",
    "repaired": "records removed by credit repair",
    "expired": "records expired",
    "score_mean": "mean score (of the scored)",
    "scored_share": "share of the covered subjects holding a score",
    "self_governance_index": "self-governance index",
    "chilling_index": "chilling index",
    "exclusion_degree_loss": "share of social ties lost by exposed persons",
    "cascade_sanctions": "sanctions through a spillover (depth >= 1)",
    "cascade_subjects": "subjects sanctioned through a spillover",
    "cascade_persons_no_record": "persons sanctioned through a spillover with no record of their own",
    "cascade_by_depth": "Sanctions by cascade depth (0 = the listed subject)",
    "cascade_max_depth": "deepest sanction cascade (links)",
    "grade_shares": "Grades at the end (share of the scored)",
}


def summary_label(key: str) -> str:
    """The plain-language label of a summary key (the key itself, spaced, when it has none)."""
    return _LABELS.get(key, key.replace("_", " "))


_COST_KEYS = ("disparate_impact", "chilling_by_group", "involuntary_defaults_by_income_quintile", "blocks")
#: summary keys shown in a section of their own, not among the summary's nested tables
SECTION_KEYS = (*_COST_KEYS, "cascade_by_depth", "responsible_use")
_DI_TITLES = {
    "listing": "Blacklisting",
    "wrongful_listing": "Wrongful blacklisting (on a false record)",
    "sanctions": "Sanctions per person",
}
_ATTRS = {"sex": "sex", "group": "group", "migrant": "hukou (migrant)", "urban": "region (urban)"}
_NOUNS = {
    "female": "women",
    "male": "men",
    "migrant": "migrants (non-local hukou)",
    "local": "locals",
    "urban": "urban residents",
    "rural": "rural residents",
}
_QUINTILES = ["poorest fifth", "second fifth", "middle fifth", "fourth fifth", "richest fifth"]
_DI_CASES = {"listing": "persons listed", "wrongful_listing": "persons listed", "sanctions": "sanctions"}


def _estimable(v: Any) -> dict[str, Any] | None:
    """A disparate-impact entry of the summary with an estimable ratio, else None."""
    if isinstance(v, dict) and v.get("estimable") and isinstance(v.get("ratio"), (int, float)):
        return v
    return None


def _interval(e: dict[str, Any]) -> str:
    lo, hi = e.get("ci95_low"), e.get("ci95_high")
    if lo is None:
        return ""
    return f" (95 % interval {lo:.2f}–{hi:.2f}×)" if hi is not None else f" (95 % interval above {lo:.2f}×)"


def _di_table(by_attr: dict[str, Any], cases: str) -> dict[str, Any] | None:
    """One row per level: cases, persons, ratio to the reference and its interval; None without cases."""
    rows, any_case = [], False
    for attr, levels in by_attr.items():
        for i, (lvl, v) in enumerate((levels or {}).items()):
            if not isinstance(v, dict):
                continue
            any_case |= bool(v.get("cases"))
            e = _estimable(v)
            if e is None:
                ratio = {"label": "", "text": "not estimable", "cls": "num na"}
            else:
                text = "1 (reference)" if i == 0 else _ratio(e["ratio"])
                ratio = {"label": "", "text": text, "cls": ("num " + ("" if i == 0 else _flag(e["ratio"]))).strip()}
            lo, hi = v.get("ci95_low"), v.get("ci95_high")
            ci = f"{lo:.2f}–{'∞' if hi is None else f'{hi:.2f}'}" if lo is not None else "—"
            rows.append(
                (
                    f"{_ATTRS.get(attr, attr)}: {lvl}",
                    [
                        {"label": "", "text": _fmt(v.get("cases")), "cls": "num"},
                        {"label": "", "text": _fmt(v.get("persons")), "cls": "num"},
                        ratio,
                        {"label": "", "text": ci, "cls": "num"},
                    ],
                )
            )
    if not rows or not any_case:
        return None
    return {"columns": ["level", cases, "persons", "ratio", "95 % interval"], "rows": rows}


def _pct(x: Any) -> str:
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return _fmt(x)
    x = 100.0 * x
    return "0 %" if x == 0 else (f"{x:.1f} %" if abs(x) >= 0.1 else f"{x:.2g} %")


def _ratio(x: Any) -> str:
    return f"{x:.2f}×" if isinstance(x, (int, float)) and not isinstance(x, bool) else _fmt(x)


def _flag(x: float) -> str:
    """CSS class of a disparity ratio: a gap of more than a quarter either way is marked."""
    return "hi" if x > 1.25 else ("lo" if x < 0.8 else "")


def _span(days: int) -> str:
    if days >= 365 and days % 365 == 0:
        return f"{days // 365} year" + ("s" if days > 365 else "")
    return f"{days / 365:.1f} years" if days >= 365 else f"{days} days"


def _noun(level: str, attr: str) -> str:
    return f"members of the {level} group" if attr == "group" else _NOUNS.get(level, f"'{level}'")


def _compare(subj: str, ref: str, ratio: float, verb: str) -> str:
    text = (
        f"no {subj} were {verb}, while some {ref} were"
        if ratio == 0
        else f"{subj} were {verb} {ratio:.2f}× as often as {ref}"
    )
    return text[:1].upper() + text[1:]


def _persons_blacklisted(r: Results) -> tuple[int, int, int, list[str]] | None:
    """(persons ever on a blacklist, blacklist spells, wrongful ones, blacklist names), or None."""
    kinds, sp = list(r.names.get("list_type") or []), r.list_spells
    if "black" not in kinds or "list" not in sp or "subject" not in sp:
        return None
    codes = [i for i, k in enumerate(kinds) if k == "black"]
    names = [str(x) for i, x in enumerate(r.names.get("list") or []) if i in codes]
    black = np.isin(np.asarray(sp["list"]), codes)
    subj = np.asarray(sp["subject"])[black].astype(np.int64)
    types, labels = r.subjects.get("type"), list(r.names.get("subject_type") or ["person"])
    if types is not None and "person" in labels:
        subj = subj[np.asarray(types)[subj] == labels.index("person")]
    wrong = int(np.asarray(sp.get("wrongful", np.zeros(black.size, bool)), bool)[black].sum())
    return int(np.unique(subj).size), int(black.sum()), wrong, names


def headline(r: Results) -> list[str]:
    """4–6 plain sentences from the run's numbers; a sentence whose inputs are missing is left out.

    Why: a reader should get the story without decoding tables. Counts of people are agents
    times the scale, and each such sentence says so; ratios come straight from the summary.
    """
    s, out = r.summary if isinstance(r.summary, dict) else {}, []
    listed = _persons_blacklisted(r)
    n, scale = int(r.n_persons), float(r.scale)
    if listed is not None and n > 0:
        k, spells, wrong, lists = listed
        which = f" ({', '.join(lists)})" if 0 < len(lists) <= 3 else ""
        out.append(
            f"Over {_span(int(r.days))}, {_pct(k / n) if k else 'none'} of the {_fmt(n * scale)} people "
            f"represented ({_fmt(n)} simulated persons × {_fmt(scale)} people each) were ever put on a "
            f"blacklist{which}" + (f" — about {_fmt(k * scale)} people." if k else ".")
        )
        if spells == 1:
            out.append(
                "The one blacklisting rested on "
                + ("a record of something that never happened." if wrong else "a record of something that happened.")
            )
        elif spells:
            share = (
                f"{_fmt(wrong)} of the {_fmt(spells)} blacklistings ({_pct(wrong / spells)})"
                if wrong
                else f"None of the {_fmt(spells)} blacklistings"
            )
            out.append(
                f"{share} rested on a record of something that never happened (a false match or a data-entry error)."
            )
    nrec, nfalse, false_line = s.get("records"), s.get("records_false"), None
    if isinstance(nrec, (int, float)) and nrec and isinstance(nfalse, (int, float)):
        false_line = (
            f"{_pct(nfalse / nrec)} of the {_fmt(nrec)} records written"
            if nfalse
            else f"None of the {_fmt(nrec)} records written"
        ) + " described something that never happened (false matches and data-entry errors)."
        if not (listed and listed[1]):  # no blacklistings to judge: the records' error rate instead
            out.append(false_line)
            false_line = None
    # a ratio resting on fewer than 10 cases is not estimable (summary flag): it is not stated
    di = (s.get("disparate_impact") or {}).get("listing") or {}
    f = _estimable((di.get("sex") or {}).get("female"))
    if f is not None:
        out.append(_compare("women", "men", f["ratio"], "blacklisted") + _interval(f) + ".")
    gaps = [
        (abs(math.log(e["ratio"])) if e["ratio"] > 0 else math.inf, a, lvl, e)
        for a in ("group", "migrant", "urban")
        for i, (lvl, v) in enumerate((di.get(a) or {}).items())
        if i > 0 and (e := _estimable(v)) is not None
    ]
    if gaps:
        _, a, lvl, e = max(gaps, key=lambda g: g[0])
        ref = _noun(next(iter(di[a])), a)
        if _flag(e["ratio"]):
            out.append(_compare(_noun(lvl, a), ref, e["ratio"], "blacklisted") + _interval(e) + ".")
        else:
            out.append(
                "No minority group, hukou or region with enough cases to tell was blacklisted more than 1.25× "
                "or less than 0.8× as often as its reference group."
            )
    q = s.get("involuntary_defaults_by_income_quintile")
    if isinstance(q, (list, tuple)) and len(q) == 5 and all(isinstance(x, (int, float)) for x in q) and q[0] > 0:
        tail = (
            f" {q[0] / q[4]:.1f}× as often as the richest fifth."
            if q[4] > 0
            else f" {q[0]:.2f} times per person on average; the richest fifth never did."
        )
        out.append(
            "The poorest fifth by starting income defaulted involuntarily (could not pay, rather than would not)" + tail
        )
    ch, sgi = s.get("chilling_index"), s.get("self_governance_index")
    if isinstance(ch, (int, float)):
        out.append(
            f"People held back {_pct(ch)} of the speech they wanted to express "
            "(chilling index = 1 − expressed ÷ desired)."
        )
    if isinstance(sgi, (int, float)) and len(out) < 6:
        out.append(
            f"Believing nobody was watching, people would comply {_pct(sgi)} as much as when they believe "
            f"they are watched (self-governance index {sgi:.2f}; 1 would mean fully internalised norms)."
        )
    if false_line and len(out) < 4:
        out.append(false_line)
    return out[:6]


def cost_section(s: dict[str, Any]) -> dict[str, Any] | None:
    """Tables for the distributional figures of the summary (``None`` when the run has none)."""
    by_depth = s.get("cascade_by_depth")
    cascade = None
    if isinstance(by_depth, dict) and any(int(d) > 0 for d in by_depth):
        links = {d: "the listed subject" if d == "0" else f"{d} link" + ("" if d == "1" else "s") for d in by_depth}
        cascade = {
            "table": nested_table(
                {links[d]: n for d, n in by_depth.items()},
                corner="depth",
                value_header="sanctions",
            ),
            "subjects": s.get("cascade_subjects"),
            "no_record": s.get("cascade_persons_no_record"),
        }
    if cascade is None and not any(k in s for k in _COST_KEYS + ("self_governance_index", "exclusion_degree_loss")):
        return None
    di = [
        (_DI_TITLES.get(metric, metric), _di_table(by_attr or {}, _DI_CASES.get(metric, "cases")))
        for metric, by_attr in (s.get("disparate_impact") or {}).items()
    ]
    di_none = bool(di) and not any(t for _, t in di)
    chill = s.get("chilling_by_group")
    chill = {_ATTRS.get(a, a): v for a, v in chill.items()} if isinstance(chill, dict) else None
    q = s.get("involuntary_defaults_by_income_quintile")
    bars = None
    if isinstance(q, (list, tuple)) and q and all(isinstance(x, (int, float)) for x in q):
        top = max(max(q), 1e-12)
        labels = _QUINTILES if len(q) == 5 else [str(i + 1) for i in range(len(q))]
        bars = [(lab, f"{x:.3g}", round(100.0 * x / top, 1)) for lab, x in zip(labels, q)]
    lines = []
    if s.get("self_governance_index") is not None:
        lines.append(
            (
                "Self-governance index",
                _fmt(s["self_governance_index"]),
                "compliance people would show believing nobody watches ÷ compliance believing they are "
                "watched (1 = fully internalised; lower = compliance rests on surveillance).",
            )
        )
    if s.get("chilling_index") is not None:
        lines.append(
            (
                "Chilling index",
                _fmt(s["chilling_index"]),
                "1 − expressed ÷ desired speech: the share of what people wanted to say that they held back.",
            )
        )
    if s.get("exclusion_degree_loss") is not None:
        lines.append(
            (
                "Exclusion (degree loss)",
                _fmt(s["exclusion_degree_loss"]),
                "mean share of their social ties that persons exposed to sanctions lost.",
            )
        )
    return {
        "cascade": cascade,
        "di": [] if di_none else di,
        "di_none": di_none,
        "chilling": nested_table(chill, fmt=_pct, corner="attribute") if chill else None,
        "quintiles": bars,
        "blocks": nested_table(s.get("blocks"), corner="measure", value_header="blocked"),
        "lines": lines,
    }


def _share(x: Any) -> str:
    return "—" if x is None else _pct(x)


def lens_section(s: dict[str, Any], currency: str = "yuan") -> dict[str, Any] | None:
    """The responsible-use lens (summary ``responsible_use``): the two conditions of the EU AI
    Act's social-scoring ban (Art. 5(1)(c)) the run meets, and per measure the figures behind them."""
    ru = s.get("responsible_use")
    if not isinstance(ru, dict) or not isinstance(ru.get("conditions"), dict):
        return None
    c = ru["conditions"]
    oc, dp = c.get("other_context") or {}, c.get("disproportionate") or {}
    facts = ru.get("facts", "facts 9.1, 9.5")

    def verdict(cond: dict[str, Any], met: str, not_met: str) -> str:
        if cond.get("met") is None:
            return "not applicable: the run applied no sanction"
        names = cond.get("measures") or []
        more = f" ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})" if names else ""
        return (met + more) if cond["met"] else not_met

    lines = [
        (
            "(i) detriment in another social context",
            verdict(
                oc,
                f"met: {_fmt(oc.get('sanctions'))} sanctions ({_share(oc.get('share'))}) rest on data from "
                "another context than the one they are applied in",
                "not met: every sanction is applied in the context its data came from",
            ),
        ),
        (
            "(ii) detriment disproportionate to the behaviour",
            verdict(dp, "met by", "not met: no measure is disproportionate by the rule below"),
        ),
    ]
    rows = []
    for name, m in (ru.get("measures") or {}).items():
        if not m.get("applications"):
            continue
        money = m.get("income_lost_per_application")
        cells = [
            _fmt(m["applications"]),
            f"{m.get('data_context') or '?'} → {m.get('measure_context') or '?'}",
            _share(m.get("other_context_share")),
            _share(m.get("minor_record_share")),
            _share(m.get("others_behaviour_share")),
            "—" if money is None else _fmt(round(money)),
            "—" if m.get("days_per_application") is None else _fmt(round(m["days_per_application"])),
            "yes" if m.get("heavy") else "no",
            "yes" if m.get("disproportionate") else "no",
        ]
        cls = ["num", "", "num", "num", "num", "num", "num", "", "hi" if m.get("disproportionate") else ""]
        rows.append((name, [{"label": "", "text": t, "cls": k} for t, k in zip(cells, cls)]))
    table = (
        {
            "columns": [
                "measure",
                "applications",
                "data → applied in",
                "other context",
                "on a minor record",
                "for others' behaviour",
                f"income lost / application ({currency})",
                "days / application",
                "heavy",
                "disproportionate",
            ],
            "rows": rows,
        }
        if rows
        else None
    )
    return {"facts": facts, "lines": lines, "rule": dp.get("rule", ""), "table": table}
