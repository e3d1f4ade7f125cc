"""The shared judicial base of the Chinese presets (issue 7.5).

``presets/base/china-judicial.toml`` holds what court-blacklist, national-outline and
corporate share; each extends it and overrides only what differs, with a comment giving the
reason. The base is not a runnable preset.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from scslab.scenario.errors import ScenarioError
from scslab.scenario.loader import load_raw, load_scenario, load_text, preset_names, preset_path

BASE = Path(preset_path("rongcheng")).parent / "base" / "china-judicial.toml"
CHILDREN = ("court-blacklist", "national-outline", "corporate")
ARRAYS = ("behaviours", "sources", "lists", "measures")


def _raw(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("preset", CHILDREN)
def test_the_three_presets_extend_the_base(preset):
    raw = _raw(preset_path(preset))
    # the national presets take the judicial core through the province level, which extends it
    national = preset in ("court-blacklist", "national-outline")
    assert raw["extends"] == ("base/china-provinces.toml" if national else "base/china-judicial.toml")
    merged = load_scenario(preset)
    base = _raw(BASE)
    for key in ARRAYS:
        names = [e.name for e in getattr(merged, key)]
        for entry in base[key]:
            assert entry["name"] in names, f"{preset} lost the base's {key} {entry['name']}"
    # the court source keeps the name that keys its random streams
    assert "court" in [s.name for s in merged.sources]
    assert "courts" not in [s.name for s in merged.sources]


def test_the_base_is_not_a_runnable_preset():
    assert BASE.is_file()
    assert not any(name.startswith("base") for name in preset_names())
    for name in ("base", "china-judicial", "base/china-judicial"):
        with pytest.raises(ScenarioError):
            load_scenario(name)


def _overrides(preset: str) -> list[tuple[str, str, str, int]]:
    """(array, entry name, key, line) for every key a child sets on an inherited entry."""
    raw, base = _raw(preset_path(preset)), _raw(BASE)
    out = []
    for key in ARRAYS:
        inherited = {e["name"] for e in base.get(key, [])}
        for entry in raw.get(key, []):
            if entry["name"] in inherited:
                out += [(key, entry["name"], k, 0) for k in entry if k != "name"]
    for table in ("model",):
        for k, v in raw.get(table, {}).items():
            if k in base.get(table, {}) and not isinstance(v, dict):
                out.append((table, "", k, 0))
    return out


def _commented(preset: str, key: str, entry: str) -> bool:
    """The child says why it overrides ``key`` of ``entry``: a comment on the line that sets it,
    or the comment block right above the entry's ``[[...]]`` header naming the key (`key`)."""
    lines = _lines(preset_path(preset))
    starts = [i for i, ln in enumerate(lines) if re.match(rf'\s*name\s*=\s*"{re.escape(entry)}"', ln)]
    for i in starts:
        j = i + 1
        while j < len(lines) and not lines[j].startswith("[["):
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[j]):
                if "#" in lines[j]:
                    return True
                block, k = [], i - 2  # i - 1 is the [[...]] header
                while k >= 0 and lines[k].lstrip().startswith("#"):
                    block.append(lines[k])
                    k -= 1
                return f"`{key}`" in " ".join(block)
            j += 1
    return False


@pytest.mark.parametrize("preset", CHILDREN)
def test_one_value_per_shared_parameter_unless_overridden_with_a_reason(preset):
    base = _raw(BASE)
    merged, _ = load_raw(preset)
    for key, entry, field, _line in _overrides(preset):
        assert _commented(preset, field, entry), f"{preset}: {key} {entry}.{field} overrides the base without a reason"
    # every shared parameter a child does not override has the base's one value
    raw = _raw(preset_path(preset))
    for key in ARRAYS:
        own = {e["name"]: e for e in raw.get(key, [])}
        got = {e["name"]: e for e in merged[key]}
        for entry in base[key]:
            for field, value in entry.items():
                if field not in own.get(entry["name"], {}):
                    assert got[entry["name"]][field] == value, (preset, key, entry["name"], field)


def test_shared_values_are_one_calibrated_value():
    merged = {p: load_scenario(p) for p in CHILDREN}
    debt = {p: next(b for b in s.behaviours if b.name == "judgment_debt") for p, s in merged.items()}
    assert {d.base_logit for d in debt.values()} == {0.85}
    assert {d.amount_months for d in debt.values()} == {6.0}
    # the one documented difference: national-outline is fitted to its own target
    rates = {p: d.opportunities_per_year for p, d in debt.items()}
    assert rates == {"court-blacklist": 0.005, "national-outline": 0.0068, "corporate": 0.005}
    for name, rate in (("flight_ban", 1.22), ("rail_ban", 0.40)):
        for p, s in merged.items():
            m = next(m for m in s.measures if m.name == name)
            assert m.list == "dishonest_refusal", (p, name)
            assert m.attempts_per_year == rate or p == "court-blacklist", (p, name)
    # court-blacklist fits its own travel rates, the rail rate with the dated change of the
    # 2016 Opinions (issue 8): both differ from the base, and the rail rate drops on day 1091
    court = {m.name: m.attempts_per_year for m in merged["court-blacklist"].measures}
    assert court["flight_ban"] != 1.22 and court["rail_ban"] != 0.40
    (change,) = merged["court-blacklist"].schedule
    assert change.day == 1091 and change.set["measures.rail_ban.attempts_per_year"] < court["rail_ban"]
    # per-preset differences stay visible: who the list takes
    lists = {p: next(x for x in s.lists if x.name == "dishonest_refusal") for p, s in merged.items()}
    assert lists["corporate"].subjects == "person"
    assert "judgment_debt_enterprise" in lists["national-outline"].entry
    assert "judgment_debt_enterprise" not in lists["court-blacklist"].entry


@pytest.mark.parametrize("preset", CHILDREN)
def test_the_merged_scenarios_load_and_run_briefly(preset):
    from scslab.engine.sim import Sim

    res = Sim(preset, n=300, seed=1, days=30).run()
    assert "listed_dishonest_refusal" in res.series


def test_untrusted_text_may_extend_a_preset_that_extends_the_base():
    sc = load_text('extends = "court-blacklist"\nname = "mine"\n')
    assert sc.name == "mine"
    assert [m.name for m in sc.measures][:3] == ["public_exposure", "flight_ban", "rail_ban"]
