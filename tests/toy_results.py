"""A small hand-made ``Results`` for store and report tests.

Why hand-made: the store and the report must be testable without the engine, and the
credit-file chains need a known history. The population is eight subjects:

====  ==========  ==============================================================
 idx  type        history
====  ==========  ==============================================================
  0   person      legal representative of firm 6; one false tax record (corrected);
                  reached by flight_ban through the firm's blacklist spell (legal_rep)
  1   person      true court debt record #1 -> blacklist spell #1 -> flight_ban, rail_ban
  2   person      false tax record #2 -> blacklist spell #2 (wrongful) -> flight_ban (wrongful)
  3   person      volunteering record #3 -> redlist spell #3 -> transport_discount (reward)
  4   person      nothing
  5   person      one traffic record #4, never listed
  6   enterprise  true court debt record #0 -> blacklist spell #0 -> procurement_ban
  7   enterprise  nothing
====  ==========  ==============================================================

``seed`` only perturbs the per-day series noise and the persons' scores, so tables are fixed.
"""

from __future__ import annotations

import numpy as np

from scslab.engine.results import END_REASONS, RECORD_STATUS, VIA, Results
from scslab.scenario.schema import DOMAINS, SEVERITIES, SUBJECT_TYPES, Scenario

__all__ = ["TOY_IDS", "toy_results"]

TOY_IDS = [
    "990101198501010013",
    "990101199002020027",
    "990101197703030035",
    "990101200004040041",
    "990101196505050052",
    "990101198806060064",
    "91990101MA0000010X",
    "91990101MA00000207",
]

_SCENARIO = {
    "name": "toy_town",
    "description": "Hand-made toy results for tests: eight subjects, two lists, four measures.",
    "population": {"n": 10, "scale": 1000.0},
    "sim": {"days": 30, "seed": 0},
    "behaviours": [
        {"name": "debt_repayment", "domain": "judicial", "kind": "obligation", "points": -50, "severity": "serious"},
        {"name": "tax_filing", "domain": "commercial", "kind": "obligation", "points": -10, "severity": "moderate"},
        {"name": "traffic", "domain": "social", "points": -5},
        {"name": "volunteering", "domain": "social", "kind": "good_deed", "points": 5},
    ],
    "sources": [
        {"name": "court", "kind": "court", "detects": {"debt_repayment": 0.9}},
        {
            "name": "tax_bureau",
            "kind": "tax",
            "detects": {"tax_filing": 0.7},
            "false_match_per_year": 0.01,
            "false_match_behaviour": "tax_filing",
        },
        {"name": "camera", "kind": "camera", "detects": {"traffic": 0.3}},
        {"name": "volunteer_org", "kind": "volunteer", "detects": {"volunteering": 1.0}},
    ],
    "scoring": {
        "kind": "points",
        "start": 1000,
        "bands": [
            {"name": "AAA", "min": 1050},
            {"name": "A", "min": 960},
            {"name": "B", "min": 850},
            {"name": "D", "min": 0},
        ],
    },
    "lists": [
        {
            "name": "blacklist",
            "type": "black",
            "domain": "judicial",
            "entry": "judicial_serious >= 1",
            "term_days": 730,
            "exit": "debt_open == 0",
        },
        {"name": "redlist", "type": "red", "entry": "good_deeds >= 1", "term_days": 365},
    ],
    "measures": [
        {
            "name": "flight_ban",
            "list": "blacklist",
            "agency": "CAAC",
            "category": "travel",
            "applies_to": ["self", "legal_rep"],
            "blocks": "flight",
        },
        {"name": "rail_ban", "list": "blacklist", "agency": "China Railway", "category": "travel", "blocks": "rail"},
        {
            "name": "procurement_ban",
            "list": "blacklist",
            "agency": "MOF",
            "category": "procurement",
            "blocks": "procurement",
        },
        {
            "name": "transport_discount",
            "list": "redlist",
            "kind": "reward",
            "agency": "city",
            "category": "transport",
            "benefit": 120.0,
        },
    ],
}

_LISTS = ["blacklist", "redlist"]
_GRADES = ["AAA", "A", "B", "D"]


def _listed(spells: dict[str, np.ndarray], days: int, lst: int | None) -> np.ndarray:
    """Subjects on a list each day, from the spells (so series and tables agree)."""
    d = np.arange(days)[:, None]
    start, end = spells["start"][None, :], spells["end"][None, :]
    on = (d >= start) & ((end < 0) | (d < end))
    if lst is not None:
        on &= spells["list"][None, :] == lst
    return on.sum(axis=1).astype(np.float64)


def toy_results(seed: int = 0, days: int = 30) -> Results:
    """Build the toy ``Results`` described in the module docstring."""
    rng = np.random.default_rng(seed)
    scenario = Scenario.model_validate(_SCENARIO).model_dump(mode="json")
    scenario["sim"] = {"days": days, "seed": seed}
    scenario["population"]["n"] = 6  # the schema's floor is 10; the toy is smaller on purpose

    records = {
        "subject": np.array([6, 1, 2, 3, 5, 0], np.int32),
        "domain": np.array([3, 3, 1, 2, 2, 1], np.int8),
        "behaviour": np.array([0, 0, 1, 3, 2, 1], np.int16),
        "source": np.array([0, 0, 1, 3, 2, 1], np.int16),
        "day": np.array([3, 5, 7, 10, 12, 15], np.int32),
        "points": np.array([-50, -50, -10, 5, -5, -10], np.float32),
        "true": np.array([True, True, False, True, True, False]),
        "severity": np.array([2, 2, 1, 0, 0, 1], np.int8),
        "status": np.array([0, 0, 3, 0, 1, 3], np.int8),
        "end_day": np.array([-1, -1, 25, -1, 20, 20], np.int32),
    }
    spells = {
        "subject": np.array([6, 1, 2, 3], np.int32),
        "list": np.array([0, 0, 0, 1], np.int16),
        "start": np.array([4, 6, 8, 11], np.int32),
        "end": np.array([-1, 20, 25, -1], np.int32),
        "cause_record": np.array([0, 1, 2, 3], np.int64),
        "end_reason": np.array([0, 2, 3, 0], np.int8),
        "wrongful": np.array([False, False, True, False]),
    }
    sanctions = {
        "target": np.array([6, 0, 1, 1, 2, 3], np.int32),
        "measure": np.array([2, 0, 0, 1, 0, 3], np.int16),
        "spell": np.array([0, 0, 1, 1, 2, 3], np.int64),
        "start": np.array([4, 4, 6, 6, 8, 11], np.int32),
        "end": np.array([-1, -1, 20, 20, 25, -1], np.int32),
        "via": np.array([0, 1, 0, 0, 0, 0], np.int8),
        "wrongful": np.array([False, False, False, False, True, False]),
    }
    points = np.array([1000, 950, 990, 1005, 1000, 995], np.float32)
    score = np.concatenate([points + rng.normal(0, 1, 6).astype(np.float32), np.full(2, np.nan, np.float32)]).astype(
        np.float32
    )
    grade = np.array([1, 2, 1, 1, 1, 1, -1, -1], np.int8)
    subjects = {
        "id": np.array(TOY_IDS),
        "type": np.array([0] * 6 + [1, 1], np.int8),
        "sex": np.array([0, 1, 0, 1, 0, 1, -1, -1], np.int8),
        "urban": np.array([1, 1, 0, 0, 1, 1, 1, 0], np.int8),
        "migrant": np.array([0, 0, 1, 0, 0, 0, 0, 0], np.int8),
        "group": np.array([0, 0, 1, 0, 0, 1, -1, -1], np.int8),
        "income0": np.array([60e3, 30e3, 20e3, 40e3, 35e3, 25e3, 5e6, 1e6], np.float32),
        "income": np.array([60e3, 24e3, 16e3, 40e3, 35e3, 25e3, 4e6, 1e6], np.float32),
        "score": score,
        "grade": grade,
    }

    t = np.arange(days)
    violations = rng.poisson(3.0, days).astype(np.float64)
    series = {
        "violations": violations,
        "records": np.bincount(records["day"][records["day"] < days], minlength=days)[:days].astype(float),
        "records_false": np.bincount(records["day"][~records["true"] & (records["day"] < days)], minlength=days)[
            :days
        ].astype(float),
        "listed_blacklist": _listed(spells, days, 0),
        "listed_redlist": _listed(spells, days, 1),
        "listed_total": _listed(spells, days, None),
        "score_mean": 1000.0 - 0.5 * t + rng.normal(0, 0.1, days),
        "sanctions_active": (np.arange(days)[:, None] >= sanctions["start"]).sum(axis=1).astype(float),
        "compliance_rate": 1.0 - violations / 100.0,
        "wrongful_listed": _listed({k: v[spells["wrongful"]] for k, v in spells.items()}, days, None),
        "norm_mean": np.linspace(0.5, 0.6, days),
    }
    for g, share in zip(_GRADES, (0.1, 0.7, 0.15, 0.05)):
        series[f"grade_share_{g}"] = np.full(days, share)

    names = {
        "domain": list(DOMAINS),
        "behaviour": ["debt_repayment", "tax_filing", "traffic", "volunteering"],
        "source": ["court", "tax_bureau", "camera", "volunteer_org"],
        "list": list(_LISTS),
        "list_type": ["black", "red"],
        "measure": ["flight_ban", "rail_ban", "procurement_ban", "transport_discount"],
        "measure_kind": ["sanction", "sanction", "sanction", "reward"],
        "measure_agency": ["CAAC", "China Railway", "MOF", "city"],
        "measure_category": ["travel", "travel", "procurement", "transport"],
        "grade": list(_GRADES),
        "group": ["majority", "minority"],
        "subject_type": list(SUBJECT_TYPES),
        "via": list(VIA),
        "record_status": list(RECORD_STATUS),
        "end_reason": list(END_REASONS),
        "severity": list(SEVERITIES),
    }
    summary = {
        "records": 6,
        "records_false": 2,
        "wrongful_listings": 1,
        "listed_end": 2,
        "violations_total": float(violations.sum()),
        "label": "toy",
    }
    indicators = {"wrongful_listing_share": 1 / 3, "score_gini": 0.01, "by_group": {"majority": 0.0, "minority": 0.5}}
    return Results(
        scenario=scenario,
        seed=seed,
        days=days,
        n_persons=6,
        n_orgs=2,
        scale=1000.0,
        series=series,
        records=records,
        list_spells=spells,
        sanctions=sanctions,
        subjects=subjects,
        names=names,
        summary=summary,
        indicators=indicators,
    )
