"""HTML report: self-contained, shows what the run produced, degrades gracefully."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from scslab.report import figures as F
from scslab.report import render_report, write_report
from toy_results import toy_results

ALL_FIGURES = list(F.FIGURES)


@pytest.fixture(scope="module")
def toy():
    return toy_results()


def _bare(r):
    """No scoring, no lists, no measures: what the report must survive."""
    sc = {**r.scenario, "scoring": {"kind": "none"}, "lists": [], "measures": []}
    series = {
        k: v
        for k, v in r.series.items()
        if not k.startswith(("listed_", "grade_share_")) and k not in ("score_mean", "wrongful_listed")
    }
    subjects = {**r.subjects, "score": np.full(8, np.nan, np.float32), "grade": np.full(8, -1, np.int8)}
    return dataclasses.replace(r, scenario=sc, series=series, subjects=subjects, list_spells={}, sanctions={})


def test_report_is_self_contained_and_complete(toy, tmp_path):
    path = write_report(toy, tmp_path / "out", wall_s=2.5)
    assert path == tmp_path / "out" / "report.html"
    html = path.read_text(encoding="utf-8")
    assert "Plotly" in html and "plotly.js v" in html  # the library itself is inlined
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.I)
    assert not re.search(r"<link[^>]*https?://", html, flags=re.I)
    assert html.count('<script type="text/javascript">') == 1  # plotly.js once for the page
    assert "toy_town" in html and "Hand-made toy results" in html and "2.50 s" in html
    for key in ALL_FIGURES:
        assert f'id="fig-{key}"' in html, key
    # parameters, summary and the wrongful counts table are there
    for text in (
        "Policy levers",
        "Population",
        "Lists",
        "Measures",
        "judicial_serious &gt;= 1",
        "wrongful_listing_share",
        "records_false",
        "AAA ≥ 1050",
    ):
        assert text in html, text
    assert re.search(r"<th>blacklist spells</th><td class=\"num\">3</td><td class=\"num\">1</td>", html)
    assert re.search(r"<th>red-list spells</th><td class=\"num\">1</td><td class=\"num\">0</td>", html)


def test_report_without_scores_or_lists(toy):
    html = render_report(_bare(toy))
    for key in ("list_sizes", "score_distribution", "grade_shares", "score_mean", "sanctions_by_measure"):
        assert f'id="fig-{key}"' not in html, key
    for key in (
        "records_by_domain",
        "records_by_source",
        "wrongful_over_time",
        "violations_compliance",
        "extra_series",
    ):
        assert f'id="fig-{key}"' in html, key
    assert 'id="lists"' not in html and "toy_town" in html


def test_report_with_nothing_at_all(toy):
    empty = dataclasses.replace(
        toy,
        series={},
        records={},
        list_spells={},
        sanctions={},
        subjects={},
        summary={},
        indicators={},
        scenario={"name": "void"},
    )
    html = render_report(empty)
    assert "void" in html and "plotly-graph-div" not in html and "No summary figures." in html


def test_records_by_domain_counts(toy):
    fig = F.records_by_domain(toy)
    true_bar, false_bar, false_alone = fig.data
    assert list(true_bar.x) == ["commercial", "social", "judicial"]
    assert list(true_bar.y) == [0, 2, 2] and list(false_bar.y) == [2, 0, 0]
    src = F.records_by_source(toy)
    assert list(src.data[0].x) == ["court", "tax_bureau", "camera", "volunteer_org"]
    assert list(src.data[1].y) == [0, 2, 0, 0]
    # the false records again in a panel of their own, on their own axis, labelled with count and share
    assert false_alone.yaxis == "y2" and list(false_alone.y) == [2, 0, 0]
    assert list(false_alone.text) == ["2 (100.0 %)", "", ""]
    assert fig.layout.yaxis2.title.text == "false records"


def test_a_minority_of_false_records_is_drawn_where_it_can_be_seen():
    """1 false record in 1,000 is a sliver on the shared axis: its own panel spans it to most of its height."""
    ok, bad = np.array([999, 500]), np.array([1, 0])
    fig = F._split_bars(
        ["a", "b"], ok, bad, title="t", xtitle="x", ytitle="y", ok_name="true", bad_name="false", bad_axis="false"
    )
    lo, hi = fig.layout.yaxis2.range
    assert lo == 0 and bad.max() / hi > 0.7
    none = F._split_bars(
        ["a"], ok[:1], np.zeros(1, int), title="t", xtitle="x", ytitle="y", ok_name="o", bad_name="false", bad_axis="f"
    )
    assert len(none.data) == 2 and "none false" in none.layout.title.text  # nothing to single out: said, not drawn


def test_sanctions_by_measure_counts(toy):
    fig = F.sanctions_by_measure(toy)
    ok, bad, alone = fig.data
    assert list(ok.x) == ["flight_ban", "rail_ban", "procurement_ban", "transport_discount (reward)"]
    assert list(ok.y) == [2, 1, 1, 1] and list(bad.y) == [1, 0, 0, 0]
    assert list(alone.y) == [1, 0, 0, 0] and alone.yaxis == "y2"
    # labels are level and wrapped, the legend sits above the plot: nothing collides with the labels
    ax = fig.layout.xaxis2  # the lower panel carries the category labels
    assert ax.tickangle == 0 and "transport<br>discount<br>(reward)" in ax.ticktext
    assert fig.layout.legend.y > 1 and fig.layout.legend.yanchor == "bottom"


def test_score_histogram_persons_only(toy):
    fig = F.score_distribution(toy)
    assert int(np.sum(fig.data[0].y)) == 6  # the two firms have no score
    assert F.score_distribution(_bare(toy)) is None


def test_extra_series_picks_up_unknown_metrics(toy):
    assert F.extra_series_names(toy) == ["norm_mean"]
    r = dataclasses.replace(toy, series={**toy.series, "trust_mean": np.ones(30), "bad2d": np.ones((30, 2))})
    assert F.extra_series_names(r) == ["norm_mean", "trust_mean"]
    fig = F.extra_series(r)
    # a known series gets its plain label and unit; an unknown one its name, spaced
    assert [a.text for a in fig.layout.annotations] == ["internalised norm, mean over persons", "trust mean"]
    assert fig.layout.yaxis.title.text == "index, 0 to 1" and fig.layout.yaxis2.title.text is None
    # an unknown series that its module declared is labelled by its declaration
    declared = [{"name": "trust_mean", "module": "society", "kind": "series", "unit": "index", "description": "trust"}]
    fig = F.extra_series(dataclasses.replace(r, declared=declared))
    assert [a.text for a in fig.layout.annotations][1] == "trust" and fig.layout.yaxis2.title.text == "index"
    assert F.series_label("trust_mean", dataclasses.replace(r, declared=declared)) == ("trust", "index")


def test_every_series_a_run_writes_has_a_label_and_unit(toy_run):
    """A series that reaches "Other series" is named in words with its unit, not by its raw key."""
    _, res, _ = toy_run
    shown = set(F.extra_series_names(res))
    assert len(shown) > 10 and shown <= set(F.SERIES_LABELS), shown - set(F.SERIES_LABELS)
    assert all(label != name and unit for name, (label, unit) in F.SERIES_LABELS.items())


def test_people_counts_among_the_indicators_are_whole_numbers(toy):
    from scslab.report import indicator_rows

    r = dataclasses.replace(
        toy, scale=29.5, indicators={"listed_now": 237 * 29.5, "records_per_capita": 3.8979, "rate": 0.5}
    )
    rows = dict(indicator_rows(r))
    assert rows == {"listed_now": "6,992", "records_per_capita": "3.898", "rate": "0.5"}
    assert "6,991.5" not in render_report(r) and "6,992" in render_report(r)


def test_list_sizes_lines(toy):
    fig = F.list_sizes(toy)
    assert [t.name for t in fig.data] == ["blacklist", "redlist", "total"]
    assert list(fig.data[2].y[:12]) == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4]


# ----------------------------------------------------------------- nested tables, headline, cost

from scslab.report.html import headline, nested_table, nested_tables  # noqa: E402

_NESTED = {
    "listing": {
        "sex": {"male": 1.0, "female": 1.5},
        "group": {"majority": 1.0, "minority": 2.0},
        "migrant": {"local": 1.0, "migrant": 1.1},
        "urban": {"rural": 1.0, "urban": 0.7},
    },
    "wrongful_listing": {"sex": {"male": None, "female": None}},
    "sanctions": {"sex": {"male": 1.0, "female": 1.2}},
}


def _e(ratio, cases=20, persons=200, lo=None, hi=None):
    """A disparate-impact entry as the summary gives it (not estimable when ratio is None)."""
    return {
        "ratio": ratio,
        "ci95_low": lo,
        "ci95_high": hi,
        "cases": cases,
        "persons": persons,
        "rate": cases / persons,
        "estimable": ratio is not None,
    }


_DI = {
    "listing": {
        "sex": {"male": _e(1.0), "female": _e(1.5, 30, lo=1.1, hi=2.05)},
        "group": {"majority": _e(1.0), "minority": _e(2.0, 40, lo=1.4, hi=2.9)},
        "migrant": {"local": _e(1.0), "migrant": _e(1.1, 22, lo=0.6, hi=1.9)},
        "urban": {"rural": _e(1.0), "urban": _e(0.7, 14, lo=0.35, hi=1.3)},
    },
    "wrongful_listing": {"sex": {"male": _e(None, 0), "female": _e(None, 0)}},
    # one woman sanctioned, no man: the bare ratio would be "0.00x" the other way round; not estimable
    "sanctions": {"sex": {"male": _e(None, 0), "female": _e(None, 1)}},
}


def _texts(t):
    return [(label, [c["text"] for c in cells]) for label, cells in t["rows"]]


def test_nested_table_flat_shapes():
    assert nested_table(3.0) is None and nested_table({}) is None and nested_table(None) is None
    t = nested_table({"a": 1234567, "b": 0.5, "c": None}, corner="key")
    assert t["columns"] == ["key", "value"]
    assert _texts(t) == [("a", ["1,234,567"]), ("b", ["0.5"]), ("c", ["—"])]
    t = nested_table(np.array([0.5, 0.25, 0.125]), row_labels=["low", "mid"])
    assert _texts(t) == [("low", ["0.5"]), ("mid", ["0.25"]), ("3", ["0.125"])]
    assert all(c["cls"] == "num" for _, cells in t["rows"] for c in cells)


def test_nested_table_matrix_and_ragged_levels():
    same = nested_table({"x": {"p": 1, "q": 2}, "y": {"q": 4, "p": 3}})
    assert same["columns"] == ["", "p", "q"]
    assert _texts(same) == [("x", ["1", "2"]), ("y", ["3", "4"])]
    # levels differ per row (male/female vs the three groups): positional cells carry their labels
    t = nested_table(
        {"sex": {"male": 1.0, "female": 1.3}, "group": {"a": 1.0, "b": 0.5, "c": None}},
        fmt=lambda x: "—" if x is None else f"{x:.2f}×",
        highlight=lambda x: "hi" if x > 1.25 else ("lo" if x < 0.8 else ""),
    )
    assert t["columns"] == ["", "", "", ""]
    sex, group = t["rows"]
    assert [(c["label"], c["text"], c["cls"]) for c in sex[1]] == [
        ("male", "1.00×", "num"),
        ("female", "1.30×", "num hi"),
        ("", "", ""),
    ]
    assert [(c["label"], c["text"], c["cls"]) for c in group[1]] == [
        ("a", "1.00×", "num"),
        ("b", "0.50×", "num lo"),
        ("c", "—", "num"),
    ]
    # a list of lists is a matrix with 1-based columns; deeper values are written inside the cell
    assert _texts(nested_table([[1, 2], [3, 4]])) == [("1", ["1", "2"]), ("2", ["3", "4"])]
    deep = nested_table({"k": {"a": {"z": 1}}, "m": {"a": 2}})
    assert _texts(deep) == [("k", ["z: 1"]), ("m", ["2"])]


def test_nested_tables_split_three_levels():
    tables = nested_tables("disparate impact", _NESTED)
    assert [title for title, _ in tables] == [
        "disparate impact: listing",
        "disparate impact: wrongful_listing",
        "disparate impact: sanctions",
    ]
    assert _texts(tables[2][1]) == [("sex", ["1", "1.2"])]
    assert nested_tables("x", {"a": 1}) == [
        ("x", {"columns": ["", "value"], "rows": [("a", [{"label": "", "text": "1", "cls": "num"}])]})
    ]
    assert nested_tables("x", 5) == []


def _crowd(n_listed: int, summary: dict, n: int = 40, wrongful: int = 0):
    """``n`` persons with scale 100, the first ``n_listed`` blacklisted once over two years."""
    r = toy_results()
    spells = {
        "subject": np.arange(n_listed, dtype=np.int32),
        "list": np.zeros(n_listed, np.int16),
        "start": np.zeros(n_listed, np.int32),
        "end": np.full(n_listed, -1, np.int32),
        "wrongful": np.arange(n_listed) < wrongful,
    }
    subjects = {"type": np.zeros(n, np.int8)}
    return dataclasses.replace(
        r, n_persons=n, n_orgs=0, scale=100.0, days=730, list_spells=spells, subjects=subjects, summary=summary
    )


def test_headline_on_the_toy():
    toy = toy_results()
    lines = headline(toy)
    # persons 1 and 2 were blacklisted (firm 6 too, but it is not a person): 2 of 6, times the scale
    assert lines[0] == (
        "Over 30 days, 33.3 % of the 6,000 people represented (6 simulated persons × 1,000 "
        "people each) were ever put on a blacklist (blacklist) — about 2,000 people."
    )
    assert lines[1].startswith("1 of the 3 blacklistings (33.3 %) rested on a record of something that never")
    # records_false / records = 2 / 6 fills the box up to four sentences
    assert lines[2].startswith("33.3 % of the 6 records written described something that never happened")
    assert len(lines) == 3
    # two listed persons are too few for any ratio between groups: the summary marks them not estimable
    few = {"listing": {"sex": {"male": _e(None, 1), "female": _e(None, 1)}, "group": {"a": _e(None, 2), "b": _e(None)}}}
    toy2 = dataclasses.replace(toy, summary={**toy.summary, "disparate_impact": few})
    assert not any("often" in x for x in headline(toy2))
    # nothing to go on: nothing is said
    bare = dataclasses.replace(toy, summary={}, list_spells={}, names={})
    assert headline(bare) == []


def test_headline_ratios_and_caveats():
    q = [0.59, 0.2, 0.1, 0.1, 0.1]
    lines = headline(
        _crowd(
            40,
            {
                "disparate_impact": _DI,
                "involuntary_defaults_by_income_quintile": q,
                "chilling_index": 0.25,
                "self_governance_index": 0.9,
            },
            n=400,
            wrongful=1,
        )
    )
    assert lines[0].startswith("Over 2 years, 10.0 % of the 40,000 people represented (400 simulated persons × 100")
    assert lines[0].endswith("— about 4,000 people.")
    assert lines[1].startswith("1 of the 40 blacklistings (2.5 %) rested on a record of something")
    assert lines[2] == "Women were blacklisted 1.50× as often as men (95 % interval 1.10–2.05×)."
    # the largest gap among group / hukou / region is the minority group's 2.0 (|log 2| > |log 0.7|)
    assert lines[3] == (
        "Members of the minority group were blacklisted 2.00× as often as members of the majority group "
        "(95 % interval 1.40–2.90×)."
    )
    assert "5.9× as often as the richest fifth" in lines[4]
    assert lines[5].startswith("People held back 25.0 % of the speech")
    assert len(lines) == 6  # the self-governance sentence did not fit
    # a ratio that is not estimable is never stated, however large; the estimable ones still are
    few = {
        "listing": {
            "sex": {"male": _e(1.0), "female": _e(None, 3)},
            "group": {"majority": _e(1.0), "minority": _e(None, 4)},
            "urban": {"rural": _e(1.0), "urban": _e(1.6, 25, lo=1.02, hi=2.5)},
        }
    }
    lines = headline(_crowd(10, {"disparate_impact": few}))
    assert not any("Women" in x or "minority" in x for x in lines)
    assert "Urban residents were blacklisted 1.60× as often as rural residents (95 % interval 1.02–2.50×)." in lines
    # no gap beyond 1.25x / 0.8x: said as such; richest fifth without defaults
    even = {"listing": {"sex": {"male": _e(1.0), "female": _e(0.9)}, "urban": {"rural": _e(1.0), "urban": _e(1.1)}}}
    lines = headline(
        _crowd(35, {"disparate_impact": even, "involuntary_defaults_by_income_quintile": [0.5, 0, 0, 0, 0.0]})
    )
    assert lines[3].startswith("No minority group, hukou or region with enough cases to tell was blacklisted more")
    assert lines[4].endswith("0.50 times per person on average; the richest fifth never did.")
    # one listing, nobody listed
    assert headline(_crowd(1, {}))[1] == "The one blacklisting rested on a record of something that happened."
    assert headline(_crowd(0, {}))[0].startswith("Over 2 years, none of the 4,000 people represented")


def test_report_who_bears_the_cost(toy):
    html = render_report(toy)
    assert 'id="cost"' not in html  # the toy's summary has no distributional figures
    assert '"majority"' not in html and "majority" in html  # nested indicator as a table, not JSON
    summary = {
        **toy.summary,
        "disparate_impact": _DI,
        "grade_shares": {"A": 0.75, "B": 0.25},
        "involuntary_defaults_by_income_quintile": [0.5, 0.25, 0.1, 0.1, 0.05],
        "chilling_by_group": {"sex": {"male": 0.2, "female": 0.3}},
        "blocks": {"flight_ban": 7},
        "self_governance_index": 0.9,
        "exclusion_degree_loss": 0.01,
    }
    html = render_report(dataclasses.replace(toy, summary=summary))
    assert 'id="cost"' in html and "Who bears the cost" in html and 'href="#cost"' in html
    assert 'id="headline"' in html and "people represented" in html
    assert "{" not in html.split('id="figures"')[1].split('id="cost"')[0]  # no JSON blobs in the summary
    # each level: cases, persons, ratio (coloured only when estimable) and its 95 % interval
    row = (
        r'<tr><th>{}</th><td class="num">{}</td><td class="num">200</td>'
        r'<td class="{}">{}</td><td class="num">{}</td></tr>'
    )
    assert re.search(row.format("sex: female", 30, "num hi", "1.50×", "1.10–2.05"), html)
    assert re.search(row.format("region \\(urban\\): urban", 14, "num lo", "0.70×", "0.35–1.30"), html)
    assert re.search(row.format("sex: male", 20, "num", "1 \\(reference\\)", "—"), html)
    assert "No cases in this run: ratio undefined." in html  # wrongful_listing: no case at all
    # sanctions: one woman sanctioned is a case, but the ratio is not estimable and not coloured
    assert re.search(row.format("sex: female", 1, "num na", "not estimable", "—"), html)
    assert "fewer\n    than 10 cases" in html
    assert "75.0 %" in html and "richest fifth" in html and 'style="width: 10.0%"' in html
    assert "30.0 %" in html and "flight_ban" in html and "Self-governance index" in html


def test_figure_helpers():
    assert list(F.smooth(np.array([1.0, 2.0, 3.0, np.nan, 5.0]), 3)) == [1.0, 1.5, 2.0, 2.5, 4.0]
    assert np.isnan(F.smooth(np.array([np.nan, np.nan]), 3)).all()  # no finite value: stays missing
    toy = toy_results()
    for key in F.SCENARIO_FIGURES:
        assert F.SCENARIO_FIGURES[key](toy) is None, key
    days = toy.days
    series = {
        **toy.series,
        "code_yellow": np.full(days, 3.0),
        "code_red": np.ones(days),
        "infectious": np.arange(days, dtype=float),
        "violations_theft": np.ones(days),
        "violations_fraud": np.zeros(days),
        "always_zero": np.zeros(days),
    }
    r = dataclasses.replace(toy, series=series)
    assert [t.name for t in F.health_codes(r).data] == ["yellow", "red"]
    assert [t.name for t in F.epidemic(r).data] == ["infectious"]
    bars = F.behaviour_totals(r).data[0]
    assert list(bars.y) == ["fraud", "theft"] and list(bars.x) == [0.0, float(days)]
    assert F.flat_series_names(r) == ["always_zero"]
    assert "always_zero" not in [a.text for a in F.extra_series(r).layout.annotations]
    assert "Zero on every day of this run (not drawn): always zero." in render_report(r)
