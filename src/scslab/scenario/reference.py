"""The scenario reference page, generated from the pydantic models so it cannot drift.

Why generated: the schema is the contract of every scenario file, and a hand-written list of
its fields would be out of date after the next change. :func:`scenario_reference` walks the
models from :class:`~scslab.scenario.schema.Scenario` down and writes one table per model:
every field with its dotted path, type, unit, default, allowed range and description.
``make reference`` writes it to ``docs/reference/scenario.md``, and a test fails when the
committed page differs from what the schema produces now.

Units come from the naming convention of the schema (``*_per_year``, ``*_days``,
``*_share``, ``*_months``), from a typed alias of the schema (a field annotated with an alias
such as ``Share`` or ``Days`` gets that alias's unit), or from the field's description
("yuan per year", "logit units", ...). A float bounded to [0, 1] with no other unit is a
fraction. Anything else is left blank rather than guessed.
"""

from __future__ import annotations

import json
import math
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .schema import Scenario

__all__ = ["FieldRow", "Section", "field_unit", "scenario_reference", "sections"]

# name suffix -> unit (the convention stated in scenario/schema.py)
_SUFFIX_UNITS = (
    ("_per_year", "per year"),
    ("_per_day", "per day"),
    ("_per_1000", "per 1,000 persons"),
    ("_days", "days"),
    ("_share", "share (0–1)"),
    ("_months", "months of income"),
)
# words in a typed alias's name -> unit (e.g. ``Share``, ``Days``, ``RatePerYear``)
_ALIAS_UNITS = (
    ("share", "share (0–1)"),
    ("probability", "probability (0–1)"),
    ("peryear", "per year"),
    ("rate", "per year"),
    ("days", "days"),
    ("day", "day"),
    ("months", "months of income"),
    ("logit", "logit units"),
    ("yuan", "yuan"),
)
# phrases in a description that say more than the name's suffix (checked first)
_SPECIFIC_UNITS = (
    ("yuan per year", "yuan per year"),
    ("yuan a person spends", "yuan per year"),
    ("per person-year", "per person-year"),
)
# phrases in a description -> unit, when the name says nothing
_DESCRIPTION_UNITS = (
    ("months of income", "months of income"),
    ("logit units", "logit units"),
    ("log-odds", "logit units"),
    ("(days", "days"),
    ("yuan", "yuan"),
    ("points", "points"),
)


@dataclass(frozen=True)
class FieldRow:
    """One row of the reference: a field of a model, at its dotted path from the scenario root."""

    path: str
    type: str
    unit: str
    default: str
    range: str
    description: str


@dataclass(frozen=True)
class Section:
    """One model's table: where it sits in a scenario file, its docstring and its fields."""

    model: type[BaseModel]
    path: str
    toml: str
    rows: tuple[FieldRow, ...]


# ---------------------------------------------------------------- types


def _aliases(model: type[BaseModel]) -> dict[int, str]:
    """Module-level typed aliases of the model's module (``Share = Annotated[...]``), by identity."""
    module = sys.modules.get(model.__module__)
    out: dict[int, str] = {}
    for name, value in vars(module).items() if module else ():
        if not name.startswith("_") and get_origin(value) is typing.Annotated:
            out[id(value)] = name
    return out


def _type_name(tp: Any, aliases: dict[int, str]) -> str:
    """A short, TOML-minded rendering of a type annotation."""
    if id(tp) in aliases:
        return aliases[id(tp)]
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _type_name(get_args(tp)[0], aliases)
    if origin is Literal:
        return " \\| ".join(f"`{json.dumps(a)}`" for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " \\| ".join(_type_name(a, aliases) for a in get_args(tp))
    if origin in (list, tuple, set, frozenset):
        args = get_args(tp)
        return f"list of {_type_name(args[0], aliases)}" if args else "list"
    if origin is dict:
        key, value = get_args(tp)
        return f"table of {_type_name(key, aliases)} → {_type_name(value, aliases)}"
    if tp is type(None):
        return "none"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{_anchor(tp)})"
    if tp in (str, int, float, bool):
        return {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]
    return getattr(tp, "__name__", str(tp))


def _alias_name(tp: Any, aliases: dict[int, str]) -> str | None:
    """The typed alias a field is annotated with, looking through ``X | None`` and lists."""
    if id(tp) in aliases:
        return aliases[id(tp)]
    for arg in get_args(tp) if get_origin(tp) is not typing.Annotated else ():
        found = _alias_name(arg, aliases)
        if found:
            return found
    return None


def _models_in(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models a type annotation contains (``Group`` in ``list[Group]``)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for arg in get_args(tp) for m in _models_in(arg)]


def _is_list(tp: Any) -> bool:
    if get_origin(tp) in (Union, types.UnionType):
        return any(_is_list(a) for a in get_args(tp) if a is not type(None))
    return get_origin(tp) in (list, tuple)


# ---------------------------------------------------------------- cells


def _number(x: float | int) -> str:
    """A default as written in TOML (``1.0`` stays a float)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        return repr(x) if abs(x) < 1e15 else f"{x:g}"
    return str(x)


def _bound(x: Any) -> str:
    """A range bound, short (``1`` for 1.0)."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range(field: FieldInfo) -> str:
    lo: Any = None
    hi: Any = None
    lo_open = hi_open = False
    pattern = None
    for m in field.metadata:
        if isinstance(m, at.Ge):
            lo = m.ge
        elif isinstance(m, at.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, at.Le):
            hi = m.le
        elif isinstance(m, at.Lt):
            hi, hi_open = m.lt, True
        elif getattr(m, "pattern", None):
            pattern = m.pattern
    parts = []
    if lo is not None and hi is not None:
        parts.append(f"{'(' if lo_open else '['}{_bound(lo)}, {_bound(hi)}{')' if hi_open else ']'}")
    elif lo is not None:
        parts.append(f"{'>' if lo_open else '≥'} {_bound(lo)}")
    elif hi is not None:
        parts.append(f"{'<' if hi_open else '≤'} {_bound(hi)}")
    if pattern:
        parts.append(f"matches `{pattern}`")
    return "; ".join(parts)


def _toml_value(value: Any) -> str:
    """A default as a scenario author would write it in TOML."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(table)"
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            return "`" + _toml_value(value).replace("|", "\\|") + "`"
    elif field.default is PydanticUndefined:
        return "**required**"
    else:
        value = field.default
    if value in ([], {}):
        return "empty"
    return "`" + _toml_value(value).replace("|", "\\|") + "`"


def field_unit(name: str, field: FieldInfo, alias: str | None = None, model_doc: str = "") -> str:
    """The unit of a field, from the first of these that says one: a specific phrase of its
    description, its typed alias, its name's suffix, a unit phrase of its description, the
    model's docstring for its ``w_*`` weights ("(logit units)"), a simulation day for ``day``
    and ``*_day``, a fraction for a float bounded to [0, 1]. Otherwise blank."""
    description = (field.description or "").lower()
    for phrase, unit in _SPECIFIC_UNITS:
        if phrase in description:
            return unit
    if alias:
        key = alias.lower().replace("_", "")
        for word, unit in _ALIAS_UNITS:
            if word in key:
                return unit
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    for phrase, unit in _DESCRIPTION_UNITS:
        if phrase in description:
            return unit
    if name.startswith("w_") and "(logit units)" in model_doc:
        return "logit units"
    if name == "day" or name.endswith("_day"):
        return "simulation day"
    if field.annotation is float and _range(field) == "[0, 1]":
        return "fraction (0–1)"
    return ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# ---------------------------------------------------------------- walk


def _anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def sections(root: type[BaseModel] = Scenario) -> list[Section]:
    """Every model reachable from ``root``, depth first in field order, each listed once."""
    out: list[Section] = []
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel], path: str, toml: str) -> None:
        seen.add(model)
        hints = typing.get_type_hints(model, include_extras=True)
        aliases = _aliases(model)
        rows = []
        children: list[tuple[type[BaseModel], str, str]] = []
        for name, field in model.model_fields.items():
            tp = hints.get(name, field.annotation)
            dotted = f"{path}.{name}" if path else name
            alias = _alias_name(tp, aliases)
            rows.append(
                FieldRow(
                    path=dotted,
                    type=_type_name(tp, aliases),
                    unit=field_unit(name, field, alias, model.__doc__ or ""),
                    default=_default(field),
                    range=_range(field),
                    description=_cell(field.description or ""),
                )
            )
            for child in _models_in(tp):
                if child not in seen:
                    many = _is_list(tp)
                    children.append(
                        (child, f"{dotted}[]" if many else dotted, f"[[{dotted}]]" if many else f"[{dotted}]")
                    )
        out.append(Section(model, path, toml, tuple(rows)))
        for child, child_path, child_toml in children:
            if child not in seen:
                visit(child, child_path, child_toml)

    visit(root, "", "")
    return out


def _intro(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    if not doc or doc.startswith(f"{model.__name__}("):  # pydantic's generated signature
        return ""
    return " ".join(doc.split("\n\n")[0].split())


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + dot.strip() if dot else text


def scenario_reference() -> str:
    """The Markdown of ``docs/reference/scenario.md``."""
    lines = [
        "<!-- generated from the pydantic schema by scslab.scenario.reference: run `make reference`, do not edit -->",
        "",
        "# Scenario reference",
        "",
        "Every field a scenario file can set, generated from the schema (`scenario/schema.py`,",
        "`scenario/schema_ext.py`). A path such as `behaviours[].points` names the field `points`",
        "of every entry of the `[[behaviours]]` array; list entries merge by `name` when a",
        "scenario `extends` another. Unknown keys are errors. Ranges are inclusive `[a, b]` or",
        "exclusive `(a, b)`. Units follow the names: `*_per_year` is a rate per year, `*_days` a",
        "duration, `*_share` a fraction in [0, 1], `*_months` an amount in months of the",
        "subject's income. Checks across fields (shares that must sum to 1, names that must",
        "exist, bands in order) are run too and reported with the field path.",
        "",
    ]
    secs = sections()
    lines.append("| section | in a scenario file | model |")
    lines.append("|---|---|---|")
    for s in secs:
        where = f"`{s.toml}`" if s.toml else "top level"
        lines.append(
            f"| [{s.model.__name__}](#{_anchor(s.model)}) | {where} | {_cell(_first_sentence(_intro(s.model)))} |"
        )
    lines.append("")
    for s in secs:
        lines.append(f"## {s.model.__name__} {{#{_anchor(s.model)}}}")
        lines.append("")
        where = "top level of the file" if not s.path else f"`{s.toml}`"
        lines.append(f"In a scenario file: {where}.")
        intro = _intro(s.model)
        if intro:
            lines += ["", intro]
        lines += [
            "",
            "| field | type | unit | default | range | description |",
            "|---|---|---|---|---|---|",
        ]
        for r in s.rows:
            lines.append(f"| `{r.path}` | {r.type} | {r.unit} | {r.default} | {r.range} | {r.description} |")
        lines.append("")
    return "\n".join(lines)
