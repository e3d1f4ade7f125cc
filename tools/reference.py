"""Write the generated reference pages of the documentation (``make reference``).

Why a generator: the scenario reference and the loop table are read from the code (the
pydantic schema, the engine's published loop), so the pages cannot drift from it.
``tests/test_reference.py`` fails when a committed page differs from what this writes.

Usage: ``python tools/reference.py`` writes the pages; ``--check`` only lists stale ones
(exit code 1 if any).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from scslab.engine.reference import loop_reference
from scslab.scenario.reference import scenario_reference
from scslab.schemas import results_reference

ROOT = Path(__file__).resolve().parents[1]
# page (relative to the repository root) -> the function that produces its Markdown
PAGES: dict[str, Callable[[], str]] = {
    "docs/reference/scenario.md": scenario_reference,
    "docs/reference/loop.md": loop_reference,
    "docs/reference/results.md": results_reference,
}


def stale(root: Path = ROOT) -> list[str]:
    """The pages whose committed text differs from what the code produces now."""
    return [page for page, make in PAGES.items() if not _same(root / page, make())]


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def write(root: Path = ROOT) -> list[str]:
    """Write every page that changed; returns their paths."""
    changed = stale(root)
    for page in changed:
        path = root / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGES[page](), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="list stale pages, write nothing")
    args = p.parse_args(argv)
    if args.check:
        pages = stale()
        for page in pages:
            print(f"stale: {page} (run `make reference`)")
        return 1 if pages else 0
    for page in write():
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
