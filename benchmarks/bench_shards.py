"""What a sharded run costs today: ``scslab run --shards K`` against the unsharded run.

The first version of sharded runs replicates the simulation in every shard
(``docs/scaling.md``), so it is expected to cost K times the CPU and memory for the same
result; this measures by how much, and checks on the way that every shard count gives the
unsharded run's figures. For each K it runs the command in a subprocess and records the
command's wall time, the children's CPU time and the run's ``peak_rss_mb`` (for K > 1 the
sum over the shard workers), then prints one JSON object.

``.venv/bin/python benchmarks/bench_shards.py --n 100000 --days 90 --shards 1 2``;
timings are only meaningful on a quiet machine.

``--cut`` measures instead what a partitioned engine would have to exchange: for the split
``--shards`` gives, the share of each network's ties and of each kind of link whose two ends
are in different shards, and the share of persons with at least one tie across (the boundary
whose state crosses at every social update). No simulation runs, only synthesis.

``--partitioned`` runs K > 1 with ``--partitioned`` (each worker synthesises and simulates
its shard only; pass ``--set`` overrides that make the scenario uncoupled) and compares the
integer figures with K = 1's.
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


def one(
    preset: str, n: int, days: int, shards: int, out: Path, sets: tuple[str, ...] = (), partitioned: bool = False
) -> dict:
    cmd = [sys.executable, "-m", "scslab", "run", preset, "--n", str(n), "--days", str(days)]
    cmd += ["--shards", str(shards), "--json", "--no-report", "--out", str(out)]
    cmd += [x for s in sets for x in ("--set", s)] + (["--partitioned"] if partitioned and shards > 1 else [])
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


def cut(preset: str, n: int, shards: list[int]) -> dict:
    import numpy as np

    from scslab.engine.sim import Sim
    from scslab.lab.shards import assign_shards

    sim = Sim(preset, n=n, days=1).init()
    st, pop = sim.state, sim.pop
    out: dict = {"preset": preset, "n": n, "subjects": int(st.S), "cuts": []}
    for k in shards:
        owner = assign_shards(sim, k)
        row: dict = {"shards": k}
        boundary = np.zeros(st.n, np.bool_)
        for name, net in (("household", pop.household_net), ("work", pop.work_net), ("friends", st.friend_net)):
            src = np.repeat(np.arange(net.indptr.size - 1), np.diff(net.indptr))
            dst = np.asarray(net.indices, np.int64)
            across = owner[src] != owner[dst]
            row[f"{name}_ties_across"] = round(float(across.mean()) if across.size else 0.0, 4)
            boundary[src[across]] = True
        sp = np.flatnonzero(st.spouse >= 0)
        row["spouses_across"] = round(float((owner[sp] != owner[st.spouse[sp]]).mean()) if sp.size else 0.0, 4)
        rep = np.flatnonzero(st.legal_rep >= 0)
        firms = rep + st.n
        row["legal_reps_across"] = round(
            float((owner[firms] != owner[st.legal_rep[rep]]).mean()) if rep.size else 0.0, 4
        )
        row["persons_on_boundary"] = round(float(boundary.mean()), 4)
        out["cuts"].append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="rongcheng")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--shards", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--cut", action="store_true", help="measure the ties across shards instead (no simulation)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="scenario override (repeatable)")
    ap.add_argument(
        "--partitioned",
        action="store_true",
        help="K > 1 run --partitioned (each worker its shard only); integer figures are compared",
    )
    a = ap.parse_args()
    if a.cut:
        print(json.dumps(cut(a.preset, a.n, a.shards), indent=2))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in a.shards:
            rows.append(one(a.preset, a.n, a.days, k, Path(tmp) / f"k{k}", tuple(a.set), a.partitioned))
    if a.partitioned:  # float means of the shards are combined, not bit-identical: integers only
        for r in rows:
            r["figures"] = {k: v for k, v in r["figures"].items() if isinstance(v, int)}
    same = all(r["figures"] == rows[0]["figures"] for r in rows)
    for r in rows:
        r.pop("figures")
    head = {"preset": a.preset, "n": a.n, "days": a.days, "sets": a.set, "partitioned": a.partitioned}
    print(json.dumps({**head, "same_figures": same, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
