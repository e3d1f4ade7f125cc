"""Lab throughput and what common random numbers buy.

1. Runs per hour of a sweep of ``rongcheng`` (default: 200 runs = 50 points x 4 replicates,
   20,000 persons x 1 year) on 1 and 2 local workers and on the local Ray executor. The clock
   runs from the call to the last stored run, so pool start-up, imports and Numba's kernel
   loading count (paid once per worker: that is what keeps the figure high).
2. The variance reduction of common random numbers on three headline metrics: a compare of
   rongcheng with detection doubled on K paired runs, reporting the variance of the paired
   difference against the variance the same runs give as two independent samples
   ((Welch width / paired width)^2).

``make bench-lab`` runs the full size; ``--n 2000 --runs 20`` checks it works in a minute.
Timings are only meaningful on a quiet machine (docs/performance.md says which runs were).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def sweep_spec(n: int, years: float, runs: int) -> dict:
    replicates = 4 if runs >= 8 else 1
    points = max(runs // replicates, 1)
    return {
        "base": "rongcheng",
        "n": n,
        "days": int(round(years * 365)),
        "seed": 1,
        "replicates": replicates,
        "metrics": ["compliance_rate", "records", "score_mean"],
        "parameters": [
            {"path": "policy.detection_scale", "low": 0.5, "high": 2.0, "sample": "lhs", "points": points},
            {"path": "policy.sanction_scale", "low": 0.5, "high": 3.0, "sample": "lhs", "points": points},
        ],
    }


def time_sweep(spec: dict, executor: str, workers: int) -> dict:
    from scslab.lab.sweep import Sweep

    out = Path(tempfile.mkdtemp(prefix="scslab-bench-lab-"))
    try:
        sw = Sweep(spec)
        total = len(sw.points()) * spec["replicates"]
        t0 = time.perf_counter()
        res = sw.run(out, workers=workers, executor=executor)
        wall = time.perf_counter() - t0
        return {
            "executor": executor,
            "workers": workers,
            "runs": total,
            "failed": len(res.failures),
            "wall_s": round(wall, 1),
            "runs_per_hour": round(total / wall * 3600),
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


def crn(n: int, years: float, runs: int, workers: int) -> list[dict]:
    from scslab.lab.compare import compare

    metrics = ["compliance_rate", "records", "score_mean"]
    res = compare(
        "rongcheng",
        reform_set=["policy.detection_scale=2"],
        runs=runs,
        n=n,
        years=years,
        workers=workers,
        metrics=metrics,
    )
    rows = []
    for m in metrics:
        s = res.metrics[m]
        ratio = (s["ci_width_independent"] / s["ci_width"]) ** 2 if s["ci_width"] else float("inf")
        rows.append(
            {
                "metric": m,
                "diff": s["diff"],
                "ci_paired": [s["ci_low"], s["ci_high"]],
                "ci_width_paired": s["ci_width"],
                "ci_width_independent": s["ci_width_independent"],
                "variance_reduction": ratio,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--years", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=200, help="runs per sweep")
    ap.add_argument("--crn-runs", type=int, default=10, help="paired runs per arm for the CRN figure")
    ap.add_argument("--configs", nargs="*", default=["local:1", "local:2", "ray:2"], help="executor:workers")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args()
    spec = sweep_spec(a.n, a.years, a.runs)
    out: dict = {"n": a.n, "years": a.years, "cpus": os.cpu_count(), "sweeps": [], "crn": []}
    for cfg in a.configs:
        ex, w = cfg.split(":")
        row = time_sweep(spec, ex, int(w))
        out["sweeps"].append(row)
        print(json.dumps(row), flush=True)
    if a.crn_runs > 1:
        out["crn"] = crn(a.n, a.years, a.crn_runs, 2)
        for row in out["crn"]:
            print(json.dumps(row), flush=True)
    print("\n| executor | workers | runs | wall (s) | runs per hour |\n|---|---:|---:|---:|---:|")
    for r in out["sweeps"]:
        print(f"| {r['executor']} | {r['workers']} | {r['runs']} | {r['wall_s']} | {r['runs_per_hour']:,} |")
    if out["crn"]:
        print("\n| metric | paired diff [95% CI] | width paired | width independent | variance reduction |")
        print("|---|---:|---:|---:|---:|")
        for r in out["crn"]:
            lo, hi = r["ci_paired"]
            print(
                f"| {r['metric']} | {r['diff']:.4g} [{lo:.4g}, {hi:.4g}] | {r['ci_width_paired']:.3g} | "
                f"{r['ci_width_independent']:.3g} | {r['variance_reduction']:.1f}x |"
            )
    if a.json:
        a.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
