"""Wrongful listings by the but-for test (issue 8.1), on hand-built records.

The toy scenario (start 1000 points, blacklist at ``points < 950``) with nobody violating
on their own; records are written by hand on day 0 and the lists row decides on day 1.
A listing is wrongful when, with the subject's false records removed, the entry rule
would not have admitted the subject; the decisive false records are a smallest set whose
removal alone keeps the subject off.
"""

from __future__ import annotations

import numpy as np

from conftest import toy_scenario
from scslab.engine.records import ACTIVE
from scslab.engine.sim import Sim
from scslab.scenario.schema import DOMAINS

# subject -> [(points, true)] written on day 0
CASES = {
    0: [(-60.0, True), (5.0, False)],  # listed on true records; a false bonus does not change that
    1: [(-30.0, True), (-30.0, False)],  # one false deduction tips 970 to 940
    2: [(-48.0, True), (-3.0, False), (-3.0, False)],  # each false record alone is not enough, both are
    3: [(-30.0, False), (-30.0, False)],  # both false, either alone tips the threshold: one is decisive
    4: [(-80.0, False), (20.0, True)],  # one false deduction, a true bonus: still wrongful
    5: [(-10.0, True), (-50.0, False), (5.0, False)],  # false bonus and false deduction: only the deduction
}


def _edit(d):
    d["population"]["n"] = 50
    d["behaviours"][0]["opportunities_per_year"] = 0.0  # nobody litters on their own
    d["behaviours"].append(
        {"name": "volunteering", "domain": "social", "kind": "good_deed", "opportunities_per_year": 0.0, "points": 5.0}
    )
    d["sim"]["days"] = 5


def _run(cases=CASES):
    sim = Sim(toy_scenario(_edit)).init()
    sim.step(0)
    st = sim.state
    subj, pts, true = [], [], []
    for s, recs in cases.items():
        for p, t in recs:
            subj.append(s), pts.append(p), true.append(t)
    subj_a = np.array(subj, np.int32)
    pts_a = np.array(pts, np.float32)
    ids = st.records.append(
        st,
        subject=subj_a,
        domain=DOMAINS.index("social"),
        behaviour=np.where(pts_a < 0, 0, 1).astype(np.int16),
        source=0,
        day=0,
        points=pts_a,
        true=np.array(true, bool),
        severity=0,
        status=ACTIVE,
        end_day=-1,
    )
    st.scores.add(sim, ids, +1.0)
    for day in range(1, sim.scenario.sim.days):
        sim.step(day)
    return sim, sim.finish(), ids


def _spell(res, subject):
    sp = res.list_spells
    k = np.flatnonzero(sp["subject"] == subject)
    assert k.size == 1, f"subject {subject} has {k.size} spells"
    return int(k[0])


def _decisive(res, spell):
    d = res.decisive
    return sorted(int(r) for r in d["record"][d["spell"] == spell])


def test_scores_are_as_built():
    sim, res, _ = _run()
    assert [float(sim.state.score[s]) for s in CASES] == [945.0, 940.0, 946.0, 940.0, 940.0, 945.0]


def test_false_bonus_never_makes_a_listing_wrongful():
    _, res, ids = _run()
    k = _spell(res, 0)
    assert not res.list_spells["wrongful"][k]
    assert _decisive(res, k) == []


def test_single_false_deduction_that_tips_the_threshold_is_decisive():
    _, res, ids = _run()
    k = _spell(res, 1)
    assert res.list_spells["wrongful"][k]
    assert _decisive(res, k) == [int(ids[3])]
    assert res.list_spells["cause_record"][k] == ids[3]  # the spell is explained by its decisive record


def test_two_false_records_decisive_only_together():
    _, res, ids = _run()
    k = _spell(res, 2)
    assert res.list_spells["wrongful"][k]
    assert _decisive(res, k) == [int(ids[5]), int(ids[6])]


def test_overdetermined_listing_names_one_sufficient_record():
    _, res, ids = _run()
    k = _spell(res, 3)
    assert res.list_spells["wrongful"][k]
    assert len(_decisive(res, k)) == 1 and _decisive(res, k)[0] in (int(ids[7]), int(ids[8]))


def test_true_bonus_does_not_rescue_and_false_bonus_is_not_decisive():
    _, res, ids = _run()
    assert res.list_spells["wrongful"][_spell(res, 4)]
    k = _spell(res, 5)
    assert res.list_spells["wrongful"][k]
    assert _decisive(res, k) == [int(ids[12])]


def test_sanctions_follow_their_spell_and_summary_counts_spells():
    _, res, _ = _run()
    sp, sa = res.list_spells, res.sanctions
    assert sa["wrongful"].size > 0
    assert np.array_equal(sa["wrongful"], sp["wrongful"][sa["spell"]])
    assert res.summary["wrongful_listings"] == int(sp["wrongful"].sum()) == 5


def test_decisive_records_are_stored_in_duckdb(tmp_path):
    from scslab.store.duck import connect, write_run

    _, res, ids = _run()
    run = write_run(res, tmp_path)
    con = connect(tmp_path)
    rows = dict(
        con.execute(
            "SELECT subject, decisive_records FROM list_spells WHERE run_id = ? ORDER BY subject", [run]
        ).fetchall()
    )
    assert rows[0] == [] and rows[1] == [int(ids[3])] and rows[2] == [int(ids[5]), int(ids[6])]
    bad = con.execute(
        "SELECT count(*) FROM sanctions s JOIN list_spells l USING (run_id, spell_id) "
        "WHERE s.decisive_records <> l.decisive_records OR s.wrongful <> l.wrongful"
    ).fetchone()[0]
    assert bad == 0
    # every decisive record is a false record of the listed subject
    wrong = con.execute(
        "SELECT count(*) FROM (SELECT subject, unnest(decisive_records) AS r FROM list_spells) d "
        "JOIN records ON records.record_id = d.r WHERE records.happened OR records.subject <> d.subject"
    ).fetchone()[0]
    assert wrong == 0
