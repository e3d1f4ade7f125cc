"""HTML report: self-contained, shows what the run produced, degrades gracefully."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from toy_results import toy_results

from scslab.report import figures as F
from scslab.report import render_report, write_report

ALL_FIGURES = list(F.FIGURES)


@pytest.fixture(scope="module")
def toy():
    return toy_results()


def _bare(r):
    """No scoring, no lists, no measures: what the report must survive."""
    sc = {**r.scenario, "scoring": {"kind": "none"}, "lists": [], "measures": []}
    series = {k: v for k, v in r.series.items()
              if not k.startswith(("listed_", "grade_share_")) and k not in ("score_mean", "wrongful_listed")}
    subjects = {**r.subjects, "score": np.full(8, np.nan, np.float32), "grade": np.full(8, -1, np.int8)}
    return dataclasses.replace(r, scenario=sc, series=series, subjects=subjects, list_spells={},
                               sanctions={})


def test_report_is_self_contained_and_complete(toy, tmp_path):
    path = write_report(toy, tmp_path / "out", wall_s=2.5)
    assert path == tmp_path / "out" / "report.html"
    html = path.read_text(encoding="utf-8")
    assert "Plotly" in html and "plotly.js v" in html  # the library itself is inlined
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.I)
    assert not re.search(r"<link[^>]*https?://", html, flags=re.I)
    assert html.count("<script type=\"text/javascript\">") == 1  # plotly.js once for the page
    assert "toy_town" in html and "Hand-made toy results" in html and "2.50 s" in html
    for key in ALL_FIGURES:
        assert f'id="fig-{key}"' in html, key
    # parameters, summary and the wrongful counts table are there
    for text in ("Policy levers", "Population", "Lists", "Measures", "judicial_serious &gt;= 1",
                 "wrongful_listing_share", "records_false", "AAA ≥ 1050"):
        assert text in html, text
    assert re.search(r"<th>list spells</th><td class=\"num\">4</td><td class=\"num\">1</td>", html)


def test_report_without_scores_or_lists(toy):
    html = render_report(_bare(toy))
    for key in ("list_sizes", "score_distribution", "grade_shares", "score_mean", "sanctions_by_measure"):
        assert f'id="fig-{key}"' not in html, key
    for key in ("records_by_domain", "records_by_source", "wrongful_over_time", "violations_compliance",
                "extra_series"):
        assert f'id="fig-{key}"' in html, key
    assert 'id="lists"' not in html and "toy_town" in html


def test_report_with_nothing_at_all(toy):
    empty = dataclasses.replace(toy, series={}, records={}, list_spells={}, sanctions={}, subjects={},
                                summary={}, indicators={}, scenario={"name": "void"})
    html = render_report(empty)
    assert "void" in html and "plotly-graph-div" not in html and "No summary figures." in html


def test_records_by_domain_counts(toy):
    fig = F.records_by_domain(toy)
    true_bar, false_bar = fig.data
    assert list(true_bar.x) == ["commercial", "social", "judicial"]
    assert list(true_bar.y) == [0, 2, 2] and list(false_bar.y) == [2, 0, 0]
    src = F.records_by_source(toy)
    assert list(src.data[0].x) == ["court", "tax_bureau", "camera", "volunteer_org"]
    assert list(src.data[1].y) == [0, 2, 0, 0]


def test_sanctions_by_measure_counts(toy):
    ok, bad = F.sanctions_by_measure(toy).data
    assert list(ok.x) == ["flight_ban", "rail_ban", "procurement_ban", "transport_discount (reward)"]
    assert list(ok.y) == [2, 1, 1, 1] and list(bad.y) == [1, 0, 0, 0]


def test_score_histogram_persons_only(toy):
    fig = F.score_distribution(toy)
    assert int(np.sum(fig.data[0].y)) == 6  # the two firms have no score
    assert F.score_distribution(_bare(toy)) is None


def test_extra_series_picks_up_unknown_metrics(toy):
    assert F.extra_series_names(toy) == ["norm_mean"]
    r = dataclasses.replace(toy, series={**toy.series, "trust_mean": np.ones(30), "bad2d": np.ones((30, 2))})
    assert F.extra_series_names(r) == ["norm_mean", "trust_mean"]
    fig = F.extra_series(r)
    assert [a.text for a in fig.layout.annotations] == ["norm_mean", "trust_mean"]


def test_list_sizes_lines(toy):
    fig = F.list_sizes(toy)
    assert [t.name for t in fig.data] == ["blacklist", "redlist", "total"]
    assert list(fig.data[2].y[:12]) == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4]
