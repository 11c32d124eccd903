"""Disk full and read-only places, during a write and a backup: a typed error, original intact.

How the faults are made (real ones, no monkeypatching): CI runs as root, where permission
bits stop nothing, so

- *disk full*: the library (or the backup folder) lives on a small ``tmpfs`` mount whose
  free space is then filled up with a filler file;
- *read-only file system*: a ``tmpfs`` remounted ``ro``;
- *read-only directory* with a writable file: ``chattr +i`` on the folder (SQLite cannot
  create its ``-journal`` there).

Each test skips with the reason when mounting or ``chattr`` is not possible here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin_mixxx import build_library
from standin_mixxx import set_journal_mode

import mixxx_peewee
from mixxx_peewee.errors import MixxxPeeweeError


def sha256(path: Path) -> str:
    """The file's content hash."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@contextlib.contextmanager
def tmpfs(where: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of ``size_bytes`` mounted at ``where`` (skips when mounting is not allowed)."""
    where.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        mixxx_peewee.library._current and mixxx_peewee.library._current.close()
        _run("umount", "-l", str(where))


def fill_up(folder: Path, leave: int = 0) -> None:
    """Fill the file system of ``folder`` until about ``leave`` bytes are free."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "filler", "wb") as handle:
        try:
            handle.write(b"\0" * max(0, free))
        except OSError:
            pass


@pytest.fixture(scope="module")
def base_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 tracks and a crate ``target``, built once."""
    path = build_library(tmp_path_factory.mktemp("faults") / "mixxxdb.sqlite", 5000)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO crates (name) VALUES ('target')")
    conn.close()
    return path


def _track_ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id")]
    finally:
        conn.close()


def _crate_members(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT count(*) FROM crate_tracks JOIN crates ON crates.id = crate_id "
            "WHERE crates.name = 'target'"
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_disk_full_during_a_write_raises_and_keeps_the_original(
    tmp_path: Path, base_library: Path, mode: str
) -> None:
    """A big crate add on a full disk: a typed one-line error; the file is as before."""
    size = base_library.stat().st_size
    with tmpfs(tmp_path / "small", size + 512 * 1024) as mnt:
        path = mnt / "mixxxdb.sqlite"
        shutil.copyfile(base_library, path)
        set_journal_mode(path, mode)
        ids = _track_ids(path)
        before = sha256(path)
        fill_up(mnt, leave=8 * 1024)
        with pytest.raises(MixxxPeeweeError) as err:
            with mixxx_peewee.open_library(path, journal_mode="keep"):
                mixxx_peewee.add_tracks_to_crate("target", ids)
        print(f"\ndisk full ({mode}): {type(err.value).__name__}: {err.value}")
        assert "\n" not in str(err.value)
        reason = str(err.value).removeprefix(f"{path}: ").lower()
        (mnt / "filler").unlink()
        conn = sqlite3.connect(path)  # rolls back a leftover journal, checkpoints nothing new
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        assert _crate_members(path) == 0
        if mode == "delete":
            assert sha256(path) == before
    assert "full" in reason or "disk" in reason, reason


def test_disk_full_during_a_backup_leaves_nothing_behind(
    tmp_path: Path, base_library: Path
) -> None:
    """A backup into a folder on a full disk: BackupError, no partial file, original intact."""
    path = tmp_path / "mixxxdb.sqlite"
    shutil.copyfile(base_library, path)
    before = sha256(path)
    with tmpfs(tmp_path / "backups", 256 * 1024) as mnt:
        with mixxx_peewee.open_library(path, journal_mode="keep"):
            with pytest.raises(mixxx_peewee.errors.BackupError) as err:
                mixxx_peewee.backup(mnt / "copy.sqlite")
        print(f"\nbackup on a full disk: {err.value}")
        assert "\n" not in str(err.value)
        assert [p.name for p in mnt.iterdir()] == [], "a partial backup was left behind"
    assert sha256(path) == before


def test_write_on_a_read_only_file_system_raises_and_keeps_the_original(
    tmp_path: Path, base_library: Path
) -> None:
    """On a read-only mount a write gives a typed error; reads still work."""
    with tmpfs(tmp_path / "ro", 64 * 1024 * 1024) as mnt:
        path = mnt / "mixxxdb.sqlite"
        shutil.copyfile(base_library, path)
        before = sha256(path)
        done = _run("mount", "-o", "remount,ro", str(mnt))
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        ids = _track_ids(path)
        with pytest.raises(MixxxPeeweeError) as err:
            with mixxx_peewee.open_library(path, journal_mode="keep"):
                mixxx_peewee.add_tracks_to_crate("target", ids[:10])
        print(f"\nread-only file system: {type(err.value).__name__}: {err.value}")
        assert "\n" not in str(err.value)
        with mixxx_peewee.open_library(path, readonly=True):
            assert mixxx_peewee.db.execute_sql("SELECT count(*) FROM library").fetchone()[0]
        assert sha256(path) == before
        with pytest.raises(mixxx_peewee.errors.BackupError):
            with mixxx_peewee.open_library(base_library, readonly=True):
                mixxx_peewee.backup(mnt / "copy.sqlite")


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """``chattr +i`` on ``folder`` (skips when the file system does not support it)."""
    done = _run("chattr", "+i", str(folder))
    if done.returncode != 0:
        pytest.skip(f"chattr +i not possible here: {done.stderr.strip()}")
    try:
        yield
    finally:
        _run("chattr", "-i", str(folder))


def test_write_in_a_read_only_directory_raises_and_keeps_the_original(
    tmp_path: Path, base_library: Path
) -> None:
    """The file is writable but its folder is not (no -journal possible): a typed error."""
    folder = tmp_path / "lib"
    folder.mkdir()
    path = folder / "mixxxdb.sqlite"
    shutil.copyfile(base_library, path)
    set_journal_mode(path, "delete")
    before = sha256(path)
    ids = _track_ids(path)
    with immutable(folder):
        with pytest.raises(MixxxPeeweeError) as err:
            with mixxx_peewee.open_library(path, journal_mode="keep"):
                mixxx_peewee.add_tracks_to_crate("target", ids[:10])
        print(f"\nread-only directory: {type(err.value).__name__}: {err.value}")
        assert "\n" not in str(err.value)
        assert sha256(path) == before
        backups = tmp_path / "ro-backups"
        backups.mkdir()
        with immutable(backups):
            with pytest.raises(mixxx_peewee.errors.BackupError):
                with mixxx_peewee.open_library(path, readonly=True):
                    mixxx_peewee.backup(backups / "copy.sqlite")
            assert list(backups.iterdir()) == []
    assert os.path.exists(path)
    assert sha256(path) == before
