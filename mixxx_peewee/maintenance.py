"""Backups and restore of the open library, and the automatic daily backup before writes.

Backups use SQLite's online backup API, never a file copy: the copy is a consistent
snapshot in WAL and rollback-journal mode while Mixxx writes. Each backup is written to a
temporary file beside its destination (created with the library's permission bits, so a
private library stays private), converted to rollback-journal mode, checked with
``PRAGMA integrity_check`` and then moved into place atomically; on any error nothing is
left behind and the library is untouched.

Automatic backups (``mixxxdb-auto-*.sqlite`` in ``backups/`` beside the database) are made
before a write when the newest backup there is more than a day old; the last
:data:`AUTO_BACKUP_KEEP` automatic ones are kept, manual ones are never deleted. Turn them
off with ``MIXXX_PEEWEE_AUTO_BACKUP=0`` or ``open_library(..., auto_backup=False)``; force
one with ``auto_backup="force"`` or :func:`auto_backup` ``(force=True)``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time
import urllib.parse
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from mixxx_peewee.database import MixxxLibrary
from mixxx_peewee.database import current_library
from mixxx_peewee.database import db
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.plan import WriteResult

__all__ = [
    "AUTO_BACKUP_ENV",
    "AUTO_BACKUP_KEEP",
    "AUTO_BACKUP_MAX_AGE_S",
    "BACKUP_DIRNAME",
    "AutoBackupWarning",
    "auto_backup",
    "auto_backup_before_write",
    "auto_backup_setting",
    "backup",
    "list_backups",
    "restore",
]

BACKUP_DIRNAME = "backups"
AUTO_BACKUP_ENV = "MIXXX_PEEWEE_AUTO_BACKUP"
AUTO_BACKUP_KEEP = 7
AUTO_BACKUP_MAX_AGE_S = 24 * 3600
_PREFIX = "mixxxdb-"
_AUTO_PREFIX = "mixxxdb-auto-"
_SUFFIX = ".sqlite"
_STEP_PAGES = 1024  # 4 MiB at Mixxx's 4 KiB pages: each step holds the read lock for ~ms
_STEP_PAUSE_S = 0.002  # lets a waiting writer (Mixxx) in between two steps
_AUTO_WAIT_MS = 1000  # the automatic backup waits at most this long for a lock
_BUSY_RETRY_S = 0.005  # retry a locked step soon: a writer's lock is short
_MAX_RESTARTS = 3  # then copy in one step: a writer that never pauses must not starve us
_SIDE_FILES = ("-journal", "-wal", "-shm")
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (named constants only since Python 3.11)
_OFF_WORDS = {"0", "false", "no", "off", "never"}


class AutoBackupWarning(UserWarning):
    """The automatic backup before a write failed; the write went ahead."""


class _Restarted(Exception):
    """A writer changed the source between two backup steps too often."""


class _Busy(Exception):
    """Another connection held the lock beyond the busy timeout."""


def _default_name(prefix: str, folder: Path) -> Path:
    """``<prefix>YYYYmmdd-HHMMSS.sqlite`` in ``folder``, with ``-N`` added if taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"{prefix}{stamp}{_SUFFIX}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{prefix}{stamp}-{n}{_SUFFIX}"
    return candidate


def _make_backup_dir(folder: Path, file_mode: int) -> None:
    """Create ``folder``; private (0700) when the library is private."""
    dir_mode = 0o700 | ((file_mode & 0o044) | ((file_mode & 0o044) >> 2))  # r -> r-x
    try:
        folder.mkdir(mode=dir_mode, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{folder}: cannot create the backup folder ({_why(exc)})") from None


def _why(exc: BaseException) -> str:
    """A short reason for an OS or SQLite error."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "disk full"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "read-only or no permission"
        return exc.strerror or str(exc)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "full" in text.lower():
        return "disk full"
    if "locked" in text.lower() or "busy" in text.lower():
        return "database is busy: another program, probably Mixxx, holds the lock"
    return text


def _remove_quietly(path: Path) -> None:
    for candidate in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        with contextlib.suppress(OSError):
            candidate.unlink()


def _ro_uri(path: Path) -> str:
    return "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"


def _watch(
    wait_ms: int, stepwise: bool, report: Callable[[int, int], None] | None = None
) -> Callable[[int, int, int], None]:
    """A backup progress callback: bounded waits for locks; with ``stepwise``, restarts.

    ``report(pages_done, pages_total)`` is told after every step (a progress bar).
    """
    state = {"deadline": time.monotonic() + wait_ms / 1000, "last": -1, "restarts": 0}

    def progress(status: int, remaining: int, total: int) -> None:
        if status in _BUSY_CODES:
            # Python retries a locked step forever: bound the wait ourselves
            if time.monotonic() > state["deadline"]:
                raise _Busy
            return
        state["deadline"] = time.monotonic() + wait_ms / 1000
        if stepwise and 0 <= state["last"] <= remaining:
            state["restarts"] += 1  # no progress: another connection wrote, SQLite restarted
            if state["restarts"] > _MAX_RESTARTS:
                raise _Restarted
        state["last"] = remaining
        if report is not None:
            report(total - remaining, total)
        if stepwise and remaining:
            time.sleep(_STEP_PAUSE_S)

    return progress


def _copy_pages(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    wait_ms: int,
    report: Callable[[int, int], None] | None = None,
) -> None:
    """Online backup that never blocks a writer for long and never waits forever.

    WAL: one step (a snapshot; readers do not block writers). Rollback journal: short steps
    with a pause between them, since each step's read lock makes Mixxx's commit wait; if
    writers keep restarting it, one step (a read lock for the copy's duration, well under
    a second for 100,000 tracks). Locked out for longer than ``wait_ms``: BackupError.
    """
    wal = source.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"

    if not wal:
        try:
            source.backup(
                target,
                pages=_STEP_PAGES,
                progress=_watch(wait_ms, True, report),
                sleep=_BUSY_RETRY_S,
            )
            return
        except _Restarted:
            pass
    source.backup(target, pages=-1, progress=_watch(wait_ms, False, report), sleep=_BUSY_RETRY_S)


def _backup_file(
    source: sqlite3.Connection,
    dest: Path,
    mode: int,
    wait_ms: int,
    report: Callable[[int, int], None] | None = None,
) -> None:
    """Back ``source`` up into the new file ``dest`` (no clobbering), atomically."""
    folder = dest.parent
    tmp = folder / f".{dest.name}.{os.getpid()}.tmp"
    try:
        # Created with the library's bits from the start: never readable by others meanwhile.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise BackupError(f"{folder}: cannot write a backup here ({_why(exc)})") from None
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # the umask may have removed bits the library has
        finally:
            os.close(fd)
        target = sqlite3.connect(tmp, isolation_level=None)
        try:
            _copy_pages(source, target, wait_ms, report)
            # The copy stands alone: one file, no -wal to lose when it is moved or mailed.
            target.execute("PRAGMA journal_mode = delete").fetchone()
            problems = [row[0] for row in target.execute("PRAGMA integrity_check")]
        finally:
            target.close()
        if problems != ["ok"]:
            raise BackupError(f"{dest}: the copy failed its integrity check: {problems[0]}")
        _fsync(tmp)
        _move_into_place(tmp, dest)
        _fsync(folder)
    except BaseException as exc:
        _remove_quietly(tmp)
        if isinstance(exc, MixxxPeeweeError):
            raise
        if isinstance(exc, _Busy):
            raise BackupError(
                f"{dest}: database is busy (another program, probably Mixxx, holds the lock); "
                "nothing written"
            ) from None
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(f"{dest}: backup failed ({_why(exc)}); nothing written") from None
        raise


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(tmp: Path, dest: Path) -> None:
    """Atomic and never over an existing file (a hard link fails if ``dest`` appeared)."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise BackupError(f"{dest}: exists already") from None
    except OSError:
        if dest.exists():  # file systems without hard links: rename after a last check
            raise BackupError(f"{dest}: exists already") from None
        os.replace(tmp, dest)
        return
    tmp.unlink()


@contextlib.contextmanager
def _source_connection(library: MixxxLibrary, wait_ms: int) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the library, read-only, for the backup to read from."""
    conn = sqlite3.connect(_ro_uri(library.path), uri=True, timeout=wait_ms / 1000)
    try:
        yield conn
    finally:
        conn.close()


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
    return _backup_library(current_library(), dest, _PREFIX, report=progress)


def _backup_library(
    library: MixxxLibrary,
    dest: str | os.PathLike[str] | None,
    prefix: str,
    *,
    wait_ms: int | None = None,
    report: Callable[[int, int], None] | None = None,
) -> Path:
    try:
        mode = stat.S_IMODE(os.stat(library.path).st_mode) & 0o666
    except OSError as exc:
        raise BackupError(f"{library.path}: cannot read the library ({_why(exc)})") from None
    if dest is None:
        folder = library.path.parent / BACKUP_DIRNAME
        _make_backup_dir(folder, mode)
        target = _default_name(prefix, folder)
    else:
        target = Path(os.path.expanduser(os.fspath(dest)))
        if target.is_dir():
            target = _default_name(prefix, target)
        elif target.exists() or target.is_symlink():
            raise BackupError(f"{target}: exists already")
        elif not target.parent.is_dir():
            raise BackupError(f"{target.parent}: no such folder")
    if os.path.realpath(target) == os.path.realpath(library.path):
        raise BackupError(f"{target}: is the library itself")
    try:
        wait = wait_ms or library.busy_timeout_ms
        with _source_connection(library, wait) as source:
            _backup_file(source, target, mode, wait, report)
    except sqlite3.Error as exc:
        raise BackupError(f"{library.path}: cannot read the library ({_why(exc)})") from None
    return target


def list_backups(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """Backups (manual and automatic) in ``folder`` (default: the open library's), oldest first."""
    where = Path(folder) if folder is not None else current_library().path.parent / BACKUP_DIRNAME
    return [path for path, _ in _scan(where)]


def _scan(folder: Path) -> list[tuple[Path, float]]:
    """``(path, mtime)`` of every backup in ``folder``, oldest first: one directory read."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(_PREFIX) and entry.name.endswith(_SUFFIX):
                    with contextlib.suppress(OSError):
                        found.append((Path(entry.path), entry.stat().st_mtime))
    except OSError:
        return []
    return sorted(found, key=lambda item: (item[1], item[0].name))


def _rotate(folder: Path, keep: int) -> list[Path]:
    """Delete automatic backups beyond the newest ``keep``; manual ones are never touched."""
    autos = [path for path, _ in _scan(folder) if path.name.startswith(_AUTO_PREFIX)]
    removed = []
    for path in autos[: max(0, len(autos) - keep)]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def auto_backup(*, force: bool = False, keep: int = AUTO_BACKUP_KEEP) -> Path | None:
    """Make the daily automatic backup if due (or now, with ``force``); rotate to ``keep``.

    Returns the new backup's path, or None when the newest backup is less than a day old.
    Raises LibraryNotOpenError, BackupError.
    """
    library = current_library()
    folder = library.path.parent / BACKUP_DIRNAME
    if not force:
        backups = _scan(folder)
        if backups and time.time() - backups[-1][1] < AUTO_BACKUP_MAX_AGE_S:
            return None
    # A scan holding the lock skips today's backup quickly rather than doubling the wait.
    wait_ms = min(library.busy_timeout_ms, _AUTO_WAIT_MS)
    made = _backup_library(library, None, _AUTO_PREFIX, wait_ms=wait_ms)
    _rotate(folder, keep)
    return made


def auto_backup_setting(library: MixxxLibrary) -> str:
    """``"off"``, ``"daily"`` or ``"force"``: the open option, else the environment."""
    option = getattr(library, "auto_backup", True)
    if option is False or (isinstance(option, str) and option.lower() in _OFF_WORDS):
        return "off"
    if isinstance(option, str) and option.lower() == "force":
        return "force"
    env = os.environ.get(AUTO_BACKUP_ENV, "").strip().lower()
    if env in _OFF_WORDS:
        return "off"
    if env == "force":
        return "force"
    return "daily"


def auto_backup_before_write(library: MixxxLibrary) -> Path | None:
    """Called by ``write_transaction`` before ``BEGIN IMMEDIATE``: the automatic backup.

    A failed daily backup only warns (AutoBackupWarning): the user asked for a write, not
    a backup. A forced one (``auto_backup="force"``) raises BackupError and the write
    does not happen. Forced means once per open, not before every write.
    """
    setting = auto_backup_setting(library)
    if setting == "off" or library.readonly or db.in_transaction():
        return None  # nested writes: the outer one already made it
    forced = setting == "force" and not getattr(library, "_forced_backup_done", False)
    try:
        made = auto_backup(force=forced)
    except BackupError as exc:
        if forced:
            raise
        warnings.warn(
            f"automatic backup skipped: {exc}; the write goes ahead",
            AutoBackupWarning,
            stacklevel=3,
        )
        return None
    if forced:
        setattr(library, "_forced_backup_done", True)  # noqa: B010 - not a declared field
    return made


def _inspect_source(src: Path) -> tuple[int | None, str, int]:
    """Revision, verdict and track count of a backup file; raises if it is no Mixxx library."""
    from mixxx_peewee.database import _check_file
    from mixxx_peewee.inspection import Verdict
    from mixxx_peewee.inspection import inspect_schema

    if not src.is_file():
        raise BackupError(f"{src}: no such file")
    _check_file(src)
    try:
        conn = sqlite3.connect(_ro_uri(src), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{src}: cannot open ({_why(exc)})") from None
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
        raise BackupError(f"{src}: cannot read ({_why(exc)})") from None
    finally:
        conn.close()


def restore(
    src: str | os.PathLike[str], *, force: bool = False, dry_run: bool = False
) -> WriteResult:
    """Replace the open library's content with the backup ``src`` (Mixxx must not run).

    The current content is backed up first. ``force`` allows a backup whose schema this
    package only reads (it never overrides the running-Mixxx check).
    Raises MixxxRunningError, ReadOnlyError, NotAMixxxDatabaseError, SchemaVersionError,
    BackupError.
    """
    from mixxx_peewee.inspection import Verdict
    from mixxx_peewee.inspection import inspect_schema
    from mixxx_peewee.models import adapt_models
    from mixxx_peewee.running import EXCLUSIVE
    from mixxx_peewee.running import check_mixxx_guard

    library = current_library()
    source_path = Path(os.path.expanduser(os.fspath(src)))
    result = WriteResult("restore", dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
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
    result.add(f"replace the library with {source_path} (revision {revision}, {tracks} tracks)")
    if dry_run:
        return result
    if db.in_transaction():
        raise BackupError(f"{library.path}: cannot restore inside a transaction")
    saved = _backup_library(library, None, "mixxxdb-before-restore-")
    result.changes[0] = f"backed up the current library to {saved}"
    result.value = str(saved)  # JSON-ready, like every WriteResult value
    live = db.connection()
    try:
        source = sqlite3.connect(_ro_uri(source_path), uri=True)
        try:
            _restore_pages(source, live, library.busy_timeout_ms)
        finally:
            source.close()
    except (sqlite3.Error, _Busy) as exc:
        raise BackupError(
            f"{library.path}: restore failed ({_why(exc)}); the library is as before "
            f"(its backup: {saved})"
        ) from None
    report = inspect_schema(live)
    adapt_models(report.live)
    library.schema = report
    result.changes[1] = f"replaced the library with {source_path} (revision {revision})"
    return result


def _restore_pages(source: sqlite3.Connection, live: sqlite3.Connection, wait_ms: int) -> None:
    """One backup step into the live file: one write transaction, all or nothing."""
    mode = live.execute("PRAGMA journal_mode").fetchone()[0].lower()
    src_page = source.execute("PRAGMA page_size").fetchone()[0]
    live_page = live.execute("PRAGMA page_size").fetchone()[0]
    switched = mode == "wal" and src_page != live_page
    if switched:  # SQLite cannot change the page size of a WAL file during a backup
        live.execute("PRAGMA journal_mode = delete").fetchone()
    try:
        source.backup(live, pages=-1, progress=_watch(wait_ms, False), sleep=_BUSY_RETRY_S)
    finally:
        now = live.execute("PRAGMA journal_mode").fetchone()[0].lower()
        if now != mode:  # keep the journal mode the user had (the copy is rollback mode)
            live.execute(f"PRAGMA journal_mode = {'wal' if mode == 'wal' else 'delete'}").fetchone()
