"""Restore: replace the open library's content with a backup, in one transaction.

The current content is backed up first (:mod:`mixxx_peewee.snapshots`); the backup is
checked (a Mixxx library, undamaged, a schema this package writes) before anything changes.
Never while Mixxx runs: it would write its cached state over the restored file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from mixxx_peewee.changejournal import journalled
from mixxx_peewee.changejournal import note_guard
from mixxx_peewee.connection import check_file
from mixxx_peewee.connection import db
from mixxx_peewee.connection import raw_connection
from mixxx_peewee.connection import sqlite_uri
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.inspection import Verdict
from mixxx_peewee.inspection import inspect_schema
from mixxx_peewee.library import current_library
from mixxx_peewee.library import whole_library_change
from mixxx_peewee.models import adapt_models
from mixxx_peewee.plan import WriteResult
from mixxx_peewee.plan import plural
from mixxx_peewee.running import EXCLUSIVE
from mixxx_peewee.running import check_mixxx_guard
from mixxx_peewee.snapshots import BACKUP_DIRNAME
from mixxx_peewee.snapshots import Busy
from mixxx_peewee.snapshots import copy_library
from mixxx_peewee.snapshots import restore_pages
from mixxx_peewee.snapshots import why

__all__ = ["restore"]


def _inspect_source(src: Path) -> tuple[int | None, str, int]:
    """Revision, verdict and track count of a backup file; raises if it is no Mixxx library."""
    if not src.is_file():
        raise BackupError(f"{src}: no such file")
    check_file(src)
    try:
        conn = sqlite3.connect(sqlite_uri(src, "ro"), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{src}: cannot open ({why(exc)})") from None
    try:
        report = inspect_schema(conn)
        if report.verdict is Verdict.NOT_MIXXX:
            raise NotAMixxxDatabaseError(f"{src}: not a Mixxx database ({report.reason})")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise BackupError(f"{src}: damaged ({problems[0]}); not restored")
        tracks = 0
        if "library" in report.live:
            tracks = conn.execute("SELECT count(*) FROM library").fetchone()[0]
        return report.version, report.verdict.value, tracks
    except sqlite3.Error as exc:
        raise BackupError(f"{src}: cannot read ({why(exc)})") from None
    finally:
        conn.close()


@journalled
def restore(
    src: str | os.PathLike[str], *, force: bool = False, dry_run: bool = False
) -> WriteResult:
    """Replace the open library's content with the backup ``src`` (Mixxx must not run).

    The current content is backed up first. ``force`` allows a backup whose schema this
    package only reads (it never overrides the running-Mixxx check).
    Raises MixxxRunningError, ReadOnlyError, NotAMixxxDatabaseError, SchemaVersionError,
    BackupError.
    """
    library = current_library()
    source_path = Path(os.path.expanduser(os.fspath(src)))
    result = WriteResult("restore", dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    note_guard(EXCLUSIVE)
    result.notes += check_mixxx_guard(EXCLUSIVE, library.path, force=force)
    if source_path.exists() and os.path.samefile(source_path, library.path):
        raise ValidationError(f"{source_path}: is the open library itself")
    revision, verdict, tracks = _inspect_source(source_path)
    if verdict != Verdict.READ_WRITE.value and not force:
        raise SchemaVersionError(
            f"{source_path}: schema is {verdict} for this package (revision {revision}); "
            "use force to restore it anyway"
        )
    result.counts["tracks"] = tracks
    result.add(f"back up the current library to {library.path.parent / BACKUP_DIRNAME}/")
    result.add(
        f"replace the library with {source_path} (revision {revision}, {plural(tracks, 'track')})"
    )
    if dry_run:
        return result
    if db.in_transaction():
        raise BackupError(f"{library.path}: cannot restore inside a transaction")
    saved = copy_library(library, None, "mixxxdb-before-restore-")
    result.changes[0] = f"backed up the current library to {saved}"
    result.value = str(saved)  # JSON-ready, like every WriteResult value
    live = raw_connection()
    try:
        source = sqlite3.connect(sqlite_uri(source_path, "ro"), uri=True)
        try:
            with whole_library_change(saved):
                restore_pages(source, live, library.busy_timeout_ms)
        finally:
            source.close()
    except (sqlite3.Error, Busy) as exc:
        raise BackupError(
            f"{library.path}: restore failed ({why(exc)}); the library is as before "
            f"(its backup: {saved})"
        ) from None
    report = inspect_schema(live)
    adapt_models(report.live)
    library.schema = report
    result.changes[1] = f"replaced the library with {source_path} (revision {revision})"
    return result
