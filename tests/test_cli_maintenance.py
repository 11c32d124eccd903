"""``backup`` and ``restore`` on the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli_support import ok
from cli_support import one_error
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector


def _tracks(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM library").fetchone()[0]


def test_backup_prints_the_new_file_and_leaves_the_library_unchanged(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    before = sha256(db)
    dest = tmp_path / "copy.sqlite"
    result = ok(run(db, "backup", str(dest)))
    assert result.stdout == f"{dest}\n"
    assert _tracks(dest) == _tracks(db)
    assert sha256(db) == before


def test_backup_without_destination_goes_to_backups_folder_and_is_listed(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    made = Path(ok(run(db, "backup")).stdout.strip())
    assert made.parent == db.parent / "backups"
    listed = parsed(run(db, "backup", "--list", "--format", "json"))
    assert [row["path"] for row in listed] == [str(made)]


def test_backup_to_an_existing_file_is_one_error(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    dest = tmp_path / "exists.sqlite"
    dest.write_text("keep me")
    one_error(run(db, "backup", str(dest)), str(dest))
    assert dest.read_text() == "keep me"


def test_restore_needs_yes_off_a_terminal(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    dest = tmp_path / "b.sqlite"
    ok(run(db, "backup", str(dest)))
    before = sha256(db)
    one_error(run(db, "restore", str(dest)), "--yes")
    assert sha256(db) == before


def test_restore_dry_run_writes_nothing(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    dest = tmp_path / "b.sqlite"
    ok(run(db, "backup", str(dest)))
    before = sha256(db)
    result = ok(run(db, "restore", str(dest), "--dry-run"))
    assert str(dest) in result.stdout
    assert sha256(db) == before
    plan = parsed(run(db, "restore", str(dest), "--dry-run", "--json"))
    assert plan["operation"] == "restore" and plan["dry_run"] is True


def test_restore_puts_the_backup_back(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    dest = tmp_path / "b.sqlite"
    ok(run(db, "backup", str(dest)))
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM crate_tracks")
        conn.execute("DELETE FROM crates")
    result = ok(run(db, "restore", str(dest), "--yes"))
    assert result.stdout == ""
    assert "replaced" in result.stderr
    with sqlite3.connect(db) as conn, sqlite3.connect(dest) as orig:
        count = "SELECT count(*) FROM crates"
        assert conn.execute(count).fetchone() == orig.execute(count).fetchone()


def test_restore_is_refused_while_mixxx_runs_even_with_force(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    dest = tmp_path / "b.sqlite"
    ok(run(db, "backup", str(dest)))
    before = sha256(db)
    previous = set_mixxx_detector(lambda path: [MixxxProcess(4242, True)])
    try:
        one_error(run(db, "restore", str(dest), "--yes", "--force"), "Mixxx is running")
    finally:
        set_mixxx_detector(previous)
    assert sha256(db) == before


def test_restore_of_a_non_database_is_one_error(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("hello")
    before = sha256(db)
    one_error(run(db, "restore", str(junk), "--yes"), str(junk))
    assert sha256(db) == before


def test_a_skipped_automatic_backup_is_a_note_and_the_write_goes_ahead(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    (db.parent / "backups").write_text("a file where the backups folder should be")
    result = ok(run(db, "crates", "create", "Friday", env={"MIXXX_PEEWEE_AUTO_BACKUP": "1"}))
    notes = [line for line in result.stderr.splitlines() if "automatic backup skipped" in line]
    assert len(notes) == 1 and notes[0].startswith("note: "), result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM crates WHERE name = 'Friday'").fetchone()[0] == 1


def test_backup_refuses_format_without_list(tmp_path: Path) -> None:
    """--format is --list's: a plain backup refuses it rather than ignoring it (issue 20)."""
    db = sample_library(tmp_path)
    one_error(run(db, "backup", "--format", "json"), "--format is for --list")
