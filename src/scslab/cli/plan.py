"""``scslab run SCENARIO --shards K --plan``: what a sharded run needs, without simulating.

The plan splits the population into ``--shards`` shards, estimates each shard's memory and
time from the estimator's measured constants (``scslab.scenario.budget``: bytes per person,
subject-days per second of one core) and says how many machines of ``--machine-memory`` and
``--machine-cores`` the run needs to run every shard at once. A plan whose shards do not fit
such a machine is refused with exit 2 and the reason; nothing is simulated or written.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .common import UserError, dumps, positive_int

__all__ = ["add_plan_options", "format_plan", "main"]


def add_plan_options(parser: Any) -> None:
    g = parser.add_argument_group("planning a sharded run (--plan: nothing is simulated)")
    g.add_argument(
        "--plan",
        action="store_true",
        help="print the memory and time each shard needs and the machines the run needs, then stop",
    )
    g.add_argument(
        "--machine-memory",
        metavar="SIZE",
        help="memory of one machine for --plan, e.g. 24GiB (default: this machine's)",
    )
    g.add_argument(
        "--machine-cores",
        type=positive_int,
        metavar="N",
        help="cores of one machine for --plan; one shard runs per core (default: this machine's)",
    )
    g.add_argument(
        "--machines",
        type=positive_int,
        metavar="M",
        help="machines available for --plan: shards beyond what they hold at once run in waves",
    )


def main(args: argparse.Namespace, sc: Any) -> int:
    from scslab.scenario.budget import parse_bytes, plan, total_memory

    if args.machine_memory is not None:
        try:
            memory = parse_bytes(args.machine_memory)
        except ValueError as e:
            raise UserError(f"--machine-memory: {e}") from None
    else:
        memory = total_memory()
    cores = args.machine_cores if args.machine_cores is not None else (os.cpu_count() or 1)
    from scslab.lab.shards import shard_problems

    shards = getattr(args, "shards", None) or 1
    refused = shard_problems(sc, shards)  # the split --shards itself refuses (more shards than regions)
    if refused:
        raise UserError("\n".join(refused))
    p = plan(sc, shards, memory, cores, args.machines)
    if p.problems:
        raise UserError("the plan does not fit: " + "\n".join(p.problems))
    if args.json:
        print(dumps({"scenario": sc.name, **p.as_dict()}))
    else:
        print(format_plan(sc.name, p))
    return 0


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:,.0f} s"
    if s < 2 * 3600:
        return f"{s / 60:,.0f} min"
    return f"{s / 3600:,.1f} h"


def format_plan(name: str, p: Any) -> str:
    from scslab.scenario.budget import AGENT_DAYS_PER_CORE_S, MEASURED, format_bytes

    d = p.as_dict()
    big = p.largest
    lines = [
        f"plan for {name}: {d['persons']:,} persons ({d['subjects']:,} subjects) x {d['days']:,} days "
        f"in {len(p.shards)} shard{'s' if len(p.shards) > 1 else ''} (nothing simulated)",
        f"{'shard':>5s} {'persons':>14s} {'subjects':>14s} {'records':>12s} {'memory':>10s} {'time, 1 core':>13s}",
    ]
    rows = d["shards"]
    shown = rows if len(rows) <= 12 else [*rows[:5], None, *rows[-3:]]
    for r in shown:
        if r is None:
            lines.append(f"{'...':>5s}")
            continue
        lines.append(
            f"{r['shard']:5d} {r['persons']:14,d} {r['subjects']:14,d} {r['records']:12,d} "
            f"{format_bytes(r['memory_bytes']):>10s} {_duration(r['seconds_one_core']):>13s}"
        )
    lines += [
        f"largest shard: {big.persons:,} persons, {format_bytes(big.memory_bytes)}",
        f"machine: {format_bytes(p.machine_memory)}, {p.machine_cores} cores -> {p.per_machine} shard"
        f"{'s' if p.per_machine > 1 else ''} at once per machine (one per core, memory allowing)",
        f"machines needed to run every shard at once: {p.machines}",
    ]
    if p.machines_given is not None:
        lines.append(f"on the {p.machines_given} machines given: {p.waves} wave{'s' if p.waves > 1 else ''}")
    lines += [
        f"wall time: ~{_duration(p.wall_seconds)} ({p.waves} wave{'s' if p.waves > 1 else ''} of the slowest shard), "
        f"{d['core_hours']:,.1f} core-hours in all; merging the shards' results is not included",
        f"from the estimator's constants ({AGENT_DAYS_PER_CORE_S / 1e6:,.0f} M subject-days per core-second; "
        f"measured {MEASURED}); docs/scaling.md",
        "for shards that hold their own subjects only: the first sharded version replicates the whole run "
        "in every shard (docs/scaling.md)",
    ]
    return "\n".join(lines)
