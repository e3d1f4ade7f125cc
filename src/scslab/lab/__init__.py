"""Laboratory tools on top of the engine: calibration of scenario parameters to published figures."""

from .calibrate import (CalibrationResult, Target, TargetFit, calibrate, current_values, evaluate, overrides_for,
                        run_traced)

__all__ = ["CalibrationResult", "Target", "TargetFit", "calibrate", "current_values", "evaluate",
           "overrides_for", "run_traced"]
