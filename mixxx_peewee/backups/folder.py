"""Backups of the open library: make one, list them, the automatic daily one.

The mechanism (SQLite's online backup API, permissions, atomic placement, names, rotation)
is :mod:`mixxx_peewee.backups.copying`; :mod:`mixxx_peewee.backups.restore` takes a backup back.

A folder may hold the backups of several libraries (a gig copy beside the main one share
``backups/``). A library's backups are those named after it (``<stem>-<time>-<kind>.sqlite``)
and, told from their content, the other Mixxx libraries there: those named by earlier
versions (``mixxxdb-…``) unless none of their tracks is this library's (the same id and
path), and files named by hand (``backup before-gig.sqlite``) when some of their tracks are.
Files named as another library's backups are never listed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from mixxx_peewee.backups.copying import AUTO_BACKUP_KEEP
from mixxx_peewee.backups.copying import AUTOMATIC
from mixxx_peewee.backups.copying import BACKUP_DIRNAME
from mixxx_peewee.backups.copying import BEFORE_RESTORE
from mixxx_peewee.backups.copying import LEGACY_PREFIX
from mixxx_peewee.backups.copying import MANUAL
from mixxx_peewee.backups.copying import copy_library
from mixxx_peewee.backups.copying import library_track_paths
from mixxx_peewee.backups.copying import make_auto_backup
from mixxx_peewee.backups.copying import match_tracks
from mixxx_peewee.backups.copying import named_backup
from mixxx_peewee.backups.copying import scan_backups
from mixxx_peewee.core.connection import SQLITE_MAGIC
from mixxx_peewee.core.connection import open_read_only
from mixxx_peewee.errors import DatabaseBusyError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.library import current_library

__all__ = ["BackupInfo", "auto_backup", "backup", "backup_details", "list_backups"]


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where, when (mtime, UTC), how big, how many tracks (None: unreadable),
    and its kind (``backup``, ``auto``, ``before-restore``)."""

    path: Path
    modified: datetime
    size: int
    tracks: int | None
    automatic: bool
    kind: str = MANUAL


def backup(
    dest: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Back the open library up to ``dest`` (default ``backups/<stem>-<time>-backup.sqlite``;
    a folder: that name in it).

    ``progress(pages_done, pages_total)`` is called after each copy step, for a progress bar.

    Raises LibraryNotOpenError, BackupError (file exists, folder missing or read-only,
    disk full, integrity check failed: nothing is left behind).
    """
    return copy_library(current_library(), dest, report=progress)


def _legacy_kind(name: str) -> str:
    """The kind an earlier version's backup name says."""
    for kind in (AUTOMATIC, BEFORE_RESTORE):
        if name.startswith(f"{LEGACY_PREFIX}{kind}-"):
            return kind
    return MANUAL


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _found(folder: str | os.PathLike[str] | None) -> list[tuple[Path, float, str]]:
    """``(path, mtime, kind)`` of the open library's backups in ``folder``, oldest first."""
    library = current_library()
    where = Path(folder) if folder is not None else library.path.parent / BACKUP_DIRNAME
    found = scan_backups(where, library.path)
    live: dict[int, str] | None = None
    try:
        entries = sorted(os.scandir(where), key=lambda e: e.name)
    except OSError:
        entries = []
    for entry in entries:
        name = entry.name
        if not name.endswith(".sqlite") or named_backup(name):
            continue  # this library's (found above) or another library's, by its name
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if not entry.is_file() or os.path.samefile(path, library.path):
                continue
            legacy = name.startswith(LEGACY_PREFIX)
            if not (legacy or _is_sqlite(path)):
                continue
            if live is None:
                live = library_track_paths()
            match = match_tracks(path, live)
            # An earlier version's backup is listed unless it is plainly another library's;
            # a file named by hand only when some of its tracks are this library's.
            if (match is None and legacy) or (
                match is not None and (match.matched > 0 or (legacy and not match.other_library))
            ):
                kind = _legacy_kind(name) if legacy else MANUAL
                found.append((path, entry.stat().st_mtime, kind))
    return sorted(found, key=lambda item: (item[1], item[0].name))


def list_backups(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """The open library's backups (manual and automatic) in ``folder`` (default its
    ``backups/``), oldest first; other libraries' backups there are left out."""
    return [path for path, _, _ in _found(folder)]


def _track_count(path: Path) -> int | None:
    """Tracks in a backup file, read-only and immutable (no lock, no -wal); None if unreadable."""
    try:
        conn = open_read_only(path, immutable=True)
    except (DatabaseConnectionError, DatabaseBusyError):
        return None
    try:
        # The table's b-tree only: count(*) reads no row of a wide library.
        count: int = conn.execute("SELECT count(*) FROM library").fetchone()[0]
        return count
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def backup_details(folder: str | os.PathLike[str] | None = None) -> list[BackupInfo]:
    """The open library's backups in ``folder`` (default its ``backups/``) with date, size,
    tracks and kind, oldest first; each file is opened read-only to count its tracks."""
    found = []
    for path, _, kind in _found(folder):
        try:
            info = path.stat()
        except OSError:
            continue  # deleted meanwhile
        found.append(
            BackupInfo(
                path=path,
                modified=datetime.fromtimestamp(info.st_mtime, UTC),
                size=info.st_size,
                tracks=_track_count(path),
                automatic=kind == AUTOMATIC,
                kind=kind,
            )
        )
    return found


def auto_backup(*, now: bool = False, keep: int = AUTO_BACKUP_KEEP) -> Path | None:
    """Make the daily automatic backup if due (or ``now``, even if not); rotate to ``keep``.

    Returns the new backup's path, or None when the newest backup is less than a day old.
    Raises LibraryNotOpenError, BackupError.
    """
    return make_auto_backup(current_library(), now=now, keep=keep)
