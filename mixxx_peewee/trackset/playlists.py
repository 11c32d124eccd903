"""Playlists: list, read in order, create, rename, delete, and change their entries.

Positions of a playlist's entries are 1..n after every operation, and the entries an
operation does not touch keep their order. A file whose positions have gaps or repeats
(another tool's doing) is renumbered in the same transaction, keeping the stored order.
Decisions, following Mixxx's own code (``PlaylistDAO``):

- names are trimmed; empty names, control characters, an existing name (exact,
  case-sensitive, as Mixxx compares) and ``"Auto DJ"`` are refused;
- removing a track by id removes every occurrence of it (``removeTracksFromPlaylistById``);
- ``date_modified`` is left alone: Mixxx sets it once, on create, and never again;
- every new entry gets ``pl_datetime_added = CURRENT_TIMESTAMP`` (Mixxx leaves it NULL
  when its GUI inserts a batch at a position; a time is more useful and is what its
  single-track insert writes);
- Auto DJ (``hidden = 1``) takes adds like any playlist but cannot be renamed or deleted;
  history playlists (``hidden = 2``) refuse every change unless ``force_history=True``;
  rows with any other ``hidden`` value (Mixxx 2.5's ``historyPlaceholder``) are never
  listed, found or changed.

Reads return models: :func:`get_playlist_tracks` gives ``Track`` instances (location
joined) carrying ``position``, ``pl_datetime_added`` and ``entry_id``; listings are dicts
with counts. Every statement is built with peewee on the models.
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
from mixxx_peewee.core.results import series
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.errors import DuplicateNameError
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_update
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import guard_notes
from mixxx_peewee.lookup import PLAYLIST_KINDS
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.lookup import joined_tracks
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.trackset.membership import check_free_name
from mixxx_peewee.trackset.membership import clean_name
from mixxx_peewee.trackset.membership import hidden_note
from mixxx_peewee.trackset.membership import planned_write
from mixxx_peewee.trackset.membership import refuse_digits
from mixxx_peewee.trackset.membership import refuse_locked
from mixxx_peewee.trackset.membership import rename_set
from mixxx_peewee.trackset.membership import require_tracks
from mixxx_peewee.trackset.membership import same_name
from mixxx_peewee.trackset.membership import track_builder
from mixxx_peewee.trackset.positions import NOW
from mixxx_peewee.trackset.positions import STORED_ORDER
from mixxx_peewee.trackset.positions import contiguous_count
from mixxx_peewee.trackset.positions import ensure_positions
from mixxx_peewee.trackset.positions import entries_among
from mixxx_peewee.trackset.positions import entries_of
from mixxx_peewee.trackset.positions import entry_tracks
from mixxx_peewee.trackset.positions import insert_entries
from mixxx_peewee.trackset.positions import remove_entries
from mixxx_peewee.trackset.positions import renumber

__all__ = [
    "AUTO_DJ_NAME",
    "KINDS",
    "add_track_to_playlist",
    "add_tracks_to_playlist",
    "clear_playlist",
    "create_playlist",
    "delete_playlist",
    "ensure_positions",
    "get_playlist",
    "get_playlist_tracks",
    "list_playlists",
    "move_playlist_track",
    "remove_positions_from_playlist",
    "remove_track_from_playlist",
    "remove_tracks_from_playlist",
    "rename_playlist",
    "replace_playlist_tracks",
]

AUTO_DJ_NAME = "Auto DJ"
KINDS = PLAYLIST_KINDS
_HIDDEN_BY_KIND = {kind: hidden for hidden, kind in KINDS.items()}
_PLAYLIST_TOUCHES = [
    ("Playlists", c) for c in ("name", "position", "hidden", "date_created", "date_modified")
]
_ENTRY_TOUCHES = [
    ("PlaylistTracks", c) for c in ("playlist_id", "track_id", "position", "pl_datetime_added")
]
_VISIBLE = fn.COALESCE(Track.mixxx_deleted, 0) != 1


def _label(row: Playlist) -> str:
    return f"playlist {row.name!r} (id {row.id})"


def list_playlists(
    *, include_hidden: bool = False, kind: str | None = None
) -> list[dict[str, Any]]:
    """Playlists with their track counts: normal ones, or Auto DJ and history too.

    A list of dicts (a listing with counts, not rows to change): ``id``, ``name``,
    ``position``, ``hidden``, ``kind``, ``locked``, ``date_created``, ``date_modified`` as
    stored, ``entry_count``, ``track_count`` and ``duration``. ``kind`` (``"normal"``,
    ``"autodj"``, ``"history"``) lists only that kind. ``track_count`` and ``duration``
    count visible tracks as Mixxx's sidebar does; ``entry_count`` counts every entry.
    Raises ValidationError for an unknown kind.
    """
    if kind is not None:
        if kind not in _HIDDEN_BY_KIND:
            raise ValidationError(f"playlist kind must be one of {', '.join(_HIDDEN_BY_KIND)}")
        hidden = [_HIDDEN_BY_KIND[kind]]
    else:
        hidden = list(KINDS) if include_hidden else [0]
    query = (
        Playlist.select(
            Playlist.id,
            Playlist.name,
            Playlist.position,
            Playlist.hidden,
            Playlist.locked,
            Playlist.date_created,
            Playlist.date_modified,
            fn.COUNT(PlaylistTrack.id),
            fn.SUM(Case(None, [(Track.id.is_null(False) & _VISIBLE, 1)], 0)),
            fn.SUM(Case(None, [(_VISIBLE, Track.duration)])),
        )
        .join(PlaylistTrack, JOIN.LEFT_OUTER, on=(PlaylistTrack.playlist == Playlist.id))
        .join(Track, JOIN.LEFT_OUTER, on=(Track.id == PlaylistTrack.track))
        .where(Playlist.hidden.in_(hidden))
        .group_by(Playlist.id)
        .order_by(Playlist.hidden, Playlist.position, Playlist.id)
    )
    with read_transaction():
        rows = stored_rows(query)
    return [
        {
            "id": r[0],
            "name": r[1],
            "position": r[2],
            "hidden": r[3],
            "kind": KINDS[r[3]],
            "locked": bool(r[4]),
            "date_created": r[5],
            "date_modified": r[6],
            "entry_count": r[7],
            "track_count": r[8] or 0,
            "duration": float(r[9] or 0.0),
        }
        for r in rows
    ]


def get_playlist_tracks(playlist: int | str | Playlist) -> list[Track]:
    """The playlist's entries in order, as ``Track`` models with the location joined.

    Each carries ``position`` (1..n), ``pl_datetime_added`` and ``entry_id``; a track
    that is in the playlist twice comes twice, as two instances. An entry whose track
    row is gone is a ``Track`` with only ``id`` (``path`` None). Raises
    PlaylistNotFoundError.
    """
    row = get_playlist(playlist)
    entries = entries_of(row.id).select(
        PlaylistTrack.id, PlaylistTrack.track, PlaylistTrack.pl_datetime_added
    )
    with read_transaction():
        stored = stored_rows(entries.order_by(*STORED_ORDER))
    # By id in chunks (each its own short read): no sort of whole track rows by position.
    rows = for_each_chunk(
        lambda in_list: joined_tracks().where(Track.id.in_(in_list)),
        sorted({track_id for _, track_id, _ in stored if track_id is not None}),
    )
    by_id = {r[0]: r for r in rows}  # Track.id leads joined_tracks()
    build = track_builder()
    to_datetime = PlaylistTrack.pl_datetime_added.python_value
    added_values: dict[Any, Any] = {}  # a batch shares one timestamp: parse it once
    tracks = []
    for position, (entry_id, track_id, added) in enumerate(stored, 1):
        found = by_id.get(track_id)
        if found is None:
            track = Track(id=track_id)
            track._dirty.clear()
        else:
            track = build(found)
        if added not in added_values:
            added_values[added] = to_datetime(added)
        # Plain attributes, not fields: saving the track never writes them.
        track.__dict__.update(
            position=position, pl_datetime_added=added_values[added], entry_id=entry_id
        )
        tracks.append(track)
    return tracks


def _writable(playlist: int | str | Playlist, force_history: bool) -> Playlist:
    row = get_playlist(playlist)
    refuse_locked(row, "playlist")
    if row.hidden == 2 and not force_history:
        raise LockedError(
            f"{_label(row)} is a history playlist; change it only with force_history=True"
            " (--force-history)"
        )
    return row


def _refuse_auto_dj(row: Playlist, action: str) -> None:
    if row.hidden == 1:
        raise LockedError(f"the Auto DJ playlist (id {row.id}) cannot be {action}")


def _check_new_name(
    name: str, *, except_id: int | None = None, allow_digits: bool = False
) -> list[str]:
    """Refuse digits and a name taken (in any Unicode form); notes for names alike but for case."""
    if same_name(AUTO_DJ_NAME, name):
        raise DuplicateNameError(f"{AUTO_DJ_NAME!r} is the name of Mixxx's Auto DJ playlist")
    refuse_digits(name, "playlist", allow_digits=allow_digits)
    return check_free_name(Playlist, "playlist", name, except_id=except_id)


@overload
def create_playlist(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *,
    dry_run: Literal[False] = False, allow_digits: bool = False,
) -> CreateResult[Playlist]: ...  # fmt: skip


@overload
def create_playlist(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *, dry_run: bool,
    allow_digits: bool = False,
) -> WriteResult: ...  # fmt: skip


@journalled
def create_playlist(
    name: str, tracks: Iterable[TrackLike] | TrackLike | None = None, *, dry_run: bool = False,
    allow_digits: bool = False,
) -> WriteResult:  # fmt: skip
    """Create a playlist after the last one, with ``tracks`` (models, ids or paths) in it, in
    that order (one transaction).

    Returns a ``CreateResult``: ``result.id`` is the new id (an ``int``) and
    ``result.object`` the new ``Playlist`` (``value`` holds the id too); a dry run returns
    a ``WriteResult`` with all three None. Raises ValidationError (empty name, control
    characters), DuplicateNameError, TrackNotFoundError (nothing written).
    """
    clean = clean_name(name, "playlist")
    kind = WriteResult if dry_run else CreateResult
    result = kind("create_playlist", dry_run, notes=guard_notes(STRUCTURE, **_no(dry_run)))
    touches = _PLAYLIST_TOUCHES + (_ENTRY_TOUCHES if tracks is not None else [])
    with planned_write(dry_run, touches):
        result.notes.extend(_check_new_name(clean, allow_digits=allow_digits))
        ids, hidden = require_tracks(() if tracks is None else tracks)
        position = (Playlist.select(fn.MAX(Playlist.position)).scalar() or 0) + 1
        if not dry_run:
            new_id = Playlist.insert(
                name=clean, position=position, hidden=0, date_created=NOW, date_modified=NOW
            ).execute()
            result.object = Playlist.get_by_id(new_id)
            result.value = new_id
            insert_entries(new_id, ids, 1)
    result.add(f"create playlist {clean!r} at sidebar position {position}")
    result.count("created")
    if ids:
        where = f"the new playlist {clean!r}" if dry_run else f"{_label(result.object)} at the end"
        _report_added(result, ids, hidden, where)
    return result


def _report_added(result: WriteResult, ids: list[int], hidden: int, where: str) -> None:
    if ids:
        result.add(f"add {plural(len(ids), 'track')} to {where}")
    result.count("added", len(ids))
    if hidden and ids:
        result.notes.append(hidden_note(hidden))


def _no(dry_run: bool) -> dict[str, bool]:
    # Playlist writes are safe beside a running Mixxx: the guard only adds a note.
    return {"force": False, "dry_run": dry_run}


@journalled
def rename_playlist(
    playlist: int | str | Playlist, new_name: str, *, force_history: bool = False,
    dry_run: bool = False, allow_digits: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Rename a playlist. Raises PlaylistNotFoundError, LockedError, ValidationError,
    DuplicateNameError."""
    clean = clean_name(new_name, "playlist")
    result = WriteResult("rename_playlist", dry_run, notes=guard_notes(STRUCTURE, **_no(dry_run)))
    with planned_write(dry_run, [("Playlists", "name")]):
        row = _writable(playlist, force_history)
        _refuse_auto_dj(row, "renamed")

        def check(name: str, *, except_id: int) -> list[str]:
            return _check_new_name(name, except_id=except_id, allow_digits=allow_digits)

        rename_set(result, row, clean, label=_label(row), check_new_name=check, dry_run=dry_run)
    return result


@journalled
def delete_playlist(
    playlist: int | str | Playlist, *, force_history: bool = False, dry_run: bool = False
) -> WriteResult[int]:
    """Delete a playlist and its entries. Raises PlaylistNotFoundError, LockedError."""
    result = WriteResult("delete_playlist", dry_run, notes=guard_notes(STRUCTURE, **_no(dry_run)))
    with planned_write(dry_run, [("Playlists", "id"), ("PlaylistTracks", "playlist_id")]):
        row = _writable(playlist, force_history)
        _refuse_auto_dj(row, "deleted")
        result.value = row.id
        entries = entries_of(row.id).count()
        if not dry_run:
            PlaylistTrack.delete().where(PlaylistTrack.playlist == row.id).execute()
            Playlist.delete().where(Playlist.id == row.id).execute()
    result.add(
        f"delete {_label(row)}"
        + (f" and its {plural(entries, 'entry')}" if entries else " (empty)")
    )
    result.count("deleted")
    result.count("entries_removed", entries)
    return result


def _ensure_contiguous(row: Playlist, result: WriteResult, dry_run: bool) -> int:
    """The number of entries; renumbers them 1..n first when their positions are not."""
    if (contiguous := contiguous_count(row.id)) is not None:
        return contiguous
    count = entries_of(row.id).count()
    if count:
        result.add(f"renumber the entries of {_label(row)} 1..{count} (they were not), in order")
        if not dry_run:
            renumber(row.id)
    return int(count)


def add_track_to_playlist(
    playlist: int | str | Playlist, track_id: TrackLike, *, position: int | None = None,
    force_history: bool = False, dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Append a track (or insert it at 1-based ``position``): :func:`add_tracks_to_playlist`
    (the original design's name)."""
    return add_tracks_to_playlist(
        playlist, track_id, position=position, force_history=force_history, dry_run=dry_run
    )


@journalled
def add_tracks_to_playlist(
    playlist: int | str | Playlist, tracks: Iterable[TrackLike] | TrackLike, *,
    position: int | None = None, force_history: bool = False, dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Append tracks (models, ids or paths) in the given order, or insert them at 1-based
    ``position`` (1..n+1).

    Entries at ``position`` and after move down. Raises PlaylistNotFoundError,
    TrackNotFoundError (nothing written), LockedError, ValidationError.
    """
    result = WriteResult("add_tracks_to_playlist", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        ids, hidden = require_tracks(tracks)
        count = _ensure_contiguous(row, result, dry_run)
        at = count + 1 if position is None else _check_position(position, count + 1, row)
        repeated = entries_among(row.id, ids) if count else set()
        if ids and not dry_run:
            # Journalled set-wise (bench row "insert 1,000 tracks at the top of a playlist"):
            # the entries it moves down, then the ones it makes.
            with bulk_write("PlaylistTracks"):
                if at <= count:
                    bulk_update(
                        "PlaylistTracks",
                        {"position": f"position + {len(ids)}"},
                        "playlist_id = ? AND position >= ?",
                        (row.id, at),
                        last=True,  # then only new entries are made
                    )
                insert_entries(row.id, ids, at)
    result.value = row.id
    where = "at the end" if at == count + 1 else f"at position {at}"
    _report_added(result, ids, hidden, f"{_label(row)} {where}")
    if repeated:
        # Mixxx allows repeats in a playlist; say so rather than add them silently.
        result.notes.append(
            f"{plural(len(repeated), 'track')} already in {_label(row)}: listed again "
            "(a playlist may repeat a track)"
        )
    return result


def _check_position(position: object, highest: int, row: Playlist) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValidationError(f"position must be a whole number, not {position!r}")
    if not 1 <= position <= highest:
        raise ValidationError(f"position {position} is outside 1..{highest} of {_label(row)}")
    return position


def remove_track_from_playlist(
    playlist: int | str | Playlist, track_id: TrackLike, *, force_history: bool = False,
    dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Remove every occurrence of a track, as Mixxx does: :func:`remove_tracks_from_playlist`
    (the original design's name)."""
    return remove_tracks_from_playlist(
        playlist, track_id, force_history=force_history, dry_run=dry_run
    )


def _entries_at(row: Playlist, positions: list[int]) -> list[tuple[int, int]]:
    """The playlist's (entry id, track id) in order, once every 1-based position in
    ``positions`` is checked to be one of them; raises ValidationError."""
    entries = entry_tracks(row.id)
    if positions and not entries:
        _empty(row)
    for position in positions:
        _check_position(position, len(entries), row)
    return entries


@journalled
def remove_positions_from_playlist(
    playlist: int | str | Playlist, positions: Iterable[int], *, force_history: bool = False,
    dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Remove the entries at the given 1-based positions; the rest close up.

    Raises PlaylistNotFoundError, LockedError, ValidationError (a position outside 1..n).
    """
    wanted = list(positions)
    result = WriteResult("remove_positions_from_playlist", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        entries = _entries_at(row, wanted)
        unique = sorted(set(wanted))
        if unique and not dry_run:
            doomed = [entries[p - 1][0] for p in unique]
            contiguous = contiguous_count(row.id) == len(entries)
            remove_entries(row.id, unique, doomed, len(entries), contiguous)
    result.value = row.id
    result.count("removed", len(unique))
    if unique:
        where = f"position{'s' if len(unique) > 1 else ''} {series(unique)}"
        result.add(f"remove {plural(len(unique), 'entry')} from {_label(row)} at {where}")
    return result


@journalled
def remove_tracks_from_playlist(
    playlist: int | str | Playlist, tracks: Iterable[TrackLike] | TrackLike = (), *,
    positions: Iterable[int] = (), force_history: bool = False, dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Remove every entry of ``tracks`` (models, ids or paths; all occurrences, as Mixxx
    does) and the entries at 1-based ``positions`` in one transaction; the rest close up.
    Counts ``removed`` and ``absent`` (tracks not in it).

    Raises PlaylistNotFoundError, TrackNotFoundError (an unknown id that is no entry),
    LockedError, ValidationError (a position outside 1..n).
    """
    wanted = list(positions)
    result = WriteResult("remove_tracks_from_playlist", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        ids = track_ids_of(tracks)
        row = _writable(playlist, force_history)
        entries = _entries_at(row, wanted)
        asked = set(ids)
        found: dict[int, list[int]] = {}
        for position, (_entry, track) in enumerate(entries, 1):
            if track in asked:
                found.setdefault(track, []).append(position)
        absent = [t for t in dict.fromkeys(ids) if t not in found]
        require_tracks(absent)  # unknown ids are an error, absent ones are not
        unique = sorted(set(wanted).union(*found.values()))
        if unique and not dry_run:
            doomed = [entries[p - 1][0] for p in unique]
            contiguous = contiguous_count(row.id) == len(entries)
            remove_entries(row.id, unique, doomed, len(entries), contiguous)
    result.value = row.id
    result.counts.update(removed=len(unique), absent=len(absent))
    if wanted:
        at = sorted(set(wanted))
        where = f"position{'s' if len(at) > 1 else ''} {series(at)}"
        result.add(f"remove {plural(len(at), 'entry')} from {_label(row)} at {where}")
    for track, at in found.items():
        where = f"position{'s' if len(at) > 1 else ''} {series(at)}"
        result.add(f"remove track {track} from {_label(row)} at {where}")
    if absent:
        which = f"track {absent[0]}" if len(absent) == 1 else f"tracks {series(absent)}"
        result.keep(f"{which} {'is' if len(absent) == 1 else 'are'} not in {_label(row)}")
    return result


def _empty(row: Playlist) -> None:
    raise ValidationError(f"{_label(row)} is empty")


@journalled
def move_playlist_track(
    playlist: int | str | Playlist, from_position: int, to_position: int, *,
    force_history: bool = False, dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Move the entry at ``from_position`` to ``to_position`` (both 1-based).

    Raises PlaylistNotFoundError, LockedError, ValidationError.
    """
    result = WriteResult("move_playlist_track", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        count = _ensure_contiguous(row, result, dry_run)
        if not count:
            _empty(row)
        source = _check_position(from_position, count, row)
        target = _check_position(to_position, count, row)
        query = entries_of(row.id).select(PlaylistTrack.id, PlaylistTrack.track)
        entry = stored_rows(query.order_by(*STORED_ORDER).limit(1).offset(source - 1))[0]
        if source != target and not dry_run:
            position, in_playlist = PlaylistTrack.position, PlaylistTrack.playlist == row.id
            if target < source:
                shifted = position + 1, (position >= target) & (position < source)
            else:
                shifted = position - 1, (position > source) & (position <= target)
            PlaylistTrack.update(position=shifted[0]).where(in_playlist & shifted[1]).execute()
            PlaylistTrack.update(position=target).where(PlaylistTrack.id == entry[0]).execute()
    result.value = row.id
    if source != target:
        result.add(f"move track {entry[1]} in {_label(row)} from {source} to {target}")
        result.count("moved")
    else:
        result.keep(f"track {entry[1]} is at position {source} of {_label(row)} already")
    return result


@journalled
def replace_playlist_tracks(
    playlist: int | str | Playlist, tracks: Iterable[TrackLike] | TrackLike, *,
    force_history: bool = False, dry_run: bool = False,
) -> WriteResult[int]:  # fmt: skip
    """Make a playlist's entries exactly ``tracks`` (models, ids or paths), in that order
    (one transaction).

    Nothing is written when the entries are those already. Raises PlaylistNotFoundError,
    TrackNotFoundError (nothing written), LockedError.
    """
    result = WriteResult("replace_playlist_tracks", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        ids, hidden = require_tracks(tracks)
        query = entries_of(row.id).order_by(PlaylistTrack.position, PlaylistTrack.id)
        current = [track for (track,) in query.select(PlaylistTrack.track).tuples()]
        if current != ids and not dry_run:
            PlaylistTrack.delete().where(PlaylistTrack.playlist == row.id).execute()
            insert_entries(row.id, ids, 1)
    result.value = row.id
    if current != ids:
        result.add(
            f"replace the {plural(len(current), 'entry')} of {_label(row)} with "
            f"{plural(len(ids), 'track')}"
        )
        result.counts.update(removed=len(current), added=len(ids))
        if hidden:
            result.notes.append(hidden_note(hidden))
    else:
        result.keep(f"{_label(row)} holds exactly these {plural(len(ids), 'entry')} already")
    return result


@journalled
def clear_playlist(
    playlist: int | str | Playlist, *, force_history: bool = False, dry_run: bool = False
) -> WriteResult[int]:
    """Remove every entry of a playlist. Raises PlaylistNotFoundError, LockedError."""
    result = WriteResult("clear_playlist", dry_run)  # members: Mixxx re-reads them
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        entries = entries_of(row.id).count()
        if entries and not dry_run:
            PlaylistTrack.delete().where(PlaylistTrack.playlist == row.id).execute()
    result.value = row.id
    result.count("removed", entries)
    if entries:
        result.add(f"remove all {plural(entries, 'entry')} from {_label(row)}")
    else:
        result.keep(f"{_label(row)} is empty already")
    return result
