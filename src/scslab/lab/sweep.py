"""Parameter sweeps: every point x every replicate, streamed into DuckDB, resumable after a kill.

``Sweep.from_file("s.toml").run(out="out/s", workers=2)``. Each run is a
:class:`~scslab.lab.runs.RunSpec` keyed by (point, replicate); replicate r uses seed + r at
every point, so two points are compared on the same luck (a sweep is a set of paired
comparisons). Runs are written as they finish, one transaction each, and nothing but the
requested metrics is held in memory. ``resume=True`` finds the experiment by the hash of its
specification and runs only what is not stored as done; the result is identical to an
uninterrupted sweep because every stored value is a pure function of its run's scenario and
seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .executor import Executor, Failure, ProgressCallback
from .experiment import Planned, execute, experiment_id, run_id, use_executor
from .runs import RunOutcome, RunSpec, resolve, scenario_hash, with_seed
from .stats import mean_ci
from .sweepfile import SweepSpec, load_sweep, sweep_from_dict

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "SweepResult", "plan_points", "run_planned"]


def plan_points(
    spec: SweepSpec, points: Sequence[dict[str, Any]], kind: str, *, collect: str | None = None
) -> tuple[str, list[Planned], dict[str, Any]]:
    """(experiment id, planned runs, canonical spec) for explicit points (a sweep's or SALib's)."""
    from scslab.scenario.errors import Problem, ScenarioError

    resolved = []
    problems = []
    for i, pt in enumerate(points):
        try:
            sc = resolve(spec.base, n=spec.n, days=spec.days, overrides=spec.overrides, extra=pt)
            resolved.append(sc.model_dump(mode="json"))
        except ScenarioError as e:
            reason = "; ".join(str(p.reason) for p in e.problems)
            problems.append(Problem(spec.file, f"points[{i}]", f"{pt}: {reason}"))
    if problems:
        raise ScenarioError(problems)
    seeds = spec.seeds()
    canon = {
        "base_source": spec.base,
        "n": spec.n,
        "days": spec.days,
        "overrides": list(spec.overrides),
        "points": [dict(p) for p in points],
        "scenario_hashes": [scenario_hash(sc, 0) for sc in resolved],  # each point's full scenario
        "seeds": seeds,
        "metrics": list(spec.metrics),
        "series": spec.series,
    }
    exp_id = experiment_id(kind, canon)
    mode = collect or ("series" if spec.series else "metrics")
    planned = []
    for p, (pt, data) in enumerate(zip(points, resolved)):
        ovr = (*spec.overrides, *(f"{k}={v!r}" for k, v in pt.items()))
        for r, s in enumerate(seeds):
            rs = RunSpec(
                with_seed(data, s),
                s,
                arm=kind,
                point=p,
                replicate=r,
                overrides=ovr,
                collect=mode,
                metrics=spec.metrics,
            )
            planned.append(Planned(rs, run_id(exp_id, rs.key), dict(pt)))
    return exp_id, planned, canon


@dataclass
class SweepResult:
    """A finished (or partly failed) sweep: tidy tables, read from the database when stored."""

    spec: SweepSpec
    experiment_id: str
    points: list[dict[str, Any]]
    failures: list[Failure] = field(default_factory=list)
    skipped: int = 0
    out: Path | None = None
    _rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def parameters(self) -> list[str]:
        return [p.path for p in self.spec.parameters]

    def runs(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy rows: point, replicate, seed, one column per parameter, metric, value."""
        import pandas as pd

        names = list(metrics) if metrics is not None else (list(self.spec.metrics) or None)
        if self.out is not None:
            from scslab.store.experiments import experiment_metrics

            df = experiment_metrics(self.out, self.experiment_id, names)
            df = df.drop(columns=["arm", "params_json", "run_id"]).astype({"point": "int64", "replicate": "int64"})
        else:
            df = pd.DataFrame(self._rows, columns=["point", "replicate", "seed", "metric", "value"])
            if names is not None:
                df = df[df["metric"].isin(names)]
        params = pd.DataFrame([{"point": i, **pt} for i, pt in enumerate(self.points)])
        df = df.merge(params, on="point", how="left")
        cols = ["point", "replicate", "seed", *self.parameters, "metric", "value"]
        return df[cols].sort_values(["point", "replicate", "metric"]).reset_index(drop=True)

    def summary(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Per point and metric: mean over replicates and its 95 % interval."""
        import pandas as pd

        df = self.runs(metrics)
        rows = []
        for (point, metric), g in df.groupby(["point", "metric"], sort=True):
            m, lo, hi = mean_ci(g["value"].to_numpy())
            pt = {"point": point, **self.points[int(point)], "metric": metric}
            rows.append({**pt, "mean": m, "ci_low": lo, "ci_high": hi, "replicates": len(g)})
        return pd.DataFrame(rows)


class Sweep:
    """A sweep from a file or a dict (same keys as the TOML file); ``run()`` executes it."""

    def __init__(self, spec: SweepSpec | dict[str, Any]) -> None:
        self.spec = spec if isinstance(spec, SweepSpec) else sweep_from_dict(spec)

    @classmethod
    def from_file(cls, path: str | Path) -> Sweep:
        return cls(load_sweep(path))

    def points(self) -> list[dict[str, Any]]:
        return self.spec.grid_points()

    def run(
        self,
        out: Path | str | None = None,
        *,
        workers: int = 1,
        executor: str | Executor = "local",
        ray_address: str | None = None,
        resume: bool = False,
        progress: ProgressCallback | None = None,
    ) -> SweepResult:
        pts = self.points()
        exp_id, planned, canon = plan_points(self.spec, pts, "sweep")
        return run_planned(
            self.spec, pts, exp_id, planned, canon, "sweep", out, workers, executor, ray_address, resume, progress
        )


def run_planned(
    spec: SweepSpec,
    pts: list[dict[str, Any]],
    exp_id: str,
    planned: list[Planned],
    canon: dict[str, Any],
    kind: str,
    out: Path | str | None,
    workers: int,
    executor: str | Executor,
    ray_address: str | None,
    resume: bool,
    progress: ProgressCallback | None,
) -> SweepResult:
    result = SweepResult(spec, exp_id, pts, out=Path(out) if out is not None else None)
    keep = set(spec.metrics)

    def on_result(p: Planned, outcome: RunOutcome | Failure) -> None:
        if out is None and not isinstance(outcome, Failure):
            for k, v in sorted(outcome.figures.items()):
                if not keep or k in keep:
                    row = {"point": p.spec.point, "replicate": p.spec.replicate, "seed": p.spec.seed}
                    result._rows.append({**row, "metric": k, "value": v})

    with use_executor(executor, workers, ray_address) as ex:
        result.failures, result.skipped = execute(
            planned,
            executor=ex,
            out=out,
            experiment=(exp_id, kind, spec.name, canon),
            resume=resume,
            progress=progress,
            on_result=on_result,
        )
    return result
