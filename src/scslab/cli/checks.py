"""Rule names are the engine's business: trace an unknown attribute back to its file and line.

The loader checks a rule's syntax; which names a rule may read depends on the scenario
(its lists, behaviours, groups and extensions), so the engine finds unknown names while it
initialises. These helpers turn that late finding into the same ``file:line: field.path:
reason`` problems the loader reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["EXPR_FIELDS", "init_checked", "rule_problems"]

EXPR_FIELDS = {"lists": ("entry", "exit", "extend_if"), "measures": ("eligible",)}


def rule_problems(sim: Any, source: str, overrides: Sequence[str], err: Exception) -> list[Any]:
    """Rule expressions that do not compile against the engine's attribute names, as Problems.

    The loader only checks syntax (which names exist is the engine's business), so the engine
    finds unknown names in ``Sim.init``; here each failing rule is traced back to its file and
    line the way the loader places its own problems.
    """
    from scslab.engine.attributes import attribute_names
    from scslab.scenario.errors import Problem, abbreviate, format_path
    from scslab.scenario.expr import ExprError, compile_expr

    try:
        names = attribute_names(sim)
    except Exception:  # the engine failed too early to know its names
        return [Problem(source, "", f"bad expression: {err}")]
    found = []
    for section, fields in EXPR_FIELDS.items():
        for entry in getattr(sim.scenario, section, []) or []:
            for field in fields:
                text = getattr(entry, field, None)
                if not isinstance(text, str) or not text:
                    continue
                try:
                    compile_expr(text, names)
                except ExprError as e:
                    found.append(
                        ((section, ("name", entry.name), field), f"bad expression {abbreviate(text, 60)}: {e.message}")
                    )
    if not found:
        return [Problem(source, "", f"bad expression: {err}")]
    from scslab.scenario.loader import place_problems

    try:
        return place_problems(source, overrides, found)
    except Exception:  # placing is a courtesy: never hide the problems themselves
        return [Problem(source, format_path(c), r) for c, r in found]


def init_checked(sim: Any, source: str, overrides: Sequence[str]) -> None:
    """``sim.init()``, turning an unknown-attribute ExprError into a ScenarioError."""
    from scslab.scenario.errors import ScenarioError
    from scslab.scenario.expr import ExprError

    try:
        sim.init()
    except ExprError as e:
        raise ScenarioError(rule_problems(sim, source, overrides, e)) from None
