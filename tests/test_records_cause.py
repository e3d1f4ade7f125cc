"""The records table's newest-record caches: a list's cause is the newest live bad record.

The per-domain cache exists only once a list asks for a domain (it is built from the table
then, and kept up to date after), so these checks ask before and after further appends.
"""

from __future__ import annotations

import numpy as np

from scslab.engine.records import ACTIVE, EXPIRED, RecordTable
from scslab.engine.sim import Sim


def _append(table: RecordTable, state, subject, domain, points) -> np.ndarray:
    k = len(subject)
    return table.append(
        state,
        subject=np.asarray(subject, np.int32),
        domain=np.asarray(domain, np.int8),
        behaviour=np.zeros(k, np.int16),
        source=np.zeros(k, np.int16),
        day=0,
        points=np.asarray(points, np.float32),
        true=True,
        severity=np.zeros(k, np.int8),
        status=ACTIVE,
        end_day=-1,
    )


def test_cause_by_domain_is_the_newest_live_bad_record_before_and_after_the_cache_exists():
    state = Sim("rongcheng", n=200, days=1).init().state
    table = RecordTable(state.S, 4)
    who = np.array([0, 1, 2])
    _append(table, state, [0, 1, 0, 1], [1, 1, 2, 1], [-1, -1, -1, 5])  # ids 0..3; id 3 is good
    assert table.last_bad == {}  # nothing asked yet: no per-domain array
    assert table.cause(who, 1).tolist() == [0, 1, -1]
    assert table.cause(who, 2).tolist() == [2, -1, -1]
    assert sorted(table.last_bad) == [1, 2]
    _append(table, state, [0, 1, 1, 2], [1, 1, 1, 3], [-2, -1, -1, -1])  # ids 4..7, subject 1 twice
    assert table.cause(who, 1).tolist() == [4, 6, -1]
    assert table.cause(who, 3).tolist() == [-1, -1, 7]  # built late: includes what came before
    table.end(np.array([4, 6]), EXPIRED, 1)  # retired: the next newest live one explains
    assert table.cause(who, 1).tolist() == [0, 5, -1]


def test_record_counts_exist_only_when_a_rule_reads_them():
    """records_<behaviour> / records_<domain> counters are kept only for scenarios whose rules
    may read them; when kept they equal the live records of the table."""
    from scslab.engine.records import LIVE

    plain = Sim("rongcheng", n=2000, seed=1, days=90)
    r_plain = plain.run()
    assert plain.state.behaviour_records.shape[1] == 0 and plain.state.domain_records.shape[1] == 0
    reads = Sim(
        "rongcheng",
        n=2000,
        seed=1,
        days=90,
        overrides=["lists.grade_c_d.entry=points < 850 or records_traffic_violation > 50"],
    )
    r_reads = reads.run()
    st = reads.state
    assert st.behaviour_records.shape == (len(reads.scenario.behaviours), st.S)
    n = len(st.records)
    rows = st.records.rows
    live = np.isin(rows["status"][:n], LIVE)
    for b in range(st.behaviour_records.shape[0]):
        mine = live & (rows["behaviour"][:n] == b)
        assert np.array_equal(st.behaviour_records[b], np.bincount(rows["subject"][:n][mine], minlength=st.S))
    assert st.behaviour_records.sum() > 0
    # the rule's threshold is never reached: the run is the plain one
    assert r_reads.summary["records"] == r_plain.summary["records"]
    assert r_reads.summary["listed_now"] == r_plain.summary["listed_now"]
