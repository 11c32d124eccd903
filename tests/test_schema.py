"""Schema introspection: verdicts for every fixture and for broken files; the factory proof."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES
from conftest import REPLAY_REVISIONS
from conftest import copy_fixture

import mixxx_peewee
from mixxx_peewee import Verdict
from mixxx_peewee import inspect_schema
from mixxx_peewee.core.schema import MAX_REVISION
from mixxx_peewee.core.schema import MIN_REVISION
from mixxx_peewee.core.schema import normalize_default
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.testing import make_sample_library

REAL_MIXXX = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("real-mixxx-*/*.sqlite"))


def _report(path: Path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return inspect_schema(conn)
    finally:
        conn.close()


def _rev39(tmp_path: Path) -> Path:
    return copy_fixture("schema-replay/rev39.sqlite", tmp_path)


def _alter(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()
    return path


def test_every_replayed_revision_matches_itself(replay_db: Path) -> None:
    report = _report(replay_db)
    assert report.verdict is Verdict.READ_WRITE
    assert report.matched_revision == report.version
    assert report.differences == []


@pytest.mark.parametrize("relative", REAL_MIXXX)
def test_files_made_by_a_real_mixxx_are_read_write(relative: str, tmp_path: Path) -> None:
    report = _report(copy_fixture(relative, tmp_path))
    assert report.verdict is Verdict.READ_WRITE, report
    assert report.matched_revision == report.version
    assert report.serious == []


def test_file_created_by_mixxx_2_3_3_ddl_is_read_write(tmp_path: Path) -> None:
    path = copy_fixture("schema-replay/mixxx-2.3.3-created.sqlite", tmp_path)
    ddl = "\n".join(
        row[0] for row in sqlite3.connect(path).execute("SELECT sql FROM sqlite_master") if row[0]
    )
    assert 'DEFAULT ""' in ddl and " integer" in ddl and " float" in ddl  # the old spelling
    report = _report(path)
    assert report.verdict is Verdict.READ_WRITE, report
    assert report.matched_revision == 32
    assert [d for d in report.differences if d.kind in ("affinity", "default")] == []


def test_shipped_sample_library_is_read_write(tmp_path: Path) -> None:
    report = _report(copy_fixture("sample/mixxxdb.sqlite", tmp_path))
    assert report.verdict is Verdict.READ_WRITE
    assert (report.version, report.matched_revision) == (39, 39)
    assert report.differences == []


@pytest.mark.parametrize("revision", range(MIN_REVISION, MAX_REVISION + 1))
def test_factory_file_of_every_revision_is_read_write(revision: int, tmp_path: Path) -> None:
    report = _report(make_sample_library(tmp_path / "m.sqlite", revision=revision, tracks=5))
    assert report.verdict is Verdict.READ_WRITE, report
    assert report.version == revision
    assert report.differences == []


def test_missing_core_table_is_refused(tmp_path: Path) -> None:
    report = _report(_alter(_rev39(tmp_path), "DROP TABLE crates"))
    assert report.verdict is Verdict.REFUSE
    assert "crates" in report.reason


def test_missing_core_column_is_refused(tmp_path: Path) -> None:
    path = _alter(_rev39(tmp_path), "ALTER TABLE library DROP COLUMN artist")
    report = _report(path)
    assert report.verdict is Verdict.REFUSE
    assert "library.artist" in report.reason
    with pytest.raises(SchemaVersionError, match=r"library\.artist"):
        mixxx_peewee.open_library(path)


def test_missing_column_of_a_later_revision_limits_writes(tmp_path: Path) -> None:
    report = _report(_alter(_rev39(tmp_path), "ALTER TABLE library DROP COLUMN last_played_at"))
    assert report.verdict is Verdict.LIMITED
    assert report.unwritable_columns("library", ["last_played_at", "artist"]) == ["last_played_at"]


def test_extra_column_and_table_are_informational(tmp_path: Path) -> None:
    path = _alter(
        _rev39(tmp_path),
        "ALTER TABLE library ADD COLUMN stems_layout TEXT",
        "CREATE TABLE fork_notes (id INTEGER PRIMARY KEY, note TEXT)",
    )
    report = _report(path)
    assert report.verdict is Verdict.READ_WRITE
    kinds = {(d.kind, d.table, d.column, d.serious) for d in report.differences}
    assert ("extra-column", "library", "stems_layout", False) in kinds
    assert ("extra-table", "fork_notes", None, False) in kinds


def test_runtime_tables_are_not_surprises(tmp_path: Path) -> None:
    path = _alter(_rev39(tmp_path), "CREATE TABLE rekordbox_library (id INTEGER, x TEXT)")
    report = _report(path)
    assert report.differences == []
    assert report.runtime_tables == ["rekordbox_library"]


def _set_version(path: Path, value: str) -> Path:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE settings SET value = ? WHERE name = 'mixxx.schema.version'", (value,))
    conn.close()
    return path


def test_newer_version_is_limited_write(tmp_path: Path) -> None:
    path = _set_version(copy_fixture("schema-replay/rev40.sqlite", tmp_path), "41")
    report = _report(path)
    assert report.verdict is Verdict.LIMITED
    assert report.version == 41
    assert report.matched_revision == 40
    with mixxx_peewee.open_library(path) as library:
        assert library.schema.verdict is Verdict.LIMITED


def test_version_older_than_mixxx_2_0_is_refused(tmp_path: Path) -> None:
    path = _set_version(_rev39(tmp_path), "20")
    report = _report(path)
    assert report.verdict is Verdict.REFUSE
    assert "older than Mixxx 2.0" in report.reason
    with pytest.raises(SchemaVersionError, match="revision 20"):
        mixxx_peewee.open_library(path)
    with mixxx_peewee.open_library(path, strict=False) as library:
        assert library.schema.verdict is Verdict.REFUSE


def test_non_numeric_version_is_refused(tmp_path: Path) -> None:
    report = _report(_set_version(_rev39(tmp_path), "thirty-nine"))
    assert report.verdict is Verdict.REFUSE
    assert "thirty-nine" in report.reason


def test_another_programs_sqlite_file_is_not_mixxx(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    _alter(path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)")
    assert _report(path).verdict is Verdict.NOT_MIXXX
    with pytest.raises(NotAMixxxDatabaseError, match=r"photos\.db: not a Mixxx database"):
        mixxx_peewee.open_library(path)


def _columns_and_indexes(path: Path) -> tuple[dict, set]:
    """Every live column (name, affinity, notnull, default by value, pk) and every index."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        report = inspect_schema(conn)
        columns = {
            table: {
                name: (col.affinity, col.notnull, normalize_default(col.default), col.pk)
                for name, col in cols.items()
            }
            for table, cols in report.live.items()
        }
        indexes = set()
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for _, name, unique, origin, _ in conn.execute(f'PRAGMA index_list("{table}")'):
                cols = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")'))
                # Autoindex names depend on declaration order; compare what they index.
                label = name if origin == "c" else origin
                indexes.add((table, label, cols, unique))
        return columns, indexes
    finally:
        conn.close()


@pytest.mark.parametrize("revision", REPLAY_REVISIONS)
def test_factory_file_equals_a_replay_of_mixxx_schema(revision: int, tmp_path: Path) -> None:
    made = make_sample_library(tmp_path / "made.sqlite", revision=revision, tracks=3)
    replayed = copy_fixture(f"schema-replay/rev{revision}.sqlite", tmp_path)
    made_columns, made_indexes = _columns_and_indexes(made)
    replay_columns, replay_indexes = _columns_and_indexes(replayed)
    assert made_columns == replay_columns
    assert made_indexes == replay_indexes


def test_introspection_reads_only_the_schema(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "big.sqlite", tracks=2000, seed=3)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        inspect_schema(conn)
    finally:
        conn.close()
    assert not [s for s in seen if "FROM library" in s or "FROM track_locations" in s]
