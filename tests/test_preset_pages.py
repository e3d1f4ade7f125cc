"""Every preset's docs page shows, fact by fact, what its source says and what the preset does
(issue 13: "no item of the source left out without a stated reason").

A page declares its sources on a line ``Sources: facts 7a, 2.5; essay`` (sections of
``/work/shared/domain/facts.md`` such as ``1``, ``3a``, ``7b``, or single facts such as
``2.5``; ``essay`` and ``thesis`` name the two source documents) and holds a table
``Source says | Preset does | Where (preset field / module) | Status``. Every fact of a declared
section must have a row (its number first in the row), every fact number the page cites
anywhere must exist in the fact sheet, and every Status is ``modelled``, ``modelled as an
assumption`` or ``left out`` followed by its reason. So a fact added to a section of the fact
sheet fails the test until each page that declares the section gives it a row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "presets"
PRESETS = ROOT / "src" / "scslab" / "scenario" / "presets"
# The fact sheet lives in the shared domain folder (shared/domain/facts.md beside or above the
# checkout); a copy is committed so that a clean clone runs the test, and the copy must equal
# the shared sheet wherever that is present (test_the_committed_fact_sheet_is_current).
FACTS = Path(__file__).parent / "fixtures" / "facts.md"
SHARED = [p / "shared" / "domain" / "facts.md" for p in (ROOT, *ROOT.parents)]
HEADER = ["source says", "preset does", "where (preset field / module)", "status"]
STATUS = re.compile(r"^(modelled as an assumption|modelled|left out)\b(.*)$", re.I)
FACT_ID = re.compile(r"\b(\d{1,2}[a-e]?\.\d{1,2}|\d{1,2}[a-e])\b")
# "facts 2.6", "facts 7.2 [S]", "(facts 3.1, 7.5)", "facts 2b.1": the ids up to the end of the citation
CITATION = re.compile(r"\bfacts?\s+((?:\d{1,2}[a-e]?(?:\.\d{1,2})?(?:\s*(?:,|-|–|and|/)\s*)?)+)", re.I)
OTHER_SOURCES = {"essay", "thesis"}


def parse_facts(text: str) -> dict[str, set[str]]:
    """Section id -> the fact ids in it (``1`` -> {1.1 .. 1.17}, ``2b`` -> {2b.1 .. 2b.7}).

    Facts are the numbered rows of the sheet's tables and the items of its numbered lists
    (2b's measures 2b.1 ..., section 11's open checks 11.1 ...); a section with no numbered
    item (2c, a table of dates) is one fact, its id."""
    sections: dict[str, set[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        h = re.match(r"^(#{2,3})\s+(\d{1,2}[a-e]?)\.\s", line)
        if h:
            sid = h.group(2)
            current = [sid] if h.group(1) == "##" else [sid.rstrip("abcde"), sid]
            for s in current:
                sections.setdefault(s, set())
            continue
        if not current:
            continue
        row = re.match(r"^\|\s*(\d{1,2}\.\d{1,2})\s*\|", line)
        item = re.match(r"^(\d{1,2})\.\s", line)
        fid = row.group(1) if row else f"{current[-1]}.{item.group(1)}" if item else None
        if fid:
            for s in current:
                sections[s].add(fid)
    for sid, ids in sections.items():
        if not ids:
            ids.add(sid)
    return sections


def all_ids(sections: dict[str, set[str]]) -> set[str]:
    return set(sections) | set().union(*sections.values())


def declared(page: str) -> tuple[list[str], list[str]]:
    """(fact sections or ids, other sources) of the page's ``Sources:`` line."""
    m = re.search(r"^Sources:\s*(.+)$", page, re.M)
    if not m:
        return [], []
    facts, other = [], []
    for part in re.split(r";", m.group(1)):
        part = part.strip().rstrip(".")
        if part.lower().startswith("facts"):
            facts += [x.strip() for x in part[5:].split(",") if x.strip()]
        elif part:
            other.append(part.lower())
    return facts, other


def fact_table(page: str) -> list[list[str]]:
    """The rows of the page's source table (cells stripped), header excluded."""
    lines = page.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip().lower() for c in line.strip().strip("|").split("|")]
        if cells == HEADER:
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return rows
    return []


def problems(page: str, sections: dict[str, set[str]]) -> list[str]:
    """Everything wrong with one page against the fact sheet (empty when it is complete)."""
    out = []
    known = all_ids(sections)
    facts, other = declared(page)
    if not facts and not other:
        out.append("no 'Sources:' line")
    for s in other:
        if s not in OTHER_SOURCES:
            out.append(f"unknown source '{s}' on the Sources line")
    rows = fact_table(page)
    if not rows:
        out.append("no table 'Source says | Preset does | Where (preset field / module) | Status'")
    covered: set[str] = set()
    for row in rows:
        if len(row) != 4:
            out.append(f"row with {len(row)} cells: {row[0][:40]}")
            continue
        ids = FACT_ID.findall(row[0].split(":")[0])
        covered.update(ids)
        st = STATUS.match(row[3])
        if not st:
            out.append(
                f"row '{row[0][:40]}': status '{row[3][:30]}' is not modelled / modelled as an assumption / left out"
            )
        elif st.group(1).lower() == "left out" and len(st.group(2).strip(" :,-—()")) < 8:
            out.append(f"row '{row[0][:40]}': left out without a reason")
        if not row[1] or not row[2]:
            out.append(f"row '{row[0][:40]}': empty cell")
        if not ids and not any(row[0].lower().startswith(s) for s in OTHER_SOURCES | {"—", "-", "assumption"}):
            out.append(f"row '{row[0][:40]}': names no fact number or source")
    for s in other:
        if s in OTHER_SOURCES and not any(r[0].lower().startswith(s) for r in rows):
            out.append(f"the {s} is a declared source but no row quotes it")
    for d in facts:
        if d not in known:
            out.append(f"declared source 'facts {d}' is not in the fact sheet")
            continue
        need = sections.get(d, {d})
        for fid in sorted(need - covered):
            out.append(f"facts {fid} (declared via {d}) has no row")
    for cite in CITATION.finditer(page):
        for fid in FACT_ID.findall(cite.group(1)):
            if fid not in known:
                out.append(f"cites facts {fid}, which the fact sheet does not have")
    return out


def _pages() -> list[Path]:
    return sorted(PAGES.glob("*.md"))


def test_every_preset_has_a_page():
    presets = {p.stem for p in PRESETS.glob("*.toml")}
    pages = {p.stem for p in _pages()}
    assert presets <= pages, sorted(presets - pages)
    assert "base" in pages


def test_the_committed_fact_sheet_is_current():
    for shared in SHARED:
        if shared.exists():
            assert FACTS.read_text() == shared.read_text(), f"copy {shared} to {FACTS}, then give new facts their rows"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.stem)
def test_page_shows_its_sources_fact_by_fact(page):
    sections = parse_facts(FACTS.read_text())
    assert problems(page.read_text(), sections) == []


# -- the checker itself can fail -------------------------------------------------------------

SHEET = """
## 7. Comparators

### 7a. US FICO

| # | Fact | Tag | Source |
|---|------|-----|--------|
| 7.1 | Range 300-850. | S | x |
| 7.2 | Weights 35/30/15/10/10. | S | x |

### 2b. Typical measures

1. **Trains and planes:** no G-series trains.
2. **Hotels:** none.

### 2c. Statistics

| Date | People |
|---|---|
| end 2018 | 13 M |
"""

PAGE = """# fico

Sources: facts 7a

| Source says | Preset does | Where (preset field / module) | Status |
|---|---|---|---|
| 7.1: range 300-850 | score 300-850 | `scoring.min`, `scoring.max` | modelled |
| 7.2: weights | five dimensions (facts 7.2) | `scoring.dimensions` | modelled as an assumption |
"""


def test_the_sheet_is_parsed_into_sections_and_facts():
    s = parse_facts(SHEET)
    assert s["7a"] == {"7.1", "7.2"} and s["7"] == {"7.1", "7.2"}
    assert s["2b"] == {"2b.1", "2b.2"}
    assert s["2c"] == {"2c"}


def test_a_complete_page_passes():
    assert problems(PAGE, parse_facts(SHEET)) == []


def test_a_fact_added_to_a_declared_section_fails_the_page():
    sheet = SHEET.replace("| 7.2 |", "| 7.3 | A new fact. | V | x |\n| 7.2 |")
    assert problems(PAGE, parse_facts(sheet)) == ["facts 7.3 (declared via 7a) has no row"]


def test_a_missing_row_a_bad_status_and_an_unknown_citation_fail():
    sections = parse_facts(SHEET)
    no_row = PAGE.replace(
        "| 7.2: weights | five dimensions (facts 7.2) | `scoring.dimensions` | modelled as an assumption |\n", ""
    )
    assert problems(no_row, sections) == ["facts 7.2 (declared via 7a) has no row"]
    bare = PAGE.replace("| modelled as an assumption |", "| left out |")
    assert problems(bare, sections) == ["row '7.2: weights': left out without a reason"]
    odd = PAGE.replace("| modelled as an assumption |", "| maybe |")
    assert len(problems(odd, sections)) == 1
    wrong = PAGE.replace("(facts 7.2)", "(facts 7.9)")
    assert problems(wrong, sections) == ["cites facts 7.9, which the fact sheet does not have"]
    assert "no table" in " ".join(problems("Sources: facts 7a\n", sections))
    assert "no 'Sources:' line" in problems(PAGE.replace("Sources: facts 7a\n", ""), sections)
