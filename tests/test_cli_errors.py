"""Every error the user can act on: exit 1, one ``error:`` line naming what, file unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


@pytest.fixture
def mixxx_running():
    previous = set_mixxx_detector(lambda path: [MixxxProcess(4242, True)])
    yield
    set_mixxx_detector(previous)


def test_no_database_found_lists_where_it_looked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MIXXX_DB", raising=False)
    line = one_error(run(None, "tracks", "list"))
    assert str(tmp_path / ".mixxx" / "mixxxdb.sqlite") in line


def test_missing_file_is_named(tmp_path: Path) -> None:
    one_error(run(tmp_path / "nope.sqlite", "info"), "nope.sqlite")


def test_not_a_mixxx_database(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    before = sha256(other)
    one_error(run(other, "tracks", "list"), str(other), "not a Mixxx database")
    one_error(run(other, "crates", "create", "x"), str(other))
    assert sha256(other) == before


def test_text_file_and_corrupt_file(tmp_path: Path, db: Path) -> None:
    text = tmp_path / "text.sqlite"
    text.write_text("hello")
    one_error(run(text, "tracks", "list"), str(text))
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(db.read_bytes()[: 4096 * 3])
    before = sha256(broken)
    one_error(run(broken, "crates", "create", "x"), str(broken))
    assert sha256(broken) == before


def test_schema_that_forbids_writing(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE settings SET value = '20' WHERE name = 'mixxx.schema.version'")
    before = sha256(db)
    one_error(run(db, "crates", "create", "x"), str(db))
    assert sha256(db) == before


def test_readonly_flag_refuses_writes(db: Path) -> None:
    before = sha256(db)
    one_error(run(db, "--readonly", "crates", "create", "x"), str(db), "read")
    assert sha256(db) == before


def test_busy_database_beyond_the_timeout(db: Path) -> None:
    # Another program (a Mixxx library scan) holds the write lock beyond our busy timeout.
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run(db, "--busy-timeout", "0.2", "crates", "create", "busy")
        line = one_error(result, str(db), "busy")
    finally:
        holder.rollback()
        holder.close()
    assert "Mixxx" in line
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM crates")]
    assert "busy" not in names


def test_mixxx_running_refuses_track_edits_unless_forced(db: Path, mixxx_running) -> None:
    before = sha256(db)
    one_error(run(db, "tracks", "edit", "3", "--genre", "x"), "Mixxx is running", "--force")
    one_error(run(db, "cues", "set", "3", "1.0", "--hotcue", "1"), "Mixxx is running")
    assert sha256(db) == before
    result = ok(run(db, "tracks", "edit", "3", "--genre", "x", "--force"))
    assert "Mixxx is running" in result.stderr


def test_mixxx_running_allows_crate_writes_with_a_note(db: Path, mixxx_running) -> None:
    result = ok(run(db, "crates", "create", "While running"))
    assert "Mixxx is running" in result.stderr and result.stdout.strip().isdigit()


def test_no_traceback_without_verbose_but_with_it(db: Path) -> None:
    quiet = run(db, "tracks", "show", "99999")
    assert "Traceback" not in quiet.stderr
    loud = run(db, "-v", "tracks", "show", "99999")
    assert loud.exit_code == 1 and "Traceback" in loud.stderr


def test_usage_errors_exit_2(db: Path) -> None:
    assert run(db, "tracks", "list", "--format", "xml").exit_code == 2
    assert run(db, "playlists", "nosuch").exit_code == 2
    assert run(db, "cues", "set", "3", "1.0").exit_code == 2


def test_journal_mode_keep_leaves_a_rollback_journal_file_as_it_is(db: Path) -> None:
    ok(run(db, "--journal-mode", "keep", "crates", "create", "Kept"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(f"{db}-wal").exists()
    ok(run(db, "crates", "create", "Switched"))  # the default asks for WAL, and says so
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unknown_journal_mode_is_a_usage_error(db: Path) -> None:
    before = sha256(db)
    result = run(db, "--journal-mode", "memory", "info")
    assert result.exit_code == 2 and "--journal-mode" in result.stderr
    assert sha256(db) == before


def test_busy_timeout_option_bounds_the_wait_for_mixxx(db: Path) -> None:
    import time

    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # like Mixxx's library scan
    try:
        start = time.monotonic()
        result = run(db, "--journal-mode", "keep", "--busy-timeout", "0.3", "crates", "create", "X")
        waited = time.monotonic() - start
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    one_error(result, "busy")
    assert waited < 3
