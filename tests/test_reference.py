"""The generated reference pages: current with the code, and complete.

``docs/reference/scenario.md`` is generated from the pydantic schema and
``docs/reference/loop.md`` from the engine's published loop (``make reference``). If a
test here fails after a change to the schema or the loop, run ``make reference`` and
commit the pages.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from tools import reference

from scslab.engine.reference import event_rows, loop_reference, loop_rows
from scslab.engine.sim import EXTENSIONS, MODULES
from scslab.scenario.reference import field_unit, scenario_reference, sections
from scslab.scenario.schema import Scenario

# a typed alias as the schema declares them; its unit comes from its name
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class _Inner(BaseModel):
    """An inner table."""

    weight: Share = 0.5
    mode: Literal["a", "b"] = "a"


class _Outer(BaseModel):
    """A made-up model to test the generator on."""

    name: str = Field(pattern=r"^[a-z]+$")
    delay_days: int = Field(0, ge=0, lt=10, description="how late")
    income: float = Field(1.0, gt=0.0, description="yuan per year before tax")
    cut: float = Field(0.1, ge=0.0, le=1.0)
    ratio: float = Field(2.0, ge=0.0, le=5.0)
    inner: _Inner = Field(default_factory=_Inner)
    items: list[_Inner] = Field(default_factory=list)


def test_committed_reference_pages_are_current() -> None:
    stale = reference.stale()
    assert not stale, f"{', '.join(stale)} differ from the code: run `make reference` and commit the pages"


def test_every_field_of_every_model_is_on_the_page() -> None:
    models: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel]) -> None:
        models.add(model)
        for field in model.model_fields.values():
            for child in _models(field.annotation):
                if child not in models:
                    walk(child)

    walk(Scenario)
    secs = sections()
    assert {s.model for s in secs} == models
    page = scenario_reference()
    for s in secs:
        assert len(s.rows) == len(s.model.model_fields), s.model
        for row in s.rows:
            assert f"| `{row.path}` |" in page
    paths = {row.path for s in secs for row in s.rows}
    for expected in ("population.n", "behaviours[].points", "model.perception.initial", "letters.send_days"):
        assert expected in paths


def _models(tp) -> list[type[BaseModel]]:
    from typing import get_args

    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in get_args(tp) for m in _models(a)]


def test_rows_carry_type_unit_default_range_and_description() -> None:
    secs = {s.model: s for s in sections(_Outer)}
    rows = {r.path: r for r in secs[_Outer].rows}
    assert rows["name"].default == "**required**" and rows["name"].range == "matches `^[a-z]+$`"
    assert rows["delay_days"].unit == "days" and rows["delay_days"].range == "[0, 10)"
    assert rows["delay_days"].default == "`0`" and rows["delay_days"].description == "how late"
    assert rows["income"].unit == "yuan per year" and rows["income"].range == "> 0"
    assert rows["cut"].unit == "fraction (0–1)"
    assert rows["ratio"].unit == ""  # nothing says what 0..5 is measured in: left blank, not guessed
    assert rows["inner"].type == "[_Inner](#_inner)" and rows["inner"].default == "(table)"
    assert secs[_Inner].path == "inner" and secs[_Inner].toml == "[inner]"
    inner = {r.path: r for r in secs[_Inner].rows}
    assert inner["inner.weight"].type == "Share" and inner["inner.weight"].unit == "share (0–1)"
    assert inner["inner.mode"].type == '`"a"` \\| `"b"`' and inner["inner.mode"].default == '`"a"`'


def test_units_follow_the_naming_convention() -> None:
    plain = Field(1.0)
    assert field_unit("opportunities_per_year", plain) == "per year"
    assert field_unit("term_days", plain) == "days"
    assert field_unit("apply_share", plain) == "share (0–1)"
    assert field_unit("amount_months", plain) == "months of income"
    assert field_unit("weight", plain) == ""


def test_loop_page_is_the_module_list() -> None:
    rows = loop_rows()
    assert [name for _, name, _, _ in rows] == [cls.name for cls in MODULES]
    page = loop_reference()
    for i, name, text, path in rows:
        assert text, f"module {name} says nothing about what it does (first line of its class docstring)"
        assert f"| {i} | {name} | {text} | `{path}` |" in page
    for table, cls in EXTENSIONS.items():
        assert f"| `[{table}]` | {cls.name} | {' '.join(cls.position or ())}" in page
    buffers = [cells[0] for cells in event_rows()]
    assert "``acts``" in buffers and "``spell_changes``" in buffers
    assert "| `spell_changes` | lists |" in page
