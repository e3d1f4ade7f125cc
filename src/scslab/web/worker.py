"""What a worker process does with one job: simulate, then write the run's folder.

Why a separate process: a run takes seconds to minutes and all cores (numba's threads), and
the server must keep answering meanwhile; a crash or a memory blow-up of a run must not take
the server with it. Workers are *spawned*, never forked (forking after numba's threads have
started crashes). This module imports no web framework, so spawning stays cheap.

A run's folder is written under a temporary name and renamed when complete, so a reader (or
a server restarted after a crash) never sees half a run:

    runs/<run_id>/results.duckdb   the run's tables with look-up indexes (scslab inspect reads it)
    runs/<run_id>/report.html      the offline report (scslab run writes the same)
    runs/<run_id>/summary.json     the headline figures and indicators (as ``scslab run --json``)
    runs/<run_id>/view.json        the report's figures as Plotly JSON, for the pages
    runs/<run_id>/meta.json        what was asked, when, how long it took
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scslab.jsonable import dumps, to_jsonable

__all__ = ["compare_job", "figures_json", "init_worker", "run_job", "view_of", "write_json"]

_QUEUE: Any = None  # the progress queue, set in each worker by init_worker


def init_worker(queue: Any) -> None:
    """Pool initializer: remember the queue progress messages go to."""
    global _QUEUE
    _QUEUE = queue


def _report(job_id: str, progress: float, phase: str) -> None:
    if _QUEUE is not None:
        _QUEUE.put((job_id, round(float(progress), 4), phase))


def _progress_callback(
    job_id: str, lo: float = 0.05, hi: float = 0.9, every_s: float = 0.25
) -> Callable[[int, int], None]:
    """``on_day`` for :meth:`Sim.run` sending at most four messages a second."""
    last = [0.0]

    def on_day(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= every_s:
            last[0] = now
            _report(job_id, lo + (hi - lo) * done / max(total, 1), "simulating")

    return on_day


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary name, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(obj), encoding="utf-8")
    os.replace(tmp, path)


def view_of(results: Any, summary: dict[str, Any]) -> dict[str, Any]:
    """What the Run page shows: the report's headline, tables and figures (as Plotly JSON)."""
    from scslab.report import cost_section, figure_sections, headline, indicator_rows, lens_section, summary_rows

    sections = [{**s, "figures": figures_json(s["figures"])} for s in figure_sections(results)]
    return {
        "headline": headline(results),
        "summary_rows": summary_rows(summary),
        "indicators": results.indicators,
        "indicator_rows": indicator_rows(results),
        "cost": cost_section(summary),
        "lens": lens_section(summary, str((results.scenario.get("population") or {}).get("currency") or "yuan")),
        "sections": sections,
    }


def run_job(job_id: str, spec: dict[str, Any], runs_dir: str) -> dict[str, Any]:
    """Simulate ``spec["scenario"]`` and write ``runs_dir/<job_id>/``; returns the run's meta."""
    from scslab.engine.sim import Sim
    from scslab.report import write_report
    from scslab.scenario.schema import Scenario
    from scslab.store import add_lookup_indexes, write_run

    started = _dt.datetime.now(_dt.UTC)
    _report(job_id, 0.01, "building the population")
    sim = Sim(Scenario.model_validate(spec["scenario"]))
    sim.init()
    _report(job_id, 0.05, "simulating")
    results = sim.run(on_day=_progress_callback(job_id))
    _report(job_id, 0.92, "writing results")
    root = Path(runs_dir)
    tmp = root / f".tmp-{job_id}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        db_run_id = write_run(results, tmp, wall_s=sim.wall_s)
        add_lookup_indexes(tmp)
        _report(job_id, 0.96, "writing the report")
        write_report(results, tmp / "report.html", wall_s=sim.wall_s)
        summary = dict(results.summary)
        summary["indicators"] = results.indicators
        write_json(tmp / "summary.json", summary)
        write_json(tmp / "view.json", view_of(results, results.summary))
        meta = {
            "run_id": job_id,
            "db_run_id": db_run_id,
            "status": "done",
            "scenario": spec["preset"],
            "name": results.name,
            "n": int(results.n_persons),
            "days": int(results.days),
            "seed": int(results.seed),
            "set": spec.get("overrides") or {},
            "schedule": spec.get("schedule") or [],
            "submitted_at": spec.get("submitted_at"),
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "wall_s": round(float(sim.wall_s), 3),
        }
        write_json(tmp / "meta.json", meta)
        final = root / job_id
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def figures_json(figs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """(key, plotly figure) pairs as the pages draw them: ``{"key", "figure"}`` with Plotly JSON."""
    import plotly.io as pio

    return [{"key": k, "figure": json.loads(pio.to_json(f, validate=False))} for k, f in figs]


def compare_job(job_id: str, spec: dict[str, Any], compare_dir: str) -> dict[str, Any]:
    """Run a lab compare experiment (``spec`` from :func:`scslab.web.inputs.build_compare`).

    K replicates of both arms on seeds S..S+K-1 (common random numbers), one after another in
    this worker; returns the comparison the Compare page shows: per figure both means, the
    paired difference and its 95 % interval, the width independent seeds would have given,
    and who wins and who loses per synthetic person.
    """
    from scslab.lab.compare import compare
    from scslab.report import summary_label
    from scslab.report.compare import compare_figures

    k = int(spec["runs"])

    def progress(p: Any) -> None:
        _report(
            job_id,
            0.02 + 0.93 * (p.done + p.failed) / max(p.total, 1),
            f"run {min(p.done + p.failed + 1, p.total)} of {p.total}",
        )

    _report(job_id, 0.01, f"run 1 of {2 * k}")
    res = compare(
        spec["baseline"], spec["reform"], runs=k, seed=int(spec["seed"]), executor="local", workers=1, progress=progress
    )
    _report(job_id, 0.97, "drawing the figures")
    metrics = [{"metric": m, "label": summary_label(m), **v} for m, v in to_jsonable(res.metrics).items()]
    winners = to_jsonable(res.winners_losers.to_dict(orient="records")) if res.winners_losers is not None else []
    figs = compare_figures(metrics, winners, intervals=True)
    return {
        "kind": "experiment",
        "scenario": spec["preset"],
        "n": int(spec["n"]),
        "days": int(spec["days"]),
        "seed": int(spec["seed"]),
        "seeds": list(res.seeds),
        "runs": int(res.runs),
        "set": spec.get("overrides") or {},
        "reform_set": spec.get("reform_set") or {},
        "experiment_id": res.experiment_id,
        "metrics": metrics,
        "winners_losers": winners,
        "failures": [str(f) for f in res.failures],
        "unpaired_people": int(res.unpaired_people),
        "charts": figures_json(figs),
        "note": (
            f"{res.runs} replicates of each arm on seeds {res.seeds[0] if res.seeds else spec['seed']}.."
            f"{res.seeds[-1] if res.seeds else spec['seed']}: run i of the baseline and of the reform share "
            "seed S+i, hence the same synthetic people and the same luck, so each difference is paired. "
            "Intervals are 95 % paired t intervals (BCa bootstrap where the differences are skewed)."
        ),
    }
