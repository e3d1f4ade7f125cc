"""The pages: Run, Runs, Compare and the credit platform inquiry, rendered on the server.

Why server-rendered: the pages must work for people who never open a terminal, on a machine
without network, and under a Content-Security-Policy that forbids inline script. Each page
is plain HTML from a Jinja2 template (autoescaped); the one script (``static/app.js``) adds
what needs the browser: the preset panel, submitting a run and its live progress bar,
drawing the report's Plotly figures from JSON, deleting, comparing. Data for the script
travels in ``data-*`` attributes, never in inline ``<script>`` blocks.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from scslab.web.api import HEADLINE_KEYS, compare_listing, compare_status, run_listing, run_status
from scslab.web.credit import credit_view
from scslab.web.presets import LEVERS, presets
from scslab.web.runstore import SUBJECT_QUERY
from scslab.web.state import AppState

__all__ = ["mount_pages"]

_HERE = Path(__file__).parent
_STATIC = {
    "app.js": ("application/javascript", _HERE / "static" / "app.js"),
    "style.css": ("text/css", _HERE / "static" / "style.css"),
}
NAV = (
    ("run", "Run", "/run"),
    ("runs", "Runs", "/runs"),
    ("compare", "Compare", "/compare"),
    ("inquiry", "Credit inquiry", "/inquiry"),
)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    """plotly.js as shipped inside the installed plotly package (nothing comes from a CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def _env() -> Environment:
    env = Environment(
        # the report's templates too: the run page shares its partials (lens.html)
        loader=FileSystemLoader([str(_HERE / "templates"), str(_HERE.parent / "report" / "templates")]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * float(v):.1f} %"
    return env


def _num(v: Any, digits: int = 0) -> str:
    """Counts as whole numbers with separators, rates with a few digits, None as a dash."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if digits:
            return f"{v:,.{digits}f}"
        return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.3g}"
    return str(v)


def mount_pages(app: FastAPI, state: AppState) -> None:
    env = _env()

    def page(name: str, active: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(nav=NAV, active=active, **ctx)
        return HTMLResponse(html, status_code=status)

    def not_found(what: str) -> HTMLResponse:
        return page("missing.html", "", status=404, what=what)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            return Response(
                _plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
            )
        if name not in _STATIC:
            return Response(status_code=404)
        media, path = _STATIC[name]
        return Response(path.read_bytes(), media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/run", status_code=303)

    @app.get("/run", response_class=HTMLResponse, include_in_schema=False)
    def run_page(preset: str = Query("rongcheng", max_length=64)) -> HTMLResponse:
        all_presets = presets()
        chosen = next((p for p in all_presets if p["name"] == preset), all_presets[0])
        return page("run.html", "run", presets=all_presets, preset=chosen, levers=LEVERS, limits=state.limits)

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def runs_page() -> HTMLResponse:
        live = [j.id for j in state.jobs.list() if j.kind == "run"]
        ids = list(dict.fromkeys(state.runs.ids() + live))
        rows = [run_listing(st) for i in reversed(ids) if (st := run_status(state, i)) is not None]
        return page("runs.html", "runs", runs=rows, keys=HEADLINE_KEYS)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def run_view(run_id: str) -> HTMLResponse:
        st = run_status(state, run_id)
        if st is None:
            return not_found(f"run {run_id}")
        view = state.runs.view(run_id) if st["status"] == "done" else None
        return page("run_view.html", "runs", run=st, view=view)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(preset: str = Query("rongcheng", max_length=64)) -> HTMLResponse:
        done = [st for i in reversed(state.runs.ids()) if (st := run_status(state, i)) and st["status"] == "done"]
        live = [j.id for j in state.jobs.list() if j.kind == "compare"]
        past = [c for cid in [*live, *reversed(state.compares.ids())] if (c := compare_listing(state, cid))]
        all_presets = presets()
        chosen = next((p for p in all_presets if p["name"] == preset), all_presets[0])
        return page(
            "compare.html",
            "compare",
            runs=done,
            past=past[:20],
            presets=all_presets,
            preset=chosen,
            levers=LEVERS,
            limits=state.limits,
        )

    @app.get("/compare/{compare_id}", response_class=HTMLResponse, include_in_schema=False)
    def compare_view(compare_id: str) -> HTMLResponse:
        doc = compare_status(state, compare_id)
        if doc is None:
            return not_found(f"comparison {compare_id}")
        return page("compare_view.html", "compare", doc=doc, compare_id=compare_id)

    @app.get("/inquiry", response_class=HTMLResponse, include_in_schema=False)
    def inquiry_home() -> HTMLResponse:
        done = [st for i in reversed(state.runs.ids()) if (st := run_status(state, i)) and st["status"] == "done"]
        return page("inquiry_home.html", "inquiry", runs=done)

    @app.get("/inquiry/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def inquiry(
        run_id: str,
        q: str = Query("", max_length=18),
        which: str = Query("listed", pattern="^(listed|sanctioned|wrongful|all)$"),
        offset: int = Query(0, ge=0, le=100_000_000),
    ) -> Response:
        st = run_status(state, run_id)
        if st is None or st["status"] != "done":
            return not_found(f"finished run {run_id}")
        q = q.strip()
        error = None
        if q and not SUBJECT_QUERY.match(q):
            error, q = "Type an id or its beginning: digits and capital letters only.", ""
        found = state.runs.subjects(run_id, q=q, which="all" if q else which, limit=50, offset=offset)
        if q and found["total"] == 1:
            return RedirectResponse(f"/inquiry/{run_id}/{found['subjects'][0]['id']}", status_code=303)
        scored = (state.runs.scenario(run_id).get("scoring") or {}).get("kind", "none") != "none"
        return page("inquiry.html", "inquiry", run=st, q=q, which=which, found=found, error=error, scored=scored)

    @app.get("/inquiry/{run_id}/{subject_id}", response_class=HTMLResponse, include_in_schema=False)
    def credit_page(request: Request, run_id: str, subject_id: str) -> HTMLResponse:
        st = run_status(state, run_id)
        if st is None or st["status"] != "done":
            return not_found(f"finished run {run_id}")
        if not SUBJECT_QUERY.match(subject_id):
            return not_found(f"subject {subject_id}")
        try:
            cf = state.runs.credit_file(run_id, subject_id.upper())
        except KeyError:
            return not_found(f"subject {subject_id} in run {run_id}")
        view = credit_view(cf, state.runs.scenario(run_id), run_id, int(st.get("days") or 0))
        return page("credit.html", "inquiry", run=st, cf=view)
