"""Shared test fixtures: copies of the committed fixture databases in a temporary folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    from mixxx_peewee.library import _current

    if _current is not None:
        _current.close()


@pytest.fixture(params=REPLAY_REVISIONS, ids=lambda r: f"rev{r}")
def replay_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of the schema-replay fixture of each revision (empty library)."""
    return copy_fixture(f"schema-replay/rev{request.param}.sqlite", tmp_path)


def insert_raw_tracks(path: Path, count: int, *, samplerate: int = 44100) -> list[int]:
    """Add ``count`` tracks with raw sqlite3, as Mixxx's scanner would; returns their ids."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        ids = []
        with conn:
            for i in range(count):
                where = f"/music/raw/track {i:03d}.mp3"
                loc = conn.execute(
                    "INSERT INTO track_locations (location, filename, directory, filesize,"
                    " fs_deleted, needs_verification) VALUES (?, ?, '/music/raw', 1000, 0, 0)",
                    (where, where.rsplit("/", 1)[1]),
                ).lastrowid
                ids.append(
                    conn.execute(
                        "INSERT INTO library (artist, title, location, duration, samplerate,"
                        " mixxx_deleted) VALUES ('Raw', ?, ?, 180.0, ?, 0)",
                        (f"Track {i}", loc, samplerate),
                    ).lastrowid
                )
        return ids
    finally:
        conn.close()


TRACKS_DB_KINDS = (*(f"rev{r}" for r in REPLAY_REVISIONS), "real-2.3.3", "real-2.5.0")


@pytest.fixture(params=TRACKS_DB_KINDS)
def tracks_db(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, list[int]]:
    """Each replay revision (with 8 raw tracks added) and each real-Mixxx fixture present."""
    kind = request.param
    if kind.startswith("rev"):
        path = copy_fixture(f"schema-replay/{kind}.sqlite", tmp_path)
        return path, insert_raw_tracks(path, 8)
    relative = f"real-mixxx-{kind.removeprefix('real-')}/mixxxdb.sqlite"
    if not (FIXTURES / relative).exists():
        pytest.skip(f"fixture {relative} not present")
    path = copy_fixture(relative, tmp_path)
    import sqlite3

    conn = sqlite3.connect(path)
    ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id")]
    conn.close()
    return path, ids


@pytest.fixture
def opened(tracks_db: tuple[Path, list[int]]) -> tuple[Path, list[int]]:
    """``tracks_db`` opened writable, keeping its journal mode."""
    import mixxx_peewee

    path, ids = tracks_db
    mixxx_peewee.open_library(path, journal_mode="keep")
    return path, ids


def fields_of(model: Any) -> dict[str, Any]:
    """What a model's fields read as (attribute access: converted values), by field name."""
    return {name: getattr(model, name) for name in model._meta.fields if name != "location"}


# The modules whose tests run a real Mixxx (marked ``mixxx``): one scope of work.
REAL_MIXXX_MODULES = (
    "tests/test_real_mixxx.py",
    "tests/test_real_mixxx_analysis.py",
    "tests/test_real_mixxx_harness.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, every real-Mixxx test runs in one worker, one after another.

    They share session-scoped Mixxx runs and the 2.5.0 chroot's mounts; the rest of the
    suite is spread over the other workers meanwhile (``--dist loadgroup``, scheduled by
    :func:`pytest_xdist_make_scheduler`). A marked test outside REAL_MIXXX_MODULES is an
    error: it would run beside the others.
    """
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("mixxx") is not None:
            if not item.nodeid.startswith(REAL_MIXXX_MODULES):
                raise pytest.UsageError(f"{item.nodeid}: a mixxx test outside REAL_MIXXX_MODULES")
            item.add_marker(pytest.mark.xdist_group("real-mixxx"))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the real-Mixxx modules as one group, by their node ids.

    xdist 3.8 groups by a ``@group`` suffix it writes into ``item._nodeid``, which pytest 9.2
    no longer reads (node ids live in ``_id``): every marked test went to any worker, two
    Mixxx runs at once. This scheduler needs no suffix; it honours one where xdist works.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class RealMixxxTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" in nodeid:
                return nodeid.rsplit("@", 1)[-1]
            return "real-mixxx" if nodeid.startswith(REAL_MIXXX_MODULES) else nodeid

    return RealMixxxTogether(config, log)
