"""Laboratory tools on top of the engine: calibration of scenario parameters to published figures.

Names are loaded on first use, so ``python -m scslab.lab.calibrate`` does not import the
module twice. The function ``calibrate`` shares its name with its module: import it as
``from scslab.lab.calibrate import calibrate``.
"""

from __future__ import annotations

__all__ = ["CalibrationResult", "Target", "TargetFit", "current_values", "evaluate", "overrides_for", "run_traced"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.calibrate"), name)
    raise AttributeError(name)
