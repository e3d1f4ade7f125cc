"""Options every lab command shares (runs, workers, executor, Ray address) and their printing."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import err, positive_int

__all__ = ["add_executor_options", "executor_kwargs", "print_failures", "progress_bar"]


def add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=positive_int, default=1, help="parallel worker processes (default 1)")
    p.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="local: a pool of spawned processes; ray: Ray tasks (local Ray, or a cluster with --ray-address)",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="join a running Ray cluster (host:port or 'auto'); RAY_ADDRESS is used when unset",
    )


def executor_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    from .common import UserError

    if args.ray_address and args.executor != "ray":
        raise UserError("--ray-address needs --executor ray")
    return {"workers": args.workers, "executor": args.executor, "ray_address": args.ray_address}


def progress_bar(total: int, desc: str, quiet: bool) -> Any:
    """A progress callback drawing done/running/failed on stderr (None when quiet or not a TTY)."""
    if quiet or not sys.stderr.isatty():
        return None
    from scslab.lab.executor import ProgressBar

    return ProgressBar(total, desc)


def print_failures(failures: list[Any]) -> None:
    if failures:
        err(f"{len(failures)} run(s) failed; the others are stored:")
        for f in failures:
            err(f"  {f}")
