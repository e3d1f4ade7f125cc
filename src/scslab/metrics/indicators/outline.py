"""Indicators for the national-outline and corporate presets.

The 2014 Outline is a set of lists and joint measures across agencies rather than a score,
so what it produces is read off the list spells and the measure table: who is red-listed,
which kinds of subject (persons, firms, social organisations, government bodies) are
blacklisted, how many agencies actually act, and how far sanctions spill over from a listed
firm to its legal representative (facts 1.4-1.11, 2b).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...engine.results import VIA
from .. import core
from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = [
    "SET",
    "agencies_rewarding",
    "agencies_sanctioning",
    "chilled_speech",
    "firm_sanctions_from_person_lists",
    "grade_shares_enterprise",
    "legal_rep_sanctions",
    "listed_by_subject_type",
    "redlisted_by_subject_type",
    "redlisted_now",
    "sanctioned_by_subject_type",
    "sanctioned_share_by_occupation",
]

SET = IndicatorSet("outline")


def _lists_of_type(res: Results, kind: str) -> np.ndarray:
    return np.flatnonzero(np.asarray(res.names.get("list_type", []), dtype=object) == kind)


def _measure_rows(res: Results, kind: str) -> np.ndarray:
    kinds = np.asarray(res.names.get("measure_kind", []), dtype=object)
    if not len(res.sanctions["measure"]):
        return np.zeros(0, bool)
    return kinds[res.sanctions["measure"]] == kind


@SET.register("redlisted_now")
def redlisted_now(res: Results) -> float:
    """Distinct subjects on a red list at the end of the run, scaled to real counts."""
    sp = res.list_spells
    m = np.isin(sp["list"], _lists_of_type(res, "red")) & (sp["end"] < 0)
    return float(np.unique(sp["subject"][m]).size * res.scale)


@SET.register("listed_by_subject_type")
def listed_by_subject_type(res: Results) -> dict[str, int]:
    """Distinct subjects ever blacklisted, by subject type (agents, not scaled: orgs have no scale)."""
    sp = res.list_spells
    m = np.isin(sp["list"], core.black_lists(res))
    who = np.unique(sp["subject"][m]).astype(np.int64)
    types = res.subjects["type"][who].astype(np.int64)
    counts = np.bincount(types, minlength=len(res.names["subject_type"]))
    return {t: int(c) for t, c in zip(res.names["subject_type"], counts)}


def _by_type(res: Results, who: np.ndarray) -> dict[str, int]:
    types = res.subjects["type"][np.unique(who).astype(np.int64)].astype(np.int64)
    counts = np.bincount(types, minlength=len(res.names["subject_type"]))
    return {t: int(c) for t, c in zip(res.names["subject_type"], counts)}


@SET.register("sanctioned_by_subject_type", unit="subjects")
def sanctioned_by_subject_type(res: Results) -> dict[str, int]:
    """Distinct subjects that received at least one sanction, by subject type (agents, unscaled);
    a person reached through a listed unit (its legal representative) counts as a person."""
    rows = _measure_rows(res, "sanction")
    return _by_type(res, res.sanctions["target"][rows])


@SET.register("redlisted_by_subject_type", unit="subjects")
def redlisted_by_subject_type(res: Results) -> dict[str, int]:
    """Distinct subjects ever red-listed, by subject type (agents, unscaled)."""
    sp = res.list_spells
    return _by_type(res, sp["subject"][np.isin(sp["list"], _lists_of_type(res, "red"))])


@SET.register("sanctioned_share_by_occupation", unit="share")
def sanctioned_share_by_occupation(res: Results) -> dict[str, float | None]:
    """Share of adults who received at least one sanction, by occupation (``none``: outside the
    scenario's focus groups): what the sincerity files of civil servants and professionals add."""
    n = res.n_persons
    tgt = res.sanctions["target"][_measure_rows(res, "sanction")].astype(np.int64)
    hit = np.zeros(n, np.bool_)
    hit[tgt[tgt < n]] = True
    adult = res.subjects["adult"][:n] > 0
    occ = res.subjects["occupation"][:n]
    groups = {"none": -1, **{name: k for k, name in enumerate(res.names.get("occupation", []))}}
    out: dict[str, float | None] = {}
    for name, k in groups.items():
        mine = adult & (occ == k)
        out[name] = float(hit[mine].mean()) if mine.any() else None
    return out


def _agencies(res: Results, kind: str) -> int:
    rows = _measure_rows(res, kind)
    if not rows.any():
        return 0
    agency = np.asarray(res.names["measure_agency"], dtype=object)
    return int(np.unique(agency[res.sanctions["measure"][rows]]).size)


@SET.register("agencies_sanctioning")
def agencies_sanctioning(res: Results) -> int:
    """Distinct agencies that applied at least one sanction: the breadth of joint punishment."""
    return _agencies(res, "sanction")


@SET.register("agencies_rewarding")
def agencies_rewarding(res: Results) -> int:
    """Distinct agencies that granted at least one reward: the breadth of joint incentives."""
    return _agencies(res, "reward")


@SET.register("chilled_speech")
def chilled_speech(res: Results) -> float | None:
    """Share of desired lawful posts not made for fear of being recorded (1 - expressed/desired)."""
    return core.chilling_index(res)


@SET.register("legal_rep_sanctions")
def legal_rep_sanctions(res: Results) -> int:
    """Sanctions that reached a person because a firm they represent is listed (agents, unscaled)."""
    return int((_measure_rows(res, "sanction") & (res.sanctions["via"] == VIA.index("legal_rep"))).sum())


@SET.register("firm_sanctions_from_person_lists")
def firm_sanctions_from_person_lists(res: Results) -> int:
    """Sanctions that reached a firm because its legal representative is listed (agents, unscaled)."""
    via = VIA.index("represented_firms")
    return int((_measure_rows(res, "sanction") & (res.sanctions["via"] == via)).sum())


@SET.register("grade_shares_enterprise")
def grade_shares_enterprise(res: Results) -> dict[str, float] | None:
    """Share of enterprises in each grade band at the end of the run."""
    m = (res.subjects["type"] == 1) & (res.subjects["grade"] >= 0)
    grades = res.names.get("grade", [])
    if not m.any() or not grades:
        return None
    counts = np.bincount(res.subjects["grade"][m].astype(np.int64), minlength=len(grades))
    return {g: float(c / m.sum()) for g, c in zip(grades, counts)}
