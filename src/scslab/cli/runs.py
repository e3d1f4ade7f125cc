"""``scslab runs``: the runs stored in a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import dumps, require_db

NAME = "runs"
COLUMNS = (
    "run_id",
    "name",
    "seed",
    "persons",
    "days",
    "created_at",
    "wall_s",
    "records",
    "ever_listed",
    "compliance_rate",
)


def register(sub: Any) -> None:
    s = sub.add_parser(NAME, help="list the runs stored in an output folder")
    s.add_argument("out", type=Path, metavar="OUT_DIR")
    s.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    from scslab.store.duck import list_runs

    require_db(args.out)
    df = list_runs(args.out)
    if args.json:
        print(dumps(df.to_dict(orient="records"), indent=2))
        return 0
    if df.empty:
        print(f"no runs in {args.out}")
        return 0
    cols = [c for c in COLUMNS if c in df.columns]
    print(df[cols].to_string(index=False))
    return 0
