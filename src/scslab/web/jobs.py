"""Background jobs: runs (and compare experiments) queued for a pool of spawned workers.

Why a bounded queue in front of a small pool: each run uses every core, so running more
at once only makes each slower; the queue lets a user submit several and watch them
progress, and its bound (``Limits.max_jobs``, queued plus running) is what turns a flood of
requests into ``429`` answers instead of an exhausted machine.

Workers report progress through one multiprocessing queue that a thread of the server
drains into the jobs' state; a job's end (result or error) comes back through its future.
A worker that dies (killed, out of memory) breaks the pool: the job it ran is marked
failed with that reason, and a fresh pool takes the next job.
"""

from __future__ import annotations

import datetime as _dt
import functools
import multiprocessing as mp
import queue as _queue
import secrets
import threading
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from scslab.web import worker

__all__ = ["Busy", "Job", "JobManager"]


class Busy(Exception):
    """The queue is full (answered 429 with ``Retry-After``)."""


@dataclass
class Job:
    id: str
    kind: str  # "run" | "compare"
    spec: dict[str, Any]
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    phase: str = "queued"
    error: str | None = None
    result: dict[str, Any] | None = None
    submitted_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    future: Future | None = None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "phase": self.phase,
            "error": self.error,
            "submitted_at": self.submitted_at,
        }


def new_id() -> str:
    """A fresh job id: 12 random hex digits (unguessable enough that ids are not enumerable)."""
    return secrets.token_hex(6)


class JobManager:
    """Queued and running jobs; ``on_done(job)`` / ``on_failed(job)`` store what they leave."""

    def __init__(
        self,
        *,
        workers: int,
        max_jobs: int,
        out_dir: str,
        on_done: Callable[[Job], None],
        on_failed: Callable[[Job], None],
    ) -> None:
        self.workers, self.max_jobs, self.out_dir = workers, max_jobs, out_dir
        self.on_done, self.on_failed = on_done, on_failed
        self._ctx = mp.get_context("spawn")
        self._progress = self._ctx.Queue()
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._pending: deque[Job] = deque()
        self._started = 0  # jobs handed to the pool and not finished
        self._functions: dict[str, Callable[..., dict[str, Any]]] = {
            "run": worker.run_job,
            "compare": worker.compare_job,
        }
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._drainer = threading.Thread(target=self._drain, name="scslab-progress", daemon=True)
        self._drainer.start()

    # ------------------------------------------------------------------ pool
    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._ctx,
                initializer=worker.init_worker,
                initargs=(self._progress,),
            )
        return self._pool

    def _drain(self) -> None:
        while not self._closed:
            try:
                job_id, progress, phase = self._progress.get(timeout=0.5)
            except _queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is not None and job.status in ("queued", "running"):
                    job.status, job.phase = "running", phase
                    job.progress = max(job.progress, min(progress, 0.99))

    # ------------------------------------------------------------------ jobs
    def _target(self, kind: str) -> str:
        """The folder a job of this kind writes into."""
        return f"{self.out_dir}/runs" if kind == "run" else f"{self.out_dir}/compare"

    def active(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, kind: str, spec: dict[str, Any], job_id: str | None = None) -> Job:
        """Queue a job; raises :class:`Busy` when ``max_jobs`` are already queued or running."""
        if kind not in self._functions:
            raise ValueError(f"unknown job kind {kind!r}")
        with self._lock:
            if self._closed:
                raise Busy("the server is shutting down")
            if self.active() >= self.max_jobs:
                raise Busy(f"{self.max_jobs} jobs are queued or running (the server limit max_jobs)")
            job = Job(id=job_id or new_id(), kind=kind, spec=spec)
            spec["submitted_at"] = job.submitted_at
            self._jobs[job.id] = job
            self._pending.append(job)
            self._pump()
        return job

    def _pump(self) -> None:
        """Hand pending jobs to the pool while a worker is free (so a queued job can still be cancelled)."""
        with self._lock:
            while self._pending and self._started < self.workers and not self._closed:
                job = self._pending.popleft()
                fn = self._functions[job.kind]
                try:
                    job.future = self._get_pool().submit(fn, job.id, job.spec, self._target(job.kind))
                except BrokenProcessPool:
                    self._pool = None
                    job.future = self._get_pool().submit(fn, job.id, job.spec, self._target(job.kind))
                self._started += 1
                job.future.add_done_callback(functools.partial(self._finished, job))

    def _finished(self, job: Job, fut: Future) -> None:
        err = None if fut.cancelled() else fut.exception()
        with self._lock:
            self._started -= 1
            if fut.cancelled():
                job.status, job.error = "failed", "cancelled"
            elif err is None:
                job.result, job.status, job.progress, job.phase = fut.result(), "done", 1.0, "done"
            else:
                if isinstance(err, BrokenProcessPool):
                    self._pool = None  # the next job starts a fresh pool
                    job.error = "the worker process died (out of memory or killed)"
                else:
                    job.error = f"{type(err).__name__}: {err}"
                    job.spec["traceback"] = "".join(traceback.format_exception(err))[-4000:]
                job.status, job.phase = "failed", "failed"
        try:
            if not fut.cancelled():
                (self.on_done if err is None else self.on_failed)(job)
        finally:
            with self._lock:
                self._jobs.pop(job.id, None)  # what it left is stored now; memory keeps only live jobs
            self._pump()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> bool:
        """Cancel a job that has not started (a running one cannot be interrupted)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job not in self._pending:
                return False
            self._pending.remove(job)
            del self._jobs[job_id]
            return True

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            self._pending.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self._progress.close()
