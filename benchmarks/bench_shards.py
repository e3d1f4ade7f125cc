"""What a sharded run costs today: ``scslab run --shards K`` against the unsharded run.

The first version of sharded runs replicates the simulation in every shard
(``docs/scaling.md``), so it is expected to cost K times the CPU and memory for the same
result; this measures by how much, and checks on the way that every shard count gives the
unsharded run's figures. For each K it runs the command in a subprocess and records the
command's wall time, the children's CPU time and the run's ``peak_rss_mb`` (for K > 1 the
sum over the shard workers), then prints one JSON object.

``.venv/bin/python benchmarks/bench_shards.py --n 100000 --days 90 --shards 1 2``;
timings are only meaningful on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN_DEPENDENT = {"wall_s", "peak_rss_mb", "agent_days_per_s", "out"}


def one(preset: str, n: int, days: int, shards: int, out: Path) -> dict:
    cmd = [sys.executable, "-m", "scslab", "run", preset, "--n", str(n), "--days", str(days)]
    cmd += ["--shards", str(shards), "--json", "--no-report", "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    payload = json.loads(p.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "shards": shards,
        "command_wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "run_wall_s": payload["wall_s"],
        "peak_rss_mb": payload["peak_rss_mb"],
        "figures": {k: v for k, v in payload.items() if k not in RUN_DEPENDENT},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="rongcheng")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in a.shards:
            rows.append(one(a.preset, a.n, a.days, k, Path(tmp) / f"k{k}"))
    same = all(r["figures"] == rows[0]["figures"] for r in rows)
    for r in rows:
        r.pop("figures")
    print(json.dumps({"preset": a.preset, "n": a.n, "days": a.days, "same_figures": same, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
