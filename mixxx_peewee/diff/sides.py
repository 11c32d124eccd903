"""A diff's two sides: a Mixxx library file or a snapshot, read through the same columns.

:func:`read_source` looks at a file once (is it a snapshot, of which format, or a Mixxx
library, of which revision) and says what it has (:class:`Source`: the track fields, the
tables, how its cues keep their colours). :class:`Side` is the SQL that reads one such
file, ATTACHed read-only under a schema name, through the normalised columns
(:data:`TRACK_COLUMNS`, :data:`CUE_COLUMNS`): a library's ``library`` joined to
``track_locations`` and a snapshot's ``tracks`` look the same to the comparison and to
the snapshot writer. Here too: the one read-only open of a file and its ATTACH, and the
tidying of the empty ``-wal``/``-shm`` such a read leaves.

Stands on the connection layer (opening, errors), the schema inspection, the cue tables
and the open library (``None`` as a side); ``diff.compare`` and ``diff.snapshots`` build on it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixxx_peewee.core.connection import check_file
from mixxx_peewee.core.connection import open_read_only
from mixxx_peewee.core.connection import read_error
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import translate_sqlite_error
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.schema import cue_color_encoding
from mixxx_peewee.core.trackfields import DIFF_FIELDS
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.library import current_library
from mixxx_peewee.library import drop_scratch_files
from mixxx_peewee.tracks.cues import PALETTE

__all__ = [
    "CUE_COLUMNS",
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "TRACK_COLUMNS",
    "Side",
    "Source",
    "add_digest_function",
    "attach_read_only",
    "comparison_error",
    "ids_table",
    "read_source",
    "tidy_up",
]

# What a snapshot file says it is (its snapshot_info table), so a side can tell.
SNAPSHOT_FORMAT = "mixxx-peewee snapshot"
SNAPSHOT_VERSION = 1

_BLOBS = ("beats", "keys")  # compared by content; reported and stored as digests
# The normalised columns of a track, as a snapshot stores them.
TRACK_COLUMNS = ("id", "hidden", *DIFF_FIELDS, "samplerate")
CUE_COLUMNS = ("id", "track_id", "type", "position", "length", "hotcue", "label", "color")
_COMPACT_BYTES = 64  # a snapshot keeps blobs up to this size; longer ones as a digest


@dataclass(frozen=True)
class Source:
    """One file to compare: a Mixxx library or a snapshot, and the fields it has."""

    path: Path
    snapshot: bool
    fields: frozenset[str]
    tables: frozenset[str] = frozenset()
    cue_colors: str = "rgb"  # library files: "rgb", "palette" (revisions 27-31) or "none"
    revision: int | None = None
    # No -wal/-shm beside it before we looked: those our reading makes are removed (tidy_up).
    tidy: bool = False


def _resolve(path: str | os.PathLike[str] | None) -> Path:
    """The file a side names (None: the open library's); DatabaseNotFoundError if none."""
    if path is None:
        return current_library().path
    resolved = Path(os.path.expanduser(os.fspath(path)))
    if not resolved.exists():
        raise DatabaseNotFoundError(f"{resolved}: no such file")
    return resolved


# Opening a file read-only: the one place in diff/ (a library or a snapshot, never written).
def attach_read_only(conn: sqlite3.Connection, path: Path, schema: str) -> None:
    """ATTACH ``path`` read-only to ``conn`` as ``schema`` (our error on failure)."""
    try:
        conn.execute(f"ATTACH DATABASE ? AS {schema}", (sqlite_uri(path, "ro"),))
    except sqlite3.Error as exc:
        raise read_error(exc, path) from None


def read_source(path: str | os.PathLike[str] | None) -> Source:
    """Look at a file: a snapshot (its format and fields) or a Mixxx library (its schema)."""
    resolved = _resolve(path)
    check_file(resolved)
    tidy = bool(_no_scratch_files(resolved))
    try:
        conn = open_read_only(resolved)
    except Exception:
        if tidy:
            tidy_up([resolved])
        raise
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "snapshot_info" in tables:
            info = dict(conn.execute("SELECT name, value FROM snapshot_info").fetchall())
            if info.get("format") != SNAPSHOT_FORMAT:
                raise NotAMixxxDatabaseError(f"{resolved}: not a Mixxx library or snapshot")
            if str(info.get("version")) != str(SNAPSHOT_VERSION):
                raise SchemaVersionError(
                    f"{resolved}: snapshot format {info.get('version')} is not one this "
                    f"package reads ({SNAPSHOT_VERSION})"
                )
            fields = frozenset(str(info.get("fields", "")).split(",")) & set(DIFF_FIELDS)
            return Source(resolved, True, fields, tidy=tidy)
        report = inspect_schema(conn)
    except sqlite3.Error as exc:
        raise read_error(exc, resolved) from None
    finally:
        conn.close()
        if tidy:
            tidy_up([resolved])
    if report.verdict is Verdict.NOT_MIXXX:
        raise NotAMixxxDatabaseError(
            f"{resolved}: not a Mixxx library or snapshot ({report.reason})"
        )
    library = report.live.get("library", {})
    fields = frozenset(
        f for f in DIFF_FIELDS if f in library or (f == "location" and "track_locations" in tables)
    )
    revision = report.matched_revision or report.version
    colors = cue_color_encoding(revision) if report.has_column("cues", "color") else "none"
    present = frozenset(t for t in tables if report.live.get(t))
    return Source(resolved, False, fields, present, colors, revision, tidy)


class Side:
    """SQL that reads one attached file (``schema``) through the normalised columns."""

    def __init__(self, source: Source, schema: str, alias: str, fields: frozenset[str]) -> None:
        self.source = source
        self.schema = schema
        self.alias = alias  # prefix of the table aliases in a join
        self.fields = fields

    def _has(self, table: str) -> bool:
        """Whether the file has ``table`` with its columns (a snapshot has every table)."""
        return self.source.snapshot or table in self.source.tables

    # tracks: FROM clause and one expression per normalised column
    def track_from(self) -> str:
        """The ``FROM`` clause of this side's tracks (a library's joined to their paths)."""
        s, a = self.schema, self.alias
        if self.source.snapshot:
            return f"{s}.tracks AS {a}_l"
        return (
            f"{s}.library AS {a}_l LEFT JOIN {s}.track_locations AS {a}_tl"
            f" ON {a}_tl.id = {a}_l.location"
        )

    def track_join(self, on: str, *, left: bool = False) -> str:
        """``JOIN`` (or ``LEFT JOIN``) this side's tracks to another side's, on the id ``on``."""
        s, a = self.schema, self.alias
        join = "LEFT JOIN" if left else "JOIN"
        if self.source.snapshot:
            return f"{join} {s}.tracks AS {a}_l ON {a}_l.id = {on}"
        return (
            f"{join} {s}.library AS {a}_l ON {a}_l.id = {on} LEFT JOIN {s}.track_locations"
            f" AS {a}_tl ON {a}_tl.id = {a}_l.location"
        )

    def track_table(self) -> str:
        """The table holding this side's tracks, one row each."""
        return f"{self.schema}.{'tracks' if self.source.snapshot else 'library'}"

    def column(self, name: str, *, blobs: str = "digest") -> str:
        """The normalised column ``name``; ``blobs``: ``digest`` (as reported), ``compact``
        (as a snapshot stores them) or ``raw``."""
        a = self.alias
        if self.source.snapshot:
            if name in _BLOBS and blobs == "digest":
                return f'mp_digest({a}_l."{name}")'
            return f'{a}_l."{name}"'
        if name == "id":
            return f"{a}_l.id"
        if name == "hidden":
            return f"(coalesce({a}_l.mixxx_deleted, 0) != 0)"
        if name == "location":
            return f"{a}_tl.location" if "track_locations" in self.source.tables else "NULL"
        if name == "samplerate":
            return f"{a}_l.samplerate"
        if name not in self.source.fields:
            return "NULL"
        if name in _BLOBS and blobs == "digest":
            return f'mp_digest({a}_l."{name}")'
        if name in _BLOBS and blobs == "compact":
            return _compact(f'{a}_l."{name}"')
        return f'{a}_l."{name}"'

    def cues(self) -> str:
        """The normalised cues (:data:`CUE_COLUMNS`), colours as ``0xRRGGBB`` or NULL."""
        s = self.schema
        if self.source.snapshot:
            return f"SELECT {', '.join(CUE_COLUMNS)} FROM {s}.cues"
        if not self._has("cues"):
            return f"SELECT {', '.join('NULL' for _ in CUE_COLUMNS)} WHERE 0"
        mode = self.source.cue_colors
        if mode == "none":
            color = "NULL"
        elif mode == "palette":
            whens = " ".join(f"WHEN {k} THEN {v}" for k, v in PALETTE.items())
            color = f"CASE color {whens} ELSE color END"
        else:
            color = "(color & 16777215)"
        return (
            "SELECT id, track_id, type, position, length, hotcue, label,"
            f" {color} AS color FROM {s}.cues"
        )

    def crates(self) -> str:
        """``id, name``: every crate."""
        if self.source.snapshot:
            return f"SELECT id, name FROM {self.schema}.crates"
        if not self._has("crates"):
            return "SELECT NULL AS id, NULL AS name WHERE 0"
        return f"SELECT id, name FROM {self.schema}.crates"

    def crate_members(self) -> str:
        """``crate_id, track_id, name``: every membership with its crate's name."""
        s = self.schema
        if self.source.snapshot:
            return f"SELECT crate_id, track_id, crate_name AS name FROM {s}.crate_tracks"
        if not (self._has("crates") and self._has("crate_tracks")):
            return "SELECT NULL AS crate_id, NULL AS track_id, NULL AS name WHERE 0"
        return (
            f"SELECT ct.crate_id AS crate_id, ct.track_id AS track_id, c.name AS name"
            f" FROM {s}.crate_tracks AS ct JOIN {s}.crates AS c ON c.id = ct.crate_id"
        )

    def playlists(self) -> str:
        """``id, name, hidden``: user, Auto DJ and history playlists (not placeholders)."""
        if self.source.snapshot:
            return f"SELECT id, name, hidden FROM {self.schema}.playlists"
        if not self._has("Playlists"):
            return "SELECT NULL AS id, NULL AS name, NULL AS hidden WHERE 0"
        return (
            f"SELECT id, name, hidden FROM {self.schema}.Playlists"
            " WHERE coalesce(hidden, 0) >= 0"  # -1: Mixxx 2.5's historyPlaceholder
        )

    def entries(self) -> str:
        """``playlist_id, position, track_id``: every playlist entry."""
        if self.source.snapshot:
            return f"SELECT playlist_id, position, track_id FROM {self.schema}.playlist_tracks"
        if not self._has("PlaylistTracks"):
            return "SELECT NULL AS playlist_id, NULL AS position, NULL AS track_id WHERE 0"
        return f"SELECT playlist_id, position, track_id FROM {self.schema}.PlaylistTracks"


def _digest(blob: Any) -> str | None:
    """A short digest of a beats/keys blob (None for none): equal blobs, equal digests.

    Text is a digest already (a snapshot's, see :data:`_COMPACT_BYTES`) and stays as it is.
    """
    if blob is None or isinstance(blob, str):
        return blob
    return hashlib.blake2b(bytes(blob), digest_size=8).hexdigest()


def add_digest_function(conn: sqlite3.Connection) -> None:
    """Let the SQL on ``conn`` call ``mp_digest(blob)`` (what :meth:`Side.column` reports)."""
    conn.create_function("mp_digest", 1, _digest, deterministic=True)


def _compact(column: str) -> str:
    """SQL for how a snapshot keeps a blob: small ones as they are, big ones as a digest.

    Grids and key maps are mostly a few bytes; hashing only the long beat maps keeps
    a snapshot, and a diff against one, off Python for most rows.
    """
    return (
        f"CASE WHEN length({column}) <= {_COMPACT_BYTES} OR typeof({column}) != 'blob'"
        f" THEN {column} ELSE mp_digest({column}) END"
    )


def _no_scratch_files(*paths: Path) -> list[Path]:
    """The files among ``paths`` without ``-wal``/``-shm`` beside them (see tidy_up)."""
    return [p for p in paths if not any(Path(f"{p}{s}").exists() for s in ("-wal", "-shm"))]


def tidy_up(paths: Iterable[Path]) -> None:
    """Let SQLite delete the empty ``-wal``/``-shm`` our read-only reading of a WAL file made."""
    for path in paths:
        drop_scratch_files(path)


def ids_table(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Fill ``temp.diff_ids`` with ``ids`` (the tracks a closer look is limited to)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS diff_ids (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.diff_ids")
    conn.executemany("INSERT OR IGNORE INTO temp.diff_ids (id) VALUES (?)", ((i,) for i in ids))


def comparison_error(exc: sqlite3.Error, a: Path, b: Path) -> Exception:
    """An error of reading two attached files as ours, naming both (one if they are one)."""
    where = str(a) if a == b else f"{a} or {b}"
    return translate_sqlite_error(exc, where)
