"""The engine limits issue 13.7 lifted: measures re-checked during a spell, sources limited to a
list's members, weighted scores that count good records, and the occupation attribute."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import toy_scenario
from scslab.engine.attributes import attribute_names
from scslab.engine.sim import Sim


def _flight(d, eligible, recheck):
    d["lists"][0]["term_days"] = 30
    d["measures"][0]["eligible"] = eligible
    d["measures"][0]["recheck_days"] = recheck


def _rows(res, name):
    s = res.sanctions
    mine = s["measure"] == res.names["measure"].index(name)
    return {k: v[mine] for k, v in s.items()}


def test_measure_rechecked_starts_for_open_spells_when_its_rule_becomes_true():
    runs = {}
    for recheck in (0, 5):
        sim = Sim(toy_scenario(lambda d, r=recheck: _flight(d, "day >= 20", r)))
        runs[recheck] = (sim, sim.run())
    sp = runs[0][1].list_spells
    before = (sp["start"] < 20) & ((sp["end"] < 0) | (sp["end"] > 20))  # spells open on day 20
    assert before.sum() > 5
    # read only on entry: spells that began before day 20 never get the measure
    rows0 = _rows(runs[0][1], "flight_ban")
    assert not np.isin(rows0["spell"], np.flatnonzero(before)).any()
    # re-checked every 5 days: every spell open on day 20 gets it on day 20 exactly
    rows5 = _rows(runs[5][1], "flight_ban")
    got = rows5["spell"][rows5["start"] == 20]
    assert set(got.tolist()) == set(np.flatnonzero(before).tolist())
    # the spells, and every figure that does not read the measure, are those of the run without recheck
    sp5 = runs[5][1].list_spells
    assert all(np.array_equal(sp[k], sp5[k]) for k in ("subject", "start", "end"))


def test_measure_rechecked_stops_during_the_spell_when_its_rule_becomes_false():
    sim = Sim(toy_scenario(lambda d: _flight(d, "day < 20", 5)))
    res = sim.run()
    rows = _rows(res, "flight_ban")
    sp = res.list_spells
    spell_end = sp["end"][rows["spell"]]
    open_past_20 = rows["start"] < 20
    open_past_20 &= (spell_end < 0) | (spell_end > 20)
    assert open_past_20.sum() > 5
    assert (rows["end"][open_past_20] == 20).all()  # lifted on the recheck day, spell still open
    assert (rows["start"] < 20).all()  # nobody gets it afterwards
    # the lifted effects are gone: nobody is denied flights or has the income cut at the end
    st = sim.state
    assert st.blocks[st.services.index("flight")].sum() == 0
    assert np.allclose(st.income_effect, 0.0)


def test_a_source_limited_to_a_lists_members_observes_only_them():
    def edit(d):
        registered = {"name": "registered", "type": "red", "entry": "urban", "term_days": 0, "full_review_days": 1}
        d["lists"].append(registered)
        d["sources"][0]["members_of"] = ["registered"]
        d["sources"].append(
            {
                "name": "camera",
                "kind": "camera",
                "false_match_per_year": 3.0,
                "false_match_behaviour": "littering",
                "members_of": ["registered"],
            }
        )

    sim = Sim(toy_scenario(edit))
    res = sim.run()
    rec = res.records
    assert rec["true"].sum() > 20 and (~rec["true"]).sum() > 20
    urban = sim.state.urban[rec["subject"]]
    assert (urban == 1).all()  # neither true nor false records reach a non-member
    # the registered list fills on day 0, so every urban violator can be seen from day 1
    sp = res.list_spells
    reg = sp["list"] == res.names["list"].index("registered")
    assert (sp["start"][reg] == 0).all() and reg.sum() == int((sim.state.urban[: sim.state.n] == 1).sum())


def test_members_of_must_name_a_list():
    with pytest.raises(ValueError, match="members_of: unknown list 'nobody'"):
        toy_scenario(lambda d: d["sources"][0].update(members_of=["nobody"]))


def _weighted(good_weight):
    def edit(d):
        d["behaviours"].append(
            {
                "name": "volunteering",
                "domain": "social",
                "kind": "good_deed",
                "opportunities_per_year": 24.0,
                "base_logit": 0.0,
                "points": 5.0,
            }
        )
        d["sources"][0]["detects"]["volunteering"] = 1.0
        d["scoring"] = {
            "kind": "weighted",
            "min": 300.0,
            "max": 900.0,
            "bands": [],
            "dimensions": [
                {
                    "name": "conduct",
                    "weight": 1.0,
                    "behaviours": ["littering", "volunteering"],
                    "good_weight": good_weight,
                }
            ],
        }
        d["lists"][0]["entry"] = "score < 400"
        d["repair"]["expiry_days"]["minor"] = 1825  # records stay on file for the whole run

    return toy_scenario(edit)


@pytest.mark.parametrize("w", [0.0, 0.5])
def test_weighted_score_counts_good_records_with_their_weight(w):
    sim = Sim(_weighted(w))
    sim.run()
    st = sim.state
    idx = st.scores.scored
    bad = st.bad_records[idx].astype(float)
    good = st.good_records[idx].astype(float)
    assert ((bad > 0) & (good > 0)).sum() > 50
    expected = 300.0 + 600.0 * (1 + w * good) / (1 + w * good + bad)
    assert np.allclose(st.score[idx], expected, rtol=1e-5)


def test_good_records_lift_the_weighted_score_only_with_a_good_weight():
    a, b = Sim(_weighted(0.0)), Sim(_weighted(0.5))
    a.run()
    b.run()
    has_bad = a.state.bad_records[a.state.scores.scored] > 0
    has_good = a.state.good_records[a.state.scores.scored] > 0
    both = a.state.scores.scored[has_bad & has_good]
    assert (b.state.score[both] > a.state.score[both]).all()  # good records lift the weighted score


OCCUPATIONS = [
    {"name": "civil_servant", "share": 0.05, "min_education": 2},
    {"name": "teacher", "share": 0.04, "min_education": 2},
    {"name": "doctor", "share": 0.02, "min_education": 2},
]


def _with_occupations(d):
    d["population"]["n"] = 5000
    d["population"]["occupations"] = OCCUPATIONS
    d["lists"].append(
        {"name": "sincerity_file", "type": "watch", "entry": "occupation_civil_servant", "full_review_days": 1}
    )


def test_occupations_are_drawn_among_working_age_adults_with_their_shares():
    sim = Sim(toy_scenario(_with_occupations)).init()
    st, pop = sim.state, sim.pop
    working = (pop.age >= 18) & (pop.age <= 64)
    for k, occ in enumerate(OCCUPATIONS):
        mine = pop.occupation == k
        assert mine.sum() == round(occ["share"] * working.sum())
        assert working[mine].all() and (pop.education[mine] >= occ["min_education"]).all()
    assert (st.occupation[st.n :] == -1).all()  # organisations hold no occupation
    assert "occupation_teacher" in attribute_names(sim)


def test_rules_read_the_occupation_and_other_draws_do_not_move():
    plain = Sim(toy_scenario(lambda d: d["population"].update(n=5000))).init()
    assert not [x for x in attribute_names(plain) if x.startswith("occupation_")]
    assert (plain.pop.occupation == -1).all()
    sim = Sim(toy_scenario(_with_occupations))
    res = sim.run()
    for field in ("age", "sex", "income", "household", "workplace", "honesty"):
        assert np.array_equal(getattr(plain.pop, field), getattr(sim.pop, field))
    sp = res.list_spells
    filed = sp["subject"][sp["list"] == res.names["list"].index("sincerity_file")]
    assert np.array_equal(np.sort(filed), np.flatnonzero(sim.pop.occupation == 0))


def test_occupation_shares_above_one_are_refused():
    def edit(d):
        d["population"]["occupations"] = [{"name": "a", "share": 0.7}, {"name": "b", "share": 0.4}]

    with pytest.raises(ValueError, match="occupation shares must sum to at most 1"):
        toy_scenario(edit)
