"""Indicators are registered explicitly, one set per module, and no name can be written twice."""

from __future__ import annotations

import pkgutil
import tomllib
from importlib import resources

import pytest

from scslab.metrics import indicators
from scslab.metrics.indicators import INDICATORS, SETS, DuplicateIndicatorError, IndicatorSet, merge


def _one(res):
    return 1


def _two(res):
    return 2


def test_two_sets_cannot_write_the_same_key():
    a, b = IndicatorSet("alpha"), IndicatorSet("beta")
    a.add("shared", _one)
    a.add("only_alpha", _one)
    b.add("shared", _two)
    with pytest.raises(DuplicateIndicatorError, match=r"'shared'.*'alpha'.*'beta'"):
        merge([a, b])
    # the order of the sets does not decide a winner either: it fails both ways round
    with pytest.raises(DuplicateIndicatorError, match=r"'shared'.*'beta'.*'alpha'"):
        merge([b, a])


def test_one_set_cannot_register_a_name_twice():
    s = IndicatorSet("alpha")

    @s.register("x")
    def first(res):
        """The first."""
        return 1

    with pytest.raises(DuplicateIndicatorError, match=r"'x'.*twice.*'alpha'"):

        @s.register("x")
        def second(res):
            return 2

    assert s["x"].func is first and s["x"].description == "The first." and len(s) == 1


def test_merge_keeps_every_name_of_disjoint_sets():
    a, b = IndicatorSet("alpha"), IndicatorSet("beta")
    a.add("p", _one, unit="people")
    b.add("q", _two, unit="share")
    got = merge([a, b])
    assert sorted(got) == ["p", "q"]
    assert (got["p"].owner, got["p"].unit, got["p"](None)) == ("alpha", "people", 1)
    assert (got["q"].owner, got["q"].unit, got["q"](None)) == ("beta", "share", 2)


def test_shipped_registry_is_the_union_of_its_sets():
    assert len({s.name for s in SETS}) == len(SETS)
    assert sum(len(s) for s in SETS) == len(INDICATORS)
    for s in SETS:
        for name, ind in s.items():
            assert INDICATORS[name] is ind and ind.owner == s.name


def test_every_module_of_the_package_is_listed():
    """A module with indicators that SETS forgot would register nothing: each module's SET is listed."""
    listed = {id(s) for s in SETS}
    modules = [m.name for m in pkgutil.iter_modules(indicators.__path__) if m.name != "registry"]
    assert modules, "the indicators package has no set modules"
    for name in modules:
        mod = getattr(indicators, name, None)
        assert mod is not None, f"indicators/{name}.py is not imported by the package"
        assert id(mod.SET) in listed, f"indicators/{name}.py's SET is not in SETS"


def test_every_preset_indicator_is_registered():
    presets = resources.files("scslab.scenario") / "presets"
    asked = set()
    for f in presets.iterdir():
        if f.name.endswith(".toml"):
            asked.update(tomllib.loads(f.read_text()).get("indicators", []))
    assert asked, "no preset asks for an indicator"
    assert asked <= set(INDICATORS), sorted(asked - set(INDICATORS))
