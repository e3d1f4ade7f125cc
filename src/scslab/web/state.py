"""What one server holds: its limits, its stored runs and comparisons, and its job queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scslab.web.compare import CompareStore
from scslab.web.jobs import Job, JobManager
from scslab.web.limits import Limits
from scslab.web.runstore import RunStore

__all__ = ["AppState"]


@dataclass
class AppState:
    out: Path
    limits: Limits
    runs: RunStore
    compares: CompareStore
    jobs: JobManager
    #: the threads that answer credit-file look-ups (``Limits.lookup_threads``), in arrival order
    lookups: ThreadPoolExecutor

    @classmethod
    def open(cls, out: Path | str, limits: Limits) -> AppState:
        """Open (or create) the server's folder: ``OUT/runs``, ``OUT/compare``; start the job queue."""
        out = Path(out)
        runs = RunStore(out / "runs", memory_budget=limits.lookup_memory_mb * 2**20)
        compares = CompareStore(out / "compare")

        def failed(job: Job) -> None:
            spec = job.spec
            if job.kind == "run":
                runs.write_failed(
                    job.id,
                    {
                        "scenario": spec.get("preset"),
                        "n": spec.get("n"),
                        "days": spec.get("days"),
                        "seed": spec.get("seed"),
                        "set": spec.get("overrides"),
                        "schedule": spec.get("schedule"),
                        "submitted_at": job.submitted_at,
                        "error": job.error,
                    },
                )
            else:
                compares.save(job.id, {"status": "failed", "progress": 0.0, "error": job.error, "result": None})

        def done(job: Job) -> None:
            if job.kind != "run" and job.result is not None:
                compares.save(job.id, {"status": "done", "progress": 1.0, "result": job.result})

        jobs = JobManager(
            workers=limits.workers,
            max_jobs=limits.max_jobs,
            out_dir=str(out),
            on_done=done,
            on_failed=failed,
        )
        lookups = ThreadPoolExecutor(max_workers=limits.lookup_threads, thread_name_prefix="scslab-lookup")
        return cls(out=out, limits=limits, runs=runs, compares=compares, jobs=jobs, lookups=lookups)

    def close(self) -> None:
        self.jobs.shutdown()
        self.lookups.shutdown(wait=True, cancel_futures=True)
        self.runs.close()
