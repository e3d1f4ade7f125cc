"""Scenario loader: extends merging, overrides, and every problem reported with its place."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scslab.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_raw,
    load_scenario,
    loader,
    parse_value,
    preset_description,
    preset_names,
    preset_path,
    validate_file,
)
from scslab.scenario.errors import key_lines

FIX = Path(__file__).parent / "fixtures" / "scenarios"
GOOD, CHILD, BAD = FIX / "good.toml", FIX / "child.toml", FIX / "bad_many.toml"


def problems_of(source, overrides=(), **kw) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides, **kw)
    assert info.value.problems, "a ScenarioError must carry problems"
    return info.value.problems


def by_path(problems: list[Problem]) -> dict[str, Problem]:
    return {p.path: p for p in problems}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- loading and extends


def test_good_fixture_loads() -> None:
    s = load_scenario(GOOD)
    assert isinstance(s, Scenario)
    assert (s.name, s.population.n, s.population.urban_share, s.sim.days) == ("good", 1000, 0.5, 30)
    assert [b.name for b in s.behaviours] == ["debt", "speeding"]
    assert s.lists[0].entry == "unpaid_days > 30"
    assert s.schedule[0].day == 20 and s.schedule[0].set == {"policy.detection_scale": 0.5}
    assert validate_file(GOOD) == []


def test_child_merges_tables_and_named_entries() -> None:
    s = load_scenario(CHILD)
    assert s.name == "child" and s.description == "toy scenario for loader tests"
    assert s.extends is None
    assert s.population.n == 2000 and s.population.urban_share == 0.5  # table merged key by key
    assert [b.name for b in s.behaviours] == ["debt", "speeding", "litter"]  # new name appended
    camera = {x.name: x for x in s.sources}["camera"]
    assert camera.kind == "camera" and camera.delay_days == 2  # inherited fields kept
    assert camera.detects == {"speeding": 0.3, "litter": 0.1}  # nested table merged
    black = s.lists[0]
    assert (black.name, black.term_days, black.entry, black.exit) == (
        "blacklist",
        1095,
        "unpaid_days > 30",
        "unpaid_days == 0",
    )
    assert [m.name for m in s.measures] == ["no_flights", "no_loans"]  # discount removed


def test_load_raw_returns_merged_dict_without_extends() -> None:
    data, path = load_raw(CHILD)
    assert path == CHILD and "extends" not in data
    assert [m["name"] for m in data["measures"]] == ["no_flights", "no_loans"]
    assert all("remove" not in m for m in data["measures"])


def test_empty_child_array_replaces_and_unnamed_arrays_replace(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", (GOOD.read_text()))
    child = write(
        tmp_path,
        "c.toml",
        'extends = "base.toml"\nmeasures = []\n[[schedule]]\nday = 3\nset = { "policy.detection_scale" = 0.5 }\n',
    )
    s = load_scenario(child)
    assert s.measures == [] and [i.day for i in s.schedule] == [3]


def test_remove_without_inherited_entry_is_a_problem(tmp_path: Path) -> None:
    child = write(tmp_path, "c.toml", f'extends = "{GOOD}"\n\n[[lists]]\nname = "ghost"\nremove = true\n')
    [p] = problems_of(child)
    assert (p.file, p.path, p.line) == (str(child), "lists[ghost].remove", 5)
    assert "no inherited entry" in p.reason


def test_circular_extends_names_the_cycle() -> None:
    [p] = problems_of(FIX / "cycle_a.toml")
    assert p.path == "extends" and p.file.endswith("cycle_b.toml") and p.line == 2
    names = [Path(x.strip()).name for x in p.reason.split(":", 1)[1].split("->")]
    assert names == ["cycle_a.toml", "cycle_b.toml", "cycle_a.toml"]


def test_missing_parent_file_and_preset(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "c.toml",
        '# comment\nname = "c"\nextends = "nope.toml"\n\n[[measures]]\nname = "m"\nlist = "from_parent"\n',
    )
    [p] = problems_of(child)  # no spurious problems about what the parent would have supplied
    assert (p.file, p.path, p.line) == (str(child), "extends", 3)
    assert "not found" in p.reason and "nope.toml" in p.reason
    child2 = write(tmp_path, "d.toml", 'extends = "no_such_preset"\n')
    [p2] = problems_of(child2)
    assert (p2.path, p2.line) == ("extends", 1) and "no_such_preset" in p2.reason


def test_problem_file_is_where_the_key_is(tmp_path: Path) -> None:
    parent = write(tmp_path, "p.toml", "[sim]\ndays = 30\nbogus = 1\n")
    child = write(tmp_path, "c.toml", 'extends = "p.toml"\n\n[population]\nn = 3\n')
    got = by_path(problems_of(child))
    assert (got["sim.bogus"].file, got["sim.bogus"].line) == (str(parent), 3)
    assert (got["population.n"].file, got["population.n"].line) == (str(child), 4)


def test_presets_resolve_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    presets = tmp_path / "presets"
    presets.mkdir()
    write(presets, "base.toml", 'name = "base"\ndescription = "a base"\n[sim]\ndays = 10\nseed = "x"\n')
    monkeypatch.setattr(loader, "_PRESETS", presets)
    assert preset_names() == ["base"] and preset_description("base") == "a base"
    assert preset_path("base") == presets / "base.toml"
    with pytest.raises(ScenarioError, match="unknown preset 'bsae'; did you mean 'base'"):
        preset_path("bsae")
    child = write(tmp_path, "c.toml", 'extends = "base"\n[sim]\ndays = 20\n')
    [p] = problems_of(child)
    assert (p.file, p.path, p.line) == ("<preset:base>", "sim.seed", 5)
    assert load_scenario("base", ["sim.seed=3"]).sim.days == 10


def test_shipped_presets_are_valid() -> None:
    for name in preset_names():
        assert validate_file(preset_path(name)) == [], name
        assert load_scenario(name).sim.days >= 1


# ---------------------------------------------------------------- problems


def test_bad_many_reports_every_problem_with_lines() -> None:
    got = by_path(problems_of(BAD))
    assert {k: (p.line, p.file) for k, p in got.items()} == {
        "population.n": (5, str(BAD)),
        "population.urban_shar": (6, str(BAD)),
        "policy.detection_scale": (9, str(BAD)),
        "lists[blacklist].term_days": (18, str(BAD)),
        "lists[redlist].type": (22, str(BAD)),
        "lists[blacklist].entry": (17, str(BAD)),
    }
    assert "greater than or equal to 10" in got["population.n"].reason and "5" in got["population.n"].reason
    assert got["population.urban_shar"].reason == "unknown key; did you mean 'urban_share'?"
    scale = got["policy.detection_scale"].reason
    assert "valid number" in scale and "'high'" in scale
    assert "'gold'" in got["lists[redlist].type"].reason
    assert "unpaid_days >> 30" in got["lists[blacklist].entry"].reason
    assert "column 14" in got["lists[blacklist].entry"].reason
    assert validate_file(BAD) == problems_of(BAD)


def test_missing_field_and_cross_reference(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.toml",
        '[[lists]]\nname = "bl"\n\n[[measures]]\nname = "m"\nlist = "nope"\n'
        '\n[[measures]]\nname = "ok"\nlist = "bl"\neligible = "age >="\n',
    )
    got = by_path(problems_of(path))
    assert got["lists[bl].entry"].reason == "required field is missing"
    assert got["lists[bl].entry"].line == 1  # the [[lists]] header holding it
    assert "bad expression" in got["measures[ok].eligible"].reason and got["measures[ok].eligible"].line == 11
    fixed = write(
        tmp_path,
        "y.toml",
        path.read_text().replace('name = "bl"', 'name = "bl"\nentry = "true"').replace('"age >="', '"age >= 18"'),
    )
    [p] = problems_of(fixed)
    assert (p.path, p.line, p.reason) == ("measures[m].list", 7, "unknown list 'nope'")


def test_table_level_union_and_nested_list_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.toml",
        '[[measures]]\nname = "m"\nlist = "bl"\n'
        'applies_to = ["self", "cousin"]\n\n[[lists]]\nname = "bl"\nentry = "true"\n\n'
        '[[schedule]]\nday = 1\nset = { "sim.days" = [1, 2] }\n\n'
        '[[population.groups]]\nname = "a"\nshare = 0.5\n',
    )
    got = by_path(problems_of(path))
    assert set(got) == {"population", "measures[m].applies_to[1]", "schedule[0].set.sim.days"}
    assert (got["population"].line, got["population"].reason) == (14, "group shares must sum to 1 (got 0.5)")
    applies = got["measures[m].applies_to[1]"]
    assert applies.line == 4 and "'cousin'" in applies.reason
    union = got["schedule[0].set.sim.days"]
    assert union.line == 12 and union.reason.startswith("no allowed type fits: ")
    assert union.reason.count("(got [1, 2])") == 1 and "valid integer" in union.reason


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", 'name = "x"\n[sim]\ndays = = 3\n')
    [p] = problems_of(path)
    assert p.line == 3 and p.file == str(path) and p.reason.startswith("TOML syntax error")
    assert str(p).startswith(f"{path}:3: TOML syntax error")


def test_schedule_set_keys_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.toml",
        '[[schedule]]\nday = 5\nset = { "policy.bogus" = 1, '
        '"policy.detection_scale" = 500, "lists.none.term_days" = 3, "sim.days" = 9 }\n',
    )
    got = by_path(problems_of(path))
    assert set(got) == {
        "schedule[0].set.policy.bogus",
        "schedule[0].set.policy.detection_scale",
        "schedule[0].set.lists.none.term_days",
        "schedule[0].set.sim.days",
    }
    assert got["schedule[0].set.policy.bogus"].reason.startswith("unknown key")
    assert "cannot change during a run" in got["schedule[0].set.sim.days"].reason
    assert "less than or equal to 100" in got["schedule[0].set.policy.detection_scale"].reason
    assert all(p.line == 3 for p in got.values())


def test_problem_and_error_formatting() -> None:
    a, b = Problem("f.toml", "sim.days", "too big", 4), Problem("--set", "x", "unknown key")
    assert str(a) == "f.toml:4: sim.days: too big" and str(b) == "--set: x: unknown key"
    err = ScenarioError([a, b])
    assert str(err) == "f.toml:4: sim.days: too big\n--set: x: unknown key"
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == [a, b] and str(again) == str(err)


def test_key_lines_scanner() -> None:
    text = (
        'a = [\n  "b = 1",\n]\ns = """\nc = 2\n"""\n[t.u]\n"q.k" = 1\nx.y = 2\n'
        '[[l]]\nname = "n0"\n[[l]]\nname = "n1"\n[[l.sub]]\nv = 1\n[ t . w ]  # c\nz = 0\n'
    )
    lines = key_lines(text)
    assert lines[("a",)] == 1 and lines[("s",)] == 4 and ("b",) not in lines and ("c",) not in lines
    assert lines[("t", "u", "q.k")] == 8 and lines[("t", "u", "x", "y")] == 9
    assert lines[("l", 0, "name")] == 11 and lines[("l", 1, "name")] == 13
    assert lines[("l", 1, "sub", 0, "v")] == 15 and lines[("t", "w", "z")] == 17


# ---------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    "text, value",
    [
        ("1", 1),
        ("1.5", 1.5),
        ("true", True),
        ('"str"', "str"),
        ("[1, 2]", [1, 2]),
        ("hello world", "hello world"),
        ("", ""),
        ("1\nw = 2", "1\nw = 2"),
        ("{a = 1}", {"a": 1}),
    ],
)
def test_parse_value(text: str, value) -> None:
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


def test_set_overrides_by_name_index_and_type() -> None:
    s = load_scenario(
        GOOD,
        [
            "lists.blacklist.term_days=365",
            "lists.1.term_days = 100",
            "policy.detection_scale=0.25",
            "policy.publicity=false",
            "population.n=500",
            "name=hello world",
            "behaviours.debt.points=-10",
        ],
    )
    assert (s.lists[0].term_days, s.lists[1].term_days) == (365, 100)
    assert s.policy.detection_scale == 0.25 and s.policy.publicity is False
    assert (s.population.n, s.name, s.behaviours[0].points) == (500, "hello world", -10)
    s2 = load_scenario(CHILD, extra={"policy.sanction_scale": 2.0, "population": {"urban_share": 0.9}})
    assert s2.policy.sanction_scale == 2.0 and s2.population.urban_share == 0.9 and s2.population.n == 2000


def test_bad_overrides_are_reported_as_set() -> None:
    got = by_path(
        problems_of(
            GOOD,
            [
                "policy.bogus=1",
                "lists.nope.term_days=3",
                "sim.days.x=1",
                "policy.detection_scale=abc",
                "novalue",
                "population.n=20",
            ],
        )
    )
    assert set(got) == {"policy.bogus", "lists.nope.term_days", "policy.detection_scale", "sim.days.x", "novalue"}
    assert all(p.file == "--set" and p.line is None for p in got.values())
    assert "blacklist, redlist" in got["lists.nope.term_days"].reason
    assert "'abc'" in got["policy.detection_scale"].reason
    [p] = problems_of(GOOD, ["lists.blacklist.entry=x >"])
    assert (p.file, p.path) == ("--set", "lists[blacklist].entry") and "bad expression" in p.reason


def test_apply_overrides_copies_and_raises() -> None:
    data, _ = load_raw(GOOD)
    out = apply_overrides(data, ["lists.blacklist.term_days=1", "policy.detection_scale=2"])
    assert out["lists"][0]["term_days"] == 1 and out["policy"]["detection_scale"] == 2
    assert data["lists"][0]["term_days"] == 730 and data["policy"]["detection_scale"] == 1.0
    with pytest.raises(ScenarioError) as info:
        apply_overrides(data, ["lists.9.term_days=1", "x"], origin="sweep")
    assert [p.file for p in info.value.problems] == ["sweep", "sweep"]


# ---------------------------------------------------------------- properties

_SCALES = ("detection_scale", "sanction_scale")
_FLAGS = ("joint_sanctions", "publicity", "repair", "objections")
_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(
    scales=st.dictionaries(st.sampled_from(_SCALES), st.floats(0.0, 100.0)),
    flags=st.dictionaries(st.sampled_from(_FLAGS), st.booleans()),
)
def test_valid_policy_overrides_round_trip(scales: dict, flags: dict) -> None:
    sets = [f"policy.{k}={v!r}" for k, v in scales.items()]
    sets += [f"policy.{k}={str(v).lower()}" for k, v in flags.items()]
    s = load_scenario(GOOD, sets)
    for k, v in {**scales, **flags}.items():
        assert getattr(s.policy, k) == v
    assert load_scenario(GOOD, extra={f"policy.{k}": v for k, v in {**scales, **flags}.items()}) == s


@_FAST
@given(
    key=st.sampled_from(_SCALES),
    value=st.one_of(
        st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
        st.floats(min_value=100.000001, allow_nan=False, allow_infinity=False),
    ),
)
def test_out_of_range_overrides_always_raise_scenario_error(key: str, value: float) -> None:
    [p] = problems_of(GOOD, [f"policy.{key}={value!r}"])
    assert (p.file, p.path) == ("--set", f"policy.{key}")


@_FAST
@given(st.lists(st.text(max_size=30), max_size=4))
def test_arbitrary_override_text_gives_scenario_or_scenario_error(sets: list[str]) -> None:
    try:
        assert isinstance(load_scenario(GOOD, sets), Scenario)
    except ScenarioError as e:
        assert e.problems and all(isinstance(p, Problem) for p in e.problems)
