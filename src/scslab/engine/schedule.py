"""Row 0 of the day: timed scenario changes (``[[schedule]]``) take effect.

On a day with entries, the scenario is re-validated with their overrides applied and every
module re-derives its parameters (``configure``); state -- records, spells, beliefs --
carries on. What a run cannot change half-way is refused by the loader before the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..scenario.schema import Scenario
from .module import Module

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["ScheduleModule", "toml_value"]


class ScheduleModule(Module):
    """timed scenario changes take effect; every module re-configures"""

    name = "schedule"

    def step(self, sim: Sim, day: int) -> None:
        items = [s for s in sim.scenario.schedule if s.day == day]
        if not items:
            return
        from ..scenario.loader import apply_overrides

        data = sim.scenario.model_dump(mode="json")
        for it in items:
            data = apply_overrides(
                data, [f"{k}={toml_value(v)}" for k, v in it.set.items()], origin=f"schedule day {day}"
            )
        sim.scenario = Scenario.model_validate(data)
        sim.configure()


def toml_value(v: Any) -> str:
    """A scalar written the way ``--set path=value`` reads it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    return repr(v)
