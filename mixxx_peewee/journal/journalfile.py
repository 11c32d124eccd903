"""The change journal file beside the library: record, confirm, resolve, list, prune.

The journal is a small SQLite file beside the library (``mixxxdb.sqlite`` →
``mixxxdb.changes.sqlite``, :func:`journal_path`); Mixxx's file gets no table, column or
trigger of ours. :class:`ChangeJournal` writes each change *pending* first (committed in
the journal before the library commits), marks it *done* after, settles the ones a killed
process left pending (by comparing their images with the live rows), reads them back and
applies the retention: the newest 100 changes and none older than 30 days (both stored in
the journal, see :meth:`ChangeJournal.set_retention`). A journal that cannot be used raises
:class:`JournalUnavailable`; the library turns the journal off with one
:class:`ChangeJournalWarning`. Imports ``core.connection`` and ``journal.records``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
import zlib
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.journal.records import Change
from mixxx_peewee.journal.records import TableChanges
from mixxx_peewee.journal.records import compare_live

__all__ = [
    "DEFAULT_KEEP_CHANGES",
    "DEFAULT_KEEP_DAYS",
    "JOURNAL_SUFFIX",
    "ChangeJournal",
    "ChangeJournalWarning",
    "JournalUnavailable",
    "journal_path",
]

JOURNAL_SUFFIX = ".changes.sqlite"
FORMAT = 1
DEFAULT_KEEP_CHANGES = 100
DEFAULT_KEEP_DAYS = 30


class ChangeJournalWarning(UserWarning):
    """The change journal is off for this open (the write goes ahead unrecorded)."""


class JournalUnavailable(Exception):
    """Why the change journal cannot be used (one line)."""


def journal_path(library_path: Path) -> Path:
    """Where the change journal of the library file ``library_path`` lives."""
    return library_path.with_name(library_path.stem + JOURNAL_SUFFIX)


def _touched(changes: Sequence[TableChanges]) -> dict[str, dict[str, int]]:
    touched: dict[str, dict[str, int]] = {}
    for change in changes:
        counts = touched.setdefault(change.table, {})
        for kind, count in change.counts.items():
            counts[kind] = counts.get(kind, 0) + count
    return touched


def _encode(changes: TableChanges) -> bytes:
    return zlib.compress(changes.payload.encode("utf-8"), 1)


def _decode(table: str, blob: bytes) -> TableChanges:
    payload = zlib.decompress(blob).decode("utf-8")
    return TableChanges(table, (), {}, payload)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    made TEXT NOT NULL,
    operation TEXT NOT NULL,
    arguments TEXT NOT NULL,
    guard TEXT,
    state TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '[]',
    touched TEXT NOT NULL DEFAULT '{}',
    undoes INTEGER,
    undone_by INTEGER,
    backup TEXT
);
CREATE TABLE IF NOT EXISTS images (
    change INTEGER NOT NULL,
    part INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (change, part)
);
"""


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on the journal; ROLLBACK on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _why(exc: BaseException) -> str:
    """The first line of an error, as the journal's messages say it.

    Not ``core.connection.why``: that one says "disk full" for any text with "full" in it
    and blames Mixxx for a lock, where the journal's lock is another write of ours.
    """
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class ChangeJournal:
    """The change journal file of one library: record, confirm, resolve, list, prune."""

    def __init__(self, path: Path, library_path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.library_path = library_path
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: sqlite3.Connection | None = None

    # opening ---------------------------------------------------------------------------
    def open(self, *, create: bool = True) -> ChangeJournal:
        """Open (creating it if ``create``) and check it; raises JournalUnavailable."""
        exists = self.path.exists()
        if not exists and not create:
            raise JournalUnavailable(f"{self.path}: no change journal (no change recorded yet)")
        if not exists and not os.access(self.path.parent, os.W_OK):
            raise JournalUnavailable(f"cannot create {self.path} (folder not writable)")
        if exists and not create and not os.access(self.path, os.R_OK):
            raise JournalUnavailable(f"{self.path}: not readable")
        mode = "rwc" if create else "ro"
        if exists and create and not os.access(self.path, os.W_OK):
            raise JournalUnavailable(f"{self.path}: read-only file")
        uri = sqlite_uri(self.path, mode)
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise JournalUnavailable(f"{self.path}: cannot open ({_why(exc)})") from None
        conn.isolation_level = None  # we say BEGIN and COMMIT ourselves
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if create:
                if not exists:
                    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
                conn.execute("PRAGMA journal_mode = wal")
                conn.execute("PRAGMA synchronous = FULL")
                conn.executescript(_SCHEMA)
            self._check(conn, create=create)
        except JournalUnavailable:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            what = _why(exc)
            if "not a database" in what or "malformed" in what or "no such table" in what:
                raise JournalUnavailable(
                    f"{self.path} is damaged or not a change journal ({what});"
                    " move it away to start a new one"
                ) from None
            raise JournalUnavailable(f"{self.path}: {what}") from None
        self._conn = conn
        return self

    def _check(self, conn: sqlite3.Connection, *, create: bool) -> None:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        own = str(self.library_path.absolute())
        if not meta:
            if not create:
                raise JournalUnavailable(f"{self.path}: empty change journal")
            with _immediate(conn):
                conn.executemany(
                    "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("library", own),
                        ("created", _now()),
                        ("keep_changes", DEFAULT_KEEP_CHANGES),
                        ("keep_days", DEFAULT_KEEP_DAYS),
                    ],
                )
            return
        if meta.get("format") != FORMAT:
            raise JournalUnavailable(
                f"{self.path}: change journal format {meta.get('format')!r}, this version"
                f" reads {FORMAT}"
            )
        theirs = str(meta.get("library", ""))
        if theirs != own:
            other = Path(theirs)
            if other.exists() and not _same_file(other, self.library_path):
                raise JournalUnavailable(
                    f"{self.path} belongs to another library ({theirs}); move it away to"
                    " start a new one"
                )
            if create:  # the library moved (with its journal): follow it
                conn.execute("UPDATE meta SET value = ? WHERE key = 'library'", (own,))

    @property
    def conn(self) -> sqlite3.Connection:
        """The open journal connection."""
        if self._conn is None:
            raise JournalUnavailable(f"{self.path}: not open")
        return self._conn

    def close(self) -> None:
        """Close the journal file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # writing ----------------------------------------------------------------------------
    def record(
        self,
        images: Sequence[TableChanges],
        *,
        operation: str,
        arguments: dict[str, Any],
        guard: str | None,
        undoes: int | None = None,
        backup: str | None = None,
    ) -> int:
        """Commit one pending change (the library commits after this); returns its number."""
        conn = self.conn
        with _immediate(conn):
            cursor = conn.execute(
                "INSERT INTO changes (made, operation, arguments, guard, state, touched,"
                " undoes, backup) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                (
                    _now(),
                    operation,
                    json.dumps(arguments, ensure_ascii=False, default=str),
                    guard,
                    json.dumps(_touched(images)),
                    undoes,
                    backup,
                ),
            )
            number = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO images (change, part, tbl, data) VALUES (?, ?, ?, ?)",
                [(number, part, c.table, _encode(c)) for part, c in enumerate(images)],
            )
            if undoes is not None:
                conn.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (number, undoes))
        return number

    def confirm(self, numbers: Sequence[int], summary: list[str] | None = None) -> None:
        """Mark changes done (their library commit happened), then apply the retention."""
        if not numbers:
            return
        try:
            conn = self.conn
            with _immediate(conn):
                for number in numbers:
                    if summary is None:
                        conn.execute("UPDATE changes SET state = 'done' WHERE id = ?", (number,))
                    else:
                        conn.execute(
                            "UPDATE changes SET state = 'done', summary = ? WHERE id = ?",
                            (json.dumps(summary, ensure_ascii=False), number),
                        )
            self.prune()
        except (sqlite3.Error, JournalUnavailable) as exc:
            # Left pending: the next write resolves it against the library.
            warnings.warn(
                f"change journal: could not confirm change {numbers[0]} ({_why(exc)}); the"
                " next write settles it",
                ChangeJournalWarning,
                stacklevel=2,
            )

    def forget(self, number: int) -> None:
        """Drop a pending change whose library write did not happen."""
        conn = self.conn
        with _immediate(conn):
            conn.execute("DELETE FROM images WHERE change = ?", (number,))
            conn.execute("UPDATE changes SET undone_by = NULL WHERE undone_by = ?", (number,))
            conn.execute("DELETE FROM changes WHERE id = ?", (number,))

    def mark_undone(self, number: int, by: int) -> None:
        """Mark change ``number`` undone by change ``by`` (0: its rows were as before already)."""
        with _immediate(self.conn) as conn:
            conn.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (by, number))

    def has_pending(self) -> bool:
        """Whether a change waits to be settled (a killed process left it)."""
        found = self.conn.execute("SELECT 1 FROM changes WHERE state = 'pending' LIMIT 1")
        return found.fetchone() is not None

    def resolve_pending(self, library: sqlite3.Connection) -> None:
        """Settle changes left pending by a killed process (hold the library's write lock).

        A pending change whose rows are all as before it never reached the library: it is
        dropped. Otherwise the library has it (maybe changed since): it is done.
        """
        pending = [
            r[0] for r in self.conn.execute("SELECT id FROM changes WHERE state = 'pending'")
        ]
        for number in pending:
            change = self.get(number, rows=True)
            images = change.rows or []
            if (
                change.backup is None
                and images
                and all(s == "before" for s in compare_live(library, images))
            ):
                self.forget(number)
            else:
                self.confirm([number])

    def prune(self) -> None:
        """Apply the retention rule: the newest ``keep_changes``, none older than ``keep_days``."""
        conn = self.conn
        keep, days = self.retention()
        cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
        old = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM changes WHERE state = 'done' AND (made < ? OR id NOT IN"
                " (SELECT id FROM changes ORDER BY id DESC LIMIT ?))",
                (cutoff, keep),
            )
        ]
        if not old:
            return
        with _immediate(conn):
            marks = json.dumps(old)
            conn.execute(
                "DELETE FROM images WHERE change IN (SELECT value FROM json_each(?))", (marks,)
            )
            conn.execute(
                "DELETE FROM changes WHERE id IN (SELECT value FROM json_each(?))", (marks,)
            )
        conn.execute("PRAGMA incremental_vacuum")

    def retention(self) -> tuple[int, int]:
        """``(keep_changes, keep_days)`` of this journal."""
        meta = dict(
            self.conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('keep_changes', 'keep_days')"
            ).fetchall()
        )
        return int(meta.get("keep_changes", DEFAULT_KEEP_CHANGES)), int(
            meta.get("keep_days", DEFAULT_KEEP_DAYS)
        )

    def set_retention(self, keep_changes: int | None, keep_days: int | None) -> tuple[int, int]:
        """Store a new retention rule (and apply it); returns the rule now in force."""
        conn = self.conn
        with _immediate(conn):
            if keep_changes is not None:
                conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'keep_changes'", (keep_changes,)
                )
            if keep_days is not None:
                conn.execute("UPDATE meta SET value = ? WHERE key = 'keep_days'", (keep_days,))
        self.prune()
        return self.retention()

    # reading ----------------------------------------------------------------------------
    def changes(self, *, limit: int | None = None) -> list[Change]:
        """The changes, newest first (row images not loaded)."""
        rows = self.conn.execute(
            "SELECT * FROM changes ORDER BY id DESC LIMIT ?", (-1 if limit is None else limit,)
        ).fetchall()
        return [_change(r) for r in rows]

    def get(self, number: int, *, rows: bool = True) -> Change:
        """Change ``number`` (with its row images when ``rows``); raises KeyError if absent."""
        row = self.conn.execute("SELECT * FROM changes WHERE id = ?", (number,)).fetchone()
        if row is None:
            raise KeyError(number)
        change = _change(row)
        if rows:
            change.rows = []
            for table, blob in self.conn.execute(
                "SELECT tbl, data FROM images WHERE change = ? ORDER BY part", (number,)
            ):
                change.rows.extend(_decode(table, blob).images())
        return change


def _change(row: Sequence[Any]) -> Change:
    (number, made, operation, arguments, guard, state, summary, touched, undoes, undone_by,
     backup) = row  # fmt: skip
    return Change(
        id=number,
        made=made,
        operation=operation,
        arguments=json.loads(arguments),
        guard=guard,
        state=state,
        summary=json.loads(summary),
        touched=json.loads(touched),
        undoes=undoes,
        undone_by=undone_by,
        backup=backup,
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
