"""Shared fixtures for the engine tests: the toy scenario and a recording simulation runner."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ENGINE_FIXTURES = Path(__file__).parent / "fixtures" / "engine"
TOY = ENGINE_FIXTURES / "toy_points.toml"


# ---------------------------------------------------------------------------- parallel runs
# `make test` runs pytest-xdist: `-n 2 --dist loadgroup` (the Makefile) gets the scheduler
# below. A unit of work is a whole test file, so a module's fixtures are built once
# (on the one worker that runs the file), or a group of files that use the same session
# fixture (the web application, its worker pool and its uvicorn server). The tests of the
# files in SPREAD share no module fixture: each is its own unit and the workers split them.
# The slowest units are handed out first (a long one started last leaves a worker idle at
# the end). The grouping reads the test's id, not xdist_group marks: pytest 9 ignores the
# `@group` suffix that xdist 3.8 gives marked tests. Without -n nothing here changes.
SHARED_GROUPS = {"test_web_api.py": "web", "test_web_browser.py": "web"}
SPREAD = {"test_baseline.py", "test_society.py"}
# the longest units first (measured: pytest -n 2 --durations=0, 2026-12-03, 922 tests)
SLOW_FIRST = [
    "web",
    "test_lab_ray.py",
    "test_shards.py",
    "test_partitioned.py",
    "test_lab_tutorial.py",
    "test_society.py",
    "test_lab_sweep.py",
    "test_calibrate.py",
    "test_lab_sensitivity.py",
    "test_result_schema.py",
    "test_cli.py",
]


def _unit(nodeid: str) -> str:
    """The unit of work of a test: its file's group, its file, or (SPREAD) the test itself."""
    path = nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if name in SPREAD:
        return nodeid
    return SHARED_GROUPS.get(name, path)


@pytest.hookimpl(optionalhook=True)  # xdist's hook: without xdist (no -n) it is never called
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # keep SLOW_FIRST's order (xdist would sort by number of tests)

    class FileGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    return FileGroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "PYTEST_XDIST_WORKER" in os.environ:  # the same order on every worker (they must agree)
        rank = {name: i for i, name in enumerate(SLOW_FIRST)}

        def key(item: pytest.Item) -> int:
            name = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
            return rank.get(SHARED_GROUPS.get(name, name), len(rank))

        items.sort(key=key)  # stable: the order within a file and among the rest is kept


def run_recording(scenario=TOY, patch=None, **kw):
    """Run a Sim day by day, keeping what behaviour handed to the sources each day (``events.acts``).

    Returns ``(sim, results, acts)`` with ``acts[day] = (subjects, behaviour codes)``: the
    ground truth the ledger tests compare records against. ``patch(sim)`` runs after
    ``init`` (to alter a module for a counterfactual run).
    """
    from scslab.engine.sim import Sim

    sim = Sim(scenario, **kw).init()
    acts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if patch is not None:
        patch(sim)
    for day in range(sim.scenario.sim.days):
        sim.step(day)
        subj, beh = sim.events.acts  # what behaviour handed to the sources today
        acts[day] = (subj.copy(), beh.copy())
    return sim, sim.finish(), acts


def toy_scenario(edit=None):
    """The toy scenario as a validated :class:`Scenario`, after ``edit(dict)`` changed it."""
    import tomllib

    from scslab.scenario.schema import Scenario

    data = tomllib.loads(TOY.read_text())
    if edit is not None:
        edit(data)
    return Scenario.model_validate(data)


@pytest.fixture(scope="session")
def toy_run():
    """The toy scenario as written (60 days, 600 persons), run once for the session."""
    return run_recording()


# ---------------------------------------------------------------------------- web application
# One application (and one worker pool) for the whole session: spawning a worker and loading
# numba's cached kernels costs seconds, paid once. The API tests talk to it in-process through
# FastAPI's test client; the browser tests through a real uvicorn server on 127.0.0.1.

WEB_LIMITS = dict(max_n=20_000, max_years=3.0, max_agent_days=20_000 * 365, max_jobs=4, workers=1, max_page=100)


@pytest.fixture(scope="session")
def web_app(tmp_path_factory):
    from scslab.web.app import create_app
    from scslab.web.limits import Limits

    app = create_app(tmp_path_factory.mktemp("web"), Limits(**WEB_LIMITS), hosts=["testserver"])
    yield app
    app.state.scslab.close()


@pytest.fixture(scope="session")
def web_client(web_app):
    from fastapi.testclient import TestClient

    return TestClient(web_app)  # no lifespan: the session fixture closes the state


@pytest.fixture(scope="session")
def web_server(web_app):
    """The same application served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def wait_for(client, url, timeout):
    """Poll ``url`` (a run or a comparison) until done or failed; returns the last body."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"{url} still {body['status']} after {timeout} s"
        time.sleep(0.2)


def wait_for_run(client, run_id, timeout=120):
    return wait_for(client, f"/api/runs/{run_id}", timeout)


def wait_for_compare(client, compare_id, timeout=300):
    return wait_for(client, f"/api/compare/{compare_id}", timeout)


@pytest.fixture(scope="session")
def sanctioned_run(web_client):
    """A finished private-scoring run with listings, sanctions and wrongful ones (1,000 persons, 1 year)."""
    r = web_client.post("/api/runs", json={"scenario": "private-scoring", "n": 1000, "years": 1, "seed": 1})
    assert r.status_code == 202, r.text
    body = wait_for_run(web_client, r.json()["run_id"])
    assert body["status"] == "done", body
    return body
