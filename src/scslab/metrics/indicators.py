"""Preset-specific indicators, by name: what a preset reports under ``indicators``.

A preset lists the names it wants (``indicators = ["ever_listed", "flight_blocks"]``);
each name maps to a function of the finished run. Counts of people are multiplied by the
population scale factor so they compare with published national or city figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.results import END_REASONS
from . import core

if TYPE_CHECKING:
    from ..engine.results import Results
    from ..engine.sim import Sim

__all__ = ["INDICATORS", "compute_indicators", "indicator_names", "register"]


def register(name: str):
    """Decorator for indicator functions ``f(res, sim) -> value`` defined in ``metrics/ind_*.py``."""

    def deco(f):
        INDICATORS[name] = f
        return f

    return deco


def _load_plugins() -> None:
    """Import every ``scslab.metrics.ind_*`` module once (each registers its indicators)."""
    import importlib
    import pkgutil

    from .. import metrics

    for mod in pkgutil.iter_modules(metrics.__path__):
        if mod.name.startswith("ind_"):
            importlib.import_module(f"{metrics.__name__}.{mod.name}")


def _blocks(kind: str) -> Callable[[Results, Sim], float]:
    def f(res: Results, sim: Sim) -> float:
        services = sim.state.services
        total = int(sim.measures.blocked_by_service[services.index(kind)]) if kind in services else 0
        return total * res.scale

    return f


def _paid_after_listing(res: Results, sim: Sim) -> float:
    sp = res.list_spells
    black = np.isin(sp["list"], core.black_lists(res))
    return float((black & (sp["end_reason"] == END_REASONS.index("performance"))).sum() * res.scale)


def _payment_rate(res: Results, sim: Sim) -> float | None:
    """Share of obligation opportunities met on time (the nudge comparator's outcome)."""
    beh = sim.behaviour
    viol = sum(res.series[f"violations_{b}"].sum() for b in beh.obligations.names)
    opp = sum(beh.total_opportunities[beh.specs.index(s)] for s in beh.specs if s.kind == "obligation")
    return None if opp == 0 else float(1.0 - viol / opp)


INDICATORS: dict[str, Callable[[Results, Sim], Any]] = {
    "ever_listed": lambda r, s: core.ever_listed(r) * r.scale,
    "listed_now": lambda r, s: core.listed_now(r) * r.scale,
    "wrongful_listings": lambda r, s: core.wrongful_listings(r) * r.scale,
    "paid_after_listing": _paid_after_listing,
    "flight_blocks": _blocks("flight"),
    "rail_blocks": _blocks("rail"),
    "loan_blocks": _blocks("loan"),
    "hiring_blocks": _blocks("hiring"),
    "payment_rate": _payment_rate,
    "records_per_capita": lambda r, s: len(r.records["subject"]) / max(r.n_persons, 1),
}


def indicator_names() -> list[str]:
    _load_plugins()
    return sorted(INDICATORS)


def compute_indicators(res: Results, sim: Sim) -> dict[str, Any]:
    _load_plugins()
    out: dict[str, Any] = {}
    for name in sim.scenario.indicators:
        if name not in INDICATORS:
            raise ValueError(f"indicators: unknown indicator '{name}' (choose from {indicator_names()})")
        out[name] = INDICATORS[name](res, sim)
    return out
