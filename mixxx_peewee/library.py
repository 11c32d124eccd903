"""The open library: finding ``mixxxdb.sqlite``, opening it, fitting the models, writing.

:func:`open_library` finds the file, connects (:mod:`mixxx_peewee.core.connection`), inspects
its schema (:mod:`mixxx_peewee.core.inspection`), fits the models to it, registers our SQL
functions and returns a :class:`MixxxLibrary` handle (also a context manager). Read-only
opens use ``mode=ro`` and change nothing: not the journal mode, not a byte of the file.
A writable open that only reads changes nothing either: the first write asks for WAL
(falling back quietly when the switch is not possible right now) and sets up the change
journal (:func:`prepare_write`). ``foreign_keys`` is never turned on: Mixxx's REFERENCES
clauses are broken. Every write runs inside :func:`write_transaction` (``BEGIN IMMEDIATE``),
after the library's ``before_write`` hook (by default the automatic daily backup of
:mod:`mixxx_peewee.backups.copying`).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from mixxx_peewee.backups.copying import auto_backup_before_write
from mixxx_peewee.core import sqlfunctions
from mixxx_peewee.core.connection import check_file
from mixxx_peewee.core.connection import connect
from mixxx_peewee.core.connection import connected_path
from mixxx_peewee.core.connection import db
from mixxx_peewee.core.connection import disconnect
from mixxx_peewee.core.connection import immediate_transaction
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import translate_sqlite_error
from mixxx_peewee.core.inspection import SchemaReport
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.running import check_mixxx_guard
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import LibraryNotOpenError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.journal import capture
from mixxx_peewee.journal.journalfile import ChangeJournal
from mixxx_peewee.journal.journalfile import ChangeJournalWarning
from mixxx_peewee.journal.journalfile import JournalUnavailable
from mixxx_peewee.journal.journalfile import journal_path
from mixxx_peewee.journal.operation import current_operation
from mixxx_peewee.journal.operation import note_guard
from mixxx_peewee.models import adapt_models

__all__ = [
    "DB_FILENAME",
    "BeforeWrite",
    "MixxxLibrary",
    "check_file_writable",
    "current_library",
    "default_locations",
    "drop_scratch_files",
    "find_database",
    "guard_notes",
    "journal_off",
    "open_library",
    "prepare_write",
    "settle_journal",
    "whole_library_change",
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
    # The change journal (:mod:`mixxx_peewee.journal.capture`): True (beside the file, unless
    # $MIXXX_PEEWEE_CHANGE_JOURNAL=0), False, or the journal file to use.
    change_journal: bool | str | os.PathLike[str] = True
    # Why the change journal is off for this open (None: on, or not needed yet).
    journal_off: str | None = None
    # The first write asked for requested_journal_mode (never the open: reads never write).
    journal_mode_asked: bool = False
    # Write transactions committed during this open (the CLI's "interrupted" line says so).
    writes_committed: int = 0
    _journal: ChangeJournal | None = field(default=None, repr=False)
    _capture: list[capture.Captured] | None = field(default=None, repr=False)

    @property
    def wal(self) -> bool:
        """Whether the file is in WAL mode."""
        return self.journal_mode == "wal"

    def journal_file(self) -> Path | None:
        """Where this library's change journal is (None: the journal is turned off)."""
        setting = self.change_journal
        if setting is True:
            env = os.environ.get("MIXXX_PEEWEE_CHANGE_JOURNAL", "")
            if env.lower() in ("0", "off", "false", "no"):
                return None
            if env and env.lower() not in ("1", "on", "true", "yes"):
                return Path(os.path.expanduser(env))
            return journal_path(self.path)
        if setting is False:
            return None
        return Path(os.path.expanduser(os.fspath(setting)))

    def open_journal(self, *, create: bool = True) -> ChangeJournal:
        """The change journal, opened once per open; raises JournalUnavailable (why not)."""
        if self._journal is not None:
            return self._journal
        where = self.journal_file()
        if where is None:
            raise JournalUnavailable("the change journal is turned off")
        journal = ChangeJournal(where, self.path, busy_timeout_ms=self.busy_timeout_ms)
        journal.open(create=create)
        if create and not self.readonly:
            self._journal = journal
        return journal

    def close(self) -> None:
        """Close the connection (the handle is no longer current)."""
        global _current
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self._capture = None
        disconnect()
        if self.release_wal_files:
            self.release_wal_files = False
            drop_scratch_files(self.path)
        if _current is self:
            _current = None

    def __enter__(self) -> MixxxLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def drop_scratch_files(path: Path) -> None:
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
    change_journal: bool | str | os.PathLike[str] = True,
) -> MixxxLibrary:
    """Open a Mixxx library and fit the models to it; usable as a context manager.

    ``journal_mode`` is what the first write asks for: ``"wal"`` (default), ``"delete"`` or
    ``"keep"``; the open never changes it (reads never write). With ``strict`` (default) a
    schema the package must refuse raises SchemaVersionError; ``strict=False`` opens it for
    inspection only.
    Raises DatabaseNotFoundError, DatabaseConnectionError (and its subclasses
    NotAMixxxDatabaseError, CorruptDatabaseError), DatabaseBusyError, SchemaVersionError.
    ``auto_backup``: before a write, back up to ``backups/`` when the newest backup is over a
    day old (True, default; ``MIXXX_PEEWEE_AUTO_BACKUP=0`` turns it off), never (False), or
    once before the first write of this open (``"force"``); see :mod:`mixxx_peewee.backups.copying`.
    ``before_write(library)`` runs before every write transaction, outside it; the default
    makes that automatic backup (None: no hook at all).
    ``change_journal``: record every write for history and undo in a file beside the
    library (True, default; ``MIXXX_PEEWEE_CHANGE_JOURNAL=0`` turns it off, a path there
    moves it), not at all (False), or in the journal file given; see
    :mod:`mixxx_peewee.journal.capture`.
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
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
        if readonly or report.verdict is Verdict.REFUSE:
            note = f"{mode} (unchanged: {'read-only open' if readonly else 'schema refused'})"
        elif requested in ("keep", mode):
            note = f"{mode} (unchanged)"
        else:
            note = f"{mode} (the first write switches it to {requested})"
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
        change_journal=change_journal,
    )
    return _current


def check_file_writable(library: MixxxLibrary) -> None:
    """Refuse a write up front, before any backup or journal file, when the library file or
    its folder cannot be written (``chmod 444``, a read-only mount, a read-only folder).

    Raises ReadOnlyError.
    """
    path = library.path
    # access() is the kernel's own answer: EROFS on a read-only mount even for root, who
    # may write a chmod-444 file anyway (SQLite then writes it too).
    if not os.access(path, os.W_OK):
        raise ReadOnlyError(f"{path}: the file is read-only; nothing written")
    real = Path(os.path.realpath(path))  # SQLite puts its files beside the real file
    if os.access(real.parent, os.W_OK | os.X_OK):
        return
    scratch = [Path(f"{real}{suffix}") for suffix in ("-wal", "-shm")]
    if library.journal_mode == "wal" and all(os.access(f, os.W_OK) for f in scratch):
        return  # a WAL file whose -wal and -shm exist (Mixxx runs): nothing to create
    raise ReadOnlyError(
        f"{path}: its folder {real.parent} is read-only (a write needs SQLite's journal files"
        " there); nothing written"
    )


def _check_writable(library: MixxxLibrary, touches: Iterable[tuple[str, str]]) -> None:
    if library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    if not library.schema.verdict.can_write:
        raise SchemaVersionError(f"{library.path}: {library.schema.reason}")
    check_file_writable(library)
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
    if db.in_transaction():
        with immediate_transaction():  # a savepoint: the outer transaction records
            yield library
        return
    if library.before_write is not None:
        made = library.before_write(library)  # outside the transaction: it must not hold the lock
        if isinstance(made, Path):
            library.backups_made.append(made)
    journal = prepare_write(library)
    number: int | None = None
    try:
        with immediate_transaction():
            if journal is not None:
                journal = _settle(library, journal)
            yield library
            if journal is not None:
                number = _record(library, journal)
    except BaseException:
        capture.stop_capture()  # a body that raised never reached _record: end it here
        if number is not None and journal is not None:
            _forget(library, journal, number)
        raise
    library.writes_committed += 1
    if number is not None and journal is not None:
        _own_record(journal, number)


def prepare_write(library: MixxxLibrary) -> ChangeJournal | None:
    """The first write's set-up, once per open: the journal mode, then the change journal.

    Returns the journal (None: off). Never done at the open, so a writable open that only
    reads writes nothing: not the journal mode, not a change journal file.
    """
    if not library.journal_mode_asked:
        library.journal_mode_asked = True
        conn = raw_connection()
        note = _switch_journal(conn, library.requested_journal_mode, library.busy_timeout_ms)
        library.journal_mode, library.journal_note = note.split(" ", 1)[0], note
    return _journal_for_write(library)


def _own_record(journal: ChangeJournal, number: int) -> None:
    """Confirm a change now, or leave it to the journalled operation that owns it."""
    operation = current_operation()
    if operation is None:
        journal.confirm([number])
    else:
        operation.recorded.append(number)
        operation.journal = journal


@contextmanager
def whole_library_change(saved: Path) -> Iterator[None]:
    """Record a change that replaces the whole file (a restore), ``saved`` the copy of the
    library before it: pending before the replacement, done after; undo puts ``saved`` back.
    """
    library = current_library()
    journal = prepare_write(library)
    number: int | None = None
    if journal is not None:
        operation = current_operation()
        try:
            number = journal.record(
                [],
                operation=operation.name if operation else "write",
                arguments=operation.arguments if operation else {},
                guard=operation.guard if operation else None,
                undoes=operation.undoes if operation else None,
                backup=str(saved),
            )
        except (sqlite3.Error, JournalUnavailable) as exc:
            journal_off(library, f"{journal.path}: cannot record ({exc})")
            journal = None
    try:
        yield
    except BaseException:
        capture.stop_capture()  # a body that raised never reached _record: end it here
        if number is not None and journal is not None:
            _forget(library, journal, number)
        raise
    library.writes_committed += 1
    if library._capture is not None:  # the schema was replaced: watch the new tables
        library._capture = capture.install_capture(raw_connection())
    if number is not None and journal is not None:
        _own_record(journal, number)


def settle_journal(library: MixxxLibrary) -> None:
    """Settle changes a killed process left pending, under a short write lock (the library
    is not changed: only compared with the pending images). Writable opens only."""
    if library.readonly or db.in_transaction():
        return
    journal = _journal_for_write(library)
    if journal is None or not journal.has_pending():
        return
    with immediate_transaction():
        journal.resolve_pending(raw_connection())


def journal_off(library: MixxxLibrary, reason: str) -> None:
    """Turn the change journal off for this open, saying why once (a ChangeJournalWarning)."""
    if library.journal_off is None:
        library.journal_off = reason
        warnings.warn(
            f"change journal off: {reason}; writes go ahead unrecorded (no undo)",
            ChangeJournalWarning,
            stacklevel=4,
        )
    if library._journal is not None:
        library._journal.close()
        library._journal = None
    if library._capture is not None:
        try:
            capture.remove_capture(raw_connection())
        except sqlite3.Error:
            pass
        library._capture = None


def _journal_for_write(library: MixxxLibrary) -> ChangeJournal | None:
    """The journal this write records in, with the capture triggers ready; None when off."""
    if library.journal_off is not None or library.journal_file() is None:
        return None
    try:
        journal = library.open_journal()
        if library._capture is None:
            library._capture = capture.install_capture(raw_connection())
    except JournalUnavailable as exc:
        journal_off(library, str(exc))
        return None
    except sqlite3.Error as exc:
        journal_off(library, f"cannot watch the write ({exc})")
        return None
    return journal


def _settle(library: MixxxLibrary, journal: ChangeJournal) -> ChangeJournal | None:
    """Settle pending changes of a killed process; we hold the library's write lock now."""
    try:
        journal.resolve_pending(raw_connection())
    except (sqlite3.Error, JournalUnavailable) as exc:
        journal_off(library, f"{journal.path}: {exc}")
        return None
    capture.start_capture(raw_connection(), library._capture or [])
    return journal


def _record(library: MixxxLibrary, journal: ChangeJournal) -> int | None:
    """Gather the write's row images and commit them as a pending change (before the
    library commits); None when the write changed nothing."""
    state = capture.stop_capture()
    images = capture.gather(state) if state is not None else []
    if not images:
        return None
    operation = current_operation()
    try:
        return journal.record(
            images,
            operation=operation.name if operation else "write",
            arguments=operation.arguments if operation else {},
            guard=operation.guard if operation else None,
            undoes=operation.undoes if operation else None,
        )
    except (sqlite3.Error, JournalUnavailable) as exc:
        journal_off(library, f"{journal.path}: cannot record ({exc})")
        return None


def _forget(library: MixxxLibrary, journal: ChangeJournal, number: int) -> None:
    """The library write failed after its change was recorded: drop the record."""
    try:
        journal.forget(number)
    except (sqlite3.Error, JournalUnavailable):
        pass  # left pending: the next write finds the library as before and drops it


def guard_notes(kind: str, *, force: bool, dry_run: bool) -> list[str]:
    """The running-Mixxx guard for a write of ``kind`` (:mod:`mixxx_peewee.core.running`) on the
    open library: notes to report; a dry run reports a refusal as a note instead of raising.

    Raises MixxxRunningError (a real write Mixxx would undo, unless ``force``).
    """
    library = current_library()
    note_guard(kind)
    try:
        return check_mixxx_guard(kind, library.path, force=force)
    except MixxxRunningError as exc:
        if dry_run:
            return [f"would be refused: {exc}"]
        raise
