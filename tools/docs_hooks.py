"""MkDocs hooks for the scslab site (``hooks:`` in mkdocs.yml).

Why: several people add pages at once. A nav entry for a page that does not exist yet is a
warning, and ``mkdocs build --strict`` fails on warnings, so a page announced in the nav
before it lands would break every build. Pages listed in ``extra.optional_pages`` are
dropped from the nav while their file is missing; every other missing page still fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def prune_nav(items: list[Any], docs_dir: Path, optional: set[str]) -> list[Any]:
    """The nav without entries for optional pages that are missing, and without empty sections."""
    kept: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            (title, value), *_ = item.items()
            if isinstance(value, list):
                value = prune_nav(value, docs_dir, optional)
                if not value:
                    continue
            elif isinstance(value, str) and value in optional and not (docs_dir / value).exists():
                continue
            kept.append({title: value})
        elif isinstance(item, str) and item in optional and not (docs_dir / item).exists():
            continue
        else:
            kept.append(item)
    return kept


def on_config(config: Any) -> Any:
    optional = set(config["extra"].get("optional_pages", []))
    if config["nav"] and optional:
        config["nav"] = prune_nav(config["nav"], Path(config["docs_dir"]), optional)
    return config
