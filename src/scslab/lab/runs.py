"""What one run of an experiment is, how a worker runs it, and which figures it yields.

A :class:`RunSpec` carries the *resolved* scenario (a plain dict, ``extends`` and overrides
already applied and validated in the parent) rather than a file name, so a worker on a Ray
node that has no copy of the file runs exactly what the parent checked. The parent loads
and validates every run before the first one starts: an unknown parameter path is refused
up front, not half-way through a sweep.

Figures are flat ``name -> float`` maps: every numeric leaf of ``Results.summary`` and
``Results.indicators`` with dotted names (``grade_shares.A``, ``blocks.flight_ban``,
``disparate_impact.listing.sex.female``), minus what measures the machine rather than the
model (wall time, memory), plus series reductions asked for by name
(``series.violations.sum``, ``.mean``, ``.last``, ``.max``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scslab.scenario.schema import Scenario

__all__ = [
    "HEADLINE",
    "MACHINE_FIGURES",
    "RunOutcome",
    "RunSpec",
    "figures",
    "metric_value",
    "resolve",
    "run_spec",
    "scenario_hash",
    "with_seed",
]

#: summary keys that describe the machine or the run's identity, not the model's outcome
MACHINE_FIGURES = frozenset(
    {"wall_s", "agent_days_per_s", "peak_rss_mb", "seed", "persons", "organisations", "scale", "days"}
)
#: the figures ``scslab compare`` tabulates when no ``--metric`` is named
HEADLINE = (
    "compliance_rate",
    "records",
    "records_false",
    "ever_listed",
    "listed_now",
    "wrongful_listings",
    "sanctions_applied",
    "wrongful_sanctions",
    "involuntary_defaults",
    "objections",
    "corrected",
    "repaired",
    "expired",
    "score_mean",
    "self_governance_index",
    "chilling_index",
    "exclusion_degree_loss",
)
_AGGS: dict[str, Callable[[np.ndarray], Any]] = {
    "sum": np.sum,
    "mean": np.mean,
    "last": lambda a: a[-1],
    "max": np.max,
    "min": np.min,
}


@dataclass(frozen=True)
class RunSpec:
    """One run: the resolved scenario, its seed, and what the parent wants back.

    ``collect``: ``"metrics"`` (figures only), ``"series"`` (figures and daily series),
    ``"persons"`` (figures, series and per-person outcomes for winners and losers) or
    ``"full"`` (the whole :class:`~scslab.engine.results.Results`, for storage of every table).
    """

    scenario: dict[str, Any]
    seed: int
    arm: str = "run"
    point: int = 0
    replicate: int = 0
    overrides: tuple[str, ...] = ()
    collect: str = "metrics"
    metrics: tuple[str, ...] = ()
    traced: bool = False  # add per-day cumulative block/listing series (calibration targets)

    @property
    def key(self) -> tuple:
        return (self.point, self.replicate, self.arm)


@dataclass
class RunOutcome:
    """What a worker sends back: small by default (figures), everything when asked."""

    key: tuple
    figures: dict[str, float]
    wall_s: float
    series: dict[str, np.ndarray] | None = None
    results: Any = None  # Results when collect == "full"
    extra: dict[str, Any] = field(default_factory=dict)


def resolve(
    scenario: Any,
    *,
    n: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    years: float | None = None,
    overrides: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load, override and validate a scenario exactly as ``Sim`` would; returns the Scenario.

    Raises :class:`~scslab.scenario.errors.ScenarioError` listing every problem.
    """
    from scslab.scenario.loader import apply_overrides, load_scenario, size_overrides
    from scslab.scenario.schema import Scenario

    more = size_overrides(n=n, seed=seed, days=days, years=years)
    if isinstance(scenario, Scenario):
        from pydantic import ValidationError

        from scslab.scenario.errors import Problem, ScenarioError, format_path, pydantic_problems

        data = apply_overrides(scenario.model_dump(mode="json"), [*more, *overrides])
        if extra:
            data = apply_overrides(data, [f"{k}={_toml(v)}" for k, v in extra.items()], origin="sweep")
        try:
            return Scenario.model_validate(data)
        except ValidationError as e:
            found = pydantic_problems(e, data, lenient=False)
            raise ScenarioError([Problem("--set", format_path(c), r) for c, r in found]) from None
    if isinstance(scenario, dict):
        return resolve(Scenario.model_validate(scenario), overrides=[*more, *overrides], extra=extra)
    extra_dict = dict(extra) if extra is not None else None
    return load_scenario(
        scenario if isinstance(scenario, Path) else str(scenario), [*more, *overrides], extra=extra_dict
    )


def with_seed(scenario: dict[str, Any], seed: int) -> dict[str, Any]:
    """A resolved scenario dict with another seed (nothing else changes, so no re-validation)."""
    return {**scenario, "sim": {**scenario["sim"], "seed": int(seed)}}


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def scenario_hash(scenario: dict[str, Any], seed: int) -> str:
    """A run's identity: the canonical JSON of its final scenario and its seed."""
    from scslab.store.duck import to_json

    return hashlib.sha256(f"{to_json(scenario)}\n{int(seed)}".encode()).hexdigest()[:16]


def _leaves(prefix: str, node: Any, out: dict[str, float]) -> None:
    if isinstance(node, (bool, int, float, np.integer, np.floating)):
        out[prefix] = float(node)
    elif isinstance(node, Mapping):
        for k, v in node.items():
            _leaves(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(node, (list, tuple)) and all(isinstance(v, (int, float, np.integer, np.floating)) for v in node):
        for i, v in enumerate(node):
            out[f"{prefix}.{i}"] = float(v)


def figures(results: Any, metrics: Sequence[str] = ()) -> dict[str, float]:
    """Every model figure of a run (see the module docstring), plus named series reductions."""
    out: dict[str, float] = {}
    summary = {k: v for k, v in results.summary.items() if k not in MACHINE_FIGURES}
    _leaves("", summary, out)
    ind: dict[str, float] = {}
    _leaves("", results.indicators, ind)
    for k, v in ind.items():
        out.setdefault(k if k not in out else f"indicators.{k}", v)
    for name in metrics:
        if name not in out:
            value = metric_value(results, name)
            if value is not None:
                out[name] = value
    return out


def metric_value(results: Any, name: str) -> float | None:
    """One named figure: a dotted path into summary or indicators, or ``series.NAME.AGG``."""
    if name.startswith("series."):
        body, _, agg = name[len("series.") :].rpartition(".")
        if agg in _AGGS and body in results.series:
            a = np.asarray(results.series[body], dtype=np.float64)
            return float(_AGGS[agg](a)) if a.size else math.nan
        return None
    for root in (results.summary, results.indicators):
        node: Any = root
        for seg in name.split("."):
            if isinstance(node, Mapping) and seg in node:
                node = node[seg]
            elif isinstance(node, (list, tuple)) and seg.isdigit() and int(seg) < len(node):
                node = node[int(seg)]
            else:
                node = None
                break
        if isinstance(node, (bool, int, float, np.integer, np.floating)):
            return float(node)
    return None


def run_spec(spec: RunSpec) -> RunOutcome:
    """The worker function: run one spec and reduce it to what the parent asked for."""
    from scslab.engine.sim import Sim
    from scslab.scenario.schema import Scenario

    t0 = time.perf_counter()
    scenario = Scenario.model_validate(spec.scenario)
    if spec.traced:
        from .traced import run_traced

        res = run_traced(scenario, None, spec.seed)
    else:
        res = Sim(scenario, seed=spec.seed).run()
    wall = time.perf_counter() - t0
    out = RunOutcome(spec.key, figures(res, spec.metrics), wall, extra={"scale": float(res.scale)})
    if spec.collect in ("series", "persons", "full"):
        out.series = {k: np.asarray(v) for k, v in res.series.items() if np.asarray(v).ndim == 1}
    if spec.collect == "persons":
        from .winners import person_outcomes

        out.extra["persons"] = person_outcomes(res)
    if spec.collect == "full":
        out.results = res
    return out
