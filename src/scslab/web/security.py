"""Headers and request checks every response goes through (a pure ASGI middleware).

- **Content-Security-Policy** on every response: scripts only from this server (Plotly and
  the application's own script, both served from installed packages), no inline script,
  no ``eval``, nothing from any other origin, no framing, no plugins. Styles allow inline
  ``style`` attributes because Plotly draws its charts with them (plotly.js issue 2355);
  style sheets still come only from this server.
- **Host** must be the address the server was started on (or a loopback name): a web page
  elsewhere cannot reach a loopback server through DNS rebinding.
- **Origin**, when a browser sends one, must be this server: another site's page cannot
  start runs or delete them (no cross-site request forgery).
- **Bodies** are JSON (``Content-Type: application/json``) and at most ``max_body`` bytes,
  counted as they arrive, so a huge or endless body is refused before it is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

__all__ = ["CSP", "SecurityMiddleware"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _answer(send: Send, status: int, error: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + _HEADERS + list(extra)})
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    """Adds the security headers; refuses foreign hosts and origins, non-JSON and oversized bodies."""

    def __init__(self, app: Any, *, hosts: Iterable[str], max_body: int) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.max_body = max_body

    def _host_ok(self, host: str) -> bool:
        host = host.lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return host in self.hosts or name in self.hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if not self._host_ok(host):
            await _answer(send, 421, f"unexpected Host {host!r}: open the address the server printed")
            return
        origin = headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1].lower() != host.lower():
            await _answer(send, 403, "cross-origin requests are refused")
            return
        method = scope.get("method", "GET")
        if method in ("POST", "PUT", "PATCH"):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                await _answer(send, 415, "send the body as JSON (Content-Type: application/json)")
                return
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                await _answer(send, 413, f"request body over the server limit max_body = {self.max_body} bytes")
                return
            chunks, total = [], 0
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                chunk = msg.get("body", b"")
                total += len(chunk)
                if total > self.max_body:
                    await _answer(send, 413, f"request body over the server limit max_body = {self.max_body} bytes")
                    return
                chunks.append(chunk)
                if not msg.get("more_body"):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replay

        async def with_headers(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                names = {k.lower() for k, _ in msg.get("headers", [])}
                msg = {**msg, "headers": list(msg.get("headers", [])) + [h for h in _HEADERS if h[0] not in names]}
                if scope.get("path", "").startswith("/api/") and b"cache-control" not in names:
                    msg["headers"].append((b"cache-control", b"no-store"))
            await send(msg)

        await self.app(scope, receive, with_headers)
