"""Peewee fields for Mixxx's loosely typed columns, each carrying its column's DDL facts.

SQLite lets Mixxx store a REAL in an INTEGER column and two datetime formats in one
column. These fields read every form Mixxx writes and write back exactly what was read
when the value was not changed, so a row read and saved again keeps its bytes.

Every field also records how Mixxx's ``schema.xml`` declares its column (:class:`MixxxColumn`):
the declared type text, the revision that added it and the ``DEFAULT`` text. With peewee's
own ``null``, ``unique`` and ``primary_key`` that is the whole column, so the models are the
one declaration :mod:`mixxx_peewee.core.schema` derives the expected schema from.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import peewee

__all__ = [
    "DATETIME_ISO_MS_Z",
    "DATETIME_SQL",
    "BlobField",
    "IdField",
    "LooseIntegerField",
    "LooseTextField",
    "MixxxColumn",
    "MixxxDateTime",
    "MixxxDateTimeField",
    "ReferenceField",
    "SampleField",
    "format_mixxx_datetime",
    "parse_mixxx_datetime",
]

DATETIME_SQL = "sql"  # 2026-11-26 12:07:06 (CURRENT_TIMESTAMP, playlists, last_played_at)
DATETIME_ISO_MS_Z = "iso-ms-z"  # 2026-11-26T12:07:06.182Z (library.datetime_added)

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


class MixxxColumn:
    """Mixin: the column as Mixxx's ``schema.xml`` declares it (type text, revision, default).

    ``decl`` is the declared type exactly as Mixxx writes it (``varchar(512)``, ``INTEGER``,
    ``''`` for none), ``added`` the revision whose SQL added the column, ``ddl_default`` the
    ``DEFAULT`` clause's text (``"'?'"``, ``"0"``; ``None`` for no clause). NOT NULL, UNIQUE
    and PRIMARY KEY come from peewee's ``null``, ``unique`` and ``primary_key``.
    """

    decl: str
    added_in: int
    ddl_default: str | None

    def __init__(
        self, *args: Any, decl: str, added: int, ddl_default: str | None = None, **kwargs: Any
    ) -> None:
        self.decl = decl
        self.added_in = added
        self.ddl_default = ddl_default
        super().__init__(*args, **kwargs)


class MixxxDateTime(dt.datetime):
    """A UTC-aware datetime that remembers the exact text it was read from."""

    raw: str | None = None


def parse_mixxx_datetime(text: str) -> MixxxDateTime | None:
    """Parse any datetime form Mixxx writes as an aware UTC value; ``None`` if it is not one."""
    match = _DATETIME_RE.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tz = dt.UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        value = MixxxDateTime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
        )
    except ValueError:
        return None
    if tz is not dt.UTC:
        utc = value.astimezone(dt.UTC)
        value = MixxxDateTime(
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
            dt.UTC,
        )  # fmt: skip
    value.raw = text
    return value


def format_mixxx_datetime(value: dt.datetime, style: str = DATETIME_SQL) -> str:
    """Format ``value`` (naive means UTC) the way Mixxx writes a column of ``style``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if style == DATETIME_ISO_MS_Z:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%d %H:%M:%S")


class ReadOnAccess(peewee.FieldAccessor):
    """A value as SQLite stored it becomes the field's Python value when it is read.

    Peewee's own cursor converts every value of every row; rows built from plain tuples
    (thousands of playlist and crate members, :mod:`mixxx_peewee.trackset.membership`) keep what
    SQLite returned, and the conversion runs only for the attributes a caller reads. The
    fields' conversions are idempotent, so a value peewee already converted reads the same.
    """

    def __get__(self, instance: Any, instance_type: Any = None) -> Any:
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        return None if value is None else self.field.python_value(value)


class _ParsedOnAccess(ReadOnAccess):
    """Stored text becomes a :class:`MixxxDateTime` when the attribute is first read."""

    def __get__(self, instance: Any, instance_type: Any = None) -> Any:
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        if isinstance(value, str):
            parsed = self.field.python_value(value)
            if parsed is not value:
                instance.__data__[self.name] = parsed  # same bytes on save: parsed.raw
            return parsed
        return value


class MixxxDateTimeField(MixxxColumn, peewee.Field):
    """A Mixxx datetime column: reads every form as aware UTC, writes the column's own form.

    Text that is not a datetime is returned (and written back) unchanged. Rows built
    without peewee's converting cursor (playlist and crate members, by the thousand) keep
    the stored text until the attribute is read.
    """

    field_type = "DATETIME"
    accessor_class = _ParsedOnAccess

    def __init__(self, *args: Any, style: str = DATETIME_SQL, **kwargs: Any) -> None:
        self.style = style
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> Any:
        """Exact original text when unchanged, else the column's Mixxx format."""
        if isinstance(value, MixxxDateTime) and value.raw is not None:
            return value.raw
        if isinstance(value, dt.datetime):
            return format_mixxx_datetime(value, self.style)
        if isinstance(value, dt.date):
            return format_mixxx_datetime(dt.datetime(value.year, value.month, value.day))
        return value

    def python_value(self, value: Any) -> Any:
        """An aware UTC :class:`MixxxDateTime`, or the stored value if it is not a datetime."""
        if isinstance(value, str):
            parsed = parse_mixxx_datetime(value)
            return value if parsed is None else parsed
        return value


class LooseIntegerField(MixxxColumn, peewee.Field):
    """An INTEGER column: integers (and whole REALs) as ``int``, anything else unchanged."""

    field_type = "INTEGER"
    accessor_class = ReadOnAccess

    def adapt(self, value: Any) -> Any:
        """``int`` for whole numbers and bools; fractional REALs and text pass through."""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def db_value(self, value: Any) -> Any:
        """The value to store (whole numbers as ``int``)."""
        return None if value is None else self.adapt(value)

    def python_value(self, value: Any) -> Any:
        """The stored value, whole REALs as ``int``."""
        return None if value is None else self.adapt(value)


class SampleField(MixxxColumn, peewee.Field):
    """A position or duration that may be fractional (cue positions, ``cuepoint``, bpm).

    Read as ``float`` and never truncated; storing a whole float in an INTEGER column
    gives back the integer SQLite had, so round trips keep the bytes.
    """

    field_type = "REAL"

    accessor_class = ReadOnAccess

    def db_value(self, value: Any) -> Any:
        """The value to store, as ``float``."""
        if value is None or isinstance(value, (str, bytes)):
            return value
        return float(value)

    def python_value(self, value: Any) -> Any:
        """The stored value as ``float`` (text that is not a number passes through)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return value


class LooseTextField(MixxxColumn, peewee.Field):
    """A TEXT column: text stays text, a stray BLOB stays bytes, numbers become text."""

    field_type = "TEXT"

    def adapt(self, value: Any) -> Any:
        """Text and bytes unchanged; anything else as its ``str``."""
        if value is None or isinstance(value, (str, bytes)):
            return value
        return str(value)

    def db_value(self, value: Any) -> Any:
        """The value to store."""
        return self.adapt(value)

    def python_value(self, value: Any) -> Any:
        """The stored value."""
        return value


class BlobField(MixxxColumn, peewee.Field):
    """A BLOB column (beats, keys, cover digest): bytes in, bytes out."""

    field_type = "BLOB"

    def db_value(self, value: Any) -> Any:
        """``bytes`` for anything buffer-like."""
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        return value

    def python_value(self, value: Any) -> Any:
        """The stored value (``bytes``)."""
        return value


class IdField(MixxxColumn, peewee.AutoField):
    """An ``INTEGER PRIMARY KEY`` row id (AUTOINCREMENT or not is the table's fact)."""


class ReferenceField(MixxxColumn, peewee.ForeignKeyField):
    """An id column pointing at another table's row (Mixxx's REFERENCES clauses are not used)."""
