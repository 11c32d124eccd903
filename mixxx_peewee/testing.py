"""Sample Mixxx databases for tests — ours and our users'.

:func:`make_sample_library` writes a Mixxx-shaped file at any supported revision from
our expected-schema data (rendered DDL plus the ``settings`` version keys). The pytest
plugin (entry point ``pytest11``) offers the fixtures ``mixxx_db`` (an empty library file)
and ``mixxx_library`` (a filled one, opened).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixxx_peewee.schema import MAX_REVISION
from mixxx_peewee.schema import MIN_REVISION
from mixxx_peewee.schema import render_ddl

__all__ = ["make_sample_library", "mixxx_db", "mixxx_library"]


def make_sample_library(
    path: str | Path, *, revision: int = 39, tracks: int = 0, seed: int = 0
) -> Path:
    """Write a new Mixxx database at ``revision`` to ``path`` (which must not exist)."""
    if not MIN_REVISION <= revision <= MAX_REVISION:
        raise ValueError(f"revision must be {MIN_REVISION}..{MAX_REVISION}, not {revision}")
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path}: exists already")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for statement in render_ddl(revision):
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO settings (name, value) VALUES (?, ?)",
            [
                ("mixxx.schema.version", str(revision)),
                ("mixxx.schema.last_used_version", str(revision)),
                ("mixxx.schema.min_compatible_version", "3"),
            ],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return path


@pytest.fixture
def mixxx_db(tmp_path: Path) -> Path:
    """An empty Mixxx library file (revision 39) in a temporary folder."""
    return make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39)


@pytest.fixture
def mixxx_library(tmp_path: Path) -> Iterator[object]:
    """A filled sample library (revision 39), opened writable; closed afterwards."""
    from mixxx_peewee.database import open_library

    path = make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39, tracks=50, seed=1)
    library = open_library(path)
    try:
        yield library
    finally:
        library.close()
