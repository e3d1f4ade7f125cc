"""metrics.core on a hand-built five-subject Results whose answers are counted by hand.

Subjects 0-3 are persons (sex m, f, m, f; groups majority, minority, majority, majority),
subject 4 is a firm. Lists: 0 = blacklist, 1 = redlist, 2 = second blacklist.

===== ======= ==== ===== ===== ========
spell subject list start end   wrongful
===== ======= ==== ===== ===== ========
  0      0     0     1     5    no
  1      0     0     6    -1    no       <- 0 listed now (ever listed twice: counted once)
  2      1     0     2    -1    yes      <- 1 listed now, wrongfully
  3      2     1     3    -1    yes      <- a red list: never counted as a listing
  4      3     2     1    10    no       <- 3 ever listed on the second blacklist
  5      4     0     4    -1    yes      <- the firm, listed now, wrongfully
===== ======= ==== ===== ===== ========
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.results import Results
from scslab.metrics import core


def _arr(x, dt):
    return np.asarray(x, dtype=dt)


def toy(series=None, **changes) -> Results:
    spells = {
        "subject": _arr([0, 0, 1, 2, 3, 4], "i4"),
        "list": _arr([0, 0, 0, 1, 2, 0], "i2"),
        "start": _arr([1, 6, 2, 3, 1, 4], "i4"),
        "end": _arr([5, -1, -1, -1, 10, -1], "i4"),
        "cause_record": _arr([0, 1, 2, -1, 3, 4], "i8"),
        "end_reason": _arr([1, 0, 0, 0, 1, 0], "i1"),
        "wrongful": _arr([0, 0, 1, 1, 0, 1], "?"),
    }
    records = {
        "subject": _arr([0, 0, 1, 3, 4], "i4"),
        "true": _arr([1, 1, 0, 1, 0], "?"),
        "day": _arr([1, 6, 2, 1, 4], "i4"),
    }
    sanctions = {
        "target": _arr([0, 0, 1, 1, 2, 4], "i4"),
        "measure": _arr([0, 0, 0, 1, 2, 0], "i2"),
        "spell": _arr([0, 1, 2, 2, 3, 5], "i8"),
        "wrongful": _arr([0, 0, 1, 1, 1, 1], "?"),
    }
    subjects = {
        "type": _arr([0, 0, 0, 0, 1], "i1"),
        "sex": _arr([0, 1, 0, 1, 0], "i1"),
        "group": _arr([0, 1, 0, 0, 0], "i1"),
        "urban": _arr([1, 1, 0, 0, 1], "i1"),
        "migrant": _arr([0, 0, 0, 1, 0], "i1"),
        "grade": _arr([0, 1, 1, -1, 2], "i1"),
        "score": _arr([1000, 900, 950, np.nan, 500], "f4"),  # 3 is unscored: no score, not 0
    }
    names = {
        "list": ["black_a", "red", "black_b"],
        "list_type": ["black", "red", "black"],
        "measure_kind": ["sanction", "reward", "sanction"],
        "grade": ["A", "B", "C"],
        "group": ["majority", "minority"],
    }
    if series is None:
        series = {
            "opportunities": _arr([10, 0, 10], "f8"),
            "violations": _arr([1, 0, 3], "f8"),
            "involuntary_defaults": _arr([0, 2, 1], "f8"),
        }
    kw = dict(
        scenario={"name": "toy"},
        seed=0,
        days=3,
        n_persons=4,
        n_orgs=1,
        scale=1.0,
        series=series,
        records=records,
        list_spells=spells,
        sanctions=sanctions,
        subjects=subjects,
        names=names,
    )
    kw.update(changes)
    return Results(**kw)


def test_black_lists_and_listings():
    r = toy()
    assert list(core.black_lists(r)) == [0, 2]
    assert core.ever_listed(r) == 4  # subjects 0, 1, 3, 4 (2 was only red-listed)
    assert core.listed_now(r) == 3  # 0, 1, 4 (3's spell ended on day 10)
    assert core.wrongful_listings(r) == 2  # spells 2 and 5 (spell 3 is on a red list)


def test_listings_without_any_blacklist():
    r = toy()
    r.names["list_type"] = ["red", "red", "watch"]
    assert core.ever_listed(r) == 0 and core.listed_now(r) == 0 and core.wrongful_listings(r) == 0


def test_empty_tables():
    empty_sp = {k: np.zeros(0, dt) for k, dt in (("subject", "i4"), ("list", "i2"), ("end", "i4"), ("wrongful", "?"))}
    empty_sa = {"target": np.zeros(0, "i4"), "measure": np.zeros(0, "i2"), "wrongful": np.zeros(0, "?")}
    r = toy(list_spells=empty_sp, sanctions=empty_sa)
    assert core.ever_listed(r) == 0 and core.listed_now(r) == 0 and core.wrongful_listings(r) == 0
    assert core.sanctions_applied(r) == 0 and core.wrongful_sanctions(r) == 0


def test_records_and_sanctions():
    r = toy()
    assert core.records_false(r) == 2
    assert core.sanctions_applied(r) == 5  # the reward row (measure 1) is not a sanction
    assert core.wrongful_sanctions(r) == 3  # rows 2, 4, 5 (row 3 is the wrongful reward)


def test_compliance_rate_and_defaults():
    r = toy()
    assert core.compliance_rate(r) == pytest.approx(1 - 4 / 20)
    assert core.involuntary_defaults(r) == 3
    none = toy(series={"opportunities": np.zeros(3), "violations": np.zeros(3), "involuntary_defaults": np.zeros(3)})
    assert core.compliance_rate(none) is None


def test_grades_and_scores():
    r = toy()
    # scored: persons 0 (A), 1 (B), 2 (B) and the firm 4 (C); person 3 is unscored (NaN)
    assert core.grade_shares(r) == pytest.approx({"A": 1 / 4, "B": 2 / 4, "C": 1 / 4})
    assert core.score_mean(r) == pytest.approx((1000 + 900 + 950 + 500) / 4)
    r.subjects["score"] = np.full(5, np.nan, np.float32)
    assert core.grade_shares(r) is None and core.score_mean(r) is None


def test_scored_share_counts_the_covered_subjects_holding_a_score():
    r = toy(scenario={"name": "toy", "scoring": {"kind": "points", "subjects": "person"}})
    assert core.scored(r).tolist() == [True, True, True, False, True]
    assert core.scored_share(r) == pytest.approx(3 / 4)  # persons 0-2 of persons 0-3
    r.scenario["scoring"]["subjects"] = "enterprise"
    assert core.scored_share(r) == pytest.approx(1.0)
    r.scenario["scoring"]["kind"] = "none"
    assert core.scored_share(r) is None


def test_chilling_index():
    series = {
        "opportunities": np.ones(2),
        "violations": np.zeros(2),
        "desired_post": _arr([10, 10], "f8"),
        "expressed_post": _arr([5, 3], "f8"),
        "desired_petition": _arr([0, 5], "f8"),
        "expressed_petition": _arr([0, 2], "f8"),
    }
    assert core.chilling_index(toy(series=series)) == pytest.approx(1 - 10 / 25)
    assert core.chilling_index(toy()) is None
    silent = dict(series, desired_post=np.zeros(2), desired_petition=np.zeros(2))
    assert core.chilling_index(toy(series=silent)) is None


def test_disparity_by_sex_and_group():
    r = toy()
    per = _arr([2, 1, 0, 0, 9], "f8")  # the firm's 9 must be ignored
    # men (0, 2): 2 / 2 = 1.0; women (1, 3): 1 / 2 = 0.5
    assert core.disparity(r, per, "sex") == pytest.approx({"male": 1.0, "female": 0.5})
    assert core.disparity(r, per, "sex", reference=1) == pytest.approx({"male": 2.0, "female": 1.0})
    # majority (0, 2, 3): 2 / 3; minority (1): 1 / 1
    assert core.disparity(r, per, "group") == pytest.approx({"majority": 1.0, "minority": 1.5})
    # a reference level with a zero rate has no ratio
    assert core.disparity(r, _arr([0, 1, 0, 1, 0], "f8"), "sex") == {"male": None, "female": None}
    # boolean per-subject flags (listed or not) work as rates; urban persons 0, 1, rural 2, 3
    listed = np.array([True, True, False, False, True])
    assert core.disparity(r, listed, "urban", reference=1) == pytest.approx({"rural": 0.0, "urban": 1.0})
    assert core.disparity(r, listed, "urban") == {"rural": None, "urban": None}
