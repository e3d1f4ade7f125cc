"""Scenario options that change when and what the institution records or lists."""

from __future__ import annotations

import numpy as np

from conftest import TOY, toy_scenario
from scslab.engine.sim import Sim


def _set(path: str, value):
    def edit(d):
        node = d
        *head, last = path.split(".")
        for k in head:
            node = node[int(k)] if k.isdigit() else node[k]
        node[last] = value

    return edit


def test_open_ended_term_keeps_subjects_listed_until_the_exit_rule():
    sc = toy_scenario(_set("lists.0.term_days", 0))
    res = Sim(sc).run()
    sp = res.list_spells
    assert len(sp["subject"]) > 0
    assert (sp["end_reason"][sp["end"] >= 0] != 1).all()  # never ended by a term ('term' is code 1)


def test_full_review_lists_subjects_whose_records_did_not_change():
    # a red list for a clean record: the rule can become true without any record changing
    def make(every):
        def edit(d):
            d["lists"].append(
                {
                    "name": "clean",
                    "type": "red",
                    "entry": "bad_records == 0 and day >= 10",
                    "term_days": 0,
                    "full_review_days": every,
                }
            )

        return edit

    starts = {}
    for every in (0, 10):
        res = Sim(toy_scenario(make(every))).run()
        sp = res.list_spells
        starts[every] = sp["start"][sp["list"] == res.names["list"].index("clean")]
    assert starts[10].min() == 10 and starts[0].min() >= 10
    on_day_10 = {k: int((v == 10).sum()) for k, v in starts.items()}
    assert on_day_10[10] > 5 * max(on_day_10[0], 1)  # without the full review only changed subjects are seen


def test_source_reports_only_obligations_still_unpaid_after_its_delay():
    def base(d, only):
        d["behaviours"].append(
            {
                "name": "loan",
                "domain": "commercial",
                "kind": "obligation",
                "opportunities_per_year": 12.0,
                "base_logit": 0.0,
                "repay_per_year": 120.0,
                "points": -10.0,
            }
        )
        d["sources"].append(
            {"name": "bank", "kind": "bank", "detects": {"loan": 1.0}, "delay_days": 30, "only_if_still_open": only}
        )

    counts = {}
    for only in (False, True):
        sim = Sim(toy_scenario(lambda d: base(d, only)))
        res = sim.run()
        b = res.names["behaviour"].index("loan")
        counts[only] = int((res.records["behaviour"] == b).sum())
    assert counts[True] < counts[False]  # quick repayers (within 30 days) leave no record
    assert counts[True] > 0


def test_extension_attributes_are_visible_to_rules():
    sim = Sim("health-code", n=500, days=5).init()
    from scslab.engine.attributes import attribute_names

    assert {"code_green", "code_yellow", "code_red"} <= set(attribute_names(sim))
    assert TOY.exists()
    assert np.asarray(sim.state.kind).size == sim.state.S


def test_a_scheduled_rule_change_applies_from_its_day():
    def edit(d):
        d["schedule"] = [{"day": 30, "set": {"lists.0.entry": "points < 0"}}]  # nobody can enter after day 30

    res = Sim(toy_scenario(edit)).run()
    starts = res.list_spells["start"]
    assert (starts < 30).any() and not (starts >= 30).any()


def test_schedule_refuses_changes_a_run_cannot_make(tmp_path):
    import pytest

    from scslab.scenario.loader import ScenarioError, load_scenario

    f = tmp_path / "s.toml"
    f.write_text(
        'extends = "rongcheng"\n[[schedule]]\nday = 5\n'
        'set = { "population.n" = 50, "lists.grade_c_d.subjects" = "any", "policy.publicity" = false }\n'
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    paths = {p.path for p in e.value.problems}
    assert paths == {"schedule[0].set.population.n", "schedule[0].set.lists.grade_c_d.subjects"}
