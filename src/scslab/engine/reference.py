"""The published day loop as a documentation page, taken from the engine so it cannot drift.

Why: the loop table is the promise a reader builds on ("lists run before measures"), so the
page shows the table the engine itself publishes (the docstring of :mod:`scslab.engine.sim`)
rather than a copy. ``make reference`` writes it to ``docs/reference/loop.md``; a test fails
when the committed page differs.
"""

from __future__ import annotations

import re

from . import sim

__all__ = ["loop_reference", "loop_rows"]

_ROLE = re.compile(r":\w+:`\.?([^`]+)`")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_lines() -> list[str]:
    lines = [line for line in (sim.__doc__ or "").splitlines() if line.strip().startswith("|")]
    if len(lines) < 3:
        raise ValueError("scslab.engine.sim publishes no loop table in its docstring")
    return lines


def loop_rows() -> list[list[str]]:
    """The rows of the loop table in the engine's docstring (step, module, what it does).

    A row whose step cell is empty continues the row above it (a long description wrapped
    in the docstring), so it is joined to that row.
    """
    rows: list[list[str]] = []
    for line in _table_lines()[2:]:  # skip the header and the rule
        cells = _cells(line)
        if rows and not cells[0]:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return rows


def _markdown(text: str) -> str:
    """reST roles and double backticks of a docstring as Markdown code."""
    text = _ROLE.sub(lambda m: f"`scslab.engine.{m.group(1)}`", text)
    return text.replace("``", "`")


def _notes() -> list[str]:
    """The docstring's paragraphs after the table (how optional processes join)."""
    paragraphs = (sim.__doc__ or "").strip().split("\n\n")[1:]
    return [_markdown(" ".join(p.split())) for p in paragraphs if not p.lstrip().startswith("|")]


def loop_reference() -> str:
    """The Markdown of ``docs/reference/loop.md``."""
    header = _cells(_table_lines()[0])
    out = [
        "<!-- generated from scslab.engine.sim by scslab.engine.reference: run `make reference`, do not edit -->",
        "",
        "# The day loop",
        "",
        "Each simulated day runs these steps in this order, for every subject at once. The",
        "table is the one the engine publishes (`scslab.engine.sim`); [the design](../design.md)",
        "says why the engine is shaped this way, and [the society model](../model.md) gives the",
        "equations of the decisions and of the feedback.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_markdown(c) for c in row) + " |" for row in loop_rows()),
        "",
    ]
    for note in _notes():
        out += [note, ""]
    return "\n".join(out)
