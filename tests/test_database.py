"""Opening files: read-only changes nothing, journal modes, typed one-line errors, finding it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import copy_fixture

import mixxx_peewee
from mixxx_peewee import Track
from mixxx_peewee import open_library
from mixxx_peewee import read_transaction
from mixxx_peewee.errors import CorruptDatabaseError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.library import default_locations
from mixxx_peewee.library import find_database


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def _sample(tmp_path: Path) -> Path:
    return copy_fixture("sample/mixxxdb.sqlite", tmp_path)


def _to_wal(path: Path) -> Path:
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode = wal").fetchone()[0] == "wal"
    conn.close()  # the last connection checkpoints and removes -wal/-shm
    return path


def _header_journal(path: Path) -> str:
    """What the file header says: bytes 18/19 are 2 for WAL, 1 for the rollback journal."""
    return "wal" if path.read_bytes()[18:20] == b"\x02\x02" else "rollback"


@pytest.mark.parametrize("wal", [False, True], ids=["rollback", "wal"])
def test_read_only_open_changes_nothing(wal: bool, tmp_path: Path) -> None:
    path = _sample(tmp_path)
    if wal:
        _to_wal(path)
    before, files = _sha(path), _siblings(path)
    with open_library(path, readonly=True) as library:
        assert library.readonly
        assert library.journal_mode == ("wal" if wal else "delete")
        assert len(list(Track.select())) == 300
        assert "-wal" not in " ".join(_siblings(path)) or wal
    assert _sha(path) == before
    assert _siblings(path) == files  # no -wal, -shm or -journal left behind


@pytest.mark.parametrize("wal", [False, True], ids=["rollback", "wal"])
def test_writable_open_that_only_reads_changes_nothing(wal: bool, tmp_path: Path) -> None:
    """Reads never write, also on a writable open: no journal switch, no change journal."""
    path = _sample(tmp_path)
    if wal:
        _to_wal(path)
    before, files = _sha(path), _siblings(path)
    with open_library(path) as library:
        assert not library.readonly
        assert mixxx_peewee.query_tracks(artist="a")
        assert library.journal_mode == ("wal" if wal else "delete")
        expected = "wal (unchanged)" if wal else "delete (the first write switches it to wal)"
        assert library.journal_note == expected
    assert _sha(path) == before
    assert _siblings(path) == files  # no change journal, no -wal, -shm or -journal


def test_first_write_switches_to_wal_and_says_so(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    with open_library(path, auto_backup=False) as library:
        mixxx_peewee.create_crate("First write")
        assert library.journal_mode == "wal"
        assert library.wal
        assert "switched from delete" in library.journal_note
    assert _header_journal(path) == "wal"
    assert path.with_name("mixxxdb.changes.sqlite").exists()  # made by the first write


def test_keep_never_touches_the_journal_mode(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    with open_library(path, journal_mode="keep", auto_backup=False) as library:
        mixxx_peewee.create_crate("Kept")
        assert library.journal_mode == "delete"
        assert "unchanged" in library.journal_note
    assert _header_journal(path) == "rollback"


def test_wal_switch_falls_back_quietly_while_another_connection_writes(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
    release.start()  # our write waits for the lock; the switch before it never waits
    try:
        with open_library(path, busy_timeout_ms=5000, auto_backup=False) as library:
            mixxx_peewee.create_crate("Despite the lock")
            assert library.journal_mode == "delete"
            assert "not possible now" in library.journal_note
    finally:
        release.join()
        other.close()
    assert _header_journal(path) == "rollback"


def test_journal_mode_must_be_known(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="journal_mode"):
        open_library(_sample(tmp_path), journal_mode="truncate")


def _assert_one_line_naming(exc: BaseException, path: Path) -> None:
    message = str(exc)
    assert "\n" not in message
    assert str(path) in message


def _broken(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "mixxxdb.sqlite"
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("[Library]\nRescanOnStartup 1\n", encoding="utf-8")
    elif kind == "truncated":
        data = _sample(tmp_path).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "other-program":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        conn.commit()
        conn.close()
    return path


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("missing", DatabaseNotFoundError, "no such file"),
        ("directory", DatabaseConnectionError, "is a directory"),
        ("empty", NotAMixxxDatabaseError, "empty file"),
        ("text", NotAMixxxDatabaseError, "not a SQLite database"),
        ("truncated", CorruptDatabaseError, "truncated"),
        ("other-program", NotAMixxxDatabaseError, "not a Mixxx database"),
    ],
)
def test_broken_inputs_give_a_typed_one_line_error(
    kind: str, error: type[Exception], words: str, tmp_path: Path
) -> None:
    path = _broken(tmp_path, kind)
    with pytest.raises(error, match=words) as caught:
        open_library(path, readonly=True)
    _assert_one_line_naming(caught.value, path)
    if kind != "missing" and kind != "directory":
        assert path.exists() and not list(tmp_path.glob("mixxxdb.sqlite-*"))
    assert not (kind == "missing" and path.exists())  # opening never creates a file


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_gives_a_typed_error(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    path.chmod(0)
    try:
        with pytest.raises(DatabaseConnectionError, match="permission denied") as caught:
            open_library(path)
        _assert_one_line_naming(caught.value, path)
    finally:
        path.chmod(0o644)


def test_corrupt_pages_give_a_typed_error_never_a_raw_sqlite_one(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    garbage = bytes((i * 151 + 7) % 256 for i in range(page))
    for number in range(pages // 4, 3 * pages // 4):  # the middle half of the file
        data[number * page : (number + 1) * page] = garbage
    path.write_bytes(bytes(data))
    try:
        library = open_library(path, readonly=True)
    except MixxxPeeweeError as exc:
        assert isinstance(exc, CorruptDatabaseError)
        _assert_one_line_naming(exc, path)
        return
    with library, pytest.raises(CorruptDatabaseError) as caught, read_transaction():
        for table in ("library", "track_locations", "PlaylistTracks", "cues", "crate_tracks"):
            mixxx_peewee.db.execute_sql(f'SELECT * FROM "{table}"').fetchall()
    _assert_one_line_naming(caught.value, path)


def test_explicit_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _sample(tmp_path)
    monkeypatch.setenv("MIXXX_DB", str(tmp_path / "elsewhere.sqlite"))
    assert find_database(path) == path


def test_mixxx_db_variable_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _sample(tmp_path)
    monkeypatch.setenv("MIXXX_DB", str(path))
    assert find_database() == path
    with open_library(readonly=True) as library:
        assert library.path == path


def test_missing_mixxx_db_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXXX_DB", str(tmp_path / "gone.sqlite"))
    with pytest.raises(DatabaseNotFoundError, match="from MIXXX_DB"):
        find_database()


def test_default_locations_per_platform(tmp_path: Path) -> None:
    home = tmp_path
    assert default_locations(platform="linux", env={}, home=home) == [
        home / ".mixxx/mixxxdb.sqlite",
        home / ".var/app/org.mixxx.Mixxx/.mixxx/mixxxdb.sqlite",
    ]
    assert default_locations(platform="darwin", env={}, home=home) == [
        home
        / "Library/Containers/org.mixxx.mixxx/Data/Library/Application Support/Mixxx"
        / "mixxxdb.sqlite",
        home / "Library/Application Support/Mixxx/mixxxdb.sqlite",
    ]
    env = {"LOCALAPPDATA": "C:/Users/dj/AppData/Local", "APPDATA": "C:/Users/dj/AppData/Roaming"}
    assert default_locations(platform="win32", env=env, home=home) == [
        Path("C:/Users/dj/AppData/Local/Mixxx/mixxxdb.sqlite"),
        Path("C:/Users/dj/AppData/Roaming/Mixxx/mixxxdb.sqlite"),
    ]


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MIXXX_DB", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    return home


def test_flatpak_location_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, monkeypatch)
    target = home / ".var/app/org.mixxx.Mixxx/.mixxx/mixxxdb.sqlite"
    target.parent.mkdir(parents=True)
    target.write_bytes(_sample(tmp_path).read_bytes())
    assert find_database() == target


def test_not_found_lists_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, monkeypatch)
    with pytest.raises(DatabaseNotFoundError) as caught:
        open_library()
    message = str(caught.value)
    assert "\n" not in message
    for place in default_locations(platform="linux", env={}, home=home):
        assert str(place) in message


def test_importing_the_library_loads_no_cli_packages() -> None:
    code = (
        "import sys, mixxx_peewee\n"
        "mixxx_peewee.Track, mixxx_peewee.open_library, mixxx_peewee.inspect_schema\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
