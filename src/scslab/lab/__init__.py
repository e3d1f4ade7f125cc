"""Laboratory tools on top of the engine: calibration of scenario parameters to published figures."""

from .calibrate import CalibrationResult, Target, TargetFit, calibrate, evaluate, overrides_for, run_traced

__all__ = ["CalibrationResult", "Target", "TargetFit", "calibrate", "evaluate", "overrides_for", "run_traced"]
