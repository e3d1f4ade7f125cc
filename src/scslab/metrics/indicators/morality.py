"""Indicators of volunteer registration and its honours (volunteer-morality, the essay's
"National Morality Model").

The essay's point is that honours and their perks are "driven by positive monetary
benefits": who gets honoured, and who collects the rewards, by group and income? Persons
are adults; "honoured" means ever on the honour list, "registered" ever on the registry's
list. Income is the income a person started the run with (``base_income``), so the rewards
themselves do not sort people into quintiles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .politics import benefits_received
from .registry import IndicatorSet

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["HONOURED", "REGISTERED", "SET", "ever_on"]

SET = IndicatorSet("morality")

REGISTERED, HONOURED = "registered_volunteers", "morality_model"


def ever_on(res: Results, name: str) -> np.ndarray | None:
    """Per person: ever on list ``name`` (None if the scenario has no such list)."""
    names = res.names["list"]
    if name not in names:
        return None
    sp, n = res.list_spells, res.n_persons
    subj = sp["subject"][sp["list"] == names.index(name)].astype(np.int64)
    out = np.zeros(n, np.bool_)
    out[subj[subj < n]] = True
    return out


def _adults(res: Results) -> np.ndarray:
    return res.subjects["adult"][: res.n_persons] > 0


def _base_income(res: Results) -> np.ndarray:
    """The income each person started the run with (``subjects.income0``)."""
    return res.subjects["income0"][: res.n_persons]


def _quintile(res: Results) -> np.ndarray:
    """Income quintile 0..4 of each adult by starting income (-1 for minors)."""
    inc = _base_income(res)
    adults = _adults(res)
    q = np.full(res.n_persons, -1, np.int64)
    cuts = np.quantile(inc[adults], [0.2, 0.4, 0.6, 0.8])
    q[adults] = np.searchsorted(cuts, inc[adults], side="right")
    return q


def _share(mask: np.ndarray, within: np.ndarray) -> float | None:
    return float(mask[within].mean()) if within.any() else None


@SET.register("registered_share_adults", unit="share")
def registered_share_adults(res: Results) -> float | None:
    """Share of adults ever registered as volunteers."""
    reg = ever_on(res, REGISTERED)
    return None if reg is None else _share(reg, _adults(res))


@SET.register("honoured_share_adults", unit="share")
def honoured_share_adults(res: Results) -> float | None:
    """Share of adults ever honoured as a moral model."""
    hon = ever_on(res, HONOURED)
    return None if hon is None else _share(hon, _adults(res))


@SET.register("honoured_share_by_income_quintile", unit="share")
def honoured_share_by_income_quintile(res: Results) -> dict[str, float | None] | None:
    """Share of adults ever honoured, by quintile of starting income (q1 poorest)."""
    hon = ever_on(res, HONOURED)
    if hon is None:
        return None
    q = _quintile(res)
    return {f"q{k + 1}": _share(hon, q == k) for k in range(5)}


@SET.register("honoured_share_by_group", unit="share")
def honoured_share_by_group(res: Results) -> dict[str, float | None] | None:
    """Share of adults ever honoured, by setting, sex, hukou and synthetic group."""
    hon = ever_on(res, HONOURED)
    if hon is None:
        return None
    st, n = res.subjects, res.n_persons
    a = _adults(res)
    groups = {
        "urban": st["urban"][:n] == 1,
        "rural": st["urban"][:n] == 0,
        "female": st["sex"][:n] == 1,
        "male": st["sex"][:n] == 0,
        "local_hukou": st["migrant"][:n] == 0,
        "migrant": st["migrant"][:n] == 1,
    }
    for gi, grp in enumerate(res.names["group"]):
        groups[f"group_{grp}"] = st["group"][:n] == gi
    return {k: _share(hon, a & m) for k, m in groups.items()}


@SET.register("rewards_by_income_quintile", unit="yuan per adult")
def rewards_by_income_quintile(res: Results) -> dict[str, float | None]:
    """Reward yuan received over the run per adult, by quintile of starting income (q1 poorest)."""
    got, q = benefits_received(res), _quintile(res)
    return {f"q{k + 1}": (float(got[q == k].mean()) if (q == k).any() else None) for k in range(5)}


@SET.register("honoured_income_ratio", unit="ratio")
def honoured_income_ratio(res: Results) -> float | None:
    """Mean starting income of honoured adults over that of the other adults."""
    hon = ever_on(res, HONOURED)
    if hon is None:
        return None
    a, inc = _adults(res), _base_income(res)
    yes, no = a & hon, a & ~hon
    if not yes.any() or not no.any() or inc[no].mean() <= 0:
        return None
    return float(inc[yes].mean() / inc[no].mean())
