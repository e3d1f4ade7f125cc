"""``scslab sensitivity``: Morris screening or Sobol indices (SALib) over a sweep file's ranges."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UserError, dumps, num
from .labopts import add_executor_options, executor_kwargs, print_failures, progress_bar

NAME = "sensitivity"


def register(sub: Any) -> None:
    s = sub.add_parser(NAME, help="global sensitivity analysis of a sweep file (SALib: morris, sobol)")
    s.add_argument("file", type=Path, metavar="SWEEP.toml")
    s.add_argument("--method", choices=("morris", "sobol"), default="morris", help="default: morris")
    s.add_argument("--out", type=Path, help="output folder (default: out/sensitivity-<file name>)")
    add_executor_options(s)
    s.add_argument("--resume", action="store_true", help="finish an interrupted analysis")
    s.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    s.add_argument("--no-report", action="store_true", help="do not write sensitivity.html")
    s.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from scslab.lab.sensitivity import sample_points, sensitivity
    from scslab.lab.sweep import plan_points
    from scslab.lab.sweepfile import load_sweep

    spec = load_sweep(args.file)
    out = args.out if args.out is not None else Path("out") / f"sensitivity-{args.file.stem}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    _, pts = sample_points(spec, args.method)
    _, planned, _ = plan_points(spec, pts, f"sensitivity-{args.method}")  # every point checked first
    bar = progress_bar(len(planned), args.method, args.quiet or args.json)
    try:
        res = sensitivity(spec, args.method, out=out, resume=args.resume, progress=bar, **executor_kwargs(args))
    finally:
        if bar is not None:
            bar.close()
    print_failures(res.failures)
    res.indices.to_csv(out / "sensitivity.csv", index=False)
    report = None
    if not args.no_report:
        from scslab.report.lab import sensitivity_page

        report = sensitivity_page(out / "sensitivity.html", f"{args.method}: {spec.name}", res.indices, args.method)
    payload = {
        "method": args.method,
        "experiment_id": res.experiment_id,
        "points": len(pts),
        "replicates": spec.replicates,
        "noise": res.noise.to_dict(orient="records"),
        "indices": res.indices.to_dict(orient="records"),
        "out": str(out),
    }
    if args.json:
        print(dumps(payload))
        return 1 if res.failures else 0
    main_idx = "mu_star" if args.method == "morris" else "ST"
    print(f"{args.method} on {spec.name}: {len(pts)} points x {spec.replicates} replicates")
    for metric in sorted(set(res.indices["metric"])):
        share = res.noise.set_index("metric")["noise_share"].get(metric)
        print(f"  {metric} (seed noise share {num(share, '.2f')}):")
        for r in res.ranked(metric).itertuples():
            print(f"    {r.parameter:<40} {main_idx} {num(r.value, ',.4g'):>10} +- {num(r.conf, ',.3g')}")
    print(f"indices in {out / 'sensitivity.csv'} and {out / 'results.duckdb'} (table sensitivity_indices)")
    if report is not None:
        print(f"report: {report}")
    return 1 if res.failures else 0
