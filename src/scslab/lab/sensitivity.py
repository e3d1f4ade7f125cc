"""Global sensitivity analysis with SALib: Morris screening, Sobol indices with their intervals.

``sensitivity("s.toml", method="morris")`` reads a sweep file, lets SALib draw the points
from each parameter's range (a list counts as its min..max; ``trajectories`` and ``levels``
set the Morris design, ``points`` the Sobol base sample, a power of 2), runs every point on
``replicates`` seeds through the same experiment machinery as a sweep (streamed, resumable,
executor-independent), and analyses the replicate means. The replicates separate parameter
effects from seed noise: ``noise_share`` is the mean within-point variance of single runs
over their total variance -- close to 0, the indices describe the parameters; close to 1,
they mostly describe luck, and more replicates are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .executor import Executor, Failure, ProgressCallback
from .sweep import plan_points, run_planned
from .sweepfile import SweepSpec, load_sweep, sweep_from_dict

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SensitivityResult", "sample_points", "sensitivity"]

METHODS = ("morris", "sobol")


@dataclass
class SensitivityResult:
    method: str
    indices: Any  # DataFrame: metric, parameter, index, value, conf
    noise: Any  # DataFrame: metric, noise_share
    points: list[dict[str, Any]]
    experiment_id: str
    failures: list[Failure] = field(default_factory=list)
    out: Path | None = None

    def ranked(self, metric: str) -> pd.DataFrame:
        """Parameters by importance for one metric (mu* for Morris, total index for Sobol)."""
        main = "mu_star" if self.method == "morris" else "ST"
        d = self.indices[(self.indices["metric"] == metric) & (self.indices["index"] == main)]
        return d.sort_values("value", ascending=False).reset_index(drop=True)


def _problem(spec: SweepSpec) -> dict[str, Any]:
    return {
        "num_vars": len(spec.parameters),
        "names": [p.path for p in spec.parameters],
        "bounds": [list(p.bounds) for p in spec.parameters],
    }


def sample_points(spec: SweepSpec, method: str) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """SALib's design for the file's ranges: the matrix and the points as {path: value}."""
    if method == "morris":
        from SALib.sample import morris as ms

        X = ms.sample(_problem(spec), N=spec.trajectories, num_levels=spec.levels, seed=spec.seed)
    elif method == "sobol":
        from SALib.sample import sobol as ss

        if spec.points & (spec.points - 1):
            from scslab.scenario.errors import Problem, ScenarioError

            raise ScenarioError([Problem(spec.file, "points", f"Sobol needs a power of 2 (got {spec.points})")])
        X = ss.sample(_problem(spec), spec.points, calc_second_order=False, seed=spec.seed)
    else:
        raise ValueError(f"unknown method {method!r} ({' or '.join(METHODS)})")
    names = [p.path for p in spec.parameters]
    return X, [{k: float(v) for k, v in zip(names, row)} for row in X]


def sensitivity(
    spec: SweepSpec | str | Path | dict[str, Any],
    method: str = "morris",
    *,
    out: Path | str | None = None,
    workers: int = 1,
    executor: str | Executor = "local",
    ray_address: str | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
) -> SensitivityResult:
    """Run SALib's design and analyse it; see the module docstring."""
    import pandas as pd

    if isinstance(spec, dict):
        spec = sweep_from_dict(spec)
    elif not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} ({' or '.join(METHODS)})")
    X, pts = sample_points(spec, method)
    kind = f"sensitivity-{method}"
    exp_id, planned, canon = plan_points(spec, pts, kind)
    res = run_planned(spec, pts, exp_id, planned, canon, kind, out, workers, executor, ray_address, resume, progress)
    df = res.runs()
    metrics = list(spec.metrics) or sorted(set(df["metric"]))
    rows, noise = [], []
    problem = _problem(spec)
    for m in metrics:
        d = df[df["metric"] == m]
        table = d.pivot_table(index="point", columns="replicate", values="value")
        if len(table) != len(pts) or table.isna().any().any():
            continue  # a failed run leaves the design incomplete: no indices for this metric
        single = table.to_numpy(dtype=np.float64)
        Y = single.mean(axis=1)
        total = single.var()
        within = single.var(axis=1).mean() if single.shape[1] > 1 else np.nan
        noise.append({"metric": m, "noise_share": float(within / total) if total > 0 else np.nan})
        if np.ptp(Y) == 0:
            for name in problem["names"]:
                for idx in ("mu_star", "sigma") if method == "morris" else ("S1", "ST"):
                    rows.append({"metric": m, "parameter": name, "index": idx, "value": 0.0, "conf": 0.0})
            continue
        if method == "morris":
            from SALib.analyze import morris as ma

            si = ma.analyze(problem, X, Y, conf_level=0.95, num_levels=spec.levels, seed=spec.seed)
            for j, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "metric": m,
                        "parameter": name,
                        "index": "mu_star",
                        "value": float(si["mu_star"][j]),
                        "conf": float(si["mu_star_conf"][j]),
                    }
                )
                rows.append(
                    {"metric": m, "parameter": name, "index": "sigma", "value": float(si["sigma"][j]), "conf": np.nan}
                )
                rows.append(
                    {"metric": m, "parameter": name, "index": "mu", "value": float(si["mu"][j]), "conf": np.nan}
                )
        else:
            from SALib.analyze import sobol as sa

            si = sa.analyze(problem, Y, calc_second_order=False, conf_level=0.95, seed=spec.seed)
            for j, name in enumerate(problem["names"]):
                for idx in ("S1", "ST"):
                    rows.append(
                        {
                            "metric": m,
                            "parameter": name,
                            "index": idx,
                            "value": float(si[idx][j]),
                            "conf": float(si[f"{idx}_conf"][j]),
                        }
                    )
    indices = pd.DataFrame(rows, columns=["metric", "parameter", "index", "value", "conf"])
    if out is not None:
        from scslab.store.experiments import write_sensitivity

        write_sensitivity(out, exp_id, method, indices.to_dict(orient="records"))
    return SensitivityResult(
        method=method,
        indices=indices,
        noise=pd.DataFrame(noise, columns=["metric", "noise_share"]),
        points=pts,
        experiment_id=exp_id,
        failures=res.failures,
        out=Path(out) if out is not None else None,
    )
