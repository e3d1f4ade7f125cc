"""The laboratory on top of the engine: experiments that say what a policy changes, for whom,
and how sure we are.

- :mod:`.compare` -- baseline vs reform on paired seeds (common random numbers), intervals,
  winners and losers per synthetic person
- :mod:`.executor` -- one interface over a warm local spawn pool and Ray
- :mod:`.runs`, :mod:`.experiment` -- what a run is, and the loop that stores runs as they finish
- :mod:`.stats`, :mod:`.winners` -- the statistics
- :mod:`.ensemble`, :mod:`.sweep` (:mod:`.sweepfile`), :mod:`.sensitivity` -- many runs, streamed
- :mod:`.calibrate` (:mod:`.targets`, :mod:`.traced`) -- Optuna fits to published figures

Names are loaded on first use, so ``python -m scslab.lab.calibrate`` does not import the
module twice.
"""

from __future__ import annotations

from typing import Any

_NAMES = {
    "CalibrationResult": "calibrate",
    "TargetFit": "calibrate",
    "current_values": "calibrate",
    "evaluate": "calibrate",
    "Target": "targets",
    "load_targets": "targets",
    "run_traced": "traced",
    "CompareResult": "compare",
    "load_compare": "compare",
    "Ensemble": "ensemble",
    "EnsembleResult": "ensemble",
    "Sweep": "sweep",
    "SweepResult": "sweep",
    "load_sweep": "sweepfile",
    "SensitivityResult": "sensitivity",
    "LocalExecutor": "executor",
    "RayExecutor": "executor",
    "make_executor": "executor",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(name)
