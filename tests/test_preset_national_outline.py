"""national-outline: the 2014 Planning Outline as four domains of red and black lists.

Signature: no national score; every domain has a red list and a blacklist; all four kinds
of subject can be recorded; joint punishment reaches many agencies and disappears (except
the non-joint measures) when ``policy.joint_sanctions`` is off; repair follows the 2020
Credit China rules (facts 1.14-1.16).
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.sim import Sim
from scslab.scenario.loader import load_scenario
from scslab.scenario.schema import DOMAINS, SUBJECT_TYPES

N, DAYS = 3000, 730
# more firms than the national ratio so a short, small run lists some (the rule is unchanged;
# at 80 per 1000 the draws of the shared base list none)
MORE_FIRMS = ["population.enterprises_per_1000=150"]


@pytest.fixture(scope="module")
def run():
    sim = Sim("national-outline", n=N, seed=1, days=DAYS, overrides=MORE_FIRMS)
    return sim, sim.run()


def test_structure_four_domains_lists_and_repair():
    sc = load_scenario("national-outline")
    assert sc.scoring.kind == "none"
    for kind in ("black", "red"):
        assert {x.domain for x in sc.lists if x.type == kind} == set(DOMAINS)
    assert {b.domain for b in sc.behaviours} == set(DOMAINS)
    assert {b.subject for b in sc.behaviours} == set(SUBJECT_TYPES)
    assert any(b.kind == "expression" and b.name == "internet_speech" for b in sc.behaviours)
    assert sc.repair.wait_days == {"minor": 90, "moderate": 180, "serious": 1095}
    assert sc.repair.course_required == ["serious"] and sc.repair.verify_days == 20
    assert {s.kind for s in sc.sources} >= {"court", "tax", "bank", "platform", "camera", "grid_worker"}


def test_joint_punishment_and_rewards_reach_many_agencies(run):
    sim, res = run
    ind = res.indicators
    assert ind["agencies_sanctioning"] >= 4
    assert ind["agencies_rewarding"] >= 4
    # persons and enterprises both end up blacklisted
    assert ind["listed_by_subject_type"]["person"] > 0
    assert ind["listed_by_subject_type"]["enterprise"] > 0
    # every sanction row belongs to a blacklist spell, every reward row to a red-list spell
    kinds = np.asarray(res.names["measure_kind"], dtype=object)[res.sanctions["measure"]]
    list_type = np.asarray(res.names["list_type"], dtype=object)[res.list_spells["list"][res.sanctions["spell"]]]
    assert set(list_type[kinds == "sanction"]) == {"black"}
    assert set(list_type[kinds == "reward"]) == {"red"}
    # speech is chilled but not silenced
    assert 0.0 < ind["chilled_speech"] < 1.0


def test_joint_sanctions_off_leaves_only_non_joint_measures():
    res = Sim("national-outline", n=N, seed=1, days=DAYS, overrides=[*MORE_FIRMS, "policy.joint_sanctions=false"]).run()
    sc = load_scenario("national-outline")
    joint = np.array([m.joint for m in sc.measures])
    assert len(res.sanctions["measure"]) > 0
    assert not joint[res.sanctions["measure"]].any()
