"""Blockable services: declared by the scenario, counted once per attempt, lifted on a date.

The toy scenario (tests/fixtures/engine/toy_points.toml) lists people whose points fall
below 950; its ``flight_ban`` denies them flights. These tests add measures to it and check
the blocked-attempt counts against the run's own sanctions table.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_recording, toy_scenario
from scslab.scenario.errors import ScenarioError
from scslab.scenario.loader import load_scenario


def _second_flight_measure(d, attempts=2.0, first=2.0):
    d["measures"][0]["attempts_per_year"] = first
    d["measures"].append(
        {"name": "flight_ban_2", "list": "blacklist", "blocks": "flight", "attempts_per_year": attempts}
    )


def test_two_measures_denying_one_service_count_each_attempt_once():
    """Every listed person is denied flights by two measures: the service counts each
    attempt once, and each measure counts the same attempts (it was denying them too)."""
    sim, res, _ = run_recording(toy_scenario(lambda d: _second_flight_measure(d, 50.0, 50.0)))
    m = sim.measures
    k = sim.state.services.index("flight")
    assert m.blocked_by_service[k] > 20
    assert m.blocked_total[0] == m.blocked_total[2] == m.blocked_by_service[k]
    assert res.summary["blocks_by_service"] == {"flight": int(m.blocked_by_service[k])}
    # the same run with one flight measure at the same rate blocks exactly as many attempts
    one, _, _ = run_recording(toy_scenario(lambda d: d["measures"][0].update(attempts_per_year=50.0)))
    assert one.measures.blocked_by_service[k] == m.blocked_by_service[k]


def test_attempts_follow_the_highest_rate_of_the_measures_denying_a_service():
    """A slower second measure changes nothing; a faster one raises the count."""
    base, _, _ = run_recording(toy_scenario(lambda d: d["measures"][0].update(attempts_per_year=20.0)))
    slow, _, _ = run_recording(toy_scenario(lambda d: _second_flight_measure(d, 5.0, 20.0)))
    fast, _, _ = run_recording(toy_scenario(lambda d: _second_flight_measure(d, 80.0, 20.0)))
    k = base.state.services.index("flight")
    assert slow.measures.blocked_by_service[k] == base.measures.blocked_by_service[k] > 0
    assert fast.measures.blocked_by_service[k] > 2 * base.measures.blocked_by_service[k]


def test_declared_services_can_be_blocked_and_unknown_ones_are_refused():
    def hotels(d):
        d["services"] = [{"name": "star_hotel", "description": "star-rated hotels (facts 2b.2)"}]
        d["measures"].append(
            {"name": "hotel_ban", "list": "blacklist", "blocks": "star_hotel", "attempts_per_year": 30.0}
        )

    sim, res, _ = run_recording(toy_scenario(hotels))
    k = sim.state.services.index("star_hotel")
    assert sim.state.services[:7] == ("flight", "rail", "loan", "procurement", "private_school", "hiring", "office")
    open_ = (res.sanctions["end"] < 0) & (res.sanctions["measure"] == 2)
    assert np.array_equal(sim.state.blocks[k], np.bincount(res.sanctions["target"][open_], minlength=sim.state.S))
    assert sim.measures.blocked_by_service[k] > 0
    assert res.summary["blocks"]["hotel_ban"] == sim.measures.blocked_by_service[k]

    with pytest.raises(Exception, match="unknown service 'golf'"):
        toy_scenario(lambda d: d["measures"].append({"name": "golf_ban", "list": "blacklist", "blocks": "golf"}))


def test_unknown_service_in_a_file_names_the_field(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        'extends = "court-blacklist"\n[[measures]]\nname = "golf_ban"\nlist = "dishonest_refusal"\nblocks = "golf"\n'
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    where = [(p.path, p.line) for p in e.value.problems if "unknown service 'golf'" in p.reason]
    assert where == [("measures[golf_ban].blocks", 5)]


def test_a_measure_lifted_on_until_day_leaves_open_spells_and_reaches_no_new_ones():
    lift = 30

    def edit(d):
        d["measures"][0]["until_day"] = lift
        d["measures"][0]["attempts_per_year"] = 50.0

    sim, res, _ = run_recording(toy_scenario(edit))
    sa, sp = res.sanctions, res.list_spells
    rows = sa["measure"] == 0
    assert rows.sum() > 5 and (sp["start"] >= lift).sum() > 5  # spells go on starting after the lift
    assert np.all(sa["start"][rows] < lift)
    assert np.all((sa["end"][rows] >= 0) & (sa["end"][rows] <= lift))
    lifted = rows & (sa["end"] == lift)
    assert lifted.any()  # some spells were still open on the day: they lost the measure then
    spell_end = sp["end"][sa["spell"][lifted]]
    assert np.all((spell_end < 0) | (spell_end >= lift)) and ((spell_end < 0) | (spell_end > lift)).any()
    assert not sim.state.blocks[sim.state.services.index("flight")].any()
    assert np.all(sim.state.income_effect == 0.0)
    # blocked attempts stop with it: the same run without the lift blocks more
    on, _, _ = run_recording(toy_scenario(lambda d: d["measures"][0].update(attempts_per_year=50.0)))
    assert on.measures.blocked_total[0] > sim.measures.blocked_total[0] > 0


def test_until_day_must_follow_from_day():
    with pytest.raises(Exception, match="until_day: must be after from_day"):
        toy_scenario(lambda d: d["measures"][0].update(from_day=20, until_day=10))
