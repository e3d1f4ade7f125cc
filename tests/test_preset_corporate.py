"""corporate: enterprise credit with graded classification and legal-representative spillover.

Signature: sanctions of a listed firm reach its legal representative (rows ``via ==
legal_rep`` whose target is that firm's representative), a listed person's sanctions reach
the firms they represent, only enterprises are graded (A/B/C/D), and every organisation
carries an 18-character unified social credit code (facts 1.12, 2b).
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.engine.results import VIA
from scslab.engine.sim import Sim

N, DAYS = 3000, 730
# The preset's persons take the national judgment-debt rate (0.005 a year, from the base);
# at 3,000 agents over two years that lists about five persons, too few of them legal
# representatives to see the person -> firm spillover. The tests run more, shorter debts.
MORE_DEBTORS = ["behaviours.judgment_debt.opportunities_per_year=0.05", "behaviours.judgment_debt.amount_months=3.0"]


@pytest.fixture(scope="module")
def run():
    sim = Sim("corporate", n=N, seed=1, days=DAYS, overrides=MORE_DEBTORS)
    return sim, sim.run()


def test_sanctions_reach_legal_representatives_of_listed_firms(run):
    sim, res = run
    sa, sp = res.sanctions, res.list_spells
    rep_rows = sa["via"] == VIA.index("legal_rep")
    assert rep_rows.sum() > 0
    firm = sp["subject"][sa["spell"][rep_rows]].astype(np.int64)
    assert (firm >= sim.state.n).all()  # the listed subject is an organisation
    np.testing.assert_array_equal(sa["target"][rep_rows], sim.state.legal_rep[firm - sim.state.n])
    assert (res.subjects["type"][sa["target"][rep_rows]] == 0).all()


def test_person_lists_reach_represented_firms(run):
    sim, res = run
    sa, sp = res.sanctions, res.list_spells
    rows = sa["via"] == VIA.index("represented_firms")
    assert rows.sum() > 0
    person = sp["subject"][sa["spell"][rows]]
    firm = sa["target"][rows].astype(np.int64)
    assert (person < sim.state.n).all()
    np.testing.assert_array_equal(sim.state.legal_rep[firm - sim.state.n], person)


def test_only_enterprises_are_graded_and_codes_are_18_chars(run):
    sim, res = run
    subj = res.subjects
    graded = subj["grade"] >= 0
    assert graded.any() and (subj["type"][graded] == 1).all()
    assert graded.sum() == (subj["type"] == 1).sum()
    assert res.names["grade"] == ["A", "B", "C", "D"]
    shares = res.indicators["grade_shares_enterprise"]
    assert shares["A"] > 0.5 and shares["A"] < 1.0
    orgs = subj["id"][subj["type"] != 0]
    assert all(len(x) == 18 for x in orgs)
    assert len(set(orgs)) == orgs.size
