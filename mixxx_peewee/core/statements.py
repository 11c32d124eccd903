"""Statements without peewee's row wrapper: built once by peewee, bound and run by SQLite.

Peewee renders every value of a list into the SQL text and wraps every row it reads;
on the benchmark rows "add 10,000 tracks to a crate", "insert 1,000 tracks at the top of
a playlist" and "playlist of 10,000 entries in order" that was most of the time. Here a
statement is built once with :class:`Slot` parameters and run with its values bound:
per chunk of ids (:func:`for_each_chunk`), per row (:func:`run_for_each`), or per chunk
of a listing (:func:`bound_rows`, as ``tracks.reads.iter_tracks`` pages). Rows come as
SQLite stores them (:func:`stored_rows`), each statement complete (``fetchall()``) so no
read transaction outlives it.

May import: ``core.connection``, ``core.values``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import peewee

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import executemany
from mixxx_peewee.core.values import chunked

__all__ = ["Slot", "bound_rows", "for_each_chunk", "run_for_each", "stored_rows"]


class Slot:
    """A parameter of a statement peewee builds once, bound per chunk or per row."""

    __slots__ = ()

    def sql(self) -> Any:
        """The ``?`` that carries this slot into a peewee statement."""
        return peewee.SQL("?", [self])


def bound_rows(built: tuple[str, Sequence[Any]], values: Mapping[Slot, Any]) -> list[Any]:
    """The rows of the built statement ``(sql, params)``, each :class:`Slot` bound to its
    value in ``values``: one complete statement (``fetchall()`` ends its read)."""
    sql, params = built
    return execute(sql, [values[p] if isinstance(p, Slot) else p for p in params]).fetchall()


def for_each_chunk(statement: Callable[[Any], Any], ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """Run the peewee statement ``statement(in_list)`` for each chunk of ``ids``; its rows.

    ``in_list`` goes into ``field.in_(…)``. Peewee builds the statement once per chunk
    size and each chunk only binds its ids: peewee renders a list value by value, which
    was most of the time of "add 10,000 tracks to a crate". Each chunk is one complete
    statement.
    """
    built: dict[int, tuple[tuple[str, Sequence[Any]], list[Slot]]] = {}
    rows: list[tuple[Any, ...]] = []
    for part in chunked(ids):
        if len(part) not in built:
            slots = [Slot() for _ in part]
            marks = peewee.SQL("(" + ",".join("?" * len(part)) + ")", slots)
            built[len(part)] = (statement(marks).sql(), slots)
        query, slots = built[len(part)]
        rows.extend(bound_rows(query, dict(zip(slots, part, strict=True))))
    return rows


def stored_rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a peewee ``query`` as SQLite stores them: one complete statement, no
    per-value conversion (peewee's row wrapper costs more than the read itself)."""
    sql, params = query.sql()
    rows: list[tuple[Any, ...]] = execute(sql, params).fetchall()
    return rows


def run_for_each(statement: Callable[..., Any], rows: Sequence[Sequence[Any]]) -> None:
    """Run the peewee statement ``statement(*row)`` for every row of ``rows``.

    Peewee builds it once, with a :class:`Slot` for each value (it may order the columns
    its own way and add defaults); SQLite runs it per row (``executemany``), each value
    written as given, no field conversion (a restore gives back the bytes a backup
    stored). ``statement`` must not look at its values: it is called once, with slots.
    Peewee's own ``insert_many`` renders every value into the SQL text: 5x raw sqlite3 on
    the benchmark rows "add 10,000 tracks to a crate" and "insert 1,000 tracks at the top
    of a playlist".
    """
    if not rows:
        return
    slots = [Slot() for _ in rows[0]]
    sql, params = statement(*(peewee.Value(s, converter=False) for s in slots)).sql()
    if list(params) == slots:  # the row's values in the row's order: bound as they are
        executemany(sql, rows)
        return
    at = {slot: i for i, slot in enumerate(slots)}
    shape = [(at[p], None) if isinstance(p, Slot) else (None, p) for p in params]
    executemany(sql, ([row[i] if i is not None else p for i, p in shape] for row in rows))
