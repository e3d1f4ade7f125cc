"""Ensembles: one scenario on K seeds, mean and 95 % interval per figure and per daily series.

``Ensemble("rongcheng", runs=10, n=20_000, years=1).run(out="out/e")``; ``scslab run ... --runs K``
calls it. Run i uses seed S + i (the same seeds a compare uses, so an ensemble is the baseline
arm of a compare). Series statistics are reduced in run order, so they do not depend on
which worker finished first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .executor import Executor, Failure, ProgressCallback
from .experiment import Planned, execute, experiment_id, run_id, use_executor
from .runs import HEADLINE, RunOutcome, RunSpec, resolve, with_seed
from .stats import mean_ci

__all__ = ["Ensemble", "EnsembleResult"]


@dataclass
class EnsembleResult:
    runs: int
    seeds: list[int]
    figures: Any  # DataFrame: metric, mean, ci_low, ci_high, runs
    series: Any  # DataFrame: day, metric, mean, ci_low, ci_high
    per_run: Any  # DataFrame: replicate, seed, metric, value
    failures: list[Failure] = field(default_factory=list)
    out: Path | None = None
    experiment_id: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        from .compare import jsonable

        figs = {r.metric: {"mean": r.mean, "ci_low": r.ci_low, "ci_high": r.ci_high} for r in self.figures.itertuples()}
        return jsonable({"runs": self.runs, "seeds": self.seeds, "figures": figs})


class Ensemble:
    """K runs of one scenario; see the module docstring."""

    def __init__(
        self,
        scenario: Any,
        runs: int = 10,
        *,
        n: int | None = None,
        years: float | None = None,
        days: int | None = None,
        seed: int = 1,
        overrides: Sequence[str] = (),
        metrics: Sequence[str] = (),
    ) -> None:
        if runs < 1:
            raise ValueError("runs must be at least 1")
        self.scenario = resolve(scenario, n=n, years=years, days=days, overrides=overrides).model_dump(mode="json")
        self.runs = int(runs)
        self.seeds = [int(seed) + i for i in range(self.runs)]
        self.overrides = tuple(overrides)
        self.metrics = tuple(metrics)

    def run(
        self,
        out: Path | str | None = None,
        *,
        workers: int = 1,
        executor: str | Executor = "local",
        ray_address: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> EnsembleResult:
        import pandas as pd

        spec = {"scenario": self.scenario, "seeds": self.seeds, "metrics": list(self.metrics)}
        exp_id = experiment_id("ensemble", spec)
        collect = "full" if out is not None else "series"
        planned = []
        for i, s in enumerate(self.seeds):
            rs = RunSpec(
                with_seed(self.scenario, s),
                s,
                arm="run",
                replicate=i,
                overrides=self.overrides,
                collect=collect,
                metrics=self.metrics,
            )
            planned.append(Planned(rs, run_id(exp_id, rs.key), {}))
        figures: dict[int, dict[str, float]] = {}
        series: dict[int, dict[str, np.ndarray]] = {}

        def on_result(p: Planned, outcome: RunOutcome | Failure) -> None:
            if not isinstance(outcome, Failure):
                figures[p.spec.replicate] = outcome.figures
                series[p.spec.replicate] = outcome.series or {}
                outcome.results = None

        name = str(self.scenario.get("name"))
        with use_executor(executor, workers, ray_address) as ex:
            failures, _ = execute(
                planned,
                executor=ex,
                out=out,
                experiment=(exp_id, "ensemble", name, spec),
                progress=progress,
                on_result=on_result,
            )
        order = sorted(figures)
        have = set().union(*(set(f) for f in figures.values())) if figures else set()
        names = list(self.metrics) or [m for m in HEADLINE if m in have]
        frows = []
        for m in names:
            mean, lo, hi = mean_ci([figures[i].get(m, np.nan) for i in order])
            frows.append({"metric": m, "mean": mean, "ci_low": lo, "ci_high": hi, "runs": len(order)})
        srows = []
        common = sorted(set.intersection(*(set(series[i]) for i in order))) if order else []
        for m in common:
            arrs = [np.asarray(series[i][m], dtype=np.float64) for i in order]
            if len({a.size for a in arrs}) != 1:
                continue
            a = np.stack(arrs)
            mean = a.mean(axis=0)
            if a.shape[0] > 1:
                from scipy import stats

                h = stats.t.ppf(0.975, a.shape[0] - 1) * a.std(axis=0, ddof=1) / np.sqrt(a.shape[0])
            else:
                h = np.full(mean.shape, np.nan)
            srows.append(
                pd.DataFrame(
                    {"day": np.arange(a.shape[1]), "metric": m, "mean": mean, "ci_low": mean - h, "ci_high": mean + h}
                )
            )
        per_run = pd.DataFrame(
            [
                {"replicate": i, "seed": self.seeds[i], "metric": k, "value": v}
                for i in order
                for k, v in sorted(figures[i].items())
            ]
        )
        result = EnsembleResult(
            runs=len(order),
            seeds=[self.seeds[i] for i in order],
            figures=pd.DataFrame(frows, columns=["metric", "mean", "ci_low", "ci_high", "runs"]),
            series=pd.concat(srows, ignore_index=True)
            if srows
            else pd.DataFrame(columns=["day", "metric", "mean", "ci_low", "ci_high"]),
            per_run=per_run,
            failures=failures,
            out=Path(out) if out is not None else None,
            experiment_id=exp_id,
            name=name,
        )
        return result
