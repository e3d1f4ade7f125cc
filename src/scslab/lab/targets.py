"""Targets files: published figures a calibration fits, checked strictly (file, line, field path).

```toml
scenario = "court-blacklist"   # default scenario (``scslab calibrate SCENARIO`` overrides it)
n = 20000                      # agents per run
seeds = [1, 2, 3]              # every trial is scored on the mean over these seeds
overrides = []                 # --set overrides (scale comes from population.represents / n)
start_date = "2013-10-01"      # day 0, for targets given by date
sampler_seed = 1               # Optuna's TPE sampler seed
batch = 4                      # trials asked at once (fixed, so results do not depend on --workers)

[[parameters]]
path = "behaviours.judgment_debt.opportunities_per_year"
low = 0.003
high = 0.015
log = false                    # sample on a log scale
links = []                     # other paths that take the same value

[[targets]]
name = "people on list, end Sep 2018"
metric = "ever_listed_cum"     # a daily series (read at day/date) or a run figure (end of run)
date = "2018-09-30"            # or day = 1825
value = 12.11e6
weight = 1.0                   # loss term weight * ((model - value) / value)^2
tolerance = 0.5e6              # instead: ((model - value) / tolerance)^2
scale = true                   # model value x population.scale (agents -> real people)
source = "facts 2c (Zhou Qiang to NPCSC 2018) [V]"
holdout = false                # true: not fitted, reported as an out-of-sample check
```

Series named ``blocked_<measure>``, ``blocked_<kind>``, ``ever_listed_cum`` (and
``ever_listed_cum_judicial_persons``) and ``list_entries_cum`` are the
per-day cumulative counts of :mod:`.traced`; asking for one makes the runs traced.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from scslab.scenario.errors import Problem, ScenarioError

__all__ = ["CalParameter", "Target", "TargetsSpec", "load_targets", "packaged_targets", "targets_from_dict"]

_TOP = {"scenario", "n", "days", "seeds", "overrides", "start_date", "sampler_seed", "batch", "parameters", "targets"}
_PARAM = {"path", "low", "high", "log", "links"}
_TARGET = {"name", "metric", "day", "date", "value", "weight", "tolerance", "scale", "source", "holdout"}
TRACED_PREFIXES = ("blocked_", "ever_listed_cum", "list_entries_cum")
_PACKAGED = Path(__file__).resolve().parent / "targets"


@dataclass(frozen=True)
class CalParameter:
    path: str
    low: float
    high: float
    log: bool = False
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """One published figure and how to read the model's value of it."""

    name: str
    metric: str
    value: float
    day: int | None = None
    weight: float = 1.0
    tolerance: float | None = None
    scale: bool = False
    source: str = ""
    holdout: bool = False

    def model_value(self, figures: dict[str, float], series: dict[str, Any] | None, scale: float) -> float:
        """The model's value from one run's figures and series (NaN when the run lacks it)."""
        v = math.nan
        if series is not None and self.metric in series:
            s = series[self.metric]
            if len(s):
                v = float(s[min(int(self.day if self.day is not None else len(s) - 1), len(s) - 1)])
        elif self.metric in figures:
            v = float(figures[self.metric])
        return v * scale if self.scale else v

    def loss(self, model: float) -> float:
        if self.tolerance:
            return ((model - self.value) / self.tolerance) ** 2
        return self.weight * ((model - self.value) / self.value) ** 2 if self.value else self.weight * model**2

    @property
    def traced(self) -> bool:
        return self.metric.startswith(TRACED_PREFIXES)


@dataclass(frozen=True)
class TargetsSpec:
    scenario: str | None
    parameters: tuple[CalParameter, ...]
    targets: tuple[Target, ...]
    n: int | None = None
    days: int | None = None
    seeds: tuple[int, ...] = (1, 2, 3)
    overrides: tuple[str, ...] = ()
    sampler_seed: int = 1
    batch: int = 4
    file: str = "<targets>"

    @property
    def traced(self) -> bool:
        return any(t.traced for t in self.targets)


def packaged_targets(name: str) -> Path:
    """A targets file shipped with the package (``court-blacklist``, ``national-outline``)."""
    p = _PACKAGED / f"{name}.toml"
    if not p.is_file():
        have = ", ".join(sorted(q.stem for q in _PACKAGED.glob("*.toml")))
        raise ScenarioError([Problem(f"<targets:{name}>", "", f"no packaged targets {name!r} (have: {have})")])
    return p


def load_targets(path: str | Path) -> TargetsSpec:
    """Read and check a targets file (a path, or the name of a packaged one)."""
    p = Path(path)
    if not p.exists() and not str(path).endswith(".toml"):
        p = packaged_targets(str(path))
    from .sweepfile import read_toml

    data, lines = read_toml(p, str(path), "targets file")
    return targets_from_dict(data, file=str(path), lines=lines)


def _num(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def targets_from_dict(data: dict[str, Any], *, file: str = "<targets>", lines: dict | None = None) -> TargetsSpec:
    lines = lines or {}
    problems: list[Problem] = []

    def add(raw: tuple, shown: str, reason: str) -> None:
        line = next((lines[raw[:k]] for k in range(len(raw), 0, -1) if raw[:k] in lines), None)
        problems.append(Problem(file, shown, reason, line))

    for k in sorted(set(data) - _TOP):
        add((k,), k, "unknown key")
    start = data.get("start_date")
    start_day = None
    if start is not None:
        if isinstance(start, _dt.date):
            start_day = start
        else:
            try:
                start_day = _dt.date.fromisoformat(str(start))
            except ValueError:
                add(("start_date",), "start_date", f"must be a date like 2013-10-01 (got {start!r})")
    seeds = data.get("seeds", [1, 2, 3])
    if (
        not isinstance(seeds, list)
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
    ):
        add(("seeds",), "seeds", "must be a non-empty list of whole numbers")
        seeds = [1]
    for key in ("n", "days", "batch"):
        v = data.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            add((key,), key, f"must be a whole number >= 1 (got {v!r})")
    overrides = data.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
        add(("overrides",), "overrides", 'must be a list of "path=value" strings')
        overrides = []
    params = []
    raw = data.get("parameters")
    if not isinstance(raw, list) or not raw:
        add(("parameters",), "parameters", "required: at least one [[parameters]] table")
        raw = []
    for i, rp in enumerate(raw):
        if not isinstance(rp, dict):
            add(("parameters", i), f"parameters[{i}]", "must be a table")
            continue
        for k in sorted(set(rp) - _PARAM):
            add(("parameters", i, k), f"parameters[{i}].{k}", "unknown key")
        path = rp.get("path")
        if not isinstance(path, str) or not path:
            add(("parameters", i, "path"), f"parameters[{i}].path", "required: a dotted scenario path")
            continue
        lo, hi = rp.get("low"), rp.get("high")
        if not (_num(lo) and _num(hi)):
            add(("parameters", i, "low"), f"parameters[{path}]", "low and high are required numbers")
            continue
        if float(lo) >= float(hi):
            add(("parameters", i, "high"), f"parameters[{path}].high", f"empty range: low {lo!r} must be below high")
            continue
        log = bool(rp.get("log", False))
        if log and float(lo) <= 0:
            add(("parameters", i, "low"), f"parameters[{path}].low", "a log-scale range must be positive")
            continue
        links = rp.get("links", [])
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            add(("parameters", i, "links"), f"parameters[{path}].links", "must be a list of paths")
            links = []
        params.append(CalParameter(path, float(lo), float(hi), log, tuple(links)))
    targets = []
    raw = data.get("targets")
    if not isinstance(raw, list) or not raw:
        add(("targets",), "targets", "required: at least one [[targets]] table")
        raw = []
    for i, rt in enumerate(raw):
        if not isinstance(rt, dict):
            add(("targets", i), f"targets[{i}]", "must be a table")
            continue
        for k in sorted(set(rt) - _TARGET):
            add(("targets", i, k), f"targets[{i}].{k}", "unknown key")
        name = rt.get("name") if isinstance(rt.get("name"), str) else f"targets[{i}]"
        where = f"targets[{name}]"
        bad = False
        for k in ("metric",):
            if not isinstance(rt.get(k), str) or not rt.get(k):
                add(("targets", i, k), f"{where}.{k}", "required: a series or figure name")
                bad = True
        if not _num(rt.get("value")):
            add(("targets", i, "value"), f"{where}.value", "required: the published number")
            bad = True
        day = rt.get("day")
        if "date" in rt:
            if day is not None:
                add(("targets", i, "date"), f"{where}.date", "give day or date, not both")
                bad = True
            elif start_day is None:
                add(("targets", i, "date"), f"{where}.date", "a date needs start_date (day 0) at the top of the file")
                bad = True
            else:
                try:
                    d = rt["date"] if isinstance(rt["date"], _dt.date) else _dt.date.fromisoformat(str(rt["date"]))
                    day = (d - start_day).days
                    if day < 0:
                        add(("targets", i, "date"), f"{where}.date", "before start_date")
                        bad = True
                except ValueError:
                    add(("targets", i, "date"), f"{where}.date", f"not a date: {rt['date']!r}")
                    bad = True
        elif day is not None and (not isinstance(day, int) or isinstance(day, bool) or day < 0):
            add(("targets", i, "day"), f"{where}.day", f"must be a whole number >= 0 (got {day!r})")
            bad = True
        tol = rt.get("tolerance")
        if tol is not None and (not _num(tol) or tol <= 0):
            add(("targets", i, "tolerance"), f"{where}.tolerance", "must be a positive number")
            bad = True
        weight = rt.get("weight", 1.0)
        if not _num(weight) or weight < 0:
            add(("targets", i, "weight"), f"{where}.weight", "must be a number >= 0")
            bad = True
        if bad:
            continue
        targets.append(
            Target(
                name=str(name),
                metric=rt["metric"],
                value=float(rt["value"]),
                day=day,
                weight=float(weight),
                tolerance=float(tol) if tol is not None else None,
                scale=bool(rt.get("scale", False)),
                source=str(rt.get("source", "")),
                holdout=bool(rt.get("holdout", False)),
            )
        )
    if targets and all(t.holdout for t in targets):
        add(("targets",), "targets", "every target is held out: nothing to fit")
    if problems:
        raise ScenarioError(problems)
    scenario = data.get("scenario")
    return TargetsSpec(
        scenario=str(scenario) if scenario else None,
        parameters=tuple(params),
        targets=tuple(targets),
        n=data.get("n"),
        days=data.get("days"),
        seeds=tuple(int(s) for s in seeds),
        overrides=tuple(overrides),
        sampler_seed=int(data.get("sampler_seed", 1)),
        batch=int(data.get("batch", 4)),
        file=file,
    )
