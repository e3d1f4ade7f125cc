"""Scenarios: typed schema, TOML loader with ``extends`` and ``--set``, shipped presets."""

from scslab.scenario.errors import Problem, ScenarioError
from scslab.scenario.loader import (
    apply_overrides,
    load_raw,
    load_scenario,
    parse_value,
    preset_description,
    preset_names,
    preset_path,
    validate_file,
)
from scslab.scenario.schema import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_raw",
    "load_scenario",
    "parse_value",
    "preset_description",
    "preset_names",
    "preset_path",
    "validate_file",
]
