"""Indicators of a profile shared with employers (russia-trajectory, facts 7.12-7.13).

Rejections are the blocked job applications counted by the ``hiring`` measures
(``attempts_per_year`` applications a year). Rates divide them by the applications the
engine drew (every adult applies at that rate, from the same draw the blocked attempts use:
``Results.figures["service_applications"]``), so a rate lies in [0, 1] and "rejections
concentrate on the low-profile list" reads as a rate near 1 there and 0 elsewhere. The income gap compares
how measures moved the incomes of the top and bottom of the profile (current income over
the income the person started with), which nets out the starting income differences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["BOTTOM_LIST", "SET", "TOP_LIST", "hiring_rejections_by_list", "listed_person_years"]

SET = IndicatorSet("trajectory")

TOP_LIST, BOTTOM_LIST = "top_profile", "bottom_profile"


def _list_index(res: Results, name: str) -> int | None:
    names = res.names["list"]
    return names.index(name) if name in names else None


def listed_person_years(res: Results, k: int) -> float:
    """Person-years persons spent on list ``k`` during the run."""
    sp = res.list_spells
    sel = (sp["list"] == k) & (sp["subject"] < res.n_persons)
    end = np.where(sp["end"][sel] < 0, res.days, sp["end"][sel])
    return float((end - sp["start"][sel]).sum() / 365.0)


def hiring_rejections_by_list(res: Results) -> tuple[dict[int | None, int], float]:
    """Rejected applications per list index, and the applications a year per blocked person."""
    out: dict[int | None, int] = {}
    rate = 0.0
    blocked = res.figures["blocked_by_measure"]
    for m in res.scenario["measures"]:
        if m.get("blocks") != "hiring":
            continue
        k = _list_index(res, m["list"])
        out[k] = out.get(k, 0) + int(blocked[m["name"]])
        rate = max(rate, m["attempts_per_year"])
    return out, rate


def _adults(res: Results) -> float:
    return float((res.subjects["adult"][: res.n_persons] > 0).sum())


def _listed_at_end(res: Results, k: int) -> np.ndarray:
    """Persons on list ``k`` at the end of the run (an open spell)."""
    sp, n = res.list_spells, res.n_persons
    out = np.zeros(n, np.bool_)
    subj = sp["subject"][(sp["list"] == k) & (sp["end"] < 0)].astype(np.int64)
    out[subj[subj < n]] = True
    return out


def _hiring(res: Results) -> tuple[dict[str, int], dict[str, int]]:
    """(applications, rejections) of the hiring service, in all and by list: counted from the
    engine's own attempt draw (``services.hiring.attempt``), so rejections never exceed them."""
    apps = (res.figures.get("service_applications") or {}).get("hiring") or {}
    rejs = (res.figures.get("service_rejections") or {}).get("hiring") or {}
    return apps, rejs


def _rate(rejected: int, applications: int) -> float | None:
    return None if applications <= 0 else rejected / applications


@SET.register("hiring_rejection_rate")
def hiring_rejection_rate(res: Results) -> float | None:
    """Rejected applications over all applications (every adult applies at the measures' rate)."""
    apps, rejs = _hiring(res)
    return _rate(rejs.get("all", 0), apps.get("all", 0))


@SET.register("hiring_rejection_rate_bottom")
def hiring_rejection_rate_bottom(res: Results) -> float | None:
    """Share of the applications made while on the bottom list that were rejected."""
    apps, rejs = _hiring(res)
    if BOTTOM_LIST not in apps:
        return None
    return _rate(rejs[BOTTOM_LIST], apps[BOTTOM_LIST])


@SET.register("hiring_rejection_rate_rest")
def hiring_rejection_rate_rest(res: Results) -> float | None:
    """Share of the applications made off the bottom list that were rejected."""
    apps, rejs = _hiring(res)
    if "all" not in apps:
        return None
    return _rate(rejs["all"] - rejs.get(BOTTOM_LIST, 0), apps["all"] - apps.get(BOTTOM_LIST, 0))


@SET.register("income_gap_top_bottom")
def income_gap_top_bottom(res: Results) -> float | None:
    """Mean income change (current / initial) of the top list minus that of the bottom list."""
    top, bot = _list_index(res, TOP_LIST), _list_index(res, BOTTOM_LIST)
    if top is None or bot is None:
        return None
    n = res.n_persons
    inc0 = np.maximum(res.subjects["income0"][:n].astype(np.float64), 1e-9)
    change = res.subjects["income"][:n] / inc0
    on_top, on_bot = _listed_at_end(res, top), _listed_at_end(res, bot)
    if not on_top.any() or not on_bot.any():
        return None
    return float(change[on_top].mean() - change[on_bot].mean())


@SET.register("profile_coverage")
def profile_coverage(res: Results) -> float:
    """Share of persons with a profile (scored), facts 7.13's '4 in 5'."""
    return float(res.figures["profile_persons"] / max(res.n_persons, 1))
