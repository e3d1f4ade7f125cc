"""Fit a few scenario parameters so that runs reproduce published figures.

Why this shape:

- **Common random numbers.** Every candidate is run on the same seeds, so the objective
  is a deterministic function of the parameters (no noise between two candidates that
  differ only in the parameters), which is what a simplex or a grid search needs.
- **Runs are the cost.** One evaluation is ``len(seeds)`` full runs; the optimiser works
  in a unit box (bounds by clipping), caches repeated points and stops after ``max_evals``.
- **Workers do not change results.** Seeds are run in a process pool, but results come
  back in seed order and are reduced in the parent, so ``workers=1`` and ``workers=2``
  give bit-identical fits.
- **Figures by day.** Published figures are cumulative stocks at a date, but the engine
  keeps only run totals for service blocks. :func:`run_traced` drives the day loop itself
  and adds per-day cumulative series to the results: ``blocked_<measure>``,
  ``blocked_<kind>`` (flight, rail, ...) and ``ever_listed_cum`` (distinct subjects whose
  first black-list spell started on or before the day). All are in agents; a target with
  ``scale=True`` multiplies by ``res.scale`` (real people per agent).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.results import Results
from ..scenario.schema import Scenario
from .traced import run_traced

__all__ = [
    "CalibrationResult",
    "Target",
    "TargetFit",
    "calibrate",
    "current_values",
    "evaluate",
    "overrides_for",
    "run_traced",
]

ScenarioLike = Scenario | str | Path

# Workers are spawned, not forked: a parent that already ran the engine has numba's threading
# layer (OpenMP) started, and forking such a process is unsafe.
_SPAWN = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Target:
    """One published figure. ``extract`` is ``f(res) -> float`` or ``(series name, day)``;
    ``scale=True`` multiplies the model value by ``res.scale`` (agents -> real people)."""

    name: str
    value: float
    extract: Callable[[Results], float] | tuple[str, int]
    weight: float = 1.0
    source: str = "facts 2c"
    scale: bool = False

    def model_value(self, res: Results) -> float:
        if callable(self.extract):
            v = float(self.extract(res))
        else:
            key, day = self.extract
            s = np.asarray(res.series[key])
            v = float(s[min(int(day), s.size - 1)])
        return v * res.scale if self.scale else v


@dataclass
class TargetFit:
    """Model vs published figure for one target: mean and 95% CI (Student t) over seeds."""

    name: str
    source: str
    value: float
    weight: float
    per_seed: list[float]
    mean: float
    ci95: float

    @property
    def rel_error(self) -> float:
        return (self.mean - self.value) / self.value if self.value else math.nan


@dataclass
class CalibrationResult:
    params: dict[str, float]
    objective: float
    evaluations: int
    fits: list[TargetFit]
    seeds: tuple[int, ...]
    n: int | None
    overrides: list[str] = field(default_factory=list)
    history: list[tuple[dict[str, float], float]] = field(default_factory=list)

    def table(self) -> str:
        """A markdown table of the fit (for docs/validation.md)."""
        rows = ["| indicator | published | model (mean ± 95% CI) | rel. error | source |", "|---|---:|---:|---:|---|"]
        for f in self.fits:
            rows.append(
                f"| {f.name} | {f.value:,.0f} | {f.mean:,.0f} ± {f.ci95:,.0f} | {f.rel_error:+.1%} | {f.source} |"
            )
        return "\n".join(rows)


# ------------------------------------------------------------------------- running


def _job(args: tuple) -> Results:
    return run_traced(*args)


def overrides_for(values: Mapping[str, float], links: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """``--set`` strings for fitted values; ``links`` copies a value to tied keys."""
    out = []
    for k, v in values.items():
        for key in (k, *((links or {}).get(k, ()))):
            out.append(f"{key}={v!r}")
    return out


def _fits(targets: Sequence[Target], runs: Sequence[Results]) -> list[TargetFit]:
    fits = []
    for tg in targets:
        vals = [tg.model_value(r) for r in runs]
        k = len(vals)
        mean = float(np.mean(vals))
        ci = float(_t975(k - 1) * np.std(vals, ddof=1) / math.sqrt(k)) if k > 1 else math.nan
        fits.append(TargetFit(tg.name, tg.source, tg.value, tg.weight, vals, mean, ci))
    return fits


def _loss(fits: Sequence[TargetFit]) -> float:
    """Weighted sum of squared relative errors of the seed means."""
    return float(sum(f.weight * ((f.mean - f.value) / f.value) ** 2 for f in fits))


def evaluate(
    scenario: ScenarioLike,
    values: Mapping[str, float],
    targets: Sequence[Target],
    *,
    n: int | None = None,
    seeds: Sequence[int] = (1, 2, 3),
    overrides: Sequence[str] = (),
    links: Mapping[str, Sequence[str]] | None = None,
    days: int | None = None,
    workers: int = 2,
    pool: ProcessPoolExecutor | None = None,
) -> list[TargetFit]:
    """Model vs targets at one parameter point (no search): the final check of a fit."""
    ovr = [*overrides, *overrides_for(values, links)]
    jobs = [(scenario, n, int(s), ovr, days) for s in seeds]
    if pool is not None:
        runs = list(pool.map(_job, jobs))
    elif workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_SPAWN) as ex:
            runs = list(ex.map(_job, jobs))
    else:
        runs = [_job(j) for j in jobs]
    return _fits(targets, runs)


# ------------------------------------------------------------------------- search


def calibrate(
    scenario: ScenarioLike,
    params: Mapping[str, tuple[float, float]],
    targets: Sequence[Target],
    *,
    n: int | None = None,
    seeds: Sequence[int] = (1, 2, 3),
    method: str = "nelder-mead",
    start: Mapping[str, float] | None = None,
    overrides: Sequence[str] = (),
    links: Mapping[str, Sequence[str]] | None = None,
    days: int | None = None,
    workers: int = 2,
    max_evals: int = 30,
    grid_points: int = 3,
    refine: int = 1,
    xatol: float = 0.02,
    log: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Minimise the weighted squared relative error of seed-averaged runs over ``params``.

    ``params`` maps a ``--set`` key to its (lo, hi) bounds; ``start`` is the first simplex
    point (default: the box centre). ``method="grid"`` evaluates ``grid_points`` per axis,
    then ``refine`` times a grid of half the span around the best point. ``links`` ties other
    keys to a fitted one (e.g. two measures that share an attempt rate).
    """
    names = list(params)
    lo = np.array([params[k][0] for k in names], float)
    hi = np.array([params[k][1] for k in names], float)
    span = np.where(hi > lo, hi - lo, 1.0)
    cache: dict[tuple, tuple[float, list[TargetFit]]] = {}
    history: list[tuple[dict[str, float], float]] = []
    pool = (
        ProcessPoolExecutor(max_workers=min(workers, len(seeds)), mp_context=_SPAWN)
        if workers > 1 and len(seeds) > 1
        else None
    )

    def point(u: np.ndarray) -> dict[str, float]:
        x = lo + np.clip(u, 0.0, 1.0) * span
        return {k: float(np.round(v, 10)) for k, v in zip(names, x)}

    def f(u: np.ndarray) -> float:
        vals = point(u)
        key = tuple(vals.values())
        if key not in cache:
            fits = evaluate(
                scenario,
                vals,
                targets,
                n=n,
                seeds=seeds,
                overrides=overrides,
                links=links,
                days=days,
                workers=1,
                pool=pool,
            )
            cache[key] = (_loss(fits), fits)
            history.append((vals, cache[key][0]))
            if log:
                log(f"eval {len(cache)}: {vals} -> {cache[key][0]:.4g}")
        return cache[key][0]

    try:
        if method == "grid":
            centre, half = np.full(len(names), 0.5), 0.5
            for _ in range(refine + 1):
                axes = [np.linspace(max(c - half, 0.0), min(c + half, 1.0), grid_points) for c in centre]
                grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(names), -1).T
                scores = [f(u) for u in grid]
                centre, half = grid[int(np.argmin(scores))], half / 2.0
        elif method == "nelder-mead":
            u0 = (
                np.full(len(names), 0.5)
                if start is None
                else ((np.array([start[k] for k in names], float) - lo) / span)
            )
            _nelder_mead(f, _simplex(np.clip(u0, 0.0, 1.0)), lambda: len(cache) >= max_evals, xatol)
        else:
            raise ValueError(f"unknown method {method!r} (nelder-mead or grid)")
    finally:
        if pool is not None:
            pool.shutdown()
    best = min(cache, key=lambda k: (cache[k][0], k))
    return CalibrationResult(
        params=dict(zip(names, best)),
        objective=cache[best][0],
        evaluations=len(cache),
        fits=cache[best][1],
        seeds=tuple(int(s) for s in seeds),
        n=n,
        overrides=list(overrides),
        history=history,
    )


def _simplex(u0: np.ndarray, step: float = 0.25) -> np.ndarray:
    """Initial simplex in the unit box: each vertex moves one axis by ``step`` toward the
    far side, so no vertex is clipped onto another."""
    pts = [u0.copy()]
    for i in range(u0.size):
        v = u0.copy()
        v[i] = u0[i] + step if u0[i] + step <= 1.0 else u0[i] - step
        pts.append(v)
    return np.array(pts)


def _nelder_mead(
    f: Callable[[np.ndarray], float], simplex: np.ndarray, spent: Callable[[], bool], xatol: float
) -> None:
    """Plain Nelder-Mead (reflect 1, expand 2, contract 1/2, shrink 1/2) on the unit box.

    Written out rather than taken from SciPy so the package needs no SciPy and the path of
    the search is fixed by this code alone. Points outside the box are clipped by ``f``.
    Stops when the budget is spent or the simplex is smaller than ``xatol`` on every axis.
    """
    pts = [np.clip(p, 0.0, 1.0) for p in simplex]
    vals = [f(p) for p in pts]
    while not spent():
        order = sorted(range(len(pts)), key=lambda i: (vals[i], i))
        pts, vals = [pts[i] for i in order], [vals[i] for i in order]
        if max(float(np.max(np.abs(p - pts[0]))) for p in pts[1:]) < xatol:
            return
        c = np.mean(pts[:-1], axis=0)
        xr = np.clip(c + (c - pts[-1]), 0.0, 1.0)
        fr = f(xr)
        if fr < vals[0]:
            xe = np.clip(c + 2.0 * (c - pts[-1]), 0.0, 1.0)
            fe = f(xe)
            pts[-1], vals[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = xr, fr
        else:
            xc = c + 0.5 * ((xr if fr < vals[-1] else pts[-1]) - c)
            fc = f(xc)
            if fc < min(fr, vals[-1]):
                pts[-1], vals[-1] = xc, fc
            else:
                for i in range(1, len(pts)):
                    pts[i] = pts[0] + 0.5 * (pts[i] - pts[0])
                    vals[i] = f(pts[i])


_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
)


def _t975(df: int) -> float:
    """Two-sided 95% Student-t quantile (table to 20 degrees of freedom, then normal-ish)."""
    return _T975[df - 1] if df <= len(_T975) else 1.96 + 2.4 / df


# ------------------------------------------------------------------------- presets


def _facts(tag: str) -> str:
    return f"facts 2c ({tag}) [V]"


#: Facts 2c (cumulative figures; day 0 = 1 Oct 2013). "People on list" is gross of removals
#: and the May 2018 row counts person-times (人次), so it is left out. Dec 2014 is a lower
#: bound (">700,000"), hence a lower weight.
COURT_BLACKLIST_LIST_TARGETS = (
    Target(
        "people on list, Dec 2014 (>)", 0.7e6, ("ever_listed_cum", 456), 0.5, _facts("China Daily 2015-07-22"), True
    ),
    Target(
        "people on list, end Sep 2018",
        12.11e6,
        ("ever_listed_cum", 1825),
        1.0,
        _facts("Zhou Qiang to NPCSC 2018"),
        True,
    ),
    Target("people on list, end 2018 (≈)", 13e6, ("ever_listed_cum", 1917), 1.0, _facts("SPC white paper 2019"), True),
)
COURT_BLACKLIST_BLOCK_TARGETS = (
    Target(
        "flight blocks, end 2017", 9.36e6, ("blocked_flight", 1552), 1.0, _facts("SPC via China Daily 2018-01-09"), True
    ),
    Target("flight blocks, end Sep 2018", 14.78e6, ("blocked_flight", 1825), 1.0, _facts("mhfzw.cn"), True),
    Target("flight blocks, end 2018 (≈)", 17.5e6, ("blocked_flight", 1917), 1.0, _facts("SPC white paper 2019"), True),
    Target(
        "rail blocks, end 2017", 3.67e6, ("blocked_rail", 1552), 1.0, _facts("SPC via China Daily 2018-01-09"), True
    ),
    Target("rail blocks, end Sep 2018", 5.24e6, ("blocked_rail", 1825), 1.0, _facts("mhfzw.cn"), True),
    Target("HSR blocks, end 2018", 5.47e6, ("blocked_rail", 1917), 1.0, _facts("SPC white paper 2019"), True),
)
COURT_BLACKLIST_LINKS = {
    "measures.flight_ban.attempts_per_year": ("measures.conduct_flight_ban.attempts_per_year",),
    "measures.rail_ban.attempts_per_year": ("measures.conduct_rail_ban.attempts_per_year",),
}
RONGCHENG_TARGETS = (
    Target("natural persons in the city database", 590_000, lambda r: r.n_persons, 1.0, "facts 3.1 [V]", True),
    Target("legal persons in the city database", 30_000, lambda r: r.n_orgs, 1.0, "facts 3.1 [V]", True),
)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m scslab.lab.calibrate court-blacklist [--fit] [--n N] [--seeds 1 2 3]``.

    Without ``--fit``: the shipped defaults against the published figures (the
    validation table). With ``--fit``: the two-stage fit used for the preset (list
    parameters on the list figures, then the attempt rates on the block figures, which do
    not feed back on the list), at ``n`` agents with the scale set so n x scale = 1.39 bn.
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m scslab.lab.calibrate")
    ap.add_argument("preset", choices=["court-blacklist", "rongcheng"])
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-evals", type=int, default=20)
    a = ap.parse_args(argv)
    say = lambda s: print(s, flush=True)  # noqa: E731
    if a.preset == "rongcheng":
        say(_table(evaluate("rongcheng", {}, RONGCHENG_TARGETS, n=a.n, seeds=a.seeds, days=1, workers=a.workers)))
        return
    ovr = [] if a.n is None else [f"population.scale={1.39e9 / a.n!r}"]
    targets = [*COURT_BLACKLIST_LIST_TARGETS, *COURT_BLACKLIST_BLOCK_TARGETS]
    if not a.fit:
        say(_table(evaluate("court-blacklist", {}, targets, n=a.n, seeds=a.seeds, overrides=ovr, workers=a.workers)))
        return
    p1 = {
        "behaviours.judgment_debt.opportunities_per_year": (0.003, 0.015),
        "behaviours.judgment_debt.base_logit": (0.85, 16.0),
    }
    r1 = calibrate(
        "court-blacklist",
        p1,
        COURT_BLACKLIST_LIST_TARGETS,
        n=a.n,
        seeds=a.seeds,
        overrides=ovr,
        workers=a.workers,
        start=current_values("court-blacklist", p1),
        max_evals=a.max_evals,
        log=say,
    )
    say(f"stage 1: {r1.params} objective {r1.objective:.4g} after {r1.evaluations} evaluations")
    p2 = {"measures.flight_ban.attempts_per_year": (0.1, 2.0), "measures.rail_ban.attempts_per_year": (0.02, 1.0)}
    r2 = calibrate(
        "court-blacklist",
        p2,
        COURT_BLACKLIST_BLOCK_TARGETS,
        n=a.n,
        seeds=a.seeds,
        links=COURT_BLACKLIST_LINKS,
        overrides=[*ovr, *overrides_for(r1.params)],
        workers=a.workers,
        start=current_values("court-blacklist", p2),
        max_evals=a.max_evals,
        log=say,
    )
    say(f"stage 2: {r2.params} objective {r2.objective:.4g} after {r2.evaluations} evaluations")
    say(_table(r1.fits + r2.fits))


def current_values(scenario: ScenarioLike, keys: Sequence[str]) -> dict[str, float]:
    """The scenario's present values of dotted keys (list entries by name), e.g. to start a fit."""
    from ..scenario.loader import load_scenario

    data = (scenario if isinstance(scenario, Scenario) else load_scenario(scenario)).model_dump(mode="json")
    out = {}
    for key in keys:
        node = data
        for seg in key.split("."):
            node = next(e for e in node if e.get("name") == seg) if isinstance(node, list) else node[seg]
        out[key] = float(node)
    return out


def _table(fits: Sequence[TargetFit]) -> str:
    return CalibrationResult({}, _loss(fits), 1, list(fits), (), None).table()


if __name__ == "__main__":
    main()
