"""Hostile scenario files and command lines (issue 10.1, 10.3, 10.7-10.9; issue 8.4, 8.5).

Each case here was an exit-1 "internal error", a silent no-op or a wrong line number before
the loader bounded and checked it; each must now be exit 2 with the file, line and field.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from cli_calls import call, refused
from scslab.cli.common import safe_folder_name
from scslab.scenario import ScenarioError, load_scenario
from scslab.scenario.loader import MAX_EXTENDS, MAX_FILE_BYTES, load_text


def problems(source, overrides=(), **kw):
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides, **kw)
    return info.value.problems


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


# ---------------------------------------------------------------- 10.1: exit 2, not exit 1


def test_invalid_utf8_is_a_problem_with_its_line(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", b'description = "ok"\nname = "\xff"\n')
    (p,) = problems(f)
    assert p.line == 2 and "UTF-8" in p.reason and "ff" in p.reason
    refused(capsys, "validate", str(f))


@pytest.mark.parametrize("depth", [40, 330, 3000])
def test_deeply_nested_arrays(tmp_path, capsys, depth) -> None:
    f = write(tmp_path, "f.toml", 'name = "a"\nx = ' + "[" * depth + "]" * depth + "\n")
    (p,) = problems(f)
    assert "nested more than" in p.reason
    refused(capsys, "validate", str(f))


def test_dotted_key_thousands_of_levels_deep_is_refused_quickly(tmp_path, capsys) -> None:
    # 3,000 levels: three times Python's recursion limit, so a recursive walk would still fail;
    # 20,000 (as before) proves nothing more and costs 6 s of CPU per parse in tomllib, whose
    # dotted-key check is quadratic in the depth (0.3 s at 3,000)
    depth = 3_000
    assert depth > 2 * sys.getrecursionlimit()
    f = write(tmp_path, "f.toml", 'name = "a"\n' + ".".join(["a"] * depth) + " = 1\n")
    (p,) = problems(f)  # before the nesting limit 20,000 levels took 15 s and 2 GB, then a RecursionError
    assert "nested more than 32 levels" in p.reason and p.path.startswith("a.a.a")
    refused(capsys, "validate", str(f))


def test_integer_of_thousands_of_digits(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'name = "a"\n\n[sim]\nseed = ' + "1" * 5000 + "\n")
    (p,) = problems(f)
    assert p.line == 4 and "4300 digits" in p.reason
    refused(capsys, "validate", str(f))


def test_integer_over_64_bits(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\n[repair.expiry_days]\nmoderate = 18446744073709551616\n')
    (p,) = problems(f)
    assert (p.path, p.line) == ("repair.expiry_days.moderate", 3) and "64 bits" in p.reason
    refused(capsys, "validate", str(f))


def test_non_finite_float_is_refused(tmp_path) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\n[population]\nincome_median_per_year = inf\n')
    (p,) = problems(f)
    assert p.path == "population.income_median_per_year" and "finite" in p.reason


def test_repair_table_naming_one_severity_keeps_the_others(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\n[repair.expiry_days]\nmoderate = 5\n')
    sc = load_scenario(f)
    assert sc.repair.expiry_days == {"minor": 1095, "moderate": 5, "serious": 1825}
    assert call(capsys, "validate", str(f)).returncode == 0  # was KeyError: 'minor' (exit 1)


def test_extends_chain_longer_than_the_limit(tmp_path, capsys) -> None:
    write(tmp_path, "f0.toml", 'extends = "rongcheng"\n')
    for i in range(1, 1000):
        write(tmp_path, f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    (p,) = problems(tmp_path / "f999.toml")
    assert p.path == "extends" and f"longer than {MAX_EXTENDS}" in p.reason
    refused(capsys, "validate", str(tmp_path / "f999.toml"))
    # a chain within the limit still loads
    assert load_scenario(tmp_path / f"f{MAX_EXTENDS - 2}.toml").name == "rongcheng"


def test_extends_file_name_too_long(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'extends = "' + "a" * 300 + '.toml"\n')
    (p,) = problems(f)
    assert p.path == "extends" and p.line == 1
    refused(capsys, "validate", str(f))


def test_extends_symlink_loop(tmp_path, capsys) -> None:
    os.symlink(tmp_path / "loop2.toml", tmp_path / "loop1.toml")
    os.symlink(tmp_path / "loop1.toml", tmp_path / "loop2.toml")
    f = write(tmp_path, "f.toml", 'extends = "loop1.toml"\n')
    (p,) = problems(f)
    assert p.path == "extends" and "symbolic links" in p.reason
    refused(capsys, "validate", str(f))
    refused(capsys, "validate", str(tmp_path / "loop1.toml"))


def test_extends_odd_preset_names(tmp_path) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rong\\u0000cheng"\n')
    (p,) = problems(f)
    assert p.path == "extends" and "unknown preset" in p.reason


def test_nul_byte(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", b'name = "a\x00"\n')
    (p,) = problems(f)
    assert p.line == 1
    refused(capsys, "validate", str(f))


def test_epidemic_and_letters_references(tmp_path, capsys) -> None:
    f = write(
        tmp_path,
        "f.toml",
        'extends = "rongcheng"\n[epidemic]\nenabled = true\nviolation_behaviour = "nope"\n'
        'case_record_behaviour = "traffic_violation"\n[letters]\nenabled = true\nbehaviour = "volunteering"\n',
    )
    got = {p.path: p for p in problems(f)}
    assert (
        got["epidemic.violation_behaviour"].line == 4
        and "unknown behaviour 'nope'" in got["epidemic.violation_behaviour"].reason
    )
    assert "go together" in got["epidemic.case_record_source"].reason
    assert got["letters.behaviour"].line == 8 and "not an obligation" in got["letters.behaviour"].reason
    refused(capsys, "validate", str(f))


def test_not_a_regular_file(tmp_path, capsys) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    (p,) = problems(fifo)  # would block forever on read
    assert "not a regular file" in p.reason


# ---------------------------------------------------------------- 10.3: parsing is bounded


def test_file_larger_than_the_limit_is_refused_before_parsing(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'name = "' + "x" * (MAX_FILE_BYTES + 10) + '"\n')
    t = time.process_time()
    (p,) = problems(f)
    assert "larger than the limit" in p.reason
    assert time.process_time() - t < 2
    refused(capsys, "validate", str(f))


def test_long_string_is_refused(tmp_path) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\ndescription = "' + "x" * 100_000 + '"\n')
    (p,) = problems(f)
    assert (p.path, p.line) == ("description", 2) and "longer than the limit" in p.reason


def test_long_string_through_set_is_refused() -> None:
    (p,) = problems("rongcheng", ["description=" + "x" * 100_000])
    assert p.path == "description" and "longer than the limit" in p.reason


# ---------------------------------------------------------------- 10.8, 10.9: lines and quoting


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085"])
@pytest.mark.parametrize("where", ["comment", "string"])
def test_line_numbers_do_not_drift_on_unicode_line_separators(tmp_path, sep, where) -> None:
    odd = f"# a{sep}b\n" if where == "comment" else f'description = "a{sep}b"\n'
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\n' + odd + "[sim]\nbogus = 1\n")
    (p,) = problems(f)
    assert (p.path, p.line) == ("sim.bogus", 4)


def test_terminal_escapes_are_quoted_not_printed(tmp_path, capsys) -> None:
    f = write(tmp_path, "f.toml", 'extends = "rongcheng"\n[sim]\n"\\u001b[31mred\\u202e" = 1\n')
    err = refused(capsys, "validate", str(f))
    assert "\x1b" not in err and "\u202e" not in err
    assert "\\x1b[31mred\\u202e: unknown key" in err


# ---------------------------------------------------------------- 8.4: the horizon


def test_letters_after_the_horizon_refused_by_run_and_validate(tmp_path, capsys) -> None:
    err = refused(capsys, "run", "bit-nudge", "--years", "1", "--n", "200", "--out", str(tmp_path / "o"))
    assert "letters.send_days" in err and "day 400" in err and "horizon of 365 days" in err
    assert not (tmp_path / "o").exists()
    f = write(tmp_path, "f.toml", 'extends = "bit-nudge"\n[sim]\ndays = 365\n')
    err = refused(capsys, "validate", str(f))
    assert "letters.send_days" in err and "day 400" in err


def test_every_configured_day_is_checked(tmp_path, capsys) -> None:
    black = load_scenario("health-code").lists[0].name
    f = write(
        tmp_path,
        "f.toml",
        'extends = "health-code"\n[sim]\ndays = 100\n[epidemic]\nstart_day = 150\n'
        '[[schedule]]\nday = 5000\nset = { "policy.detection_scale" = 0.5 }\n'
        f'[[measures]]\nname = "late_agency"\nlist = "{black}"\nkind = "sanction"\nfrom_day = 120\n',
    )
    got = {p.path: p for p in problems(f, checks=_checks())}
    assert "day 150" in got["epidemic.start_day"].reason and got["epidemic.start_day"].line == 5
    assert "day 5,000" in got["schedule[0].day"].reason and got["schedule[0].day"].line == 7
    assert "day 120" in got["measures[late_agency].from_day"].reason
    err = refused(capsys, "validate", str(f))
    assert err.count("horizon of 100 days") == 3
    assert call(capsys, "validate", "health-code").returncode == 0


def _checks():
    from scslab.cli.checks import scenario_checks

    return scenario_checks()


def test_python_api_keeps_short_runs_of_long_presets() -> None:
    # the horizon is a command-line check: a 30-day look at bit-nudge stays possible in Python
    assert load_scenario("bit-nudge", ["sim.days=30"]).sim.days == 30


# ---------------------------------------------------------------- 8.5: validate catches what run would


def test_validate_reports_rule_names_with_every_other_problem(tmp_path, capsys) -> None:
    f = write(
        tmp_path,
        "f.toml",
        'extends = "rongcheng"\nindicators = ["ever_listd"]\n[population]\nn = "many"\n'
        '[[schedule]]\nday = 10\nset = { "lists.grade_c_d.entry" = "points <" }\n'
        '[[schedule]]\nday = 20\nset = { "lists.grade_c_d.exit" = "pointz > 3" }\n'
        '[[lists]]\nname = "grade_c_d"\nentry = "bogus_attr < 3"\n',
    )
    err = refused(capsys, "validate", str(f))
    lines = err.splitlines()
    assert any(":4: population.n:" in x for x in lines)
    assert any(":2: indicators: unknown indicator(s) 'ever_listd'" in x and "ever_listed" in x for x in lines)
    assert any(":7: schedule[0].set.lists.grade_c_d.entry: bad expression" in x for x in lines)
    assert any(":10: schedule[1].set.lists.grade_c_d.exit:" in x and "unknown name 'pointz'" in x for x in lines)
    assert any(":13: lists[grade_c_d].entry:" in x and "unknown name 'bogus_attr'" in x for x in lines)


def test_run_refuses_bad_schedule_rule_before_simulating(tmp_path, capsys) -> None:
    out = tmp_path / "o"
    err = refused(
        capsys, "run", "rongcheng", "--n", "200", "--days", "30", "--out", str(out),
        "--set", "schedule=[{day = 5, set = {\"lists.grade_c_d.entry\" = \"nosuch > 1\"}}]",
    )  # fmt: skip
    assert "schedule[0].set.lists.grade_c_d.entry" in err and "unknown name 'nosuch'" in err
    assert not out.exists()


# ---------------------------------------------------------------- 10.7: arguments before simulating


@pytest.mark.parametrize("years", ["1e308", "inf", "101", "0.0001"])
def test_years_out_of_range(capsys, years) -> None:
    err = refused(capsys, "run", "rongcheng", "--years", years)
    assert "--years" in err


def test_out_that_cannot_be_a_folder_fails_before_simulating(tmp_path, capsys) -> None:
    (tmp_path / "afile").write_text("x")
    t = time.perf_counter()
    err = refused(capsys, "run", "rongcheng", "--out", str(tmp_path / "afile" / "sub"))
    assert "afile" in err and "not a folder" in err
    err = refused(capsys, "run", "rongcheng", "--out", str(tmp_path / "afile"))
    assert "not a folder" in err
    err = refused(capsys, "run", "rongcheng", "--out", "/proc/scslab-x")
    assert "cannot write" in err
    assert time.perf_counter() - t < 60  # no simulation ran (a full rongcheng run takes minutes)


# ---------------------------------------------------------------- 10.4: a name is a label


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../x", "x"),
        ("/tmp/x", "tmp-x"),
        ("..", "unnamed"),
        ("a b/c", "a-b-c"),
        ("", "unnamed"),
        (".hidden", "hidden"),
    ],
)
def test_safe_folder_name(name, folder) -> None:
    assert safe_folder_name(name) == folder


def test_name_cannot_move_the_output_folder(tmp_path, capsys, monkeypatch) -> None:
    work = tmp_path / "w"
    work.mkdir()
    monkeypatch.chdir(work)
    p = call(capsys, "run", "rongcheng", "--n", "200", "--days", "5", "--no-report", "--set", "name=../../escaped")
    assert p.returncode == 0, p.stderr
    assert (work / "out" / "escaped" / "results.duckdb").is_file()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["w"]


# ---------------------------------------------------------------- untrusted input


def test_untrusted_text_may_extend_presets_only(tmp_path) -> None:
    secret = write(tmp_path, "secret.toml", 'name = "secret"\n')
    assert load_text('extends = "rongcheng"\nname = "mine"\n').name == "mine"
    with pytest.raises(ScenarioError) as info:
        load_text(f'extends = "{secret}"\n')
    assert "only a preset" in str(info.value)


def test_untrusted_file_may_extend_files_under_its_folder_only(tmp_path) -> None:
    (tmp_path / "mine").mkdir()
    write(tmp_path, "outside.toml", 'extends = "rongcheng"\n')
    write(tmp_path / "mine", "base.toml", 'extends = "rongcheng"\n')
    ok = write(tmp_path / "mine", "ok.toml", 'extends = "base.toml"\n')
    bad = write(tmp_path / "mine", "bad.toml", 'extends = "../outside.toml"\n')
    assert load_scenario(ok, trusted=False).name == "rongcheng"
    (p,) = problems(bad, trusted=False)
    assert p.path == "extends" and "untrusted" in p.reason
    assert load_scenario(bad).name == "rongcheng"  # a trusted file may


def test_nothing_in_the_package_evaluates_code() -> None:
    import ast

    import scslab

    root = Path(scslab.__file__).parent
    found = []
    for f in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if called and node.func.id in ("eval", "exec", "compile", "__import__"):
                found.append(f"{f.relative_to(root)}:{node.lineno}: {node.func.id}")
    assert found == []
