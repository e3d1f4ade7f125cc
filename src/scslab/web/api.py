"""The JSON API behind the pages, the same one scripts use.

Status codes: ``200`` read, ``202`` accepted for the background (a run, a compare
experiment), ``204`` deleted, ``404`` unknown run, subject or comparison, ``409`` a run that
is still running cannot be deleted, ``413`` body too large, ``415`` not JSON, ``422`` bad
input (every problem, each ``{"field", "reason"}``), ``429`` queue full (with
``Retry-After``). The route handlers are plain functions: FastAPI runs them in its thread
pool, so a slow database read never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from scslab.web.credit import credit_view
from scslab.web.inputs import CompareRequest, InputError, RunRequest, build_compare, build_scenario
from scslab.web.jobs import Busy, Job, new_id
from scslab.web.presets import presets
from scslab.web.runstore import SUBJECT_QUERY
from scslab.web.state import AppState

__all__ = [
    "HEADLINE_KEYS",
    "build_router",
    "compare_listing",
    "compare_status",
    "invalid",
    "problem",
    "request_problems",
    "run_listing",
    "run_status",
]

#: summary figures shown for each run in a listing
HEADLINE_KEYS = (
    "records",
    "records_false",
    "listed_now",
    "ever_listed",
    "wrongful_listings",
    "sanctions_applied",
    "wrongful_sanctions",
    "compliance_rate",
    "score_mean",
)


def problem(status: int, error: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def invalid(problems: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(
        {
            "error": "invalid request",
            "errors": [{"field": f, "reason": r} for f, r in problems],
        },
        status_code=422,
    )


def _busy(state: AppState, e: Busy) -> JSONResponse:
    s = state.limits.retry_after_s
    return problem(429, f"{e}; retry in about {s} s", headers={"Retry-After": str(s)})


# what differs between a run and a compare experiment in the submit and delete handlers
_KINDS = {
    "run": {"key": "run_id", "path": "runs", "noun": "run"},
    "compare": {"key": "compare_id", "path": "compare", "noun": "comparison"},
}


def _accepted(kind: str, job_id: str, status: str) -> JSONResponse:
    """202 with the new id and a ``Location`` to poll."""
    k = _KINDS[kind]
    return JSONResponse(
        {k["key"]: job_id, "status": status},
        status_code=202,
        headers={"Location": f"/api/{k['path']}/{job_id}"},
    )


def _submit(state: AppState, kind: str, spec: dict[str, Any]) -> JSONResponse:
    """Queue a job in the worker pool: 202 and its id, or 429 when the queue is full."""
    try:
        job = state.jobs.submit(kind, spec)
    except Busy as e:
        return _busy(state, e)
    return _accepted(kind, job.id, job.status)


def _delete(state: AppState, kind: str, job_id: str) -> Response:
    """Cancel a queued job or delete what a finished one stored: 204, 409 while it runs, 404."""
    noun = _KINDS[kind]["noun"]
    job = state.jobs.get(job_id)
    if job is not None and job.status in ("queued", "running"):
        if state.jobs.cancel(job_id):
            return Response(status_code=204)
        return problem(409, f"{noun} {job_id!r} is running; delete it when it has finished")
    store = state.runs if kind == "run" else state.compares
    if not store.delete(job_id):
        return problem(404, f"no {noun} {job_id!r}")
    return Response(status_code=204)


def _live(job: Job) -> dict[str, Any]:
    """What a queued or running job shows of itself (a run and a compare experiment alike)."""
    return {
        "status": job.status,
        "progress": job.progress,
        "phase": job.phase,
        "submitted_at": job.submitted_at,
        "error": None,
    }


def run_status(state: AppState, run_id: str) -> dict[str, Any] | None:
    """A run's public state, from the job (queued, running) or from its folder (done, failed)."""
    job = state.jobs.get(run_id)
    if job is not None and job.kind == "run" and job.status in ("queued", "running"):
        spec = job.spec
        return {
            "run_id": run_id,
            **_live(job),
            "scenario": spec["preset"],
            "n": spec["n"],
            "days": spec["days"],
            "seed": spec["seed"],
            "set": spec["overrides"],
            "schedule": spec["schedule"],
            "summary": None,
        }
    meta = state.runs.meta(run_id)
    if meta is None:
        return None
    done = meta.get("status") == "done"
    return {
        "run_id": run_id,
        "status": meta.get("status", "failed"),
        "progress": 1.0 if done else 0.0,
        "phase": meta.get("status", "failed"),
        **{k: meta.get(k) for k in ("scenario", "n", "days", "seed", "set", "schedule", "submitted_at")},
        "finished_at": meta.get("finished_at"),
        "wall_s": meta.get("wall_s"),
        "summary": state.runs.summary(run_id) if done else None,
        "error": meta.get("error"),
    }


def compare_status(state: AppState, compare_id: str) -> dict[str, Any] | None:
    """A comparison's public state: a queued or running experiment from its job, else as stored."""
    job = state.jobs.get(compare_id)
    stored = None if job is None or job.status in ("queued", "running") else state.compares.get(compare_id)
    if job is not None and job.kind == "compare" and stored is None:
        # a job that has just ended is kept until its result is stored: until then it still runs
        live = _live(job)
        if job.status not in ("queued", "running"):
            live.update(status="running", phase="storing the result", progress=0.99)
        spec = job.spec
        return {
            "compare_id": compare_id,
            **live,
            "kind": "experiment",
            "request": {k: spec.get(k) for k in ("preset", "n", "days", "seed", "runs", "overrides", "reform_set")},
            "result": None,
        }
    return stored if stored is not None else state.compares.get(compare_id)


def compare_listing(state: AppState, compare_id: str) -> dict[str, Any] | None:
    """One line of ``GET /api/compare``: what was compared, without the figures."""
    doc = compare_status(state, compare_id)
    if doc is None:
        return None
    res = doc.get("result") or {}
    req = doc.get("request") or {}
    return {
        "compare_id": compare_id,
        "status": doc.get("status"),
        "progress": doc.get("progress"),
        "kind": res.get("kind") or doc.get("kind"),
        "scenario": res.get("scenario") or req.get("preset"),
        "runs": res.get("runs") or req.get("runs"),
        "reform_set": res.get("reform_set") or req.get("reform_set"),
        "a": (res.get("a") or {}).get("run_id"),
        "b": (res.get("b") or {}).get("run_id"),
        "finished_at": doc.get("finished_at"),
    }


def run_listing(st: dict[str, Any]) -> dict[str, Any]:
    s = st.pop("summary") or {}
    st["headline"] = {k: s.get(k) for k in HEADLINE_KEYS if k in s}
    return st


def build_router(state: AppState) -> APIRouter:
    r = APIRouter(prefix="/api")
    limits = state.limits

    @r.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @r.get("/limits")
    def get_limits() -> dict[str, Any]:
        return limits.as_dict()

    @r.get("/presets")
    def get_presets() -> dict[str, Any]:
        return {"presets": presets()}

    # ------------------------------------------------------------------ runs
    @r.post("/runs", status_code=202)
    def post_run(req: RunRequest) -> Any:
        if state.runs.count() + state.jobs.active() >= limits.max_stored_runs:
            return problem(
                429,
                f"{limits.max_stored_runs} runs are stored (the server limit max_stored_runs): delete some first",
                headers={"Retry-After": str(limits.retry_after_s)},
            )
        try:
            spec = build_scenario(
                req.scenario,
                n=req.n,
                years=req.years,
                seed=req.seed,
                overrides=req.set,
                schedule=req.schedule,
                limits=limits,
            )
        except InputError as e:
            return invalid(e.problems)
        return _submit(state, "run", vars(spec))

    @r.get("/runs")
    def list_runs() -> dict[str, Any]:
        live = [j.id for j in state.jobs.list() if j.kind == "run"]
        ids = list(dict.fromkeys(state.runs.ids() + live))
        rows = [st for i in ids if (st := run_status(state, i)) is not None]
        return {"runs": [run_listing(st) for st in rows]}

    @r.get("/runs/{run_id}")
    def get_run(run_id: str) -> Any:
        st = run_status(state, run_id)
        return st if st is not None else problem(404, f"no run {run_id!r}")

    @r.delete("/runs/{run_id}", status_code=204, response_model=None)
    def delete_run(run_id: str) -> Any:
        return _delete(state, "run", run_id)

    def _done(run_id: str) -> JSONResponse | None:
        # the job or the folder's meta.json decide (run_status would also read the summary)
        job = state.jobs.get(run_id)
        if job is not None and job.kind == "run" and job.status in ("queued", "running"):
            status = job.status
        else:
            meta = state.runs.meta(run_id)
            if meta is None:
                return problem(404, f"no run {run_id!r}")
            status = meta.get("status", "failed")
        if status != "done":
            return problem(404, f"run {run_id!r} is {status}: it has no results yet")
        return None

    @r.get("/runs/{run_id}/view")
    def get_view(run_id: str) -> Any:
        return _done(run_id) or state.runs.view(run_id)

    @r.get("/runs/{run_id}/report")
    def get_report(run_id: str) -> Any:
        bad = _done(run_id)
        path = state.runs.report_path(run_id)
        if bad is not None or path is None:
            return bad or problem(404, f"run {run_id!r} has no report")
        name = f"scslab-{(state.runs.meta(run_id) or {}).get('scenario', 'run')}-{run_id}.html"
        return FileResponse(path, media_type="text/html", filename=name)

    @r.get("/runs/{run_id}/subjects")
    def get_subjects(
        run_id: str,
        q: str = Query("", max_length=18),
        which: str = Query("listed", pattern="^(listed|sanctioned|wrongful|all)$"),
        limit: int = Query(50, ge=1),
        offset: int = Query(0, ge=0, le=100_000_000),
    ) -> Any:
        bad = _done(run_id)
        if bad is not None:
            return bad
        problems = []
        if q and not SUBJECT_QUERY.match(q):
            problems.append(("q", "an id or its beginning: digits and capital letters only"))
        if limit > limits.max_page:
            problems.append(("limit", f"{limit} exceeds the server limit max_page = {limits.max_page}"))
        if problems:
            return invalid(problems)
        return {"run_id": run_id, **state.runs.subjects(run_id, q=q, which=which, limit=limit, offset=offset)}

    def credit_response(run_id: str, subject_id: str) -> JSONResponse:
        bad = _done(run_id)
        if bad is not None:
            return bad
        if not SUBJECT_QUERY.match(subject_id):
            return problem(404, f"no subject {subject_id!r} (ids are 18 digits or capital letters)")
        try:
            cf = state.runs.credit_file(run_id, subject_id.upper())
        except KeyError:
            return problem(404, f"no subject {subject_id!r} in run {run_id!r}")
        meta = state.runs.meta(run_id) or {}
        # plain JSON values (the database's ints, floats, strings, lists): rendered as they are
        return JSONResponse(credit_view(cf, state.runs.scenario(run_id), run_id, int(meta.get("days") or 0)))

    @r.get("/runs/{run_id}/subjects/{subject_id}")
    async def get_subject(run_id: str, subject_id: str) -> Any:
        # answered by the look-up threads, in the order requests came, not by FastAPI's pool
        # of forty: concurrent look-ups queue instead of sharing the cores forty ways
        return await asyncio.get_running_loop().run_in_executor(state.lookups, credit_response, run_id, subject_id)

    # ------------------------------------------------------------------ compare
    @r.post("/compare", status_code=202)
    def post_compare(req: CompareRequest) -> Any:
        experiment = ("scenario", "n", "years", "seed", "set", "reform_set", "runs")
        if req.a is not None or req.b is not None:
            problems = [
                (k, f"no finished run {v!r}")
                for k, v in (("a", req.a), ("b", req.b))
                if v is None or (state.runs.meta(v) or {}).get("status") != "done"
            ]
            problems += [
                (k, "give two finished runs ('a', 'b') or a compare experiment, not both")
                for k in experiment
                if k in req.model_fields_set
            ]
            if problems:
                return invalid(problems)
            from scslab.web.compare import compare_runs

            assert req.a is not None and req.b is not None  # a missing one is a problem above
            cid = new_id()
            state.compares.save(
                cid, {"status": "done", "progress": 1.0, "result": compare_runs(state.runs, req.a, req.b)}
            )
            return _accepted("compare", cid, "done")
        try:
            spec = build_compare(req, limits=limits)
        except InputError as e:
            return invalid(e.problems)
        return _submit(state, "compare", vars(spec))

    @r.get("/compare")
    def list_compare() -> dict[str, Any]:
        out = [compare_listing(state, j.id) for j in state.jobs.list() if j.kind == "compare"]
        out += [compare_listing(state, cid) for cid in state.compares.ids()]
        return {"compare": [c for c in out if c is not None]}

    @r.get("/compare/{compare_id}")
    def get_compare(compare_id: str) -> Any:
        doc = compare_status(state, compare_id)
        return doc if doc is not None else problem(404, f"no comparison {compare_id!r}")

    @r.delete("/compare/{compare_id}", status_code=204, response_model=None)
    def delete_compare(compare_id: str) -> Any:
        return _delete(state, "compare", compare_id)

    return r


_UNION_TAGS = {"bool", "int", "float", "str"}


def request_problems(request: Request, errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """FastAPI's validation errors as (field, reason): the body's own field path, no 'body.' prefix.

    A value that fits none of a union's members (``set`` values: a number or true/false) is
    reported once, not once per member.
    """
    out: dict[str, str] = {}
    for e in errors:
        loc = [str(x) for x in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path"):
            loc = loc[1:]
        msg = e.get("msg", "invalid")
        if loc and loc[-1] in _UNION_TAGS:
            loc = loc[:-1]
            msg = f"must be a number or true/false (got {e.get('input')!r})"
        elif e.get("type") == "extra_forbidden":
            msg = "unknown field (a scenario comes only as a preset name plus overrides in 'set')"
        elif e.get("type") == "json_invalid":
            msg = "the body is not valid JSON"
        out.setdefault(".".join(loc) or "body", msg)
    return list(out.items())
