"""Runs with per-day cumulative block and listing counts, for targets dated mid-run.

Published figures are cumulative stocks at a date, but the engine keeps only run totals
for service blocks. :func:`run_traced` runs the simulation through the public hook
``Sim.run(on_day=...)``, reads the measures' run totals after each day, and adds per-day
cumulative series to the results: ``blocked_<measure>``, ``blocked_<service>`` (flight,
rail, ..., each attempt once) and ``ever_listed_cum`` (distinct subjects whose first
black-list spell started on or before the day). All are in agents; multiply by
``res.scale`` for real people.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..engine.measures import MeasuresModule
from ..engine.results import Results
from ..engine.sim import Sim
from ..scenario.schema import Scenario

__all__ = ["ever_listed_by_day", "run_traced"]

ScenarioLike = Scenario | str | Path


def run_traced(
    scenario: ScenarioLike, n: int | None, seed: int, overrides: Sequence[str] = (), days: int | None = None
) -> Results:
    """One run with per-day cumulative block counts and ever-listed counts added to ``series``."""
    sim = Sim(scenario, n=n, seed=seed, days=days, overrides=list(overrides))
    sim.init()
    D = sim.scenario.sim.days
    blocked = np.zeros((D, len(sim.scenario.measures)), np.int64)
    by_service = np.zeros((D, len(sim.state.services)), np.int64)
    measures = sim.module("measures")
    assert isinstance(measures, MeasuresModule)

    def trace(done: int, total: int) -> None:  # after each day: the run totals so far
        blocked[done - 1] = measures.blocked_total
        by_service[done - 1] = measures.blocked_by_service

    res = sim.run(on_day=trace)
    for j, m in enumerate(sim.scenario.measures):
        res.series[f"blocked_{m.name}"] = blocked[:, j]
    for k, svc in enumerate(sim.state.services):
        if any(m.blocks == svc for m in sim.scenario.measures):
            res.series[f"blocked_{svc}"] = by_service[:, k]
    res.series["ever_listed_cum"] = ever_listed_by_day(res, D)
    return res


def ever_listed_by_day(res: Results, days: int) -> np.ndarray:
    sp = res.list_spells
    types = np.asarray(res.names.get("list_type", []), dtype=object)
    black = np.isin(sp["list"], np.flatnonzero(types == "black")) if len(sp["list"]) else np.zeros(0, bool)
    subj, start = sp["subject"][black], sp["start"][black]
    if subj.size == 0:
        return np.zeros(days, np.int64)
    order = np.lexsort((start, subj))  # by subject, then start: first spell comes first
    s, st = subj[order], start[order]
    first = st[np.r_[True, s[1:] != s[:-1]]]
    return np.cumsum(np.bincount(first, minlength=days)[:days]).astype(np.int64)
