"""Two states of a library compared, and the compact snapshot a later diff can start from.

:func:`diff_libraries` compares two Mixxx library files, two snapshots, or one of each,
and returns plain data (:class:`LibraryDiff`): tracks added, removed, hidden and unhidden
(matched by ``library.id``); per track the fields that changed, as users see them
(metadata, BPM and key, the beat grid and key map blobs by digest, rating, colour, play
counts, the file's path, and the names of the crates it is in); per track the cues added,
removed or changed; crates and playlists added, removed, renamed, their members added or
removed, and a playlist whose order changed.

It does not report what Mixxx recomputes or keeps for itself: waveforms, cover-art
caches, ``key_id``, the scanner's tables, history playlists' dates, the Auto DJ state.

The comparison runs in SQLite: one read-only connection ATTACHes both files
(``mode=ro``: never a byte written, no journal-mode switch), joins them by id and hands
Python only the rows that differ, so two 100,000-track libraries compare in about a second
with flat memory. Both kinds of file are read through the same normalised columns.

:func:`save_snapshot` writes what a diff needs (no blobs: digests of the beat grid and key
map) to a small SQLite file, atomically. Each membership row of the snapshot keeps the
crate's name, so that refreshing the state of some tracks only (``track_ids``) leaves every
other track's crates, renames included, still to be reported.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from mixxx_peewee.core.connection import check_file
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import translate_sqlite_error
from mixxx_peewee.core.fields import parse_mixxx_datetime
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.values import format_color
from mixxx_peewee.core.values import parse_track_ids
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import current_library
from mixxx_peewee.library import drop_scratch_files
from mixxx_peewee.tracks.cues import CUE_TYPES
from mixxx_peewee.tracks.cues import PALETTE

__all__ = [
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_VERSION",
    "TRACK_FIELDS",
    "CollectionChanges",
    "CollectionRef",
    "CollectionRename",
    "CueChange",
    "LibraryDiff",
    "MembershipChange",
    "TrackChange",
    "TrackRef",
    "diff_libraries",
    "save_snapshot",
]

SNAPSHOT_FORMAT = "mixxx-peewee snapshot"
SNAPSHOT_VERSION = 1

# The track fields a diff compares, in report order: model field name -> library column.
TRACK_FIELDS: tuple[str, ...] = (
    "artist", "title", "album", "album_artist", "genre", "composer", "grouping", "year",
    "comment", "tracknumber", "bpm", "key", "beats", "keys", "rating", "color",
    "timesplayed", "played", "last_played_at", "datetime_added", "location", "duration",
)  # fmt: skip
_BLOBS = ("beats", "keys")  # compared by content; reported and stored as digests
_FLOATS = frozenset({"bpm", "duration"})
_DATETIMES = frozenset({"last_played_at", "datetime_added"})
# The normalised columns of a track, as a snapshot stores them.
_TRACK_COLUMNS = ("id", "hidden", *TRACK_FIELDS, "samplerate")
_CUE_COLUMNS = ("id", "track_id", "type", "position", "length", "hotcue", "label", "color")
_SINGLE_CUES = frozenset({2, 6, 7, 8})  # main cue, intro, outro, audible range: one per track
_COMPACT_BYTES = 64  # a snapshot keeps blobs up to this size; longer ones as a digest
_RGB_FROM = 32  # cue colours are 0xRRGGBB from this revision; palette ids before

_SNAPSHOT_DDL = (
    "CREATE TABLE snapshot_info (name TEXT PRIMARY KEY, value TEXT)",
    # Untyped columns store each value exactly as the library holds it (no affinity).
    "CREATE TABLE tracks (id INTEGER PRIMARY KEY, "
    + ", ".join(f'"{c}"' for c in _TRACK_COLUMNS[1:])
    + ")",
    "CREATE TABLE cues (id INTEGER PRIMARY KEY, track_id, type, position, length, hotcue,"
    " label, color)",
    "CREATE TABLE crates (id INTEGER PRIMARY KEY, name)",
    "CREATE TABLE crate_tracks (track_id, crate_id, crate_name,"
    " PRIMARY KEY (track_id, crate_id)) WITHOUT ROWID",
    "CREATE TABLE playlists (id INTEGER PRIMARY KEY, name, hidden)",
    "CREATE TABLE playlist_tracks (playlist_id, position, track_id)",
    "CREATE INDEX playlist_tracks_playlist ON playlist_tracks (playlist_id, position)",
)


# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackRef:
    """A track by id, with its path (in the newer state when it has one)."""

    id: int
    location: str | None


@dataclass(frozen=True)
class TrackChange:
    """The fields of one track that differ: field name -> (old, new), as users see them."""

    id: int
    location: str | None
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class CueChange:
    """One track's cues that differ: added, removed, and changed ones as (old, new) pairs.

    A cue is a dict: ``id``, ``type`` (name), ``hotcue`` (from 1, or None), ``position`` and
    ``length`` in seconds (None without a samplerate), ``position_samples``,
    ``length_samples`` (as stored), ``label``, ``color`` (``#RRGGBB`` or None). Hotcues are
    matched by number, the main cue, intro and outro by type, other cues by id.
    """

    id: int
    location: str | None
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class CollectionRef:
    """A crate or playlist that only one side has, with its number of entries."""

    id: int
    name: str | None
    tracks: int


@dataclass(frozen=True)
class CollectionRename:
    """A crate or playlist whose name changed."""

    id: int
    old_name: str | None
    new_name: str | None


@dataclass(frozen=True)
class MembershipChange:
    """Entries of a crate or playlist (on both sides) added or removed, by track id.

    ``order_changed``: the tracks a playlist kept are in another order.
    """

    id: int
    name: str | None
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    order_changed: bool = False


@dataclass
class CollectionChanges:
    """What changed among the crates, or among the playlists."""

    added: list[CollectionRef] = field(default_factory=list)
    removed: list[CollectionRef] = field(default_factory=list)
    renamed: list[CollectionRename] = field(default_factory=list)
    membership: list[MembershipChange] = field(default_factory=list)

    def count(self) -> int:
        """How many crates (or playlists) differ in any way."""
        ids = {c.id for c in self.added} | {c.id for c in self.removed}
        ids |= {c.id for c in self.renamed} | {c.id for c in self.membership}
        return len(ids)


@dataclass
class LibraryDiff:
    """What changed from the ``old`` state to the ``new`` one (plain data).

    ``fields``: the track fields compared (those both sides have: ``last_played_at`` only
    from revision 35 on, ``color`` from 31).
    """

    old: str
    new: str
    fields: tuple[str, ...] = ()
    tracks_added: list[TrackRef] = field(default_factory=list)
    tracks_removed: list[TrackRef] = field(default_factory=list)
    tracks_hidden: list[TrackRef] = field(default_factory=list)
    tracks_unhidden: list[TrackRef] = field(default_factory=list)
    track_changes: list[TrackChange] = field(default_factory=list)
    cue_changes: list[CueChange] = field(default_factory=list)
    crates: CollectionChanges = field(default_factory=CollectionChanges)
    playlists: CollectionChanges = field(default_factory=CollectionChanges)

    def changed_track_ids(self) -> set[int]:
        """Tracks whose fields, cues or crates changed, plus those added, hidden or unhidden.

        Removed tracks are not in it (see ``tracks_removed``).
        """
        ids = {c.id for c in self.track_changes} | {c.id for c in self.cue_changes}
        for refs in (self.tracks_added, self.tracks_hidden, self.tracks_unhidden):
            ids.update(r.id for r in refs)
        return ids

    def is_empty(self) -> bool:
        """Whether the two states are the same in everything a diff compares."""
        return not any(self.counts().values())

    def counts(self) -> dict[str, int]:
        """How many of each kind of change: tracks added, fields changed, crates changed..."""
        return {
            "tracks_added": len(self.tracks_added),
            "tracks_removed": len(self.tracks_removed),
            "tracks_hidden": len(self.tracks_hidden),
            "tracks_unhidden": len(self.tracks_unhidden),
            "tracks_changed": len(self.track_changes),
            "cues_changed": len(self.cue_changes),
            "crates_changed": self.crates.count(),
            "playlists_changed": self.playlists.count(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole diff as JSON-ready data (tuples as lists)."""

        def refs(items: Iterable[Any]) -> list[dict[str, Any]]:
            return [dict(vars(i)) for i in items]

        def collections(changes: CollectionChanges) -> dict[str, Any]:
            return {
                "added": refs(changes.added),
                "removed": refs(changes.removed),
                "renamed": refs(changes.renamed),
                "membership": refs(changes.membership),
            }

        return {
            "old": self.old,
            "new": self.new,
            "fields": list(self.fields),
            "counts": self.counts(),
            "tracks": {
                "added": refs(self.tracks_added),
                "removed": refs(self.tracks_removed),
                "hidden": refs(self.tracks_hidden),
                "unhidden": refs(self.tracks_unhidden),
                "changed": [
                    {
                        "id": c.id,
                        "location": c.location,
                        "fields": {k: [_json(o), _json(n)] for k, (o, n) in c.fields.items()},
                    }
                    for c in self.track_changes
                ],
            },
            "cues": [
                {
                    "id": c.id,
                    "location": c.location,
                    "added": c.added,
                    "removed": c.removed,
                    "changed": [[old, new] for old, new in c.changed],
                }
                for c in self.cue_changes
            ],
            "crates": collections(self.crates),
            "playlists": collections(self.playlists),
        }

    def rows(self) -> Iterator[dict[str, Any]]:
        """One flat dict per change (for JSON lines), each with ``table`` and ``kind``.

        Tracks: ``added``/``removed``/``hidden``/``unhidden`` (``id``, ``location``) and
        ``changed`` (one row per field: ``field``, ``old``, ``new``). Cues: ``added``,
        ``removed`` (``old``/``new`` is the cue) and ``changed`` (one row per field) with
        the track in ``track_id``. Crates and playlists: ``added``/``removed`` (``id``,
        ``name``, ``tracks``), ``renamed`` (``old``, ``new``), ``track added``/``track
        removed`` (``track_id``) and, for playlists, ``order changed``.
        """
        for kind, refs in (
            ("added", self.tracks_added),
            ("removed", self.tracks_removed),
            ("hidden", self.tracks_hidden),
            ("unhidden", self.tracks_unhidden),
        ):
            for ref in refs:
                yield {"table": "tracks", "kind": kind, "id": ref.id, "location": ref.location}
        for change in self.track_changes:
            for name, (old, new) in change.fields.items():
                yield {"table": "tracks", "kind": "changed", "id": change.id,
                       "location": change.location, "field": name,
                       "old": _json(old), "new": _json(new)}  # fmt: skip
        for cues in self.cue_changes:
            where = {"track_id": cues.id, "location": cues.location}
            for cue in cues.removed:
                yield {"table": "cues", "kind": "removed", "id": cue["id"], "name": _cue_name(cue),
                       **where, "old": cue, "new": None}  # fmt: skip
            for cue in cues.added:
                yield {"table": "cues", "kind": "added", "id": cue["id"], "name": _cue_name(cue),
                       **where, "old": None, "new": cue}  # fmt: skip
            for old, new in cues.changed:
                for name in old:
                    if name in ("position_samples", "length_samples"):
                        seconds = name.removesuffix("_samples")
                        if old[seconds] is not None or new[seconds] is not None:
                            continue  # the seconds say it (samples only without a samplerate)
                    if name != "id" and old[name] != new[name]:
                        yield {"table": "cues", "kind": "changed", "id": new["id"],
                               "name": _cue_name(new), **where, "field": name,
                               "old": old[name], "new": new[name]}  # fmt: skip
        for table, changes in (("crates", self.crates), ("playlists", self.playlists)):
            for kind, collections in (("added", changes.added), ("removed", changes.removed)):
                for c in collections:
                    yield {"table": table, "kind": kind, "id": c.id, "name": c.name,
                           "tracks": c.tracks}  # fmt: skip
            for r in changes.renamed:
                yield {"table": table, "kind": "renamed", "id": r.id, "name": r.new_name,
                       "field": "name", "old": r.old_name, "new": r.new_name}  # fmt: skip
            for m in changes.membership:
                for kind, ids in (("track added", m.added), ("track removed", m.removed)):
                    for track_id in ids:
                        yield {"table": table, "kind": kind, "id": m.id, "name": m.name,
                               "track_id": track_id}  # fmt: skip
                if m.order_changed:
                    yield {"table": table, "kind": "order changed", "id": m.id, "name": m.name}


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _cue_name(cue: dict[str, Any]) -> str:
    """``hotcue 3``, ``main``, ``loop``: how a user names a cue."""
    return f"hotcue {cue['hotcue']}" if cue.get("hotcue") else str(cue["type"])


# --- the two sides ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """One file to compare: a Mixxx library or a snapshot, and the fields it has."""

    path: Path
    snapshot: bool
    fields: frozenset[str]
    tables: frozenset[str] = frozenset()
    cue_colors: str = "rgb"  # library files: "rgb", "palette" (revisions 27-31) or "none"
    revision: int | None = None
    # No -wal/-shm beside it before we looked: those our reading makes are removed (_tidy).
    tidy: bool = False


def _resolve(path: str | os.PathLike[str] | None) -> Path:
    if path is None:
        return current_library().path
    resolved = Path(os.path.expanduser(os.fspath(path)))
    if not resolved.exists():
        raise DatabaseNotFoundError(f"{resolved}: no such file")
    return resolved


def _read_only(path: Path, timeout_ms: int = 5000) -> sqlite3.Connection:
    try:
        return sqlite3.connect(sqlite_uri(path, "ro"), uri=True, timeout=timeout_ms / 1000)
    except sqlite3.Error as exc:
        raise _read_error(exc, path) from None


def _read_error(exc: sqlite3.Error, path: Path) -> Exception:
    """A read-only read's error as ours; a hot journal gets the advice of a read-only open."""
    if "readonly" in str(exc).lower():
        return DatabaseConnectionError(
            f"{path}: a crashed program left a hot journal; open it once without read-only"
            " so SQLite can roll it back"
        )
    return translate_sqlite_error(exc, path)


def _source(path: str | os.PathLike[str] | None) -> _Source:
    """Look at a file: a snapshot (its format and fields) or a Mixxx library (its schema)."""
    resolved = _resolve(path)
    check_file(resolved)
    tidy = bool(_no_scratch_files(resolved))
    conn = _read_only(resolved)
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
            fields = frozenset(str(info.get("fields", "")).split(",")) & set(TRACK_FIELDS)
            return _Source(resolved, True, fields, tidy=tidy)
        report = inspect_schema(conn)
    except sqlite3.Error as exc:
        raise _read_error(exc, resolved) from None
    finally:
        conn.close()
        if tidy:
            _tidy([resolved])
    if report.verdict is Verdict.NOT_MIXXX:
        raise NotAMixxxDatabaseError(
            f"{resolved}: not a Mixxx library or snapshot ({report.reason})"
        )
    library = report.live.get("library", {})
    fields = frozenset(
        f for f in TRACK_FIELDS if f in library or (f == "location" and "track_locations" in tables)
    )
    revision = report.matched_revision or report.version
    if not report.has_column("cues", "color"):
        colors = "none"
    elif revision is not None and revision < _RGB_FROM:
        colors = "palette"
    else:
        colors = "rgb"
    present = frozenset(t for t in tables if report.live.get(t))
    return _Source(resolved, False, fields, present, colors, revision, tidy)


class _Side:
    """SQL that reads one attached file (``schema``) through the normalised columns."""

    def __init__(self, source: _Source, schema: str, alias: str, fields: frozenset[str]) -> None:
        self.source = source
        self.schema = schema
        self.alias = alias  # prefix of the table aliases in a join
        self.fields = fields

    def _has(self, table: str) -> bool:
        return self.source.snapshot or table in self.source.tables

    # tracks: FROM clause and one expression per normalised column
    def track_from(self) -> str:
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
        s = self.schema
        if self.source.snapshot:
            return f"SELECT {', '.join(_CUE_COLUMNS)} FROM {s}.cues"
        if not self._has("cues"):
            return f"SELECT {', '.join('NULL' for _ in _CUE_COLUMNS)} WHERE 0"
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


def _compact(column: str) -> str:
    """SQL for how a snapshot keeps a blob: small ones as they are, big ones as a digest.

    Grids and key maps are mostly a few bytes; hashing only the long beat maps keeps
    a snapshot, and a diff against one, off Python for most rows.
    """
    return (
        f"CASE WHEN length({column}) <= {_COMPACT_BYTES} OR typeof({column}) != 'blob'"
        f" THEN {column} ELSE mp_digest({column}) END"
    )


def _compare_connection(busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection of its own (an in-memory main database) that files are ATTACHed to."""
    conn = sqlite3.connect(
        "file:mixxx-peewee-diff?mode=memory",
        uri=True,
        isolation_level=None,
        timeout=busy_timeout_ms / 1000,
    )
    conn.create_function("mp_digest", 1, _digest, deterministic=True)
    return conn


def _no_scratch_files(*paths: Path) -> list[Path]:
    """The files among ``paths`` without ``-wal``/``-shm`` beside them (see _tidy)."""
    return [p for p in paths if not any(Path(f"{p}{s}").exists() for s in ("-wal", "-shm"))]


def _tidy(paths: Iterable[Path]) -> None:
    """Let SQLite delete the empty ``-wal``/``-shm`` our read-only reading of a WAL file made."""
    for path in paths:
        drop_scratch_files(path)


def _attach(conn: sqlite3.Connection, path: Path, schema: str) -> None:
    try:
        conn.execute(f"ATTACH DATABASE ? AS {schema}", (sqlite_uri(path, "ro"),))
    except sqlite3.Error as exc:
        raise _read_error(exc, path) from None


# --- the diff --------------------------------------------------------------------------------


def diff_libraries(
    a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None
) -> LibraryDiff:
    """What changed from ``a`` (older) to ``b`` (newer): library files, snapshots, or None
    for the open library. Reads only; tracks are matched by id.

    Raises DatabaseNotFoundError, NotAMixxxDatabaseError, CorruptDatabaseError,
    DatabaseBusyError, SchemaVersionError (a snapshot of a newer format),
    LibraryNotOpenError (None without an open library).
    """
    old, new = _source(a), _source(b)
    fields = old.fields & new.fields
    timeout = _busy_timeout(a, b)
    conn = _compare_connection(timeout)
    try:
        _attach(conn, old.path, "a")
        _attach(conn, new.path, "b")
        sa, sb = _Side(old, "a", "a", fields), _Side(new, "b", "b", fields)
        result = LibraryDiff(
            str(old.path), str(new.path), tuple(f for f in TRACK_FIELDS if f in fields)
        )
        conn.execute("BEGIN")  # one consistent read of both files
        _diff_tracks(conn, sa, sb, result)
        _diff_crates(conn, sa, sb, result)
        _diff_playlists(conn, sa, sb, result)
        _diff_cues(conn, sa, sb, result)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise _comparison_error(exc, old.path, new.path) from None
    finally:
        conn.close()
        _tidy(s.path for s in (old, new) if s.tidy)
    result.track_changes.sort(key=lambda c: c.id)
    return result


def _busy_timeout(*sides: object) -> int:
    if any(s is None for s in sides):
        return current_library().busy_timeout_ms
    return 5000


def _comparison_error(exc: sqlite3.Error, a: Path, b: Path) -> Exception:
    where = str(a) if a == b else f"{a} or {b}"
    return translate_sqlite_error(exc, where)


def _diff_tracks(conn: sqlite3.Connection, sa: _Side, sb: _Side, result: LibraryDiff) -> None:
    # Two libraries: compare the blobs themselves, digest only the rows reported; with a
    # snapshot: compare the compact form it stores (see _compact).
    blobs = "raw" if not (sa.source.snapshot or sb.source.snapshot) else "compact"
    compared = [f for f in TRACK_FIELDS if f in sa.fields]
    differs = " OR ".join(
        f"{sa.column(f, blobs=blobs)} IS NOT {sb.column(f, blobs=blobs)}"
        for f in ("hidden", *compared)
    )
    selected = ", ".join(f"{side.column(f)}" for side in (sa, sb) for f in ("hidden", *compared))
    # One pass over the older side: changed tracks, and removed ones (no match).
    sql = (
        f"SELECT {sa.column('id')}, {sb.column('id')} IS NULL, {selected}"
        f" FROM {sa.track_from()} {sb.track_join(sa.column('id'), left=True)}"
        f" WHERE {sb.column('id')} IS NULL OR {differs}"
    )
    width = 1 + len(compared)
    for row in conn.execute(sql):
        track_id = row[0]
        before = dict(zip(("hidden", *compared), row[2 : 2 + width], strict=True))
        if row[1]:
            result.tracks_removed.append(TrackRef(track_id, before.get("location")))
            continue
        after = dict(zip(("hidden", *compared), row[2 + width :], strict=True))
        location = after.get("location")
        ref = TrackRef(track_id, location)
        if before["hidden"] != after["hidden"]:
            (result.tracks_hidden if after["hidden"] else result.tracks_unhidden).append(ref)
        shown = (
            (f, _shown(f, before[f]), _shown(f, after[f]))
            for f in compared
            if before[f] != after[f]
        )
        changed = {f: (old, new) for f, old, new in shown if old != new}
        if changed:
            result.track_changes.append(TrackChange(track_id, location, changed))
    added = _only_in_newer(
        conn, sb.track_table(), sa.track_table(), len(result.tracks_removed),
        f"SELECT {sb.column('id')}, {sb.column('location')} FROM {sb.track_from()}",
        sb.column("id"),
    )  # fmt: skip
    result.tracks_added.extend(TrackRef(r[0], r[1]) for r in added)
    for refs in (result.tracks_removed, result.tracks_hidden, result.tracks_unhidden):
        refs.sort(key=lambda r: r.id)


def _only_in_newer(
    conn: sqlite3.Connection,
    newer: str,
    older: str,
    removed: int,
    select: str,
    id_column: str,
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (over the table ``newer``) whose id the table ``older`` lacks.

    New rows get ids above the older side's highest (SQLite's rowid rule): those are found
    by a range; the counts tell whether any other id is new, and only then is every row
    looked up (``removed``: how many ids of ``older`` the newer side lacks).
    """
    count_old, highest = conn.execute(f"SELECT count(*), max(id) FROM {older}").fetchone()
    (count_new,) = conn.execute(f"SELECT count(*) FROM {newer}").fetchone()
    if highest is None:
        return conn.execute(f"{select} ORDER BY {id_column}").fetchall()
    above = conn.execute(
        f"{select} WHERE {id_column} > ? ORDER BY {id_column}", (highest,)
    ).fetchall()
    if count_new - (count_old - removed) == len(above):
        return above
    return conn.execute(
        f"{select} WHERE NOT EXISTS (SELECT 1 FROM {older} WHERE id = {id_column})"
        f" ORDER BY {id_column}"
    ).fetchall()


def _shown(name: str, value: Any) -> Any:
    """A stored value as users see it (the CLI's JSON): colours ``#RRGGBB``, dates ISO UTC."""
    if value is None:
        return None
    if name in _FLOATS and isinstance(value, int):
        return float(value)
    if name == "color" and isinstance(value, int):
        return format_color(value)
    if name in _DATETIMES and isinstance(value, str):
        return _iso_utc(value)
    return value


def _iso_utc(text: str) -> str:
    """Mixxx's datetime text as ISO 8601 UTC (``2024-10-18T20:57:00Z``); other text as is."""
    if text.endswith("Z") and text[10:11] == "T":
        return text
    moment = parse_mixxx_datetime(text)
    if moment is None:
        return text
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _common_ids(result: LibraryDiff) -> tuple[set[int], set[int]]:
    """Tracks only one side has (their crates and cues are part of being added/removed)."""
    return {r.id for r in result.tracks_added}, {r.id for r in result.tracks_removed}


def _diff_crates(conn: sqlite3.Connection, sa: _Side, sb: _Side, result: LibraryDiff) -> None:
    changes = result.crates
    old = {r[0]: r[1] for r in conn.execute(sa.crates())}
    new = {r[0]: r[1] for r in conn.execute(sb.crates())}
    _added_removed(conn, changes, old, new, sa.crate_members(), sb.crate_members(), "crate_id")
    # Memberships with their crate's name that one side lacks: a pair on both lists is a
    # rename; on one list only, a track added to (or removed from) the crate.
    gained, lost = (
        conn.execute(
            f"SELECT crate_id, track_id, name FROM ({first.crate_members()})"
            f" EXCEPT SELECT crate_id, track_id, name FROM ({second.crate_members()})"
        ).fetchall()
        for first, second in ((sb, sa), (sa, sb))
    )
    pairs_gained = {(c, t) for c, t, _ in gained}
    pairs_lost = {(c, t) for c, t, _ in lost}
    by_crate: dict[int, MembershipChange] = {}
    for pairs, other, kind in (
        (pairs_gained, pairs_lost, "added"),
        (pairs_lost, pairs_gained, "removed"),
    ):
        for crate_id, track_id in sorted(pairs - other):
            if crate_id in old and crate_id in new:
                entry = by_crate.setdefault(crate_id, MembershipChange(crate_id, new[crate_id]))
                (entry.added if kind == "added" else entry.removed).append(track_id)
    changes.membership.extend(by_crate[k] for k in sorted(by_crate))
    # Per track: the names of its crates (a rename or a membership changes them).
    added, removed = _common_ids(result)
    touched = {t for _, t, _ in gained} | {t for _, t, _ in lost}
    touched -= added | removed
    if not touched:
        return
    _ids_table(conn, touched)
    names: list[dict[int, list[str]]] = []
    for side in (sa, sb):
        found: dict[int, list[str]] = {}
        sql = (
            f"SELECT track_id, name FROM ({side.crate_members()})"
            " WHERE track_id IN (SELECT id FROM temp.diff_ids)"
        )
        for track_id, name in conn.execute(sql):
            found.setdefault(track_id, []).append(name)
        names.append(found)
    locations = _locations(conn, sb, sa)
    by_id = {c.id: c for c in result.track_changes}
    for track_id in sorted(touched):
        before = tuple(sorted(names[0].get(track_id, []), key=_name_key))
        after = tuple(sorted(names[1].get(track_id, []), key=_name_key))
        if before == after:
            continue
        change = by_id.get(track_id)
        if change is None:
            change = TrackChange(track_id, locations.get(track_id), {})
            by_id[track_id] = change
            result.track_changes.append(change)
        change.fields["crates"] = (before, after)


def _name_key(name: Any) -> str:
    return "" if name is None else str(name)


def _ids_table(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS diff_ids (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.diff_ids")
    conn.executemany("INSERT OR IGNORE INTO temp.diff_ids (id) VALUES (?)", ((i,) for i in ids))


def _locations(conn: sqlite3.Connection, *sides: _Side) -> dict[int, str | None]:
    """The paths of the tracks in ``temp.diff_ids`` (the first side that has one wins)."""
    found: dict[int, str | None] = {}
    for side in reversed(sides):
        sql = (
            f"SELECT {side.column('id')}, {side.column('location')} FROM {side.track_from()}"
            f" WHERE {side.column('id')} IN (SELECT id FROM temp.diff_ids)"
        )
        found.update((r[0], r[1]) for r in conn.execute(sql))
    return found


def _added_removed(
    conn: sqlite3.Connection,
    changes: CollectionChanges,
    old: dict[int, Any],
    new: dict[int, Any],
    old_members: str,
    new_members: str,
    key: str,
) -> None:
    """Collections only one side has (with their sizes), and renamed ones."""
    for ids, names, members, refs in (
        (sorted(set(new) - set(old)), new, new_members, changes.added),
        (sorted(set(old) - set(new)), old, old_members, changes.removed),
    ):
        if not ids:
            continue
        marks = ", ".join("?" * len(ids))
        sizes = dict(
            conn.execute(
                f"SELECT {key}, count(*) FROM ({members}) WHERE {key} IN ({marks}) GROUP BY 1",
                ids,
            ).fetchall()
        )
        refs.extend(CollectionRef(i, names[i], sizes.get(i, 0)) for i in ids)
    changes.renamed.extend(
        CollectionRename(i, old[i], new[i]) for i in sorted(set(old) & set(new)) if old[i] != new[i]
    )


def _diff_playlists(conn: sqlite3.Connection, sa: _Side, sb: _Side, result: LibraryDiff) -> None:
    changes = result.playlists
    old = {r[0]: r[1] for r in conn.execute(sa.playlists())}
    new = {r[0]: r[1] for r in conn.execute(sb.playlists())}
    _added_removed(conn, changes, old, new, sa.entries(), sb.entries(), "playlist_id")
    # Each playlist's entries as one text: equal texts, equal entries (any concatenation
    # order gives the same pairs, so a difference in order alone only costs a closer look).
    signatures = [
        dict(
            conn.execute(
                "SELECT playlist_id, group_concat(position || ':' || track_id) FROM"
                f" (SELECT playlist_id, position, track_id FROM ({side.entries()})"
                " ORDER BY playlist_id, position) GROUP BY playlist_id"
            ).fetchall()
        )
        for side in (sa, sb)
    ]
    for playlist_id in sorted(set(old) & set(new)):
        if signatures[0].get(playlist_id) == signatures[1].get(playlist_id):
            continue
        sequences = [
            [
                r[0]
                for r in conn.execute(
                    f"SELECT track_id FROM ({side.entries()}) WHERE playlist_id = ?"
                    " ORDER BY position, track_id",
                    (playlist_id,),
                )
            ]
            for side in (sa, sb)
        ]
        change = _sequence_change(playlist_id, new[playlist_id], *sequences)
        if change is not None:
            changes.membership.append(change)


def _sequence_change(
    playlist_id: int, name: str | None, before: Sequence[int], after: Sequence[int]
) -> MembershipChange | None:
    """Entries added and removed (as multisets) and whether the kept ones changed order."""
    old, new = Counter(before), Counter(after)
    added = sorted((new - old).elements())
    removed = sorted((old - new).elements())
    kept = old & new

    def kept_order(sequence: Sequence[int]) -> list[int]:
        left = Counter(kept)
        out = []
        for track_id in sequence:
            if left[track_id] > 0:
                left[track_id] -= 1
                out.append(track_id)
        return out

    if not added:  # entries removed only: order kept if the rest is a subsequence
        reordered = not _is_subsequence(after, before)
    elif not removed:
        reordered = not _is_subsequence(before, after)
    else:  # both, with repeats: which repeat went is a guess; compare first occurrences
        reordered = kept_order(before) != kept_order(after)
    if not (added or removed or reordered):
        return None
    return MembershipChange(playlist_id, name, added, removed, reordered)


def _is_subsequence(part: Sequence[int], whole: Sequence[int]) -> bool:
    """Whether ``part`` is ``whole`` with some entries left out (order kept)."""
    remaining = iter(whole)
    return all(any(item == other for other in remaining) for item in part)


def _diff_cues(conn: sqlite3.Connection, sa: _Side, sb: _Side, result: LibraryDiff) -> None:
    differs = " OR ".join(f"x.{c} IS NOT y.{c}" for c in _CUE_COLUMNS[1:])
    touched: set[int] = set()
    removed = 0
    # Cues by id: changed and removed ones in one pass, new ones by _only_in_newer.
    sql = (
        f"SELECT x.track_id, y.track_id, y.id IS NULL FROM ({sa.cues()}) AS x"
        f" LEFT JOIN ({sb.cues()}) AS y ON y.id = x.id WHERE y.id IS NULL OR {differs}"
    )
    for one, two, gone in conn.execute(sql):
        removed += gone
        touched.update(t for t in (one, two) if t is not None)
    new_cues = _only_in_newer(
        conn, f"({sb.cues()})", f"({sa.cues()})", removed,
        f"SELECT x.id, x.track_id FROM ({sb.cues()}) AS x", "x.id",
    )  # fmt: skip
    touched.update(r[1] for r in new_cues if r[1] is not None)
    added, gone_tracks = _common_ids(result)
    touched -= added | gone_tracks
    if not touched:
        return
    _ids_table(conn, touched)
    cues: list[dict[int, list[dict[str, Any]]]] = []
    for side in (sa, sb):
        rates = {
            r[0]: r[1]
            for r in conn.execute(
                f"SELECT {side.column('id')}, {side.column('samplerate')} FROM {side.track_from()}"
                f" WHERE {side.column('id')} IN (SELECT id FROM temp.diff_ids)"
            )
        }
        found: dict[int, list[dict[str, Any]]] = {}
        sql = (
            f"SELECT {', '.join(_CUE_COLUMNS)} FROM ({side.cues()})"
            " WHERE track_id IN (SELECT id FROM temp.diff_ids) ORDER BY track_id, position, id"
        )
        for row in conn.execute(sql):
            found.setdefault(row[1], []).append(_cue(row, rates.get(row[1])))
        cues.append(found)
    locations = _locations(conn, sb, sa)
    for track_id in sorted(touched):
        change = _cue_change(track_id, locations.get(track_id), cues[0], cues[1])
        if change is not None:
            result.cue_changes.append(change)


def _cue(row: Sequence[Any], rate: Any) -> dict[str, Any]:
    cue_id, _track, kind, position, length, hotcue, label, color = row
    rate = rate if isinstance(rate, (int, float)) and rate > 0 else None

    def seconds(samples: Any, *, is_length: bool = False) -> float | None:
        if rate is None or not isinstance(samples, (int, float)):
            return None
        if not is_length and samples < 0:
            return None  # -1: no position
        return float(samples) / 2.0 / float(rate)

    return {
        "id": cue_id,
        "type": CUE_TYPES.get(kind, f"unknown ({kind})"),
        "hotcue": hotcue + 1 if isinstance(hotcue, int) and hotcue >= 0 else None,
        "position": seconds(position),
        "length": seconds(length, is_length=True),
        "position_samples": position,
        "length_samples": length,
        "label": label,
        "color": format_color(color) if isinstance(color, int) else None,
    }


def _cue_key(cue: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two cues the same cue: its hotcue number, a single cue's type, else its id."""
    if cue["hotcue"] is not None:
        return ("hotcue", cue["hotcue"])
    kind = next((k for k, v in CUE_TYPES.items() if v == cue["type"]), None)
    if kind in _SINGLE_CUES:
        return ("type", cue["type"])
    return ("id", cue["id"])


def _cue_change(
    track_id: int,
    location: str | None,
    before: dict[int, list[dict[str, Any]]],
    after: dict[int, list[dict[str, Any]]],
) -> CueChange | None:
    old: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    new: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for cue in before.get(track_id, []):
        old.setdefault(_cue_key(cue), []).append(cue)
    for cue in after.get(track_id, []):
        new.setdefault(_cue_key(cue), []).append(cue)
    change = CueChange(track_id, location)
    for key in sorted(set(old) | set(new), key=repr):
        olds, news = old.get(key, []), new.get(key, [])
        for o, n in zip(olds, news, strict=False):
            if _without_id(o) != _without_id(n):
                change.changed.append((o, n))
        change.removed.extend(olds[len(news) :])
        change.added.extend(news[len(olds) :])
    if not (change.added or change.removed or change.changed):
        return None
    return change


def _without_id(cue: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cue.items() if k != "id"}


# --- the snapshot ----------------------------------------------------------------------------


def save_snapshot(
    dest: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str] | None = None,
    track_ids: Iterable[int] | None = None,
) -> Path:
    """Write the compact state of a library (what :func:`diff_libraries` reads) to ``dest``.

    ``source``: a library file or a snapshot (None: the open library). The whole state is
    written to a temporary file and renamed over ``dest``. With ``track_ids``, only those
    tracks' state (row, cues, crate and playlist memberships with the crates' names) is
    replaced in ``dest`` (created empty if missing), in one transaction; the rest of
    ``dest`` is left as it was (so crates and playlists themselves, and the positions of
    other tracks' playlist entries, stay as last saved whole). Returns ``dest``.
    Raises DatabaseNotFoundError, NotAMixxxDatabaseError, CorruptDatabaseError,
    ValidationError (``dest`` is the source, or no snapshot), DatabaseConnectionError.
    """
    target = Path(os.path.expanduser(os.fspath(dest)))
    src = _source(source)
    if target.exists() and target.resolve() == src.path.resolve():
        raise ValidationError(f"{target}: is the source itself")
    if target.is_dir():
        raise ValidationError(f"{target}: is a directory")
    replacing = target.exists() and target.stat().st_size > 0
    if replacing:
        _check_snapshot(target)
    ids = None if track_ids is None else parse_track_ids(track_ids)
    try:
        if ids is None:
            _save_whole(src, target)
        else:
            if not replacing:
                _save_whole(src, target, empty=True)
            _save_tracks(src, target, ids)
    finally:
        _tidy([src.path] if src.tidy else [])
    return target


def _check_snapshot(target: Path) -> None:
    """Refuse to write over a file that is no snapshot (a library given by mistake)."""
    try:
        existing = _source(target)
    except MixxxPeeweeError:
        existing = None
    if existing is None or not existing.snapshot:
        kind = "a Mixxx library" if existing is not None else "no snapshot"
        raise ValidationError(f"{target}: exists and is {kind}; not replaced")


def _info(src: _Source, fields: Iterable[str]) -> list[tuple[str, str]]:
    return [
        ("format", SNAPSHOT_FORMAT),
        ("version", str(SNAPSHOT_VERSION)),
        ("fields", ",".join(f for f in TRACK_FIELDS if f in set(fields))),
        ("source", str(src.path)),
        ("revision", "" if src.revision is None else str(src.revision)),
        ("saved", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
    ]


def _copy_sql(side: _Side, where: str = "") -> dict[str, str]:
    """``INSERT … SELECT`` of every snapshot table from ``side`` (rows filtered by ``where``
    on their track id, e.g. ``IN (SELECT id FROM temp.diff_ids)``)."""
    track_filter = f" WHERE {side.column('id')} {where}" if where else ""
    member_filter = f" WHERE track_id {where}" if where else ""
    columns = ", ".join(side.column(c, blobs="compact") for c in _TRACK_COLUMNS)
    return {
        "tracks": f"INSERT INTO main.tracks SELECT {columns} FROM {side.track_from()}"
        + track_filter,
        "cues": f"INSERT INTO main.cues SELECT * FROM ({side.cues()})" + member_filter,
        "crate_tracks": "INSERT OR IGNORE INTO main.crate_tracks (track_id, crate_id, crate_name)"
        f" SELECT track_id, crate_id, name FROM ({side.crate_members()})" + member_filter,
        "playlist_tracks": "INSERT INTO main.playlist_tracks (playlist_id, position, track_id)"
        f" SELECT playlist_id, position, track_id FROM ({side.entries()})" + member_filter,
    }


def _save_whole(src: _Source, target: Path, *, empty: bool = False) -> None:
    """The whole state (or, with ``empty``, none) into a temporary file renamed to ``target``."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DatabaseConnectionError(f"{target}: cannot write ({exc.strerror})") from None
    os.close(handle)
    tmp = Path(name)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.create_function("mp_digest", 1, _digest, deterministic=True)
            conn.execute("PRAGMA journal_mode = OFF")  # a new file nobody sees yet
            conn.execute("PRAGMA synchronous = OFF")
            _attach(conn, src.path, "src")
            side = _Side(src, "src", "s", src.fields)
            conn.execute("BEGIN")
            for statement in _SNAPSHOT_DDL:
                conn.execute(statement)
            conn.executemany("INSERT INTO snapshot_info VALUES (?, ?)", _info(src, src.fields))
            if not empty:
                for statement in _copy_sql(side).values():
                    conn.execute(statement)
                conn.execute(f"INSERT INTO main.crates SELECT id, name FROM ({side.crates()})")
                conn.execute(
                    f"INSERT INTO main.playlists SELECT id, name, hidden FROM ({side.playlists()})"
                )
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, stat.S_IMODE(src.path.stat().st_mode) & 0o666)  # private stays private
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, src.path) from None
    except OSError as exc:
        raise DatabaseConnectionError(f"{target}: cannot write ({exc.strerror})") from None
    finally:
        tmp.unlink(missing_ok=True)


def _save_tracks(src: _Source, target: Path, ids: list[int]) -> None:
    """Replace the state of the tracks ``ids`` in the snapshot ``target``, in one transaction."""
    try:
        conn = sqlite3.connect(sqlite_uri(target, "rw"), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, target) from None
    try:
        conn.create_function("mp_digest", 1, _digest, deterministic=True)
        _attach(conn, src.path, "src")
        fields = _source_fields(conn)
        side = _Side(src, "src", "s", src.fields & fields)
        _ids_table(conn, ids)
        conn.execute("BEGIN IMMEDIATE")
        try:
            chosen = "IN (SELECT id FROM temp.diff_ids)"
            conn.execute(f"DELETE FROM main.tracks WHERE id {chosen}")
            for table in ("cues", "crate_tracks", "playlist_tracks"):
                conn.execute(f"DELETE FROM main.{table} WHERE track_id {chosen}")
            for statement in _copy_sql(side, chosen).values():
                conn.execute(statement)
            conn.execute(
                "UPDATE snapshot_info SET value = ? WHERE name = 'saved'",
                (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise _comparison_error(exc, src.path, target) from None
    finally:
        conn.close()


def _source_fields(conn: sqlite3.Connection) -> frozenset[str]:
    """The track fields the snapshot open on ``conn`` records (its other columns stay NULL)."""
    row = conn.execute("SELECT value FROM main.snapshot_info WHERE name = 'fields'").fetchone()
    if row is None:
        raise MixxxPeeweeError("snapshot without its list of fields")
    return frozenset(str(row[0]).split(","))
