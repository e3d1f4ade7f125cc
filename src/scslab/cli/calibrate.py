"""``scslab calibrate``: fit scenario parameters to a targets file with Optuna (resumable study)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UserError, dumps, num, positive_int
from .labopts import add_executor_options, executor_kwargs, print_failures

NAME = "calibrate"


def register(sub: Any) -> None:
    c = sub.add_parser(NAME, help="fit parameters to published figures (Optuna; the study resumes when rerun)")
    c.add_argument("scenario", metavar="SCENARIO", help="preset name or TOML file")
    c.add_argument(
        "--targets",
        required=True,
        metavar="TARGETS.toml",
        help="targets file, or the name of a packaged one (court-blacklist, national-outline)",
    )
    c.add_argument("--trials", type=positive_int, default=20, help="complete trials wanted (default 20)")
    c.add_argument("--n", type=positive_int, help="agents per run (default: the targets file's n)")
    add_executor_options(c)
    c.add_argument("--out", type=Path, help="output folder (default: out/calibrate-<scenario>)")
    c.add_argument(
        "--check",
        action="store_true",
        help="no search: the scenario as it is against every target (the validation table)",
    )
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.add_argument("--quiet", action="store_true", help="no per-trial lines")


def main(args: argparse.Namespace) -> int:
    import sys

    from scslab.lab.calibrate import calibrate
    from scslab.lab.targets import load_targets

    spec = load_targets(args.targets)
    out = args.out if args.out is not None else Path("out") / f"calibrate-{Path(str(args.scenario)).stem}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    if args.check:
        from scslab.lab.calibrate import evaluate, fits_table

        fits = evaluate(args.scenario, spec, n=args.n, **executor_kwargs(args))
        if args.json:
            print(dumps({"fits": [f.__dict__ | {"rel_error": f.rel_error} for f in fits]}))
        else:
            print(fits_table(fits))
        return 0
    log = None if (args.quiet or args.json) else (lambda s: print(s, file=sys.stderr, flush=True))
    res = calibrate(args.scenario, spec, trials=args.trials, n=args.n, out=out, log=log, **executor_kwargs(args))
    print_failures(res.failures)
    if args.json:
        doc = {"best_params": res.params, "objective": res.objective, "study": res.study_name, "out": str(out)}
        doc["fits"] = res.fits_frame().to_dict(orient="records")
        print(dumps(doc))
        return 0
    print(f"best of {len(res.trials)} trials (objective {res.objective:.4g}), seeds {list(res.seeds)}:")
    for k, v in res.params.items():
        print(f"  {k} = {v:.6g}")
    print(f"{'target':<48} {'published':>14} {'model':>14}  {'95% CI':<30} {'error':>8}")
    for f in res.fits:
        tag = " (held out)" if f.holdout else ""
        ci = f"[{num(f.ci_low, ',.0f')}, {num(f.ci_high, ',.0f')}]"
        print(
            f"{(f.name + tag)[:48]:<48} {num(f.value, ',.0f'):>14} {num(f.mean, ',.0f'):>14}  {ci:<30} "
            f"{num(f.rel_error, '+.1%'):>8}"
        )
    print(f"study {res.study_name} in {out / 'optuna.journal'} (rerun the same command to add trials)")
    return 0
