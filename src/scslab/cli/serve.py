"""``scslab serve``: the web application (runs, comparisons, the credit platform) on this machine.

It listens on the loopback address by default, so only this machine can reach it. Binding
any other address needs ``--allow-remote`` and prints a warning: the server has no accounts
and anyone who can reach it can start runs (within its limits) and read every stored run.
"""

from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path
from typing import Any

from .common import UserError, err, positive_float, positive_int

NAME = "serve"


def register(sub: Any) -> None:
    s = sub.add_parser(NAME, help="start the web application (loopback only by default)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    s.add_argument("--out", type=Path, default=Path("out/web"), help="folder the runs are stored in (default out/web)")
    s.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone who can reach it can run and read everything)",
    )
    s.add_argument("--max-n", type=positive_int, help="largest population of one run (default 1,000,000)")
    s.add_argument("--max-years", type=positive_float, help="longest run in years (default 10)")
    s.add_argument("--max-jobs", type=positive_int, help="runs queued or running at once (default 8)")
    s.add_argument("--workers", type=positive_int, help="runs simulated at once (default 1)")
    s.add_argument(
        "--lookup-threads", type=positive_int, help="credit files looked up at once; the rest queue (default 2)"
    )
    s.add_argument(
        "--lookup-memory-mb",
        type=positive_int,
        help="memory for the credit-file tables of recently looked-up runs (default 1024; bigger runs use SQL)",
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def limits_from(args: argparse.Namespace) -> Any:
    from scslab.web.limits import Limits

    changes = {
        k: v
        for k, v in (
            ("max_n", args.max_n),
            ("max_years", args.max_years),
            ("max_jobs", args.max_jobs),
            ("workers", args.workers),
            ("lookup_threads", args.lookup_threads),
            ("lookup_memory_mb", args.lookup_memory_mb),
        )
        if v is not None
    }
    return Limits(**changes)


def main(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be 0..65535")
    if not is_loopback(args.host):
        if not args.allow_remote:
            raise UserError(
                f"--host {args.host} is not a loopback address: other machines could reach the server. "
                "Add --allow-remote if that is what you want."
            )
        err(
            f"WARNING: listening on {args.host}: anyone who can reach this address can start runs and read "
            "every stored run (there are no accounts). Every identity in it is synthetic."
        )
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out}: exists and is not a folder")
    try:
        import uvicorn

        from scslab.web.app import create_app
    except ImportError as e:
        raise UserError(f"the web application needs its extra: pip install 'scslab[web]' ({e})") from None
    extra_hosts = [] if is_loopback(args.host) else [args.host]
    app = create_app(args.out, limits_from(args), hosts=extra_hosts)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    _announce(server, args)
    server.run()
    return 0


def _announce(server: Any, args: argparse.Namespace) -> None:
    """Print the address once uvicorn has bound its socket (the real port when --port 0)."""
    startup = server.startup

    async def started(sockets: Any = None) -> None:
        await startup(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                host, port = sock.getsockname()[:2]
                shown = f"[{host}]" if ":" in host else host
                print(f"scslab serving {args.out} at http://{shown}:{port}/  (Ctrl-C stops it)", flush=True)
                return

    server.startup = started
