"""Crates: named, unordered sets of tracks — list, read, create, rename, delete, fill, empty.

As in Mixxx: names are trimmed, non-empty and unique (exact, case-sensitive); members
are added with ``INSERT OR IGNORE`` (a track is in a crate at most once); track counts
leave hidden tracks out; ``count`` and ``show`` are never written; a locked crate
refuses every change.
"""

from __future__ import annotations

from collections.abc import Iterable

from mixxx_peewee.collections import check_free_name
from mixxx_peewee.collections import clean_name
from mixxx_peewee.collections import guard_notes
from mixxx_peewee.collections import planned_write
from mixxx_peewee.collections import refuse_locked
from mixxx_peewee.collections import require_tracks
from mixxx_peewee.collections import track_dicts
from mixxx_peewee.connection import db
from mixxx_peewee.connection import execute
from mixxx_peewee.connection import read_transaction
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.models import Crate
from mixxx_peewee.plan import WriteResult
from mixxx_peewee.running import STRUCTURE
from mixxx_peewee.values import chunked
from mixxx_peewee.values import parse_track_ids

__all__ = [
    "add_track_to_crate",
    "add_tracks_to_crate",
    "clear_crate",
    "create_crate",
    "delete_crate",
    "get_crate",
    "get_crate_tracks",
    "list_crates",
    "remove_track_from_crate",
    "remove_tracks_from_crate",
    "rename_crate",
]

_MEMBER_TOUCHES = [("crate_tracks", "crate_id"), ("crate_tracks", "track_id")]
_VISIBLE = "coalesce(l.mixxx_deleted, 0) <> 1"


def _label(row: Crate) -> str:
    return f"crate {row.name!r} (id {row.id})"


def _notes(dry_run: bool) -> list[str]:
    # Crate writes are safe beside a running Mixxx: the guard only adds a note.
    return guard_notes(STRUCTURE, force=False, dry_run=dry_run)


def list_crates(*, include_hidden: bool = False) -> list[dict]:
    """Every crate with its track count, by name.

    Like Mixxx, ``track_count`` and ``duration`` leave hidden tracks out unless
    ``include_hidden``; ``hidden_count`` is the number of hidden members either way.
    """
    counted = "l.id IS NOT NULL" if include_hidden else f"l.id IS NOT NULL AND {_VISIBLE}"
    sql = (
        "SELECT c.id, c.name, c.locked, c.autodj_source,"
        f" sum(CASE WHEN {counted} THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {counted} THEN l.duration END),"
        " sum(CASE WHEN l.mixxx_deleted = 1 THEN 1 ELSE 0 END)"
        " FROM crates AS c"
        " LEFT JOIN crate_tracks AS ct ON ct.crate_id = c.id"
        " LEFT JOIN library AS l ON l.id = ct.track_id"
        " GROUP BY c.id ORDER BY c.name, c.id"
    )
    with read_transaction():
        rows = execute(sql).fetchall()
    return [
        {
            "id": r[0],
            "name": r[1],
            "locked": bool(r[2]),
            "autodj_source": bool(r[3]),
            "track_count": r[4] or 0,
            "duration": float(r[5] or 0.0),
            "hidden_count": r[6] or 0,
        }
        for r in rows
    ]


def get_crate_tracks(crate: int | str | Crate, *, include_hidden: bool = False) -> list[dict]:
    """The crate's tracks (track dicts, by id); hidden ones only when asked for.

    Raises CrateNotFoundError.
    """
    row = get_crate(crate)
    where = "" if include_hidden else f" AND {_VISIBLE}"
    with read_transaction():
        cursor = execute(
            "SELECT ct.track_id FROM crate_tracks AS ct JOIN library AS l ON l.id = ct.track_id"
            f" WHERE ct.crate_id = ?{where} ORDER BY ct.track_id",
            (row.id,),
        )
        ids = [r[0] for r in cursor]
    tracks = track_dicts(ids)
    return [tracks[i] for i in ids if i in tracks]


def _check_free_name(name: str, *, except_id: int | None = None) -> None:
    check_free_name("crates", "crate", name, except_id=except_id)


def create_crate(name: str, *, dry_run: bool = False) -> WriteResult:
    """Create an empty crate; ``value`` is its new id.

    Raises ValidationError (empty name, control characters), DuplicateNameError.
    """
    clean = clean_name(name, "crate")
    result = WriteResult("create_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, [("crates", "name")]):
        _check_free_name(clean)
        if not dry_run:
            result.value = execute("INSERT INTO crates (name) VALUES (?)", (clean,)).lastrowid
    result.add(f"create crate {clean!r}")
    result.count("created")
    return result


def rename_crate(crate: int | str | Crate, new_name: str, *, dry_run: bool = False) -> WriteResult:
    """Rename a crate. Raises CrateNotFoundError, LockedError, ValidationError,
    DuplicateNameError."""
    clean = clean_name(new_name, "crate")
    result = WriteResult("rename_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, [("crates", "name")]):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        result.value = row.id
        if row.name == clean:
            return result
        _check_free_name(clean, except_id=row.id)
        if not dry_run:
            execute("UPDATE crates SET name = ? WHERE id = ?", (clean, row.id))
    result.add(f"rename {_label(row)} to {clean!r}")
    result.count("renamed")
    return result


def delete_crate(crate: int | str | Crate, *, dry_run: bool = False) -> WriteResult:
    """Delete a crate and its memberships. Raises CrateNotFoundError, LockedError."""
    result = WriteResult("delete_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, [("crates", "id"), *_MEMBER_TOUCHES]):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        result.value = row.id
        members = _member_count(row.id)
        if not dry_run:
            execute("DELETE FROM crate_tracks WHERE crate_id = ?", (row.id,))
            execute("DELETE FROM crates WHERE id = ?", (row.id,))
    result.add(f"delete {_label(row)} and its {members} memberships")
    result.count("deleted")
    result.count("removed", members)
    return result


def _member_count(crate_id: int) -> int:
    return execute("SELECT count(*) FROM crate_tracks WHERE crate_id = ?", (crate_id,)).fetchone()[
        0
    ]


def _members_among(crate_id: int, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for part in chunked(ids):
        marks = ",".join("?" * len(part))
        cursor = execute(
            f"SELECT track_id FROM crate_tracks WHERE crate_id = ? AND track_id IN ({marks})",
            (crate_id, *part),
        )
        found.update(r[0] for r in cursor)
    return found


def add_track_to_crate(
    crate: int | str | Crate, track_id: int, *, dry_run: bool = False
) -> WriteResult:
    """Add one track to a crate; see add_tracks_to_crate."""
    return add_tracks_to_crate(crate, [track_id], dry_run=dry_run)


def add_tracks_to_crate(
    crate: int | str | Crate, track_ids: Iterable[int], *, dry_run: bool = False
) -> WriteResult:
    """Add tracks to a crate in one transaction; counts ``added`` and ``already``.

    Raises CrateNotFoundError, TrackNotFoundError (nothing written), LockedError.
    """
    wanted = list(track_ids)
    result = WriteResult("add_tracks_to_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        ids, hidden = require_tracks(wanted)
        unique = sorted(set(ids))
        already = _members_among(row.id, unique)
        new = [i for i in unique if i not in already]
        if new and not dry_run:
            db.cursor().executemany(
                "INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                [(row.id, i) for i in new],
            )
    result.value = row.id
    result.counts.update(added=len(new), already=len(already))
    if new:
        result.add(f"add {len(new)} tracks to {_label(row)}")
    if hidden:
        result.notes.append(f"{hidden} of them are hidden tracks: Mixxx does not show them")
    return result


def remove_track_from_crate(
    crate: int | str | Crate, track_id: int, *, dry_run: bool = False
) -> WriteResult:
    """Remove one track from a crate; see remove_tracks_from_crate."""
    return remove_tracks_from_crate(crate, [track_id], dry_run=dry_run)


def remove_tracks_from_crate(
    crate: int | str | Crate, track_ids: Iterable[int], *, dry_run: bool = False
) -> WriteResult:
    """Remove tracks from a crate; counts ``removed`` and ``absent`` (not members).

    Ids of members are removed even when their track row is gone; other unknown ids raise
    TrackNotFoundError (nothing written). Raises CrateNotFoundError, LockedError.
    """
    wanted = parse_track_ids(track_ids)
    result = WriteResult("remove_tracks_from_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        unique = sorted(set(wanted))
        member_set = _members_among(row.id, unique)
        members = sorted(member_set)
        absent = [i for i in unique if i not in member_set]
        require_tracks(absent)
        if members and not dry_run:
            for part in chunked(members):
                marks = ",".join("?" * len(part))
                execute(
                    f"DELETE FROM crate_tracks WHERE crate_id = ? AND track_id IN ({marks})",
                    (row.id, *part),
                )
    result.value = row.id
    result.counts.update(removed=len(members), absent=len(absent))
    if members:
        result.add(f"remove {len(members)} tracks from {_label(row)}")
    return result


def clear_crate(crate: int | str | Crate, *, dry_run: bool = False) -> WriteResult:
    """Remove every track from a crate. Raises CrateNotFoundError, LockedError."""
    result = WriteResult("clear_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        members = _member_count(row.id)
        if members and not dry_run:
            execute("DELETE FROM crate_tracks WHERE crate_id = ?", (row.id,))
    result.value = row.id
    result.count("removed", members)
    if members:
        result.add(f"remove all {members} tracks from {_label(row)}")
    return result
