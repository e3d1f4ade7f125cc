"""The day loop as a documentation page, generated from the module list so it cannot drift.

Why: the loop table is the promise a reader builds on ("lists run before measures"), and
since the module contract the list :data:`scslab.engine.sim.MODULES` *is* the loop. So the
page is written from that list (each module's ``name`` and the first line of its class
docstring, which says what it does), from :data:`~scslab.engine.sim.EXTENSIONS` with the
position each declares, and from the table of event buffers in :mod:`scslab.engine.events`.
``make reference`` writes it to ``docs/reference/loop.md``; a test fails when the committed
page differs.
"""

from __future__ import annotations

import re

from . import events
from .module import Module
from .sim import EXTENSIONS, MODULES

__all__ = ["does", "event_rows", "loop_reference", "loop_rows"]

_ROLE = re.compile(r":\w+:`[.~]?([^`]+)`")


def does(cls: type[Module]) -> str:
    """What a module does: the first line of its class docstring."""
    lines = (cls.__doc__ or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def loop_rows() -> list[tuple[int, str, str, str]]:
    """``(row, module name, what it does, class path)`` for each module of the day loop, in order."""
    return [(i, cls.name, does(cls), f"{cls.__module__}.{cls.__qualname__}") for i, cls in enumerate(MODULES)]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def event_rows() -> list[list[str]]:
    """``[buffer, producer, consumers]`` rows of the table in :mod:`scslab.engine.events`."""
    lines = [line for line in (events.__doc__ or "").splitlines() if line.strip().startswith("|")]
    return [_cells(line) for line in lines[2:]]


def _markdown(text: str) -> str:
    """reST roles and double backticks of a docstring as Markdown code."""
    return _ROLE.sub(lambda m: f"`{m.group(1)}`", text).replace("``", "`")


def _row(cells: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def loop_reference() -> str:
    """The Markdown of ``docs/reference/loop.md``."""
    out = [
        "<!-- generated from the module list by scslab.engine.reference: run `make reference`, do not edit -->",
        "",
        "# The day loop",
        "",
        "Each simulated day clears the day's event buffers, then runs every module's",
        "`step(sim, day)` in this order. The table is the module list itself",
        "(`scslab.engine.sim.MODULES`), so it is the order in which things happen;",
        "[the design](../design.md) says why the engine is shaped this way, and",
        "[the society model](../model.md) gives the equations of the decisions and of the feedback.",
        "",
        "| # | module | does | class |",
        "|---|---|---|---|",
        *(_row((str(i), name, _markdown(text), f"`{path}`")) for i, name, text, path in loop_rows()),
        "",
        "## Optional modules",
        "",
        "They join the loop when their scenario table is enabled, at the position they declare.",
        "",
        "| scenario table | module | position | does |",
        "|---|---|---|---|",
    ]
    for table, cls in EXTENSIONS.items():
        where = " ".join(cls.position) if cls.position else "end of the loop"
        out.append(_row((f"`[{table}]`", cls.name, where, _markdown(does(cls)))))
    out += [
        "",
        "A module of your own joins the same way: a subclass of `scslab.engine.module.Module`",
        "with a `position`, passed as `Sim(..., modules=[*MODULES, Mine])`, or one line in",
        "`MODULES` ([Contributing](../contributing.md) walks through an example).",
        "",
        "## What modules hand on",
        "",
        "Modules do not call one another. What a module needs from an earlier one it reads",
        "from shared state (`sim.state`) or from the day's event buffers (`sim.events`,",
        "`scslab.engine.events`), which the producer fills in its own step:",
        "",
        "| buffer | producer | consumers |",
        "|---|---|---|",
        *(_row([_markdown(c) for c in cells]) for cells in event_rows()),
        "",
    ]
    return "\n".join(out)
