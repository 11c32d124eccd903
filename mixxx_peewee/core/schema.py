"""Mixxx's expected schema for every revision from 24 to 40, derived from the models.

The models (:mod:`mixxx_peewee.models`) are the one declaration of every table and column:
each field carries its column's DDL facts as Mixxx's ``schema.xml`` writes them, each
``Meta`` its table's. This module turns them into plain data (:class:`TableSpec`,
:class:`ColumnSpec`, :class:`IndexSpec`), cuts it to a revision (:func:`expected_tables`)
and renders it as ``CREATE`` statements (:func:`render_ddl`) that give the same schema as
replaying ``schema.xml``. Comparing a file with it is :mod:`mixxx_peewee.core.inspection`'s job.
"""

# No ``from __future__ import annotations`` here: the API reference (pdoc) evaluates the
# NamedTuples' field types outside this module, where a string "ColumnSpec" means nothing.
import functools
from typing import Any
from typing import NamedTuple

from mixxx_peewee.models import ALL_MODELS
from mixxx_peewee.models import MixxxModel

__all__ = [
    "CUE_RGB_FROM",
    "EXPECTED_TABLES",
    "LAST_USED_KEY",
    "MAX_REVISION",
    "MIN_COMPATIBLE_KEY",
    "MIN_REVISION",
    "RELEASES",
    "TABLES_BY_NAME",
    "VERSION_KEY",
    "ColumnSpec",
    "IndexSpec",
    "TableSpec",
    "affinity",
    "cue_color_encoding",
    "expected_tables",
    "normalize_default",
    "render_ddl",
]


# Revision 32 turned cue colours from palette ids (0 none, 1 red ... 8 white; revisions
# 27-31) into 0xRRGGBB; before 27 the cues table has no colour.
CUE_RGB_FROM = 32


def cue_color_encoding(revision: int | None) -> str:
    """How a file of ``revision`` stores cue colours: ``"rgb"`` or ``"palette"`` (27-31).

    An unknown revision (a file newer than every revision we know) is taken as ``"rgb"``.
    """
    return "palette" if revision is not None and revision < CUE_RGB_FROM else "rgb"


MIN_REVISION = 24  # Mixxx 2.0
MAX_REVISION = 40  # Mixxx development (main)

# Mixxx release line -> the revision it ships.
RELEASES = {
    "2.0": 24,
    "2.1.0": 27,
    "2.1.1-2.2": 28,
    "2.3": 32,
    "2.4-2.5": 39,
    "main": 40,
}

VERSION_KEY = "mixxx.schema.version"
LAST_USED_KEY = "mixxx.schema.last_used_version"
MIN_COMPATIBLE_KEY = "mixxx.schema.min_compatible_version"


class ColumnSpec(NamedTuple):
    """One column as Mixxx's schema.xml declares it, and the revision that added it."""

    name: str
    decl: str
    added: int
    notnull: bool = False
    default: str | None = None
    pk: bool = False
    unique: bool = False

    @property
    def affinity(self) -> str:
        """SQLite type affinity of the declared type."""
        return affinity(self.decl)


class IndexSpec(NamedTuple):
    """A named index (``CREATE INDEX``) and the revision that added it."""

    name: str
    columns: tuple[str, ...]
    added: int


class TableSpec(NamedTuple):
    """A table Mixxx creates: columns, keys, indexes, and whether it holds user data."""

    name: str
    added: int
    columns: tuple[ColumnSpec, ...]
    core: bool = True
    autoincrement: bool = False
    unique_together: tuple[str, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()

    def columns_at(self, revision: int) -> tuple[ColumnSpec, ...]:
        """The columns this table has at ``revision``."""
        return tuple(c for c in self.columns if c.added <= revision)


def _column_spec(field: Any) -> ColumnSpec:
    # A primary key is NOT NULL implicitly: schema.xml never writes it, so neither do we.
    return ColumnSpec(
        field.column_name,
        field.decl,
        field.added_in,
        notnull=not field.null and not field.primary_key,
        default=field.ddl_default,
        pk=bool(field.primary_key),
        unique=bool(field.unique),
    )


def _table_spec(model: type[MixxxModel]) -> TableSpec:
    meta: Any = model._meta
    return TableSpec(
        meta.table_name,
        meta.added_in,
        # _all_fields: every declared column in DDL order, whatever the open file lacks.
        tuple(_column_spec(f) for f in model._all_fields.values()),
        core=meta.core,
        autoincrement=meta.autoincrement,
        unique_together=tuple(meta.unique_together),
        indexes=tuple(IndexSpec(*index) for index in meta.named_indexes),
    )


EXPECTED_TABLES: tuple[TableSpec, ...] = tuple(_table_spec(m) for m in ALL_MODELS)
TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in EXPECTED_TABLES}


@functools.cache  # immutable result, asked for ~40 times per open
def expected_tables(revision: int) -> tuple[TableSpec, ...]:
    """The tables (with their columns cut to ``revision``) that Mixxx has at ``revision``."""
    out = []
    for table in EXPECTED_TABLES:
        if table.added <= revision:
            out.append(
                table._replace(
                    columns=table.columns_at(revision),
                    indexes=tuple(i for i in table.indexes if i.added <= revision),
                )
            )
    return tuple(out)


def affinity(decl: str) -> str:
    """SQLite's type affinity for a declared column type (rules of section 3.1)."""
    upper = decl.upper()
    if "INT" in upper:
        return "INTEGER"
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return "TEXT"
    if "BLOB" in upper or not upper.strip():
        return "BLOB"
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return "REAL"
    return "NUMERIC"


def normalize_default(text: str | None) -> Any:
    """The value a column default stands for: ``'x'`` and ``"x"`` alike, ``0`` and ``0.0``."""
    if text is None:
        return None
    value = text.strip()
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    if value.upper() == "NULL":
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        quote = value[0]
        return value[1:-1].replace(quote * 2, quote)
    try:
        return float(value)
    except ValueError:
        return value.upper()


def render_ddl(revision: int) -> list[str]:
    """``CREATE TABLE``/``CREATE INDEX`` statements for a new file at ``revision``."""
    statements = []
    for table in expected_tables(revision):
        parts = []
        for col in table.columns:
            words = [f'"{col.name}"']
            if col.decl:
                words.append(col.decl)
            if col.pk:
                words.append("PRIMARY KEY")
                if table.autoincrement:
                    words.append("AUTOINCREMENT")
            if col.unique:
                words.append("UNIQUE")
            if col.notnull:
                words.append("NOT NULL")
            if col.default is not None:
                words.append(f"DEFAULT {col.default}")
            parts.append(" ".join(words))
        if table.unique_together:
            parts.append("UNIQUE (" + ", ".join(table.unique_together) + ")")
        statements.append(f'CREATE TABLE "{table.name}" (\n  ' + ",\n  ".join(parts) + "\n)")
        for index in table.indexes:
            cols = ", ".join(index.columns)
            statements.append(f'CREATE INDEX "{index.name}" ON "{table.name}" ({cols})')
    return statements
