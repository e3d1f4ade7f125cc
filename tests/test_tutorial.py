"""The tutorial must run as written (small, in a subprocess, as a user would run it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_tutorial_runs(tmp_path):
    env = dict(os.environ, SCSLAB_TUTORIAL_N="1500", SCSLAB_TUTORIAL_YEARS="0.5", SCSLAB_TUTORIAL_OUT=str(tmp_path))
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "tutorial.py")], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert "baseline: compliance" in out.stdout and "no joint sanctions" in out.stdout
    assert (tmp_path / "results.duckdb").exists() and (tmp_path / "report.html").exists()
