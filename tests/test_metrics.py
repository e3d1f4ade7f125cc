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
    d = core.disparity(r, per, "sex", kind="count")
    # men (0, 2): 2 cases in 2 persons; women (1, 3): 1 in 2; counted by hand, the firm left out
    assert {k: (v["cases"], v["persons"], v["rate"]) for k, v in d.items()} == {
        "male": (2, 2, 1.0),
        "female": (1, 2, 0.5),
    }
    # 3 cases in all: far fewer than MIN_CASES, so no ratio is stated, for either level
    assert all(v["ratio"] is None and v["ci95_low"] is None and not v["estimable"] for v in d.values())
    g = core.disparity(r, per, "group", kind="count")
    assert {k: (v["cases"], v["persons"]) for k, v in g.items()} == {"majority": (2, 3), "minority": (1, 1)}


def _people(levels: dict[int, int], cases: dict[int, int], attribute: str = "sex") -> tuple[Results, np.ndarray]:
    """``levels[l]`` persons at level ``l`` of ``attribute``, the first ``cases[l]`` of each with the outcome."""
    attr, flag = [], []
    for lvl, n in levels.items():
        attr += [lvl] * n
        flag += [1] * cases.get(lvl, 0) + [0] * (n - cases.get(lvl, 0))
    zeros = np.zeros(len(attr), np.int8)
    subjects = {"type": zeros, "sex": zeros, "group": zeros, "urban": zeros, "migrant": zeros}
    return toy(subjects={**subjects, attribute: _arr(attr, "i1")}), _arr(flag, "f8")


def test_disparity_from_a_single_case_is_not_estimable():
    # one man listed, no woman: the bare ratio read "female 0.00x"; one case supports no ratio
    r, listed = _people({0: 500, 1: 500}, {0: 1})
    d = core.disparity(r, listed, "sex")
    assert d["female"]["ratio"] is None and d["female"]["estimable"] is False
    assert (d["female"]["cases"], d["female"]["persons"]) == (0, 500)
    assert d["male"]["ratio"] is None and d["male"]["cases"] == 1


def test_disparity_min_cases_boundary():
    assert core.MIN_CASES == 10
    # 9 cases behind the women's ratio (3 + 6) are too few, 10 (4 + 6) are enough
    for women, ok in ((3, False), (4, True)):
        r, listed = _people({0: 300, 1: 300}, {0: 6, 1: women})
        d = core.disparity(r, listed, "sex")["female"]
        assert d["estimable"] is ok and (d["ratio"] is not None) is ok
    # many women listed but a reference level without cases: no ratio either
    r, listed = _people({0: 300, 1: 300}, {1: 40})
    assert core.disparity(r, listed, "sex")["female"]["estimable"] is False


def test_disparity_ratio_interval_shares_and_counts():
    from statsmodels.stats.proportion import confint_proportions_2indep
    from statsmodels.stats.rates import confint_poisson_2indep

    r, listed = _people({0: 1000, 1: 1000}, {0: 10, 1: 20})
    d = core.disparity(r, listed, "sex")
    f = d["female"]
    assert f["ratio"] == pytest.approx(2.0) and f["estimable"]
    assert (f["cases"], f["persons"], f["rate"]) == (20, 1000, 0.02)
    # the score interval for a ratio of proportions (20/1000 vs 10/1000): wide, containing 1 and 2
    lo, hi = confint_proportions_2indep(20, 1000, 10, 1000, method="score", compare="ratio")
    assert (f["ci95_low"], f["ci95_high"]) == pytest.approx((lo, hi))
    assert 0.8 < f["ci95_low"] < 1.0 < 2.0 < f["ci95_high"] < 5.0
    assert d["male"] == {
        "ratio": 1.0,
        "ci95_low": None,
        "ci95_high": None,
        "cases": 10,
        "persons": 1000,
        "rate": 0.01,
        "estimable": True,
    }
    # counts: events per person (a woman sanctioned three times counts three), Poisson rate ratio
    per = listed * np.where(np.arange(listed.size) % 2 == 0, 3, 1)
    c = core.disparity(r, per, "sex", kind="count")["female"]
    m = core.disparity(r, per, "sex", kind="count")["male"]
    assert c["cases"] == int(per[1000:].sum()) and m["cases"] == int(per[:1000].sum())
    lo, hi = confint_poisson_2indep(c["cases"], 1000, m["cases"], 1000, method="mover", compare="ratio")
    assert c["ratio"] == pytest.approx(c["cases"] / m["cases"])
    assert (c["ci95_low"], c["ci95_high"]) == pytest.approx((lo, hi))
    # no women at all among 40 listed men: estimable, ratio 0 with an upper bound well below 1
    r, listed = _people({0: 1000, 1: 1000}, {0: 40})
    z = core.disparity(r, listed, "sex")["female"]
    assert z["ratio"] == 0.0 and z["ci95_low"] == 0.0 and 0 < z["ci95_high"] < 0.2
    with pytest.raises(ValueError, match="kind"):
        core.disparity(r, listed, "sex", kind="mean")
