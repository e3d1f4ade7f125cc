"""``scslab run``: load and validate, simulate, then write database, report and summary.

Nothing is written before the simulation has finished, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from functools import partial
from pathlib import Path
from typing import Any

from .checks import RecordBudget, add_limit_options, init_checked, preflight, resource_limits
from .common import (
    UserError,
    atomic_write_text,
    check_out,
    days_arg,
    dumps,
    err,
    int_arg,
    num,
    positive_int,
    safe_folder_name,
    years_arg,
)
from .labopts import add_executor_options
from .plan import add_plan_options

NAME = "run"
LONG_RUN = 20_000_000  # agent-days above which a progress bar is shown even without a TTY


def register(sub: Any) -> None:
    r = sub.add_parser(NAME, help="run a scenario and write results, report and summary")
    r.add_argument("scenario", metavar="SCENARIO", help="preset name or TOML file")
    r.add_argument("--n", type=positive_int, help="persons simulated (agents)")
    span = r.add_mutually_exclusive_group()
    span.add_argument("--years", type=years_arg, help="simulated years (at most 100)")
    span.add_argument("--days", type=days_arg, help="simulated days (at most 36,500)")
    r.add_argument("--seed", type=int_arg, help="random seed")
    r.add_argument("--out", type=Path, help="output folder (default: out/<scenario name as a safe folder name>)")
    r.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. policy.detection_scale=0.5 (repeatable)",
    )
    r.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    r.add_argument("--no-report", action="store_true", help="do not write report.html")
    r.add_argument("--parquet", action="store_true", help="also export the run's tables as Parquet")
    r.add_argument("--quiet", action="store_true", help="no progress bar; print only the output folder")
    r.add_argument(
        "--profile",
        action="store_true",
        help="print on stderr where the time and memory went: set-up, each module's step, writing",
    )
    r.add_argument("--runs", type=positive_int, default=1, help="run K seeds (seed..seed+K-1): mean and 95%% interval")
    r.add_argument(
        "--shards",
        type=positive_int,
        default=1,
        metavar="K",
        help="split the population by region into K shards, each run by its own worker "
        "(--executor local: spawned processes; ray: Ray actors), merged into one database and report "
        "(default 1: no sharding; docs/scaling.md)",
    )
    r.add_argument(
        "--partitioned",
        action="store_true",
        help="with --shards: each worker synthesises and simulates only its shard's regions (not the whole "
        "run); refused, with the reason, for scenarios whose subjects are coupled across shards "
        "(docs/design.md, sharded runs)",
    )
    add_executor_options(r)
    add_limit_options(r)
    add_plan_options(r)


def main(args: argparse.Namespace) -> int:
    if args.out is not None:
        check_out(args.out)
    # every problem of the scenario and the command line, before any simulation work
    sc = preflight(args.scenario, args.overrides, n=args.n, days=args.days, years=args.years, seed=args.seed)
    if args.plan:
        from .plan import main as plan_main

        return plan_main(args, sc)  # nothing is simulated or written
    for opt in ("machine_memory", "machine_cores", "machines"):
        if getattr(args, opt) is not None:
            from .common import UserError

            raise UserError(f"--{opt.replace('_', '-')} needs --plan")
    check_cluster_options(args, sc)
    if args.shards > 1 or getattr(args, "partitioned", False):
        return sharded_main(args, sc)
    if args.runs > 1 or args.workers > 1 or args.executor != "local":
        from .ensemble import main as ensemble_main

        resource_limits(args, sc)  # one run's estimate (the runs of an ensemble are stored one by one)
        return ensemble_main(args)
    from scslab.engine.sim import Sim, summarize_results, timed

    out = args.out if args.out is not None else default_out(sc.name)
    check_out(out, "output folder")
    _, budget = resource_limits(args, sc)  # memory, records and time, estimated before any work
    sim = Sim(sc)
    long_run = sc.population.n * sc.sim.days >= LONG_RUN
    sim.progress = not (args.quiet or args.json) and (sys.stderr.isatty() or long_run)
    # keep stdout for the one JSON object: anything the engine prints goes to stderr
    guard = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with guard:
        init_checked(sim, args.scenario, args.overrides)
        results = sim.run(on_day=RecordBudget(sim, budget), summarize=False)
        # the results hold (copies of) all that is summarised and written: the population,
        # networks and the engine's state go first, so neither the summary nor writing adds
        # to the peak the day loop sets
        wall_s, phases, profile = sim.wall_s, sim.phases, sim.profile()
        del sim
        gc.collect()
        release_free_memory()
        with timed(phases, "finish: summary and indicators"):
            summarize_results(results)
        payload, report = write_outputs(results, out, wall_s, args, timed=partial(timed, phases))
    return print_outcome(args, payload, report, out, profile, phases)


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc ``malloc_trim``; a no-op elsewhere).

    The engine's arrays under glibc's mmap threshold (up to 32 MiB) are freed into the heap,
    which keeps them resident: at 1 M persons some 250 MB stayed in the process after the
    engine was released, and DuckDB's writer threads, allocating in their own arenas, added
    to it instead of reusing it. Trimming returns them, so writing starts from the results'
    own memory. It changes no result.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
    except OSError:
        trim = None
    if trim is not None:
        trim(0)


def print_outcome(
    args: argparse.Namespace,
    payload: dict[str, Any],
    report: Path | None,
    out: Path,
    profile: list[dict[str, Any]],
    phases: dict[str, dict[str, float]],
) -> int:
    """What ``run`` prints once the outputs are written, the same for a plain and a sharded
    run: the profile table (``--profile``, on stderr), then the JSON object, the output folder
    (``--quiet``) or the human summary."""
    if args.profile:
        done = {row["phase"] for row in profile}
        rows = profile + [{"phase": k, **v} for k, v in phases.items() if k not in done]
        print(profile_table(rows), file=sys.stderr)
    if args.json:
        print(dumps(payload))
    elif args.quiet:
        print(out)
    else:
        print(human_summary(payload, report))
    return 0


def check_cluster_options(args: argparse.Namespace, sc: Any) -> None:
    """Refuse bad --shards, --executor and --ray-address combinations (exit 2, every problem at
    once) before any work starts: no shard can hold less than a region, and a cluster that
    does not answer is named before anything is simulated."""
    from scslab.lab.shards import check_ray_address, shard_problems

    problems = []
    if args.ray_address and args.executor != "ray":
        problems.append("--ray-address needs --executor ray")
    if args.shards != 1:
        problems += shard_problems(sc, args.shards)
        if args.runs > 1 and args.shards > 1:
            problems.append("--shards runs one seed; --runs > 1 is not supported with it yet")
    if getattr(args, "partitioned", False):
        from scslab.lab.partitioned import partition_problems

        if args.shards == 1 or not shard_problems(sc, args.shards):
            problems += partition_problems(sc, args.shards)
        if args.runs > 1:
            problems.append("--partitioned runs one seed; --runs > 1 is not supported with it yet")
    if args.ray_address and args.executor == "ray":
        reason = check_ray_address(args.ray_address)
        if reason:
            problems.append(reason)
    if problems:
        raise UserError("\n".join(problems))


def sharded_main(args: argparse.Namespace, sc: Any) -> int:
    """``scslab run --shards K``: the shards run in their workers, the parent merges and writes."""
    import time

    from scslab.engine.sim import timed
    from scslab.lab.shards import ShardError, run_sharded

    out = args.out if args.out is not None else default_out(sc.name)
    check_out(out, "output folder")
    est, _ = resource_limits(args, sc)  # what one shard's worker needs (each runs the whole loop: docs/scaling.md)
    t0 = time.perf_counter()
    workers = args.workers if args.workers > 1 else args.shards
    if args.executor == "local":
        # every local worker holds a whole run today: no more at once than cores and memory
        # allow (the shards queue; which worker runs a shard never changes its results)
        workers = local_shard_workers(workers, est.memory_bytes)
    try:
        if getattr(args, "partitioned", False):  # each worker holds its shard's regions only
            from scslab.lab.partitioned import run_partitioned

            results = run_partitioned(
                sc, args.shards, executor=args.executor, workers=workers, address=args.ray_address
            )
        else:
            results = run_sharded(sc, args.shards, executor=args.executor, workers=workers, address=args.ray_address)
    except ShardError as e:  # a shard died or its part did not fit: a failed run, not a bug
        err(f"error: the sharded run failed and nothing was written: {e}")
        return 1
    wall_s = time.perf_counter() - t0
    phases: dict[str, dict[str, float]] = {}
    payload, report = write_outputs(results, out, wall_s, args, timed=partial(timed, phases))
    return print_outcome(args, payload, report, out, [], phases)


def local_shard_workers(workers: int, bytes_per_worker: float) -> int:
    """How many shard workers this machine runs at once: at most ``workers``, its cores, and
    as many whole runs as fit in 80 % of the memory available (at least one)."""
    import os

    from scslab.scenario.budget import available_memory

    fit = int(0.8 * available_memory() // max(bytes_per_worker, 1.0))
    return max(1, min(workers, os.cpu_count() or 1, fit))


def default_out(name: str) -> Path:
    """``out/<name>`` with the scenario's name made a safe folder name (a name is a label, not a path)."""
    return Path("out") / safe_folder_name(name)


def write_outputs(
    results: Any, out: Path, wall_s: float, args: argparse.Namespace, timed: Any = None
) -> tuple[dict, Path | None]:
    from scslab.store.duck import export_parquet, write_run

    timed = timed if timed is not None else _untimed

    out.mkdir(parents=True, exist_ok=True)
    # the database is the source of truth: the files that describe the previous run go before
    # this one commits, so a kill between the commit and the new files never leaves them
    # describing the wrong run; each file is then written whole or not at all
    for stale in ("summary.json", "report.html"):
        (out / stale).unlink(missing_ok=True)
    with timed("write: DuckDB"):
        run_id = write_run(results, out, wall_s=wall_s)
    # every run keeps its own report and summary under runs/<run_id>/ (a second run into the
    # same folder no longer replaces the first one's); the latest is also at the top
    own = run_folder(out, run_id)
    own.mkdir(parents=True, exist_ok=True)
    report = None
    if not args.no_report:
        from scslab.report.html import write_report

        with timed("write: report.html"):
            write_report(results, own / "report.html", wall_s=wall_s)
            report = out / "report.html"
            atomic_write_text(report, (own / "report.html").read_text(encoding="utf-8"))
    payload = result_payload(results, out, run_id)
    text = dumps(payload, indent=2) + "\n"
    atomic_write_text(own / "summary.json", text)
    atomic_write_text(out / "summary.json", text)
    if args.parquet:
        with timed("write: Parquet"):
            export_parquet(out, run_id)
    return payload, report


@contextlib.contextmanager
def _untimed(phase: str) -> Any:
    yield


def profile_table(rows: list[dict[str, Any]]) -> str:
    """``Sim.profile()`` as a plain-text table (``scslab run --profile``)."""
    total_w = sum(r["wall_s"] for r in rows if not r["phase"].startswith(" "))
    total_c = sum(r["cpu_s"] for r in rows if not r["phase"].startswith(" "))
    lines = [f"{'phase':34s} {'wall s':>8s} {'CPU s':>8s} {'CPU %':>6s} {'peak MB':>8s}"]
    for r in rows:
        peak = f"{r['peak_rss_mb']:8,.0f}" if "peak_rss_mb" in r else ""
        share = 100 * r["cpu_s"] / total_c if total_c else 0.0
        lines.append(f"{r['phase']:34s} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} {share:6.1f} {peak}")
    lines.append(f"{'total':34s} {total_w:8.2f} {total_c:8.2f}")
    return "\n".join(lines)


def run_folder(out: Path, run_id: str) -> Path:
    """Where run ``run_id``'s own report and summary live: ``OUT/runs/<run_id>/``."""
    return out / "runs" / run_id


def result_payload(results: Any, out: Path | str, run_id: str) -> dict[str, Any]:
    """What ``--json`` prints and ``summary.json`` holds: the summary, the indicators, where
    the run is stored (``docs/reference/results.md`` documents every key)."""
    payload = dict(results.summary)
    payload.update(indicators=results.indicators, out=str(out), run_id=run_id)
    return payload


def human_summary(s: dict, report: Path | None) -> str:
    lines = [
        f"scenario {s.get('scenario')} (seed {s.get('seed')}): {num(s.get('persons'))} persons, "
        f"{num(s.get('days'))} days in {num(s.get('wall_s'), '.1f')} s "
        f"({num(s.get('agent_days_per_s'), ',.0f')} agent-days/s, peak {num(s.get('peak_rss_mb'), ',.0f')} MB)",
        f"  the persons stand for {num(s.get('people_represented'), ',.0f')} people "
        f"({num(s.get('scale'), ',.4g')} each); the counts below are of agents",
        f"  records          {num(s.get('records'))} ({num(s.get('records_false'))} false)",
        f"  compliance rate  {num(s.get('compliance_rate'), '.3f')}",
        f"  listed now       {num(s.get('listed_now'))} (ever {num(s.get('ever_listed'))}, "
        f"wrongful {num(s.get('wrongful_listings'))})",
        f"  sanctions        {num(s.get('sanctions_applied'))}",
    ]
    if s.get("score_mean") is not None:
        lines.append(f"  mean score       {num(s.get('score_mean'), ',.1f')}")
    shares = s.get("grade_shares")
    if isinstance(shares, dict) and shares:
        lines.append("  grades           " + "  ".join(f"{k} {num(v, '.1%')}" for k, v in shares.items()))
    lines.append(f"run {s.get('run_id')} stored in {Path(s['out']) / 'results.duckdb'}")
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)
