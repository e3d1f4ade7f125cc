"""Fit scenario parameters to published figures with Optuna.

``calibrate("court-blacklist", "court-blacklist", trials=30, workers=2, out="out/cal")`` reads a
targets file (:mod:`.targets`; the court-blacklist and national-outline fits ship with the
package), and runs an Optuna study (TPE sampler, seeded) in which every trial is scored on
the mean over several seeds of the weighted squared relative errors of the fitted targets.
Held-back targets (``holdout = true``) are computed for every trial but never scored: they
are the out-of-sample check of the best fit.

Why this shape:

- **Optuna, not a hand-written simplex.** TPE copes with noisy, bounded, few-dimensional
  objectives, and the study is Optuna's own data: with ``out`` it lives in
  ``out/optuna.journal`` (``JournalStorage`` on a file backend, so parallel workers never
  lock one another), and running the same command again resumes it (stale trials of a
  killed run are marked failed and asked again).
- **Batches of a fixed size.** Trials are asked ``batch`` at a time (from the targets file,
  not from ``--workers``), their seeds run on the executor, and results are told in trial
  order, so the same study comes out whatever the executor or the number of workers.
- **Common random numbers.** Every trial runs the same seeds, so two candidates differ by
  their parameters, not by luck.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .executor import Executor, Failure, ProgressCallback, Task
from .experiment import experiment_id, use_executor
from .runs import RunSpec, resolve, run_spec, with_seed
from .stats import mean_ci
from .targets import Target, TargetsSpec, load_targets
from .traced import run_traced

__all__ = ["CalibrationResult", "TargetFit", "calibrate", "current_values", "evaluate", "fits_table", "run_traced"]


@dataclass
class TargetFit:
    """Model vs published figure for one target: mean and 95 % interval over seeds."""

    name: str
    source: str
    value: float
    per_seed: list[float]
    mean: float
    ci_low: float
    ci_high: float
    holdout: bool = False

    @property
    def rel_error(self) -> float:
        return (self.mean - self.value) / self.value if self.value else math.nan


@dataclass
class CalibrationResult:
    """Best parameters, the fit per target (fitted and held back), and every trial."""

    params: dict[str, float]
    objective: float
    fits: list[TargetFit]
    trials: Any  # DataFrame: number, state, value, params_*
    study_name: str
    seeds: tuple[int, ...]
    failures: list[Failure] = field(default_factory=list)
    out: Path | None = None

    def fits_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "target": f.name,
                    "published": f.value,
                    "model": f.mean,
                    "ci_low": f.ci_low,
                    "ci_high": f.ci_high,
                    "rel_error": f.rel_error,
                    "held_out": f.holdout,
                    "source": f.source,
                }
                for f in self.fits
            ]
        )

    def table(self) -> str:
        """A markdown table of the fit (for docs/validation.md)."""
        return fits_table(self.fits)


def fits_table(fits: Sequence[TargetFit]) -> str:
    """Model vs published figures as a markdown table."""
    rows = [
        "| indicator | published | model (mean, 95% CI) | rel. error | fitted? | source |",
        "|---|---:|---:|---:|---|---|",
    ]
    for f in fits:
        rows.append(
            f"| {f.name} | {f.value:,.0f} | {f.mean:,.0f} [{f.ci_low:,.0f}, {f.ci_high:,.0f}] | "
            f"{f.rel_error:+.1%} | {'held out' if f.holdout else 'fitted'} | {f.source} |"
        )
    return "\n".join(rows)


def _spec(targets: TargetsSpec | str | Path) -> TargetsSpec:
    return targets if isinstance(targets, TargetsSpec) else load_targets(targets)


def _values_overrides(spec: TargetsSpec, values: Mapping[str, float]) -> dict[str, float]:
    extra: dict[str, float] = {}
    for p in spec.parameters:
        if p.path in values:
            for key in (p.path, *p.links):
                extra[key] = float(values[p.path])
    return extra


def _check(spec: TargetsSpec, scenario: Any, n: int | None) -> dict[str, Any]:
    """Resolve the scenario at both ends of every range before any run; returns the base scenario."""
    from scslab.scenario.errors import Problem, ScenarioError

    try:
        base = resolve(scenario, n=n, days=spec.days, overrides=spec.overrides)
    except ScenarioError as e:
        raise ScenarioError([Problem(spec.file, "scenario", str(p)) for p in e.problems]) from None
    problems = []
    for p in spec.parameters:
        for v in (p.low, p.high):
            try:
                resolve(base, extra=_values_overrides(spec, {p.path: v}))
            except ScenarioError as e:
                reason = "; ".join(q.reason for q in e.problems)
                problems.append(Problem(spec.file, f"parameters[{p.path}]", f"at {v!r}: {reason}"))
                break
    if problems:
        raise ScenarioError(problems)
    return base.model_dump(mode="json")


def _plan(spec: TargetsSpec, base: dict[str, Any], number: int, values: Mapping[str, float]) -> list[RunSpec]:
    sc = resolve(base, extra=_values_overrides(spec, values)).model_dump(mode="json")
    ovr = tuple(f"{k}={v!r}" for k, v in _values_overrides(spec, values).items())
    return [
        RunSpec(
            with_seed(sc, s),
            s,
            arm="calibration",
            point=number,
            replicate=i,
            overrides=ovr,
            collect="series" if spec.traced else "metrics",
            metrics=tuple(t.metric for t in spec.targets if not t.traced),
            traced=spec.traced,
        )
        for i, s in enumerate(spec.seeds)
    ]


def _fits(targets: Sequence[Target], per_seed: Mapping[str, list[float]]) -> list[TargetFit]:
    out = []
    for t in targets:
        vals = per_seed.get(t.name, [])
        m, lo, hi = mean_ci(vals)
        out.append(TargetFit(t.name, t.source, t.value, list(vals), m, lo, hi, t.holdout))
    return out


def _loss(targets: Sequence[Target], fits: Sequence[TargetFit]) -> float:
    return float(sum(t.loss(f.mean) for t, f in zip(targets, fits) if not t.holdout))


def _run_batch(
    ex: Executor, spec: TargetsSpec, plans: dict[int, list[RunSpec]], progress: ProgressCallback | None
) -> tuple[dict[int, dict[str, list[float]]], list[Failure]]:
    """Run every seed of every trial in ``plans``; per trial, each target's value per seed."""
    tasks = [Task(rs.key, rs, rs.seed, rs.overrides) for rss in plans.values() for rs in rss]
    got: dict[tuple, Any] = {}
    failures = []
    for task, outcome in ex.map(run_spec, tasks, progress=progress):
        if isinstance(outcome, Failure):
            failures.append(outcome)
        else:
            got[task.key] = outcome
    values: dict[int, dict[str, list[float]]] = {}
    for number, rss in plans.items():
        if any(rs.key not in got for rs in rss):
            continue
        outs = [got[rs.key] for rs in rss]  # seed order, whatever order they finished in
        values[number] = {
            t.name: [t.model_value(o.figures, o.series, o.extra.get("scale", 1.0)) for o in outs] for t in spec.targets
        }
    return values, failures


def evaluate(
    scenario: Any,
    targets: TargetsSpec | str | Path,
    values: Mapping[str, float] | None = None,
    *,
    n: int | None = None,
    workers: int = 1,
    executor: str | Executor = "local",
    ray_address: str | None = None,
) -> list[TargetFit]:
    """Model vs every target at one parameter point (default: the scenario as it is)."""
    spec = _spec(targets)
    base = _check(spec, scenario if scenario is not None else spec.scenario, n if n is not None else spec.n)
    with use_executor(executor, workers, ray_address) as ex:
        per, failures = _run_batch(ex, spec, {0: _plan(spec, base, 0, dict(values or {}))}, None)
    if failures:
        raise RuntimeError("; ".join(str(f) for f in failures))
    return _fits(spec.targets, per[0])


def calibrate(
    scenario: Any = None,
    targets: TargetsSpec | str | Path = "court-blacklist",
    *,
    trials: int = 20,
    workers: int = 1,
    executor: str | Executor = "local",
    ray_address: str | None = None,
    out: Path | str | None = None,
    n: int | None = None,
    progress: ProgressCallback | None = None,
    log: Any = None,
) -> CalibrationResult:
    """Run (or resume) the Optuna study until ``trials`` trials are complete; see the module docstring."""
    import optuna
    from optuna.distributions import BaseDistribution, FloatDistribution
    from optuna.trial import TrialState

    spec = _spec(targets)
    scenario = scenario if scenario is not None else spec.scenario
    if scenario is None:
        raise ValueError("no scenario: give one, or set scenario = ... in the targets file")
    base = _check(spec, scenario, n if n is not None else spec.n)
    dists: dict[str, BaseDistribution] = {p.path: FloatDistribution(p.low, p.high, log=p.log) for p in spec.parameters}
    canon = {
        "scenario": base,
        "seeds": list(spec.seeds),
        "targets": [t.__dict__ for t in spec.targets],
        "parameters": [p.__dict__ for p in spec.parameters],
        "sampler_seed": spec.sampler_seed,
        "batch": spec.batch,
    }
    study_name = "calibrate-" + experiment_id("calibration", canon)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if out is not None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        Path(out).mkdir(parents=True, exist_ok=True)
        storage: Any = JournalStorage(JournalFileBackend(str(Path(out) / "optuna.journal")))
    else:
        storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=spec.sampler_seed, n_startup_trials=min(8, max(trials // 3, 2))),
        load_if_exists=True,
    )
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        study.tell(stale.number, state=TrialState.FAIL)  # left behind by a run that was killed
    failures: list[Failure] = []

    def complete() -> int:
        return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    with use_executor(executor, workers, ray_address) as ex:
        while complete() < trials:
            k = min(spec.batch, trials - complete())
            asked = [study.ask(dists) for _ in range(k)]
            plans = {t.number: _plan(spec, base, t.number, t.params) for t in asked}
            per, bad = _run_batch(ex, spec, plans, progress)
            failures.extend(bad)
            for t in asked:  # told in trial order
                if t.number not in per:
                    study.tell(t, state=TrialState.FAIL)
                    continue
                fits = _fits(spec.targets, per[t.number])
                t.set_user_attr("per_seed", per[t.number])
                loss = _loss(spec.targets, fits)
                study.tell(t, loss if math.isfinite(loss) else float("inf"))
                if log:
                    log(f"trial {t.number}: {t.params} -> {loss:.4g}")
            if bad and not per:
                break  # every run of a batch failed: stop rather than loop on a broken scenario
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        raise RuntimeError("no trial completed: " + "; ".join(str(f) for f in failures[:3]))
    best = study.best_trial
    assert best.value is not None  # the best of the completed trials has a value
    fits = _fits(spec.targets, best.user_attrs["per_seed"])
    result = CalibrationResult(
        params={k: float(v) for k, v in best.params.items()},
        objective=float(best.value),
        fits=fits,
        trials=study.trials_dataframe(attrs=("number", "state", "value", "params")),
        study_name=study_name,
        seeds=spec.seeds,
        failures=failures,
        out=Path(out) if out is not None else None,
    )
    if out is not None:
        _write(result, Path(out))
    return result


def _write(result: CalibrationResult, out: Path) -> None:
    doc = {
        "study": result.study_name,
        "best_params": result.params,
        "objective": result.objective,
        "seeds": list(result.seeds),
        "fits": result.fits_frame().to_dict(orient="records"),
        "trials": len(result.trials),
    }
    from .compare import jsonable

    (out / "calibration.json").write_text(json.dumps(jsonable(doc), indent=2) + "\n", encoding="utf-8")
    result.fits_frame().to_csv(out / "fits.csv", index=False)
    result.trials.to_csv(out / "trials.csv", index=False)


def current_values(scenario: Any, keys: Sequence[str]) -> dict[str, float]:
    """The scenario's present values of dotted keys (list entries by name), e.g. to start a fit."""
    from scslab.scenario.errors import resolve_path

    data = resolve(scenario).model_dump(mode="json")
    out = {}
    for key in keys:  # list entries by name or index; a timed change's set by its dotted key
        node, k, _ = resolve_path(data, key.split("."), create=False)
        out[key] = float(node[k])
    return out
