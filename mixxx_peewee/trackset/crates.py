"""Crates: named, unordered sets of tracks — list, read, create, rename, delete, fill, empty.

As in Mixxx: names are trimmed, non-empty and unique (exact, case-sensitive); members
are added with ``INSERT OR IGNORE`` (a track is in a crate at most once); track counts
leave hidden tracks out; ``count`` and ``show`` are never written; a locked crate
refuses every change.

Reads return models: :func:`get_crate_tracks` gives ``Track`` instances (location
joined); listings are dicts with counts. Every statement is built with peewee on the
models.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from typing import Literal
from typing import overload

from peewee import JOIN
from peewee import Case
from peewee import fn

from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.results import CreateResult
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import guard_notes
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import joined_tracks
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.trackset.membership import check_free_name
from mixxx_peewee.trackset.membership import clean_name
from mixxx_peewee.trackset.membership import hidden_note
from mixxx_peewee.trackset.membership import member_tracks
from mixxx_peewee.trackset.membership import planned_write
from mixxx_peewee.trackset.membership import refuse_digits
from mixxx_peewee.trackset.membership import refuse_locked
from mixxx_peewee.trackset.membership import rename_set
from mixxx_peewee.trackset.membership import require_tracks

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
    "replace_crate_tracks",
]

_MEMBER_TOUCHES = [("crate_tracks", "crate_id"), ("crate_tracks", "track_id")]
_VISIBLE = fn.COALESCE(Track.mixxx_deleted, 0) != 1


def _label(row: Crate) -> str:
    return f"crate {row.name!r} (id {row.id})"


def _notes(dry_run: bool) -> list[str]:
    # Crate writes are safe beside a running Mixxx: the guard only adds a note, about the
    # sidebar (a new, renamed or deleted crate). Members need none: Mixxx re-reads them
    # when the crate is opened.
    return guard_notes(STRUCTURE, force=False, dry_run=dry_run)


def list_crates(*, include_hidden: bool = False) -> list[dict[str, Any]]:
    """Every crate with its track count, by name.

    A list of dicts (a listing with counts, not rows to change): ``id``, ``name``,
    ``locked``, ``autodj_source``, ``track_count``, ``duration``, ``hidden_count``. Like
    Mixxx, ``track_count`` and ``duration`` leave hidden tracks out unless
    ``include_hidden``; ``hidden_count`` is the number of hidden members either way.
    """
    counted = Track.id.is_null(False)
    if not include_hidden:
        counted &= _VISIBLE
    query = (
        Crate.select(
            Crate.id,
            Crate.name,
            Crate.locked,
            Crate.autodj_source,
            fn.SUM(Case(None, [(counted, 1)], 0)),
            fn.SUM(Case(None, [(counted, Track.duration)])),
            fn.SUM(Case(None, [(Track.mixxx_deleted == 1, 1)], 0)),
        )
        .join(CrateTrack, JOIN.LEFT_OUTER, on=(CrateTrack.crate == Crate.id))
        .join(Track, JOIN.LEFT_OUTER, on=(Track.id == CrateTrack.track))
        .group_by(Crate.id)
        .order_by(Crate.name, Crate.id)
    )
    with read_transaction():
        rows = stored_rows(query)
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


def get_crate_tracks(crate: int | str | Crate, *, include_hidden: bool = False) -> list[Track]:
    """The crate's tracks as ``Track`` models with the location joined, by id; hidden ones
    only when asked for.

    Raises CrateNotFoundError.
    """
    row = get_crate(crate)
    query = joined_tracks().join_from(Track, CrateTrack, on=(CrateTrack.track == Track.id))
    query = query.where(CrateTrack.crate == row.id)
    if not include_hidden:
        query = query.where(_VISIBLE)
    return member_tracks(query.order_by(Track.id))


def _check_new_name(
    name: str, *, except_id: int | None = None, allow_digits: bool = False
) -> list[str]:
    """Refuse digits and a name taken (in any Unicode form); notes for names alike but for case."""
    refuse_digits(name, "crate", allow_digits=allow_digits)
    return check_free_name(Crate, "crate", name, except_id=except_id)


@overload
def create_crate(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *,
    dry_run: Literal[False] = False, allow_digits: bool = False,
) -> CreateResult[Crate]: ...  # fmt: skip


@overload
def create_crate(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *, dry_run: bool,
    allow_digits: bool = False,
) -> WriteResult: ...  # fmt: skip


@journalled
def create_crate(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *, dry_run: bool = False,
    allow_digits: bool = False,
) -> WriteResult:  # fmt: skip
    """Create a crate with ``tracks`` in it (models, ids or paths; one transaction).

    Returns a ``CreateResult``: ``result.id`` is the new id (an ``int``) and
    ``result.object`` the new ``Crate`` (``value`` holds the id too); a dry run returns a
    ``WriteResult`` with all three None. Raises ValidationError (empty name, control
    characters), DuplicateNameError, TrackNotFoundError (nothing written).
    """
    clean = clean_name(name, "crate")
    kind = WriteResult if dry_run else CreateResult
    result = kind("create_crate", dry_run, notes=_notes(dry_run))
    touches = [("crates", "name"), *(_MEMBER_TOUCHES if tracks is not None else [])]
    with planned_write(dry_run, touches):
        result.notes.extend(_check_new_name(clean, allow_digits=allow_digits))
        ids, hidden = require_tracks(() if tracks is None else tracks)
        new = sorted(set(ids))
        if not dry_run:
            new_id = Crate.insert(name=clean).execute()
            result.object = Crate.get_by_id(new_id)
            result.value = new_id
            _insert_members(new_id, new)
    result.add(f"create crate {clean!r}")
    result.count("created")
    if new:
        where = f"the new crate {clean!r}" if dry_run else _label(result.object)
        _report_added(result, new, 0, hidden, where)
    return result


def _report_added(
    result: WriteResult, new: list[int], already: int, hidden: int, where: str,
    *, counted: bool = True,
) -> None:  # fmt: skip
    """Report ``new`` tracks added to ``where``: a change line, ``already`` members kept and
    the shared hidden-tracks note (counts ``added`` and ``already`` unless ``counted``)."""
    if counted:
        result.counts.update(added=len(new), already=already)
    if new:
        result.add(f"add {plural(len(new), 'track')} to {where}")
    if already:
        result.keep(f"{plural(already, 'track')} already in {where}")
    if hidden and new:
        result.notes.append(hidden_note(hidden))


def _insert_members(crate_id: int, track_ids: list[int]) -> None:
    run_for_each(_new_member, [(crate_id, track_id) for track_id in track_ids])


def _new_member(crate_id: int, track_id: int) -> Any:
    # INSERT OR IGNORE, as Mixxx writes crate_tracks.
    return CrateTrack.insert(crate=crate_id, track=track_id).on_conflict_ignore()


@journalled
def rename_crate(
    crate: int | str | Crate, new_name: str, *, dry_run: bool = False, allow_digits: bool = False
) -> WriteResult[int]:
    """Rename a crate. Raises CrateNotFoundError, LockedError, ValidationError,
    DuplicateNameError."""
    clean = clean_name(new_name, "crate")
    result = WriteResult("rename_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, [("crates", "name")]):
        row = get_crate(crate)
        refuse_locked(row, "crate")

        def check(name: str, *, except_id: int) -> list[str]:
            return _check_new_name(name, except_id=except_id, allow_digits=allow_digits)

        rename_set(result, row, clean, label=_label(row), check_new_name=check, dry_run=dry_run)
    return result


@journalled
def delete_crate(crate: int | str | Crate, *, dry_run: bool = False) -> WriteResult[int]:
    """Delete a crate and its memberships. Raises CrateNotFoundError, LockedError."""
    result = WriteResult("delete_crate", dry_run, notes=_notes(dry_run))
    with planned_write(dry_run, [("crates", "id"), *_MEMBER_TOUCHES]):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        result.value = row.id
        members = _member_count(row.id)
        if not dry_run:
            _members_of(row.id).execute()
            Crate.delete().where(Crate.id == row.id).execute()
    result.add(
        f"delete {_label(row)}"
        + (f" and its {plural(members, 'membership')}" if members else " (empty)")
    )
    result.count("deleted")
    result.count("removed", members)
    return result


def _member_count(crate_id: int) -> int:
    return int(CrateTrack.select().where(CrateTrack.crate == crate_id).count())


def _members_of(crate_id: int) -> Any:
    """A DELETE of the crate's memberships."""
    return CrateTrack.delete().where(CrateTrack.crate == crate_id)


def _members_among(crate_id: int, ids: list[int]) -> set[int]:
    def members(in_list: Any) -> Any:
        return CrateTrack.select(CrateTrack.track).where(
            (CrateTrack.crate == crate_id) & CrateTrack.track.in_(in_list)
        )

    return {track_id for (track_id,) in for_each_chunk(members, ids)}


def add_track_to_crate(
    crate: int | str | Crate, track_id: TrackLike, *, dry_run: bool = False
) -> WriteResult[int]:
    """Add one track to a crate: :func:`add_tracks_to_crate` (the original design's name)."""
    return add_tracks_to_crate(crate, track_id, dry_run=dry_run)


@journalled
def add_tracks_to_crate(
    crate: int | str | Crate, tracks: Iterable[TrackLike] | TrackLike, *, dry_run: bool = False
) -> WriteResult[int]:
    """Add tracks (models, ids or paths) to a crate in one transaction; counts ``added``
    and ``already``.

    Raises CrateNotFoundError, TrackNotFoundError (nothing written), LockedError.
    """
    result = WriteResult("add_tracks_to_crate", dry_run)
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        ids, hidden = require_tracks(tracks)
        unique = sorted(set(ids))
        already = _members_among(row.id, unique)
        new = [i for i in unique if i not in already]
        if new and not dry_run:
            with bulk_write("crate_tracks"):  # inserts only: journalled set-wise
                _insert_members(row.id, new)
    result.value = row.id
    _report_added(result, new, len(already), hidden, _label(row))
    return result


def remove_track_from_crate(
    crate: int | str | Crate, track_id: TrackLike, *, dry_run: bool = False
) -> WriteResult[int]:
    """Remove one track from a crate: :func:`remove_tracks_from_crate` (the original
    design's name)."""
    return remove_tracks_from_crate(crate, track_id, dry_run=dry_run)


@journalled
def remove_tracks_from_crate(
    crate: int | str | Crate, tracks: Iterable[TrackLike] | TrackLike, *, dry_run: bool = False
) -> WriteResult[int]:
    """Remove tracks (models, ids or paths) from a crate; counts ``removed`` and ``absent``
    (not members).

    Ids of members are removed even when their track row is gone; other unknown ids raise
    TrackNotFoundError (nothing written). Raises CrateNotFoundError, LockedError.
    """
    result = WriteResult("remove_tracks_from_crate", dry_run)
    with planned_write(dry_run, _MEMBER_TOUCHES):
        wanted = track_ids_of(tracks)
        row = get_crate(crate)
        refuse_locked(row, "crate")
        unique = sorted(set(wanted))
        member_set = _members_among(row.id, unique)
        members = sorted(member_set)
        absent = [i for i in unique if i not in member_set]
        require_tracks(absent)
        if members and not dry_run:
            _delete_members(row.id, members)
    result.value = row.id
    result.counts.update(removed=len(members), absent=len(absent))
    if members:
        result.add(f"remove {plural(len(members), 'track')} from {_label(row)}")
    if absent:
        result.keep(f"{plural(len(absent), 'track')} not in {_label(row)}")
    return result


def _delete_members(crate_id: int, track_ids: list[int]) -> None:
    """Delete the crate's memberships of ``track_ids`` (the one chunked delete of members)."""
    delete = _members_of(crate_id)
    for_each_chunk(lambda in_list: delete.where(CrateTrack.track.in_(in_list)), track_ids)


@journalled
def replace_crate_tracks(
    crate: int | str | Crate, tracks: Iterable[TrackLike] | TrackLike, *, dry_run: bool = False
) -> WriteResult[int]:
    """Make a crate hold exactly ``tracks`` (models, ids or paths; one transaction); counts
    ``added`` and ``removed``. Raises CrateNotFoundError, TrackNotFoundError (nothing
    written), LockedError.
    """
    result = WriteResult("replace_crate_tracks", dry_run)
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        ids, hidden = require_tracks(tracks)
        keep = set(ids)
        members = CrateTrack.select(CrateTrack.track).where(CrateTrack.crate == row.id)
        have = {t for (t,) in members.tuples()}  # type: ignore[attr-defined]
        new, gone = sorted(keep - have), sorted(have - keep)
        if not dry_run:
            if gone:
                _delete_members(row.id, gone)
            _insert_members(row.id, new)
    result.value = row.id
    result.counts.update(added=len(new), removed=len(gone), kept=len(keep & have))
    _report_added(result, new, 0, hidden, _label(row), counted=False)
    if gone:
        result.add(f"remove {plural(len(gone), 'track')} from {_label(row)}")
    if not new and not gone:
        result.keep(f"{_label(row)} holds exactly these {plural(len(keep), 'track')} already")
    return result


@journalled
def clear_crate(crate: int | str | Crate, *, dry_run: bool = False) -> WriteResult[int]:
    """Remove every track from a crate. Raises CrateNotFoundError, LockedError."""
    result = WriteResult("clear_crate", dry_run)
    with planned_write(dry_run, _MEMBER_TOUCHES):
        row = get_crate(crate)
        refuse_locked(row, "crate")
        members = _member_count(row.id)
        if members and not dry_run:
            _members_of(row.id).execute()
    result.value = row.id
    result.count("removed", members)
    if members:
        result.add(f"remove all {plural(members, 'track')} from {_label(row)}")
    else:
        result.keep(f"{_label(row)} is empty already")
    return result
