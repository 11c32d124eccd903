"""The open library: finding ``mixxxdb.sqlite``, opening it, fitting the models, writing.

:func:`open_library` finds the file, connects (:mod:`mixxx_peewee.connection`), inspects
its schema (:mod:`mixxx_peewee.inspection`), fits the models to it, registers our SQL
functions and returns a :class:`MixxxLibrary` handle (also a context manager). Read-only
opens use ``mode=ro`` and change nothing: not the journal mode, not a byte of the file.
Writable opens ask for WAL (falling back quietly when the switch is not possible right
now). ``foreign_keys`` is never turned on: Mixxx's REFERENCES clauses are broken. Every
write runs inside :func:`write_transaction` (``BEGIN IMMEDIATE``), after the library's
``before_write`` hook (by default the automatic daily backup of :mod:`mixxx_peewee.snapshots`).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from mixxx_peewee import sqlfunctions
from mixxx_peewee.connection import check_file
from mixxx_peewee.connection import connect
from mixxx_peewee.connection import connected_path
from mixxx_peewee.connection import db
from mixxx_peewee.connection import disconnect
from mixxx_peewee.connection import immediate_transaction
from mixxx_peewee.connection import sqlite_uri
from mixxx_peewee.connection import translate_sqlite_error
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import LibraryNotOpenError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.inspection import SchemaReport
from mixxx_peewee.inspection import Verdict
from mixxx_peewee.inspection import inspect_schema
from mixxx_peewee.models import adapt_models
from mixxx_peewee.running import check_mixxx_guard
from mixxx_peewee.snapshots import auto_backup_before_write

__all__ = [
    "DB_FILENAME",
    "BeforeWrite",
    "MixxxLibrary",
    "current_library",
    "default_locations",
    "find_database",
    "guard_notes",
    "open_library",
    "write_transaction",
]

DB_FILENAME = "mixxxdb.sqlite"

BeforeWrite = Callable[["MixxxLibrary"], object]
"""A hook run before every write transaction, outside it (the automatic backup)."""

_current: MixxxLibrary | None = None


def default_locations(
    platform: str | None = None, env: dict[str, str] | None = None, home: Path | None = None
) -> list[Path]:
    """Where Mixxx keeps ``mixxxdb.sqlite`` on this OS, most likely first."""
    platform = platform or sys.platform
    env = dict(os.environ) if env is None else env
    home = home or Path.home()
    if platform.startswith("win"):
        places = []
        for var in ("LOCALAPPDATA", "APPDATA"):
            if env.get(var):
                places.append(Path(env[var]) / "Mixxx" / DB_FILENAME)
        return places
    if platform == "darwin":
        return [
            home / "Library/Containers/org.mixxx.mixxx/Data/Library/Application Support/Mixxx"
            / DB_FILENAME,
            home / "Library/Application Support/Mixxx" / DB_FILENAME,
        ]  # fmt: skip
    return [
        home / ".mixxx" / DB_FILENAME,
        home / ".var/app/org.mixxx.Mixxx/.mixxx" / DB_FILENAME,
    ]


def find_database(path: str | os.PathLike[str] | None = None) -> Path:
    """The database to open: ``path``, else ``$MIXXX_DB``, else Mixxx's default location.

    Raises DatabaseNotFoundError naming every place it looked.
    """
    if path is not None and str(path) != "":
        candidate = Path(os.path.expanduser(os.fspath(path)))
        if not candidate.exists() and not candidate.is_symlink():
            raise DatabaseNotFoundError(f"{candidate}: no such file")
        return candidate
    env_path = os.environ.get("MIXXX_DB")
    if env_path:
        candidate = Path(os.path.expanduser(env_path))
        if not candidate.exists():
            raise DatabaseNotFoundError(f"{candidate} (from MIXXX_DB): no such file")
        return candidate
    places = default_locations()
    for candidate in places:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(p) for p in places)
    raise DatabaseNotFoundError(
        f"no Mixxx database found; looked in: {looked} (set --db or MIXXX_DB)"
    )


@dataclass
class MixxxLibrary:
    """An open Mixxx library: where it is, how it was opened, and its schema report."""

    path: Path
    readonly: bool
    journal_mode: str
    requested_journal_mode: str
    journal_note: str
    busy_timeout_ms: int
    schema: SchemaReport
    auto_backup: bool | str = True  # True: daily (unless $MIXXX_PEEWEE_AUTO_BACKUP=0), "force"
    before_write: BeforeWrite | None = auto_backup_before_write
    # A read-only open of a WAL file made the -wal/-shm files itself: remove them on close.
    release_wal_files: bool = False
    # Backups the before_write hook made during this open (the CLI names them in a note).
    backups_made: list[Path] = field(default_factory=list)

    @property
    def wal(self) -> bool:
        """Whether the file is in WAL mode."""
        return self.journal_mode == "wal"

    def close(self) -> None:
        """Close the connection (the handle is no longer current)."""
        global _current
        disconnect()
        if self.release_wal_files:
            self.release_wal_files = False
            _release_wal_files(self.path)
        if _current is self:
            _current = None

    def __enter__(self) -> MixxxLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _release_wal_files(path: Path) -> None:
    """Let SQLite delete the empty ``-wal``/``-shm`` a read-only open left behind.

    A ``mode=ro`` connection creates them for a WAL file but cannot remove them; a plain
    connection closing as the last one does, and leaves them if anyone else (Mixxx) uses them.
    """
    wal = Path(f"{path}-wal")
    try:
        if wal.stat().st_size != 0 or not os.access(path, os.W_OK):
            return  # someone wrote meanwhile: those files are theirs now
        conn = sqlite3.connect(sqlite_uri(path, "rw"), uri=True, timeout=0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        pass  # best effort: SQLite reuses the files harmlessly


def current_library() -> MixxxLibrary:
    """The library opened by :func:`open_library`; raises LibraryNotOpenError if none."""
    if _current is None:
        raise LibraryNotOpenError("no library is open; call open_library() first")
    connected_path()  # raises LibraryNotOpenError when the connection was closed
    return _current


def _switch_journal(conn: sqlite3.Connection, requested: str, busy_timeout_ms: int) -> str:
    """Ask for ``requested`` journal mode without waiting; return a note for the user."""
    current = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
    if requested == "keep" or current == requested:
        return f"{current} (unchanged)"
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for the switch
    try:
        mode = conn.execute(f"PRAGMA journal_mode = {requested}").fetchone()[0].lower()
    except sqlite3.OperationalError as exc:
        return f"{current} (switch to {requested} not possible now: {exc})"
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if mode != requested:
        return f"{mode} (switch to {requested} refused by SQLite)"
    return f"{mode} (switched from {current}; stored in the file)"


def open_library(
    path: str | os.PathLike[str] | None = None,
    *,
    readonly: bool = False,
    journal_mode: str = "wal",
    busy_timeout_ms: int = 5000,
    strict: bool = True,
    auto_backup: bool | str = True,
    before_write: BeforeWrite | None = auto_backup_before_write,
) -> MixxxLibrary:
    """Open a Mixxx library and fit the models to it; usable as a context manager.

    ``journal_mode`` is ``"wal"`` (default), ``"delete"`` or ``"keep"``; read-only opens
    never change it. With ``strict`` (default) a schema the package must refuse raises
    SchemaVersionError; ``strict=False`` opens it for inspection only.
    Raises DatabaseNotFoundError, DatabaseConnectionError (and its subclasses
    NotAMixxxDatabaseError, CorruptDatabaseError), DatabaseBusyError, SchemaVersionError.
    ``auto_backup``: before a write, back up to ``backups/`` when the newest backup is over a
    day old (True, default; ``MIXXX_PEEWEE_AUTO_BACKUP=0`` turns it off), never (False), or
    once before the first write of this open (``"force"``); see :mod:`mixxx_peewee.snapshots`.
    ``before_write(library)`` runs before every write transaction, outside it; the default
    makes that automatic backup (None: no hook at all).
    """
    global _current
    requested = journal_mode.lower()
    if requested not in ("wal", "delete", "keep"):
        raise ValueError(f"journal_mode must be 'wal', 'delete' or 'keep', not {journal_mode!r}")
    if _current is not None:
        _current.close()
    resolved = find_database(path)
    check_file(resolved)
    scratch_absent = not any(Path(f"{resolved}{s}").exists() for s in ("-wal", "-shm"))
    sqlfunctions.register(db)
    conn = connect(resolved, readonly=readonly, busy_timeout_ms=busy_timeout_ms)
    try:
        report = inspect_schema(conn)
        if report.verdict is Verdict.NOT_MIXXX:
            raise NotAMixxxDatabaseError(f"{resolved}: not a Mixxx database ({report.reason})")
        if strict and report.verdict is Verdict.REFUSE:
            raise SchemaVersionError(f"{resolved}: {report.reason}")
        if readonly or report.verdict is Verdict.REFUSE:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
            note = f"{mode} (unchanged: {'read-only open' if readonly else 'schema refused'})"
        else:
            note = _switch_journal(conn, requested, busy_timeout_ms)
            mode = note.split(" ", 1)[0]
    except sqlite3.DatabaseError as exc:
        disconnect()
        raise translate_sqlite_error(exc, resolved) from None
    except Exception:
        disconnect()
        raise
    adapt_models(report.live)
    _current = MixxxLibrary(
        path=resolved,
        readonly=readonly,
        journal_mode=mode,
        requested_journal_mode="keep" if readonly else requested,
        journal_note=note,
        busy_timeout_ms=busy_timeout_ms,
        schema=report,
        auto_backup=auto_backup,
        before_write=before_write,
        release_wal_files=readonly and mode == "wal" and scratch_absent,
    )
    return _current


def _check_writable(library: MixxxLibrary, touches: Iterable[tuple[str, str]]) -> None:
    if library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    if not library.schema.verdict.can_write:
        raise SchemaVersionError(f"{library.path}: {library.schema.reason}")
    by_table: dict[str, list[str]] = {}
    for table, column in touches:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        bad = library.schema.unwritable_columns(table, columns)
        if bad:
            names = ", ".join(f"{table}.{c}" for c in bad)
            raise SchemaVersionError(
                f"{library.path}: cannot write {names}: absent or of another type in this file"
            )


@contextmanager
def write_transaction(touches: Iterable[tuple[str, str]] = ()) -> Iterator[MixxxLibrary]:
    """One short ``BEGIN IMMEDIATE`` transaction; everything rolls back on any error.

    ``touches`` lists the ``(table, column)`` pairs the write sets; each must exist and
    match in the file. Raises ReadOnlyError, SchemaVersionError, DatabaseBusyError.
    """
    library = current_library()
    _check_writable(library, touches)
    if library.before_write is not None and not db.in_transaction():
        made = library.before_write(library)  # outside the transaction: it must not hold the lock
        if isinstance(made, Path):
            library.backups_made.append(made)
    with immediate_transaction():
        yield library


def guard_notes(kind: str, *, force: bool, dry_run: bool) -> list[str]:
    """The running-Mixxx guard for a write of ``kind`` (:mod:`mixxx_peewee.running`) on the
    open library: notes to report; a dry run reports a refusal as a note instead of raising.

    Raises MixxxRunningError (a real write Mixxx would undo, unless ``force``).
    """
    library = current_library()
    try:
        return check_mixxx_guard(kind, library.path, force=force)
    except MixxxRunningError as exc:
        if dry_run:
            return [f"would be refused: {exc}"]
        raise
