"""The worked example of CONTRIBUTING.md: a new institution module is one file and one line.

``examples/fine_module.py`` is shown in CONTRIBUTING.md verbatim; this file checks that it
is, and that the module does what the text says: it joins the loop where it declares, runs
once a day, fines exactly the persons on a blacklist for exactly the days they are listed,
and, in a scenario where savings feed nothing else, changes nothing but savings (common
random numbers: same scenario and seed, one module more).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from examples.fine_module import DailyFine

from scslab.engine.sim import MODULES, Sim

ROOT = Path(__file__).resolve().parents[1]

# one blacklist with a 10-day term, no repair or objections (spells end only by their term),
# and decision weights zeroed, so savings change no decision
TOY = ROOT / "tests" / "fixtures" / "engine" / "toy_points.toml"
N, DAYS = 800, 90


def test_contributing_shows_the_example_verbatim() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    example = (ROOT / "examples" / "fine_module.py").read_text()
    assert f"```python\n{example}```" in contributing, "update the example in CONTRIBUTING.md"


@pytest.fixture(scope="module")
def runs():
    plain = Sim(TOY, n=N, days=DAYS, seed=3)
    fined = Sim(TOY, n=N, days=DAYS, seed=3, modules=[*MODULES, DailyFine])  # the one line
    return plain, plain.run(), fined, fined.run()


def test_the_module_joins_the_loop_where_it_declares(runs) -> None:
    _, _, fined, _ = runs
    names = [m.name for m in fined.modules]
    assert names.index("daily_fine") == names.index("measures") + 1
    assert [n for n in names if n != "daily_fine"] == [cls.name for cls in MODULES]  # the rest as published


def test_fines_match_the_list_spells_exactly(runs) -> None:
    _, _, fined, res = runs
    fine = fined.module("daily_fine")
    assert isinstance(fine, DailyFine)
    sp = res.list_spells
    persons = sp["subject"] < N
    assert persons.sum() > 20  # enough spells for the check to mean something
    end = np.where(sp["end"] >= 0, sp["end"], DAYS)
    listed_days = np.bincount(sp["subject"][persons], weights=(end - sp["start"])[persons], minlength=N)
    np.testing.assert_array_equal(fine.paid, listed_days * DailyFine.yuan_per_day)
    assert fine.collected.sum() == fine.paid.sum() > 0


def test_with_common_random_numbers_only_savings_move(runs) -> None:
    plain, base, fined, res = runs
    assert set(res.series) - set(base.series) == {"fines_collected"}  # the module's own series
    for name, series in base.series.items():
        np.testing.assert_array_equal(res.series[name], series, err_msg=name)
    fine = fined.module("daily_fine")
    assert isinstance(fine, DailyFine)
    drop = plain.state.savings[:N].astype(np.float64) - fined.state.savings[:N]
    np.testing.assert_allclose(drop, fine.paid, atol=0.05)


def test_the_declared_results_reach_the_results(runs) -> None:
    _, plain_res, fined, res = runs
    fine = fined.module("daily_fine")
    np.testing.assert_array_equal(res.series["fines_collected"], fine.collected)
    assert res.figures["fines_total"] == fine.collected.sum() > 0
    np.testing.assert_array_equal(res.subjects["fines_paid"][:N], fine.paid)
    assert (res.subjects["fines_paid"][N:] == 0).all()
    declared = {d["name"]: (d["module"], d["kind"]) for d in res.declared}
    assert declared["fines_paid"] == ("daily_fine", "column") and declared["fines_total"] == ("daily_fine", "figure")
    assert "fines_collected" not in plain_res.series
