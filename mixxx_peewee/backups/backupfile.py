"""Reading a backup for a restore: checking the file, its own read-only reader, what it holds.

:func:`inspect_backup` checks a file before anything changes (a Mixxx library, not a
``snapshot``, undamaged); :class:`BackupReader` reads it through its own read-only
connection in one snapshot (no lock on the library); :func:`read_backup` reads what a
partial restore needs (:class:`BackupData`), finding first in SQL which tracks' cues and
fields differ at all; :class:`RestoreJob` is one partial restore's plan and what it found.

May import: ``core``, ``errors``, ``models``, ``backups.copying``, ``backups.parts``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from mixxx_peewee.backups.copying import TrackMatch
from mixxx_peewee.backups.copying import count_matches
from mixxx_peewee.backups.copying import library_track_paths
from mixxx_peewee.backups.parts import PATH_COLUMNS
from mixxx_peewee.backups.parts import PartSpec
from mixxx_peewee.core.connection import check_file
from mixxx_peewee.core.connection import db
from mixxx_peewee.core.connection import open_read_only
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import why
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.trackfields import RESTORE_FIELDS
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Cue
from mixxx_peewee.models import MixxxModel
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation

__all__ = [
    "ENTRY_ORDER",
    "TEMPORARY_NAME",
    "BackupData",
    "BackupReader",
    "RestoreJob",
    "fields_of",
    "inspect_backup",
    "read_backup",
]

_SNAPSHOT_TABLE = "snapshot_info"  # what marks a `snapshot` file (diff's save_snapshot)


def inspect_backup(src: Path) -> tuple[int | None, str, int]:
    """Revision, verdict and track count of a backup file; raises if it is no Mixxx library
    (NotAMixxxDatabaseError: also a snapshot for ``diff``, which holds no library); opened
    with :func:`~mixxx_peewee.core.connection.open_read_only` (its errors)."""
    if not src.is_file():
        raise BackupError(f"{src}: no such file")
    check_file(src)
    conn = open_read_only(src)
    try:
        snapshot = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_SNAPSHOT_TABLE,)
        ).fetchone()
        if snapshot is not None:
            raise NotAMixxxDatabaseError(
                f"{src}: is a snapshot for diff (what `snapshot` saves), not a backup: "
                "nothing restored"
            )
        report = inspect_schema(conn)
        if report.verdict is Verdict.NOT_MIXXX:
            raise NotAMixxxDatabaseError(f"{src}: not a Mixxx database ({report.reason})")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise BackupError(f"{src}: damaged ({problems[0]}); not restored")
        tracks = 0
        if "library" in report.live:
            tracks = conn.execute("SELECT count(*) FROM library").fetchone()[0]
        return report.version, report.verdict.value, tracks
    except sqlite3.Error as exc:
        raise BackupError(f"{src}: cannot read ({why(exc)})") from None
    finally:
        conn.close()


TEMPORARY_NAME = "\u2060mixxx-peewee restoring {}"  # a crate's name while names are swapped

ENTRY_ORDER = (PlaylistTrack.playlist, PlaylistTrack.position.is_null(), PlaylistTrack.position,
                PlaylistTrack.id)  # fmt: skip


class BackupReader:
    """The backup, read through its own read-only connection (no lock on the library)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = open_read_only(path)
        try:
            self.conn.isolation_level = None  # BEGIN and COMMIT are ours
            self.conn.execute("BEGIN")  # one consistent snapshot for every read
        except sqlite3.Error as exc:
            raise BackupError(f"{path}: cannot open ({why(exc)})") from None

    def columns(self, model: type[MixxxModel]) -> tuple[str, ...]:
        """The model's columns both files have, in the model's order."""
        table = model._meta.table_name
        try:
            have = {r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')}
        except sqlite3.Error as exc:
            raise BackupError(f"{self.path}: cannot read ({why(exc)})") from None
        return tuple(c for c in model._meta.columns if c in have)

    def rows(self, query: Any) -> list[tuple[Any, ...]]:
        """The rows of a peewee query, run on the backup."""
        sql, params = query.sql()
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise BackupError(f"{self.path}: cannot read ({why(exc)})") from None

    def rows_for(self, query: Callable[[Any], Any], ids: Iterable[int] | None) -> list[Any]:
        """The rows of ``query(in_list)`` for ``ids`` by chunks (None: ``query(None)``, all)."""
        if ids is None:
            return self.rows(query(None))
        rows: list[Any] = []
        for part in chunked(sorted(ids)):
            rows.extend(self.rows(query(list(part))))
        return rows

    def match(self) -> TrackMatch:
        """How many of the backup's tracks are the library's (the same id and path)."""
        try:
            return count_matches(self.conn, library_track_paths())
        except sqlite3.Error as exc:
            raise BackupError(f"{self.path}: cannot read ({why(exc)})") from None

    def close(self) -> None:
        """Close the backup's connection."""
        self.conn.close()


def fields_of(model: type[MixxxModel], columns: Iterable[str]) -> list[Any]:
    """The peewee fields of ``model`` behind ``columns``, in that order."""
    return [model._meta.columns[c] for c in columns]


@dataclass
class BackupData:
    """What a partial restore needs of the backup, read before any lock is taken."""

    revision: int | None
    tracks: set[int] = field(default_factory=set)
    crate_columns: tuple[str, ...] = ()
    crates: dict[int, dict[str, Any]] = field(default_factory=dict)
    crate_members: dict[int, set[int]] = field(default_factory=dict)
    playlist_columns: tuple[str, ...] = ()
    playlists: dict[int, dict[str, Any]] = field(default_factory=dict)
    entries: dict[int, list[tuple[int, int, Any]]] = field(default_factory=dict)
    cue_columns: tuple[str, ...] = ()
    cues: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)
    cuepoints: dict[int, Any] = field(default_factory=dict)
    track_columns: tuple[str, ...] = ()
    values: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    paths: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    # The tracks whose cues / fields were read (None: every track), and the backup's
    # tracks the library lacks when found in SQL.
    cue_tracks: set[int] | None = None
    field_tracks: set[int] | None = None
    absent: set[int] = field(default_factory=set)


def read_backup(
    source: BackupReader, spec: PartSpec, revision: int | None, only: set[int] | None
) -> BackupData:
    """What the restore needs of the backup; cues and track fields only of the tracks that
    differ (all when that cannot be found out first), and only of ``only`` if given."""
    backup = BackupData(revision)
    backup.tracks = {r[0] for r in source.rows(Track.select(Track.id))}
    if spec.crates:
        backup.crate_columns = source.columns(Crate)
        for row in source.rows(Crate.select(*fields_of(Crate, backup.crate_columns))):
            backup.crates[row[0]] = dict(zip(backup.crate_columns, row, strict=True))
            backup.crate_members[row[0]] = set()
        for crate_id, track_id in source.rows(
            CrateTrack.select(CrateTrack.crate, CrateTrack.track)
        ):
            backup.crate_members.setdefault(crate_id, set()).add(track_id)
    if spec.playlists:
        backup.playlist_columns = source.columns(Playlist)
        user = Playlist.select(*fields_of(Playlist, backup.playlist_columns)).where(
            Playlist.hidden == 0
        )
        for row in source.rows(user):
            backup.playlists[row[0]] = dict(zip(backup.playlist_columns, row, strict=True))
            backup.entries[row[0]] = []
        stored = PlaylistTrack.select(
            PlaylistTrack.playlist,
            PlaylistTrack.id,
            PlaylistTrack.track,
            PlaylistTrack.pl_datetime_added,
        ).where(PlaylistTrack.playlist.in_(user.select(Playlist.id)))
        for playlist_id, *entry in source.rows(stored.order_by(*ENTRY_ORDER)):
            backup.entries[playlist_id].append((entry[0], entry[1], entry[2]))
    if spec.cues:
        backup.cue_columns = source.columns(Cue)
        if "track_id" not in backup.cue_columns or backup.cue_columns[0] != "id":
            raise BackupError(f"{source.path}: its cues table has no id or track_id")
    if spec.fields:
        have = set(source.columns(Track))
        columns = []
        for name in spec.fields:
            if name == "location":
                continue
            if RESTORE_FIELDS[name][0] not in have:
                raise BackupError(
                    f"{source.path}: the backup (revision {revision}) has no library."
                    f"{RESTORE_FIELDS[name][0]}"
                )
            columns += [c for c in RESTORE_FIELDS[name] if c in have and c in Track._meta.columns]
        backup.track_columns = tuple(columns)
    # Which tracks differ at all, found by SQLite in one pass over both files: only those
    # are read here and compared row by row (see _changed_tracks).
    found = _changed_tracks(source.path, backup, spec, only)
    if found is not None:
        backup.cue_tracks, backup.field_tracks, backup.absent = found
    elif only is not None:
        backup.cue_tracks = backup.field_tracks = set(only)
    if spec.cues:
        at = backup.cue_columns.index("track_id")
        fields = fields_of(Cue, backup.cue_columns)
        for row in source.rows_for(
            lambda ids: _among(Cue.select(*fields), Cue.track, ids).order_by(Cue.id),
            backup.cue_tracks,
        ):
            backup.cues.setdefault(row[at], []).append(row)
        has_cues = Track.id.in_(Cue.select(Cue.track))
        query = Track.select(Track.id, Track.cuepoint)
        backup.cuepoints = {
            r[0]: r[1]
            for r in source.rows_for(
                lambda ids: _among(query.where(has_cues), Track.id, ids), backup.cue_tracks
            )
        }
    if backup.track_columns:
        query = Track.select(Track.id, *fields_of(Track, backup.track_columns))
        backup.values = {
            r[0]: r[1:]
            for r in source.rows_for(lambda ids: _among(query, Track.id, ids), backup.field_tracks)
        }
    if "location" in spec.fields:
        query = Track.select(Track.id, *fields_of(TrackLocation, PATH_COLUMNS)).join(
            TrackLocation, on=(Track.location == TrackLocation.id)
        )
        backup.paths = {
            r[0]: r[1:]
            for r in source.rows_for(lambda ids: _among(query, Track.id, ids), backup.field_tracks)
        }
    return backup


def _among(query: Any, column: Any, ids: list[int] | None) -> Any:
    return query if ids is None else query.where(column.in_(ids))


_SOURCE = "mixxx_peewee_backup"  # the schema name the backup is attached under


def _changed_tracks(
    path: Path, backup: BackupData, spec: PartSpec, only: set[int] | None
) -> tuple[set[int] | None, set[int] | None, set[int]] | None:
    """The tracks whose cues, and those whose asked fields, differ between the backup and
    the library, and the backup's tracks the library lacks; None when the backup cannot be
    attached (inside a caller's transaction): then every track is compared in Python.

    Hand-written SQL over both files (the backup ATTACHed read-only, outside any
    transaction): on the 100,000-track library, Python reading and comparing 300,000 cue
    rows of each file took ~5 s; joins by id here take a third of that (EXCEPT was slower
    still). ``typeof`` is compared too: 1 and 1.0 are different bytes.
    """
    if not spec.track_data or only is not None or db.in_transaction():
        return None  # a few tracks asked for: read and compared directly
    conn = raw_connection()
    try:
        conn.execute(f"ATTACH DATABASE ? AS {_SOURCE}", (sqlite_uri(path, "ro"),))
    except sqlite3.Error:
        return None
    try:
        return _compare_attached(conn, backup, spec, only)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot compare with the library ({why(exc)})") from None
    finally:
        conn.execute(f"DETACH DATABASE {_SOURCE}")


def _differ(columns: Iterable[str], a: str, b: str) -> str:
    return " OR ".join(
        f'{a}."{c}" IS NOT {b}."{c}" OR typeof({a}."{c}") != typeof({b}."{c}")' for c in columns
    )


def _compare_attached(
    conn: sqlite3.Connection, backup: BackupData, spec: PartSpec, only: set[int] | None
) -> tuple[set[int] | None, set[int] | None, set[int]]:
    def ids(sql: str) -> set[int]:
        found = {r[0] for r in conn.execute(sql)}
        return found if only is None else found & only

    src, live_ids = _SOURCE, "SELECT id FROM main.library"
    absent: set[int] = set()
    cue_tracks = field_tracks = None
    if spec.cues:
        differ = _differ(backup.cue_columns, "b", "l")
        with_cues = f"SELECT track_id FROM {src}.cues"
        # Cue ids are AUTOINCREMENT: a cue is the same cue in both files by its id.
        cue_tracks = ids(
            f"SELECT b.track_id FROM {src}.cues b LEFT JOIN main.cues l ON l.id = b.id"
            f" WHERE (l.id IS NULL OR {differ}) AND b.track_id IN ({live_ids})"
            f" UNION SELECT l.track_id FROM main.cues l LEFT JOIN {src}.cues b ON b.id = l.id"
            f" WHERE (b.id IS NULL OR {differ}) AND l.track_id IN ({with_cues})"
            f" UNION SELECT b.id FROM {src}.library b JOIN main.library l ON l.id = b.id"
            f" WHERE b.id IN ({with_cues}) AND ({_differ(['cuepoint'], 'b', 'l')})"
        )
        absent |= ids(
            f"SELECT DISTINCT track_id FROM {src}.cues WHERE track_id NOT IN ({live_ids})"
        )
    if spec.fields:
        field_tracks = set()
        if backup.track_columns:
            field_tracks |= ids(
                f"SELECT b.id FROM {src}.library b JOIN main.library l ON l.id = b.id"
                f" WHERE {_differ(backup.track_columns, 'b', 'l')}"
            )
        if "location" in spec.fields:
            field_tracks |= ids(
                f"SELECT b.id FROM {src}.library b"
                f" JOIN {src}.track_locations bl ON bl.id = b.location"
                " JOIN main.library l ON l.id = b.id"
                " JOIN main.track_locations ll ON ll.id = l.location"
                f" WHERE {_differ(PATH_COLUMNS, 'bl', 'll')}"
            )
        absent |= ids(f"SELECT id FROM {src}.library WHERE id NOT IN ({live_ids})")
    return cue_tracks, field_tracks, absent


@dataclass
class RestoreJob:
    """One partial restore: the backup read, what to take back, what was found missing."""

    backup: BackupData
    spec: PartSpec
    crate_ids: list[int]
    playlist_ids: list[int]
    cue_tracks: set[int] | None  # only these tracks' cues (None: every track)
    field_tracks: set[int] | None  # only these tracks' fields (None: every track)
    names_given: bool
    narrow: bool = False  # only what a plan changes: track ids looked up one by one
    absent: set[int] = field(default_factory=set)  # backup tracks no longer in the library
    # What the plan changes: the write pass (under the lock) looks at nothing else.
    changed: dict[str, set[int]] = field(
        default_factory=lambda: {
            "crates": set(),
            "playlists": set(),
            "cues": set(),
            "fields": set(),
        }
    )

    def narrowed(self) -> RestoreJob:
        """The same restore, of only what this (planned) one changes."""
        changed = self.changed
        spec = PartSpec(
            bool(changed["crates"]),
            bool(changed["playlists"]),
            bool(changed["cues"]),
            self.spec.fields if changed["fields"] else (),
        )
        return RestoreJob(
            self.backup, spec, sorted(changed["crates"]), sorted(changed["playlists"]),
            set(changed["cues"]), set(changed["fields"]), self.names_given, narrow=True,
        )  # fmt: skip
