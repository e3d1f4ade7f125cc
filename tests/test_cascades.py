"""Sanction cascades (issue 8.7): who was sanctioned through a spillover, from which record, how deep.

The fixture (tests/fixtures/engine/toy_cascade.toml) lists persons on their own littering
records (depth 0), fines their spouses (depth 1), watch-lists persons sanctioned without a
record of their own and notifies their households (depth 2, and deeper as the watch list
reaches the households of those notified).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from scslab import Sim
from scslab.engine.results import VIA
from scslab.metrics import core

TOY = Path(__file__).parent / "fixtures" / "engine" / "toy_cascade.toml"


@pytest.fixture(scope="module")
def res():
    return Sim(TOY).run()


def _table(res):
    sa, sp = res.sanctions, res.list_spells
    names = list(res.names["measure"])
    return sa, sp, names


def test_depth_zero_is_the_listed_subject_on_its_own_record(res):
    sa, sp, names = _table(res)
    own = sa["depth"] == 0
    assert own.any()
    assert (sa["via"][own] == VIA.index("self")).all()
    assert (sa["origin_subject"][own] == sa["target"][own]).all()
    spell = sa["spell"][own]
    # the origin is the record that caused the spell, a record of the target's own
    assert (sa["origin_record"][own] == sp["cause_record"][spell]).all()
    assert (res.records["subject"][sa["origin_record"][own]] == sa["target"][own]).all()


def test_a_spouse_fine_is_depth_one_from_the_listed_partner(res):
    sa, sp, names = _table(res)
    fine = sa["measure"] == names.index("spouse_fine")
    assert fine.any()
    assert (sa["depth"][fine] == 1).all() and (sa["via"][fine] == VIA.index("spouse")).all()
    holder = sp["subject"][sa["spell"][fine]]
    assert (sa["origin_subject"][fine] == holder).all() and (holder != sa["target"][fine]).all()
    assert (res.records["subject"][sa["origin_record"][fine]] == holder).all()


def test_a_watch_listing_without_a_record_inherits_the_chain(res):
    sa, sp, names = _table(res)
    notice = sa["measure"] == names.index("household_notice")
    watched = sp["subject"][sa["spell"]]
    # a watched person whose own record has expired inherits the depth 0 of the blacklisting in
    # force on them (their notices are depth 1); one who never held a record is at depth >= 1
    never = notice & ~np.isin(watched, res.records["subject"])
    assert never.any() and (notice & ~never).any()
    d = sa["depth"][never]
    assert (d >= 2).all() and (d == 2).any()
    assert (sa["depth"][notice & ~never] >= 1).all()
    # the origin is upstream: a record of someone else
    origin = sa["origin_record"][never]
    assert (origin >= 0).all()
    assert (res.records["subject"][origin] == sa["origin_subject"][never]).all()
    assert (sa["origin_subject"][never] != watched[never]).all()
    # a depth-2 notice inherits the chain of a depth-1 sanction in force on the watched person
    # when the watch began (one ending that day too: the list's rule saw it in force)
    two = np.flatnonzero(never)[d == 2]
    first = sa["depth"] == 1
    for r in two[:50]:
        w, day = sp["subject"][sa["spell"][r]], sp["start"][sa["spell"][r]]
        live = first & (sa["target"] == w) & (sa["start"] <= day) & ((sa["end"] < 0) | (sa["end"] >= day))
        assert sa["origin_record"][r] in sa["origin_record"][live]


def test_summary_counts_cascades_by_depth(res):
    sa, _, _ = _table(res)
    s = res.summary
    depth = sa["depth"].astype(np.int64)
    assert s["cascade_by_depth"] == {str(k): int((depth == k).sum()) for k in np.unique(depth)}
    assert s["cascade_sanctions"] == int((depth > 0).sum())
    assert s["cascade_max_depth"] == int(depth.max()) >= 2
    deep = np.unique(sa["target"][depth > 0])
    assert s["cascade_subjects"] == deep.size
    no_record = deep[~np.isin(deep, res.records["subject"])]
    assert s["cascade_persons_no_record"] == no_record.size > 0
    assert s == core.cascades(res) | s  # the summary carries exactly what metrics.core.cascades says


def test_cascades_in_duckdb_report_and_inspect(res, tmp_path):
    from scslab.report.html import render_report
    from scslab.store.duck import write_run
    from scslab.store.inspect import credit_file, format_credit_file

    rid = write_run(res, tmp_path)
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    sql = "SELECT depth, count(*) FROM sanctions WHERE run_id = ? GROUP BY depth"
    by_depth = dict(con.execute(sql, [rid]).fetchall())
    deep = con.execute(
        "SELECT target_id, origin_subject_id, origin_record, depth FROM sanctions "
        "WHERE run_id = ? AND depth = 2 ORDER BY sanction_id LIMIT 1",
        [rid],
    ).fetchone()
    con.close()
    assert {str(k): v for k, v in by_depth.items()} == res.summary["cascade_by_depth"]
    text = format_credit_file(credit_file(tmp_path, deep[0], run_id=rid))
    assert f"cascade depth 2 from {deep[1]}'s record #{deep[2]}" in text
    html = render_report(res)
    assert "Sanction cascades" in html
    assert f'<td class="num">{res.summary["cascade_by_depth"]["2"]:,}</td>' in html
