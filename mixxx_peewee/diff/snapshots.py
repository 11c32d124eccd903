"""Snapshots: the compact state of a library that a later diff can start from.

:func:`save_snapshot` writes what a diff needs (no blobs: digests of the beat grid and key
map; small ones kept as they are) to a small SQLite file, atomically. Each membership row
of the snapshot keeps the crate's name, so that refreshing the state of some tracks only
(``track_ids``) leaves every other track's crates, renames included, still to be reported.

The format: a ``snapshot_info`` table (``format`` :data:`~mixxx_peewee.diff.sides.SNAPSHOT_FORMAT`,
``version``, the ``fields`` recorded, the ``source`` file, its ``revision``, when ``saved``)
and one table per kind of row in the normalised columns ``diff.sides`` reads: ``tracks``,
``cues``, ``crates``, ``crate_tracks``, ``playlists``, ``playlist_tracks``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from mixxx_peewee.core.connection import sqlite_uri
from mixxx_peewee.core.connection import translate_sqlite_error
from mixxx_peewee.core.connection import why
from mixxx_peewee.core.trackfields import DIFF_FIELDS
from mixxx_peewee.core.values import parse_track_ids
from mixxx_peewee.diff.sides import SNAPSHOT_FORMAT
from mixxx_peewee.diff.sides import SNAPSHOT_VERSION
from mixxx_peewee.diff.sides import TRACK_COLUMNS
from mixxx_peewee.diff.sides import Side
from mixxx_peewee.diff.sides import Source
from mixxx_peewee.diff.sides import add_digest_function
from mixxx_peewee.diff.sides import attach_read_only
from mixxx_peewee.diff.sides import comparison_error
from mixxx_peewee.diff.sides import ids_table
from mixxx_peewee.diff.sides import read_source
from mixxx_peewee.diff.sides import tidy_up
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.errors import ValidationError

__all__ = ["save_snapshot"]


_SNAPSHOT_DDL = (
    "CREATE TABLE snapshot_info (name TEXT PRIMARY KEY, value TEXT)",
    # Untyped columns store each value exactly as the library holds it (no affinity).
    "CREATE TABLE tracks (id INTEGER PRIMARY KEY, "
    + ", ".join(f'"{c}"' for c in TRACK_COLUMNS[1:])
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
    src = read_source(source)
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
        tidy_up([src.path] if src.tidy else [])
    return target


def _check_snapshot(target: Path) -> None:
    """Refuse to write over a file that is no snapshot (a library given by mistake)."""
    try:
        existing = read_source(target)
    except MixxxPeeweeError:
        existing = None
    if existing is None or not existing.snapshot:
        kind = "a Mixxx library" if existing is not None else "no snapshot"
        raise ValidationError(f"{target}: exists and is {kind}; not replaced")


def _info(src: Source, fields: Iterable[str]) -> list[tuple[str, str]]:
    return [
        ("format", SNAPSHOT_FORMAT),
        ("version", str(SNAPSHOT_VERSION)),
        ("fields", ",".join(f for f in DIFF_FIELDS if f in set(fields))),
        ("source", str(src.path)),
        ("revision", "" if src.revision is None else str(src.revision)),
        ("saved", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
    ]


def _copy_sql(side: Side, where: str = "") -> dict[str, str]:
    """``INSERT … SELECT`` of every snapshot table from ``side`` (rows filtered by ``where``
    on their track id, e.g. ``IN (SELECT id FROM temp.diff_ids)``)."""
    track_filter = f" WHERE {side.column('id')} {where}" if where else ""
    member_filter = f" WHERE track_id {where}" if where else ""
    columns = ", ".join(side.column(c, blobs="compact") for c in TRACK_COLUMNS)
    return {
        "tracks": f"INSERT INTO main.tracks SELECT {columns} FROM {side.track_from()}"
        + track_filter,
        "cues": f"INSERT INTO main.cues SELECT * FROM ({side.cues()})" + member_filter,
        "crate_tracks": "INSERT OR IGNORE INTO main.crate_tracks (track_id, crate_id, crate_name)"
        f" SELECT track_id, crate_id, name FROM ({side.crate_members()})" + member_filter,
        "playlist_tracks": "INSERT INTO main.playlist_tracks (playlist_id, position, track_id)"
        f" SELECT playlist_id, position, track_id FROM ({side.entries()})" + member_filter,
    }


def _save_whole(src: Source, target: Path, *, empty: bool = False) -> None:
    """The whole state (or, with ``empty``, none) into a temporary file renamed to ``target``."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DatabaseConnectionError(f"{target}: cannot write ({why(exc)})") from None
    os.close(handle)
    tmp = Path(name)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            add_digest_function(conn)
            conn.execute("PRAGMA journal_mode = OFF")  # a new file nobody sees yet
            conn.execute("PRAGMA synchronous = OFF")
            attach_read_only(conn, src.path, "src")
            side = Side(src, "src", "s", src.fields)
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
        raise DatabaseConnectionError(f"{target}: cannot write ({why(exc)})") from None
    finally:
        tmp.unlink(missing_ok=True)


def _save_tracks(src: Source, target: Path, ids: list[int]) -> None:
    """Replace the state of the tracks ``ids`` in the snapshot ``target``, in one transaction."""
    try:
        conn = sqlite3.connect(sqlite_uri(target, "rw"), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, target) from None
    try:
        add_digest_function(conn)
        attach_read_only(conn, src.path, "src")
        fields = _source_fields(conn)
        side = Side(src, "src", "s", src.fields & fields)
        ids_table(conn, ids)
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
        raise comparison_error(exc, src.path, target) from None
    finally:
        conn.close()


def _source_fields(conn: sqlite3.Connection) -> frozenset[str]:
    """The track fields the snapshot open on ``conn`` records (its other columns stay NULL)."""
    row = conn.execute("SELECT value FROM main.snapshot_info WHERE name = 'fields'").fetchone()
    if row is None:
        raise MixxxPeeweeError("snapshot without its list of fields")
    return frozenset(str(row[0]).split(","))
