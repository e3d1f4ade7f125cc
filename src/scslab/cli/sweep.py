"""``scslab sweep``: run a sweep file; results stream into DuckDB; ``--resume`` finishes a killed one.

The file and every point are checked before the first run (file, line, field path, exit 2,
nothing written). An output folder that already holds the same sweep is refused unless
``--resume`` is given, so stored runs are never thrown away by accident.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UserError, dumps
from .labopts import add_executor_options, executor_kwargs, print_failures, progress_bar

NAME = "sweep"


def register(sub: Any) -> None:
    s = sub.add_parser(NAME, help="run a parameter sweep file (grid, list, Latin hypercube, Sobol)")
    s.add_argument("file", type=Path, metavar="SWEEP.toml")
    s.add_argument("--out", type=Path, help="output folder (default: out/sweep-<file name>)")
    add_executor_options(s)
    s.add_argument("--resume", action="store_true", help="finish a sweep that was interrupted: run only missing runs")
    s.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    s.add_argument("--no-report", action="store_true", help="do not write sweep.html")
    s.add_argument("--quiet", action="store_true", help="no progress bar")


def stored_state(out: Path, experiment_id: str) -> tuple[bool, int]:
    """(experiment already stored?, runs stored as done) for an output folder."""
    from scslab.store.duck import connect, count_rows, db_path

    if not db_path(out).is_file():
        return False, 0
    con = connect(out, read_only=True)  # header, schema version, no extension autoloading
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "experiments" not in tables:
            return False, 0
        n = count_rows(con, "SELECT count(*) FROM experiments WHERE experiment_id = ?", [experiment_id])
        sql = "SELECT count(*) FROM experiment_runs WHERE experiment_id = ? AND status = 'done'"
        return bool(n), count_rows(con, sql, [experiment_id])
    finally:
        con.close()


def main(args: argparse.Namespace) -> int:
    from scslab.lab.sweep import Sweep, plan_points

    sweep = Sweep.from_file(args.file)
    out = args.out if args.out is not None else Path("out") / f"sweep-{args.file.stem}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    pts = sweep.points()
    exp_id, planned, _ = plan_points(sweep.spec, pts, "sweep")  # checks every point before anything runs
    exists, done = stored_state(out, exp_id)
    if exists and not args.resume:
        raise UserError(
            f"{out} already holds this sweep ({done} of {len(planned)} runs done): "
            "pass --resume to finish it, or choose another --out"
        )
    bar = progress_bar(len(planned) - (done if args.resume else 0), "sweep", args.quiet or args.json)
    try:
        res = sweep.run(out, resume=args.resume, progress=bar, **executor_kwargs(args))
    finally:
        if bar is not None:
            bar.close()
    print_failures(res.failures)
    summary = res.summary()
    summary.to_csv(out / "sweep.csv", index=False)
    report = None
    if not args.no_report:
        from scslab.report.lab import sweep_page

        report = sweep_page(out / "sweep.html", f"sweep {sweep.spec.name}", summary, res.parameters)
    payload = {
        "experiment_id": res.experiment_id,
        "points": len(pts),
        "replicates": sweep.spec.replicates,
        "runs": len(planned),
        "skipped": res.skipped,
        "failed": len(res.failures),
        "out": str(out),
        "summary": summary.to_dict(orient="records"),
    }
    if args.json:
        print(dumps(payload))
    else:
        print(
            f"sweep {sweep.spec.name}: {len(pts)} points x {sweep.spec.replicates} replicates = {len(planned)} runs "
            f"({res.skipped} already stored, {len(res.failures)} failed)"
        )
        print(f"results in {out / 'results.duckdb'} (experiment {res.experiment_id}); summary {out / 'sweep.csv'}")
        if report is not None:
            print(f"report: {report}")
    return 1 if res.failures else 0
