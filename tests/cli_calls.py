"""Calling the command line in process, for the tests of refusals and outputs.

``call`` runs ``scslab ARGS`` through :func:`scslab.cli.main` and returns what a subprocess
would (exit code, stdout, stderr); ``refused`` asserts the answer every bad input must get:
exit 2, no traceback, no internal error.
"""

from __future__ import annotations

import subprocess

from scslab import cli


def call(capsys, *args: str) -> subprocess.CompletedProcess:
    """Run ``scslab *args`` in this process; its exit code and what it printed."""
    capsys.readouterr()
    try:
        rc = cli.main(list(args))
    except SystemExit as e:
        rc = e.code
    cap = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), rc, cap.out, cap.err)


def refused(capsys, *args: str) -> str:
    """The command must answer exit 2 with no traceback and no internal error; its stderr."""
    p = call(capsys, *args)
    assert p.returncode == 2, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    return p.stderr
