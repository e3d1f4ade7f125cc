"""Indicators for incentive-only presets (fuzhou-jasmine, volunteer-morality).

An incentive-only scheme is judged by what it must never do (sanction, cut income) and by
who its rewards reach: the Fuzhou Moli score brings "no sanctions" (facts 3.13), and a
volunteer red list should reward exactly the people its rule names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results
    from ...engine.sim import Sim

__all__ = [
    "SET",
    "income_loss_subjects",
    "redlist_rule_mismatch",
    "reward_benefit_yuan",
    "sanction_rows",
    "score_gap_offenders",
    "volunteering_per_capita",
]

SET = IndicatorSet("incentives")


@SET.register("sanction_rows")
def sanction_rows(res: Results, sim: Sim) -> int:
    """Rows of the measure table whose measure is a sanction (0 for an incentive-only scheme)."""
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    if not len(res.sanctions["measure"]):
        return 0
    return int((kinds[res.sanctions["measure"]] == "sanction").sum())


@SET.register("income_loss_subjects")
def income_loss_subjects(res: Results, sim: Sim) -> int:
    """Subjects whose income the institution cut (a negative sum of measure income effects)."""
    return int((sim.state.income_effect < -1e-12).sum())


@SET.register("reward_benefit_yuan")
def reward_benefit_yuan(res: Results, sim: Sim) -> float:
    """Yuan a year of rewards flowing at the end of the run, scaled to the real population."""
    return float(np.clip(sim.state.benefit, 0.0, None).sum() * res.scale)


@SET.register("score_gap_offenders")
def score_gap_offenders(res: Results, sim: Sim) -> float | None:
    """Mean score of persons never recorded for a bad act minus that of persons who were."""
    rec, subj = res.records, res.subjects
    persons = subj["type"] == 0
    if not persons.any() or sim.scenario.scoring.kind == "none":
        return None
    bad = np.zeros(subj["type"].size, bool)
    bad[rec["subject"][rec["points"] < 0]] = True
    persons &= np.isfinite(subj["score"])  # over the scored: an unscored person has no score
    clean, dirty = persons & ~bad, persons & bad
    if not clean.any() or not dirty.any():
        return None
    return float(subj["score"][clean].mean() - subj["score"][dirty].mean())


@SET.register("volunteering_per_capita")
def volunteering_per_capita(res: Results, sim: Sim) -> float:
    """Good deeds done per adult per year (the behaviour, not the records)."""
    adults = max(int(sim.state.adult.sum()), 1)
    return float(res.series["good_deeds"].sum() / adults / (res.days / 365.0))


@SET.register("redlist_rule_mismatch")
def redlist_rule_mismatch(res: Results, sim: Sim) -> int:
    """Persons whose red-list status at the end differs from their list's entry rule today.

    Only counts red lists with a rule of the form ``records_<behaviour> >= k``; 0 means the
    list holds exactly the people its rule names.
    """
    from ...engine.attributes import SubjectView, attribute_names
    from ...scenario.expr import compile_expr

    st = sim.state
    persons = np.flatnonzero(st.is_person)
    names = attribute_names(sim)
    bad = 0
    for k, lst in enumerate(sim.scenario.lists):
        if lst.type != "red":
            continue
        rule = compile_expr(lst.entry, names)
        meets = rule.condition(SubjectView(sim, persons), persons.size)
        bad += int((meets != st.listed[k, persons]).sum())
    return bad
