"""``scslab run ... --runs K``: K seeds of one scenario, mean and 95 % interval per figure and series.

Not a command of its own: ``run`` hands over here when ``--runs`` is above 1. Every run is
stored whole in the output database (as a single ``run`` stores its one), with the
experiment tables saying which seed each run had; the report draws bands, not single lines.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UserError, atomic_write_text, check_out, dumps, num, safe_folder_name
from .labopts import executor_kwargs, print_failures, progress_bar

__all__ = ["main"]


def main(args: argparse.Namespace) -> int:
    from scslab.lab.ensemble import Ensemble

    if args.parquet:
        raise UserError("--parquet exports one run; with --runs query results.duckdb instead")
    ens = Ensemble(
        args.scenario,
        runs=args.runs,
        n=args.n,
        years=args.years,
        days=args.days,
        seed=args.seed if args.seed is not None else 1,
        overrides=args.overrides,
    )
    out = args.out if args.out is not None else Path("out") / safe_folder_name(str(ens.scenario.get("name")))
    check_out(out, "--out" if args.out is not None else "output folder")
    bar = progress_bar(args.runs, "runs", args.quiet or args.json)
    try:
        res = ens.run(out, progress=bar, **executor_kwargs(args))
    finally:
        if bar is not None:
            bar.close()
    print_failures(res.failures)
    report = None
    if not args.no_report and res.runs:
        from scslab.report.lab import ensemble_page

        report = ensemble_page(out / "report.html", f"{res.name}: {res.runs} runs", res.figures, res.series, res.runs)
    payload = {**res.to_dict(), "out": str(out), "experiment_id": res.experiment_id}
    atomic_write_text(out / "summary.json", dumps(payload, indent=2) + "\n")
    if args.json:
        print(dumps(payload))
    elif args.quiet:
        print(out)
    else:
        lines = [f"scenario {res.name}: {res.runs} runs, seeds {res.seeds[0]}..{res.seeds[-1]} (mean [95% interval])"]
        for r in res.figures.itertuples():
            ci = f"[{num(r.ci_low, ',.4g')}, {num(r.ci_high, ',.4g')}]"
            lines.append(f"  {r.metric:<24} {num(r.mean, ',.4g'):>12}  {ci}")
        lines.append(f"runs stored in {out / 'results.duckdb'} (experiment {res.experiment_id})")
        if report is not None:
            lines.append(f"report: {report}")
        print("\n".join(lines))
    return 1 if res.failures else 0
