"""Undo: taking one recorded change back, itself journalled (so an undo can be undone).

:func:`undo_change` reverts one change when every row it touched is still as it left them,
in one write transaction. The images go into TEMP tables (our connection only) and are
compared with the live rows column by column and reverted set-wise in SQLite. Columns
changed since by Mixxx or another tool are conflicts: refused, or with ``partial`` left as
they are and reported while every other column is set back (playlist positions renumbered
1..n). ``force`` means only "even though Mixxx is running", as for every write. Undoing a
restore puts back the copy saved before it. Imports ``journal.history`` (the journal of the
open library), ``library``, ``backups.restore`` and ``trackset.playlists``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from mixxx_peewee.backups.restore import restore
from mixxx_peewee.core.connection import large_page_cache
from mixxx_peewee.core.connection import quote_name
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.running import EXCLUSIVE
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.values import change_text
from mixxx_peewee.errors import ChangeNotFoundError
from mixxx_peewee.errors import UndoConflictError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.history import opened_journal
from mixxx_peewee.journal.journalfile import ChangeJournal
from mixxx_peewee.journal.operation import current_operation
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.journal.records import Change
from mixxx_peewee.journal.records import RowImage
from mixxx_peewee.journal.records import TableChanges
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.trackset.playlists import ensure_positions

__all__ = ["undo_change"]

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


def _label(image: RowImage) -> str:
    return f"{_ROW_NAMES.get(image.table, image.table)} {image.rowid}"


def _row_text(columns: Sequence[str], values: Sequence[Any] | None) -> str:
    """``crate_id 9, track_id 1``: a row's first values, to recognise it."""
    pairs = [f"{c} {change_text(c, v)}" for c, v in zip(columns, values or (), strict=False)]
    return ", ".join(pairs[:4]) + (", …" if len(pairs) > 4 else "")


@dataclass(frozen=True)
class _Live:
    """How the live row of an image compares with it, column by column.

    ``state``: ``after`` (still as the change left it, maybe partly as before already),
    ``before`` (nothing left to revert) or ``other`` (changed since by someone else).
    ``back``: the columns to set back (an update's columns still as the change left them).
    ``since``: the columns changed since; None when the row itself was removed or made since.
    """

    state: str
    back: tuple[str, ...] = ()
    since: tuple[str, ...] | None = ()


_AS_LEFT = _Live("after")  # an image whose live row is exactly as the change left it


def _describe(image: RowImage, live: _Live) -> str:
    """What undoing ``image`` does, in one line (an update: only the columns it sets back)."""
    if image.kind == "insert":
        return f"remove {_label(image)} ({_row_text(image.columns, image.after)})"
    if image.kind == "delete":
        return f"put back {_label(image)} ({_row_text(image.columns, image.before)})"
    assert image.before is not None and image.after is not None
    back = set(live.back) if live.back else set(image.columns)
    pairs = ", ".join(
        f"{c} {change_text(c, a)} -> {change_text(c, b)}"
        for c, a, b in zip(image.columns, image.after, image.before, strict=True)
        if c in back
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


def _conflict_line(image: RowImage, live: _Live) -> str:
    """``track 12 (rating) changed since``: only the columns someone else changed."""
    if live.since is None:
        gone = "made again since" if image.kind == "delete" else "removed since"
        return f"{_label(image)} {gone}"
    return f"{_label(image)} ({', '.join(live.since[:4])}) changed since"


@journalled
def undo_change(
    change: int | None = None,
    *,
    partial: bool = False,
    force: bool = False,
    replace_library: bool = False,
    dry_run: bool = False,
) -> WriteResult:
    """Revert change ``change`` (default: the newest not yet undone that is no undo).

    Compared column by column with the live rows: refused with UndoConflictError naming the
    columns Mixxx or another tool changed since, unless ``partial``: then every column still
    as the change left it is set back and the others are left (notes). ``force``: even
    though Mixxx is running. Undoing a restore replaces the whole library: only with
    ``replace_library``. Raises UndoConflictError, ChangeNotFoundError, ChangeJournalError,
    ValidationError, MixxxRunningError.
    """
    library = current_library()
    with opened_journal(library, write=not dry_run) as journal:
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
        return _undo_restore(target, what, result, replace=replace_library, dry_run=dry_run)
    conn = raw_connection()
    with _loaded(conn, target.rows or []) as groups:
        lives = _compare(conn, groups)
        todo, conflicts = _plan(result, what, groups, lives, partial=partial)
        if dry_run or not todo:
            _plan_notes(result, what, todo, conflicts)
            if not dry_run and not conflicts:
                with opened_journal(library, write=True) as journal:
                    journal.mark_undone(target.id, 0)  # as before already: `undo` moves on
            return result
        operation = current_operation()
        if operation is not None:
            operation.undoes = target.id
        known = None if partial else _known(groups, lives)  # the slow part, before the lock
        with large_page_cache(), write_transaction():  # as the relocate: no spilling
            now = _compare(conn, groups)  # again, under the lock: Mixxx may have written
            if now != lives:  # changed meanwhile: say (and image) what is so now
                todo, conflicts = _plan(result, what, groups, now, partial=partial)
                known = None if partial else _known(groups, now)
            skipped = _apply(conn, groups, now, known, partial=partial)
            _plan_notes(result, what, todo, conflicts)
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
    groups: Sequence[_Group],
    lives: Sequence[Sequence[_Live]],
    *,
    partial: bool,
) -> tuple[list[RowImage], list[str]]:
    """Fill ``result`` with what undoing the groups' images does; the rows it reverts and
    the lines naming the rows changed since.

    Raises UndoConflictError naming the columns changed since, unless ``partial``.
    """
    conflicts: list[str] = []
    todo: list[RowImage] = []
    lines: list[str] = []
    already = 0
    for group, group_lives in zip(groups, lives, strict=True):
        for image, live in zip(group.images, group_lives, strict=True):
            if live.state == "before":
                already += 1
                continue
            if live.state == "other":
                conflicts.append(_conflict_line(image, live))
                if not live.back:
                    continue
            todo.append(image)
            lines.append(_describe(image, live))
    if conflicts and not partial:
        shown = "; ".join(conflicts[:_SHOWN_CONFLICTS])
        more = f" and {len(conflicts) - _SHOWN_CONFLICTS:,} more" if len(conflicts) > 10 else ""
        raise UndoConflictError(
            f"cannot undo {what}: {plural(len(conflicts), 'row')} changed since by Mixxx or "
            f"another tool: {shown}{more}; nothing undone (partial=True puts back the rest)",
            conflicts,
        )
    result.changes = lines
    counts = {"rows reverted": len(todo), "already as before": already}
    counts["changed since"] = len(conflicts)
    result.counts = {k: v for k, v in counts.items() if v or k == "rows reverted"}
    result.unchanged = [f"{plural(already, 'row')} already as before {what}"] if already else []
    if not todo:
        result.keep(f"nothing of {what} is left to revert")
    return todo, conflicts


def _plan_notes(
    result: WriteResult, what: str, todo: Sequence[RowImage], conflicts: Sequence[str]
) -> None:
    """The notes of the final plan: which change is undone, and what is left as it is."""
    if todo:
        result.notes.insert(0, f"undo {what}")
    if conflicts:
        result.notes.append(
            f"{plural(len(conflicts), 'row')} changed since by Mixxx or another tool, those "
            "columns left as they are: " + "; ".join(conflicts[:_SHOWN_CONFLICTS])
        )


# -- the images in TEMP tables: compared with the live rows and reverted set-wise ----------
# (the benchmark row "undo a relocate" holds this to 1.5x the relocate's own write lock)

_TEMP = "mixxx_peewee_undo_"  # prefix of the TEMP tables (our connection only)


@dataclass
class _Group:
    """The images of one kind, table and column set, in the TEMP table ``temp``.

    Its row ``n`` (from 1) is ``images[n - 1]``: ``rowid_`` and the values before (``b_i``)
    and after (``a_i``) the change. Updates are in the order of the values they get back:
    an index like UNIQUE(location) is then updated page by page.
    """

    kind: str
    table: str
    columns: tuple[str, ...]
    images: list[RowImage]
    temp: str


@contextmanager
def _loaded(conn: sqlite3.Connection, images: Sequence[RowImage]) -> Iterator[list[_Group]]:
    """The images grouped into TEMP tables (made before any lock; dropped at the end)."""
    by_group: dict[tuple[str, str, tuple[str, ...]], list[RowImage]] = {}
    for image in images:
        by_group.setdefault((image.kind, image.table, image.columns), []).append(image)
    order = {"insert": 0, "update": 1, "delete": 2}
    groups: list[_Group] = []
    conn.execute("SAVEPOINT mixxx_peewee_undo")  # the TEMP schema only: no lock on the file
    try:
        for index, ((kind, table, columns), found) in enumerate(
            sorted(by_group.items(), key=lambda g: order[g[0][0]])
        ):
            if kind == "update":
                found = sorted(found, key=lambda i: [(str(type(v)), v) for v in i.before or ()])
            temp = quote_name(f"{_TEMP}{index}")
            k = len(columns)
            names = [f"b_{i}" for i in range(k)] + [f"a_{i}" for i in range(k)]
            conn.execute(f"DROP TABLE IF EXISTS temp.{temp}")
            conn.execute(
                f"CREATE TEMP TABLE {temp} (n INTEGER PRIMARY KEY, rowid_ INTEGER NOT NULL"
                f" UNIQUE, {', '.join(names)})"
            )
            marks = ", ".join("?" * (2 * k + 2))
            empty = (None,) * k
            conn.executemany(
                f"INSERT INTO temp.{temp} VALUES ({marks})",
                (
                    (n, i.rowid, *(i.before or empty), *(i.after or empty))
                    for n, i in enumerate(found, 1)
                ),
            )
            groups.append(_Group(kind, table, columns, found, temp))
    finally:
        conn.execute("RELEASE mixxx_peewee_undo")
    try:
        yield groups
    finally:
        conn.execute("SAVEPOINT mixxx_peewee_undo")
        for group in groups:
            conn.execute(f"DROP TABLE IF EXISTS temp.{group.temp}")
        conn.execute("RELEASE mixxx_peewee_undo")


def _same(live: str, image: str) -> str:
    """SQL: the same stored value and type (1 is not 1.0, 'A' is not 'a' in any collation)."""
    return f"({live} IS {image} COLLATE BINARY AND typeof({live}) = typeof({image}))"


def _mask(group: _Group, side: str) -> str:
    """SQL: a '0'/'1' per column, '1' where the live value is the image's ``side`` value."""
    parts = [
        f"(CASE WHEN {_same(f't.{quote_name(c)}', f'u.{side}_{i}')} THEN '1' ELSE '0' END)"
        for i, c in enumerate(group.columns)
    ]
    return " || ".join(parts) or "''"


def _compare(conn: sqlite3.Connection, groups: Sequence[_Group]) -> list[list[_Live]]:
    """How each image's live row compares, per group (one statement each, in SQLite).

    Only the rows not exactly as the change left them come back to Python (none, usually).
    """
    found: list[list[_Live]] = []
    for group in groups:
        lives = [_AS_LEFT] * len(group.images)
        after, before = _mask(group, "a"), _mask(group, "b")
        if group.kind == "delete":
            usual = "t.rowid IS NULL"  # the removed row is still away
        else:
            alike = (_same(f"t.{quote_name(c)}", f"u.a_{i}") for i, c in enumerate(group.columns))
            usual = " AND ".join(["t.rowid IS NOT NULL", *alike])  # masks only for the rest
        rows = conn.execute(
            f"SELECT u.n, t.rowid IS NOT NULL, {after}, {before} FROM temp.{group.temp} AS u"
            f" LEFT JOIN main.{quote_name(group.table)} AS t ON t.rowid = u.rowid_"
            f" WHERE NOT ({usual})"
        )
        for n, present, as_after, as_before in rows:
            lives[n - 1] = _live(group, bool(present), as_after, as_before)
        found.append(lives)
    return found


def _live(group: _Group, present: bool, as_after: str, as_before: str) -> _Live:
    """One image's comparison from its masks (a row not exactly as the change left it)."""
    columns = group.columns
    if group.kind == "delete":  # present: as before the change, or a row made since
        return _Live("before") if as_before == "1" * len(columns) else _Live("other", since=None)
    if not present:  # a made row removed again is as before; a changed one gone is a conflict
        return _Live("before") if group.kind == "insert" else _Live("other", since=None)
    if group.kind == "insert":
        since = tuple(c for c, flag in zip(columns, as_after, strict=True) if flag == "0")
        return _Live("other", since=since)
    back = tuple(c for c, flag in zip(columns, as_after, strict=True) if flag == "1")
    since = tuple(
        c for c, a, b in zip(columns, as_after, as_before, strict=True) if a == "0" and b == "0"
    )
    if since:
        return _Live("other", back=back, since=since)
    return _Live("after", back=back) if back else _Live("before")


def _known(groups: Sequence[_Group], lives: Sequence[Sequence[_Live]]) -> list[TableChanges | None]:
    """Per group, the images of the updates the undo makes (set back: after -> before)."""
    known: list[TableChanges | None] = []
    for group, group_lives in zip(groups, lives, strict=True):
        if group.kind != "update":
            known.append(None)
            continue
        flips = []
        for image, live in zip(group.images, group_lives, strict=True):
            if live.state != "after":
                continue
            before, after = image.before or (), image.after or ()
            if live.back and len(live.back) < len(group.columns):  # the rest is before already
                after = tuple(
                    a if c in live.back else b
                    for c, a, b in zip(group.columns, after, before, strict=True)
                )
            flips.append((image.rowid, after, before))
        known.append(known_updates(group.table, group.columns, flips))
    return known


def _apply(
    conn: sqlite3.Connection,
    groups: Sequence[_Group],
    lives: Sequence[Sequence[_Live]],
    known: Sequence[TableChanges | None] | None,
    *,
    partial: bool,
) -> list[str]:
    """Revert set-wise: made rows removed, changed columns set back, removed rows put back.

    Returns the rows that could not be (a clash with a row made since; only ``partial``).
    """
    skipped: list[str] = []
    for index, (group, group_lives) in enumerate(zip(groups, lives, strict=True)):
        wanted = [
            n
            for n, live in enumerate(group_lives, 1)
            if live.state == "after" or (partial and live.state == "other" and live.back)
        ]
        if not wanted:
            continue
        sql = _revert_sql(group, every=len(wanted) == len(group.images))
        arguments = () if len(wanted) == len(group.images) else (json.dumps(wanted),)
        target = group.table
        images = known[index] if known is not None else None
        where = f"rowid IN (SELECT rowid_ FROM temp.{group.temp})"
        if not partial:
            try:
                with bulk_write(target, known=images) if images else nullcontext():
                    conn.execute(sql, arguments)
            except sqlite3.IntegrityError as exc:
                raise UndoConflictError(
                    f"cannot undo: a {_ROW_NAMES.get(target, target)} would clash with a row "
                    f"made since ({exc}); nothing undone (partial=True puts back the rest)"
                ) from None
            continue
        with bulk_write(target, where) if group.kind == "update" else nullcontext():
            for n in wanted:  # one by one: a clash leaves that row alone
                try:
                    conn.execute(_revert_sql(group, every=False), (json.dumps([n]),))
                except sqlite3.IntegrityError as exc:
                    skipped.append(f"{_label(group.images[n - 1])} ({exc})")
    return skipped


def _revert_sql(group: _Group, *, every: bool) -> str:
    """The statement reverting the group's rows (all, or those whose ``n`` is in ``?``)."""
    table, temp = f"main.{quote_name(group.table)}", f"temp.{group.temp}"
    chosen = "" if every else " AND u.n IN (SELECT value FROM json_each(?))"
    if group.kind == "insert":
        return (
            f"DELETE FROM {table} WHERE rowid IN (SELECT u.rowid_ FROM {temp} AS u WHERE 1{chosen})"
        )
    if group.kind == "delete":
        names = ", ".join(["rowid", *(quote_name(c) for c in group.columns)])
        values = ", ".join(["u.rowid_", *(f"u.b_{i}" for i in range(len(group.columns)))])
        return (
            f"INSERT INTO {table} ({names}) SELECT {values} FROM {temp} AS u WHERE 1{chosen}"
            " ORDER BY u.n"
        )
    sets = ", ".join(
        f"{quote_name(c)} = CASE WHEN {_same(f't.{quote_name(c)}', f'u.a_{i}')} THEN u.b_{i}"
        f" ELSE t.{quote_name(c)} END"
        for i, c in enumerate(group.columns)
    )
    if sqlite3.sqlite_version_info >= (3, 33):  # UPDATE FROM: driven by the TEMP table's order
        return f"UPDATE {table} AS t SET {sets} FROM {temp} AS u WHERE t.rowid = u.rowid_{chosen}"
    fallback = ", ".join(
        f"{quote_name(c)} = (SELECT CASE WHEN {_same(f't.{quote_name(c)}', f'u.a_{i}')}"
        f" THEN u.b_{i}"
        f" ELSE t.{quote_name(c)} END FROM {temp} AS u WHERE u.rowid_ = t.rowid)"
        for i, c in enumerate(group.columns)
    )
    return (
        f"UPDATE {table} AS t SET {fallback} WHERE t.rowid IN (SELECT u.rowid_ FROM {temp} AS u"
        f" WHERE 1{chosen})"
    )


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
    target: Change, what: str, result: WriteResult, *, replace: bool, dry_run: bool
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
    if not replace:
        raise ValidationError(
            f"undoing {what} replaces the whole library with {saved}; changes since are lost"
            " (a backup is made first): replace_library=True goes ahead"
        )
    operation = current_operation()
    if operation is not None:
        operation.undoes = target.id
    done = restore(saved, any_schema=True)  # the copy is this library's own: no schema check
    result.notes.extend(done.notes)
    result.changes[1:] = done.changes
    return result
