"""Reading tracks: list and search them, stream them in chunks, one by id, missing files.

Reads never hold a transaction while the caller works: :func:`iter_tracks` fetches
bounded chunks (keyset pages in id order; a sorted listing reads its order once, then its
rows by id), each chunk one complete statement. A track read as a
model (:func:`query_tracks`, :func:`get_track_by_id`) has its location joined
(:func:`mixxx_peewee.lookup.joined_tracks`); :func:`iter_tracks` gives dicts of the values
as stored.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

from peewee import fn

from mixxx_peewee.core.statements import Slot
from mixxx_peewee.core.statements import bound_rows
from mixxx_peewee.core.values import RangeLike
from mixxx_peewee.core.values import check_text
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import ColumnNotInFileError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.lookup import joined_tracks
from mixxx_peewee.lookup import run_query
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.models import absent_message
from mixxx_peewee.tracks.filters import LOCATION_COLUMNS
from mixxx_peewee.tracks.filters import TRACK_FILTERS
from mixxx_peewee.tracks.filters import all_of
from mixxx_peewee.tracks.filters import check_limit
from mixxx_peewee.tracks.filters import order_terms
from mixxx_peewee.tracks.filters import ordered
from mixxx_peewee.tracks.filters import sort_order
from mixxx_peewee.tracks.filters import track_where

__all__ = [
    "ENTRY_COLUMNS",
    "MISSING_FILE_GONE",
    "MISSING_FLAGGED",
    "MISSING_LINK_TARGET_ABSENT",
    "get_track_by_id",
    "iter_tracks",
    "missing_tracks",
    "query_tracks",
    "search_tracks",
    "track_columns",
]

MISSING_FLAGGED = "fs-deleted"  # Mixxx's scanner flagged it; the file may be back by now
MISSING_FILE_GONE = "file-gone"  # no file (and no link) at the path
MISSING_LINK_TARGET_ABSENT = "link-target-absent"  # a symlink whose target is absent (git-annex)


def query_tracks(
    *,
    artist: str | None = None,
    title: str | None = None,
    album: str | None = None,
    genre: str | None = None,
    composer: str | None = None,
    comment: str | None = None,
    bpm_range: RangeLike | None = None,
    key: str | int | None = None,
    rating: RangeLike | None = None,
    color: int | str | None = None,
    year: RangeLike | None = None,
    filetype: str | None = None,
    crate: int | str | None = None,
    playlist: int | str | None = None,
    hidden: bool | None = False,
    missing: bool | None = None,
    added_after: dt.date | dt.datetime | str | None = None,
    added_before: dt.date | dt.datetime | str | None = None,
    sort: str | Sequence[str] | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> list[Track]:
    """Tracks matching every given filter, with their location joined (``track.path``).

    Text filters match a column by case- and accent-insensitive contains. ``bpm_range``,
    ``rating`` and ``year`` take what :func:`mixxx_peewee.core.values.parse_range` reads, with
    the meaning ``bpm:``/``rating:``/``year:`` have in a search: a whole number N is
    [N, N+1), a ``(low, high)`` pair is inclusive, ``"120-"``/``">125"`` are open.
    ``crate``/``playlist`` are an id or a name (:func:`mixxx_peewee.lookup.get_crate`).
    ``added_after``/``added_before`` take a date as ``added:`` reads it (a local day, month
    or year, ``lastweek``, ``lastmonth``, ``lastyear``) or a datetime (naive means UTC).
    ``hidden``: False (default) only visible tracks, True only hidden ones, None both (a
    track selector takes ``hidden: bool | None``; a listing that can only add hidden tracks
    takes ``include_hidden: bool = False``).
    ``sort``: a track column, several (``"bpm,-rating"`` or ``["bpm", "-rating"]``: a
    leading ``-`` sorts that key descending; :func:`mixxx_peewee.tracks.filters.sort_order`);
    ``descending`` turns every key round.
    Raises ValidationError, CrateNotFoundError, PlaylistNotFoundError.
    """
    filters = {k: v for k, v in locals().items() if k in TRACK_FILTERS}
    return _select_tracks(track_where(None, filters), sort, descending, limit)


def _select_tracks(
    where: Any, sort: str | Sequence[str] | None, descending: bool, limit: int | None
) -> list[Track]:
    """Model instances (location joined) matching ``where``, sorted and limited."""
    query = ordered(joined_tracks(), sort, descending)
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(check_limit(limit))
    return run_query(lambda: list(query))


def search_tracks(
    query: str,
    *,
    hidden: bool | None = False,
    sort: str | Sequence[str] | None = None,
    descending: bool = False,
    limit: int | None = None,
    **filters: Any,
) -> list[Track]:
    """Tracks matching a Mixxx search-bar query (see :mod:`mixxx_peewee.tracks.searchsyntax`).

    Extra keyword filters (and ``hidden``) are those of :func:`query_tracks`. Raises
    ValidationError.
    """
    if not isinstance(query, str):
        raise ValidationError(f"search query must be text, not {query!r}")
    check_text(query, "search query")
    return _select_tracks(
        track_where(query, {**filters, "hidden": hidden}), sort, descending, limit
    )


# Keys iter_tracks decodes from the blobs when a caller names them (beatgrids.analysis_values;
# the codec loads only then): listings that do not ask pay nothing.
ANALYSIS_COLUMNS = (
    "grid_kind", "grid_bpm", "first_beat", "first_beat_frame", "key_text", "key_source",
)  # fmt: skip


def track_columns() -> list[str]:
    """The keys of :func:`iter_tracks` dicts in this file: library columns, then the location's."""
    names = [f.column_name for f in Track._meta.sorted_fields if f.column_name != "location"]
    return [*names, "location_id", *LOCATION_COLUMNS]


def _selectable(name: str) -> Any:
    """The peewee column behind an :func:`iter_tracks` key; raises for unknown or absent ones."""
    if name == "location_id":
        return TrackLocation.id.alias("location_id")
    if name in LOCATION_COLUMNS:
        return TrackLocation._meta.fields[name]
    for field_ in Track._meta.sorted_fields:
        if field_.column_name == name:
            return field_
    for key, field_ in Track._absent_fields.items():
        if field_.column_name == name:
            raise ColumnNotInFileError(absent_message(Track, key))
    known = ", ".join([*track_columns(), *ANALYSIS_COLUMNS])
    raise ValidationError(f"unknown track column {name!r}; this file has: {known}")


# Columns of a playlist's entries, listed with iter_tracks(playlist=...) (in that order).
ENTRY_COLUMNS = ("position", "pl_datetime_added", "entry_id")


def _entry_or_track_column(name: str, in_playlist: bool) -> Any:
    if name in ENTRY_COLUMNS:
        if not in_playlist:
            raise ValidationError(f"column {name!r} exists only when listing a playlist's entries")
        if name == "entry_id":
            return PlaylistTrack.id.alias("entry_id")
        return PlaylistTrack._meta.fields[name]
    return _selectable(name)


def iter_tracks(
    *,
    search: str | None = None,
    sort: str | Sequence[str] | None = None,
    descending: bool = False,
    limit: int | None = None,
    chunk_size: int = 500,
    columns: Iterable[str] | None = None,
    **filters: Any,
) -> Iterator[dict[str, Any]]:
    """Stream tracks as dicts (library columns, ``location`` path, ``location_id`` …).

    ``columns`` picks and orders the keys (see :func:`track_columns`); only those are read.
    It may also name the grid and key columns decoded from the blobs
    (:data:`ANALYSIS_COLUMNS`: ``grid_kind``, ``grid_bpm``,
    ``first_beat`` in seconds, ``first_beat_frame``, ``key_text``, ``key_source``).
    Rows come in chunks of ``chunk_size``, each read completely in its own statement, so a
    slow consumer never holds a read transaction: in id order by keyset pagination; sorted
    (or a playlist's entries) by reading the order once, the ids alone, then the rows by id.
    Peewee builds each statement once; each chunk only binds new values. A track deleted
    while the listing runs is left out.
    Filters are those of :func:`query_tracks`. With ``playlist`` and no ``sort`` the
    tracks come in the playlist's running order, a track as often as it is in it (``sort``
    orders them by a column instead, each entry still listed), and ``columns`` may also
    name the entry's :data:`ENTRY_COLUMNS` (``position``, ``pl_datetime_added``,
    ``entry_id``). Raises ValidationError,
    ColumnNotInFileError, PlaylistNotFoundError when called (before the first row),
    database errors while iterating.
    """
    if chunk_size < 1:
        raise ValidationError(f"chunk_size must be >= 1, not {chunk_size}")
    if isinstance(columns, str):
        raise ValidationError("columns must be a list of column names, not one string")
    wanted = track_columns() if columns is None else list(dict.fromkeys(columns))
    if not wanted:
        raise ValidationError("columns must name at least one column")
    computed = [n for n in wanted if n in ANALYSIS_COLUMNS]
    # The blobs behind computed columns are read after the named ones and sliced away.
    names = [n for n in wanted if n not in computed]
    if computed:
        from mixxx_peewee.analysis.grids import ANALYSIS_INPUTS  # loads the codec: only when asked
        from mixxx_peewee.analysis.grids import analysis_values
    inputs = [n for n in ANALYSIS_INPUTS if n not in names] if computed else []
    in_playlist = filters.get("playlist") is not None
    select: list[Any] = [_entry_or_track_column(n, in_playlist) for n in [*names, *inputs]]
    filters.setdefault("hidden", False)
    entries_of = None
    if filters.get("playlist") is not None:
        # Entries, not membership: the running order and every repeat (tracks list --playlist).
        entries_of = get_playlist(filters.pop("playlist")).id
    where = track_where(search, filters)
    limit_left = None if limit is None else check_limit(limit)
    sorting = sort_order(sort, descending)
    descending = sorting.descending
    order_key: Any = None
    # The keyset's last key: the track id, or the entry's id when entries are listed.
    tie: Any = Track.id if entries_of is None else PlaylistTrack.id
    if entries_of is not None and not sorting.keys:
        # Mixxx's stored order: by position (none last), then by entry id.
        order_key = fn.COALESCE(PlaylistTrack.position, 2**62)
    sorted_once = bool(sorting.keys) or order_key is not None  # the order read once, by tie
    width = len(names)
    # Both ways of reading need the tie (the track's or the entry's id): read after the
    # named columns when not among them, and sliced away.
    id_at = names.index("id") if "id" in names and entries_of is None else len(select)
    if id_at == len(select):
        select.append(tie)
    blank = dict.fromkeys(wanted).copy
    if computed:
        at = {n: [*names, *inputs].index(n) for n in ANALYSIS_INPUTS}
        width = len(select)  # keep the inputs in the row; computed keys replace them below
    # Filled in per chunk: the chunk size, the keyset position.
    size_slot, id_slot = Slot(), Slot()

    def statement(*selected: Any, after: Any = None, filtered: bool = True) -> Any:
        query = Track.select(*selected).join(TrackLocation, on=(Track.location == TrackLocation.id))
        in_playlist = None
        if entries_of is not None:
            query = query.join(PlaylistTrack, on=(PlaylistTrack.track == Track.id))
            in_playlist = PlaylistTrack.playlist == entries_of
        condition = all_of([where, in_playlist, after] if filtered else [after])
        if condition is not None:
            query = query.where(condition)
        if sorting.keys:
            query = query.order_by(*order_terms(sorting.keys, tie))
        else:
            keys = [tie] if order_key is None else [order_key, tie]
            query = query.order_by(*[k.desc() if descending else k.asc() for k in keys])
        if not sorted_once:
            query = query.limit(size_slot.sql())
        elif filtered and limit_left is not None:
            query = query.limit(limit_left)
        return query

    def tracks_of(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
        # Copying a dict that already has every key is cheaper than growing one per row.
        for row in rows if width == len(select) else (r[:width] for r in rows):
            track = blank()
            if computed:
                track.update(zip(names, row, strict=False))
                found = analysis_values(*(row[at[n]] for n in ANALYSIS_INPUTS))
                track.update((n, found[n]) for n in computed)
            else:
                track.update(zip(names, row, strict=True))
            yield track

    if sorted_once:
        # A sort no index serves scans and sorts every row: done once, for the ties alone
        # (one statement), then the rows are read by tie, a chunk per statement. Keyset
        # pages would repeat that scan and sort for every chunk (quadratic: a sorted
        # listing of 100,000 tracks took ~40 s; bench row "sorted listing").
        order = statement(tie).sql()  # built now: a bad filter or search raises here
        step = min(chunk_size, 900)  # bound parameters per statement (old SQLite: 999)
        slots = [Slot() for _ in range(step)]
        # By tie alone (the filters chose the ties): SQLite looks each one up by its rowid.
        by_tie = statement(*select, after=tie.in_([x.sql() for x in slots]), filtered=False)
        by_tie_sql = by_tie.order_by().sql()

        def sorted_chunks() -> Iterator[dict[str, Any]]:
            ties = [row[0] for row in bound_rows(order, {})]
            for start in range(0, len(ties), step):
                part = ties[start : start + step]
                # A short last chunk repeats its last tie in the unused slots.
                values = dict(zip(slots, part + part[-1:] * (step - len(part)), strict=True))
                found = {row[id_at]: row for row in bound_rows(by_tie_sql, values)}
                # A row gone since the order was read is left out.
                yield from tracks_of(found[t] for t in part if t in found)

        return sorted_chunks()

    first = statement(*select).sql()  # built now: a bad filter or search raises here
    following: list[Any] = []  # only built when a second chunk comes

    def chunks() -> Iterator[dict[str, Any]]:
        remaining = limit_left
        last: Any = None
        while remaining is None or remaining > 0:
            size = chunk_size if remaining is None else min(chunk_size, remaining)
            if last is None:
                rows = bound_rows(first, {size_slot: size})
            else:
                if not following:
                    after = tie < id_slot.sql() if descending else tie > id_slot.sql()
                    following.append(statement(*select, after=after).sql())
                rows = bound_rows(following[0], {size_slot: size, id_slot: last})
            if not rows:
                return
            yield from tracks_of(rows)
            last = rows[-1][id_at]
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return

    return chunks()


def _wanted_id(track_id: object) -> int | None:
    """The id ``track_id`` names (an int or digits), None when no row can have it."""
    wanted = parse_id(track_id)
    if wanted is None:
        raise ValidationError(f"track id must be a whole number, not {track_id!r}")
    return wanted if is_row_id(wanted) else None  # beyond SQLite's integers: no row


def get_track_by_id(track_id: int | str) -> Track:
    """The track with ``track_id`` (an int or digits; location joined).

    Raises ValidationError (no id), TrackNotFoundError. The rule for lookups: by id raises
    (an id comes from the library, so a missing one is an error); by path
    (:func:`~mixxx_peewee.tracks.locations.get_track_by_location`) returns None, because
    "is this file in the library?" is a question.
    """
    wanted = _wanted_id(track_id)
    track = None
    if wanted is not None:
        track = run_query(lambda: joined_tracks().where(Track.id == wanted).first())
    if not isinstance(track, Track):
        raise TrackNotFoundError(f"no track with id {track_id}")
    return track


def missing_tracks(
    *, hidden: bool | None = None, columns: Iterable[str] | None = None
) -> Iterator[tuple[dict[str, Any], str]]:
    """Tracks whose file is missing, with why: MISSING_FILE_GONE, MISSING_LINK_TARGET_ABSENT
    or MISSING_FLAGGED (the scanner's ``fs_deleted`` flag on a file that is there now).

    ``columns``: the keys of each track dict, as for :func:`iter_tracks` (default: all).
    ``hidden``: False only visible tracks, True only hidden ones, None (default) both.
    """
    wanted = None if columns is None else list(dict.fromkeys(columns))
    read = None if wanted is None else [*wanted, "location", "fs_deleted"]
    trim = wanted is not None and not {"location", "fs_deleted"} <= set(wanted)
    for track in iter_tracks(hidden=hidden, columns=read):
        location = track["location"]
        fs_deleted = track["fs_deleted"]
        if trim:
            track = {name: track[name] for name in wanted or ()}
        if isinstance(location, str) and location and os.path.exists(location):
            if fs_deleted == 1:
                yield track, MISSING_FLAGGED
            continue
        if isinstance(location, str) and location and os.path.islink(location):
            yield track, MISSING_LINK_TARGET_ABSENT
        else:
            yield track, MISSING_FILE_GONE
