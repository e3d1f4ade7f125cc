"""Optional processes that run inside the day loop when their scenario table is enabled.

An extension is a module object with ``init(sim)`` and ``step(sim, day)`` and a ``phase``:
``"before_behaviour"`` (it changes what people face today, e.g. a letter or a health code)
or ``"after_feedback"`` (it reacts to the day's outcome). Registering here, rather than
editing the loop, keeps the published step order intact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["REGISTRY", "active_extensions"]


def _epidemic() -> Any:
    from .epidemic import EpidemicModule

    return EpidemicModule()


def _letters() -> Any:
    from .letters import LettersModule

    return LettersModule()


# scenario table name -> factory
REGISTRY = {"epidemic": _epidemic, "letters": _letters}


def active_extensions(sim: Sim) -> list[Any]:
    """Instances of every extension whose scenario table says ``enabled = true``."""
    out = []
    for name, factory in REGISTRY.items():
        table = getattr(sim.scenario, name, None)
        if table is not None and getattr(table, "enabled", False):
            out.append(factory())
    return out
