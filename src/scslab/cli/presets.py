"""``scslab presets``: the shipped presets with their one-line descriptions."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "presets"


def register(sub: Any) -> None:
    sub.add_parser(NAME, help="list the shipped presets")


def main(args: argparse.Namespace) -> int:
    from scslab.scenario.loader import preset_description, preset_names

    names = preset_names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}}  {preset_description(name)}")
    return 0
