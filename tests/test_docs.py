"""The README is the front door (a screen or two) and links into docs/, one page per subject; the pages stay in
sync with the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.config import RUN_OPTIONS
from tests.conftest import ROOT

DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted(DOCS.glob("*.md"))]


def test_readme_fits_two_screens_and_docs_hold_the_reference():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200
    assert len(list(DOCS.glob("*.md"))) >= 3


def test_every_relative_link_resolves():
    broken = []
    for page in _pages():
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert [p.name for p in DOCS.glob("*.md") if f"docs/{p.name}" not in readme] == []


def test_options_page_lists_every_run_option_and_its_variable():
    page = (DOCS / "options.md").read_text()
    missing = [o.flag for o in RUN_OPTIONS if o.shown and f"`{o.flag}" not in page]
    assert missing == []
