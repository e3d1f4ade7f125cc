"""Plain JSON values from what the engine, the lab and the server produce: one converter for all.

NumPy scalars and arrays are unwrapped, NaN and infinities become ``None`` (strict JSON has no
token for them), paths and other objects become their text. The CLI's ``--json`` output, the
lab's result files and the web server's stored runs and comparisons all go through it, so
they agree on what a missing number looks like. It imports nothing of scslab, so any layer
may use it.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Plain Python values for ``json``: NumPy scalars/arrays unwrapped, NaN and inf -> None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy scalar or array
        return to_jsonable(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    return str(obj)  # paths, datetimes, decimals: readable rather than a crash


def dumps(obj: Any, indent: int | None = None) -> str:
    """Strict JSON (no NaN tokens) of anything :func:`to_jsonable` accepts."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False, ensure_ascii=False)
