"""Preset indicators, by name: what a preset reports under ``indicators``.

A preset lists the names it wants (``indicators = ["ever_listed", "flight_blocks"]``); each
name maps to a function ``f(res)`` of the run's results. The indicators of one family of presets live
in one module of this package as an :class:`IndicatorSet`; :data:`SETS` lists those
modules explicitly (nothing is discovered by import name), and :data:`INDICATORS` merges
them, refusing a name that two sets register (see ``registry.py``). To add a family, write
one module with ``SET = IndicatorSet("family")`` and add its ``SET`` to :data:`SETS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import common, credit_scores, health, incentives, letters, morality, outline, politics, trajectory
from .registry import DuplicateIndicatorError, Indicator, IndicatorFunc, IndicatorSet, merge

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = [
    "INDICATORS",
    "SETS",
    "DuplicateIndicatorError",
    "Indicator",
    "IndicatorFunc",
    "IndicatorSet",
    "compute_indicators",
    "indicator_names",
    "merge",
]

#: Every indicator set, in the order their names are reported by ``indicator_names``.
SETS: tuple[IndicatorSet, ...] = (
    common.SET,
    credit_scores.SET,
    health.SET,
    incentives.SET,
    letters.SET,
    morality.SET,
    outline.SET,
    politics.SET,
    trajectory.SET,
)

#: name → indicator, over all of :data:`SETS` (a name registered twice raised at import).
INDICATORS: dict[str, Indicator] = merge(SETS)


def indicator_names() -> list[str]:
    """Every registered indicator name, sorted."""
    return sorted(INDICATORS)


def compute_indicators(res: Results) -> dict[str, Any]:
    """The indicators the run's scenario asks for, in the order it lists them.

    A function of the results alone (tables, series, declared figures and subject columns,
    the scenario it ran), so a stored run's indicators can be recomputed
    (``scslab.store.load_results``)."""
    out: dict[str, Any] = {}
    for name in res.scenario.get("indicators", []):
        if name not in INDICATORS:
            raise ValueError(f"indicators: unknown indicator '{name}' (choose from {indicator_names()})")
        out[name] = INDICATORS[name](res)
    return out
