"""Restore: replace the open library's content with a backup, or take back parts of it.

:func:`restore` replaces everything, in one transaction. The current content is backed up
first (:mod:`mixxx_peewee.backups.copying`); the backup is checked (a Mixxx library, undamaged, a
schema this package writes) before anything changes. Never while Mixxx runs: it would write
its cached state over the restored file.

:func:`restore_part` takes back only crates, playlists, cues or some track fields, leaving
everything else as it is now (today's play counts, history, new tracks). The backup is
checked the same way and read through its own read-only connection before the library's
write lock is taken; the library is planned against it in a read transaction (a restore
that changes nothing takes no lock), then changed in one ``write_transaction``. The
backup must be of this library (an earlier state of the same file): tracks, crates,
playlists and cues are matched by id, and a backup none of whose tracks has the same id
and path as one of the library's is refused (``other_library=True`` takes it anyway).
"""

from __future__ import annotations

import os
import sqlite3
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import peewee

from mixxx_peewee.backups.copying import BACKUP_DIRNAME
from mixxx_peewee.backups.copying import BEFORE_RESTORE
from mixxx_peewee.backups.copying import Busy
from mixxx_peewee.backups.copying import TrackMatch
from mixxx_peewee.backups.copying import copy_library
from mixxx_peewee.backups.copying import count_matches
from mixxx_peewee.backups.copying import library_track_paths
from mixxx_peewee.backups.copying import restore_pages
from mixxx_peewee.core.connection import check_file
from mixxx_peewee.core.connection import db
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import why
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.results import series
from mixxx_peewee.core.running import EXCLUSIVE
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.running import check_mixxx_guard
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import change_text
from mixxx_peewee.core.values import chunked
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.core.values import parse_track_ids
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.capture import journalled
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.capture import note_guard
from mixxx_peewee.journal.capture import same_row
from mixxx_peewee.journal.capture import same_value
from mixxx_peewee.library import check_file_writable
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import whole_library_change
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import BEAT_COLUMNS
from mixxx_peewee.models import KEY_COLUMNS
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Cue
from mixxx_peewee.models import MixxxModel
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.models import adapt_models
from mixxx_peewee.tracks.edits import require_columns
from mixxx_peewee.trackset.membership import existing_track_ids

__all__ = ["PARTS", "TRACK_FIELDS", "part_guard", "restore", "restore_part"]


_SNAPSHOT_TABLE = "snapshot_info"  # what marks a `snapshot` file (librarydiff.save_snapshot)


def _inspect_source(src: Path) -> tuple[int | None, str, int]:
    """Revision, verdict and track count of a backup file; raises if it is no Mixxx library
    (NotAMixxxDatabaseError: also a snapshot for ``diff``, which holds no library)."""
    if not src.is_file():
        raise BackupError(f"{src}: no such file")
    check_file(src)
    try:
        conn = sqlite3.connect(sqlite_uri(src, "ro"), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{src}: cannot open ({why(exc)})") from None
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


@journalled
def restore(
    src: str | os.PathLike[str],
    *,
    force: bool = False,
    any_schema: bool = False,
    dry_run: bool = False,
) -> WriteResult:
    """Replace the open library's content with the backup ``src`` (Mixxx must not run).

    The current content is backed up first. ``any_schema`` allows a backup whose schema
    this package only reads; ``force`` never overrides the running-Mixxx check here.
    Raises MixxxRunningError, ReadOnlyError, NotAMixxxDatabaseError, SchemaVersionError,
    BackupError.
    """
    library = current_library()
    source_path = Path(os.path.expanduser(os.fspath(src)))
    result = WriteResult("restore", dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    if not dry_run:
        check_file_writable(library)  # before the copy of the current library is made
    note_guard(EXCLUSIVE)
    result.notes += check_mixxx_guard(EXCLUSIVE, library.path, force=force)
    if source_path.exists() and os.path.samefile(source_path, library.path):
        raise ValidationError(f"{source_path}: is the open library itself")
    revision, verdict, tracks = _inspect_source(source_path)
    if verdict != Verdict.READ_WRITE.value and not any_schema:
        raise SchemaVersionError(
            f"{source_path}: schema is {verdict} for this package (revision {revision}); "
            "any_schema=True restores it anyway"
        )
    result.counts["tracks"] = tracks
    result.add(f"back up the current library to {library.path.parent / BACKUP_DIRNAME}/")
    result.add(
        f"replace the library with {source_path} (revision {revision}, {plural(tracks, 'track')})"
    )
    if dry_run:
        return result
    if db.in_transaction():
        raise BackupError(f"{library.path}: cannot restore inside a transaction")
    saved = copy_library(library, None, BEFORE_RESTORE)
    result.changes[0] = f"backed up the current library to {saved}"
    result.value = str(saved)  # JSON-ready, like every WriteResult value
    live = raw_connection()
    try:
        source = sqlite3.connect(sqlite_uri(source_path, "ro"), uri=True)
        try:
            with whole_library_change(saved):
                restore_pages(source, live, library.busy_timeout_ms)
        finally:
            source.close()
    except (sqlite3.Error, Busy) as exc:
        raise BackupError(
            f"{library.path}: restore failed ({why(exc)}); the library is as before "
            f"(its backup: {saved})"
        ) from None
    report = inspect_schema(live)
    adapt_models(report.live)
    library.schema = report
    result.changes[1] = f"replaced the library with {source_path} (revision {revision})"
    return result


# -- partial restore ---------------------------------------------------------------------

PARTS = ("crates", "playlists", "cues")  # and tracks:FIELD[,FIELD…]

_METADATA = (
    "artist", "title", "album", "album_artist", "composer", "genre", "grouping", "comment",
    "url", "year", "tracknumber", "tracktotal",
)  # fmt: skip

TRACK_FIELDS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in _METADATA},
    # What Mixxx shows is the blob: the columns are caches it writes from it.
    "bpm": ("bpm", *(c for c in BEAT_COLUMNS if c != "bpm")),
    "key": ("key", *(c for c in KEY_COLUMNS if c != "key")),
    "bpm_lock": ("bpm_lock",),
    "rating": ("rating",),
    "color": ("color",),
    "timesplayed": ("timesplayed", "last_played_at"),
    "datetime_added": ("datetime_added",),
    "mixxx_deleted": ("mixxx_deleted",),
    "replaygain": ("replaygain", "replaygain_peak"),
    "coverart": (
        "coverart_source",
        "coverart_type",
        "coverart_location",
        "coverart_hash",
        "coverart_color",
        "coverart_digest",
    ),
    "location": ("location", "directory", "filename"),  # track_locations: the path columns
}
"""Track fields :func:`restore_part` takes back, each with the columns that come with it."""

_FIELD_WORDS = {"metadata": _METADATA}
# A column that comes with a field names that field (``beats`` is ``bpm``).
_COMPANIONS = {c: name for name, cols in TRACK_FIELDS.items() for c in cols if c != name}
_PATH_COLUMNS = TRACK_FIELDS["location"]
_RGB_CUES_FROM = 32  # revision 32 turned cue colours from palette ids into 0xRRGGBB
_TEMPORARY = "\u2060mixxx-peewee restoring {}"  # a crate's name while names are swapped


@dataclass(frozen=True)
class _Spec:
    """What a partial restore takes back."""

    crates: bool = False
    playlists: bool = False
    cues: bool = False
    fields: tuple[str, ...] = ()

    @property
    def track_data(self) -> bool:
        return self.cues or bool(self.fields)

    @property
    def structure(self) -> bool:
        return self.crates or self.playlists

    def text(self) -> str:
        words = [p for p in PARTS if getattr(self, p)]
        if self.fields:
            words.append("tracks:" + ",".join(self.fields))
        return ", ".join(words)


def _parse_parts(parts: str | Iterable[str]) -> _Spec:
    """``crates``, ``playlists``, ``cues``, ``tracks:rating,color`` (repeated or comma lists:
    words after ``tracks:`` are its fields until the next part); raises ValidationError."""
    words = [parts] if isinstance(parts, str) else list(parts)
    found: set[str] = set()
    fields: list[str] = []
    in_tracks = False
    for word in words:
        if not isinstance(word, str):
            raise ValidationError(f"a part must be text, not {word!r}")
        for token in (t.strip() for t in word.split(",")):
            lower = token.lower()
            if not token:
                continue
            if lower in PARTS:
                found.add(lower)
                in_tracks = False
            elif lower == "tracks" or lower.startswith("tracks:"):
                in_tracks = True
                found.add("tracks")
                if lower != "tracks" and lower[7:].strip():
                    fields.extend(_track_field(lower[7:].strip()))
            elif in_tracks:
                fields.extend(_track_field(lower))
            else:
                raise ValidationError(
                    f"unknown part {token!r}: restore takes crates, playlists, cues or "
                    "tracks:FIELD[,FIELD…]"
                )
    if "tracks" in found and not fields:
        raise ValidationError(f"tracks needs its fields: tracks:FIELD[,FIELD…] ({_field_list()})")
    if not found:
        raise ValidationError("nothing to restore: give crates, playlists, cues or tracks:FIELDS")
    ordered = tuple(name for name in TRACK_FIELDS if name in fields)
    return _Spec("crates" in found, "playlists" in found, "cues" in found, ordered)


def _field_list() -> str:
    return f"fields: {', '.join(TRACK_FIELDS)}; metadata is {', '.join(_METADATA)}"


def _track_field(word: str) -> tuple[str, ...]:
    if word in TRACK_FIELDS:
        return (word,)
    if word in _FIELD_WORDS:
        return _FIELD_WORDS[word]
    if word in _COMPANIONS:
        return (_COMPANIONS[word],)
    raise ValidationError(f"unknown track field {word!r} ({_field_list()})")


class _Source:
    """The backup, read through its own read-only connection (no lock on the library)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True, isolation_level=None)
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
        self.conn.close()


def _fields(model: type[MixxxModel], columns: Iterable[str]) -> list[Any]:
    return [model._meta.columns[c] for c in columns]


def _live_rows(model: type[MixxxModel], columns: Sequence[str]) -> dict[int, dict[str, Any]]:
    """Every row of the crates or playlists table now, by id, as ``{column: stored value}``
    (the shape the backup's rows are read in)."""
    rows = stored_rows(model.select(*_fields(model, columns)))
    return {r[0]: dict(zip(columns, r, strict=True)) for r in rows}


@dataclass
class _Backup:
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


def _read_backup(
    source: _Source, spec: _Spec, revision: int | None, only: set[int] | None
) -> _Backup:
    """What the restore needs of the backup; cues and track fields only of the tracks that
    differ (all when that cannot be found out first), and only of ``only`` if given."""
    backup = _Backup(revision)
    backup.tracks = {r[0] for r in source.rows(Track.select(Track.id))}
    if spec.crates:
        backup.crate_columns = source.columns(Crate)
        for row in source.rows(Crate.select(*_fields(Crate, backup.crate_columns))):
            backup.crates[row[0]] = dict(zip(backup.crate_columns, row, strict=True))
            backup.crate_members[row[0]] = set()
        for crate_id, track_id in source.rows(
            CrateTrack.select(CrateTrack.crate, CrateTrack.track)
        ):
            backup.crate_members.setdefault(crate_id, set()).add(track_id)
    if spec.playlists:
        backup.playlist_columns = source.columns(Playlist)
        user = Playlist.select(*_fields(Playlist, backup.playlist_columns)).where(
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
        for playlist_id, *entry in source.rows(stored.order_by(*_ENTRY_ORDER)):
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
            if TRACK_FIELDS[name][0] not in have:
                raise BackupError(
                    f"{source.path}: the backup (revision {revision}) has no library."
                    f"{TRACK_FIELDS[name][0]}"
                )
            columns += [c for c in TRACK_FIELDS[name] if c in have and c in Track._meta.columns]
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
        fields = _fields(Cue, backup.cue_columns)
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
        query = Track.select(Track.id, *_fields(Track, backup.track_columns))
        backup.values = {
            r[0]: r[1:]
            for r in source.rows_for(lambda ids: _among(query, Track.id, ids), backup.field_tracks)
        }
    if "location" in spec.fields:
        query = Track.select(Track.id, *_fields(TrackLocation, _PATH_COLUMNS)).join(
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
    path: Path, backup: _Backup, spec: _Spec, only: set[int] | None
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
    conn: sqlite3.Connection, backup: _Backup, spec: _Spec, only: set[int] | None
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
                f" WHERE {_differ(_PATH_COLUMNS, 'bl', 'll')}"
            )
        absent |= ids(f"SELECT id FROM {src}.library WHERE id NOT IN ({live_ids})")
    return cue_tracks, field_tracks, absent


_ENTRY_ORDER = (PlaylistTrack.playlist, PlaylistTrack.position.is_null(), PlaylistTrack.position,
                PlaylistTrack.id)  # fmt: skip


def _raw(value: Any) -> Any:
    """A value written as it is (no field conversion: a restore gives back the bytes)."""
    return peewee.Value(value, converter=False)


def _nfc(name: Any) -> Any:
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


def _free_name(wanted: str, taken: dict[Any, str]) -> str:
    """``wanted``, or ``wanted (restored)``, ``… (restored 2)``: the first no row has."""
    name, n = wanted, 1
    while _nfc(name) in taken:
        name = f"{wanted} (restored)" if n == 1 else f"{wanted} (restored {n})"
        n += 1
    return name


@dataclass
class _Job:
    """One partial restore: the backup read, what to take back, what was found missing."""

    backup: _Backup
    spec: _Spec
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

    def narrowed(self) -> _Job:
        """The same restore, of only what this (planned) one changes."""
        changed = self.changed
        spec = _Spec(
            bool(changed["crates"]),
            bool(changed["playlists"]),
            bool(changed["cues"]),
            self.spec.fields if changed["fields"] else (),
        )
        return _Job(
            self.backup, spec, sorted(changed["crates"]), sorted(changed["playlists"]),
            set(changed["cues"]), set(changed["fields"]), self.names_given, narrow=True,
        )  # fmt: skip


# -- crates --


_CRATE_ATTRIBUTES = ("name", "locked", "autodj_source")  # count, show: Mixxx never reads them


@dataclass
class _Collection:
    """One crate or playlist a partial restore changes."""

    id: int
    live: dict[str, Any] | None  # its live row (None: it comes back)
    changes: dict[str, Any]  # column -> the backup's value
    add: list[int] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    entries: list[tuple[int, int, Any]] | None = None  # playlists: the backup's entries
    replace: bool = False  # playlists: its entries become the backup's
    had: int = 0  # playlists: how many entries it has now
    new_id: bool = False  # playlists: its id is another playlist's now
    name: str = ""


def _crate_label(row: dict[str, Any]) -> str:
    return f"crate {row['name']!r} (id {row['id']})"


def _restore_crates(job: _Job, live_tracks: set[int], result: WriteResult, write: bool) -> None:
    backup = job.backup
    live = _live_rows(Crate, backup.crate_columns)
    have: dict[int, set[int]] = {}
    for crate_id, track_id in for_each_chunk(
        lambda ids: CrateTrack.select(CrateTrack.crate, CrateTrack.track).where(
            CrateTrack.crate.in_(ids)
        ),
        job.crate_ids,
    ):
        have.setdefault(crate_id, set()).add(track_id)
    attributes = [c for c in _CRATE_ATTRIBUTES if c in backup.crate_columns]
    plans: list[_Collection] = []
    same = 0
    for crate_id in job.crate_ids:
        old = backup.crates[crate_id]
        members = backup.crate_members.get(crate_id, set())
        job.absent.update(members - live_tracks)
        want = members & live_tracks
        row = live.get(crate_id)
        current = have.get(crate_id, set())
        changes = {} if row is None else {
            c: old[c] for c in attributes if not same_value(row[c], old[c])
        }  # fmt: skip
        plan = _Collection(crate_id, row, changes, sorted(want - current), sorted(current - want))
        if row is not None and not (changes or plan.add or plan.remove):
            same += 1
        elif row is not None and row.get("locked"):
            result.notes.append(
                f"{_crate_label(row)} is locked: left as it is (unlock it in Mixxx to restore it)"
            )
        else:
            plans.append(plan)
    _name_collections(plans, live, {p.id: backup.crates[p.id] for p in plans}, "crate", result)
    for plan in plans:
        _report_crate(plan, backup.crates[plan.id], result)
    plans = [p for p in plans if p.live is None or p.changes or p.add or p.remove]
    job.changed["crates"].update(p.id for p in plans)
    if same:
        result.keep(f"{plural(same, 'crate')} as in the backup already")
    made_since = sorted(set(live) - set(backup.crates))
    if made_since and not job.names_given:
        result.keep(f"{plural(len(made_since), 'crate')} made since the backup left as they are")
    if write and plans:
        _write_crates(plans, backup)


def _name_collections(
    plans: list[_Collection],
    live: dict[int, dict[str, Any]],
    wanted: dict[int, dict[str, Any]],
    what: str,
    result: WriteResult,
    reserved: tuple[str, ...] = (),
) -> None:
    """Give each crate or playlist coming back its backup's name, or, when a row left as it
    is has that name now, ``NAME (restored)`` (with a note); set its name change."""
    restoring = {p.id for p in plans if not p.new_id}
    taken = {_nfc(r["name"]): f"{what} id {i}" for i, r in live.items() if i not in restoring}
    taken.update({_nfc(n): "Mixxx" for n in reserved})
    for plan in plans:
        name = wanted[plan.id]["name"]
        plan.name = _free_name(name, taken) if isinstance(name, str) else name
        if plan.name != name:
            result.notes.append(
                f"{what} {name!r} (id {plan.id}) comes back as {plan.name!r}: "
                f"{taken[_nfc(name)]} has its name now"
            )
        taken[_nfc(plan.name)] = f"{what} id {plan.id}"
        if plan.live is not None:
            plan.changes.pop("name", None)
            if not same_value(plan.live["name"], plan.name):
                plan.changes["name"] = plan.name


def _report_crate(plan: _Collection, old: dict[str, Any], result: WriteResult) -> None:
    if plan.live is None:
        result.add(
            f"bring back crate {plan.name!r} (id {plan.id}) with {plural(len(plan.add), 'track')}"
        )
        result.count("crates_back")
        result.count("memberships_added", len(plan.add))
        return
    pieces = [
        f"rename to {value!r}" if column == "name" else f"{column} {plan.live[column]} -> {value}"
        for column, value in plan.changes.items()
    ]
    if plan.add:
        pieces.append(f"add {plural(len(plan.add), 'track')}")
    if plan.remove:
        pieces.append(f"remove {plural(len(plan.remove), 'track')}")
    if pieces:
        result.add(f"{_crate_label(plan.live)}: {', '.join(pieces)} (as in the backup)")
        result.count("crates_changed")
        result.count("memberships_added", len(plan.add))
        result.count("memberships_removed", len(plan.remove))


def _members_of(crate_id: int) -> Callable[[Any], Any]:
    """A DELETE of the crate's memberships of the tracks in ``in_list``."""
    return lambda in_list: CrateTrack.delete().where(
        (CrateTrack.crate == crate_id) & CrateTrack.track.in_(in_list)
    )


def _write_crates(plans: list[_Collection], backup: _Backup) -> None:
    renamed = [p for p in plans if p.live is not None and "name" in p.changes]
    for plan in renamed:  # names may be swapped: UNIQUE(name) holds at every statement
        Crate.update({Crate.name: _TEMPORARY.format(plan.id)}).where(Crate.id == plan.id).execute()
    for plan in plans:
        if plan.live is not None and plan.changes:
            values = {Crate._meta.columns[c]: _raw(v) for c, v in plan.changes.items()}
            Crate.update(values).where(Crate.id == plan.id).execute()
    for plan in plans:
        if plan.live is None:
            row = {**backup.crates[plan.id], "name": plan.name}
            Crate.insert({Crate._meta.columns[c]: _raw(v) for c, v in row.items()}).execute()
        if plan.remove:
            for_each_chunk(_members_of(plan.id), plan.remove)
    run_for_each(
        lambda crate, track: CrateTrack.insert(crate=crate, track=track).on_conflict_ignore(),
        [(p.id, t) for p in plans for t in p.add],
    )


# -- playlists --


# Mixxx sets date_created once: a playlist with the same id and date is the same playlist.
_PLAYLIST_ATTRIBUTES = ("name", "position", "locked", "date_modified")
_AUTO_DJ = "Auto DJ"


def _playlist_label(row: dict[str, Any]) -> str:
    return f"playlist {row['name']!r} (id {row['id']})"


def _restore_playlists(job: _Job, live_tracks: set[int], result: WriteResult, write: bool) -> None:
    backup = job.backup
    live = _live_rows(Playlist, backup.playlist_columns)
    same = {
        i for i in job.playlist_ids
        if i in live and live[i]["hidden"] == 0
        and same_value(live[i].get("date_created"), backup.playlists[i].get("date_created"))
    }  # fmt: skip
    have: dict[int, list[tuple[Any, ...]]] = {i: [] for i in same}
    entries = PlaylistTrack.select(
        PlaylistTrack.playlist, PlaylistTrack.track, PlaylistTrack.pl_datetime_added,
        PlaylistTrack.position,
    )  # fmt: skip
    for playlist_id, *entry in for_each_chunk(
        lambda ids: entries.where(PlaylistTrack.playlist.in_(ids)).order_by(*_ENTRY_ORDER),
        sorted(same),
    ):
        have[playlist_id].append(tuple(entry))
    attributes = [c for c in _PLAYLIST_ATTRIBUTES if c in backup.playlist_columns]
    plans: list[_Collection] = []
    unchanged = 0
    for playlist_id in job.playlist_ids:
        old = backup.playlists[playlist_id]
        stored = backup.entries[playlist_id]
        job.absent.update(t for _, t, _ in stored if t not in live_tracks)
        want = [e for e in stored if e[1] in live_tracks]
        row = live.get(playlist_id) if playlist_id in same else None
        plan = _Collection(playlist_id, row, {}, entries=want)
        if row is None:
            plan.new_id = playlist_id in live
            plans.append(plan)
            continue
        plan.changes = {c: old[c] for c in attributes if not same_value(row[c], old[c])}
        current = have[playlist_id]
        plan.had = len(current)
        in_order = [e[2] for e in current] == list(range(1, len(current) + 1))
        plan.replace = not in_order or [e[:2] for e in current] != [e[1:] for e in want]
        if not (plan.changes or plan.replace):
            unchanged += 1
        elif row.get("locked"):
            result.notes.append(
                f"{_playlist_label(row)} is locked: left as it is "
                "(unlock it in Mixxx to restore it)"
            )
        else:
            plans.append(plan)
    wanted = {p.id: backup.playlists[p.id] for p in plans}
    _name_collections(plans, live, wanted, "playlist", result, reserved=(_AUTO_DJ,))
    for plan in plans:
        _report_playlist(plan, live, result)
    plans = [p for p in plans if p.live is None or p.changes or p.replace]
    job.changed["playlists"].update(p.id for p in plans)
    if unchanged:
        result.keep(f"{plural(unchanged, 'playlist')} as in the backup already")
    made_since = [i for i, r in live.items() if r["hidden"] == 0 and i not in backup.playlists]
    if made_since and not job.names_given:
        result.keep(f"{plural(len(made_since), 'playlist')} made since the backup left as they are")
    if write and plans:
        _write_playlists(plans, backup)


def _report_playlist(
    plan: _Collection, live: dict[int, dict[str, Any]], result: WriteResult
) -> None:
    count = plural(len(plan.entries or []), "entry")
    if plan.live is None:
        where = f"id {plan.id}"
        if plan.new_id:
            where = f"a new id: id {plan.id} is {_playlist_label(live[plan.id])} now"
        result.add(f"bring back playlist {plan.name!r} ({where}) with {count}")
        result.count("playlists_back")
        result.count("entries_added", len(plan.entries or []))
        return
    pieces = [
        f"rename to {value!r}" if column == "name" else f"{column} {plan.live[column]} -> {value}"
        for column, value in plan.changes.items()
    ]
    if plan.replace:
        pieces.append(f"entries as in the backup ({count}; {plan.had:,} now)")
    if pieces:
        result.add(f"{_playlist_label(plan.live)}: {', '.join(pieces)}")
        result.count("playlists_changed")
        if plan.replace:
            result.count("entries_removed", plan.had)
            result.count("entries_added", len(plan.entries or []))


def _write_playlists(plans: list[_Collection], backup: _Backup) -> None:
    for plan in plans:
        if plan.live is not None and plan.changes:
            values = {Playlist._meta.columns[c]: _raw(v) for c, v in plan.changes.items()}
            Playlist.update(values).where(Playlist.id == plan.id).execute()
    ids: dict[int, int] = {}
    # Rows with their own ids first: a row given a new id takes max + 1, which may be one
    # of theirs.
    for plan in sorted(plans, key=lambda p: p.new_id):
        if plan.live is None:
            row = {**backup.playlists[plan.id], "name": plan.name}
            if plan.new_id:
                del row["id"]
            values = {Playlist._meta.columns[c]: _raw(v) for c, v in row.items()}
            ids[plan.id] = int(Playlist.insert(values).execute())
        else:
            ids[plan.id] = plan.id
    replaced = [p.id for p in plans if p.live is not None and p.replace]
    for_each_chunk(
        lambda in_list: PlaylistTrack.delete().where(PlaylistTrack.playlist.in_(in_list)), replaced
    )
    rows = [
        (entry_id, ids[p.id], track, position, added)
        for p in plans if p.live is None or p.replace
        for position, (entry_id, track, added) in enumerate(p.entries or [], 1)
    ]  # fmt: skip
    taken = {
        i for (i,) in for_each_chunk(
            lambda in_list: PlaylistTrack.select(PlaylistTrack.id).where(
                PlaylistTrack.id.in_(in_list)
            ),
            sorted({r[0] for r in rows}),
        )
    }  # fmt: skip
    run_for_each(
        lambda i, p, t, n, a: PlaylistTrack.insert(
            id=i, playlist=p, track=t, position=n, pl_datetime_added=a
        ),
        [r for r in rows if r[0] not in taken],
    )
    # An entry id another playlist has now (today's history): the entry gets a new one.
    run_for_each(
        lambda p, t, n, a: PlaylistTrack.insert(
            playlist=p, track=t, position=n, pl_datetime_added=a
        ),
        [r[1:] for r in rows if r[0] in taken],
    )


# -- cues --


def _rows_by_track(
    query: Callable[[], Any], where: Callable[[Any], Any], tracks: list[int], every: bool
) -> list[tuple[Any, ...]]:
    """The rows of ``query()`` for ``tracks``: one scan when they are every track, else by
    chunks of ids (``where(in_list)`` narrows the query)."""
    if every:
        return stored_rows(query())
    return for_each_chunk(lambda in_list: query().where(where(in_list)), tracks)


def _restore_cues(job: _Job, live_tracks: set[int], result: WriteResult, write: bool) -> None:
    backup = job.backup
    columns = backup.cue_columns
    at = columns.index("track_id")
    wanted = job.cue_tracks if job.cue_tracks is not None else set(backup.cues)
    job.absent.update(t for t in backup.cues if t not in live_tracks and t in wanted)
    tracks = sorted(t for t in backup.cues if t in live_tracks and t in wanted)
    every = job.cue_tracks is None
    live: dict[int, dict[int, tuple[Any, ...]]] = {t: {} for t in tracks}
    owner: dict[int, int] = {}  # cue id -> its track, live
    for row in _rows_by_track(
        lambda: Cue.select(*_fields(Cue, columns)), Cue.track.in_, tracks, every
    ):
        owner[row[0]] = row[at]
        if row[at] in live:
            live[row[at]][row[0]] = row
    if not every:
        wanted_ids = sorted(r[0] for t in tracks for r in backup.cues[t])
        owner.update(for_each_chunk(
            lambda in_list: Cue.select(Cue.id, Cue.track).where(Cue.id.in_(in_list)), wanted_ids
        ))  # fmt: skip
    cuepoints = dict(
        _rows_by_track(lambda: Track.select(Track.id, Track.cuepoint), Track.id.in_, tracks, every)
    )
    changed_tracks = 0
    deletes: list[int] = []
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    moved: list[tuple[Any, ...]] = []  # cues whose id another track's cue has now
    points: list[tuple[Any, int]] = []
    for track in tracks:
        stored = {r[0]: r for r in backup.cues[track]}
        now = live[track]
        gone = [i for i in now if i not in stored]
        changed = [r for i, r in stored.items() if i in now and not same_row(now[i], r)]
        made = [r for i, r in stored.items() if i not in now]
        point = backup.cuepoints.get(track)
        pieces = [f"+{len(made)}" if made else "", f"~{len(changed)}" if changed else "",
                  f"-{len(gone)}" if gone else ""]  # fmt: skip
        if not same_value(cuepoints.get(track), point):
            points.append((point, track))
            pieces.append(f"cuepoint {change_text('cuepoint', cuepoints.get(track))} -> {point!r}")
        if not any(pieces):
            continue
        result.add(f"track {track}: cues as in the backup ({' '.join(p for p in pieces if p)})")
        changed_tracks += 1
        job.changed["cues"].add(track)
        result.count("cues_added", len(made))
        result.count("cues_changed", len(changed))
        result.count("cues_removed", len(gone))
        deletes.extend(gone)
        updates.extend(changed)
        for row in made:
            (moved if owner.get(row[0], track) != track else inserts).append(row)
    if tracks and not changed_tracks:
        result.keep(f"the cues of {plural(len(tracks), 'track')} are as in the backup already")
    if not write:
        return
    for_each_chunk(lambda in_list: Cue.delete().where(Cue.id.in_(in_list)), deletes)
    fields = _fields(Cue, columns)
    run_for_each(
        lambda i, *values: Cue.update(dict(zip(fields[1:], values, strict=True))).where(
            Cue.id == i
        ),
        updates,
    )
    run_for_each(lambda *values: Cue.insert(dict(zip(fields, values, strict=True))), inserts)
    run_for_each(lambda *values: Cue.insert(dict(zip(fields[1:], values, strict=True))),
                 [r[1:] for r in moved])  # fmt: skip
    run_for_each(
        lambda point, i: Track.update({Track.cuepoint: point}).where(Track.id == i), points
    )


# -- track fields --


def _restore_tracks(job: _Job, live_tracks: set[int], result: WriteResult, write: bool) -> None:
    backup = job.backup
    every = job.field_tracks is None
    wanted = set(backup.tracks) if job.field_tracks is None else job.field_tracks
    known = set(backup.values) | set(backup.paths)
    job.absent.update(t for t in known if t not in live_tracks and t in wanted)
    tracks = sorted(t for t in known if t in live_tracks and t in wanted)
    changed: set[int] = set()
    if backup.track_columns:
        changed.update(_restore_columns(backup, tracks, every, result, write))
    if "location" in job.spec.fields:
        changed.update(_restore_paths(backup, tracks, every, result, write))
    result.count("tracks_changed", len(changed))
    job.changed["fields"].update(changed)
    if tracks and not changed:
        fields = ", ".join(job.spec.fields)
        result.keep(f"{fields} of {plural(len(tracks), 'track')} as in the backup already")


def _restore_columns(
    backup: _Backup, tracks: list[int], every: bool, result: WriteResult, write: bool
) -> set[int]:
    """The library columns of the asked fields; the tracks changed."""
    columns = backup.track_columns
    groups = [
        (name, [columns.index(c) for c in cols if c in columns])
        for name, cols in TRACK_FIELDS.items()
        if name != "location" and cols[0] in columns
    ]
    query = Track.select(Track.id, *_fields(Track, columns))
    live = {r[0]: r[1:] for r in _rows_by_track(lambda: query, Track.id.in_, tracks, every)}
    by_shape: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    changed = set()
    for track in tracks:
        old, new = live[track], backup.values[track]
        if same_row(old, new):
            continue
        shape: list[int] = []
        for name, at in groups:
            differs = [i for i in at if not same_value(old[i], new[i])]
            if not differs:
                continue
            lead = at[0]
            line = (
                f"track {track}: {name} {change_text(columns[lead], old[lead])} -> "
                + change_text(columns[lead], new[lead])
            )
            others = [columns[i] for i in differs if i != lead]
            if others:
                line += f" (with {', '.join(others)})"
            result.add(line)
            result.count(name)
            shape.extend(at)
        if shape:
            changed.add(track)
            by_shape.setdefault(tuple(shape), []).append((*(new[i] for i in shape), track))
    if write and changed:
        # Journalled set-wise: the images are the values read and written here (a row
        # trigger on the wide library table cost ~1 s of lock for 7,000 BPMs).
        known = known_updates(
            "library", columns, ((t, live[t], backup.values[t]) for t in sorted(changed))
        )
        with bulk_write("library", known=known):
            for columns_at, rows in by_shape.items():
                fields = _fields(Track, [columns[i] for i in columns_at])
                run_for_each(
                    lambda *values, fields=fields: Track.update(
                        dict(zip(fields, values[:-1], strict=True))
                    ).where(Track.id == values[-1]),
                    rows,
                )
    return changed


def _restore_paths(
    backup: _Backup, tracks: list[int], every: bool, result: WriteResult, write: bool
) -> set[int]:
    """The path columns of the tracks' ``track_locations`` rows; the tracks changed.

    The track keeps its location row (its id); a path another track has now is left alone.
    """
    query = Track.select(Track.id, TrackLocation.id, *_fields(TrackLocation, _PATH_COLUMNS)).join(
        TrackLocation, on=(Track.location == TrackLocation.id)
    )
    live = {r[0]: r[1:] for r in _rows_by_track(lambda: query, Track.id.in_, tracks, every)}
    moves: dict[int, tuple[int, tuple[Any, ...], tuple[Any, ...]]] = {}  # location id -> …
    unplaced = 0
    for track in tracks:
        new = backup.paths.get(track)
        if new is None:
            continue  # no location row in the backup: nothing to take back
        now = live.get(track)
        if now is None:
            unplaced += 1
            continue
        if not same_row(now[1:], new):
            moves[now[0]] = (track, now[1:], new)
    targets: list[Any] = sorted({m[2][0] for m in moves.values() if isinstance(m[2][0], str)})
    holders: dict[Any, int] = dict(
        for_each_chunk(
            lambda in_list: TrackLocation.select(TrackLocation.location, TrackLocation.id).where(
                TrackLocation.location.in_(in_list)
            ),
            targets,
        )
    )
    taken: list[tuple[int, int, Any, int]] = []
    while True:  # a row left where it is may hold the path another move wanted: again
        blocked = [
            (i, m[0], m[2][0], holder)
            for i, m in moves.items()
            if (holder := holders.get(m[2][0])) is not None and holder != i and holder not in moves
        ]
        if not blocked:
            break
        taken.extend(blocked)
        for location_id, *_ in blocked:
            del moves[location_id]
    # Paths swapped between rows that both move: two steps keep UNIQUE(location) (below).
    swapped = any(holders.get(m[2][0], i) != i for i, m in moves.items())
    for track, old, new in sorted(moves.values()):
        result.add(f"track {track}: location {old[0]} -> {new[0]}")
        result.count("location")
    if taken:
        first = taken[0]
        result.notes.append(
            f"{plural(len(taken), 'track')} left at {'its' if len(taken) == 1 else 'their'} "
            f"current path: the backup's path is another track's now (e.g. track {first[1]}: "
            f"{first[2]} is location id {first[3]})"
        )
    if unplaced:
        result.notes.append(f"{plural(unplaced, 'track')} without a location row left alone")
    if write and moves:
        update = _fields(TrackLocation, _PATH_COLUMNS)

        def statement(*values: Any) -> Any:
            return TrackLocation.update(dict(zip(update, values[:-1], strict=True))).where(
                TrackLocation.id == values[-1]
            )

        known = known_updates(
            "track_locations", _PATH_COLUMNS, ((i, old, new) for i, (_, old, new) in moves.items())
        )
        with bulk_write("track_locations", known=known):  # as relocate_tracks journals
            if swapped:  # UNIQUE(location) holds at every statement: first out of the way
                run_for_each(
                    lambda path, i: TrackLocation.update({TrackLocation.location: path}).where(
                        TrackLocation.id == i
                    ),
                    [(_TEMPORARY.format(i), i) for i in moves],
                )
            run_for_each(statement, [(*new, i) for i, (_, _, new) in moves.items()])
    return {m[0] for m in moves.values()}


# -- the operation --


def part_guard(parts: str | Iterable[str]) -> str:
    """The running-Mixxx guard kind a partial restore of ``parts`` follows (TRACK_DATA for
    cues and track fields, else STRUCTURE); raises ValidationError for a bad part."""
    return TRACK_DATA if _parse_parts(parts).track_data else STRUCTURE


def _chosen(
    rows: dict[int, dict[str, Any]], names: list[str] | None, matched: set[str]
) -> list[int]:
    """The ids of ``rows`` named (an id, or the exact name in any Unicode form); all without
    ``names``. Adds the names that matched to ``matched``."""
    if names is None:
        return sorted(rows)
    found = set()
    for name in names:
        row_id = parse_id(name)
        if row_id is not None and row_id in rows:
            found.add(row_id)
            matched.add(name)
            continue
        hits = [i for i, r in rows.items() if _nfc(r["name"]) == _nfc(name)]
        if hits:
            found.update(hits)
            matched.add(name)
    return sorted(found)


def _part_touches(spec: _Spec, backup: _Backup) -> list[tuple[str, str]]:
    """The ``(table, column)`` pairs the restore writes (each must exist in the live file)."""
    touches: list[tuple[str, str]] = []
    if spec.crates:
        touches += [("crates", c) for c in backup.crate_columns]
        touches += [("crate_tracks", "crate_id"), ("crate_tracks", "track_id")]
    if spec.playlists:
        touches += [("Playlists", c) for c in backup.playlist_columns]
        touches += [("PlaylistTracks", c) for c in PlaylistTrack._meta.columns]
    if spec.cues:
        touches += [("cues", c) for c in backup.cue_columns] + [("library", "cuepoint")]
    touches += [("library", c) for c in backup.track_columns]
    if "location" in spec.fields:
        touches += [("track_locations", c) for c in _PATH_COLUMNS]
    return touches


def _live_tracks(job: _Job) -> set[int]:
    """The ids of the library's tracks: all, or (a narrowed job) those the job may name."""
    spec, backup = job.spec, job.backup
    if not job.narrow:
        return {t for (t,) in stored_rows(Track.select(Track.id))}
    ids = set(job.cue_tracks or ()) | set(job.field_tracks or ())
    for crate_id in job.crate_ids if spec.crates else ():
        ids.update(backup.crate_members.get(crate_id, ()))
    for playlist_id in job.playlist_ids if spec.playlists else ():
        ids.update(t for _, t, _ in backup.entries[playlist_id])
    return set(existing_track_ids(ids))


def _take_back(job: _Job, result: WriteResult, write: bool) -> None:
    """Plan (and with ``write``, make) every part's changes; call inside a transaction to
    write."""
    live_tracks = _live_tracks(job)
    spec = job.spec
    for wanted, part in (
        (spec.crates, _restore_crates),
        (spec.playlists, _restore_playlists),
        (spec.cues, _restore_cues),
        (bool(spec.fields), _restore_tracks),
    ):
        if wanted:
            part(job, live_tracks, result, write)


def _check_tracks(only: set[int], backup: _Backup, result: WriteResult) -> None:
    """Raise TrackNotFoundError for asked tracks the library lacks; note those the backup
    lacks."""
    unknown = sorted(only - set(existing_track_ids(only)))
    if unknown:
        raise TrackNotFoundError(f"no track with id {series(unknown)}")
    outside = sorted(only - backup.tracks)
    if outside:
        many = len(outside) > 1
        result.notes.append(
            f"track{'s' if many else ''} {series(outside)} {'are' if many else 'is'} not in "
            f"the backup: left as {'they are' if many else 'it is'}"
        )


@journalled
def restore_part(
    src: str | os.PathLike[str],
    parts: str | Iterable[str],
    *,
    names: Iterable[str | int] | None = None,
    tracks: Iterable[int] | None = None,
    dry_run: bool = False,
    force: bool = False,
    other_library: bool = False,
    any_schema: bool = False,
) -> WriteResult:
    """Take back parts of the library from the backup ``src``, leaving the rest as it is now.

    ``parts``: ``"crates"``, ``"playlists"``, ``"cues"``, ``"tracks:FIELD[,FIELD…]"`` (a
    list, or one comma list; fields in :data:`TRACK_FIELDS`, or ``metadata``). ``names``
    limits crates and playlists to those ids or names of the backup; ``tracks`` limits
    cues and track fields to those track ids. One write transaction; tracks are matched by
    id. A backup none of whose tracks is this library's (the same id and path) is refused
    unless ``other_library``; the plan notes how many match. ``force`` writes cues and
    track fields while Mixxx runs; ``any_schema`` reads a backup whose schema this package
    refuses. Raises ValidationError (a bad part, field or name; another library's backup),
    BackupError, NotAMixxxDatabaseError, SchemaVersionError, TrackNotFoundError,
    MixxxRunningError, ReadOnlyError.
    """
    library = current_library()
    spec = _parse_parts(parts)
    wanted = None if names is None else [str(n).strip() for n in names]
    if wanted is not None and not spec.structure:
        raise ValidationError("names choose crates and playlists: restore crates or playlists")
    only = None if tracks is None else set(parse_track_ids(tracks))
    if only is not None and not spec.track_data:
        raise ValidationError("tracks choose cues and track fields: restore cues or tracks:FIELDS")
    source_path = Path(os.path.expanduser(os.fspath(src)))
    if source_path.exists() and os.path.samefile(source_path, library.path):
        raise ValidationError(f"{source_path}: is the open library itself")
    revision, verdict, _ = _inspect_source(source_path)
    if verdict == Verdict.REFUSE.value and not any_schema:
        raise SchemaVersionError(
            f"{source_path}: schema is {verdict} for this package (revision {revision}); "
            "any_schema=True reads it anyway"
        )
    if spec.cues and library.schema.has_column("cues", "color"):
        live_revision = library.schema.matched_revision or library.schema.version or 0
        if ((revision or 0) >= _RGB_CUES_FROM) != (live_revision >= _RGB_CUES_FROM):
            raise ValidationError(
                f"{source_path}: its cue colours are stored as "
                f"{'0xRRGGBB' if (revision or 0) >= _RGB_CUES_FROM else 'palette ids'} "
                f"(revision {revision}), the library's are not: cues not restored"
            )
    source = _Source(source_path)
    try:
        match = source.match()
        if match.other_library and not other_library:
            raise ValidationError(
                f"{source_path}: none of its {plural(match.tracks, 'track')} is one of this "
                "library's (the same id and path): a backup of another library? "
                "other_library=True takes it back anyway"
            )
        backup = _read_backup(source, spec, revision, only)
    finally:
        source.close()
    matched: set[str] = set()
    crate_ids = _chosen(backup.crates, wanted, matched) if spec.crates else []
    playlist_ids = _chosen(backup.playlists, wanted, matched) if spec.playlists else []
    if wanted is not None:
        unknown = [n for n in wanted if n not in matched]
        if unknown:
            kinds = " or ".join(k for k, on in (("crate", spec.crates),
                                                ("playlist", spec.playlists)) if on)  # fmt: skip
            raise ValidationError(
                f"no {kinds} {', '.join(repr(n) for n in unknown)} in the backup {source_path}"
            )
    touches = _part_touches(spec, backup)
    require_columns(library, touches)
    notes: list[str] = []
    if spec.track_data:  # the stricter guard first: it is the one the journal keeps
        notes += guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    if spec.structure:
        notes += guard_notes(STRUCTURE, force=False, dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    job = _Job(
        backup, spec, crate_ids, playlist_ids, backup.cue_tracks, backup.field_tracks,
        wanted is not None, absent=set(backup.absent),
    )  # fmt: skip
    notes.append(match.text())
    plan = WriteResult("restore_part", dry_run=dry_run, notes=list(dict.fromkeys(notes)))
    plan.value = spec.text()
    if only is not None:
        _check_tracks(only, backup, plan)
    # The plan: plain reads, each its own short statement (no read transaction holding
    # Mixxx's commits up); what they find is checked again under the write lock.
    _take_back(job, plan, write=False)
    if job.absent:
        plan.counts["tracks_not_in_library"] = len(job.absent)
        plan.notes.append(
            f"{plural(len(job.absent), 'track')} of the backup "
            f"{'is' if len(job.absent) == 1 else 'are'} no longer in the library: skipped"
        )
    plan.counts = {k: n for k, n in plan.counts.items() if n}
    if not plan.changes:
        plan.keep(f"{spec.text()}: as in the backup {source_path.name} already")
    if dry_run or not plan.changes:
        return plan  # a restore that changes nothing takes no lock
    result = WriteResult("restore_part", notes=[], value=plan.value)
    with write_transaction(touches):
        _take_back(job.narrowed(), result, write=True)
    result.notes = list(dict.fromkeys([*plan.notes, *result.notes]))
    result.unchanged = plan.unchanged
    result.counts = {k: n for k, n in result.counts.items() if n}
    if job.absent:
        result.counts["tracks_not_in_library"] = len(job.absent)
    return result
