"""``scslab validate``: every problem of a scenario file at once, without simulating."""

from __future__ import annotations

import argparse
from typing import Any

from .checks import init_checked

NAME = "validate"


def register(sub: Any) -> None:
    v = sub.add_parser(NAME, help="check a scenario file or preset")
    v.add_argument("scenario", metavar="FILE_OR_PRESET")


def main(args: argparse.Namespace) -> int:
    from scslab.engine.sim import Sim
    from scslab.scenario.loader import load_scenario

    sc = load_scenario(args.scenario)
    # rule names are only known to the engine: initialise a tiny population to check them
    init_checked(Sim(sc, n=min(sc.population.n, 200), days=1), args.scenario, ())
    print(f"ok: {sc.name}")
    return 0
