"""The loop every experiment shares: run specs on an executor, store each run as it arrives.

Compare, ensembles, sweeps, sensitivity and calibration all reduce to a list of
:class:`~scslab.lab.runs.RunSpec` with stable keys. :func:`execute` sends the ones not yet
stored to the executor, writes every finished run in its own transaction (when an output
folder is given) and hands each outcome to the caller. Identities are content hashes, so
the same experiment run twice, on another executor or after a crash, names its runs the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .executor import Executor, Failure, ProgressCallback, Task, make_executor
from .runs import RunOutcome, RunSpec, run_spec, scenario_hash

__all__ = ["Planned", "execute", "experiment_id", "run_id", "use_executor"]


def experiment_id(kind: str, spec: Any) -> str:
    """A content hash of an experiment's kind and canonical specification."""
    from scslab.store.duck import to_json

    return kind[:3] + "-" + hashlib.sha256(f"{kind}\n{to_json(spec)}".encode()).hexdigest()[:12]


def run_id(exp_id: str, key: tuple) -> str:
    """A run's id inside an experiment: a hash of the experiment and the run's key."""
    return hashlib.sha256(f"{exp_id}/{key!r}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Planned:
    """A spec with its ids and the parameter values it stands for (a sweep point)."""

    spec: RunSpec
    run_id: str
    params: dict[str, Any]

    def row(self) -> dict[str, Any]:
        s = self.spec
        return {
            "point": s.point,
            "replicate": s.replicate,
            "arm": s.arm,
            "seed": s.seed,
            "overrides": list(s.overrides),
            "params": self.params,
            "scenario_hash": scenario_hash(s.scenario, s.seed),
        }


@contextmanager
def use_executor(executor: str | Executor, workers: int, address: str | None) -> Iterator[Executor]:
    """An executor given as an object is used as is (the caller keeps it warm and closes it);
    one given by name is made here and closed afterwards."""
    if not isinstance(executor, str):
        yield executor
        return
    ex = make_executor(executor, workers, address=address)
    try:
        yield ex
    finally:
        ex.close()


def execute(
    planned: Sequence[Planned],
    *,
    executor: Executor,
    out: Path | str | None = None,
    experiment: tuple[str, str, str, Any] | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    on_result: Callable[[Planned, RunOutcome | Failure], None] | None = None,
    fn: Callable[[RunSpec], RunOutcome] = run_spec,
) -> tuple[list[Failure], int]:
    """Run what is not stored yet; returns (failures, runs skipped because already done).

    ``experiment`` is (experiment_id, kind, name, spec) and is required with ``out``.
    Without ``resume`` an experiment already in the database is replaced.
    """
    store = None
    skipped = 0
    todo: Iterable[Planned] = planned
    if out is not None:
        from scslab.store.experiments import ExperimentStore

        assert experiment is not None
        exp_id, kind, name, spec = experiment
        store = ExperimentStore(out)
        if store.has_experiment(exp_id) and not resume:
            store.drop_experiment(exp_id)
        store.begin(exp_id, kind, name, spec)
        done = store.done_runs(exp_id) if resume else set()
        todo = [p for p in planned if p.run_id not in done]
        skipped = len(planned) - len(todo)
    by_key = {p.spec.key: p for p in todo}
    tasks = [Task(p.spec.key, p.spec, p.spec.seed, p.spec.overrides) for p in todo]
    failures: list[Failure] = []
    try:
        for task, outcome in executor.map(fn, tasks, progress=progress):
            p = by_key[task.key]
            if store is not None:
                if isinstance(outcome, Failure):
                    store.write_run(experiment[0], p.run_id, p.row(), error=outcome.error)  # type: ignore[index]
                else:
                    store.write_run(
                        experiment[0],  # type: ignore[index]
                        p.run_id,
                        p.row(),
                        figures=outcome.figures,
                        series=outcome.series,
                        results=outcome.results,
                        wall_s=outcome.wall_s,
                    )
            if isinstance(outcome, Failure):
                failures.append(outcome)
            if on_result is not None:
                on_result(p, outcome)
    finally:
        if store is not None:
            store.close()
    failures.sort(key=lambda f: f.key)
    return failures, skipped
