"""History and undo: the changes the change journal recorded, and taking one back.

:func:`list_changes` and :func:`get_change` read the journal (:mod:`mixxx_peewee.changejournal`);
:func:`undo_change` reverts one change when every row it touched is still as it left them,
in one write transaction, itself journalled (so an undo can be undone: a redo). Rows
changed since by Mixxx or another tool are conflicts: refused, or with ``force`` left as
they are and reported while the rest is reverted (playlist positions renumbered 1..n).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from mixxx_peewee.changejournal import DEFAULT_KEEP_CHANGES
from mixxx_peewee.changejournal import DEFAULT_KEEP_DAYS
from mixxx_peewee.changejournal import Change
from mixxx_peewee.changejournal import ChangeJournal
from mixxx_peewee.changejournal import JournalUnavailable
from mixxx_peewee.changejournal import RowImage
from mixxx_peewee.changejournal import TableChanges
from mixxx_peewee.changejournal import bulk_write
from mixxx_peewee.changejournal import compare_live
from mixxx_peewee.changejournal import current_operation
from mixxx_peewee.changejournal import journalled
from mixxx_peewee.changejournal import known_updates
from mixxx_peewee.connection import raw_connection
from mixxx_peewee.errors import ChangeJournalError
from mixxx_peewee.errors import ChangeNotFoundError
from mixxx_peewee.errors import UndoConflictError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import settle_journal
from mixxx_peewee.library import write_transaction
from mixxx_peewee.plan import WriteResult
from mixxx_peewee.plan import plural
from mixxx_peewee.playlists import ensure_positions
from mixxx_peewee.restoring import restore
from mixxx_peewee.running import EXCLUSIVE
from mixxx_peewee.running import STRUCTURE
from mixxx_peewee.running import TRACK_DATA

__all__ = [
    "get_change",
    "journal_retention",
    "journal_status",
    "list_changes",
    "undo_change",
]

# What a row of each Mixxx table is called in messages.
_ROW_NAMES = {
    "library": "track",
    "track_locations": "track location",
    "crates": "crate",
    "crate_tracks": "crate membership",
    "Playlists": "playlist",
    "PlaylistTracks": "playlist entry",
    "cues": "cue",
    "directories": "directory",
    "track_analysis": "analysis",
}
_STRUCTURE_TABLES = {"crates", "crate_tracks", "Playlists", "PlaylistTracks"}
_SHOWN_CONFLICTS = 10


@contextmanager
def _journal(library: MixxxLibrary, *, write: bool) -> Iterator[ChangeJournal]:
    """The library's change journal: the open's own when writing, else a read-only look."""
    try:
        if write and not library.readonly:
            yield library.open_journal()
            return
        # A read-only open of the library still writes our own file when asked to (keep).
        journal = library.open_journal(create=write)
    except JournalUnavailable as exc:
        raise ChangeJournalError(str(exc)) from None
    try:
        yield journal
    finally:
        if journal is not library._journal:
            journal.close()


def list_changes(*, limit: int | None = None) -> list[Change]:
    """The recorded changes of the open library, newest first (empty when none yet)."""
    library = current_library()
    where = library.journal_file()
    if where is None or not where.exists():
        return []
    settle_journal(library)  # a writable open settles what a killed process left pending
    with _journal(library, write=False) as journal:
        return journal.changes(limit=limit)


def journal_status() -> str:
    """One line on the change journal: where it is and how many changes it holds (or why
    it is off); reads only."""
    library = current_library()
    where = library.journal_file()
    if where is None:
        return "off (MIXXX_PEEWEE_CHANGE_JOURNAL=0 or change_journal=False)"
    if library.journal_off is not None:
        return f"off ({library.journal_off})"
    if not where.exists():
        return f"{where} (no change recorded yet)"
    try:
        with _journal(library, write=False) as journal:
            changes = journal.changes()
    except ChangeJournalError as exc:
        return f"off ({exc})"
    if not changes:
        return f"{where} (no change recorded yet)"
    return f"{where} ({plural(len(changes), 'change')}, newest {changes[0].made[:19]}Z)"


def get_change(number: int) -> Change:
    """Change ``number`` with the rows it touched (``rows``); raises ChangeNotFoundError."""
    library = current_library()
    with _journal(library, write=False) as journal:
        try:
            return journal.get(int(number))
        except KeyError:
            raise ChangeNotFoundError(f"no change {number} in {journal.path}") from None


def journal_retention(
    keep_changes: int | None = None, keep_days: int | None = None
) -> tuple[int, int]:
    """The change journal's retention ``(changes, days)``; with arguments, set it first."""
    for value, what in ((keep_changes, "changes to keep"), (keep_days, "days to keep")):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValidationError(f"{what} must be a whole number of at least 1, not {value!r}")
    library = current_library()
    changing = keep_changes is not None or keep_days is not None
    where = library.journal_file()
    if not changing and (where is None or not where.exists()):
        return DEFAULT_KEEP_CHANGES, DEFAULT_KEEP_DAYS  # the rule a new journal starts with
    with _journal(library, write=changing) as journal:
        if changing:
            return journal.set_retention(keep_changes, keep_days)
        return journal.retention()


def _label(image: RowImage) -> str:
    return f"{_ROW_NAMES.get(image.table, image.table)} {image.rowid}"


def _short(value: Any) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _row_text(columns: Sequence[str], values: Sequence[Any] | None) -> str:
    """``crate_id 9, track_id 1``: a row's first values, to recognise it."""
    pairs = [f"{c} {_short(v)}" for c, v in zip(columns, values or (), strict=False)]
    return ", ".join(pairs[:4]) + (", …" if len(pairs) > 4 else "")


def _describe(image: RowImage) -> str:
    """What undoing ``image`` does, in one line."""
    if image.kind == "insert":
        return f"remove {_label(image)} ({_row_text(image.columns, image.after)})"
    if image.kind == "delete":
        return f"put back {_label(image)} ({_row_text(image.columns, image.before)})"
    assert image.before is not None and image.after is not None
    pairs = ", ".join(
        f"{c} {_short(a)} -> {_short(b)}"
        for c, a, b in zip(image.columns, image.after, image.before, strict=True)
    )
    return f"{_label(image)}: {pairs}"


def _guard_kind(change: Change) -> str:
    """The running-Mixxx guard of the change's operation (from what it touched if unknown)."""
    if change.backup is not None:
        return EXCLUSIVE
    if change.guard:
        return change.guard
    return STRUCTURE if set(change.touched) <= _STRUCTURE_TABLES else TRACK_DATA


def _target(journal: ChangeJournal, number: int | None) -> Change:
    """Change ``number``, or the newest change not undone that is no undo itself."""
    if number is None:
        for change in journal.changes():
            if change.undone_by is None and change.undoes is None:
                return journal.get(change.id)
        raise ChangeNotFoundError(f"nothing to undo: no change left in {journal.path}")
    try:
        return journal.get(int(number))
    except KeyError:
        raise ChangeNotFoundError(f"no change {number} in {journal.path} (see `history`)") from None


def _conflict_lines(images: Sequence[RowImage], states: Sequence[str]) -> list[str]:
    return [
        f"{_label(image)} ({', '.join(image.columns[:4])}) changed since change"
        for image, state in zip(images, states, strict=True)
        if state == "other"
    ]


@journalled
def undo_change(
    change: int | None = None, *, force: bool = False, dry_run: bool = False
) -> WriteResult:
    """Revert change ``change`` (default: the newest not yet undone that is no undo).

    Refused with UndoConflictError naming the rows Mixxx or another tool changed since,
    unless ``force``: then what can be reverted is, and the rest is reported (notes).
    ``force`` also lets it run beside a running Mixxx, like the original operation's
    ``force``. Raises ChangeNotFoundError, ChangeJournalError, MixxxRunningError.
    """
    library = current_library()
    with _journal(library, write=not dry_run) as journal:
        target = _target(journal, change)
    result = WriteResult("undo_change", dry_run=dry_run, value=target.id)
    if target.undone_by is not None:
        by = "nothing left to revert" if target.undone_by == 0 else f"change {target.undone_by}"
        raise ValidationError(
            f"change {target.id} is undone already ({by}); undo {target.undone_by} to redo it"
            if target.undone_by
            else f"change {target.id} is undone already ({by})"
        )
    result.notes.extend(guard_notes(_guard_kind(target), force=force, dry_run=dry_run))
    what = f"change {target.id} ({target.operation}, {target.made[:19].replace('T', ' ')} UTC)"
    if target.backup is not None:
        return _undo_restore(target, what, result, force=force, dry_run=dry_run)
    images = target.rows or []
    states = compare_live(raw_connection(), images)
    _plan(result, what, images, states, force=force)
    if dry_run:
        return result
    if not result.changes:
        if not any(state == "other" for state in states):
            with _journal(library, write=True) as journal:
                journal.mark_undone(target.id, 0)  # as before already: `undo` moves on
        return result
    operation = current_operation()
    if operation is not None:
        operation.undoes = target.id
    planned = _to_revert(images, states, force=force, what=what)
    prepared = _prepare(planned, force=force)  # the slow part, before the lock
    with write_transaction():
        conn = raw_connection()
        states = compare_live(conn, images)  # again, under the lock: Mixxx may have written
        todo = _to_revert(images, states, force=force, what=what)
        if todo != planned:  # changed meanwhile (only possible with force): say what now
            _plan(result, what, images, states, force=force)
            prepared = _prepare(todo, force=force)
        skipped = _apply(conn, prepared, force=force)
        if skipped:
            shown = "; ".join(skipped[:_SHOWN_CONFLICTS])
            result.notes.append(f"{plural(len(skipped), 'row')} could not be put back: {shown}")
        for playlist in sorted(_playlists_of(todo)):
            if ensure_positions(playlist):
                result.notes.append(f"playlist {playlist}: positions renumbered 1..n")
    return result


def _plan(
    result: WriteResult,
    what: str,
    images: Sequence[RowImage],
    states: Sequence[str],
    *,
    force: bool,
) -> list[RowImage]:
    """Fill ``result`` with what undoing ``images`` does; the rows to revert.

    Raises UndoConflictError when a row was changed since and not ``force``.
    """
    conflicts = _conflict_lines(images, states)
    todo = _to_revert(images, states, force=force, what=what)
    already = sum(1 for state in states if state == "before")
    result.changes = [f"undo {what}"] if todo else []
    result.changes += [_describe(image) for image in todo]
    counts = {"reverted": len(todo), "already as before": already, "left": len(conflicts)}
    result.counts = {k: v for k, v in counts.items() if v or k == "reverted"}
    if already:
        result.keep(f"{plural(already, 'row')} already as before {what}")
    if conflicts:
        result.notes.append(
            f"{plural(len(conflicts), 'row')} changed since by Mixxx or another tool, left "
            "as they are: " + "; ".join(conflicts[:_SHOWN_CONFLICTS])
        )
    if not todo:
        result.keep(f"nothing of {what} is left to revert")
    return todo


def _to_revert(
    images: Sequence[RowImage], states: Sequence[str], *, force: bool, what: str
) -> list[RowImage]:
    """The rows still as the change left them; raises UndoConflictError naming the others
    (rows changed since) unless ``force``."""
    conflicts = _conflict_lines(images, states)
    if conflicts and not force:
        shown = "; ".join(conflicts[:_SHOWN_CONFLICTS])
        more = f" and {len(conflicts) - _SHOWN_CONFLICTS:,} more" if len(conflicts) > 10 else ""
        raise UndoConflictError(
            f"cannot undo {what}: {plural(len(conflicts), 'row')} changed since by Mixxx or "
            f"another tool: {shown}{more}; nothing undone (--force reverts the rest)",
            conflicts,
        )
    return [image for image, state in zip(images, states, strict=True) if state == "after"]


@dataclass
class _Group:
    """One statement of the revert: its SQL, its rows, and (updates) its known images."""

    kind: str
    table: str
    sql: str
    images: list[RowImage]
    rows: list[tuple[Any, ...]]
    known: TableChanges | None = None


def _prepare(todo: Sequence[RowImage], *, force: bool) -> list[_Group]:
    """The revert's statements, in order: made rows removed, changed ones set back (in the
    order of the values they get back: an index like UNIQUE(location) is then updated page
    by page), removed ones put back with their rowid."""
    by_group: dict[tuple[str, str, tuple[str, ...]], list[RowImage]] = {}
    for image in todo:
        by_group.setdefault((image.kind, image.table, image.columns), []).append(image)
    order = {"insert": 0, "update": 1, "delete": 2}
    groups = []
    for (kind, table, columns), images in sorted(by_group.items(), key=lambda g: order[g[0][0]]):
        target = _quote(table)
        known = None
        if kind == "insert":
            sql = f"DELETE FROM {target} WHERE rowid = ?"
            rows = [(i.rowid,) for i in images]
        elif kind == "update":
            images = sorted(images, key=lambda i: [(str(type(v)), v) for v in i.before or ()])
            sets = ", ".join(f"{_quote(c)} = ?" for c in columns)
            sql = f"UPDATE {target} SET {sets} WHERE rowid = ?"
            rows = [(*(i.before or ()), i.rowid) for i in images]
            if not force:  # every row is as the change left it (checked under the lock)
                flips = [(i.rowid, i.after or (), i.before or ()) for i in images]
                known = known_updates(table, columns, flips)
        else:
            names = ", ".join(["rowid", *(_quote(c) for c in columns)])
            marks = ", ".join("?" * (len(columns) + 1))
            sql = f"INSERT INTO {target} ({names}) VALUES ({marks})"
            rows = [(i.rowid, *(i.before or ())) for i in images]
        groups.append(_Group(kind, table, sql, images, rows, known))
    return groups


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _apply(conn: sqlite3.Connection, groups: Sequence[_Group], *, force: bool) -> list[str]:
    """Run the revert's statements; returns the rows that could not be (only with ``force``)."""
    skipped: list[str] = []
    for group in groups:
        if not force:
            try:
                with bulk_write(group.table, known=group.known) if group.known else nullcontext():
                    conn.executemany(group.sql, group.rows)
            except sqlite3.IntegrityError as exc:
                raise UndoConflictError(
                    f"cannot undo: a {_ROW_NAMES.get(group.table, group.table)} would clash "
                    f"with a row made since ({exc}); nothing undone (--force reverts the rest)"
                ) from None
            continue
        for image, row in zip(group.images, group.rows, strict=True):
            try:
                conn.execute(group.sql, row)
            except sqlite3.IntegrityError as exc:
                skipped.append(f"{_label(image)} ({exc})")
    return skipped


def _playlists_of(images: Sequence[RowImage]) -> set[int]:
    """The playlists whose entries the undo touched."""
    found: set[int] = set()
    for image in images:
        if image.table != "PlaylistTracks":
            continue
        for values in (image.before, image.after):
            if values is not None and "playlist_id" in image.columns:
                value = values[image.columns.index("playlist_id")]
                if isinstance(value, int):
                    found.add(value)
    return found


def _undo_restore(
    target: Change, what: str, result: WriteResult, *, force: bool, dry_run: bool
) -> WriteResult:
    """Undo a restore: put back the copy saved before it (everything since is replaced)."""
    saved = str(target.backup)
    result.add(f"undo {what}: put back {saved}, the library as it was before the restore")
    result.notes.append(
        "this replaces the whole library: changes made since the restore (play counts, "
        "history, new tracks) are lost; its current content is backed up first"
    )
    if dry_run:
        return result
    if not force:
        raise ValidationError(
            f"undoing {what} replaces the whole library with {saved}; changes since are lost"
            " (a backup is made first): use force to go ahead"
        )
    operation = current_operation()
    if operation is not None:
        operation.undoes = target.id
    done = restore(saved, force=True)
    result.notes.extend(done.notes)
    result.changes[1:] = done.changes
    return result
