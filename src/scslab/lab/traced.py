"""Runs with per-day cumulative block and listing counts, for targets dated mid-run.

Published figures are cumulative stocks at a date, but the engine keeps only run totals
for service blocks. :func:`run_traced` runs the simulation through the public hook
``Sim.run(on_day=...)``, reads the measures' run totals after each day, and adds per-day
cumulative series to the results: ``blocked_<measure>``, ``blocked_<service>`` (flight,
rail, ..., each attempt once), ``ever_listed_cum`` (distinct subjects whose first
black-list spell started on or before the day), ``ever_listed_cum_judicial_persons`` (the
same, persons only and judicial-domain black lists only: the SPC's "people on the list")
and ``list_entries_cum`` (black-list spells started on or before the day, a subject once per
spell: the "person-times" (人次) a published count of listings gives, facts 2c). All are in
agents; multiply by ``res.scale`` for real people.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..engine.measures import MeasuresModule
from ..engine.results import Results
from ..engine.sim import Sim
from ..scenario.schema import Scenario

__all__ = ["ever_listed_by_day", "list_entries_by_day", "run_traced"]

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
    res.series["ever_listed_cum_judicial_persons"] = ever_listed_by_day(res, D, domain="judicial", persons_only=True)
    res.series["list_entries_cum"] = list_entries_by_day(res, D)
    return res


def _black_spells(res: Results, domain: str | None = None, persons_only: bool = False) -> np.ndarray:
    """A mask over ``res.list_spells``: spells on black lists (of ``domain``; of persons)."""
    sp = res.list_spells
    types = np.asarray(res.names.get("list_type", []), dtype=object)
    keep = types == "black"
    if domain is not None:
        domains = [str(e.get("domain", "")) for e in res.scenario.get("lists", [])]
        keep &= np.asarray(domains, dtype=object) == domain
    mask = np.isin(sp["list"], np.flatnonzero(keep)) if len(sp["list"]) else np.zeros(0, bool)
    if persons_only and len(mask):
        mask &= sp["subject"] < res.n_persons  # persons are subjects 0 .. n-1, organisations after
    return mask


def list_entries_by_day(res: Results, days: int) -> np.ndarray:
    """Black-list spells started on or before each day (person-times: a subject listed twice counts twice)."""
    start = res.list_spells["start"][_black_spells(res)]
    return np.cumsum(np.bincount(start, minlength=days)[:days]).astype(np.int64)


def ever_listed_by_day(res: Results, days: int, domain: str | None = None, persons_only: bool = False) -> np.ndarray:
    """Distinct subjects whose first black-list spell (on a ``domain`` list; persons only) started by each day."""
    sp = res.list_spells
    black = _black_spells(res, domain, persons_only)
    subj, start = sp["subject"][black], sp["start"][black]
    if subj.size == 0:
        return np.zeros(days, np.int64)
    order = np.lexsort((start, subj))  # by subject, then start: first spell comes first
    s, st = subj[order], start[order]
    first = st[np.r_[True, s[1:] != s[:-1]]]
    return np.cumsum(np.bincount(first, minlength=days)[:days]).astype(np.int64)
