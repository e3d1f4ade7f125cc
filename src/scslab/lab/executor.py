"""One way to run many independent tasks: a local spawn pool or Ray, same results either way.

Why it is shaped this way:

- **Warm workers.** A run of 20,000 persons for a year takes a few seconds once the engine
  is imported and Numba has loaded its kernels; starting a process and compiling costs
  more than that. :class:`LocalExecutor` therefore keeps one pool of *spawned* workers
  alive across every ``map`` call (a calibration calls it once per batch of trials), and
  :class:`RayExecutor` keeps one actor per worker. Spawn, never fork: forking a parent in
  which Numba's threading layer has started is unsafe.
- **Results do not depend on the executor.** A task is a pure function of its payload.
  ``map`` yields ``(task, outcome)`` pairs as they finish; callers that store or reduce
  them order by ``task.key``, never by completion order.
- **A failure is data.** A task that raises comes back as a :class:`Failure` with its key,
  seed, overrides and the error text; the other tasks carry on.

``make_executor("local" | "ray", workers=W, address=...)`` is the one entry point the lab
uses; ``workers=1`` with the local executor runs tasks in this process (no pool at all).
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "Executor",
    "Failure",
    "LocalExecutor",
    "Progress",
    "ProgressBar",
    "RayExecutor",
    "SerialExecutor",
    "Task",
    "make_executor",
]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``key`` orders results, ``payload`` is what the function gets.

    ``seed`` and ``overrides`` are carried only so that a failure can say which run it was.
    """

    key: tuple
    payload: Any
    seed: int | None = None
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failure:
    """A task that raised: which one, and why (the worker's traceback is kept as text)."""

    key: tuple
    seed: int | None
    overrides: tuple[str, ...]
    error: str
    traceback: str = ""

    def __str__(self) -> str:
        ovr = " ".join(self.overrides) or "(no overrides)"
        return f"run {self.key} (seed {self.seed}, {ovr}) failed: {self.error}"


@dataclass
class Progress:
    """Counts a progress callback receives after every change."""

    total: int
    done: int = 0
    running: int = 0
    failed: int = 0
    started_at: float = field(default_factory=time.perf_counter)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started_at


ProgressCallback = Callable[[Progress], None]


class ProgressBar:
    """A tqdm bar of runs done, with running and failed counts; a callable progress callback."""

    def __init__(self, total: int, desc: str = "runs", enabled: bool | None = None) -> None:
        from tqdm import tqdm

        on = sys.stderr.isatty() if enabled is None else enabled
        self.bar = tqdm(total=total, desc=desc, unit="run", disable=not on, file=sys.stderr, mininterval=0.5)

    def __call__(self, p: Progress) -> None:
        self.bar.n = p.done + p.failed
        self.bar.set_postfix(running=p.running, failed=p.failed, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


class Executor(Protocol):
    """What the lab needs from an executor."""

    workers: int

    def map(
        self, fn: Callable[[Any], Any], tasks: Iterable[Task], *, progress: ProgressCallback | None = None
    ) -> Iterator[tuple[Task, Any]]: ...

    def close(self) -> None: ...


def _call(fn: Callable[[Any], Any], payload: Any) -> tuple[bool, Any, str]:
    """Run one task in a worker; exceptions come back as values so one bad run loses nothing else."""
    try:
        return True, fn(payload), ""
    except Exception as e:  # reported to the parent, which decides
        return False, f"{type(e).__name__}: {e}", traceback.format_exc()


def _settle(task: Task, ok: bool, value: Any, tb: str, p: Progress) -> Any:
    """Count one finished task and turn a worker's error report into a Failure."""
    if ok:
        p.done += 1
        return value
    p.failed += 1
    return Failure(task.key, task.seed, tuple(task.overrides), value, tb)


def _init_worker(threads: int | None) -> None:
    """Pay the imports once per worker, and keep Numba to its share of the cores."""
    import scslab.engine.sim  # noqa: F401  (imports NumPy, Numba, the kernels' cache)

    if threads:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]  # numba.config sets it at import, from the environment


def _threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(workers, 1))


class SerialExecutor:
    """Tasks one after another in this process: the reference every other executor must match."""

    workers = 1

    def map(
        self, fn: Callable[[Any], Any], tasks: Iterable[Task], *, progress: ProgressCallback | None = None
    ) -> Iterator[tuple[Task, Any]]:
        tasks = list(tasks)
        p = Progress(total=len(tasks))
        for task in tasks:
            p.running = 1
            if progress:
                progress(p)
            ok, value, tb = _call(fn, task.payload)
            p.running = 0
            out = _settle(task, ok, value, tb, p)
            if progress:
                progress(p)
            yield task, out

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor:
    """A pool of spawned worker processes kept alive across ``map`` calls (imports paid once)."""

    def __init__(self, workers: int = 2, *, threads: int | None = None) -> None:
        self.workers = max(1, int(workers))
        self.threads = threads if threads is not None else _threads_per_worker(self.workers)
        self._pool: ProcessPoolExecutor | None = None

    def _ensure(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.threads,),
            )
        return self._pool

    def map(
        self, fn: Callable[[Any], Any], tasks: Iterable[Task], *, progress: ProgressCallback | None = None
    ) -> Iterator[tuple[Task, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        pool = self._ensure()
        pending = list(tasks)
        pending.reverse()  # pop() from the end submits in the given order
        p = Progress(total=len(pending))
        running: dict[Any, Task] = {}
        window = 2 * self.workers  # a few queued per worker, never the whole list at once
        try:
            while pending or running:
                while pending and len(running) < window:
                    t = pending.pop()
                    running[pool.submit(_call, fn, t.payload)] = t
                p.running = min(len(running), self.workers)
                if progress:
                    progress(p)
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: running[f].key):
                    task = running.pop(fut)
                    try:
                        ok, value, tb = fut.result()
                    except Exception as e:  # the worker process itself died
                        ok, value, tb = False, f"{type(e).__name__}: {e}", ""
                    yield task, _settle(task, ok, value, tb, p)
                p.running = min(len(running), self.workers)
                if progress:
                    progress(p)
        finally:
            for fut in running:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RayExecutor:
    """The same tasks on Ray: one long-lived actor per worker keeps a warm engine.

    ``address``: ``None`` uses ``RAY_ADDRESS`` when set, and otherwise starts a local Ray
    (as ``ray.init()`` does); ``"127.0.0.1:6379"`` or ``"auto"`` joins a running cluster.
    A Ray this executor started is shut down by :meth:`close`; a cluster it joined is left
    running (the driver only disconnects).
    """

    def __init__(self, workers: int = 2, *, address: str | None = None, threads: int | None = None) -> None:
        self.workers = max(1, int(workers))
        self.address = address if address else os.environ.get("RAY_ADDRESS") or None
        self.threads = (
            threads if threads is not None else (_threads_per_worker(self.workers) if not self.address else 1)
        )
        self._actors: list[Any] | None = None

    def _ensure(self) -> list[Any]:
        if self._actors is not None:
            return self._actors
        try:
            import ray
        except ImportError as e:  # pragma: no cover - ray is installed by `make install`
            raise RuntimeError("the Ray executor needs ray (pip install 'scslab[cluster]')") from e
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False, "logging_level": "warning"}
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, **kwargs)
            self._owns = not self.address
        else:
            self._owns = False
        # an actor takes a CPU and keeps it: more actors than the cluster's CPUs would wait for
        # ever, and so would the tasks given to them
        cpus = int(ray.cluster_resources().get("CPU", self.workers))
        self.workers = max(1, min(self.workers, cpus))
        actor = ray.remote(num_cpus=1)(_RayWorker)
        self._actors = [actor.remote(self.threads) for _ in range(self.workers)]
        return self._actors

    def map(
        self, fn: Callable[[Any], Any], tasks: Iterable[Task], *, progress: ProgressCallback | None = None
    ) -> Iterator[tuple[Task, Any]]:
        import ray

        actors = self._ensure()
        pending = list(tasks)
        pending.reverse()
        p = Progress(total=len(pending))
        idle = list(actors)
        running: dict[Any, tuple[Task, Any]] = {}
        while pending or running:
            while pending and idle:
                t, a = pending.pop(), idle.pop()
                running[a.run.remote(fn, t.payload)] = (t, a)
            p.running = len(running)
            if progress:
                progress(p)
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                task, a = running.pop(ref)
                idle.append(a)
                try:
                    ok, value, tb = ray.get(ref)
                except Exception as e:  # the actor died
                    ok, value, tb = False, f"{type(e).__name__}: {e}", ""
                yield task, _settle(task, ok, value, tb, p)
            p.running = len(running)
            if progress:
                progress(p)

    def close(self) -> None:
        if self._actors is None:
            return
        import ray

        for a in self._actors:
            ray.kill(a)
        self._actors = None
        ray.shutdown()  # a joined cluster keeps running; only this driver disconnects

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _RayWorker:
    """A Ray actor: imports once, then runs any number of tasks."""

    def __init__(self, threads: int | None) -> None:
        _init_worker(threads)

    def run(self, fn: Callable[[Any], Any], payload: Any) -> tuple[bool, Any, str]:
        return _call(fn, payload)


def make_executor(kind: str = "local", workers: int = 1, *, address: str | None = None) -> Executor:
    """``"local"`` (spawned process pool; in-process when ``workers == 1``) or ``"ray"``."""
    if kind == "local":
        if address:
            raise ValueError("--ray-address needs --executor ray")
        return SerialExecutor() if workers <= 1 else LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers, address=address)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")
