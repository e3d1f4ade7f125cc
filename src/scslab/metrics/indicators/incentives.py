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
def sanction_rows(res: Results) -> int:
    """Rows of the measure table whose measure is a sanction (0 for an incentive-only scheme)."""
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    if not len(res.sanctions["measure"]):
        return 0
    return int((kinds[res.sanctions["measure"]] == "sanction").sum())


@SET.register("income_loss_subjects")
def income_loss_subjects(res: Results) -> int:
    """Subjects whose income the institution cut (a negative sum of measure income effects)."""
    return int(res.figures["income_cut_subjects"])


@SET.register("reward_benefit_yuan")
def reward_benefit_yuan(res: Results) -> float:
    """Yuan a year of rewards flowing at the end of the run, scaled to the real population."""
    return float(res.figures["reward_benefit_total"] * res.scale)


@SET.register("score_gap_offenders")
def score_gap_offenders(res: Results) -> float | None:
    """Mean score of persons never recorded for a bad act minus that of persons who were."""
    rec, subj = res.records, res.subjects
    persons = subj["type"] == 0
    if not persons.any() or res.scenario["scoring"]["kind"] == "none":
        return None
    bad = np.zeros(subj["type"].size, bool)
    bad[rec["subject"][rec["points"] < 0]] = True
    persons &= np.isfinite(subj["score"])  # over the scored: an unscored person has no score
    clean, dirty = persons & ~bad, persons & bad
    if not clean.any() or not dirty.any():
        return None
    return float(subj["score"][clean].mean() - subj["score"][dirty].mean())


@SET.register("volunteering_per_capita")
def volunteering_per_capita(res: Results) -> float:
    """Good deeds done per adult per year (the behaviour, not the records)."""
    adults = max(int((res.subjects["adult"] > 0).sum()), 1)
    return float(res.series["good_deeds"].sum() / adults / (res.days / 365.0))


@SET.register("redlist_rule_mismatch")
def redlist_rule_mismatch(res: Results) -> int:
    """Persons whose red-list status at the end differs from their list's entry rule today.

    0 means every red list holds exactly the people its rule names. The lists module
    evaluates the rules on the last day and declares the count (``red_rule_mismatch``).
    """
    return int(res.figures["red_rule_mismatch"])
