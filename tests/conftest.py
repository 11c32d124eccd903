"""Shared test fixtures: copies of the committed fixture databases in a temporary folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPLAY_REVISIONS = (24, 28, 32, 39, 40)


def copy_fixture(relative: str, tmp_path: Path) -> Path:
    """Copy ``fixtures/<relative>`` into ``tmp_path`` and return the copy's path."""
    source = FIXTURES / relative
    dest = tmp_path / source.parent.name / source.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, dest)
    return dest


@pytest.fixture(autouse=True)
def _close_library() -> Iterator[None]:
    """Never leave a library open between tests."""
    yield
    from mixxx_peewee.database import _current

    if _current is not None:
        _current.close()


@pytest.fixture(params=REPLAY_REVISIONS, ids=lambda r: f"rev{r}")
def replay_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the schema-replay fixture of each revision (empty library)."""
    return copy_fixture(f"schema-replay/rev{request.param}.sqlite", tmp_path)
