"""scslab vs Mesa on SCS-core: same model, same machine, one run each; timings and dynamics.

Usage: python benchmarks/compare_mesa.py [--n 10000] [--days 365] [--seed 1] [--spread 7]
Needs ``mesa>=3`` (the ``bench`` extra). Prints one JSON object: set-up and run time (wall
and process CPU) of each model, agent-days per second, the speed-up, and the aggregate
dynamics side by side with relative differences (Mesa - scslab) / scslab. The two models
use different random streams, so they agree in distribution only: ``--spread`` reruns
scslab with that many other seeds to show how far the figures move on seed alone, and
reruns it on those seeds with income drawn as the Mesa model draws it (a plain lognormal),
which isolates the one modelling difference that moves the figures.
Results are recorded in docs/performance.md ("scslab vs Mesa (SCS-core)").
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TOML = HERE / "scs_core.toml"


def run_scslab(n: int, days: int, seed: int, plain_income: bool = False) -> tuple[dict, dict]:
    """Time scslab's day loop; also read per-behaviour opportunities and blocks each day.

    ``plain_income`` redraws income and savings the way the Mesa model does (a plain
    lognormal, no education or age multipliers) -- for the dynamics check only: it isolates
    how much of the difference between the two models is the income distribution.
    """
    from scslab.engine.sim import Sim

    t0, c0 = time.perf_counter(), time.process_time()
    sim = Sim(TOML, n=n, days=days, seed=seed).init()
    if plain_income:
        pop, st = sim.scenario.population, sim.state
        g = np.random.default_rng(10_000 + seed)
        inc = (pop.income_median_per_year * g.lognormal(0.0, pop.income_sigma, st.n)).astype(np.float32)
        months = g.gamma(0.7, pop.savings_months_mean / 0.7, st.n)
        st.base_income[:], st.income[:], st.savings[:] = inc, inc, (inc / 12 * months).astype(np.float32)
    t_init, c_init = time.perf_counter() - t0, time.process_time() - c0
    B = len(sim.scenario.behaviours)
    opp = np.zeros((days, B))
    blocks = np.zeros(days)
    t1, c1 = time.perf_counter(), time.process_time()
    for day in range(days):
        sim.step(day)
        opp[day] = sim.behaviour.opportunities
        blocks[day] = sim.measures.blocked_total.sum()
    t_run, c_run = time.perf_counter() - t1, time.process_time() - c1
    res = sim.finish()
    s = res.series
    out = {"opportunities": opp.sum(axis=0), "blocks": float(blocks[-1])}
    for b, spec in enumerate(sim.scenario.behaviours):
        key = f"violations_{spec.name}" if spec.kind != "good_deed" else f"good_deeds_{spec.name}"
        out[spec.name] = float(s[key].sum() / max(out["opportunities"][b], 1))
    out.update(_ends(s, [b.name for b in sim.scenario.scoring.bands]))
    out["false_matches"] = float(s["false_matches"].sum())
    out["records"] = float(s["records"].sum())
    out["involuntary_defaults"] = float(s["involuntary_defaults"].sum())
    timing = {"init_s": t_init, "init_cpu_s": c_init, "run_s": t_run, "run_cpu_s": c_run}
    return timing, out


def _ends(s, bands: list[str]) -> dict:
    out = {
        "score_mean_end": float(s["score_mean"][-1]),
        "listed_end": float(s["listed_total"][-1]),
        "wrongful_listed_end": float(s["wrongful_listed"][-1]),
        "norm_mean_end": float(s["norm_mean"][-1]),
    }
    for name in bands:
        out[f"grade_share_{name}_end"] = float(s[f"grade_share_{name}"][-1])
    return out


def run_mesa(n: int, days: int, seed: int) -> tuple[dict, dict]:
    sys.path.insert(0, str(HERE))
    from scs_core_mesa import ScsCore

    t0, c0 = time.perf_counter(), time.process_time()
    model = ScsCore(n=n, seed=seed)
    t_init, c_init = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    df = model.run(days)
    t_run, c_run = time.perf_counter() - t1, time.process_time() - c1
    out = {"blocks": float(df["blocks"].sum())}
    for spec in model.behs:
        key = f"violations_{spec['name']}" if spec["kind"] != "good_deed" else f"good_deeds_{spec['name']}"
        out[spec["name"]] = float(df[key].sum() / max(df[f"opportunities_{spec['name']}"].sum(), 1))
    s = {k: df[k].to_numpy(float) for k in df.columns}
    out.update(_ends(s, [name for name, _ in model.bands]))
    out["false_matches"] = float(df["false_matches"].sum())
    out["records"] = float(df["records"].sum())
    out["involuntary_defaults"] = float(df["involuntary"].sum())
    timing = {"init_s": t_init, "init_cpu_s": c_init, "run_s": t_run, "run_cpu_s": c_run}
    return timing, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spread", type=int, default=7, help="extra scslab seeds for the seed-to-seed spread")
    args = ap.parse_args()

    import mesa

    from scslab.engine.sim import Sim

    Sim(TOML, n=200, days=10, seed=args.seed).run()  # compile the numba kernels first
    t_s, d_s = run_scslab(args.n, args.days, args.seed)
    t_m, d_m = run_mesa(args.n, args.days, args.seed)
    seeds = range(args.seed + 1, args.seed + args.spread + 1)
    spread = [run_scslab(args.n, args.days, k)[1] for k in seeds]
    plain = [run_scslab(args.n, args.days, k, plain_income=True)[1] for k in [args.seed, *seeds]]
    agent_days = args.n * args.days
    dyn = {}
    for k, v in d_s.items():
        if k == "opportunities":
            continue
        others = [x[k] for x in spread]
        dyn[k] = {
            "scslab": round(v, 4),
            "mesa": round(d_m[k], 4),
            "rel_diff": round((d_m[k] - v) / v, 3) if v else None,
            "scslab_seed_range": [round(min(others + [v]), 4), round(max(others + [v]), 4)],
            "scslab_plain_income_range": [round(min(x[k] for x in plain), 4), round(max(x[k] for x in plain), 4)],
        }
    print(
        json.dumps(
            {
                "model": "SCS-core",
                "persons": args.n,
                "days": args.days,
                "seed": args.seed,
                "scslab": {k: round(x, 2) for k, x in t_s.items()}
                | {"agent_days_per_s": round(agent_days / t_s["run_s"])},
                "mesa": {k: round(x, 2) for k, x in t_m.items()}
                | {"agent_days_per_s": round(agent_days / t_m["run_s"]), "version": mesa.__version__},
                "speedup_run_wall": round(t_m["run_s"] / t_s["run_s"], 1),
                "speedup_run_cpu": round(t_m["run_cpu_s"] / t_s["run_cpu_s"], 1),
                "speedup_total_wall": round((t_m["init_s"] + t_m["run_s"]) / (t_s["init_s"] + t_s["run_s"]), 1),
                "dynamics": dyn,
                "cpu": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "numpy": np.__version__,
            },
            indent=1,
        )
        .replace(",\n    ", ", ")
        .replace("[\n    ", "[")
        .replace("\n   ]", "]")
    )


if __name__ == "__main__":
    main()
