"""The change journal: what every write of this package changed, so it can be undone.

The journal is a small SQLite file beside the library (``mixxxdb.sqlite`` →
``mixxxdb.changes.sqlite``); Mixxx's file gets no table, column or trigger of ours.
While a write transaction runs, TEMP triggers (they live in our connection only, never in
the file) note the first old image of every row the write inserts, updates or deletes. Just
before the library commits, the net change of each row is computed (inserted, deleted, or
the columns whose stored value or type changed) and written to the journal as one
*pending* change, committed there first; then the library commits; then the change is
marked *done*. A process killed between the two commits leaves a pending change: the next
write (holding the library's write lock, so no writer of ours is half-way) compares it
with the live rows and keeps it (the library has the change) or drops it (it does not).

Row triggers cost a few microseconds a row; the big writes image their rows set-wise
instead (:func:`bulk_write`, :func:`bulk_update`, :func:`known_updates`), each caller held
to covering every row it touches by the do → undo tests of every write operation.

Retention: the newest 100 changes and none older than 30 days (both stored in the
journal, see :meth:`ChangeJournal.set_retention`). A journal that cannot be used (missing folder
rights, damaged, from another library, a newer format) turns itself off for the open
with one :class:`ChangeJournalWarning`; the write goes ahead unrecorded.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import os
import sqlite3
import warnings
import zlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import ParamSpec
from typing import TypeVar

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.results import WriteResult

__all__ = [
    "JOURNAL_SUFFIX",
    "Change",
    "ChangeJournal",
    "ChangeJournalWarning",
    "JournalUnavailable",
    "RowImage",
    "TableChanges",
    "bulk_update",
    "bulk_write",
    "compare_live",
    "current_operation",
    "gather",
    "install_capture",
    "journal_path",
    "journalled",
    "known_updates",
    "note_guard",
    "remove_capture",
    "same_row",
    "same_value",
    "start_capture",
    "stop_capture",
]

JOURNAL_SUFFIX = ".changes.sqlite"
FORMAT = 1
DEFAULT_KEEP_CHANGES = 100
DEFAULT_KEEP_DAYS = 30
_CAPTURE = "mixxx_peewee_capture_"  # prefix of our TEMP tables and triggers
_MASK_BITS = 62  # columns a change mask holds as integer bits (SQLite integers: 64 bits)
_MAX_LISTED = 1000  # longer list arguments are stored as their count and first items

P = ParamSpec("P")
R = TypeVar("R")


class ChangeJournalWarning(UserWarning):
    """The change journal is off for this open (the write goes ahead unrecorded)."""


class JournalUnavailable(Exception):
    """Why the change journal cannot be used (one line)."""


def journal_path(library_path: Path) -> Path:
    """Where the change journal of the library file ``library_path`` lives."""
    return library_path.with_name(library_path.stem + JOURNAL_SUFFIX)


# -- values: exactly as SQLite stored them (int, float, text, blob, NULL) ------------------


def same_value(a: Any, b: Any) -> bool:
    """Whether two stored values are the same value of the same SQLite type (1 is not 1.0)."""
    return type(a) is type(b) and a == b


# -- what one change did to one row --------------------------------------------------------


@dataclass
class RowImage:
    """One row a change touched: ``kind`` insert/update/delete, and its images.

    ``columns`` are the columns imaged: every column for an insert or a delete, the
    changed ones for an update. ``before`` is None for an insert, ``after`` for a delete.
    """

    table: str
    rowid: int
    kind: str
    columns: tuple[str, ...]
    before: tuple[Any, ...] | None
    after: tuple[Any, ...] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (blobs as ``{"hex": …}``)."""
        data = asdict(self)
        for key in ("before", "after"):
            if data[key] is not None:
                data[key] = [{"hex": v.hex()} if isinstance(v, bytes) else v for v in data[key]]
        return data


@dataclass
class Change:
    """One recorded change: what ran, when, and (loaded on demand) the rows it touched."""

    id: int
    made: str  # ISO 8601 UTC
    operation: str
    arguments: dict[str, Any]
    guard: str | None
    state: str  # "done" or "pending" (not yet confirmed by the library's commit)
    summary: list[str]
    touched: dict[str, dict[str, int]]  # table -> {"inserted": n, "updated": n, "deleted": n}
    undoes: int | None = None
    undone_by: int | None = None
    backup: str | None = None  # restore: the file saved before it (undo restores it)
    rows: list[RowImage] | None = field(default=None, repr=False)

    def touched_text(self) -> str:
        """``crate_tracks +120 -3, crates ~1``: what the change touched, per table."""
        parts = []
        for table, counts in self.touched.items():
            signs = [
                f"{sign}{counts[kind]:,}"
                for kind, sign in (("inserted", "+"), ("updated", "~"), ("deleted", "-"))
                if counts.get(kind)
            ]
            parts.append(f"{table} {' '.join(signs)}")
        if self.backup:
            parts.append("whole library")
        return ", ".join(parts)

    def to_dict(self, *, rows: bool = True) -> dict[str, Any]:
        """A JSON-ready view; ``rows`` includes the row images when they are loaded."""
        data = asdict(self)
        data["rows"] = [r.to_dict() for r in self.rows] if rows and self.rows is not None else None
        if not rows:
            del data["rows"]
        return data


# -- the operation a write belongs to ----------------------------------------------------


@dataclass
class _Operation:
    name: str
    arguments: dict[str, Any]
    guard: str | None = None
    undoes: int | None = None
    recorded: list[int] = field(default_factory=list)
    journal: ChangeJournal | None = None


_current_operation: contextvars.ContextVar[_Operation | None] = contextvars.ContextVar(
    "mixxx_peewee_operation", default=None
)


def _jsonable_argument(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, dict):
        return {str(k): _jsonable_argument(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) or inspect.isgenerator(value):
        items = list(value) if not isinstance(value, (set, frozenset)) else sorted(value, key=str)
        if len(items) > _MAX_LISTED:
            return {"count": len(items), "first": [_jsonable_argument(v) for v in items[:20]]}
        return [_jsonable_argument(v) for v in items]
    if hasattr(value, "id"):
        return getattr(value, "id")  # noqa: B009 - a model given for its id
    return str(value)


def journalled(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a public write function: its writes are journalled under its name and arguments.

    The outermost journalled call owns the change (a write calling another records once);
    after it returns, its changes are confirmed with the result's headline and first lines
    as summary.
    """
    signature = inspect.signature(func)
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _current_operation.get() is not None:
            return func(*args, **kwargs)
        try:
            bound = signature.bind(*args, **kwargs).arguments
        except TypeError:
            return func(*args, **kwargs)  # the call itself raises the TypeError
        arguments = {k: _jsonable_argument(v) for k, v in bound.items() if k != "dry_run"}
        operation = _Operation(name, arguments)
        token = _current_operation.set(operation)
        result: R | None = None
        try:
            result = func(*args, **kwargs)
            return result
        finally:
            _current_operation.reset(token)
            if operation.recorded and operation.journal is not None:
                changes = list(getattr(result, "changes", None) or [])
                headline = result.summary() if isinstance(result, WriteResult) else ""
                operation.journal.confirm(operation.recorded, _summary(headline, changes))

    return wrapper


def _summary(headline: str, changes: list[str]) -> list[str]:
    """What ``history`` shows of a change: its headline (counts), then its first lines."""
    shown = ([headline] if headline else []) + changes[:20]
    if len(changes) > 20:
        shown.append(f"… and {len(changes) - 20:,} more")
    return shown


def note_guard(kind: str) -> None:
    """Remember the running-Mixxx guard kind the current operation checked (undo uses it)."""
    operation = _current_operation.get()
    if operation is not None and operation.guard is None:
        operation.guard = kind


def current_operation() -> _Operation | None:
    """The journalled operation running now, if any (undo marks what it undoes)."""
    return _current_operation.get()


# -- the capture: TEMP triggers on the library connection -----------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Captured:
    """A library table our TEMP triggers watch: its columns and its triggers' SQL."""

    table: str
    columns: tuple[str, ...]
    temp: str  # the capture table, quoted, in temp
    triggers: list[tuple[str, str]]  # (name, CREATE statement)


@dataclass
class CaptureState:
    """The capture of the write transaction running now on the library connection."""

    conn: sqlite3.Connection
    captured: list[Captured]
    above: dict[str, int] = field(default_factory=dict)  # bulk blocks: rows made above this
    known: list[TableChanges] = field(default_factory=list)  # images the operation made
    quiet: dict[str, int] = field(default_factory=dict)  # tables whose triggers are dropped


_state: CaptureState | None = None


def install_capture(conn: sqlite3.Connection) -> list[Captured]:
    """Create the TEMP capture tables and triggers for every table of the library file.

    TEMP objects belong to this connection alone: the file, Mixxx and other connections
    never see them. Per touched row the capture table keeps whether it existed before the
    transaction (``existed_``) and its first old image (``o_i``); the live table holds the
    new one. Re-running drops and recreates them (after a restore).
    """
    conn.execute("SAVEPOINT mixxx_peewee_capture")  # one temp-schema commit, not 75
    try:
        captured = _create_capture(conn)
    except BaseException:
        conn.execute("ROLLBACK TO mixxx_peewee_capture")
        conn.execute("RELEASE mixxx_peewee_capture")
        raise
    conn.execute("RELEASE mixxx_peewee_capture")
    return captured


def _create_capture(conn: sqlite3.Connection) -> list[Captured]:
    remove_capture(conn)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    captured = []
    for index, table in enumerate(tables):
        columns = tuple(r[1] for r in conn.execute(f"PRAGMA main.table_info({_quote(table)})"))
        if not columns:
            continue
        name = f"{_CAPTURE}{index}"
        cap = _quote(name)
        olds = ", ".join(f"o_{i}" for i in range(len(columns)))
        old = ", ".join(f"OLD.{_quote(c)}" for c in columns)
        target = f"main.{_quote(table)}"
        conn.execute(
            f"CREATE TEMP TABLE {cap} (rowid_ INTEGER PRIMARY KEY, existed_ INTEGER NOT NULL,"
            f" {olds})"
        )
        # A trigger's statements name their table unqualified (ours is unique to temp).
        first = f"INSERT OR IGNORE INTO {cap} VALUES (OLD.rowid, 1, {old});"
        made = f"INSERT OR IGNORE INTO {cap} (rowid_, existed_) VALUES (NEW.rowid, 0);"
        triggers = [
            (f"{name}_i", f"AFTER INSERT ON {target} BEGIN {made} END"),
            (f"{name}_u", f"AFTER UPDATE ON {target} BEGIN {first} END"),
            (
                f"{name}_r",
                f"AFTER UPDATE ON {target} WHEN NEW.rowid IS NOT OLD.rowid BEGIN {made} END",
            ),
            (f"{name}_d", f"AFTER DELETE ON {target} BEGIN {first} END"),
        ]
        triggers = [(n, f"CREATE TEMP TRIGGER {_quote(n)} {body}") for n, body in triggers]
        for _, create in triggers:  # one statement each: executescript would COMMIT first
            conn.execute(create)
        captured.append(Captured(table, columns, cap, triggers))
    return captured


def remove_capture(conn: sqlite3.Connection) -> None:
    """Drop our TEMP capture triggers and tables (the library file never had them)."""
    names = conn.execute(
        "SELECT type, name FROM temp.sqlite_master WHERE name LIKE ? ESCAPE '\\'",
        (_CAPTURE.replace("_", "\\_") + "%",),
    ).fetchall()
    for kind, name in sorted(names, key=lambda r: r[0] != "trigger"):
        what = "TRIGGER" if kind == "trigger" else "TABLE"
        conn.execute(f"DROP {what} IF EXISTS temp.{_quote(name)}")


def start_capture(conn: sqlite3.Connection, captured: list[Captured]) -> None:
    """The library's write transaction began: bulk blocks may now join the capture.

    Rows a statement outside any write transaction left in the capture (a script's own
    autocommitted SQL) are dropped: they belong to no change of ours.
    """
    global _state
    for cap in captured:
        conn.execute(f"DELETE FROM temp.{cap.temp}")
    _state = CaptureState(conn, captured)


def stop_capture() -> CaptureState | None:
    """The write transaction is ending: no more bulk blocks; the state to gather."""
    global _state
    state, _state = _state, None
    return state


@contextmanager
def bulk_write(
    table: str,
    where: str = "0",
    params: Sequence[Any] = (),
    *,
    known: TableChanges | None = None,
) -> Iterator[None]:
    """A bulk statement block on ``table`` captured set-wise, its row triggers off.

    Row triggers cost a few microseconds a row (a 10,000-row write would double). Here
    the rows matching ``where`` (SQL on the table's columns: every row the block may
    update or delete) are imaged before it in one ``INSERT … SELECT``, and the rows it
    makes are those above the table's highest rowid now (so the block must not insert a
    row with an id of its own below it). With ``known`` (:func:`known_updates`, made
    before the transaction) those are the block's images and nothing is copied: the
    caller checks that the block changed exactly those rows. Outside a journalled write
    this does nothing. The do → undo tests of every write prove each caller's ``where``.
    """
    state = _state
    cap = next((c for c in state.captured if c.table == table), None) if state else None
    if state is None or cap is None:
        yield
        return
    conn = state.conn
    target = f"main.{_quote(table)}"
    if known is None:
        cols = ", ".join(_quote(c) for c in cap.columns)
        conn.execute(
            f"INSERT OR IGNORE INTO {cap.temp} SELECT rowid, 1, {cols} FROM {target} WHERE {where}",
            tuple(params),
        )
        if table not in state.above:
            (highest,) = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {target}").fetchone()
            state.above[table] = highest
    with _triggers_off(state, cap):
        yield
    if known is not None:
        state.known.append(known)


@contextmanager
def _triggers_off(state: CaptureState, cap: Captured) -> Iterator[None]:
    """Drop the table's capture triggers for a block (nested blocks: the outermost)."""
    depth = state.quiet.get(cap.table, 0)
    if depth == 0:
        for name, _ in cap.triggers:
            state.conn.execute(f"DROP TRIGGER temp.{_quote(name)}")
    state.quiet[cap.table] = depth + 1
    try:
        yield
    finally:
        state.quiet[cap.table] = depth
        if depth == 0:
            for _, create in cap.triggers:
                state.conn.execute(create)


def bulk_update(
    table: str, sets: dict[str, str], where: str, params: Sequence[Any] = (), *, last: bool = False
) -> int:
    """``UPDATE table SET column = expression … WHERE where``, journalled set-wise; rows changed.

    The images are taken by one SELECT with the same expressions (SQLite writes the JSON),
    so they cannot disagree with the update; the rows are marked in the capture so a later
    statement of the same transaction does not image them again. ``sets`` expressions are
    SQL on the row's columns without parameters (e.g. ``position + 3``); ``params`` belong
    to ``where``. Rows the transaction touched before keep their first image (the capture).
    ``last``: no later statement of this transaction updates or deletes these rows (they
    need no mark; the do → undo tests hold each caller to it).
    """
    target = f"main.{_quote(table)}"
    assign = ", ".join(f"{_quote(c)} = {expr}" for c, expr in sets.items())
    update = f"UPDATE {target} SET {assign} WHERE {where}"
    state = _state
    cap = next((c for c in state.captured if c.table == table), None) if state else None
    if state is None or cap is None:  # no journal: a plain update
        return int(execute(update, params).rowcount)
    conn = state.conn
    olds = [_quote(c) for c in sets]
    news = [f"({expr})" for expr in sets.values()]
    differs = " OR ".join(
        f"({o} IS NOT {n} OR typeof({o}) != typeof({n}))" for o, n in zip(olds, news, strict=True)
    )
    fresh = f"rowid NOT IN (SELECT rowid_ FROM {cap.temp})"
    count, rows = conn.execute(
        f"SELECT {_json_rows(olds + news, 'rowid')} FROM {target}"
        f" WHERE ({where}) AND ({differs}) AND {fresh}",
        tuple(params),
    ).fetchone()
    if not last:
        conn.execute(  # existed_ 2: imaged here; the triggers leave it alone, gather skips it
            f"INSERT OR IGNORE INTO {cap.temp} (rowid_, existed_) SELECT rowid, 2 FROM {target}"
            f" WHERE ({where}) AND {fresh}",
            tuple(params),
        )
    with _triggers_off(state, cap):
        changed = int(conn.execute(update, tuple(params)).rowcount)
    if count:
        mask = (1 << len(olds)) - 1
        payload = (
            f'{{"columns":{json.dumps(list(sets), ensure_ascii=False)},"inserted":[],'
            f'"deleted":[],"updated":[[{mask},{rows}]]}}'
        )
        state.known.append(TableChanges(table, tuple(sets), {"updated": count}, payload))
    return changed


def _blob_json(value: Any) -> Any:
    """A blob as the capture's JSON holds it (``{"x": hex}``); anything else as it is: a
    Python float goes into JSON with every digit (``repr``), unlike SQLite's JSON."""
    return {"x": value.hex()} if type(value) is bytes else value


def known_updates(
    table: str, columns: Sequence[str], rows: Iterable[tuple[int, Sequence[Any], Sequence[Any]]]
) -> TableChanges:
    """Update images an operation computed itself, before its transaction (a relocate's
    100,000 paths): ``(rowid, before, after)`` of ``columns``; per row only the columns
    whose value or type differs are kept. See :func:`bulk_write`."""
    groups: dict[tuple[int, ...], list[list[Any]]] = {}
    every = tuple(range(len(columns)))
    for rowid, before, after in rows:
        changed = tuple(
            i for i in every if type(before[i]) is not type(after[i]) or before[i] != after[i]
        )
        if not changed:
            continue
        image = [rowid]
        image.extend(_blob_json(before[i]) for i in changed)
        image.extend(_blob_json(after[i]) for i in changed)
        group = groups.get(changed)
        if group is None:
            group = groups[changed] = []
        group.append(image)
    count = sum(len(g) for g in groups.values())
    updated = [[sum(1 << i for i in changed), images] for changed, images in groups.items()]
    payload = json.dumps(
        {"columns": list(columns), "inserted": [], "deleted": [], "updated": updated},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return TableChanges(table, tuple(columns), {"updated": count} if count else {}, payload)


def _json_value(column: str) -> str:
    """SQL giving a stored value as JSON, type kept: text and integers as themselves, a real
    as ``{"r": "%.17g"}`` (SQLite's JSON prints 15 digits), a blob as ``{"x": hex}``."""
    return (
        f"CASE typeof({column}) WHEN 'real' THEN json_object('r', printf('%!.17g', {column}))"
        f" WHEN 'blob' THEN json_object('x', hex({column})) ELSE {column} END"
    )


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "r" in obj:
            return float(obj["r"])
        if "x" in obj:
            return bytes.fromhex(obj["x"])
    return obj


def _json_rows(columns: list[str], rowid: str = "rowid_") -> str:
    """SQL aggregating rows into their count and one JSON array of ``[rowid, value…]``."""
    values = ", ".join([rowid, *(_json_value(c) for c in columns)])
    return f"count(*), json_group_array(json_array({values}))"


@dataclass
class TableChanges:
    """What one write did to one table: the counts and the images as one JSON text (made
    by SQLite: a 100,000-row relocate stays cheap under the lock).

    The JSON: ``{"columns": [...], "inserted": [[rowid, *after]], "deleted": [[rowid,
    *before]], "updated": [[mask, [[rowid, *before, *after], ...]], ...]}``, the updated
    rows grouped by the columns they changed (bit i of ``mask`` for ``columns[i]``; a
    '0'/'1' string past 62 columns); reals as ``{"r": text}``, blobs as ``{"x": hex}``.
    """

    table: str
    columns: tuple[str, ...]
    counts: dict[str, int]  # {"inserted": n, "updated": n, "deleted": n}, kinds that occurred
    payload: str

    def images(self) -> Iterator[RowImage]:
        """One :class:`RowImage` per row."""
        data = json.loads(self.payload, object_hook=_decode_object)
        table, columns = self.table, tuple(data["columns"])
        for row in data["inserted"]:
            yield RowImage(table, row[0], "insert", columns, None, tuple(row[1:]))
        for mask, rows in data["updated"]:
            changed = tuple(columns[i] for i in _changed_columns(mask, len(columns)))
            k = len(changed)
            for row in rows:
                before, after = tuple(row[1 : 1 + k]), tuple(row[1 + k :])
                yield RowImage(table, row[0], "update", changed, before, after)
        for row in data["deleted"]:
            yield RowImage(table, row[0], "delete", columns, tuple(row[1:]), None)


def _changed_columns(mask: int | str, n: int) -> list[int]:
    """The column indexes a change mask marks (bits, or '0'/'1' characters past 62 columns)."""
    if isinstance(mask, str):
        return [i for i, flag in enumerate(mask) if flag == "1"]
    return [i for i in range(n) if mask >> i & 1]


def gather(state: CaptureState) -> list[TableChanges]:
    """The net change of every captured row (inside the write transaction), then clear.

    Made: absent before, present now (captured, or above a bulk block's highest rowid);
    removed: the reverse; changed: present both times with a column whose stored value
    or type differs (1 is not 1.0). SQLite writes the images as JSON (C speed).
    """
    conn = state.conn
    found: list[TableChanges] = []
    for cap in state.captured:
        temp = f"temp.{cap.temp}"
        above = state.above.get(cap.table)
        if above is None and conn.execute(f"SELECT 1 FROM {temp} LIMIT 1").fetchone() is None:
            continue
        table = f"main.{_quote(cap.table)}"
        quoted = [_quote(c) for c in cap.columns]
        n = len(quoted)
        olds = [f"c.o_{i}" for i in range(n)]
        news = [f"t.{c}" for c in quoted]
        below = "" if above is None else f" AND c.rowid_ <= {int(above)}"
        made = (
            f"SELECT t.rowid AS rowid_, {', '.join(news)} FROM {temp} AS c JOIN {table} AS t"
            f" ON t.rowid = c.rowid_ WHERE c.existed_ = 0{below}"
        )
        if above is not None:
            newer = f"SELECT t.rowid, {', '.join(news)} FROM {table} AS t WHERE t.rowid > {above}"
            made += f" UNION ALL {newer}"
        names = [f"v_{i}" for i in range(n)]
        counts: dict[str, int] = {}
        count, inserted = conn.execute(_made_sql(made, names)).fetchone()
        if count:
            counts["inserted"] = count
        count, deleted = conn.execute(
            f"SELECT {_json_rows(olds, 'c.rowid_')} FROM {temp} AS c WHERE c.existed_ = 1{below}"
            f" AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.rowid = c.rowid_)"
        ).fetchone()
        if count:
            counts["deleted"] = count
        differs = [
            f"({o} IS NOT {w} OR typeof({o}) != typeof({w}))"
            for o, w in zip(olds, news, strict=True)
        ]
        if n <= _MASK_BITS:  # a bit per column
            mask = " | ".join(f"({d} << {i})" for i, d in enumerate(differs))
        else:  # a '0'/'1' character per column
            mask = " || ".join(f"(CASE WHEN {d} THEN '1' ELSE '0' END)" for d in differs)
        both = f"{temp} AS c JOIN {table} AS t ON t.rowid = c.rowid_ WHERE c.existed_ = 1{below}"
        groups = []
        updated = 0
        for (bits,) in conn.execute(f"SELECT DISTINCT {mask} FROM {both}").fetchall():
            changed = _changed_columns(bits, n)
            if not changed:
                continue
            values = [olds[i] for i in changed] + [news[i] for i in changed]
            count, rows = conn.execute(
                f"SELECT {_json_rows(values, 'c.rowid_')} FROM {both} AND ({mask}) = ?", (bits,)
            ).fetchone()
            groups.append(f"[{json.dumps(bits)},{rows}]")
            updated += count
        if updated:
            counts["updated"] = updated
        conn.execute(f"DELETE FROM {temp}")
        if counts:
            payload = (
                f'{{"columns":{json.dumps(list(cap.columns), ensure_ascii=False)},'
                f'"inserted":{inserted},"deleted":{deleted},'
                f'"updated":[{",".join(groups)}]}}'
            )
            order = {"inserted": 0, "updated": 1, "deleted": 2}
            counts = dict(sorted(counts.items(), key=lambda kv: order[kv[0]]))
            found.append(TableChanges(cap.table, cap.columns, counts, payload))
    found.extend(k for k in state.known if k.counts)
    state.above.clear()
    state.known.clear()
    return found


def _made_sql(made: str, names: list[str]) -> str:
    """JSON rows of the made rows (``made`` selects rowid then the columns)."""
    columns = ", ".join(["rowid_", *names])
    return f"WITH m ({columns}) AS ({made}) SELECT {_json_rows(names)} FROM m"


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


# -- comparing images with the live rows ----------------------------------------------------


def compare_live(conn: sqlite3.Connection, images: Sequence[RowImage]) -> list[str]:
    """For each image, how its live row compares: ``"after"`` (as the change left it),
    ``"before"`` (as before the change) or ``"other"`` (changed since by someone else).

    One statement per table and column set; the rowids go in as one JSON array.
    """
    states = ["other"] * len(images)
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for index, image in enumerate(images):
        groups.setdefault((image.table, image.columns), []).append(index)
    for (table, columns), indexes in groups.items():
        cols = ", ".join(_quote(c) for c in columns)
        live: dict[int, tuple[Any, ...]] = {}
        wanted = [images[i].rowid for i in indexes]
        for start in range(0, len(wanted), 50_000):
            chunk = json.dumps(wanted[start : start + 50_000])
            for row in conn.execute(
                f"SELECT rowid, {cols} FROM main.{_quote(table)}"
                " WHERE rowid IN (SELECT value FROM json_each(?))",
                (chunk,),
            ):
                live[row[0]] = row[1:]
        for i in indexes:
            image = images[i]
            now = live.get(image.rowid)
            if image.kind == "insert":
                if now is None:
                    states[i] = "before"
                elif same_row(now, image.after):
                    states[i] = "after"
            elif image.kind == "delete":
                if now is None:
                    states[i] = "after"
                elif same_row(now, image.before):
                    states[i] = "before"
            elif now is not None:
                if same_row(now, image.after):
                    states[i] = "after"
                elif same_row(now, image.before):
                    states[i] = "before"
    return states


def same_row(a: Sequence[Any], b: Sequence[Any] | None) -> bool:
    """Whether two rows hold the same values of the same SQLite types (1 is not 1.0)."""
    return b is not None and len(a) == len(b) and all(map(same_value, a, b))


# -- the journal file -------------------------------------------------------------------------

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
