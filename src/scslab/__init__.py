"""scslab: a laboratory for social credit systems over synthetic populations.

The public names are imported lazily (module ``__getattr__``) so that ``import scslab`` and
``scslab --help`` do not pay for NumPy, Numba and pydantic until something is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "CompareResult",
    "Ensemble",
    "Results",
    "Scenario",
    "Sim",
    "Sweep",
    "__version__",
    "calibrate",
    "compare",
    "load_scenario",
    "sensitivity",
]
__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

_LAZY = {
    "Sim": ("scslab.engine.sim", "Sim"),
    "Results": ("scslab.engine.results", "Results"),
    "load_scenario": ("scslab.scenario.loader", "load_scenario"),
    "Scenario": ("scslab.scenario.schema", "Scenario"),
    "compare": ("scslab.lab.compare", "compare"),
    "CompareResult": ("scslab.lab.compare", "CompareResult"),
    "Ensemble": ("scslab.lab.ensemble", "Ensemble"),
    "Sweep": ("scslab.lab.sweep", "Sweep"),
    "sensitivity": ("scslab.lab.sensitivity", "sensitivity"),
    "calibrate": ("scslab.lab.calibrate", "calibrate"),
}

if TYPE_CHECKING:  # for type checkers and IDEs only
    from scslab.engine.results import Results
    from scslab.engine.sim import Sim
    from scslab.lab.calibrate import calibrate
    from scslab.lab.compare import CompareResult, compare
    from scslab.lab.ensemble import Ensemble
    from scslab.lab.sensitivity import sensitivity
    from scslab.lab.sweep import Sweep
    from scslab.scenario.loader import load_scenario
    from scslab.scenario.schema import Scenario


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'scslab' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
