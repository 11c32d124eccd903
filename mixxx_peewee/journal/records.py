"""The row types of the change journal: what one change did to one row, and to one table.

:class:`RowImage` (one row, before and after), :class:`TableChanges` (one table's images as
one JSON text, the form the capture makes and the journal file stores), :class:`Change`
(one recorded change), and the comparison of images with the live rows
(:func:`compare_live`, :func:`same_row`, :func:`same_value`: a stored value is the same
only with the same SQLite type, 1 is not 1.0). Imports only ``core.connection``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mixxx_peewee.core.connection import quote_name

__all__ = [
    "Change",
    "RowImage",
    "TableChanges",
    "changed_columns",
    "compare_live",
    "same_row",
    "same_value",
]


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
            changed = tuple(columns[i] for i in changed_columns(mask, len(columns)))
            k = len(changed)
            for row in rows:
                before, after = tuple(row[1 : 1 + k]), tuple(row[1 + k :])
                yield RowImage(table, row[0], "update", changed, before, after)
        for row in data["deleted"]:
            yield RowImage(table, row[0], "delete", columns, tuple(row[1:]), None)


def changed_columns(mask: int | str, n: int) -> list[int]:
    """The column indexes a change mask marks (bits, or '0'/'1' characters past 62 columns)."""
    if isinstance(mask, str):
        return [i for i, flag in enumerate(mask) if flag == "1"]
    return [i for i in range(n) if mask >> i & 1]


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "r" in obj:
            return float(obj["r"])
        if "x" in obj:
            return bytes.fromhex(obj["x"])
    return obj


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
        cols = ", ".join(quote_name(c) for c in columns)
        live: dict[int, tuple[Any, ...]] = {}
        wanted = [images[i].rowid for i in indexes]
        for start in range(0, len(wanted), 50_000):
            chunk = json.dumps(wanted[start : start + 50_000])
            for row in conn.execute(
                f"SELECT rowid, {cols} FROM main.{quote_name(table)}"
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
