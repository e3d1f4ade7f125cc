"""The headline figures of a run: what ``--json`` prints and the report's key table.

A function of the :class:`Results` alone (tables, series, declared figures and subject
columns, the scenario it ran), never of the live simulation: the same call recomputes the
summary of a stored run (``scslab.store.load_results``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.recorder import peak_rss_mb
from . import core, lens

if TYPE_CHECKING:
    from ..engine.results import Results

__all__ = ["disparate_impact", "peak_rss_mb", "summarize"]


def _per_subject_counts(res: Results, subjects: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.bincount(subjects[mask].astype(np.int64), minlength=res.subjects["type"].size)


def disparate_impact(res: Results) -> dict[str, dict[str, Any]]:
    """Listing, wrongful listing and sanctions per capita by sex, group, hukou and region.

    Each level: its counts, rate, ratio to the first level and the ratio's 95 % interval, or
    not estimable on fewer than ``core.MIN_CASES`` cases (see :func:`core.disparity`).
    """
    sp, sa = res.list_spells, res.sanctions
    black = np.isin(sp["list"], core.black_lists(res))
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    sanction = (kinds[sa["measure"]] == "sanction") if len(sa["measure"]) else np.zeros(0, bool)
    rates = {
        "listing": _per_subject_counts(res, sp["subject"], black) > 0,
        "wrongful_listing": _per_subject_counts(res, sp["subject"], black & sp["wrongful"]) > 0,
        "sanctions": _per_subject_counts(res, sa["target"], sanction),
    }
    kind = {"listing": "share", "wrongful_listing": "share", "sanctions": "count"}
    attrs = ("sex", "group", "migrant", "urban")
    return {
        metric: {attr: core.disparity(res, vals, attr, kind=kind[metric]) for attr in attrs}
        for metric, vals in rates.items()
    }


def summarize(res: Results) -> dict[str, Any]:
    """The run's headline figures, from its results (see the module docstring)."""
    fig, sc = res.figures, res.scenario
    wall = fig["wall_s"]
    out: dict[str, Any] = {
        "scenario": res.name,
        "seed": res.seed,
        "persons": res.n_persons,
        "organisations": res.n_orgs,
        "scale": res.scale,
        # the real population the persons stand for: every other count of the summary is of
        # agents; the indicators that count people are agents x scale (docs/reference/results.md)
        "people_represented": float(res.n_persons * res.scale),
        "days": res.days,
        "wall_s": round(wall, 3),
        "agent_days_per_s": round(res.n_persons * res.days / max(wall, 1e-9), 1),
        "peak_rss_mb": round(fig["peak_rss_mb"], 1),
        "records": int(len(res.records["subject"])),
        "records_false": core.records_false(res),
        "listed_now": core.listed_now(res),
        "ever_listed": core.ever_listed(res),
        "wrongful_listings": core.wrongful_listings(res),
        "sanctions_applied": core.sanctions_applied(res),
        "wrongful_sanctions": core.wrongful_sanctions(res),
        "compliance_rate": core.compliance_rate(res),
        "involuntary_defaults": core.involuntary_defaults(res),
        "objections": fig["objections_total"],
        "corrected": fig["corrected_total"],
        "repaired": fig["repaired_total"],
        "expired": fig["expired_total"],
    }
    # every key of the result schema is present in every run, null where it does not apply
    # (src/scslab/schemas/result.schema.json, docs/reference/results.md)
    scoring = sc["scoring"]["kind"] != "none"
    out["score_mean"] = core.score_mean(res) if scoring else None
    out["scored_share"] = core.scored_share(res) if scoring else None
    out["grade_shares"] = core.grade_shares(res) if scoring else None
    out["self_governance_index"] = core.self_governance_index(
        fig["comply_unobserved_total"], fig["comply_observed_total"]
    )
    ch = core.chilling_index(res)
    subj = res.subjects
    out["chilling_index"] = ch
    out["chilling_by_group"] = (
        None
        if ch is None
        else {
            attr: core.ratio_by(res, subj["expressed_n"], subj["desired_n"], attr, complement=True)
            for attr in ("group", "sex", "urban", "migrant")
        }
    )
    out["exclusion_degree_loss"] = fig["exclusion_degree_loss"]
    out["involuntary_defaults_by_income_quintile"] = (
        core.by_income_quintile(res, res.subjects["involuntary_n"]) if "involuntary_n" in res.subjects else None
    )
    blocking = [m for m in sc["measures"] if m.get("blocks") and m["attempts_per_year"] > 0]
    out["blocks"] = {m["name"]: fig["blocked_by_measure"][m["name"]] for m in blocking}
    out["blocks_by_service"] = {
        svc: n for svc, n in fig["blocked_by_service"].items() if any(m["blocks"] == svc for m in blocking)
    }
    out["disparate_impact"] = disparate_impact(res)
    out.update(core.cascades(res))
    out["responsible_use"] = lens.responsible_use(res)
    return out
