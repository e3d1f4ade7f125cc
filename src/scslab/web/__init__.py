"""The web application: run, compare and inspect simulated social credit systems in a browser.

``scslab serve`` starts it; ``create_app(out)`` builds it for tests and scripts. Nothing in
it loads from the internet, and every identity it shows is synthetic. Imported lazily so
that the worker processes (which import :mod:`scslab.web.worker`) never load FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from scslab.web.app import create_app

        return create_app
    raise AttributeError(f"module 'scslab.web' has no attribute {name!r}")
