"""Backing a library file up with SQLite's online backup API, and the automatic backups.

The mechanism under :mod:`mixxx_peewee.backups.folder` and
:mod:`mixxx_peewee.backups.restore`, and the
default ``before_write`` hook of every open library. Backups use SQLite's online backup
API, never a file copy: the copy is a consistent snapshot in WAL and rollback-journal mode
while Mixxx writes. Each backup is written to a temporary file beside its destination
(created with the library's permission bits, so a private library stays private),
converted to rollback-journal mode, checked with ``PRAGMA integrity_check`` and then moved
into place atomically; on any error nothing is left behind and the library is untouched.

Backups belong to their library: ``<stem>-<YYYYmmdd-HHMMSS>-<kind>.sqlite`` after the
library's file name (``gig.sqlite``: ``gig-20250101-120000-auto.sqlite``), the kind last so
that no library's name can pass for another's kind (``gig-auto.sqlite`` has backups too).
Two libraries in one folder share ``backups/`` and nothing else. Automatic backups are made
before a write when the library's newest backup there is more than a day old; its last
:data:`AUTO_BACKUP_KEEP` automatic ones are kept, manual ones are never deleted. Backups
named by earlier versions (``mixxxdb-[auto-]<time>.sqlite`` whatever the library) are
never rotated: their name does not say whose they are (:mod:`mixxx_peewee.backups.folder` tells
that from their tracks when it lists them). Turn automatic backups off with
``MIXXX_PEEWEE_AUTO_BACKUP=0`` or ``open_library(..., auto_backup=False)``; force one with
``auto_backup="force"``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import time
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Protocol

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import open_read_only
from mixxx_peewee.core.connection import why
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import DatabaseBusyError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation

__all__ = [
    "AUTOMATIC",
    "AUTO_BACKUP_ENV",
    "AUTO_BACKUP_KEEP",
    "AUTO_BACKUP_MAX_AGE_S",
    "BACKUP_DIRNAME",
    "BEFORE_RESTORE",
    "LEGACY_PREFIX",
    "MANUAL",
    "AutoBackupWarning",
    "Busy",
    "LibraryFile",
    "TrackMatch",
    "auto_backup_before_write",
    "auto_backup_setting",
    "backup_kind",
    "copy_library",
    "count_matches",
    "library_track_paths",
    "make_auto_backup",
    "match_tracks",
    "named_backup",
    "restore_pages",
    "rotate_backups",
    "scan_backups",
]


class LibraryFile(Protocol):
    """What backing up needs of an open library (:class:`mixxx_peewee.library.MixxxLibrary`)."""

    path: Path
    readonly: bool
    busy_timeout_ms: int
    auto_backup: bool | str


BACKUP_DIRNAME = "backups"
AUTO_BACKUP_ENV = "MIXXX_PEEWEE_AUTO_BACKUP"
AUTO_BACKUP_KEEP = 7
AUTO_BACKUP_MAX_AGE_S = 24 * 3600
MANUAL = "backup"  # the kinds of backup, the last word of their names
AUTOMATIC = "auto"
BEFORE_RESTORE = "before-restore"
LEGACY_PREFIX = "mixxxdb-"  # every backup's name before backups belonged to their library
_SUFFIX = ".sqlite"
_NAMED = re.compile(
    r"(?P<stem>.+)-\d{8}-\d{6}(?:-\d+)?-(?P<kind>backup|auto|before-restore)\.sqlite", re.DOTALL
)
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


class Busy(Exception):
    """Another connection held the lock beyond the busy timeout."""


def _default_name(library: Path, kind: str, folder: Path) -> Path:
    """``<stem>-YYYYmmdd-HHMMSS-<kind>.sqlite`` in ``folder`` (``-N`` after the time if taken)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = folder / f"{library.stem}-{stamp}-{kind}{_SUFFIX}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{library.stem}-{stamp}-{n}-{kind}{_SUFFIX}"
    return candidate


def named_backup(name: str) -> bool:
    """Whether ``name`` is a backup's name of some library (this package's names)."""
    return _NAMED.fullmatch(name) is not None


def backup_kind(name: str, library: Path) -> str | None:
    """The kind of the backup file ``name`` if its name says it is one of ``library``'s."""
    found = _NAMED.fullmatch(name)
    if found is None or found["stem"] != library.stem:
        return None
    return found["kind"]


def _make_backup_dir(folder: Path, file_mode: int) -> None:
    """Create ``folder``; private (0700) when the library is private."""
    dir_mode = 0o700 | ((file_mode & 0o044) | ((file_mode & 0o044) >> 2))  # r -> r-x
    try:
        folder.mkdir(mode=dir_mode, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{folder}: cannot create the backup folder ({why(exc)})") from None


def _remove_quietly(path: Path) -> None:
    for candidate in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        with contextlib.suppress(OSError):
            candidate.unlink()


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
                raise Busy
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
        raise BackupError(f"{folder}: cannot write a backup here ({why(exc)})") from None
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
        if isinstance(exc, Busy):
            raise BackupError(
                f"{dest}: database is busy (another program, probably Mixxx, holds the lock); "
                "nothing written"
            ) from None
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise BackupError(f"{dest}: backup failed ({why(exc)}); nothing written") from None
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
def _source_connection(path: Path, wait_ms: int) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the library, read-only, for the backup to read from."""
    conn = open_read_only(path, timeout_ms=wait_ms)
    try:
        yield conn
    finally:
        conn.close()


def copy_library(
    library: LibraryFile,
    dest: str | os.PathLike[str] | None,
    kind: str = MANUAL,
    *,
    wait_ms: int | None = None,
    report: Callable[[int, int], None] | None = None,
) -> Path:
    """Back ``library`` up to ``dest`` (a file or folder; default its ``backups/`` folder),
    named after the library and ``kind`` unless ``dest`` is a file name.

    Raises BackupError (file exists, folder missing or read-only, disk full, integrity
    check failed: nothing is left behind).
    """
    try:
        mode = stat.S_IMODE(os.stat(library.path).st_mode) & 0o666
    except OSError as exc:
        raise BackupError(f"{library.path}: cannot read the library ({why(exc)})") from None
    if dest is None:
        folder = library.path.parent / BACKUP_DIRNAME
        _make_backup_dir(folder, mode)
        target = _default_name(library.path, kind, folder)
    else:
        target = Path(os.path.expanduser(os.fspath(dest)))
        if target.is_dir():
            target = _default_name(library.path, kind, target)
        elif target.exists() or target.is_symlink():
            raise BackupError(f"{target}: exists already")
        elif not target.parent.is_dir():
            raise BackupError(f"{target.parent}: no such folder")
    if os.path.realpath(target) == os.path.realpath(library.path):
        raise BackupError(f"{target}: is the library itself")
    try:
        wait = wait_ms or library.busy_timeout_ms
        with _source_connection(library.path, wait) as source:
            _backup_file(source, target, mode, wait, report)
    except sqlite3.Error as exc:
        raise BackupError(f"{library.path}: cannot read the library ({why(exc)})") from None
    except (DatabaseConnectionError, DatabaseBusyError) as exc:
        raise BackupError(str(exc)) from None  # a BackupError: an automatic backup only warns
    return target


def scan_backups(folder: Path, library: Path) -> list[tuple[Path, float, str]]:
    """``(path, mtime, kind)`` of every backup in ``folder`` named as ``library``'s, oldest
    first: one directory read, no file opened."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                kind = backup_kind(entry.name, library)
                if kind is not None:
                    with contextlib.suppress(OSError):
                        found.append((Path(entry.path), entry.stat().st_mtime, kind))
    except OSError:
        return []
    return sorted(found, key=lambda item: (item[1], item[0].name))


def rotate_backups(folder: Path, library: Path, keep: int) -> list[Path]:
    """Delete ``library``'s automatic backups beyond its newest ``keep``; manual ones, other
    libraries' and those named by earlier versions are never touched."""
    autos = [path for path, _, kind in scan_backups(folder, library) if kind == AUTOMATIC]
    removed = []
    for path in autos[: max(0, len(autos) - keep)]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def make_auto_backup(
    library: LibraryFile, *, now: bool = False, keep: int = AUTO_BACKUP_KEEP
) -> Path | None:
    """The daily automatic backup of ``library`` if due (or ``now``, even if not), rotated.

    Returns the new backup's path, or None when the library's newest backup (of any kind)
    is less than a day old. Raises BackupError.
    """
    folder = library.path.parent / BACKUP_DIRNAME
    if not now:
        backups = scan_backups(folder, library.path)
        if backups and time.time() - backups[-1][1] < AUTO_BACKUP_MAX_AGE_S:
            return None
    # A scan holding the lock skips today's backup quickly rather than doubling the wait.
    wait_ms = min(library.busy_timeout_ms, _AUTO_WAIT_MS)
    made = copy_library(library, None, AUTOMATIC, wait_ms=wait_ms)
    rotate_backups(folder, library.path, keep)
    return made


@dataclass(frozen=True)
class TrackMatch:
    """How many of a backup's tracks are the open library's: the same id and the same path."""

    matched: int
    tracks: int  # the backup's
    library_tracks: int

    @property
    def other_library(self) -> bool:
        """Tracks on both sides and not one of them the same: a backup of another library."""
        return self.tracks > 0 and self.library_tracks > 0 and self.matched == 0

    def text(self) -> str:
        """``298 of the backup's 300 tracks match the library by id and path``."""
        return (
            f"{self.matched:,} of the backup's {self.tracks:,} "
            f"track{'' if self.tracks == 1 else 's'} "
            f"match{'es' if self.matched == 1 else ''} the library by id and path"
        )


def _track_paths_query() -> Any:
    """Every track's id and path (its ``track_locations.location``)."""
    return Track.select(Track.id, TrackLocation.location).join(
        TrackLocation, on=(Track.location == TrackLocation.id)
    )


def library_track_paths() -> dict[int, str]:
    """``{track id: path}`` of the open library, one read."""
    sql, params = _track_paths_query().sql()
    return dict(execute(sql, params).fetchall())


def count_matches(backup: sqlite3.Connection, library: dict[int, str]) -> TrackMatch:
    """How many of the tracks read through ``backup`` are in ``library``
    (:func:`library_track_paths`) with the same id and path. Raises sqlite3.Error."""
    sql, params = _track_paths_query().sql()
    rows = backup.execute(sql, params).fetchall()
    total = backup.execute("SELECT count(*) FROM library").fetchone()[0]
    matched = sum(1 for track, where in rows if library.get(track) == where)
    return TrackMatch(matched, total, len(library))


def match_tracks(path: Path, library: dict[int, str] | None = None) -> TrackMatch | None:
    """How many of the backup file ``path``'s tracks the open library has, by id and path
    (``library``: :func:`library_track_paths`, read once for many files); None when the file
    cannot be read as a library (read-only and immutable: no lock, no file written)."""
    try:
        conn = open_read_only(path, immutable=True)
    except (DatabaseConnectionError, DatabaseBusyError):
        return None
    try:
        return count_matches(conn, library_track_paths() if library is None else library)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def auto_backup_setting(library: LibraryFile) -> str:
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


def auto_backup_before_write(library: LibraryFile) -> Path | None:
    """The default ``before_write`` hook of an open library: the automatic backup.

    A failed daily backup only warns (AutoBackupWarning): the user asked for a write, not
    a backup. A forced one (``auto_backup="force"``) raises BackupError and the write
    does not happen. Forced means once per open, not before every write.
    """
    setting = auto_backup_setting(library)
    if setting == "off" or library.readonly:
        return None
    forced = setting == "force" and not getattr(library, "_forced_backup_done", False)
    try:
        made = make_auto_backup(library, now=forced)
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


def restore_pages(source: sqlite3.Connection, live: sqlite3.Connection, wait_ms: int) -> None:
    """Copy ``source`` over the live file in one backup step: one write transaction, all or nothing.

    Raises sqlite3.Error, Busy (locked out for longer than ``wait_ms``).
    """
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
