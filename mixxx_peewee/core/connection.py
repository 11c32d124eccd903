"""The bottom layer: the deferred database, opening a file, error translation, statements.

One module-level ``SqliteDatabase(None)`` serves every model; :func:`connect` points it at
one file (``mode=ro`` or ``mode=rw`` URIs: opening never creates a file). Every SQLite
error that reaches a caller is translated to one of our typed, one-line errors naming the
path. Nothing here knows about Mixxx's schema: :mod:`mixxx_peewee.library` builds the open
library on top of it.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee

from mixxx_peewee.errors import CorruptDatabaseError
from mixxx_peewee.errors import DatabaseBusyError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import LibraryNotOpenError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError

__all__ = [
    "SQLITE_MAGIC",
    "check_file",
    "connect",
    "connected_path",
    "db",
    "disconnect",
    "execute",
    "executemany",
    "hot_journal_error",
    "immediate_transaction",
    "large_page_cache",
    "open_read_only",
    "quote_name",
    "raw_connection",
    "read_error",
    "read_transaction",
    "sqlite_uri",
    "translate_sqlite_error",
    "why",
]

SQLITE_MAGIC = b"SQLite format 3\x00"

# Deferred: every model is bound to it; connect() points it at a file.
db = peewee.SqliteDatabase(None, autoconnect=False)

_path: Path | None = None  # the file db is connected to, for error messages


def sqlite_uri(path: str | os.PathLike[str], mode: str) -> str:
    """A ``file:`` URI for ``path`` opened with ``mode`` (``ro`` or ``rw``: never creates)."""
    return "file:" + urllib.parse.quote(str(Path(path).absolute())) + f"?mode={mode}"


_SIZE_CHECKS = 5  # a header/size mismatch must persist this many looks, 20 ms apart


def check_file(path: Path) -> None:
    """Reject what SQLite would happily treat as an empty database or fail on later.

    Raises DatabaseConnectionError, NotAMixxxDatabaseError, CorruptDatabaseError.
    """
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
    for attempt in range(_SIZE_CHECKS):
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        counter_ok = header[24:28] == header[92:96]
        size = path.stat().st_size
        if not (counter_ok and pages and pages * page_size > size):
            return
        if attempt + 1 < _SIZE_CHECKS:
            # A checkpoint of another process (Mixxx, in WAL mode) may write page 1 an
            # instant before the pages that grow the file: look again before judging.
            time.sleep(0.02)
            with open(path, "rb") as handle:
                header = handle.read(100)
    raise CorruptDatabaseError(
        f"{path}: truncated database ({size} bytes, header says {pages * page_size})"
    )


def why(exc: BaseException) -> str:
    """A short reason for an OS or SQLite error (the words inside our one-line messages)."""
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


def quote_name(name: str) -> str:
    """An SQL identifier quoted for SQLite (``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


def hot_journal_error(path: Path | str) -> DatabaseConnectionError:
    """The error of a read-only open that meets a crashed program's hot journal."""
    return DatabaseConnectionError(
        f"{path}: a crashed program left a hot journal; open it once without read-only"
        " so SQLite can roll it back"
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
    return DatabaseConnectionError(f"{where}{text}")


def open_read_only(
    path: Path | str, *, immutable: bool = False, timeout_ms: int = 5000
) -> sqlite3.Connection:
    """A connection of its own to the file ``path``, read-only: it never creates or writes it.

    ``immutable``: no lock taken and no ``-wal`` read either (a file nothing writes, such as
    a backup being listed). The file's first page is read now, so what would fail the first
    read fails here, as one of our typed errors naming ``path`` (a hot journal says how to
    roll it back). ``timeout_ms`` is how long a read waits for another program's lock.
    Raises DatabaseConnectionError (NotAMixxxDatabaseError, CorruptDatabaseError),
    DatabaseBusyError.
    """
    uri = sqlite_uri(path, "ro") + ("&immutable=1" if immutable else "")
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout_ms / 1000)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise read_error(exc, path) from None
    return conn


def read_error(exc: BaseException, path: Path | str) -> Exception:
    """The error of a read-only open or ATTACH of ``path`` as ours, one line naming it.

    A read-only connection cannot roll a crashed program's hot journal back: that error
    says how to (open it once writable).
    """
    text = str(exc).lower()
    if "unable to open" in text:
        return DatabaseConnectionError(f"{path}: unable to open database file")
    if "readonly" in text:
        return hot_journal_error(path)
    return translate_sqlite_error(exc, path)


def connect(path: Path, *, readonly: bool, busy_timeout_ms: int) -> sqlite3.Connection:
    """Point :data:`db` at ``path`` and open it; raises our typed errors, one line each."""
    global _path
    disconnect()
    db.init(
        sqlite_uri(path, "ro" if readonly else "rw"),
        pragmas=[("busy_timeout", int(busy_timeout_ms))],
        timeout=busy_timeout_ms / 1000,  # type: ignore[arg-type]
        uri=True,
        check_same_thread=False,
    )
    try:
        db.connect()
        # The header check passed; this is the first read of the schema.
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()  # type: ignore[no-untyped-call]
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if not db.is_closed():
            db.close()
        if readonly:
            raise read_error(exc, path) from None
        if "unable to open" in str(exc).lower():
            raise DatabaseConnectionError(f"{path}: unable to open database file") from None
        raise translate_sqlite_error(exc, path) from None
    _path = path
    return raw_connection()


def raw_connection() -> sqlite3.Connection:
    """The open sqlite3 connection behind :data:`db` (for pragmas and the backup API)."""
    connection: sqlite3.Connection = db.connection()  # type: ignore[no-untyped-call]
    return connection


def disconnect() -> None:
    """Close the connection, if any."""
    global _path
    if not db.is_closed():
        db.close()
    _path = None


def connected_path() -> Path:
    """The file :data:`db` is connected to; raises LibraryNotOpenError if none."""
    if _path is None or db.is_closed():
        raise LibraryNotOpenError("no library is open; call open_library() first")
    return _path


@contextmanager
def read_transaction() -> Iterator[None]:
    """A short deferred read transaction for a consistent multi-statement read."""
    path = connected_path()
    try:
        with db.atomic():
            yield
    except (peewee.IntegrityError, sqlite3.IntegrityError):
        raise
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        # Includes "database disk image is malformed": a typed error, not a raw one.
        raise translate_sqlite_error(exc, path) from None


@contextmanager
def immediate_transaction() -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; everything rolls back on any error (translated)."""
    path = connected_path()
    try:
        with db.atomic("IMMEDIATE"):
            yield
    except (peewee.OperationalError, sqlite3.OperationalError) as exc:
        # SQLite rolls back by itself on SQLITE_FULL/IOERR; then our ROLLBACK fails: show why.
        cause: BaseException | None = exc
        while cause is not None and "no transaction is active" in str(cause):
            cause = cause.__context__
        raise translate_sqlite_error(cause or exc, path) from None
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, (peewee.IntegrityError, sqlite3.IntegrityError)):
            raise
        raise translate_sqlite_error(exc, path) from None


def execute(sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
    """Run one parameterised statement on the open library (errors translated)."""
    path = connected_path()
    try:
        cursor: sqlite3.Cursor = db.execute_sql(sql, tuple(params))  # type: ignore[no-untyped-call]
    except (peewee.IntegrityError, sqlite3.IntegrityError):
        raise
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        raise translate_sqlite_error(exc, path) from None
    return cursor


def executemany(sql: str, rows: Iterable[Sequence[Any]]) -> int:
    """Run one parameterised statement for every row (errors translated); rows changed."""
    path = connected_path()
    try:
        return raw_connection().executemany(sql, rows).rowcount
    except sqlite3.IntegrityError:
        raise
    except sqlite3.DatabaseError as exc:
        raise translate_sqlite_error(exc, path) from None


@contextmanager
def large_page_cache(kib: int = 65536) -> Iterator[None]:
    """A bigger page cache for one big write: no spilling dirty pages mid-transaction."""
    before = execute("PRAGMA cache_size").fetchone()[0]
    execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        execute(f"PRAGMA cache_size = {int(before)}")
