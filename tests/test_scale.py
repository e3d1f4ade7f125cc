"""Honest scale (issue 8.2): a preset states the real population it stands for
(``population.represents``) and ``scale = represents / n``, so ``--n`` changes the precision
of the people figures, not their size.

court-blacklist fixed ``scale = 27,800`` (50,000 agents for 1.39 bn people): ``--n 20000``
then reported 2.5 times fewer people ever listed than the calibrated size.
"""

from __future__ import annotations

import math

import pytest

from scslab.engine.sim import Sim
from scslab.scenario.errors import ScenarioError
from scslab.scenario.loader import load_scenario, preset_names
from scslab.scenario.schema import Scenario

Z = 3.0  # two-sided 99.7 % band of the normal approximation to the binomial


def test_every_preset_states_what_it_represents():
    for name in preset_names():
        sc = load_scenario(name)
        assert sc.population.represents is not None, name
        for n in (1_000, sc.population.n, 123_456):
            scaled = load_scenario(name, overrides=[f"population.n={n}"]).population
            assert scaled.scale == pytest.approx(sc.population.represents / n), (name, n)


def test_inconsistent_scale_and_represents_are_refused(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "court-blacklist"\n\n[population]\nn = 20_000\nscale = 27_800.0\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    (p,) = [p for p in e.value.problems if "represents" in p.reason]
    assert p.file == str(f) or str(f).endswith(str(p.file))
    assert p.path == "population.scale" and p.line == 5
    assert "1,390,000,000" in p.reason
    # consistent is accepted, and so is either one alone
    f.write_text('extends = "court-blacklist"\n\n[population]\nn = 20_000\nscale = 69_500.0\n', encoding="utf-8")
    assert load_scenario(f).population.scale == 69_500.0
    assert Scenario.model_validate({"population": {"n": 100, "represents": 1e6}}).population.scale == 1e4
    assert Scenario.model_validate({"population": {"n": 100, "scale": 3.0}}).population.scale == 3.0


def test_cli_refuses_inconsistent_scale_with_exit_2(tmp_path, capsys):
    from scslab.cli import main as cli

    out = tmp_path / "out"
    rc = cli(["run", "court-blacklist", "--n", "20000", "--set", "population.scale=27800", "--out", str(out)])
    assert rc == 2
    assert "population.scale" in capsys.readouterr().err
    assert not out.exists()


@pytest.fixture(scope="module")
def two_sizes():
    return {n: Sim("court-blacklist", n=n, seed=3, days=365).run() for n in (20_000, 100_000)}


@pytest.mark.slow
def test_people_figures_do_not_depend_on_the_number_of_agents(two_sizes):
    small, large = two_sizes[20_000], two_sizes[100_000]
    represents = 1_390_000_000
    for r in (small, large):
        assert r.summary["people_represented"] == pytest.approx(represents)
        assert r.scale * r.n_persons == pytest.approx(represents)
    for key in ("ever_listed", "listed_now"):
        # a people figure is represents x the share of agents counted: two independent
        # binomial estimates of one share p, so their difference has standard error
        # represents * sqrt(p (1 - p) (1/n1 + 1/n2)) with p pooled over both runs
        k1, k2 = small.summary[key], large.summary[key]
        n1, n2 = small.n_persons, large.n_persons
        assert k1 > 0 and k2 > 0
        p = (k1 + k2) / (n1 + n2)
        se = represents * math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        people1, people2 = small.indicators[key], large.indicators[key]
        assert people1 == pytest.approx(k1 * represents / n1) and people2 == pytest.approx(k2 * represents / n2)
        assert abs(people1 - people2) <= Z * se, (key, people1, people2, se)
