"""Throughput and memory benchmark: the rongcheng preset at scale.

Usage: python benchmarks/bench_rongcheng.py [--n 1000000] [--days 365] [--preset rongcheng]
Prints one JSON line: set-up time, run time (wall and CPU: on a shared machine the CPU
time is the steadier figure), agent-days per second, peak RSS and the bytes per subject
held by the engine's state. Results are recorded in docs/performance.md.
Run it in a fresh process: peak RSS is per process.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="rongcheng")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--profile", action="store_true", help="also print the per-phase, per-module table on stderr")
    args = ap.parse_args()

    from scslab.engine.sim import Sim
    from scslab.metrics.summary import peak_rss_mb

    # compile the numba kernels on a tiny run first, so the timing is of the model, not the JIT
    Sim(args.preset, n=200, days=10, seed=args.seed, overrides=args.overrides).run()
    t0 = time.perf_counter()
    sim = Sim(args.preset, n=args.n, days=args.days, seed=args.seed, overrides=args.overrides).init()
    t_init = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), time.process_time()
    with sim.timed("day loop"):
        for day in range(args.days):
            sim.step(day)
    t_run, c_run = time.perf_counter() - t1, time.process_time() - c1
    res = sim.finish()
    total = time.perf_counter() - t0
    if args.profile:
        from scslab.cli.run import profile_table

        print(profile_table(sim.profile()), file=sys.stderr)
    print(
        json.dumps(
            {
                "preset": args.preset,
                "persons": args.n,
                "subjects": int(sim.state.S),
                "days": args.days,
                "overrides": args.overrides,
                "init_s": round(t_init, 2),
                "run_s": round(t_run, 2),
                "run_cpu_s": round(c_run, 2),
                "total_s": round(total, 2),
                "agent_days_per_s": round(args.n * args.days / t_run),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "state_bytes_per_subject": round(sim.state.nbytes() / sim.state.S, 1),
                "records": int(len(res.records["subject"])),
                "cpu": platform.processor() or platform.machine(),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
