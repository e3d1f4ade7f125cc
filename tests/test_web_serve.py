"""``scslab serve``: loopback by default, a non-loopback host only when asked, the address printed."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from scslab.cli import main
from scslab.cli.serve import is_loopback


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def test_non_loopback_host_needs_the_flag(capsys, tmp_path):
    assert main(["serve", "--host", "0.0.0.0", "--out", str(tmp_path)]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before anything was created


def test_serve_prints_its_address_and_answers(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from scslab.cli import main; sys.exit(main())",
            "serve",
            "--port",
            "0",
            "--out",
            str(tmp_path / "web"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("scslab serving") and "http://127.0.0.1:" in line, line + proc.stderr.read()
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "api/health", timeout=10) as r:
            assert json.loads(r.read()) == {"status": "ok"}
            assert "script-src 'self'" in r.headers["content-security-policy"]
        assert (tmp_path / "web" / "runs").is_dir()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
