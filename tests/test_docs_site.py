"""The documentation site builds with ``mkdocs build --strict`` (as ``make docs`` does), offline.

Why: a broken link, a missing anchor, a page left out of the navigation or a missing
included file is a warning, and a warning must fail the suite, not a reader. The built
pages must also load nothing from the internet when opened (no web fonts, no CDN scripts).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tools import docs_hooks

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")

# a resource the browser fetches by itself: scripts, stylesheets, icons, fonts, images, frames
_REMOTE_LOAD = re.compile(
    r"""<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    res = _build(ROOT / "mkdocs.yml", out)
    log = res.stdout + res.stderr
    assert res.returncode == 0, f"`make docs` fails:\n{log}"
    assert "WARNING" not in log, log
    return out


def test_site_builds_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(ROOT / "docs").with_suffix(".html") for p in (ROOT / "docs").rglob("*.md"))
    assert len(pages) >= 20
    for page in pages:
        assert (site / page).is_file(), page
    # the included files arrived: the README on the front page, the changelog and CONTRIBUTING.md
    assert "a laboratory for social credit systems" in (site / "index.html").read_text()
    assert "[0.1.0]" in (site / "changelog.html").read_text()
    assert "Add a CLI command" in (site / "contributing.html").read_text()


def test_site_loads_nothing_from_the_internet(site: Path) -> None:
    offenders = []
    for path in site.rglob("*"):
        if path.suffix not in {".html", ".css"}:
            continue
        for m in _REMOTE_LOAD.finditer(path.read_text(errors="replace")):
            offenders.append(f"{path.relative_to(site)}: {m.group(0)}")
    assert not offenders, "\n".join(offenders)
    html = (site / "index.html").read_text()
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_remote_load_detector_catches_what_it_should() -> None:
    assert _REMOTE_LOAD.search('<script src="https://unpkg.com/iframe-worker/shim"></script>')
    assert _REMOTE_LOAD.search('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">')
    assert _REMOTE_LOAD.search("@import url(https://fonts.googleapis.com/css)")
    assert not _REMOTE_LOAD.search('<a href="https://www.mkdocs.org/">MkDocs</a>')
    assert not _REMOTE_LOAD.search('<script src="assets/javascripts/bundle.js"></script>')


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strict build is a real check: one dead link in one page fails it."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / "tutorial.md").write_text((docs / "tutorial.md").read_text() + "\nSee [nowhere](no-such-page.md).\n")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["docs_dir"] = str(docs)
    config["hooks"] = [str(ROOT / h) for h in config["hooks"]]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    res = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert res.returncode != 0
    assert "no-such-page.md" in res.stdout + res.stderr


def test_optional_pages_join_the_nav_when_they_exist(tmp_path: Path) -> None:
    (tmp_path / "here.md").write_text("# here\n")
    (tmp_path / "landed.md").write_text("# landed\n")
    nav = [
        {"Home": "here.md"},
        {"Evidence": [{"Landed": "landed.md"}, {"Pending": "pending.md"}]},
        {"Later": [{"Pending": "pending.md"}]},
        {"Missing": "missing.md"},
    ]
    pruned = docs_hooks.prune_nav(nav, tmp_path, {"landed.md", "pending.md"})
    # the optional page that exists stays, the one still missing goes (and its empty section);
    # a missing page that is not optional stays, so the strict build reports it
    assert pruned == [{"Home": "here.md"}, {"Evidence": [{"Landed": "landed.md"}]}, {"Missing": "missing.md"}]
