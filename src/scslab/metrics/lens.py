"""The responsible-use lens: which conditions of the EU AI Act's social-scoring ban a run meets.

Art. 5(1)(c) of Regulation (EU) 2024/1689 (facts 9.1) bans scoring people on their social
behaviour where the score leads to (i) detrimental treatment in social contexts unrelated
to the one the data came from, or (ii) detrimental treatment unjustified or
disproportionate to the behaviour or its gravity. The simulator reads the core wrong as
cross-context reuse or disproportionate consequences (facts 9.5). This module tests both,
per measure, on what the run did (sanction rows, their spells, the records behind them):

- **(i) other context.** The context of the data behind a sanction is the context of the
  list's entry rule when it reads one context's records, else that of the record that
  caused the spell. The measure's context is its ``category``. Where the scenario names its
  behaviours by context (every sanction's category is a behaviour name's first word:
  ``rental_late_rent`` and category ``rental``, the private-scoring pattern) contexts are
  those first words; otherwise they are the
  four domains of the records (government, commercial, social, judicial), and a measure's
  category is placed in a domain by :data:`CATEGORY_DOMAIN` (an assumption, stated here).
  Enforcement of the list itself (supervision, publicity, exposure) is in the data's own
  context.
- **(ii) disproportion.** A measure is *heavy* when it cuts income by 10 % or more, denies
  a service, exposes its target publicly or lasted a year or more per application on the
  run; it is *disproportionate* when it is heavy and at least half of its applications rest
  on a minor record or on someone else's behaviour (a spillover to a spouse, child,
  household or legal representative, see ``depth``). The thresholds are assumptions.

Rewards are not detriment and are left out. Counts are agents (sanction rows), not people.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..codes import DOMAINS
from ..engine.results import Results

__all__ = [
    "CATEGORY_DOMAIN",
    "FACTS",
    "HEAVY_DAYS",
    "HEAVY_INCOME_CUT",
    "MOSTLY",
    "context_of",
    "cross_context_mask",
    "list_contexts",
    "responsible_use",
    "sanction_contexts",
]

FACTS = "facts 9.1, 9.5"
#: a measure's category -> the social context (record domain) it is applied in (assumption);
#: None: the list's own enforcement, in the context of the data behind it
CATEGORY_DOMAIN: dict[str, str | None] = {
    **dict.fromkeys(
        (
            "finance",
            "insurance",
            "consumption",
            "discount",
            "deposit_waiver",
            "leisure",
            "housing",
            "rental",
            "dating",
            "travel",
            "transport",
        ),
        "commercial",
    ),
    **dict.fromkeys(
        (
            "office",
            "procurement",
            "employment",
            "schooling",
            "health",
            "food",
            "priority",
            "green_channel",
            "cash_bonus",
            "assessment",
        ),
        "government",
    ),
    **dict.fromkeys(("supervision", "publicity", "exposure"), None),
}
HEAVY_INCOME_CUT = 0.10  # an income cut of at least this share is heavy (assumption)
HEAVY_DAYS = 365  # so is a measure lasting this long per application on average (assumption)
MOSTLY = 0.5  # "at least half of its applications" (assumption)

_RECORDS = re.compile(r"\brecords_([a-z][a-z0-9_]*)")
_SCORE = re.compile(r"\b(?:score|points|grade\w*)\b")


def context_of(behaviour_name: str) -> str:
    """A behaviour's context is its name's first word (``rental_late_rent`` -> ``rental``)."""
    return behaviour_name.split("_", 1)[0]


def _named_contexts(res: Results) -> bool:
    """Whether the scenario names behaviours by context: every sanction's category is some
    behaviour's first word (private-scoring: ``rental_late_rent`` and category ``rental``)."""
    prefixes = {context_of(b) for b in res.names.get("behaviour", [])}
    pairs = zip(res.names.get("measure_category", []), res.names.get("measure_kind", []))
    cats = [c for c, k in pairs if k == "sanction"]
    return bool(cats) and all(c in prefixes for c in cats)


def list_contexts(res: Results) -> list[str | None]:
    """Per list: the one context its entry rule reads, else None.

    A list fed by one context's records (a landlord's own arrears list) belongs to that
    context whatever record the engine names as the spell's cause; a score-based list reads
    every context, so its spells are judged by their causing record instead. Contexts are
    behaviour-name prefixes or record domains (see the module docstring).
    """
    named = _named_contexts(res)
    lists = res.scenario.get("lists", [])
    beh_domain = {b["name"]: b.get("domain") for b in res.scenario.get("behaviours", [])}
    behaviours = set(res.names["behaviour"])
    out: list[str | None] = []
    for lst in lists:
        entry = lst.get("entry", "")
        used = {m for m in _RECORDS.findall(entry) if m in behaviours}
        ctx = {context_of(b) if named else beh_domain.get(b) for b in used}
        if not named and not used and lst.get("domain"):
            ctx = {lst["domain"]}
        out.append(ctx.pop() if len(ctx) == 1 and None not in ctx and not _SCORE.search(entry) else None)
    return out


def sanction_contexts(res: Results) -> tuple[np.ndarray, np.ndarray]:
    """(data context, measure context) of every sanction row ("" where unknown)."""
    sa, sp, rec = res.sanctions, res.list_spells, res.records
    n = len(sa["measure"])
    if n == 0:
        return np.zeros(0, object), np.zeros(0, object)
    named = _named_contexts(res)
    cause = sp["cause_record"][sa["spell"]].astype(np.int64)
    if named:
        rec_ctx = np.array([context_of(b) for b in res.names["behaviour"]] + [""], dtype=object)
        code = _at(rec["behaviour"], cause, len(rec_ctx) - 1)
    else:
        rec_ctx = np.array(list(DOMAINS) + [""], dtype=object)
        code = _at(rec["domain"], cause, len(rec_ctx) - 1)
    data = rec_ctx[code]
    own = np.array([c or "" for c in list_contexts(res)] + [""], dtype=object)
    lst = own[sp["list"][sa["spell"]]]
    data = np.where(lst != "", lst, data)
    cats = np.asarray(res.names["measure_category"], dtype=object)[sa["measure"]]
    if named:
        where = cats
    else:
        placed = np.array([CATEGORY_DOMAIN.get(c, "") for c in res.names["measure_category"]], dtype=object)
        where = placed[sa["measure"]]
        where = np.where(where == None, data, where)  # noqa: E711 - the list's own enforcement
    return data.astype(object), where.astype(object)


def cross_context_mask(res: Results) -> np.ndarray:
    """Sanction rows applied in a context other than the one the data behind them came from."""
    sa = res.sanctions
    if not len(sa["measure"]):
        return np.zeros(0, bool)
    data, where = sanction_contexts(res)
    kinds = np.asarray(res.names["measure_kind"], dtype=object)[sa["measure"]]
    return (data != "") & (where != "") & (kinds == "sanction") & (where != data)


def responsible_use(res: Results) -> dict[str, Any]:
    """Per measure, whether it meets condition (i) and (ii) of Art. 5(1)(c), with the numbers behind it.

    ``conditions.other_context.met`` / ``conditions.disproportionate.met``: whether any
    sanction of the run meets (i) / any measure is disproportionate (ii); ``None`` when the
    run applied no sanction. ``measures``: per sanction measure, its applications, data and
    measure contexts, the share applied in another context, the shares resting on a minor
    record and on someone else's behaviour, its income lost and days per application, and
    the two verdicts.
    """
    sa, specs = res.sanctions, res.scenario.get("measures", [])
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    n = len(sa.get("measure", ()))
    sanction = (kinds[sa["measure"]] == "sanction") if n else np.zeros(0, bool)
    cross = cross_context_mask(res) if n else np.zeros(0, bool)
    data, where = sanction_contexts(res) if n else (np.zeros(0, object), np.zeros(0, object))
    sp, rec = res.list_spells, res.records
    cause = sp["cause_record"][sa["spell"]].astype(np.int64) if n else np.zeros(0, np.int64)
    sev_names = list(res.names.get("severity", []))
    minor_code = sev_names.index("minor") if "minor" in sev_names else -1
    minor = (cause >= 0) & (_at(rec["severity"], cause, -1) == minor_code) if n else np.zeros(0, bool)
    depth = np.asarray(sa.get("depth", np.zeros(n, np.int8)), np.int64)
    end = np.where(sa["end"] >= 0, sa["end"], res.days) if n else np.zeros(0, np.int64)
    days = (end - sa["start"]).astype(np.float64) if n else np.zeros(0)
    income0 = np.asarray(res.subjects.get("income0", np.zeros(0)), np.float64)
    blocked = (res.figures or {}).get("blocked_by_measure", {})
    measures: dict[str, Any] = {}
    for j, m in enumerate(specs):
        if m.get("kind", "sanction") != "sanction":
            continue
        mine = sanction & (sa["measure"] == j) if n else np.zeros(0, bool)
        k = int(mine.sum())
        cut = -min(float(m.get("income_effect", 0.0)), 0.0)
        lost = cut * days[mine] / 365.0 * income0[sa["target"][mine]] if k else np.zeros(0)
        mean_days = float(days[mine].mean()) if k else None
        heavy = bool(cut >= HEAVY_INCOME_CUT or m.get("blocks") or m.get("publicity") or (mean_days or 0) >= HEAVY_DAYS)
        minor_share = float(minor[mine].mean()) if k else None
        others_share = float((depth[mine] > 0).mean()) if k else None
        cross_share = float(cross[mine].mean()) if k else None
        measures[m["name"]] = {
            "applications": k,
            "data_context": _most_common(data[mine]) if k else None,
            "measure_context": _most_common(where[mine]) if k else None,
            "other_context_share": cross_share,
            "other_context": bool(cross_share) if k else None,
            "minor_record_share": minor_share,
            "others_behaviour_share": others_share,
            "income_cut": cut,
            "income_lost_per_application": float(lost.mean()) if k else None,
            "days_per_application": mean_days,
            "blocks": m.get("blocks"),
            "blocked_attempts": int(blocked.get(m["name"], 0)),
            "publicity": bool(m.get("publicity")),
            "heavy": heavy,
            "disproportionate": (heavy and max(minor_share or 0.0, others_share or 0.0) >= MOSTLY) if k else None,
        }
    applied = [v for v in measures.values() if v["applications"]]
    any_sanction = bool(sanction.any())
    return {
        "facts": FACTS,
        "conditions": {
            "other_context": {
                "met": bool(cross.any()) if any_sanction else None,
                "sanctions": int(cross.sum()),
                "share": float(cross.sum() / sanction.sum()) if any_sanction else None,
                "measures": [name for name, v in measures.items() if v["other_context"]],
            },
            "disproportionate": {
                "met": any(v["disproportionate"] for v in applied) if any_sanction else None,
                "measures": [name for name, v in measures.items() if v["disproportionate"]],
                "rule": (
                    f"heavy (income cut >= {HEAVY_INCOME_CUT:.0%}, a service denied, public exposure or "
                    f">= {HEAVY_DAYS} days per application) and >= {MOSTLY:.0%} of its applications on a "
                    "minor record or on someone else's behaviour (assumed thresholds)"
                ),
            },
        },
        "measures": measures,
    }


def _at(column: np.ndarray, rows: np.ndarray, fill: int) -> np.ndarray:
    """``column[rows]`` as int64, ``fill`` where a row is -1 (no record) or out of the table."""
    ok = (rows >= 0) & (rows < len(column))
    out = np.full(rows.size, fill, np.int64)
    out[ok] = np.asarray(column)[rows[ok]]
    return out


def _most_common(values: np.ndarray) -> str | None:
    vals = [str(v) for v in values if v]
    if not vals:
        return None
    labels, counts = np.unique(vals, return_counts=True)
    return str(labels[int(np.argmax(counts))])
