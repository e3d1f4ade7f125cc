"""The JSON API through FastAPI's test client: every status code it promises, and its limits.

The application and its worker pool are shared by the session (tests/conftest.py); runs are
small (hundreds to a thousand persons) so the file stays quick on two cores.
"""

from __future__ import annotations

import time

import duckdb
import pytest

from conftest import WEB_LIMITS, wait_for_compare, wait_for_run
from scslab.web.security import CSP


def _fields(r):
    assert r.status_code == 422, r.text
    body = r.json()
    assert all(set(e) == {"field", "reason"} and e["reason"] for e in body["errors"])
    return {e["field"]: e["reason"] for e in body["errors"]}


# ---------------------------------------------------------------------------- reading


def test_health_and_csp_on_every_response(web_client):
    for path, code in (("/api/health", 200), ("/api/nope", 404), ("/static/app.js", 200), ("/run", 200)):
        r = web_client.get(path)
        assert r.status_code == code, path
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self';" in CSP and "unsafe-eval" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
    assert web_client.get("/api/health").json() == {"status": "ok"}


def test_presets_have_descriptions_levers_and_citations(web_client):
    presets = {p["name"]: p for p in web_client.get("/api/presets").json()["presets"]}
    assert {"rongcheng", "court-blacklist", "fico-us"} <= set(presets)
    rc = presets["rongcheng"]
    assert rc["description"] and rc["n"] == 20_000
    assert set(rc["levers"]) == {
        "detection_scale",
        "sanction_scale",
        "joint_sanctions",
        "publicity",
        "repair",
        "objections",
    }
    assert rc["levers"]["publicity"]["type"] == "bool" and rc["levers"]["detection_scale"]["value"] == 1.0
    assert any("facts 3.1" in c for c in rc["citations"])
    assert {"name": "traffic_police", "kind": "camera"} in rc["data_sources"]


def test_limits_are_published(web_client):
    assert web_client.get("/api/limits").json()["max_n"] == WEB_LIMITS["max_n"]


# ---------------------------------------------------------------------------- a run end to end


def test_run_lifecycle_summary_subjects_and_credit_file(web_client, sanctioned_run):
    rid = sanctioned_run["run_id"]
    assert sanctioned_run["progress"] == 1.0
    s = sanctioned_run["summary"]
    assert s["persons"] == 1000 and s["days"] == 365 and s["scenario"] == "private-scoring"
    assert s["sanctions_applied"] > 0 and "indicators" in s
    listing = {r["run_id"]: r for r in web_client.get("/api/runs").json()["runs"]}
    assert listing[rid]["headline"]["sanctions_applied"] == s["sanctions_applied"]

    page = web_client.get(f"/api/runs/{rid}/subjects", params={"which": "wrongful", "limit": 5}).json()
    assert page["total"] >= 1 and len(page["subjects"]) <= 5
    assert all(x["wrongful_spells"] >= 1 for x in page["subjects"])
    sid = page["subjects"][0]["id"]
    cf = web_client.get(f"/api/runs/{rid}/subjects/{sid}").json()
    assert cf["synthetic"] is True and "synthetic" in cf["notice"]
    assert cf["subject"]["id"] == sid
    false_chains = [c for c in cf["chains"] if c["false_record"]]
    assert false_chains, "a subject listed on a false record shows a chain resting on it"
    c = false_chains[0]
    assert c["record"]["happened"] is False and c["list"]["cause_record"] == c["record"]["record_id"]
    assert c["rule"]  # the list's entry rule is the chain's second step

    prefix = web_client.get(f"/api/runs/{rid}/subjects", params={"q": sid[:12], "which": "all"}).json()
    assert sid in [x["id"] for x in prefix["subjects"]]

    view = web_client.get(f"/api/runs/{rid}/view").json()
    keys = {f["key"] for sec in view["sections"] for f in sec["figures"]}
    assert "sanctions_by_measure" in keys
    fig = next(f["figure"] for sec in view["sections"] for f in sec["figures"] if f["key"] == "sanctions_by_measure")
    assert fig["data"] and fig["layout"]

    report = web_client.get(f"/api/runs/{rid}/report")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "<html" in report.text
    # disparate impact: the run page and the report show the summary's counts, ratios and intervals alike
    from scslab.report import cost_section

    di = cost_section(s)["di"]
    page_html = web_client.get(f"/runs/{rid}").text
    rows = [(label, cells) for _, t in di if t for label, cells in t["rows"]]
    assert rows and any(c["text"] == "not estimable" for _, cells in rows for c in cells)
    female = s["disparate_impact"]["listing"]["sex"]["female"]
    assert ("sex: female", f"{female['cases']:,}") in [(label, cells[0]["text"]) for label, cells in rows]
    for label, cells in rows:
        tr = f"<tr><th>{label}</th>" + "".join(f'<td class="{c["cls"]}">{c["text"]}</td>' for c in cells)
        assert tr in page_html and tr in report.text, tr
    # the responsible-use lens: the same conditions on the run page and in the report
    assert view["lens"] and view["lens"]["facts"] == "facts 9.1, 9.5"
    for _, text in view["lens"]["lines"]:
        assert text in page_html and text in report.text


def test_score_history_rebuilt_from_records_matches_end_score(web_client):
    r = web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 600, "years": 1, "seed": 3})
    body = wait_for_run(web_client, r.json()["run_id"])
    rid = body["run_id"]
    page = web_client.get(f"/api/runs/{rid}/subjects", params={"which": "all", "limit": 100}).json()
    checked = 0
    for subj in page["subjects"]:
        if subj["type"] != "person":
            continue
        cf = web_client.get(f"/api/runs/{rid}/subjects/{subj['id']}").json()
        h = cf["score_history"]
        if cf["records"] and cf["subject"]["score"] is not None:
            assert h["rebuilt"], h["note"]
            assert h["points"][-1]["score"] == pytest.approx(cf["subject"]["score"], abs=1e-3)
            assert h["points"][-1]["grade"] == cf["subject"]["grade"]
            checked += 1
    assert checked >= 5


# ---------------------------------------------------------------------------- 422: bad input


def test_unknown_preset_paths_and_extends_are_refused(web_client):
    f = _fields(web_client.post("/api/runs", json={"scenario": "../../etc/passwd"}))
    assert "unknown preset" in f["scenario"]
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "extends": "/etc/passwd"}))
    assert "unknown field" in f["extends"]
    f = _fields(
        web_client.post(
            "/api/runs",
            json={
                "scenario": "rongcheng",
                "set": {"extends": 1, "lists.grade_c_d.entry": 1, "policy": 1, "population.n": 50},
            },
        )
    )
    assert "text and lists" in f["set.extends"]
    assert "text and lists" in f["set.lists.grade_c_d.entry"]
    assert "whole table" in f["set.policy"]
    assert "'n'" in f["set.population.n"]


def test_override_values_are_typed_and_ranged(web_client):
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "set": {"policy.detection_scale": "lots"}}))
    assert "number or true/false" in f["set.policy.detection_scale"]  # strict JSON types: no strings
    f = _fields(
        web_client.post(
            "/api/runs",
            json={
                "scenario": "rongcheng",
                "n": 100,
                "set": {"policy.detection_scale": 0.5, "policy.sanction_scale": 500},
            },
        )
    )
    assert list(f) == ["set.policy.sanction_scale"] and "less than or equal to 100" in f["set.policy.sanction_scale"]
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "set": {"sources.nope.delay_days": 1}}))
    assert "no entry 'nope'" in f["set.sources.nope.delay_days"]


def test_size_limits_name_the_limit(web_client):
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 10**9, "years": 50}))
    assert "max_n" in f["n"] and "max_years" in f["years"]
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 20_000, "years": 2.5}))
    assert "max_agent_days" in f["n"]
    f = _fields(web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 5}))
    assert "n" in f


def test_schedule_is_checked(web_client):
    body = {
        "scenario": "rongcheng",
        "n": 100,
        "years": 1,
        "schedule": [{"day": 900, "set": {"policy.publicity": False}}],
    }
    assert "after the run's last day" in _fields(web_client.post("/api/runs", json=body))["schedule.0.day"]
    body["schedule"] = [
        {"day": 10, "set": {"policy.publicity": False}},
        {"day": 20, "set": {"policy.sanction_scale": 500}},
    ]
    f = _fields(web_client.post("/api/runs", json=body))  # the request's own index, not the merged list's
    assert list(f) == ["schedule.1.set.policy.sanction_scale"], f
    body["schedule"] = [{"day": 10, "set": {"population.scale": 2.0}}]
    assert (
        "cannot change during a run"
        in _fields(web_client.post("/api/runs", json=body))["schedule.0.set.population.scale"]
    )


def test_malformed_json_and_query_problems(web_client, sanctioned_run):
    r = web_client.post("/api/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"]
    rid = sanctioned_run["run_id"]
    f = _fields(web_client.get(f"/api/runs/{rid}/subjects", params={"q": "99%' OR 1=1 --"}))
    assert "q" in f
    f = _fields(web_client.get(f"/api/runs/{rid}/subjects", params={"limit": 10_000}))
    assert "max_page" in f["limit"]
    f = _fields(web_client.get(f"/api/runs/{rid}/subjects", params={"which": "secret"}))
    assert "which" in f


def test_compare_needs_finished_runs(web_client):
    f = _fields(web_client.post("/api/compare", json={"a": "nope", "b": "also-nope"}))
    assert "no finished run" in f["a"] and "no finished run" in f["b"]
    f = _fields(web_client.post("/api/compare", json={"a": "x", "b": "y", "path": "/etc"}))
    assert "path" in f
    f = _fields(web_client.post("/api/compare", json={"a": "x", "b": "y", "scenario": "rongcheng"}))
    assert "not both" in f["scenario"]


def test_compare_experiment_requests_are_checked(web_client):
    """Every problem of an experiment request at once, the reform's own fields named as such."""
    f = _fields(web_client.post("/api/compare", json={}))
    assert "two finished runs" in f["scenario"]
    f = _fields(web_client.post("/api/compare", json={"scenario": "rongcheng", "n": 100, "years": 1}))
    assert "needs a reform" in f["reform_set"]
    f = _fields(
        web_client.post(
            "/api/compare",
            json={
                "scenario": "rongcheng",
                "n": 100,
                "years": 1,
                "runs": 6,  # 12 runs > max_compare_runs = 10
                "set": {"policy.detection_scale": 2.0},
                "reform_set": {"policy.detection_scale": 2.0, "policy.sanction_scale": 500},
            },
        )
    )
    assert "max_compare_runs" in f["runs"]
    assert "same value as the baseline" in f["reform_set.policy.detection_scale"]
    assert "less than or equal to 100" in f["reform_set.policy.sanction_scale"]
    assert "set.policy.sanction_scale" not in f  # a reform field's problem is the reform's
    f = _fields(web_client.post("/api/compare", json={"scenario": "rongcheng", "n": 10**9, "reform_set": {"lists": 1}}))
    assert "cannot be added" in f["reform_set.lists"] and "max_n" in f["n"]
    f = _fields(web_client.post("/api/compare", json={"scenario": "nope", "reform_set": {"policy.publicity": True}}))
    assert "unknown preset" in f["scenario"]
    f = _fields(
        web_client.post(
            "/api/compare",
            json={"scenario": "rongcheng", "n": 20_000, "years": 1, "runs": 2, "reform_set": {"policy.repair": False}},
        )
    )
    assert "agent-days" in f["runs"] and "max_agent_days" in f["runs"]  # 4 x 20,000 x 365 > 7.3 million
    f = _fields(web_client.post("/api/compare", json={"scenario": "rongcheng", "runs": 1}))
    assert "runs" in f
    same = {"scenario": "rongcheng", "n": 100, "years": 1, "reform_set": {"policy.detection_scale": 1.0}}
    assert "would not differ" in _fields(web_client.post("/api/compare", json=same))["reform_set"]  # the preset's value


def test_compare_experiment_runs_in_the_pool_with_intervals_and_winners(web_client):
    """POST 202 -> running with progress (DELETE 409) -> done: paired intervals and winners and losers."""
    body = {
        "scenario": "private-scoring",
        "n": 500,
        "years": 1,
        "seed": 1,
        "runs": 3,
        "reform_set": {"policy.joint_sanctions": False},
    }
    r = web_client.post("/api/compare", json=body)
    assert r.status_code == 202, r.text
    cid = r.json()["compare_id"]
    assert r.headers["location"] == f"/api/compare/{cid}"
    deadline = time.monotonic() + 120
    while (st := web_client.get(f"/api/compare/{cid}").json())["status"] != "running":
        assert st["status"] == "queued" and time.monotonic() < deadline, st
        time.sleep(0.05)
    assert st["kind"] == "experiment" and st["request"]["runs"] == 3 and st["result"] is None
    assert web_client.delete(f"/api/compare/{cid}").status_code == 409
    assert cid in [c["compare_id"] for c in web_client.get("/api/compare").json()["compare"]]
    doc = wait_for_compare(web_client, cid)
    assert doc["status"] == "done", doc
    res = doc["result"]
    assert res["kind"] == "experiment" and res["runs"] == 3 and res["seeds"] == [1, 2, 3]
    assert res["reform_set"] == {"policy.joint_sanctions": False} and not res["failures"]
    m = {x["metric"]: x for x in res["metrics"]}
    for x in m.values():
        if x["diff"] is not None:
            assert x["diff"] == pytest.approx(x["reform"] - x["baseline"], abs=1e-9 * max(1.0, abs(x["baseline"])))
        if x["ci_low"] is not None:
            assert x["ci_low"] <= x["diff"] <= x["ci_high"] and x["ci_level"] == 0.95
    # no joint sanctions: the lists stay, the sanctions that ride on them go
    s = m["sanctions_applied"]
    assert s["diff"] < 0 and s["ci_high"] < 0, s
    assert m["records_false"]["diff"] == 0  # false records come before any policy lever: paired, so exactly equal
    wl = [w for w in res["winners_losers"] if w["outcome"] == "sanctions" and w["breakdown"] == "all"]
    assert len(wl) == 1 and wl[0]["persons"] == 500
    assert wl[0]["better_off"] > 0 and wl[0]["worse_off"] < wl[0]["better_off"]
    assert wl[0]["better_off"] + wl[0]["worse_off"] + wl[0]["unchanged"] == pytest.approx(1.0)
    charts = {c["key"]: c["figure"] for c in res["charts"]}
    assert "change" in charts and "winners_sanctions" in charts
    assert charts["change"]["data"][0]["error_x"]["array"]  # the intervals are drawn
    # stored: listed, then deleted (204) and gone (404)
    assert web_client.delete(f"/api/compare/{cid}").status_code == 204
    assert web_client.get(f"/api/compare/{cid}").status_code == 404
    assert web_client.delete(f"/api/compare/{cid}").status_code == 404


def test_a_run_compared_with_itself_changes_nothing_for_anyone(web_client, sanctioned_run):
    rid = sanctioned_run["run_id"]
    r = web_client.post("/api/compare", json={"a": rid, "b": rid})
    assert r.status_code == 202
    res = web_client.get(f"/api/compare/{r.json()['compare_id']}").json()["result"]
    assert res["same_people"] is True
    assert all(f["difference"] == 0 for f in res["figures"])
    compared = [w for w in res["winners_losers"] if w["persons"]]  # the score: nobody is scored in this preset
    assert compared and all(w["unchanged"] == 1.0 for w in compared)
    assert all(w["unchanged"] is None for w in res["winners_losers"] if not w["persons"])
    assert {c["key"] for c in res["charts"]} >= {"change", "winners_sanctions"}


# ---------------------------------------------------------------------------- 404, 409, 413, 415, 403, 421


def test_unknown_things_are_404(web_client, sanctioned_run):
    rid = sanctioned_run["run_id"]
    assert web_client.get("/api/runs/000000000000").status_code == 404
    assert web_client.get("/api/runs/..%2F..%2Fetc").status_code == 404
    assert web_client.get(f"/api/runs/{rid}/subjects/990101190001010000").status_code == 404
    assert web_client.get(f"/api/runs/{rid}/subjects/' OR '1'='1").status_code == 404
    assert web_client.get("/api/runs/000000000000/subjects/990101190001010000").status_code == 404
    assert web_client.get("/api/runs/000000000000/view").status_code == 404
    assert web_client.get("/api/compare/000000000000").status_code == 404
    assert web_client.delete("/api/runs/000000000000").status_code == 404
    assert web_client.get("/runs/000000000000").status_code == 404  # the page too


def test_concurrent_credit_files_queue_for_the_lookup_threads_and_read_alike(
    web_app, web_client, sanctioned_run, monkeypatch
):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    rid = sanctioned_run["run_id"]
    page = web_client.get(f"/api/runs/{rid}/subjects", params={"which": "sanctioned", "limit": 6}).json()
    some = web_client.get(f"/api/runs/{rid}/subjects", params={"which": "all", "limit": 4, "offset": 500}).json()
    ids = [x["id"] for x in page["subjects"] + some["subjects"]]
    alone = {sid: web_client.get(f"/api/runs/{rid}/subjects/{sid}").json() for sid in ids}

    runs = web_app.state.scslab.runs
    plain = runs.credit_file
    lock, busy, seen = threading.Lock(), [0, 0], set()

    def watched(run_id, subject_id):
        with lock:
            busy[0] += 1
            busy[1] = max(busy[1], busy[0])
            seen.add(threading.current_thread().name.split("_")[0])
        try:
            time.sleep(0.02)  # long enough for requests to overlap
            return plain(run_id, subject_id)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(runs, "credit_file", watched)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda sid: web_client.get(f"/api/runs/{rid}/subjects/{sid}"), ids * 2))
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert [a.json() for a in answers] == [alone[sid] for sid in ids * 2]
    assert seen == {"scslab-lookup"}  # the look-up threads, not the request thread pool
    assert 1 <= busy[1] <= web_app.state.scslab.limits.lookup_threads


def test_bodies_must_be_small_json_from_this_origin(web_client):
    big = {"scenario": "rongcheng", "set": {f"policy.x{i}": 1 for i in range(10_000)}}
    assert web_client.post("/api/runs", json=big).status_code == 413
    r = web_client.post("/api/runs", content=b"scenario=rongcheng", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    r = web_client.post("/api/runs", json={"scenario": "rongcheng"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = web_client.get("/api/health", headers={"host": "rebound.example:8000"})
    assert r.status_code == 421


def test_queue_limit_429_cancel_204_running_409_and_compare(web_client, sanctioned_run):
    """Fill the queue: the next request is 429 with Retry-After; queued jobs cancel, a running one does not."""
    body = {"scenario": "court-blacklist", "n": 3000, "years": 1, "seed": 7}
    ids = []
    for _ in range(WEB_LIMITS["max_jobs"]):
        r = web_client.post("/api/runs", json=body)
        assert r.status_code == 202, r.text
        assert r.headers["location"] == f"/api/runs/{r.json()['run_id']}"
        ids.append(r.json()["run_id"])
    full = web_client.post("/api/runs", json=body)
    assert full.status_code == 429 and int(full.headers["retry-after"]) > 0
    assert "max_jobs" in full.json()["error"]
    experiment = {"scenario": "rongcheng", "n": 100, "years": 1, "runs": 2, "reform_set": {"policy.repair": False}}
    full = web_client.post("/api/compare", json=experiment)  # a compare experiment queues in the same pool
    assert full.status_code == 429 and "max_jobs" in full.json()["error"] and full.headers["retry-after"]
    # the first job runs (or is about to), the others wait: those can be cancelled
    deadline = time.monotonic() + 60
    while web_client.get(f"/api/runs/{ids[0]}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert web_client.get(f"/api/runs/{ids[-1]}").json()["status"] == "queued"
    assert web_client.delete(f"/api/runs/{ids[0]}").status_code == 409
    for rid in ids[1:]:
        assert web_client.delete(f"/api/runs/{rid}").status_code == 204
        assert web_client.get(f"/api/runs/{rid}").status_code == 404
    done = wait_for_run(web_client, ids[0])
    assert done["status"] == "done"

    # compare the finished run with the shared one; then delete it (204) and it is gone (404)
    r = web_client.post("/api/compare", json={"a": sanctioned_run["run_id"], "b": ids[0]})
    assert r.status_code == 202
    doc = web_client.get(f"/api/compare/{r.json()['compare_id']}").json()
    assert doc["status"] == "done" and doc["result"]["kind"] == "runs"
    rows = {f["metric"]: f for f in doc["result"]["figures"]}
    a, b = sanctioned_run["summary"], done["summary"]
    assert rows["records"]["difference"] == b["records"] - a["records"]
    assert web_client.delete(f"/api/runs/{ids[0]}").status_code == 204
    assert web_client.get(f"/api/runs/{ids[0]}").status_code == 404


# ---------------------------------------------------------------------------- the database


def test_read_only_connections_refuse_writes_files_and_settings(web_app, sanctioned_run):
    runs = web_app.state.scslab.runs
    with runs.cursor(sanctioned_run["run_id"]) as cur:
        assert cur.execute("SELECT count(*) FROM subjects").fetchone()[0] > 1000
        for sql in (
            "CREATE TABLE x (a INTEGER)",
            "DELETE FROM subjects",
            "SELECT * FROM read_csv('/etc/passwd')",
            "COPY subjects TO '/tmp/scslab-leak.csv'",
            "SET enable_external_access = true",
            "INSTALL httpfs",
            "ATTACH '/tmp/other.duckdb' AS other",
        ):
            with pytest.raises(duckdb.Error):
                cur.execute(sql)


def test_a_killed_worker_fails_its_run_and_the_server_goes_on(web_client):
    """A run whose worker dies (killed, out of memory) is 'failed'; the next run gets a fresh worker."""
    import psutil

    r = web_client.post("/api/runs", json={"scenario": "rongcheng", "n": 20_000, "years": 1, "seed": 11})
    rid = r.json()["run_id"]
    deadline = time.monotonic() + 60
    while web_client.get(f"/api/runs/{rid}").json()["progress"] < 0.06:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    workers = [
        p
        for p in psutil.Process().children(recursive=True)
        if "spawn_main" in " ".join(p.cmdline()) and "resource_tracker" not in " ".join(p.cmdline())
    ]
    assert workers
    for p in workers:
        p.kill()
    body = wait_for_run(web_client, rid)
    assert body["status"] == "failed" and "died" in body["error"]
    assert web_client.get("/api/health").json() == {"status": "ok"}
    again = web_client.post("/api/runs", json={"scenario": "court-blacklist", "n": 300, "years": 0.2, "seed": 1})
    assert wait_for_run(web_client, again.json()["run_id"])["status"] == "done"
    listed = {x["run_id"]: x["status"] for x in web_client.get("/api/runs").json()["runs"]}
    assert listed[rid] == "failed"


# ---------------------------------------------------------------------------- the end of a compare job


def test_a_compare_that_has_just_ended_reads_as_running_until_its_result_is_stored():
    """Between the worker's return and the stored result, the job is done but nothing is stored:
    GET /api/compare/{id} must answer 'running', not 404 (the browser test once caught the 404)."""
    from types import SimpleNamespace

    from scslab.web.api import compare_status
    from scslab.web.jobs import Job

    job = Job(id="abc123", kind="compare", spec={"preset": "rongcheng", "n": 100, "runs": 2}, status="done")
    stored: dict[str, dict] = {}
    jobs = SimpleNamespace(get=lambda i: job if i == job.id else None)
    state = SimpleNamespace(jobs=jobs, compares=SimpleNamespace(get=stored.get))
    st = compare_status(state, "abc123")
    assert st is not None and st["status"] == "running" and st["result"] is None
    assert st["progress"] < 1.0 and st["phase"] == "storing the result"
    stored["abc123"] = {"compare_id": "abc123", "status": "done", "result": {"x": 1}}
    assert compare_status(state, "abc123")["status"] == "done"  # stored wins over the ended job
    job.status = "running"
    assert compare_status(state, "abc123")["status"] == "running"  # a live job is read from the job
    jobs.get = lambda i: None
    assert compare_status(state, "zzz") is None
