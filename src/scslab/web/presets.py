"""What the Run page tells about a preset: its description, levers, data sources and citations.

The citations are the preset file's own comments that cite the fact sheet ("facts 3.8"):
the presets are written so that every sourced number says where it comes from, and the page
shows those lines as they are rather than a summary of them.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

__all__ = ["LEVERS", "preset_info", "presets"]

#: the policy levers every preset honours (issue 11 names them; the schema documents them)
LEVERS = ("detection_scale", "sanction_scale", "joint_sanctions", "publicity", "repair", "objections")
_CITE = re.compile(r"facts\s+\d+\.\d+")


def _shared_base(path: Path, text: str) -> str | None:
    """The text of the shared base a preset extends (``extends = "base/..."``), if any: its
    citations are the preset's too."""
    import tomllib

    parent = tomllib.loads(text).get("extends")
    if not isinstance(parent, str) or not parent.startswith("base/"):
        return None
    texts: list[str] = []
    base = (path.parent / parent).resolve()
    while base.is_file() and path.parent in base.parents and len(texts) < 8:  # a base may extend a base
        texts.append(base.read_text(encoding="utf-8"))
        up = tomllib.loads(texts[-1]).get("extends")
        if not isinstance(up, str):
            break
        base = (base.parent / up).resolve()
    return "\n".join(texts) if texts else None


def _citations(text: str) -> list[str]:
    """Comment lines (or trailing comments) of a preset file that cite the fact sheet."""
    out = []
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    for line in lines[start:]:  # the opening comment block is shown whole, as the notes
        code, hash_, comment = line.partition("#")
        if hash_ and _CITE.search(comment):
            key = code.split("=", 1)[0].strip()
            out.append(f"{key}: {comment.strip()}" if key and not key.startswith("[") else comment.strip())
    return out


def _header(text: str) -> str:
    """The comment block a preset file opens with: what it models and where its numbers come from."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(x for x in lines if x)


def _scale(pop: dict[str, Any]) -> float:
    """People per agent at the preset's size (``represents / n`` when the preset states represents)."""
    if pop.get("represents") is not None and "scale" not in pop:
        return float(pop["represents"]) / float(pop["n"])
    return float(pop.get("scale", 1.0))


@functools.lru_cache(maxsize=64)
def preset_info(name: str) -> dict[str, Any]:
    """Description, defaults, levers, data sources, lists, measures and citations of one preset."""
    from scslab.scenario.loader import preset_description, preset_path
    from scslab.web.inputs import preset_data

    data = preset_data(name)
    path = preset_path(name)
    text = path.read_text(encoding="utf-8")
    base = _shared_base(path, text)
    policy = data.get("policy") or {}
    from scslab.scenario.schema import Policy

    return {
        "name": name,
        "title": preset_description(name) or data.get("description", ""),
        "description": data.get("description", ""),
        "n": data["population"]["n"],
        "scale": _scale(data["population"]),
        "represents": data["population"].get("represents"),
        "days": data["sim"]["days"],
        "years": round(data["sim"]["days"] / 365, 2),
        "seed": data["sim"]["seed"],
        "levers": {
            k: {
                "value": policy.get(k),
                "type": "bool" if isinstance(policy.get(k), bool) else "number",
                "description": Policy.model_fields[k].description or "",
            }
            for k in LEVERS
        },
        "scoring": (data.get("scoring") or {}).get("kind", "none"),
        "data_sources": [{"name": s["name"], "kind": s.get("kind")} for s in data.get("sources") or []],
        "lists": [{"name": x["name"], "type": x.get("type")} for x in data.get("lists") or []],
        "measures": len(data.get("measures") or []),
        "schedule": data.get("schedule") or [],
        "notes": _header(text),
        "citations": _citations(text) + (_citations(base) if base else []),
    }


def presets() -> list[dict[str, Any]]:
    from scslab.scenario.loader import preset_names

    return [preset_info(n) for n in preset_names()]
