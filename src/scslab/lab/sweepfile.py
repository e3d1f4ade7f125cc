"""Sweep files: a base scenario, parameters by dotted path, replicates, metrics -- checked strictly.

```toml
base = "rongcheng"            # preset, or a scenario file (relative to this file)
n = 20000
years = 1                     # or days = 365
seed = 1                      # replicate r uses seed + r, the same at every point
replicates = 4
metrics = ["compliance_rate", "wrongful_listings", "self_governance_index"]
series = false                # also store daily series
overrides = []                # --set strings applied at every point
sample = "lhs"                # default for range parameters: "grid" | "lhs" | "sobol"
points = 16                   # rows of the joint LHS / Sobol design

[[parameters]]
path = "policy.detection_scale"
values = [0.5, 1.0, 2.0]      # a list: one grid axis

[[parameters]]
path = "policy.sanction_scale"
low = 0.5
high = 3.0                    # a range: sampled (lhs, sobol) or an evenly spaced grid axis
```

Points are the Cartesian product of the grid axes (lists, and ranges with ``sample = "grid"``)
with the rows of one joint Latin-hypercube or Sobol design over the sampled ranges
(``scipy.stats.qmc``, seeded by ``seed``). SALib reads the same file for ``scslab
sensitivity`` and draws its own points from the ranges (a list counts as its min..max).

Every problem is reported at once with file, line and field path, and the file is refused
before any run starts: unknown keys, empty lists, empty ranges (``low >= high``), and any
parameter path or value the scenario does not accept (checked by loading the base scenario
with that parameter at each listed value and at both ends of each range).
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from scslab.scenario.errors import Problem, ScenarioError, key_lines

__all__ = ["Parameter", "SweepSpec", "load_sweep", "read_toml", "sweep_from_dict"]

_TOP = {
    "base",
    "n",
    "years",
    "days",
    "seed",
    "replicates",
    "metrics",
    "series",
    "overrides",
    "sample",
    "points",
    "parameters",
    "name",
    "trajectories",
    "levels",
}
_PARAM = {"path", "values", "low", "high", "sample", "points", "name"}
_SAMPLES = ("grid", "lhs", "sobol")


@dataclass(frozen=True)
class Parameter:
    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    sample: str = "grid"
    points: int = 3

    @property
    def bounds(self) -> tuple[float, float]:
        """The range SALib samples: ``low..high``, or a list's min..max."""
        if self.values is not None:
            nums = [float(v) for v in self.values]
            return min(nums), max(nums)
        return float(self.low), float(self.high)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SweepSpec:
    base: str
    parameters: tuple[Parameter, ...]
    n: int | None = None
    days: int | None = None
    seed: int = 1
    replicates: int = 1
    metrics: tuple[str, ...] = ()
    series: bool = False
    overrides: tuple[str, ...] = ()
    sample: str = "lhs"
    points: int = 8
    name: str = "sweep"
    trajectories: int = 10  # Morris trajectories (sensitivity)
    levels: int = 4  # Morris grid levels (sensitivity)
    file: str = "<sweep>"
    extra: dict[str, Any] = field(default_factory=dict)

    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replicates)]

    def grid_points(self) -> list[dict[str, Any]]:
        """Every point of the sweep, in a fixed order: grid axes outermost, design rows inside."""
        from scipy.stats import qmc

        axes, sampled = [], []
        for p in self.parameters:
            if p.values is not None:
                axes.append([(p.path, v) for v in p.values])
            elif p.sample == "grid":
                k = max(p.points, 1)
                assert p.low is not None and p.high is not None  # a parameter without values has a range
                lo, hi = p.low, p.high
                vals = [lo] if k == 1 else [lo + (hi - lo) * j / (k - 1) for j in range(k)]
                axes.append([(p.path, float(v)) for v in vals])
            else:
                sampled.append(p)
        rows: list[list[tuple[str, Any]]] = [[]]
        if sampled:
            kind, k = sampled[0].sample, sampled[0].points
            d = len(sampled)
            if kind == "lhs":
                u = qmc.LatinHypercube(d=d, seed=self.seed).random(k)
            else:
                u = qmc.Sobol(d=d, scramble=True, seed=self.seed).random_base2(int(math.log2(k)))
            x = qmc.scale(u, [p.low for p in sampled], [p.high for p in sampled])
            rows = [[(p.path, float(x[i, j])) for j, p in enumerate(sampled)] for i in range(k)]
        out = []
        for combo in itertools.product(*axes):
            for row in rows:
                out.append(dict([*combo, *row]))
        return out


def read_toml(path: Path, label: str, what: str) -> tuple[dict[str, Any], dict]:
    """A lab file's data and key lines; unreadable or not TOML -> ScenarioError (file, line, reason)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError([Problem(label, "", f"cannot read the {what}: {e.strerror or e}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([Problem(label, "", f"not valid TOML: {e}", getattr(e, "lineno", None))]) from None
    return data, key_lines(text)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file; raises ScenarioError with every problem at once."""
    p = Path(path)
    data, lines = read_toml(p, str(path), "sweep file")
    return sweep_from_dict(data, file=str(path), lines=lines, folder=p.parent)


def sweep_from_dict(
    data: dict[str, Any], *, file: str = "<sweep>", lines: dict | None = None, folder: Path | None = None
) -> SweepSpec:
    """Check a sweep given as a dict (the parsed file, or built in Python)."""
    lines = lines or {}
    problems: list[Problem] = []

    def add(raw: tuple, shown: str, reason: str) -> None:
        line = None
        for k in range(len(raw), 0, -1):
            if raw[:k] in lines:
                line = lines[raw[:k]]
                break
        problems.append(Problem(file, shown, reason, line))

    for k in sorted(set(data) - _TOP):
        add((k,), k, "unknown key")
    base = data.get("base")
    if not isinstance(base, str) or not base:
        add(("base",), "base", "required: a preset name or a scenario file")
        base = ""
    elif folder is not None and (folder / base).is_file():
        base = str(folder / base)

    def number(key: str, kind: type, low: float | None = None) -> Any:
        v = data.get(key)
        if v is None:
            return None
        ok = (isinstance(v, kind) and not isinstance(v, bool)) or (kind is float and isinstance(v, int))
        if not ok or (low is not None and v < low):
            want = "a whole number" if kind is int else "a number"
            add((key,), key, f"must be {want}" + (f" >= {low:g}" if low is not None else "") + f" (got {v!r})")
            return None
        return v

    n = number("n", int, 1)
    days = number("days", int, 1)
    years = number("years", float, 0)
    if years is not None:
        if years <= 0:
            add(("years",), "years", f"must be positive (got {years!r})")
        elif days is not None:
            add(("years",), "years", "give years or days, not both")
        else:
            days = int(round(years * 365))
    seed = number("seed", int)
    replicates = number("replicates", int, 1)
    points = number("points", int, 1)
    trajectories = number("trajectories", int, 2)
    levels = number("levels", int, 2)
    sample = data.get("sample", "lhs")
    if sample not in _SAMPLES:
        add(("sample",), "sample", f"must be one of {', '.join(_SAMPLES)} (got {sample!r})")
        sample = "lhs"
    metrics = data.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) and m for m in metrics):
        add(("metrics",), "metrics", "must be a list of metric names")
        metrics = []
    overrides = data.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
        add(("overrides",), "overrides", 'must be a list of "path=value" strings')
        overrides = []
    series = data.get("series", False)
    if not isinstance(series, bool):
        add(("series",), "series", f"must be true or false (got {series!r})")
        series = False

    params: list[Parameter] = []
    raw_params = data.get("parameters")
    if not isinstance(raw_params, list) or not raw_params:
        add(("parameters",), "parameters", "required: at least one [[parameters]] table")
        raw_params = []
    for i, rp in enumerate(raw_params):
        where = f"parameters[{i}]"
        if not isinstance(rp, dict):
            add(("parameters", i), where, "must be a table")
            continue
        for k in sorted(set(rp) - _PARAM):
            add(("parameters", i, k), f"{where}.{k}", "unknown key")
        path = rp.get("path")
        if not isinstance(path, str) or not path.strip():
            add(("parameters", i, "path"), f"{where}.path", "required: a dotted scenario path")
            continue
        where = f"parameters[{path}]"
        values, low, high = rp.get("values"), rp.get("low"), rp.get("high")
        psample = rp.get("sample", sample)
        ppoints = rp.get("points", points if points is not None else 8)
        if psample not in _SAMPLES:
            add(("parameters", i, "sample"), f"{where}.sample", f"must be one of {', '.join(_SAMPLES)}")
            continue
        if not isinstance(ppoints, int) or isinstance(ppoints, bool) or ppoints < 1:
            add(("parameters", i, "points"), f"{where}.points", f"must be a whole number >= 1 (got {ppoints!r})")
            continue
        if values is not None:
            if low is not None or high is not None:
                add(("parameters", i, "values"), f"{where}.values", "give values or low/high, not both")
                continue
            if not isinstance(values, list) or not values:
                add(("parameters", i, "values"), f"{where}.values", "empty list: a parameter needs at least one value")
                continue
            params.append(Parameter(path.strip(), values=tuple(values)))
            continue
        bad = [k for k, v in (("low", low), ("high", high)) if not _is_num(v)]
        if bad:
            for k in bad:
                add(("parameters", i, k), f"{where}.{k}", "required: a number (or give values = [...])")
            continue
        assert _is_num(low) and _is_num(high)  # both checked just above
        if float(low) >= float(high):
            add(("parameters", i, "high"), f"{where}.high", f"empty range: low {low!r} must be below high {high!r}")
            continue
        if psample == "sobol" and ppoints & (ppoints - 1):
            add(("parameters", i, "points"), f"{where}.points", f"a Sobol design needs a power of 2 (got {ppoints})")
            continue
        params.append(Parameter(path.strip(), low=float(low), high=float(high), sample=psample, points=ppoints))
    sampled = [p for p in params if p.values is None and p.sample != "grid"]
    if len({(p.sample, p.points) for p in sampled}) > 1:
        add(("parameters",), "parameters", "sampled ranges share one design: give them the same sample and points")
    if len({p.path for p in params}) < len(params):
        add(("parameters",), "parameters", "a path appears twice")
    if problems:
        raise ScenarioError(problems)
    spec = SweepSpec(
        base=base,
        parameters=tuple(params),
        n=n,
        days=days,
        seed=int(seed) if seed is not None else 1,
        replicates=int(replicates or 1),
        metrics=tuple(metrics),
        series=series,
        overrides=tuple(overrides),
        sample=sample,
        points=int(points or 8),
        name=str(data.get("name") or (Path(file).stem if file != "<sweep>" else "sweep")),
        trajectories=int(trajectories or 10),
        levels=int(levels or 4),
        file=file,
    )
    _check_paths(spec, add)
    if problems:
        raise ScenarioError(problems)
    return spec


def _is_num(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _check_paths(spec: SweepSpec, add: Any) -> None:
    """Load the base scenario with each parameter at each value it can take; refuse what fails."""
    from .runs import resolve

    try:
        resolve(spec.base, n=spec.n, days=spec.days, overrides=spec.overrides)
    except ScenarioError as e:
        for prob in e.problems:
            where = "base" if prob.file != "--set" else "overrides"
            add(("base",), where, f"{prob.path + ': ' if prob.path else ''}{prob.reason}")
        return
    for i, p in enumerate(spec.parameters):
        trial = list(p.values) if p.values is not None else [p.low, p.high]
        for v in trial:
            try:
                resolve(spec.base, n=spec.n, days=spec.days, overrides=spec.overrides, extra={p.path: v})
            except ScenarioError as e:
                reason = "; ".join(q.reason for q in e.problems)
                add(("parameters", i, "path"), f"parameters[{p.path}]", f"at {v!r}: {reason}")
                break
