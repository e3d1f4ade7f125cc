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
from scslab.lab.targets import load_targets
from scslab.lab.traced import ever_listed_by_day
from scslab.scenario.loader import load_scenario
from scslab.scenario.schema import DOMAINS, SUBJECT_TYPES

N, DAYS = 3000, 730
# more firms than the national ratio so a short, small run lists some (the rule is unchanged;
# at 80 per 1000 the draws of the shared base list none), and more civil servants (0.0075 of
# working-age adults are ~14 at this size: whether one of them gets a bad record in two years
# is luck; at 0.03, ~55, it is not)
MORE_FIRMS = ["population.enterprises_per_1000=150", "population.occupations.civil_servant.share=0.03"]


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
    assert set(list_type[kinds == "sanction"]) == {"black", "watch"}  # watch: the sincerity files (issue 13.1)
    names = np.asarray(res.names["list"], dtype=object)[res.list_spells["list"][res.sanctions["spell"]]]
    assert set(names[(kinds == "sanction") & (list_type == "watch")]) <= {"civil_servant_files", "professional_files"}
    assert set(list_type[kinds == "reward"]) == {"red"}
    # speech is chilled but not silenced
    assert 0.0 < ind["chilled_speech"] < 1.0


def test_joint_sanctions_off_leaves_only_non_joint_measures():
    res = Sim("national-outline", n=N, seed=1, days=DAYS, overrides=[*MORE_FIRMS, "policy.joint_sanctions=false"]).run()
    sc = load_scenario("national-outline")
    joint = np.array([m.joint for m in sc.measures])
    assert len(res.sanctions["measure"]) > 0
    assert not joint[res.sanctions["measure"]].any()


# -- issue 13.1: each subject type's own sincerity system ------------------------------------
# more social organisations and government bodies than the national ratios, so a small run
# lists some (the rules are the preset's own)
MORE_ORGS = ["population.social_orgs_per_1000=20", "population.government_bodies=120"]


@pytest.fixture(scope="module")
def orgs_run():
    sim = Sim("national-outline", n=N, seed=1, days=DAYS, overrides=MORE_ORGS)
    return sim, sim.run()


def _spells(res, name):
    sp = res.list_spells
    mine = sp["list"] == res.names["list"].index(name)
    return {k: v[mine] for k, v in sp.items()}


def test_government_bodies_are_listed_for_unperformed_judgments_and_their_heads_answer(orgs_run):
    sim, res = orgs_run
    st = sim.state
    gov = _spells(res, "government_blacklist")
    assert gov["subject"].size > 0 and (st.kind[gov["subject"]] == 3).all()
    rec = res.records
    j = res.names["behaviour"].index("government_judgment_debt")
    judged = np.unique(rec["subject"][rec["behaviour"] == j])
    assert np.isin(gov["subject"], judged).any()  # listed for a court judgment, not only promises
    # the head of a listed body is reached (office barred), but not listed himself
    m = res.names["measure"].index("gov_head_accountability")
    sa = res.sanctions
    rows = sa["measure"] == m
    heads, body = sa["target"][rows], res.list_spells["subject"][sa["spell"][rows]]
    assert heads.size > 0 and (st.kind[heads] == 0).all()
    np.testing.assert_array_equal(heads, st.legal_rep[body - st.n])  # each body's own legal representative


def test_social_organisations_have_their_own_list_and_measures(orgs_run):
    sim, res = orgs_run
    st = sim.state
    soc = _spells(res, "social_org_blacklist")
    assert soc["subject"].size > 0 and (st.kind[soc["subject"]] == 2).all()
    sa = res.sanctions
    ban = res.names["measure"].index("soc_fundraising_ban")
    banned = sa["target"][sa["measure"] == ban]
    assert banned.size > 0 and np.isin(banned, soc["subject"]).all()
    assert res.indicators["listed_by_subject_type"]["social_org"] > 0
    assert res.indicators["listed_by_subject_type"]["government"] > 0


def test_civil_servants_files_reach_civil_servants_only(run):
    sim, res = run
    st = sim.state
    files = _spells(res, "civil_servant_files")
    k = [o.name for o in sim.scenario.population.occupations].index("civil_servant")
    assert files["subject"].size > 0 and (st.occupation[files["subject"]] == k).all()
    # every civil servant with a bad record on file at the end has an open file
    cs = np.flatnonzero(st.occupation == k)
    open_ = np.zeros(st.S, bool)
    open_[files["subject"][files["end"] < 0]] = True
    owed = cs[st.bad_records[cs] > 0]
    pending = st.pending_exit[res.names["list"].index("civil_servant_files")]
    assert open_[owed].all()
    assert (~open_[cs[(st.bad_records[cs] == 0)]] | (pending[cs[st.bad_records[cs] == 0]] >= 0)).all()
    share = res.indicators["sanctioned_share_by_occupation"]
    assert share["civil_servant"] > share["none"]


def test_lawyers_records_are_kept_for_practising_lawyers_only(run):
    sim, res = run
    st = sim.state
    rec = res.records
    pro = rec["behaviour"] == res.names["behaviour"].index("pro_bono_legal_service")
    k = [o.name for o in sim.scenario.population.occupations].index("lawyer")
    assert (st.occupation[rec["subject"][pro & rec["true"]]] == k).all()
    red = _spells(res, "judicial_redlist")
    assert (st.occupation[red["subject"]] == k).all()


def test_the_target_counts_persons_on_the_judicial_list_only(run):
    """facts 2c counts people on the SPC list: not government bodies, social organisations or
    firms, and not the other domains' blacklists (issue 8)."""
    assert {t.metric for t in load_targets("national-outline").targets} == {"ever_listed_cum_judicial_persons"}
    _, res = run
    sc = load_scenario("national-outline")
    judicial_black = [k for k, x in enumerate(sc.lists) if x.type == "black" and x.domain == "judicial"]
    sp = res.list_spells
    on = np.isin(sp["list"], judicial_black)
    persons = np.unique(sp["subject"][on & (sp["subject"] < res.n_persons)])
    everyone = ever_listed_by_day(res, DAYS)
    judicial = ever_listed_by_day(res, DAYS, domain="judicial", persons_only=True)
    assert judicial[-1] == persons.size > 0
    assert everyone[-1] > judicial[-1]  # organisations and other domains' lists are left out
    assert (np.diff(judicial) >= 0).all()
