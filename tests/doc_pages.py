"""The user documentation as the tests read it: README.md, then the ``docs/`` pages.

The order is the README's (its links to ``docs/*.md``, first mention first), then any page
it does not link, by name: the command-line examples of all pages are one tour, later lines
using what earlier ones made, as when the manual was one README.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def doc_pages() -> list[Path]:
    """README.md and every ``docs/*.md`` page, in the README's order."""
    text = README.read_text(encoding="utf-8")
    linked: list[Path] = []
    for target in re.findall(r"\]\((docs/[^)#\s]+\.md)(?:#[^)]*)?\)", text):
        path = ROOT / target
        if path.exists() and path not in linked:
            linked.append(path)
    rest = [p for p in sorted(DOCS.glob("*.md")) if p not in linked]
    return [README, *linked, *rest]


def doc_text() -> str:
    """The text of every page of :func:`doc_pages`, one after another."""
    return "\n".join(page.read_text(encoding="utf-8") for page in doc_pages())
