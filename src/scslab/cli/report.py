"""``scslab report``: rebuild a run's report from the results database alone.

The database is the source of truth (``scslab.store.load_results`` reads a stored run back
with the engine's codes and dtypes), so a report lost, overwritten or never written
(``--no-report``) can be written again, for any stored run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UserError, require_db

NAME = "report"


def register(sub: Any) -> None:
    r = sub.add_parser(NAME, help="rebuild a run's report.html from the results database")
    r.add_argument("out", type=Path, metavar="OUT_DIR")
    r.add_argument("--run", dest="run_id", metavar="RUN_ID", help="run id (default: the latest)")
    r.add_argument("--to", type=Path, metavar="FILE", help="output file (default: OUT_DIR/runs/<run_id>/report.html)")


def main(args: argparse.Namespace) -> int:
    from scslab.report.html import write_report
    from scslab.store.duck import connect, latest_run_id
    from scslab.store.load import load_results

    from .run import run_folder

    require_db(args.out)
    run_id = args.run_id
    if run_id is None:
        con = connect(args.out)
        try:
            run_id = latest_run_id(con)
        except KeyError as e:
            raise UserError(f"{args.out}: {e.args[0]}") from None
        finally:
            con.close()
    try:
        res = load_results(args.out, run_id)
    except KeyError as e:
        raise UserError(e.args[0] if e.args else str(e)) from None
    target = args.to if args.to is not None else run_folder(args.out, run_id) / "report.html"
    print(write_report(res, target, wall_s=res.figures.get("wall_s")))
    return 0
