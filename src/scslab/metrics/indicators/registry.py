"""Indicator sets and the one registry they are merged into, with no name written twice.

An indicator set is the indicators of one family of presets, defined in one module of this
package (``SET = IndicatorSet("health")`` and ``@SET.register("attack_rate")`` on each
function). The package lists those modules explicitly (``indicators/__init__.py``) and
merges their sets with :func:`merge`. A name registered twice, within one set or across two,
is an error at import time that names both owners: a set can never silently replace another
set's figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...engine.results import Results

__all__ = ["DuplicateIndicatorError", "Indicator", "IndicatorFunc", "IndicatorSet", "merge"]

IndicatorFunc = Callable[["Results"], Any]


class DuplicateIndicatorError(ValueError):
    """Two registrations of one indicator name (the message names both owners)."""


@dataclass(frozen=True)
class Indicator:
    """One registered indicator: its name, the set that owns it, the function, its unit."""

    name: str
    owner: str
    func: IndicatorFunc
    unit: str = ""
    description: str = ""

    def __call__(self, res: Results) -> Any:
        return self.func(res)


class IndicatorSet(Mapping[str, Indicator]):
    """The indicators of one family of presets, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, Indicator] = {}

    def register(
        self, name: str, *, unit: str = "", description: str | None = None
    ) -> Callable[[IndicatorFunc], IndicatorFunc]:
        """Decorator: register ``f(res) -> value`` under ``name`` (raises if it is taken)."""

        def deco(f: IndicatorFunc) -> IndicatorFunc:
            self.add(name, f, unit=unit, description=description)
            return f

        return deco

    def add(self, name: str, f: IndicatorFunc, *, unit: str = "", description: str | None = None) -> Indicator:
        """Register ``f`` under ``name``; a name this set already holds raises."""
        if name in self._items:
            raise DuplicateIndicatorError(f"indicator '{name}' is registered twice in set '{self.name}'")
        doc = description if description is not None else (f.__doc__ or "").strip().split("\n")[0]
        ind = Indicator(name=name, owner=self.name, func=f, unit=unit, description=doc)
        self._items[name] = ind
        return ind

    def __getitem__(self, name: str) -> Indicator:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"IndicatorSet({self.name!r}, {len(self)} indicators)"


def merge(sets: Iterable[IndicatorSet]) -> dict[str, Indicator]:
    """One name → indicator map from several sets; a name in two sets raises, naming both."""
    out: dict[str, Indicator] = {}
    for s in sets:
        for name, ind in s.items():
            if name in out:
                raise DuplicateIndicatorError(
                    f"indicator '{name}' is registered by both set '{out[name].owner}' and set '{s.name}'"
                )
            out[name] = ind
    return out
