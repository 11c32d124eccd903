"""The user documentation holds together: every ``docs/`` page is linked from the README,
and no link between the pages points at a missing file or heading (the full build, with
the API reference, is ``scripts/dev/build_docs.py``, run by CI)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

from doc_pages import DOCS
from doc_pages import README
from doc_pages import ROOT
from doc_pages import doc_pages


def _build_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_docs", ROOT / "scripts" / "dev" / "build_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_docs_page_is_linked_from_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if f"](docs/{p.name}" not in text]
    assert not unlinked


def test_the_build_reads_the_pages_in_the_tests_order() -> None:
    assert _build_docs().doc_pages() == doc_pages()


def test_no_link_between_the_pages_is_broken() -> None:
    assert _build_docs().link_errors(doc_pages()) == []


def test_a_broken_anchor_is_an_error(tmp_path: Path) -> None:
    history = os.path.relpath(DOCS / "history.md", tmp_path)
    page = tmp_path / "probe.md"
    page.write_text(f"[x]({history}#no-such-heading) [y](nowhere.md)\n", encoding="utf-8")
    errors = _build_docs().link_errors([page])
    assert len(errors) == 2 and "#no-such-heading" in errors[0] and "no such file" in errors[1]
