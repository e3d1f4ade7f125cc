"""The lab tutorial (docs/lab.md) must run as written: small, in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lab_tutorial_runs_to_its_charts(tmp_path):
    env = dict(
        os.environ,
        SCSLAB_LAB_N="800",
        SCSLAB_LAB_DAYS="60",
        SCSLAB_LAB_RUNS="3",
        SCSLAB_LAB_WORKERS="2",
        SCSLAB_LAB_OUT=str(tmp_path),
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "lab_tutorial.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    for line in ("cameras doubled: violations", "sanctions doubled: violations", "cameras minus sanctions"):
        assert line in out.stdout
    assert "cameras, score, female" in out.stdout and "most influential on violations" in out.stdout
    for page in ("cameras/compare.html", "sweep/sweep.html", "sensitivity/sensitivity.html"):
        assert (tmp_path / page).stat().st_size > 10_000, page
    doc = (ROOT / "docs" / "lab.md").read_text(encoding="utf-8")
    assert "examples/lab_tutorial.py" in doc
