"""The live file compared with Mixxx's expected schema: the report and its verdict.

What it detects: missing and extra tables, columns and indexes; columns whose SQLite type
affinity differs; defaults that differ by value (informational); the three version keys
in ``settings``; and the highest revision whose columns the file really has. From that it
gives a verdict the rest of the package obeys.

What it does not do: it never creates, alters or migrates anything, and it does not read
row data (only ``sqlite_master``, ``PRAGMA table_info``/``index_list``/``index_info`` and
``settings``), so it costs milliseconds on any library size. Types compare by affinity and
defaults by value, so files created by old Mixxx versions (``integer``, ``DEFAULT ""``)
are not mismatches. The connection is always passed in; this module opens nothing.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import NamedTuple

from mixxx_peewee.core.schema import LAST_USED_KEY
from mixxx_peewee.core.schema import MAX_REVISION
from mixxx_peewee.core.schema import MIN_COMPATIBLE_KEY
from mixxx_peewee.core.schema import MIN_REVISION
from mixxx_peewee.core.schema import TABLES_BY_NAME
from mixxx_peewee.core.schema import VERSION_KEY
from mixxx_peewee.core.schema import affinity
from mixxx_peewee.core.schema import expected_tables
from mixxx_peewee.core.schema import normalize_default

__all__ = [
    "Difference",
    "LiveColumn",
    "SchemaReport",
    "Verdict",
    "inspect_schema",
]

# Tables Mixxx rebuilds at every start; never user data, never a surprise.
RUNTIME_TABLE_PREFIXES = ("rekordbox_", "serato_", "sqlite_")


class Verdict(enum.Enum):
    """What the rest of the package may do with a file."""

    READ_WRITE = "read-write"
    LIMITED = "limited-write"
    REFUSE = "refuse"
    NOT_MIXXX = "not-mixxx"

    @property
    def can_read(self) -> bool:
        """Whether tracks, playlists and crates may be read."""
        return self in (Verdict.READ_WRITE, Verdict.LIMITED)

    @property
    def can_write(self) -> bool:
        """Whether writes may go ahead (for LIMITED: only to columns that match)."""
        return self in (Verdict.READ_WRITE, Verdict.LIMITED)


class LiveColumn(NamedTuple):
    """A column as ``PRAGMA table_info`` reports it in the open file."""

    name: str
    decl: str
    notnull: bool
    default: str | None
    pk: bool

    @property
    def affinity(self) -> str:
        """SQLite type affinity of the declared type."""
        return affinity(self.decl)


class Difference(NamedTuple):
    """One difference between the file and the expected schema."""

    kind: str  # missing-table, extra-table, missing-column, extra-column, affinity, default, …
    table: str
    column: str | None
    detail: str
    serious: bool

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{self.kind}: {where} ({self.detail})"


@dataclass
class SchemaReport:
    """The live file compared with the schema its recorded revision should have."""

    version: int | None = None
    last_used_version: int | None = None
    min_compatible_version: int | None = None
    version_text: str | None = None
    matched_revision: int | None = None
    verdict: Verdict = Verdict.NOT_MIXXX
    reason: str = ""
    differences: list[Difference] = field(default_factory=list)
    live: dict[str, dict[str, LiveColumn]] = field(default_factory=dict)
    runtime_tables: list[str] = field(default_factory=list)

    def has_column(self, table: str, column: str) -> bool:
        """Whether the file has ``table.column``."""
        return column in self.live.get(table, {})

    def live_columns(self, table: str) -> list[str]:
        """The file's column names of ``table`` in file order (empty if absent)."""
        return list(self.live.get(table, {}))

    def unwritable_columns(self, table: str, columns: Iterable[str]) -> list[str]:
        """Those of ``columns`` that a write must not touch: absent, or of another affinity."""
        bad = []
        live = self.live.get(table, {})
        spec = {c.name: c for c in TABLES_BY_NAME[table].columns} if table in TABLES_BY_NAME else {}
        for name in columns:
            col = live.get(name)
            if col is None or (name in spec and spec[name].affinity != col.affinity):
                bad.append(name)
        return bad

    @property
    def serious(self) -> list[Difference]:
        """Differences that affect what may be read or written."""
        return [d for d in self.differences if d.serious]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the report."""
        return {
            "version": self.version,
            "last_used_version": self.last_used_version,
            "min_compatible_version": self.min_compatible_version,
            "matched_revision": self.matched_revision,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "differences": [d._asdict() for d in self.differences],
        }

    def __str__(self) -> str:
        lines = [
            f"schema version: {self.version_text if self.version is None else self.version}",
            f"matched revision: {self.matched_revision}",
            f"verdict: {self.verdict.value} ({self.reason})",
        ]
        lines += [f"  {d}" for d in self.differences]
        return "\n".join(lines)


def _read_live(
    conn: sqlite3.Connection,
) -> tuple[dict[str, dict[str, LiveColumn]], dict[str, dict[str, tuple[str, ...]]]]:
    tables = []
    indexes: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind, name, tbl in conn.execute("SELECT type, name, tbl_name FROM sqlite_master"):
        if kind == "table":
            tables.append(name)
        elif kind == "index" and not name.startswith("sqlite_autoindex_"):
            indexes.setdefault(tbl, {})[name] = ()
    live: dict[str, dict[str, LiveColumn]] = {}
    for name in tables:
        if name.startswith(RUNTIME_TABLE_PREFIXES):
            live[name] = {}
            continue
        quoted = name.replace('"', '""')
        rows = conn.execute(f'PRAGMA table_info("{quoted}")').fetchall()
        live[name] = {
            r[1]: LiveColumn(r[1], r[2] or "", bool(r[3]), r[4], bool(r[5])) for r in rows
        }
    for names in indexes.values():
        for name in names:
            quoted = name.replace('"', '""')
            cols = conn.execute(f'PRAGMA index_info("{quoted}")').fetchall()
            names[name] = tuple(c[2] for c in cols)
    return live, indexes


def _parse_version(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        return None


def _core_columns(revision: int) -> frozenset[tuple[str, str]]:
    return frozenset(
        (t.name, c.name) for t in expected_tables(revision) if t.core for c in t.columns
    )


def _matched_revision(live: dict[str, dict[str, LiveColumn]], recorded: int | None) -> int | None:
    """The highest revision whose every core column is present with the same affinity.

    Revisions that add no column (29, 30, 38, 39) look alike; the recorded one wins then.
    """
    best = None
    for revision in range(MIN_REVISION, MAX_REVISION + 1):
        ok = True
        for table in expected_tables(revision):
            if not table.core:
                continue
            cols = live.get(table.name)
            if cols is None:
                ok = False
                break
            for col in table.columns:
                have = cols.get(col.name)
                if have is None or have.affinity != col.affinity:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            best = revision
    if (
        best is not None
        and recorded is not None
        and MIN_REVISION <= recorded < best
        and _core_columns(recorded) == _core_columns(best)
    ):
        return recorded
    return best


def inspect_schema(conn: sqlite3.Connection) -> SchemaReport:
    """Compare the file open on ``conn`` with the schema its recorded revision should have."""
    live, live_indexes = _read_live(conn)
    report = SchemaReport(live=live)
    report.runtime_tables = sorted(t for t in live if t.startswith(("rekordbox_", "serato_")))
    settings: dict[str, str | None] = {}
    if "settings" in live and {"name", "value"} <= set(live["settings"]):
        for name, value in conn.execute(
            "SELECT name, value FROM settings WHERE name IN (?, ?, ?)",
            (VERSION_KEY, LAST_USED_KEY, MIN_COMPATIBLE_KEY),
        ):
            settings[name] = value
    report.version_text = settings.get(VERSION_KEY)
    report.version = _parse_version(report.version_text)
    report.last_used_version = _parse_version(settings.get(LAST_USED_KEY))
    report.min_compatible_version = _parse_version(settings.get(MIN_COMPATIBLE_KEY))

    has_core_pair = "library" in live and "track_locations" in live
    if report.version_text is None and not has_core_pair:
        report.verdict = Verdict.NOT_MIXXX
        report.reason = "no Mixxx tables (library, track_locations) and no mixxx.schema.version"
        return report

    report.matched_revision = _matched_revision(live, report.version)
    target = report.version if report.version is not None else MAX_REVISION
    target = max(MIN_REVISION, min(target, MAX_REVISION))
    _compare(report, live, live_indexes, target)

    if report.version is None:
        report.verdict = Verdict.REFUSE
        report.reason = f"mixxx.schema.version is missing or not a number ({report.version_text!r})"
    elif report.version < MIN_REVISION:
        report.verdict = Verdict.REFUSE
        report.reason = (
            f"schema revision {report.version} is older than Mixxx 2.0 (revision {MIN_REVISION});"
            " open it once in a current Mixxx to upgrade it"
        )
    elif _baseline_broken(report):
        report.verdict = Verdict.REFUSE
        missing = ", ".join(
            f"{d.table}.{d.column}" if d.column else d.table for d in _baseline_broken(report)
        )
        report.reason = f"core tables or columns are missing or of another type: {missing}"
    elif report.version > MAX_REVISION:
        report.verdict = Verdict.LIMITED
        report.reason = (
            f"revision {report.version} is newer than this tool knows ({MAX_REVISION}): reading"
            " works; writes only touch columns that exist and match"
        )
    elif report.serious:
        report.verdict = Verdict.LIMITED
        report.reason = (
            f"columns differ from revision {report.version}: writes only touch columns that exist"
            " and match"
        )
    else:
        report.verdict = Verdict.READ_WRITE
        report.reason = f"matches revision {report.version}"
    return report


def _baseline_broken(report: SchemaReport) -> list[Difference]:
    """Serious differences in what every supported revision has (revision 24's core)."""
    baseline = {
        (t.name, c.name) for t in expected_tables(MIN_REVISION) if t.core for c in t.columns
    }
    core_tables = {t.name for t in expected_tables(MIN_REVISION) if t.core}
    return [
        d
        for d in report.serious
        if (d.column is None and d.table in core_tables and d.kind == "missing-table")
        or (d.column is not None and (d.table, d.column) in baseline)
    ]


def _compare(
    report: SchemaReport,
    live: dict[str, dict[str, LiveColumn]],
    live_indexes: dict[str, dict[str, tuple[str, ...]]],
    revision: int,
) -> None:
    diffs = report.differences
    expected = expected_tables(revision)
    names = {t.name for t in expected}
    all_known = set(TABLES_BY_NAME)
    for table in expected:
        cols = live.get(table.name)
        if cols is None:
            diffs.append(
                Difference("missing-table", table.name, None, f"added in {table.added}", table.core)
            )
            continue
        for col in table.columns:
            have = cols.get(col.name)
            if have is None:
                diffs.append(
                    Difference(
                        "missing-column", table.name, col.name, f"added in {col.added}", table.core
                    )
                )
                continue
            if have.affinity != col.affinity:
                diffs.append(
                    Difference(
                        "affinity",
                        table.name,
                        col.name,
                        f"expected {col.affinity}, file has {have.affinity} ({have.decl!r})",
                        table.core,
                    )
                )
            if normalize_default(have.default) != normalize_default(col.default):
                diffs.append(
                    Difference(
                        "default",
                        table.name,
                        col.name,
                        f"expected {col.default}, file has {have.default}",
                        False,
                    )
                )
        known = {c.name for c in TABLES_BY_NAME[table.name].columns}
        for name, have in cols.items():
            if name not in known:
                diffs.append(
                    Difference("extra-column", table.name, name, have.decl or "no type", False)
                )
            elif name not in {c.name for c in table.columns}:
                added = next(c.added for c in TABLES_BY_NAME[table.name].columns if c.name == name)
                diffs.append(
                    Difference("extra-column", table.name, name, f"of revision {added}", False)
                )
        have_indexes = live_indexes.get(table.name, {})
        for index in table.indexes:
            if have_indexes.get(index.name) != index.columns:
                diffs.append(
                    Difference(
                        "missing-index", table.name, index.name, f"added in {index.added}", False
                    )
                )
    for name in sorted(live):
        if name in names or name.startswith(RUNTIME_TABLE_PREFIXES):
            continue
        detail = "of a later revision" if name in all_known else "unknown to Mixxx"
        diffs.append(Difference("extra-table", name, None, detail, False))
    for tbl, idx in sorted(live_indexes.items()):
        if tbl not in names:
            continue
        expected_names = {i.name for i in TABLES_BY_NAME[tbl].indexes}
        for name in sorted(idx):
            if name not in expected_names:
                diffs.append(Difference("extra-index", tbl, name, "not created by Mixxx", False))
