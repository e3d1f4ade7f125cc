"""``scslab compare``: baseline vs reform on paired seeds, with intervals and winners and losers.

Both arms are loaded and validated before anything runs; the output folder is written only
as runs finish (each in one transaction), so a bad scenario or override leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from .common import UserError, dumps, int_arg, num, positive_float, positive_int
from .labopts import add_executor_options, executor_kwargs, print_failures, progress_bar

NAME = "compare"


def register(sub: Any) -> None:
    c = sub.add_parser(
        NAME,
        help="compare a reform with a baseline under common random numbers",
        description="Run i of both arms uses seed S+i, so every difference is paired.",
    )
    c.add_argument("baseline", metavar="BASELINE", help="preset name or TOML file")
    c.add_argument("reform", metavar="REFORM", nargs="?", help="preset or TOML file (default: BASELINE)")
    c.add_argument(
        "--reform-set",
        dest="reform_set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="a field the reform changes, e.g. policy.detection_scale=2 (repeatable)",
    )
    c.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="change both arms"
    )
    c.add_argument("--runs", type=positive_int, default=10, help="paired runs per arm (default 10)")
    c.add_argument("--n", type=positive_int, help="persons simulated (agents)")
    span = c.add_mutually_exclusive_group()
    span.add_argument("--years", type=positive_float, help="simulated years")
    span.add_argument("--days", type=positive_int, help="simulated days")
    c.add_argument("--seed", type=int_arg, default=1, help="seed of run 0; run i uses seed+i (default 1)")
    add_executor_options(c)
    c.add_argument("--out", type=Path, help="output folder (default: out/compare-<baseline>)")
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.add_argument(
        "--metric",
        dest="metrics",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="figures to compare (summary/indicator paths, or series.NAME.sum|mean|last|max)",
    )
    c.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from scslab.lab.compare import compare

    if args.reform is None and not args.reform_set:
        raise UserError("give REFORM or at least one --reform-set PATH=VALUE (a compare needs two arms)")
    out = args.out if args.out is not None else Path("out") / f"compare-{Path(str(args.baseline)).stem}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    bar = progress_bar(2 * args.runs, "compare", args.quiet or args.json)
    guard = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    try:
        with guard:
            res = compare(
                args.baseline,
                args.reform,
                reform_set=args.reform_set,
                overrides=args.overrides,
                runs=args.runs,
                n=args.n,
                years=args.years,
                days=args.days,
                seed=args.seed,
                out=out,
                metrics=args.metrics,
                progress=bar,
                **executor_kwargs(args),
            )
    finally:
        if bar is not None:
            bar.close()
    print_failures(res.failures)
    if args.json:
        print(dumps(res.to_dict()))
    else:
        print(human(res))
    return 1 if res.failures else 0


def human(res: Any) -> str:
    lines = [
        f"{res.baseline_name} (baseline) vs {res.reform_name} (reform)"
        + (f" with {' '.join(res.reform_set)}" if res.reform_set else ""),
        f"{res.runs} paired runs, seeds {res.seeds[0] if res.seeds else '-'}..{res.seeds[-1] if res.seeds else '-'}",
        "",
        f"{'metric':<24} {'baseline':>12} {'reform':>12} {'diff':>12}  {'95% CI (paired)':<27} {'CI width':>10} "
        f"{'indep. seeds':>12}",
    ]
    for name, m in res.metrics.items():
        ci = f"[{num(m['ci_low'], ',.4g')}, {num(m['ci_high'], ',.4g')}]"
        lines.append(
            f"{name:<24} {num(_f(m['baseline']), ',.4g'):>12} {num(_f(m['reform']), ',.4g'):>12} "
            f"{num(_f(m['diff']), '+,.4g'):>12}  {ci:<27} {num(_f(m['ci_width']), ',.3g'):>10} "
            f"{num(_f(m['ci_width_independent']), ',.3g'):>12}"
        )
    wl = res.winners_losers
    if wl is not None and len(wl):
        lines += ["", "better / worse off (share of persons, pooled over runs), by start-of-run income quintile:"]
        for outcome in ("days_listed", "sanctions", "income", "score"):
            sl = wl[(wl["outcome"] == outcome) & (wl["breakdown"].isin(["all", "income_quintile"]))]
            if sl.empty or sl["better_off"].isna().all():
                continue
            cells = "  ".join(f"{r.category} +{r.better_off:.1%}/-{r.worse_off:.1%}" for r in sl.itertuples())
            lines.append(f"  {outcome:<12} {cells}")
    if res.out is not None:
        lines += ["", f"every run stored in {res.out / 'results.duckdb'} (experiment {res.experiment_id})"]
        lines.append(f"winners and losers by group, sex, region and hukou: {res.out / 'winners_losers.csv'}")
    return "\n".join(lines)


def _f(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and v != v) else v
