"""pytest fixtures with sample Mixxx libraries (registered through the ``pytest11`` entry point).

- ``mixxx_db``: an empty Mixxx library file (revision 39) in a temporary folder;
- ``mixxx_sample_path``: a filled sample library file (50 tracks), not opened;
- ``mixxx_library``: the same, opened writable (closed afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mixxx_peewee.testing import make_sample_library

__all__ = ["mixxx_db", "mixxx_library", "mixxx_sample_path"]


@pytest.fixture
def mixxx_db(tmp_path: Path) -> Path:
    """An empty Mixxx library file (revision 39) in a temporary folder."""
    return make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39)


@pytest.fixture
def mixxx_sample_path(tmp_path: Path) -> Path:
    """A filled sample library file (revision 39, 50 tracks), not opened."""
    return make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39, tracks=50, seed=1)


@pytest.fixture
def mixxx_library(mixxx_sample_path: Path) -> Iterator[object]:
    """A filled sample library (revision 39), opened writable; closed afterwards."""
    from mixxx_peewee.library import open_library

    library = open_library(mixxx_sample_path)
    try:
        yield library
    finally:
        library.close()
