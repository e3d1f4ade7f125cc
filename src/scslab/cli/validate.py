"""``scslab validate``: every problem of a scenario file at once, without simulating."""

from __future__ import annotations

import argparse
from typing import Any

from .checks import init_checked, preflight

NAME = "validate"


def register(sub: Any) -> None:
    v = sub.add_parser(NAME, help="check a scenario file or preset")
    v.add_argument("scenario", metavar="FILE_OR_PRESET")


def main(args: argparse.Namespace) -> int:
    from scslab.engine.sim import Sim

    sc = preflight(args.scenario)  # every problem run would find before simulating, at once
    # and, as a last net, the engine's own set-up on a tiny population
    init_checked(Sim(sc, n=min(sc.population.n, 200), days=1), args.scenario, ())
    print(f"ok: {sc.name}")
    return 0
