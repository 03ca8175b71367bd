"""Every "DESIGN.md §N" (and "§N step M") the code and README cite exists in docs/DESIGN.md."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESIGN = ROOT / "docs" / "DESIGN.md"
# "DESIGN.md §1 step 3, §5", "DESIGN.md §1 steps 4c and 5b", "DESIGN.md §1, stage 1", "[DESIGN.md §2](…)"
CITATION = re.compile(r"DESIGN\.md\s*§[^\n\"]*")
SECTION = re.compile(r"§(\d+)((?:,? (?:steps?|stage) \d+[a-z]?(?:(?:,| and) \d+[a-z]?)*)?)")


def _design() -> tuple[set[int], set[int]]:
    text = DESIGN.read_text(encoding="utf-8")
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)}
    pipeline = text.split("\n## 1. ", 1)[1].split("\n## ", 1)[0]
    steps = {int(n) for n in re.findall(r"^(\d+)\. \*\*", pipeline, re.M)}
    return sections, steps


def _citations() -> list[tuple[str, int, int | None]]:
    """(where, section, step or None) for every citation in README, server/, client/src and tests/."""
    files = [ROOT / "README.md", *(ROOT / "server").rglob("*.py"), *(ROOT / "client" / "src").rglob("*.ts"),
             *(ROOT / "tests").rglob("*.py")]
    out = []
    for path in files:
        if path == Path(__file__).resolve():
            continue  # the examples in CITATION's comment are not citations
        for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for cite in CITATION.findall(line):
                for number, tail in SECTION.findall(cite):
                    where = f"{path.relative_to(ROOT)}:{lineno}"
                    out.append((where, int(number), None))
                    out += [(where, int(number), int(step)) for step in re.findall(r"(\d+)[a-z]?", tail)]
    return out


def test_every_design_citation_names_a_section_and_step_that_exist():
    sections, steps = _design()
    citations = _citations()
    assert len(citations) >= 20, citations  # the pattern still finds the citations the code makes
    missing = [c for c in citations if c[1] not in sections or (c[2] is not None and c[2] not in steps)]
    assert missing == [], f"cited but not in docs/DESIGN.md: {missing}"


def test_readme_links_the_design_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]*DESIGN\.md[^)]*)\)", readme)
    assert links and all(link.startswith("docs/DESIGN.md") for link in links), links
