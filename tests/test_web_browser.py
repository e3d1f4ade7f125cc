"""The pages in a real browser: Playwright driving Debian's Chromium, as a user would.

Runs a preset from the Run page and watches its progress bar finish and its charts draw,
lists and deletes runs, looks up a sanctioned subject and reads the chain that rests on a
false record, and compares two runs. Every page is checked for script errors and for
Content-Security-Policy violations (nothing may load from elsewhere, no inline script).

Screenshots of each page are taken every time (into a temporary folder); ``make
screenshots`` sets ``SCSLAB_SCREENSHOTS=docs/screenshots`` to keep them for the docs.
Chromium comes from Debian (``/usr/bin/chromium``; ``make test`` installs it when missing):
Playwright's own browser download cannot reach the internet here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import wait_for_run

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium (make test does it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    target = os.environ.get("SCSLAB_SCREENSHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, web_server):
    """A fresh page whose script errors and CSP violations fail the test."""
    context = browser.new_context(base_url=web_server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    pg.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}") if m.type == "error" or "Content Security Policy" in m.text else None
        ),
    )
    pg.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    pg.set_default_timeout(60_000)
    yield pg
    context.close()
    assert not problems, problems


def _shot(pg, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000  # a page, not a blank


def test_run_a_preset_watch_progress_and_charts(page, shots, web_server):
    page.goto("/run")
    assert page.title().startswith("Run")
    page.select_option("#preset", "private-scoring")  # the page reloads with this preset's panel
    page.wait_for_url(re.compile(r"/run\?preset=private-scoring"))
    assert "private-scoring" in page.inner_text("#preset-name")
    assert "EU AI Act" in page.inner_text("#preset-notes")
    assert page.locator("#preset-citations li").count() >= 1
    page.fill("#n", "1000")
    page.fill("#years", "1")
    page.fill("#lever-detection_scale", "0.8")
    _shot(page, shots, "run")
    page.click("#run-button")
    page.wait_for_selector("#run-progress:not([hidden])")
    page.wait_for_selector('#run-progress[data-done="true"]', timeout=120_000)
    assert page.get_attribute("#progress-bar", "aria-valuenow") == "100"
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{12}$"), timeout=30_000)
    page.wait_for_selector('.figure[data-figure="sanctions_by_measure"][data-rendered="true"]')
    page.wait_for_selector('.figure[data-figure="list_sizes"][data-rendered="true"]')
    assert page.locator('.figure[data-figure="sanctions_by_measure"] svg.main-svg').count() >= 1
    assert page.locator('.figure[data-figure="sanctions_by_measure"] .bars path').count() >= 1
    assert "detection_scale" in page.inner_text("main")
    assert page.locator("#headline li").count() >= 1
    page.wait_for_timeout(300)
    _shot(page, shots, "run-view")


def test_runs_page_lists_opens_and_deletes(page, shots, web_client, sanctioned_run):
    extra = web_client.post("/api/runs", json={"scenario": "fico-us", "n": 300, "years": 0.2, "seed": 5}).json()
    assert wait_for_run(web_client, extra["run_id"])["status"] == "done"
    page.goto("/runs")
    row = page.locator(f'tr[data-run="{sanctioned_run["run_id"]}"]')
    assert "private-scoring" in row.inner_text()
    assert row.locator("a[download]").count() == 1  # the report download
    _shot(page, shots, "runs")
    page.once("dialog", lambda d: d.accept())
    page.click(f'button[data-delete="{extra["run_id"]}"]')
    page.wait_for_selector(f'tr[data-run="{extra["run_id"]}"]', state="detached")
    assert web_client.get(f"/api/runs/{extra['run_id']}").status_code == 404
    with page.expect_download() as dl:
        row.locator("a[download]").click()
    assert dl.value.suggested_filename.endswith(".html")


def test_inquiry_shows_the_chain_of_a_sanctioned_subject(page, shots, sanctioned_run):
    rid = sanctioned_run["run_id"]
    page.goto("/inquiry")
    assert "synthetic" in page.inner_text(".notice.synthetic")
    page.click(f'a[href="/inquiry/{rid}"]')
    page.click('.filters a:has-text("listed on a false record")')
    page.wait_for_url(re.compile(r"which=wrongful"))
    assert page.locator("#subjects-table tbody tr").count() >= 1
    _shot(page, shots, "inquiry")
    page.locator("#subjects-table tbody tr a").first.click()
    page.wait_for_url(re.compile(rf"/inquiry/{rid}/[0-9A-Z]{{18}}$"))
    assert "synthetic" in page.inner_text("#synthetic-notice")
    false_chain = page.locator('li.chain[data-false="true"]').first
    text = false_chain.inner_text()
    assert "never happened" in text
    for step in ("record", "rule", "list", "measure"):
        assert false_chain.locator(f".step.{step}").count() == 1
    assert page.locator("#records tr.is-false").count() >= 1
    _shot(page, shots, "credit")

    # a search by the full id opens the same credit file
    sid = page.url.rsplit("/", 1)[1]
    page.goto(f"/inquiry/{rid}")
    page.fill("#q", sid)
    page.click("#search-form button")
    page.wait_for_url(re.compile(rf"/inquiry/{rid}/{sid}$"))


def test_credit_file_draws_the_score_over_time(page, web_client):
    r = web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 800, "years": 1, "seed": 2}).json()
    rid = wait_for_run(web_client, r["run_id"])["run_id"]
    found = web_client.get(f"/api/runs/{rid}/subjects", params={"which": "all", "limit": 100}).json()["subjects"]
    for subj in found:
        cf = web_client.get(f"/api/runs/{rid}/subjects/{subj['id']}").json()
        if cf["score_history"]["rebuilt"] and len(cf["score_history"]["points"]) > 2:
            break
    else:
        pytest.fail("no scored subject with records among the first 100")
    page.goto(f"/inquiry/{rid}/{subj['id']}")
    page.wait_for_selector('#score-chart[data-rendered="true"]')
    assert page.locator("#score-chart svg.main-svg").count() >= 1


def test_compare_two_runs(page, shots, web_client, sanctioned_run):
    other = web_client.post(
        "/api/runs",
        json={
            "scenario": "private-scoring",
            "n": 1000,
            "years": 1,
            "seed": 1,
            "set": {"policy.joint_sanctions": False},
        },
    ).json()
    assert wait_for_run(web_client, other["run_id"])["status"] == "done"
    page.goto(f"/compare?a={sanctioned_run['run_id']}")
    page.select_option("#compare-b", other["run_id"])
    page.click("#compare-button")
    page.wait_for_url(re.compile(r"/compare/[0-9a-f]{12}$"))
    table = page.inner_text("#compare-table")
    assert "sanctions applied" in table and "records written" in table
    assert "same synthetic people" in page.inner_text(".note")
    page.wait_for_selector('.figure[data-compare-figure="winners_sanctions"][data-rendered="true"]')
    _shot(page, shots, "compare-runs")


def test_compare_experiment_from_the_compare_page(page, shots):
    """A user sets a reform lever, runs the experiment, watches it finish and reads intervals and winners."""
    page.goto("/compare?preset=private-scoring")
    assert page.input_value("#x-preset") == "private-scoring"
    page.fill("#x-n", "400")
    page.fill("#x-years", "1")
    page.fill("#x-runs", "3")
    page.uncheck("#x-lever-joint_sanctions")
    _shot(page, shots, "compare")
    page.click("#experiment-button")
    page.wait_for_url(re.compile(r"/compare/[0-9a-f]{12}$"))
    page.wait_for_selector('.figure[data-compare-figure="change"][data-rendered="true"]', timeout=300_000)
    assert "policy.joint_sanctions=False" in page.inner_text("#compare-what")
    row = page.locator('#compare-table tr[data-metric="sanctions_applied"]')
    assert re.search(r"\[-?[\d.,e+-]+, -?[\d.,e+-]+\]", row.locator("td.ci").inner_text())
    page.wait_for_selector('.figure[data-compare-figure="winners_sanctions"][data-rendered="true"]')
    assert page.locator('.figure[data-compare-figure="change"] .errorbar').count() >= 1  # intervals drawn
    page.wait_for_timeout(300)
    _shot(page, shots, "compare-experiment")
