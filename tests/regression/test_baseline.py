"""A change that moves any preset's figures must come with a regenerated baseline."""

from __future__ import annotations

import json

import pytest

from scslab.scenario.loader import preset_names

from .baseline import PATH, collect, differences

BASE = json.loads(PATH.read_text())


def test_baseline_covers_every_preset():
    assert set(BASE) - {"_about"} == set(preset_names())


@pytest.mark.parametrize("preset", sorted(preset_names()))
def test_preset_matches_baseline(preset):
    diff = differences(BASE[preset], collect(preset))
    assert not diff, f"{preset} moved from tests/regression/baseline.json (make baseline):\n" + "\n".join(diff[:40])


def test_differences_sees_a_moved_figure():
    assert differences({"a": 1, "b": 0.5}, {"a": 1, "b": 0.5}) == []
    assert differences({"a": 1}, {"a": 2}) == ["a: 1 -> 2"]
    assert differences({"b": 0.5}, {"b": 0.5 * (1 + 1e-3)})
    assert differences({"a": 1}, {}) and differences({}, {"a": 1})
    assert differences({"x": None}, {"x": 0.0})
