"""Backups of the open library: make one, list them, the automatic daily one.

The mechanism (SQLite's online backup API, permissions, atomic placement, rotation) is
:mod:`mixxx_peewee.snapshots`; :mod:`mixxx_peewee.restoring` takes a backup back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from mixxx_peewee.connection import sqlite_uri
from mixxx_peewee.library import current_library
from mixxx_peewee.snapshots import AUTO_BACKUP_KEEP
from mixxx_peewee.snapshots import AUTO_PREFIX
from mixxx_peewee.snapshots import BACKUP_DIRNAME
from mixxx_peewee.snapshots import copy_library
from mixxx_peewee.snapshots import make_auto_backup
from mixxx_peewee.snapshots import scan_backups

__all__ = ["BackupInfo", "auto_backup", "backup", "backup_details", "list_backups"]


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where, when (mtime, UTC), how big, how many tracks (None: unreadable)."""

    path: Path
    modified: datetime
    size: int
    tracks: int | None
    automatic: bool


def backup(
    dest: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Back the open library up to ``dest`` (default ``backups/mixxxdb-<time>.sqlite``).

    ``progress(pages_done, pages_total)`` is called after each copy step, for a progress bar.

    Raises LibraryNotOpenError, BackupError (file exists, folder missing or read-only,
    disk full, integrity check failed: nothing is left behind).
    """
    return copy_library(current_library(), dest, report=progress)


def list_backups(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """Backups (manual and automatic) in ``folder`` (default: the open library's), oldest first."""
    where = Path(folder) if folder is not None else current_library().path.parent / BACKUP_DIRNAME
    return [path for path, _ in scan_backups(where)]


def _track_count(path: Path) -> int | None:
    """Tracks in a backup file, read-only and immutable (no lock, no -wal); None if unreadable."""
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro") + "&immutable=1", uri=True)
    except sqlite3.Error:
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
    """Every backup in ``folder`` (default: the open library's) with date, size and tracks,
    oldest first; each file is opened read-only to count its tracks."""
    found = []
    for path in list_backups(folder):
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
                automatic=path.name.startswith(AUTO_PREFIX),
            )
        )
    return found


def auto_backup(*, force: bool = False, keep: int = AUTO_BACKUP_KEEP) -> Path | None:
    """Make the daily automatic backup if due (or now, with ``force``); rotate to ``keep``.

    Returns the new backup's path, or None when the newest backup is less than a day old.
    Raises LibraryNotOpenError, BackupError.
    """
    return make_auto_backup(current_library(), force=force, keep=keep)
