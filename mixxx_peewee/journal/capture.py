"""The capture: what a write transaction changed, row by row, taken on our connection alone.

While a write transaction runs, TEMP triggers (they live in our connection only, never in
the file) note the first old image of every row the write inserts, updates or deletes. Just
before the library commits, :func:`gather` computes the net change of each row (inserted,
deleted, or the columns whose stored value or type changed) as :class:`TableChanges`, which
the library records in the journal file (:mod:`mixxx_peewee.journal.journalfile`) as one
pending change, committed there first; then the library commits; then the change is
marked done. A process killed between the two commits leaves a pending change: the next
write (holding the library's write lock, so no writer of ours is half-way) compares it
with the live rows and keeps it (the library has the change) or drops it (it does not).

Row triggers cost a few microseconds a row; the big writes image their rows set-wise
instead (:func:`bulk_write`, :func:`bulk_update`, :func:`known_updates`), each caller held
to covering every row it touches by the do → undo tests of every write operation.

This module is what ``library`` and the write operations import of the journal; it also
names the operation (:func:`journalled`, :func:`note_guard`, :func:`current_operation`),
the journal file (:class:`ChangeJournal`, :func:`journal_path`) and the row comparisons
(:func:`same_row`, :func:`same_value`) for the modules that import them from here.
Imports ``core.connection`` and the journal modules below it (records, journalfile,
operation).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import quote_name
from mixxx_peewee.journal.records import TableChanges
from mixxx_peewee.journal.records import changed_columns

__all__ = [
    "CaptureState",
    "Captured",
    "bulk_update",
    "bulk_write",
    "gather",
    "install_capture",
    "known_updates",
    "remove_capture",
    "start_capture",
    "stop_capture",
]

_CAPTURE = "mixxx_peewee_capture_"  # prefix of our TEMP tables and triggers
_MASK_BITS = 62  # columns a change mask holds as integer bits (SQLite integers: 64 bits)


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
        columns = tuple(r[1] for r in conn.execute(f"PRAGMA main.table_info({quote_name(table)})"))
        if not columns:
            continue
        name = f"{_CAPTURE}{index}"
        cap = quote_name(name)
        olds = ", ".join(f"o_{i}" for i in range(len(columns)))
        old = ", ".join(f"OLD.{quote_name(c)}" for c in columns)
        target = f"main.{quote_name(table)}"
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
        triggers = [(n, f"CREATE TEMP TRIGGER {quote_name(n)} {body}") for n, body in triggers]
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
        conn.execute(f"DROP {what} IF EXISTS temp.{quote_name(name)}")


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
    target = f"main.{quote_name(table)}"
    if known is None:
        cols = ", ".join(quote_name(c) for c in cap.columns)
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
            state.conn.execute(f"DROP TRIGGER temp.{quote_name(name)}")
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
    target = f"main.{quote_name(table)}"
    assign = ", ".join(f"{quote_name(c)} = {expr}" for c, expr in sets.items())
    update = f"UPDATE {target} SET {assign} WHERE {where}"
    state = _state
    cap = next((c for c in state.captured if c.table == table), None) if state else None
    if state is None or cap is None:  # no journal: a plain update
        return int(execute(update, params).rowcount)
    conn = state.conn
    olds = [quote_name(c) for c in sets]
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


def _json_rows(columns: list[str], rowid: str = "rowid_") -> str:
    """SQL aggregating rows into their count and one JSON array of ``[rowid, value…]``."""
    values = ", ".join([rowid, *(_json_value(c) for c in columns)])
    return f"count(*), json_group_array(json_array({values}))"


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
        table = f"main.{quote_name(cap.table)}"
        quoted = [quote_name(c) for c in cap.columns]
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
            changed = changed_columns(bits, n)
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
