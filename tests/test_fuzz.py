"""The fuzzing harness in the suite (issue 10): mutated presets never get past the promise.

Every generated input must end in exit 0 or exit 2 -- no "internal error", no traceback, no hang
over the harness's time limit, no runaway memory, nothing written by a refused run. A bounded
number of examples runs here; ``make fuzz`` runs the long campaign whose figures are in
docs/reliability.md.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from tools.fuzz import FAILURES, check, dump_toml, mutants

SETTINGS = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=60, **SETTINGS)
@given(mutants())
def test_validate_answers_every_mutant_with_exit_0_or_2(m) -> None:
    o = check(m)
    assert o["class"] not in FAILURES, o
    assert o["class"] in ("ok", "refused")


@settings(max_examples=6, **SETTINGS)
@given(mutants(presets=["rongcheng", "bit-nudge", "health-code"]))
def test_run_answers_every_mutant_and_writes_nothing_when_refused(m) -> None:
    o = check(m, run=True)
    assert o["class"] not in FAILURES, o


def test_the_harness_sees_failures() -> None:
    # the classifier is honest: an input the CLI cannot handle would be reported, and a
    # clean preset passes (round trip through the harness's TOML writer)
    import tomllib
    from pathlib import Path

    import scslab.cli as cli

    preset = Path(cli.__file__).parents[1] / "scenario" / "presets" / "rongcheng.toml"
    text = dump_toml(tomllib.loads(preset.read_text()))
    assert check({"bytes": text.encode(), "ops": ["rongcheng"]})["class"] == "ok"
    real = cli._COMMANDS["validate"]
    try:
        cli._COMMANDS["validate"] = lambda args: 1 / 0
        assert check({"bytes": text.encode(), "ops": []})["class"] == "exit1"
    finally:
        cli._COMMANDS["validate"] = real
