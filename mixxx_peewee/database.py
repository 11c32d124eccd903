"""The deferred database, finding and opening ``mixxxdb.sqlite``, pragmas and transactions.

One module-level ``SqliteDatabase(None)`` serves every model; :func:`open_library`
initialises it for one file and returns a :class:`MixxxLibrary` handle (also a context
manager). Read-only opens use ``mode=ro`` and change nothing: not the journal mode, not a
byte of the file. Writable opens ask for WAL (falling back quietly when the switch is not
possible right now). ``foreign_keys`` is never turned on: Mixxx's REFERENCES clauses are
broken. Every write runs inside :func:`write_transaction` (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import urllib.parse
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import peewee

from mixxx_peewee.errors import CorruptDatabaseError
from mixxx_peewee.errors import DatabaseBusyError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import LibraryNotOpenError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError

if TYPE_CHECKING:
    from mixxx_peewee.inspection import SchemaReport

__all__ = [
    "DB_FILENAME",
    "MixxxLibrary",
    "current_library",
    "db",
    "default_locations",
    "find_database",
    "open_library",
    "read_transaction",
    "translate_sqlite_error",
    "write_transaction",
]

DB_FILENAME = "mixxxdb.sqlite"
SQLITE_MAGIC = b"SQLite format 3\x00"

# Deferred: every model is bound to it; open_library() points it at a file.
db = peewee.SqliteDatabase(None, autoconnect=False)

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


def _check_file(path: Path) -> None:
    """Reject what SQLite would happily treat as an empty database or fail on later."""
    if path.is_dir():
        raise DatabaseConnectionError(f"{path}: is a directory, not a database file")
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except PermissionError:
        raise DatabaseConnectionError(f"{path}: permission denied") from None
    except OSError as exc:
        raise DatabaseConnectionError(f"{path}: cannot read ({exc.strerror})") from None
    if not header:
        raise NotAMixxxDatabaseError(f"{path}: empty file, not a Mixxx database")
    if not header.startswith(SQLITE_MAGIC):
        raise NotAMixxxDatabaseError(f"{path}: not a SQLite database (so not a Mixxx library)")
    if len(header) < 100:
        raise CorruptDatabaseError(f"{path}: truncated SQLite header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_ok = header[24:28] == header[92:96]
    if counter_ok and pages and pages * page_size > path.stat().st_size:
        raise CorruptDatabaseError(
            f"{path}: truncated database ({path.stat().st_size} bytes, header says "
            f"{pages * page_size})"
        )


def translate_sqlite_error(exc: BaseException, path: Path | str | None = None) -> Exception:
    """Map a sqlite3/peewee error to one of our typed errors with a one-line message."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    where = f"{path}: " if path else ""
    low = text.lower()
    if "locked" in low or "busy" in low:
        return DatabaseBusyError(
            f"{where}database is busy (another program, probably Mixxx, holds the lock)"
        )
    if "malformed" in low or "corrupt" in low:
        return CorruptDatabaseError(f"{where}database disk image is malformed")
    if "not a database" in low or "file is encrypted" in low:
        return NotAMixxxDatabaseError(f"{where}not a SQLite database (so not a Mixxx library)")
    if "readonly" in low or "read-only" in low:
        return ReadOnlyError(f"{where}attempt to write a read-only database")
    if "disk is full" in low or "disk i/o" in low:
        return DatabaseConnectionError(f"{where}{text}")
    return DatabaseConnectionError(f"{where}{text}")


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
    # A read-only open of a WAL file made the -wal/-shm files itself: remove them on close.
    release_wal_files: bool = False

    @property
    def wal(self) -> bool:
        """Whether the file is in WAL mode."""
        return self.journal_mode == "wal"

    def close(self) -> None:
        """Close the connection (the handle is no longer current)."""
        global _current
        if not db.is_closed():
            db.close()
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
        uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        pass  # best effort: SQLite reuses the files harmlessly


def current_library() -> MixxxLibrary:
    """The library opened by :func:`open_library`; raises LibraryNotOpenError if none."""
    if _current is None or db.is_closed():
        raise LibraryNotOpenError("no library is open; call open_library() first")
    return _current


def _connect(path: Path, readonly: bool, busy_timeout_ms: int) -> None:
    mode = "ro" if readonly else "rw"  # rw never creates a file
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + f"?mode={mode}"
    db.init(
        uri,
        pragmas=[("busy_timeout", int(busy_timeout_ms))],
        timeout=busy_timeout_ms / 1000,  # type: ignore[arg-type]
        uri=True,
        check_same_thread=False,
    )
    try:
        db.connect()
        # The header check passed; this is the first read of the schema.
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if not db.is_closed():
            db.close()
        text = str(exc).lower()
        if "unable to open" in text:
            raise DatabaseConnectionError(f"{path}: unable to open database file") from None
        if readonly and "readonly" in text:
            raise DatabaseConnectionError(
                f"{path}: a crashed program left a hot journal; open it once without read-only"
                " so SQLite can roll it back"
            ) from None
        raise translate_sqlite_error(exc, path) from None


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
) -> MixxxLibrary:
    """Open a Mixxx library and fit the models to it; usable as a context manager.

    ``journal_mode`` is ``"wal"`` (default), ``"delete"`` or ``"keep"``; read-only opens
    never change it. With ``strict`` (default) a schema the package must refuse raises
    SchemaVersionError; ``strict=False`` opens it for inspection only.
    Raises DatabaseNotFoundError, DatabaseConnectionError (and its subclasses
    NotAMixxxDatabaseError, CorruptDatabaseError), DatabaseBusyError, SchemaVersionError.
    ``auto_backup``: before a write, back up to ``backups/`` when the newest backup is over a
    day old (True, default; ``MIXXX_PEEWEE_AUTO_BACKUP=0`` turns it off), never (False), or
    once before the first write of this open (``"force"``); see :mod:`mixxx_peewee.maintenance`.
    """
    global _current
    from mixxx_peewee.inspection import Verdict
    from mixxx_peewee.inspection import inspect_schema
    from mixxx_peewee.models import adapt_models

    requested = journal_mode.lower()
    if requested not in ("wal", "delete", "keep"):
        raise ValueError(f"journal_mode must be 'wal', 'delete' or 'keep', not {journal_mode!r}")
    if _current is not None:
        _current.close()
    resolved = find_database(path)
    _check_file(resolved)
    scratch_absent = not any(Path(f"{resolved}{s}").exists() for s in ("-wal", "-shm"))
    _connect(resolved, readonly, busy_timeout_ms)
    conn = db.connection()
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
        db.close()
        raise translate_sqlite_error(exc, resolved) from None
    except Exception:
        db.close()
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
    from mixxx_peewee.maintenance import auto_backup_before_write

    auto_backup_before_write(library)  # outside the transaction: it must not hold the lock
    try:
        with db.atomic("IMMEDIATE"):
            yield library
    except (peewee.OperationalError, sqlite3.OperationalError) as exc:
        # SQLite rolls back by itself on SQLITE_FULL/IOERR; then our ROLLBACK fails: show why.
        cause: BaseException | None = exc
        while cause is not None and "no transaction is active" in str(cause):
            cause = cause.__context__
        raise translate_sqlite_error(cause or exc, library.path) from None
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, (peewee.IntegrityError, sqlite3.IntegrityError)):
            raise
        raise translate_sqlite_error(exc, library.path) from None


@contextmanager
def read_transaction() -> Iterator[MixxxLibrary]:
    """A short deferred read transaction for a consistent multi-statement read."""
    library = current_library()
    try:
        with db.atomic():
            yield library
    except (peewee.IntegrityError, sqlite3.IntegrityError):
        raise
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        # Includes "database disk image is malformed": a typed error, not a raw one.
        raise translate_sqlite_error(exc, library.path) from None


def execute(sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
    """Run one parameterised statement on the open library (errors translated)."""
    library = current_library()
    try:
        return db.execute_sql(sql, tuple(params))
    except (peewee.IntegrityError, sqlite3.IntegrityError):
        raise
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        raise translate_sqlite_error(exc, library.path) from None
