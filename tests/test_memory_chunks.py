"""Whole-population passes taken a chunk of subjects at a time give the results of one pass.

The lists' reviews and the results' columns (``engine.state.chunks``) bound their
temporaries by ``CHUNK_SUBJECTS`` subjects (issue 12.2); the rules are elementwise, so a run
with tiny chunks must equal one whose population fits a single chunk, table for table. The
ids of the results are an ``IdColumn`` over the population's arrays (no copy) that reads like
the array of ``str`` it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest

import scslab.engine.state as state_mod
from scslab.engine.sim import Sim
from scslab.population.ids import IdColumn

RUN_DEPENDENT = {"wall_s", "peak_rss_mb"}


def _run(preset: str, n: int, days: int) -> object:
    return Sim(preset, n=n, days=days, seed=2).run()


@pytest.mark.parametrize(("preset", "n", "days"), [("rongcheng", 3000, 365), ("national-outline", 3000, 40)])
def test_tiny_chunks_give_the_same_run(monkeypatch, preset, n, days):
    whole = _run(preset, n, days)
    monkeypatch.setattr(state_mod, "CHUNK_SUBJECTS", 257)
    chunked = _run(preset, n, days)
    assert len(whole.records["subject"]) > 0 and len(whole.list_spells["subject"]) > 0
    for table in ("records", "list_spells", "sanctions", "subjects"):
        a, b = getattr(whole, table), getattr(chunked, table)
        assert a.keys() == b.keys(), table
        for col in a:
            np.testing.assert_array_equal(np.asarray(a[col]), np.asarray(b[col]), err_msg=f"{table}.{col}")
    for name, value in whole.figures.items():
        if name not in RUN_DEPENDENT:
            assert chunked.figures[name] == value or (value != value and chunked.figures[name] != chunked.figures[name])
    for name in whole.series:
        np.testing.assert_array_equal(whole.series[name], chunked.series[name], err_msg=name)


def test_id_column_reads_like_the_concatenated_strings():
    persons = np.array([b"110101199001011234", b"110101199001021236", b"11010119900103123X"], "S18")
    orgs = np.array([b"91990101MA0000001X", b"51990101MA00000020"], "S18")
    ids = IdColumn(persons, orgs)
    ref = np.concatenate([persons, orgs]).astype(np.dtypes.StringDType())
    assert len(ids) == 5 and ids.shape == (5,) and ids.nbytes == 5 * 18
    assert ids[0] == "110101199001011234" and ids[3] == "91990101MA0000001X" and ids[-1] == ref[-1]
    np.testing.assert_array_equal(np.asarray(ids), ref)
    for key in (slice(1, 4), slice(None, None, 2), np.array([4, 0, 3, 3]), np.array([True, False, True, False, True])):
        np.testing.assert_array_equal(ids[key], ref[key])
    assert list(ids) == ref.tolist()
    with pytest.raises(IndexError):
        ids[5]
    with pytest.raises(IndexError):
        ids[np.array([0, 7])]


def test_results_ids_are_the_populations_arrays_not_a_copy():
    sim = Sim("rongcheng", n=1500, days=5, seed=1)
    res = sim.run()
    ids = res.subjects["id"]
    assert isinstance(ids, IdColumn)
    assert ids.nbytes == sim.pop.citizen_id.nbytes + sim.pop.org_code.nbytes
    assert ids[0] == sim.pop.citizen_id[0].decode() and ids[len(ids) - 1] == sim.pop.org_code[-1].decode()
