"""The headline figures of a run: what ``--json`` prints and the report's key table."""

from __future__ import annotations

import resource
from typing import TYPE_CHECKING, Any

import numpy as np

from . import core

if TYPE_CHECKING:
    from ..engine.results import Results
    from ..engine.sim import Sim

__all__ = ["disparate_impact", "peak_rss_mb", "summarize"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _per_subject_counts(res: Results, subjects: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.bincount(subjects[mask].astype(np.int64), minlength=res.subjects["type"].size)


def disparate_impact(res: Results) -> dict[str, dict[str, Any]]:
    """Listing, wrongful listing and sanctions per capita by sex, group, hukou and region."""
    sp, sa = res.list_spells, res.sanctions
    black = np.isin(sp["list"], core.black_lists(res))
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    sanction = (kinds[sa["measure"]] == "sanction") if len(sa["measure"]) else np.zeros(0, bool)
    rates = {
        "listing": _per_subject_counts(res, sp["subject"], black) > 0,
        "wrongful_listing": _per_subject_counts(res, sp["subject"], black & sp["wrongful"]) > 0,
        "sanctions": _per_subject_counts(res, sa["target"], sanction),
    }
    return {
        metric: {attr: core.disparity(res, vals, attr) for attr in ("sex", "group", "migrant", "urban")}
        for metric, vals in rates.items()
    }


def summarize(res: Results, sim: Sim) -> dict[str, Any]:
    wall = max(sim.wall_s, 1e-9)
    out: dict[str, Any] = {
        "scenario": res.name,
        "seed": res.seed,
        "persons": res.n_persons,
        "organisations": res.n_orgs,
        "scale": res.scale,
        "days": res.days,
        "wall_s": round(sim.wall_s, 3),
        "agent_days_per_s": round(res.n_persons * res.days / wall, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "records": int(len(res.records["subject"])),
        "records_false": core.records_false(res),
        "listed_now": core.listed_now(res),
        "ever_listed": core.ever_listed(res),
        "wrongful_listings": core.wrongful_listings(res),
        "sanctions_applied": core.sanctions_applied(res),
        "wrongful_sanctions": core.wrongful_sanctions(res),
        "compliance_rate": core.compliance_rate(res),
        "involuntary_defaults": core.involuntary_defaults(res),
        "objections": sim.repair.totals["objections"],
        "corrected": sim.repair.totals["corrected"],
        "repaired": sim.repair.totals["repaired"],
        "expired": sim.repair.totals["expired"],
    }
    if sim.scenario.scoring.kind != "none":
        out["score_mean"] = core.score_mean(res)
        out["grade_shares"] = core.grade_shares(res)
    out["self_governance_index"] = core.self_governance_index(
        sim.behaviour.total_unobserved, sim.behaviour.total_observed
    )
    ch = core.chilling_index(res)
    if ch is not None:
        out["chilling_index"] = ch
        out["chilling_by_group"] = {
            attr: core.ratio_by(res, sim.behaviour.expressed_n, sim.behaviour.desired_n, attr, complement=True)
            for attr in ("group", "sex", "urban", "migrant")
        }
    out["exclusion_degree_loss"] = sim.exclusion.degree_loss(sim)
    if sim.behaviour.involuntary_n is not None:
        out["involuntary_defaults_by_income_quintile"] = core.by_income_quintile(res, sim.behaviour.involuntary_n)
    out["blocks"] = {
        m.name: int(sim.measures.blocked_total[j])
        for j, m in enumerate(sim.scenario.measures)
        if m.blocks and m.attempts_per_year > 0
    }
    out["blocks_by_service"] = {
        svc: int(sim.measures.blocked_by_service[k])
        for k, svc in enumerate(sim.state.services)
        if any(m.blocks == svc and m.attempts_per_year > 0 for m in sim.scenario.measures)
    }
    out["disparate_impact"] = disparate_impact(res)
    return out
