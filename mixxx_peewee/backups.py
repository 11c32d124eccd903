"""Backups of the open library: make one, list them, the automatic daily one.

The mechanism (SQLite's online backup API, permissions, atomic placement, rotation) is
:mod:`mixxx_peewee.snapshots`; :mod:`mixxx_peewee.restoring` takes a backup back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from mixxx_peewee.library import current_library
from mixxx_peewee.snapshots import AUTO_BACKUP_KEEP
from mixxx_peewee.snapshots import BACKUP_DIRNAME
from mixxx_peewee.snapshots import copy_library
from mixxx_peewee.snapshots import make_auto_backup
from mixxx_peewee.snapshots import scan_backups

__all__ = ["auto_backup", "backup", "list_backups"]


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


def auto_backup(*, force: bool = False, keep: int = AUTO_BACKUP_KEEP) -> Path | None:
    """Make the daily automatic backup if due (or now, with ``force``); rotate to ``keep``.

    Returns the new backup's path, or None when the newest backup is less than a day old.
    Raises LibraryNotOpenError, BackupError.
    """
    return make_auto_backup(current_library(), force=force, keep=keep)
