"""Formatting of numbers and nested figures (dicts of dicts) into small HTML-ready tables.

Why its own module: the summary, the indicators and the cost section all hold nested
figures of varying shape; one generic helper turns any of them into rows and columns.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["is_scalar", "nested_table", "nested_tables"]


def _fmt(v: Any) -> str:
    """Readable cell text: 4 significant digits for floats, compact JSON for containers."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool) or v is None:
        return "—" if v is None else ("yes" if v else "no")
    if isinstance(v, float):
        if not np.isfinite(v):
            return str(v)
        if abs(v) >= 1e3:
            return f"{v:,.0f}" if abs(v) >= 1e4 or v == int(v) else f"{v:,.1f}"
        return f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return ", ".join(v)
    if isinstance(v, dict) and all(is_scalar(x) for x in v.values()):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items())
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, sort_keys=True, default=str, separators=(", ", ": "))
    return str(v)


def is_scalar(v: Any) -> bool:
    """A value that fits one table cell (number, text, flag or missing)."""
    return v is None or isinstance(v, (bool, int, float, str, np.generic))


def _plain(v: Any) -> Any:
    """NumPy arrays and scalars as Python lists and numbers (what the table helpers walk)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple):
        return list(v)
    return v


Cell = dict[str, str]


def _cell(v: Any, fmt: Callable[[Any], str], highlight: Callable[[float], str] | None, label: str = "") -> Cell:
    v = _plain(v)
    num = isinstance(v, (int, float)) and not isinstance(v, bool)
    cls = "num" if num or v is None else ""
    if highlight is not None and num and math.isfinite(v):
        cls = (cls + " " + highlight(float(v))).strip()
    return {"label": label, "text": fmt(v) if is_scalar(v) else _fmt(v), "cls": cls}


def nested_table(
    value: Any,
    *,
    fmt: Callable[[Any], str] = _fmt,
    highlight: Callable[[float], str] | None = None,
    corner: str = "",
    row_labels: list[str] | None = None,
    value_header: str = "value",
) -> dict[str, Any] | None:
    """Any dict or list of numbers, up to two levels deep, as a table; ``None`` for a scalar.

    Shapes: a list or dict of scalars gives one row per item (label, value); a dict of
    dicts gives one row per outer key with the inner keys as columns when every row has
    the same keys, else as positional columns whose cells carry their own label (levels
    differ by attribute, e.g. male/female vs rural/urban); a list of dicts gives one row
    per item. Anything deeper is written compactly inside its cell. ``highlight`` maps a
    number to a CSS class; ``row_labels`` renames the rows of a list.

    Returns ``{"columns": [...], "rows": [(label, [cell, ...]), ...]}`` with cells
    ``{"label", "text", "cls"}``.
    """
    v = _plain(value)
    if is_scalar(v) or not v:
        return None
    if isinstance(v, list) and all(isinstance(x, dict) for x in v):
        v = {str(i + 1): x for i, x in enumerate(v)}
    if isinstance(v, list):
        labels = list(row_labels or []) + [str(i + 1) for i in range(len(row_labels or []), len(v))]
        v = dict(zip(labels, v))
    if not isinstance(v, dict):
        return None
    inner = {
        str(k): (
            dict(zip(map(str, range(1, len(x) + 1)), x))
            if isinstance(_plain(x), list) and all(is_scalar(y) for y in x)
            else _plain(x)
        )
        for k, x in v.items()
    }
    if not all(isinstance(x, dict) for x in inner.values()):
        return {"columns": [corner, value_header], "rows": [(k, [_cell(x, fmt, highlight)]) for k, x in inner.items()]}
    keysets = [list(map(str, x)) for x in inner.values()]
    if all(set(k) == set(keysets[0]) for k in keysets):
        cols = keysets[0]
        rows = [
            (k, [_cell({str(a): b for a, b in x.items()}.get(c), fmt, highlight) for c in cols])
            for k, x in inner.items()
        ]
        return {"columns": [corner] + cols, "rows": rows}
    width = max(len(k) for k in keysets)
    rows = []
    for k, x in inner.items():
        cells = [_cell(b, fmt, highlight, label=str(a)) for a, b in x.items()]
        rows.append((k, cells + [{"label": "", "text": "", "cls": ""}] * (width - len(cells))))
    return {"columns": [corner] + [""] * width, "rows": rows}


def nested_tables(name: str, value: Any, **kw: Any) -> list[tuple[str, dict[str, Any]]]:
    """Titled tables for one value: a three-level dict becomes one table per top-level key."""
    v = _plain(value)
    if (
        isinstance(v, dict)
        and v
        and all(
            isinstance(x, dict) and x and all(isinstance(_plain(y), (dict, list)) for y in x.values())
            for x in v.values()
        )
    ):
        return [(f"{name}: {k}", t) for k, x in v.items() if (t := nested_table(x, **kw))]
    t = nested_table(v, **kw)
    return [(name, t)] if t else []
