"""The FastAPI application: the JSON API, the pages and their static files, behind the security middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scslab.web.api import build_router, invalid, problem, request_problems
from scslab.web.limits import Limits
from scslab.web.security import SecurityMiddleware
from scslab.web.state import AppState

__all__ = ["LOOPBACK_HOSTS", "create_app"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def create_app(out: Path | str, limits: Limits | None = None, *, hosts: Iterable[str] = ()) -> FastAPI:
    """The application serving (and storing runs in) ``out``.

    ``hosts`` are extra names the Host header may carry (the address a non-loopback server
    was started on); loopback names are always accepted.
    """
    limits = limits or Limits()
    state = AppState.open(out, limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="scslab",
        description="Run, compare and inspect simulated social credit systems (synthetic people only).",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # the interactive docs load scripts from a CDN: not offered
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.scslab = state

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(request_problems(request, list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        text = {404: "no such page or resource", 405: "method not allowed here"}.get(exc.status_code, str(exc.detail))
        return problem(exc.status_code, text, headers=getattr(exc, "headers", None))

    app.include_router(build_router(state))
    from scslab.web.pages import mount_pages

    mount_pages(app, state)
    app.add_middleware(SecurityMiddleware, hosts=[*LOOPBACK_HOSTS, *hosts], max_body=limits.max_body)
    return app


def _version() -> str:
    from scslab import __version__

    return __version__
