"""``scslab inspect``: one synthetic subject's credit file with its causal chains."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import UserError, dumps, require_db

NAME = "inspect"


def register(sub: Any) -> None:
    i = sub.add_parser(NAME, help="one subject's credit file with its causal chains")
    i.add_argument("out", type=Path, metavar="OUT_DIR")
    i.add_argument("subject", metavar="SUBJECT_ID")
    i.add_argument("--run", dest="run_id", metavar="RUN_ID", help="run id (default: the latest)")
    i.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    from scslab.store.inspect import credit_file, format_credit_file

    require_db(args.out)
    try:
        d = credit_file(args.out, args.subject, run_id=args.run_id)
    except KeyError as e:
        raise UserError(e.args[0] if e.args else str(e)) from None
    print(dumps(d, indent=2) if args.json else format_credit_file(d))
    return 0
