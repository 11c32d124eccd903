"""Tracks: find, stream, search, edit, hide, and keep their file paths right.

Reads never hold a transaction while the caller works: :func:`iter_tracks` fetches
bounded chunks by keyset pagination, each chunk one complete statement. Writes validate
everything first and then run one short ``BEGIN IMMEDIATE`` transaction.

Running-Mixxx guard: metadata edits (:func:`update_track`) and :func:`relocate_tracks` are
TRACK_DATA (refused unless forced: Mixxx writes cached tracks back, and its scanner and
cached tracks keep using the old paths); hiding is STRUCTURE (Mixxx never writes
``mixxx_deleted`` back from its cache). :func:`relocate_tracks` updates ``directories``
like Mixxx's own relocate does and leaves ``LibraryHashes`` alone (the scanner re-hashes
the new folders on its next scan).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from functools import reduce
from typing import Any

import peewee
from peewee import fn

from mixxx_peewee.connection import db
from mixxx_peewee.connection import execute
from mixxx_peewee.connection import translate_sqlite_error
from mixxx_peewee.errors import ColumnNotInFileError
from mixxx_peewee.errors import CrateNotFoundError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import PlaylistNotFoundError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.fields import DATETIME_SQL
from mixxx_peewee.fields import format_mixxx_datetime
from mixxx_peewee.fields import parse_mixxx_datetime
from mixxx_peewee.keys import key_to_text
from mixxx_peewee.keys import parse_key
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import write_transaction
from mixxx_peewee.membership import existing_track_ids
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.models import absent_message
from mixxx_peewee.plan import WriteResult
from mixxx_peewee.query import compile_query
from mixxx_peewee.query import parse_query
from mixxx_peewee.query import text_contains
from mixxx_peewee.running import STRUCTURE
from mixxx_peewee.running import TRACK_DATA
from mixxx_peewee.running import check_mixxx_guard
from mixxx_peewee.values import chunked

__all__ = [
    "EDITABLE_FIELDS",
    "MISSING_FILE_GONE",
    "MISSING_FLAGGED",
    "MISSING_LINK_TARGET_ABSENT",
    "RelocateCollisionError",
    "RelocationPlan",
    "get_track_by_id",
    "get_track_by_location",
    "get_tracks_by_locations",
    "hide_tracks",
    "iter_tracks",
    "missing_tracks",
    "query_tracks",
    "relocate_tracks",
    "search_tracks",
    "track_columns",
    "unhide_tracks",
    "update_track",
]

_TEXT_FIELDS = (
    "artist", "title", "album", "album_artist", "composer", "genre", "grouping", "comment", "url",
)  # fmt: skip
_NUMBER_TEXT_FIELDS = ("year", "tracknumber", "tracktotal")
EDITABLE_FIELDS = frozenset(
    (*_TEXT_FIELDS, *_NUMBER_TEXT_FIELDS, "bpm", "bpm_lock", "key", "rating", "color")
)
_LOCATION_COLUMNS = ("location", "filename", "directory", "filesize", "fs_deleted")
_FILTERS = frozenset(
    (
        "artist", "title", "album", "genre", "composer", "comment", "bpm_range", "key",
        "rating", "color", "year", "filetype", "crate", "playlist", "hidden", "missing",
        "added_after", "added_before",
    )
)  # fmt: skip
_MAX_BPM = 500.0
_PARAMS_PER_STATEMENT = 900

MISSING_FLAGGED = "fs-deleted"  # Mixxx's scanner flagged it; the file may be back by now
MISSING_FILE_GONE = "file-gone"  # no file (and no link) at the path
MISSING_LINK_TARGET_ABSENT = "link-target-absent"  # a symlink whose target is absent (git-annex)


# --- filters -------------------------------------------------------------------------------


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(text: str, name: str) -> str:
    # Lone surrogates (undecodable file-name bytes) cannot be SQLite text.
    if not _encodable(text):
        raise ValidationError(f"{name} is not valid Unicode text: {text!r}")
    return text


def _all_of(parts: Iterable[Any]) -> Any | None:
    present = [p for p in parts if p is not None]
    return reduce(lambda a, b: a & b, present) if present else None


def _resolve_crate(crate: int | str) -> int:
    query = Crate.select(Crate.id)
    found = query.where(Crate.id == crate if isinstance(crate, int) else Crate.name == crate)
    row = found.tuples().first()
    if row is None:
        raise CrateNotFoundError(f"no crate {crate!r}")
    return int(row[0])


def _resolve_playlist(playlist: int | str) -> int:
    query = Playlist.select(Playlist.id)
    if isinstance(playlist, int):
        row = query.where(Playlist.id == playlist).tuples().first()
    else:
        row = query.where(Playlist.name == playlist).order_by(Playlist.id).tuples().first()
    if row is None:
        raise PlaylistNotFoundError(f"no playlist {playlist!r}")
    return int(row[0])


def _datetime_param(value: Any, name: str) -> str:
    if isinstance(value, dt.datetime):
        return format_mixxx_datetime(value, DATETIME_SQL)
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, str):
        parsed = parse_mixxx_datetime(value)
        if parsed is None and len(value) == 10:
            parsed = parse_mixxx_datetime(value + " 00:00:00")
        if parsed is not None:
            return format_mixxx_datetime(parsed, DATETIME_SQL)
    raise ValidationError(
        f"{name} must be a date or datetime (YYYY-MM-DD[ HH:MM:SS]), not {value!r}"
    )


def _range(value: Any, name: str) -> tuple[float | None, float | None]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), float(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = value
        for bound in (low, high):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, (int, float))
            ):
                raise ValidationError(f"{name} bounds must be numbers or None, not {bound!r}")
        return low, high
    raise ValidationError(f"{name} must be a number or a (low, high) pair, not {value!r}")


def _between(column: Any, value: Any, name: str) -> Any:
    low, high = _range(value, name)
    return _all_of([column >= low if low is not None else None,
                    column <= high if high is not None else None])  # fmt: skip


def parse_color(value: Any) -> int | None:
    """A colour as 0xRRGGBB from an int, ``'#RRGGBB'`` or None; raises ValidationError."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().removeprefix("#").removeprefix("0x").removeprefix("0X")
        if len(text) == 6:
            try:
                return int(text, 16)
            except ValueError:
                pass
        raise ValidationError(f"colour must be '#RRGGBB' or 0xRRGGBB, not {value!r}")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFF:
        return value
    raise ValidationError(f"colour must be 0x000000..0xFFFFFF, '#RRGGBB' or None, not {value!r}")


def _filter_expressions(filters: dict[str, Any]) -> list[Any]:
    unknown = sorted(set(filters) - _FILTERS)
    if unknown:
        raise ValidationError(f"unknown track filter: {', '.join(unknown)}")
    fields = Track._meta.fields
    parts: list[Any] = []
    for name in ("artist", "title", "album", "genre", "composer", "comment"):
        value = filters.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be text, not {value!r}")
        _check_text(value, name)
        column = fields.get(name)
        parts.append(text_contains(column, value) if column is not None else peewee.SQL("0"))
    if filters.get("bpm_range") is not None:
        parts.append(_between(Track.bpm, filters["bpm_range"], "bpm_range"))
    if filters.get("key") is not None:
        key_id = parse_key(filters["key"])
        parts.append(compile_query([_key_term(key_id)]))
    if filters.get("rating") is not None:
        parts.append(_between(Track.rating, filters["rating"], "rating"))
    if "color" in filters and filters["color"] is not None:
        color = parse_color(filters["color"])
        parts.append(Track.color.bin_and(0xFFFFFF) == color)
    if filters.get("year") is not None:
        year = filters["year"]
        if isinstance(year, (tuple, list)):
            parts.append(
                _between(peewee.Cast(fn.substr(Track.year, 1, 4), "INTEGER"), year, "year")
            )
        else:
            parts.append(fn.substr(Track.year, 1, 4) == str(year))
    if filters.get("filetype") is not None:
        parts.append(fn.lower(Track.filetype) == str(filters["filetype"]).lower().lstrip("."))
    if filters.get("crate") is not None:
        crate_id = _resolve_crate(filters["crate"])
        parts.append(
            Track.id.in_(CrateTrack.select(CrateTrack.track).where(CrateTrack.crate == crate_id))
        )
    if filters.get("playlist") is not None:
        playlist_id = _resolve_playlist(filters["playlist"])
        members = PlaylistTrack.select(PlaylistTrack.track)
        parts.append(Track.id.in_(members.where(PlaylistTrack.playlist == playlist_id)))
    hidden = filters.get("hidden", False)
    if hidden is True:
        parts.append(Track.mixxx_deleted == 1)
    elif hidden is False:
        parts.append((Track.mixxx_deleted == 0) | Track.mixxx_deleted.is_null())
    missing = filters.get("missing")
    if missing is not None:
        gone = (TrackLocation.fs_deleted == 1) | (
            fn.mixxx_path_missing(TrackLocation.location) == 1
        )
        parts.append(gone if missing else ~fn.COALESCE(gone, 0))
    for name, op in (("added_after", ">="), ("added_before", "<")):
        if filters.get(name) is not None:
            when = _datetime_param(filters[name], name)
            parts.append(peewee.Expression(fn.datetime(Track.datetime_added), op, when))
    return parts


def _key_term(key_id: int) -> Any:
    from mixxx_peewee.query import Term

    return Term("key", "key", key_id)


def _where(search: str | None, filters: dict[str, Any]) -> Any | None:
    parts = _filter_expressions(filters)
    if search:
        if not isinstance(search, str):
            raise ValidationError(f"search must be text, not {search!r}")
        _check_text(search, "search")
        parts.append(compile_query(parse_query(search)))
    return _all_of(parts)


def _sort_column(sort: str | None) -> Any:
    if sort is None or sort == "id":
        return None
    if sort in _LOCATION_COLUMNS:
        return TrackLocation._meta.fields[sort]
    column = Track._meta.fields.get(sort)
    if column is None or sort == "location":
        raise ValidationError(f"cannot sort by {sort!r}: not a track column in this file")
    return column


def _sort_key(column: Any) -> Any:
    # NULL breaks keyset comparisons; text sorts NULL as '', numbers as the lowest value.
    text = (
        isinstance(column, (peewee.TextField, peewee.CharField)) or "Text" in type(column).__name__
    )
    return fn.COALESCE(column, "" if text else -1e308)


# --- reading ---------------------------------------------------------------------------------


def _joined() -> Any:
    return Track.select(Track, TrackLocation).join(
        TrackLocation, on=(Track.location == TrackLocation.id), attr="location"
    )


def _ordered(query: Any, sort: str | None, descending: bool) -> Any:
    column = _sort_column(sort)
    keys = [] if column is None else [_sort_key(column)]
    keys.append(Track.id)
    return query.order_by(*[k.desc() if descending else k.asc() for k in keys])


def query_tracks(
    *,
    artist: str | None = None,
    title: str | None = None,
    album: str | None = None,
    genre: str | None = None,
    composer: str | None = None,
    comment: str | None = None,
    bpm_range: tuple[float | None, float | None] | None = None,
    key: str | int | None = None,
    rating: int | tuple[int | None, int | None] | None = None,
    color: int | str | None = None,
    year: int | str | tuple[int | None, int | None] | None = None,
    filetype: str | None = None,
    crate: int | str | None = None,
    playlist: int | str | None = None,
    hidden: bool | None = False,
    missing: bool | None = None,
    added_after: dt.date | dt.datetime | str | None = None,
    added_before: dt.date | dt.datetime | str | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> list[Track]:
    """Tracks matching every given filter, with their location joined (``track.path``).

    Text filters match a column by case- and accent-insensitive contains. Raises
    ValidationError, CrateNotFoundError, PlaylistNotFoundError.
    """
    filters = {k: v for k, v in locals().items() if k in _FILTERS}
    return _select_tracks(_where(None, filters), sort, descending, limit)


def _select_tracks(
    where: Any, sort: str | None, descending: bool, limit: int | None
) -> list[Track]:
    """Model instances (location joined) matching ``where``, sorted and limited."""
    query = _ordered(_joined(), sort, descending)
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(_check_limit(limit))
    return _run(lambda: list(query))


def search_tracks(
    query: str,
    *,
    hidden: bool | None = False,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
    **filters: Any,
) -> list[Track]:
    """Tracks matching a Mixxx search-bar query (see :mod:`mixxx_peewee.query`).

    Extra keyword filters are those of :func:`query_tracks`. Raises ValidationError.
    """
    if not isinstance(query, str):
        raise ValidationError(f"search query must be text, not {query!r}")
    _check_text(query, "search query")
    return _select_tracks(_where(query, {**filters, "hidden": hidden}), sort, descending, limit)


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValidationError(f"limit must be a whole number >= 0, not {limit!r}")
    return limit


def _run(action: Any) -> Any:
    library = current_library()
    try:
        return action()
    except peewee.OperationalError as exc:
        raise translate_sqlite_error(exc, library.path) from None


class _Slot:
    """A statement parameter filled in per chunk (the keyset position, the chunk size)."""

    __slots__ = ()


def _slot_sql(slot: _Slot) -> Any:
    return peewee.SQL("?", [slot])


def track_columns() -> list[str]:
    """The keys of :func:`iter_tracks` dicts in this file: library columns, then the location's."""
    names = [f.column_name for f in Track._meta.sorted_fields if f.column_name != "location"]
    return [*names, "location_id", *_LOCATION_COLUMNS]


def _selectable(name: str) -> Any:
    """The peewee column behind an :func:`iter_tracks` key; raises for unknown or absent ones."""
    if name == "location_id":
        return TrackLocation.id.alias("location_id")
    if name in _LOCATION_COLUMNS:
        return TrackLocation._meta.fields[name]
    for field_ in Track._meta.sorted_fields:
        if field_.column_name == name:
            return field_
    for key, field_ in Track._absent_fields.items():
        if field_.column_name == name:
            raise ColumnNotInFileError(absent_message(Track, key))
    known = ", ".join(track_columns())
    raise ValidationError(f"unknown track column {name!r}; this file has: {known}")


def iter_tracks(
    *,
    search: str | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
    chunk_size: int = 500,
    columns: Iterable[str] | None = None,
    **filters: Any,
) -> Iterator[dict[str, Any]]:
    """Stream tracks as dicts (library columns, ``location`` path, ``location_id`` …).

    ``columns`` picks and orders the keys (see :func:`track_columns`); only those are read.
    Rows come in chunks of ``chunk_size`` by keyset pagination; each chunk is read
    completely in its own statement, so a slow consumer never holds a read transaction.
    Peewee builds the statement once; each chunk only binds new keyset values.
    Filters are those of :func:`query_tracks`. Raises ValidationError, ColumnNotInFileError
    when called (before the first row), database errors while iterating.
    """
    if chunk_size < 1:
        raise ValidationError(f"chunk_size must be >= 1, not {chunk_size}")
    if isinstance(columns, str):
        raise ValidationError("columns must be a list of column names, not one string")
    names = track_columns() if columns is None else list(dict.fromkeys(columns))
    if not names:
        raise ValidationError("columns must name at least one column")
    select: list[Any] = [_selectable(n) for n in names]
    filters.setdefault("hidden", False)
    where = _where(search, filters)
    limit_left = None if limit is None else _check_limit(limit)
    sort_column = _sort_column(sort)
    sort_key = None if sort_column is None else _sort_key(sort_column)
    width = len(names)
    # Keyset pagination needs the id (and the sort key): read after the named columns
    # when not among them, and sliced away.
    id_at = names.index("id") if "id" in names else len(select)
    if id_at == len(select):
        select.append(Track.id)
    sort_at = len(select)
    if sort_key is not None:
        select.append(sort_key.alias("_sort_key"))
    blank = dict.fromkeys(names).copy
    size_slot, value_slot, id_slot = _Slot(), _Slot(), _Slot()
    keys = [] if sort_key is None else [sort_key]
    keys.append(Track.id)

    def statement(after: Any) -> tuple[str, list[Any]]:
        query = Track.select(*select).join(TrackLocation, on=(Track.location == TrackLocation.id))
        condition = _all_of([where, after])
        if condition is not None:
            query = query.where(condition)
        order = [k.desc() if descending else k.asc() for k in keys]
        sql, params = query.order_by(*order).limit(_slot_sql(size_slot)).sql()
        return sql, list(params)

    first = statement(None)  # built now: a bad filter or search raises here, not later
    position: tuple[Any, ...] = (_slot_sql(id_slot),)
    if sort_key is not None:
        position = (_slot_sql(value_slot), *position)

    def chunks() -> Iterator[dict[str, Any]]:
        remaining = limit_left
        last: tuple[Any, ...] | None = None
        following: tuple[str, list[Any]] | None = None  # only built when a second chunk comes
        while remaining is None or remaining > 0:
            size = chunk_size if remaining is None else min(chunk_size, remaining)
            if last is None:
                sql, params = first
                bound = {size_slot: size}
            else:
                if following is None:
                    following = statement(_after(sort_key, position, descending))
                sql, params = following
                bound = {size_slot: size, id_slot: last[-1]}
                if sort_key is not None:
                    bound[value_slot] = last[0]
            args = [bound[p] if isinstance(p, _Slot) else p for p in params]
            # One complete statement per chunk: fetchall() ends its implicit read transaction.
            rows = execute(sql, args).fetchall()
            if not rows:
                return
            # Copying a dict that already has every key is cheaper than growing one per row.
            for row in rows if width == len(select) else (r[:width] for r in rows):
                track = blank()
                track.update(zip(names, row, strict=True))
                yield track
            tail = rows[-1]
            last = (tail[id_at],) if sort_key is None else (tail[sort_at], tail[id_at])
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < size:
                return

    return chunks()


def _after(sort_key: Any, last: tuple[Any, ...], descending: bool) -> Any:
    if sort_key is None:
        return Track.id < last[0] if descending else Track.id > last[0]
    value, track_id = last
    if descending:
        return (sort_key < value) | ((sort_key == value) & (Track.id < track_id))
    return (sort_key > value) | ((sort_key == value) & (Track.id > track_id))


def get_track_by_id(track_id: int) -> Track:
    """The track with ``track_id`` (location joined); raises TrackNotFoundError."""
    if isinstance(track_id, bool) or not isinstance(track_id, int):
        raise ValidationError(f"track id must be a whole number, not {track_id!r}")
    if not -(2**63) <= track_id < 2**63:  # beyond SQLite's integers: no such row
        raise TrackNotFoundError(f"no track with id {track_id}")
    track = _run(lambda: _joined().where(Track.id == track_id).first())
    if track is None:
        raise TrackNotFoundError(f"no track with id {track_id}")
    return track


def _location_candidates(path: str) -> list[str]:
    bases = [path]
    if not os.path.isabs(path):
        bases.append(os.path.abspath(path))
    candidates: list[str] = []
    for base in bases:
        for form in (base, unicodedata.normalize("NFC", base), unicodedata.normalize("NFD", base)):
            for text in (form, form.replace(os.sep, "/")):
                if text not in candidates:
                    candidates.append(text)
    return candidates


def _lookup_many(candidates: Iterable[str]) -> dict[str, Track]:
    """``{stored location: Track}`` for those candidates that are stored, in chunked reads."""
    wanted = [c for c in dict.fromkeys(candidates) if _encodable(c)]  # Mixxx writes UTF-8
    found: dict[str, Track] = {}
    for chunk in chunked(wanted, _PARAMS_PER_STATEMENT):
        query = _joined().where(TrackLocation.location.in_(list(chunk)))
        found.update(_run(lambda q=query: {t.path: t for t in q}))
    return found


def _first_found(candidates: list[str], found: dict[str, Track]) -> Track | None:
    return next((found[c] for c in candidates if c in found), None)


def get_track_by_location(path: str | os.PathLike[str]) -> Track | None:
    """The track stored at ``path``, or None.

    Tries the path exactly as given (Mixxx stores symlinks unresolved), then the
    absolute form of a relative path, NFC/NFD variants, the input's resolved path, and
    finally a stored symlink that resolves to the input (git-annex).
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ValidationError(f"path must be non-empty text, not {path!r}")
    return get_tracks_by_locations([text])[text]


def get_tracks_by_locations(paths: Iterable[str | os.PathLike[str]]) -> dict[str, Track | None]:
    """Look many paths up at once, as :func:`get_track_by_location` does: ``{path: Track}``.

    A few chunked queries for the whole batch (M3U imports of thousands of entries), and at
    most one pass over stored symlinks for the paths still not found.
    """
    texts = [t for t in dict.fromkeys(os.fspath(p) for p in paths) if isinstance(t, str)]
    result: dict[str, Track | None] = dict.fromkeys(texts)
    direct = {t: _location_candidates(t) for t in texts if t}
    found = _lookup_many(c for cands in direct.values() for c in cands)
    # A NUL byte is in no file name: stop before the file system refuses it.
    pending = [t for t in direct if "\x00" not in t]
    for text in direct:
        result[text] = _first_found(direct[text], found)
    pending = [t for t in pending if result[t] is None]
    targets = {t: os.path.realpath(t) for t in pending}
    resolved = {
        t: [c for c in _location_candidates(targets[t]) if c not in direct[t]] for t in pending
    }
    found = _lookup_many(c for cands in resolved.values() for c in cands)
    for text in pending:
        result[text] = _first_found(resolved[text], found)
    linked = [t for t in pending if result[t] is None and os.path.exists(targets[t])]
    if linked:
        links = _stored_links_by_target()
        for text in linked:
            result[text] = links.get(os.path.normcase(targets[text]))
    return result


def _stored_links_by_target() -> dict[str, Track]:
    """``{resolved target: Track}`` for every stored location that is a symlink (git-annex)."""
    link_ids: dict[str, int] = {}
    last_id = 0
    while True:
        query = (
            TrackLocation.select(TrackLocation.id, TrackLocation.location)
            .where(TrackLocation.id > last_id)
            .order_by(TrackLocation.id)
            .limit(5000)
        )
        rows = _run(lambda q=query: list(q.tuples()))
        if not rows:
            break
        for location_id, location in rows:
            if isinstance(location, str) and os.path.islink(location):
                link_ids.setdefault(os.path.normcase(os.path.realpath(location)), location_id)
        last_id = rows[-1][0]
    tracks: dict[int, Track] = {}
    ids = list(set(link_ids.values()))
    for chunk in chunked(ids, _PARAMS_PER_STATEMENT):
        query = _joined().where(TrackLocation.id.in_(list(chunk)))
        tracks.update(_run(lambda q=query: {t.location.id: t for t in q}))
    return {target: tracks[i] for target, i in link_ids.items() if i in tracks}


# --- writing ---------------------------------------------------------------------------------


def _guard(
    kind: str, library: MixxxLibrary, force: bool, dry_run: bool, result: WriteResult
) -> None:
    try:
        result.notes.extend(check_mixxx_guard(kind, library.path, force=force))
    except MixxxRunningError as exc:
        if not dry_run:
            raise
        result.notes.append(f"would be refused: {exc}")


def _check_columns(library: MixxxLibrary, touches: list[tuple[str, str]]) -> None:
    for table in {t for t, _ in touches}:
        bad = library.schema.unwritable_columns(table, [c for t, c in touches if t == table])
        if bad:
            names = ", ".join(f"{table}.{c}" for c in bad)
            raise SchemaVersionError(
                f"{library.path}: cannot write {names}: absent or of another type in this file"
            )


def _validate_update(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - EDITABLE_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(EDITABLE_FIELDS))
        raise ValidationError(f"cannot edit track field {unknown[0]!r} (editable: {allowed})")
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _TEXT_FIELDS:
            if value is not None and not isinstance(value, str):
                raise ValidationError(f"{name} must be text or None, not {value!r}")
            values[name] = value
        elif name in _NUMBER_TEXT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
                raise ValidationError(f"{name} must be text, a whole number or None, not {value!r}")
            values[name] = None if value is None else str(value)
        elif name == "bpm":
            if value is None:
                values["bpm"] = 0.0  # Mixxx's "no BPM"
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationError(f"bpm must be a number, not {value!r}")
            if not 0 < float(value) <= _MAX_BPM:
                raise ValidationError(f"bpm must be > 0 and <= {_MAX_BPM:g}, not {value!r}")
            values["bpm"] = float(value)
        elif name == "bpm_lock":
            if value not in (0, 1) or value is None:
                raise ValidationError(f"bpm_lock must be 0/1 or a bool, not {value!r}")
            values["bpm_lock"] = int(value)
        elif name == "rating":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
                raise ValidationError(f"rating must be a whole number 0..5, not {value!r}")
            values["rating"] = value
        elif name == "color":
            values["color"] = parse_color(value)
        elif name == "key":
            if value is None or value == "":
                values["key"], values["key_id"] = "", 0
            else:
                key_id = parse_key(value)
                values["key"], values["key_id"] = key_to_text(key_id), key_id
    return values


def update_track(
    track_id: int, *, dry_run: bool = False, force: bool = False, **fields: Any
) -> WriteResult:
    """Set editable fields of one track (key text and ``key_id`` together).

    Raises ValidationError (unknown field or bad value), TrackNotFoundError,
    SchemaVersionError (column absent in this file), MixxxRunningError, ReadOnlyError.
    """
    library = current_library()
    if not fields:
        raise ValidationError("nothing to update: give at least one field")
    values = _validate_update(fields)
    touches = [("library", name) for name in values]
    _check_columns(library, touches)
    current = get_track_by_id(track_id)
    result = WriteResult("update-track", dry_run=dry_run, value=track_id)
    for name, value in values.items():
        old = getattr(current, name)
        if old != value:
            result.add(f"track {track_id}: {name} {old!r} -> {value!r}")
            result.count("changed")
    if "bpm" in values and "beats" in Track._meta.fields and current.beats:
        result.notes.append(
            f"track {track_id} has a beat grid: Mixxx shows the grid's BPM, not this value, "
            "until the grid is re-analysed"
        )
    if "key" in values and "keys" in Track._meta.fields and current.keys:
        result.notes.append(
            f"track {track_id} has analysed keys: Mixxx may show the analysed key instead"
        )
    _guard(TRACK_DATA, library, force, dry_run, result)
    if dry_run or not result.changes:
        return result
    update = {Track._meta.fields[name]: value for name, value in values.items()}
    with write_transaction(touches):
        if Track.update(update).where(Track.id == track_id).execute() != 1:
            raise TrackNotFoundError(f"no track with id {track_id}")
    return result


def _set_hidden(ids: Iterable[int], hidden: int, dry_run: bool, force: bool) -> WriteResult:
    library = current_library()
    wanted = list(dict.fromkeys(ids))
    for track_id in wanted:
        if isinstance(track_id, bool) or not isinstance(track_id, int):
            raise ValidationError(f"track id must be a whole number, not {track_id!r}")
    touches = [("library", "mixxx_deleted")]
    _check_columns(library, touches)
    state = _run(lambda: existing_track_ids(wanted))  # {id: hidden}
    absent = [i for i in wanted if i not in state]
    if absent:
        shown = ", ".join(str(i) for i in absent[:10]) + (" …" if len(absent) > 10 else "")
        raise TrackNotFoundError(f"no track with id {shown}")
    verb = "hide" if hidden else "unhide"
    result = WriteResult(f"{verb}-tracks", dry_run=dry_run)
    change = [i for i in wanted if state[i] != bool(hidden)]
    result.counts = {"changed": len(change), "already": len(wanted) - len(change)}
    result.changes = [f"track {i}: {'hidden' if hidden else 'visible'}" for i in change]
    result.value = change
    _guard(STRUCTURE, library, force, dry_run, result)
    if dry_run or not change:
        return result
    with write_transaction(touches):
        for chunk in chunked(change, _PARAMS_PER_STATEMENT):
            Track.update({Track.mixxx_deleted: hidden}).where(Track.id.in_(list(chunk))).execute()
    return result


def hide_tracks(ids: Iterable[int], *, dry_run: bool = False, force: bool = False) -> WriteResult:
    """Hide tracks (``mixxx_deleted = 1``, Mixxx's "remove"); raises TrackNotFoundError."""
    return _set_hidden(ids, 1, dry_run, force)


def unhide_tracks(ids: Iterable[int], *, dry_run: bool = False, force: bool = False) -> WriteResult:
    """Show hidden tracks again (``mixxx_deleted = 0``); raises TrackNotFoundError."""
    return _set_hidden(ids, 0, dry_run, force)


def missing_tracks(*, hidden: bool | None = None) -> Iterator[tuple[dict[str, Any], str]]:
    """Tracks whose file is missing, with why: MISSING_FILE_GONE, MISSING_LINK_TARGET_ABSENT
    or MISSING_FLAGGED (the scanner's ``fs_deleted`` flag on a file that is there now)."""
    for track in iter_tracks(hidden=hidden):
        location = track["location"]
        if isinstance(location, str) and location and os.path.exists(location):
            if track["fs_deleted"] == 1:
                yield track, MISSING_FLAGGED
            continue
        if isinstance(location, str) and location and os.path.islink(location):
            yield track, MISSING_LINK_TARGET_ABSENT
        else:
            yield track, MISSING_FILE_GONE


@dataclass
class RelocationPlan:
    """What :func:`relocate_tracks` moves: (location id, old, new) and collisions."""

    old_prefix: str
    new_prefix: str
    moves: list[tuple[int, str, str]] = field(default_factory=list)
    collisions: list[tuple[int, str, str]] = field(default_factory=list)
    directories: list[tuple[str, str]] = field(default_factory=list)
    # Every moved row's directory/filename match its location: the range UPDATE's premise.
    consistent: bool = field(default=True, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "old_prefix": self.old_prefix,
            "new_prefix": self.new_prefix,
            "moves": [list(m) for m in self.moves],
            "collisions": [list(c) for c in self.collisions],
            "directories": [list(d) for d in self.directories],
        }


class RelocateCollisionError(ValidationError):
    """Relocating would put tracks on paths other tracks already have; nothing was written."""

    def __init__(self, message: str, plan: RelocationPlan) -> None:
        super().__init__(message)
        self.plan = plan


def _normalise_prefix(prefix: str | os.PathLike[str], name: str) -> str:
    text = os.fspath(prefix)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{name} must be a non-empty path")
    _check_text(text, name)
    text = text.replace("\\", "/") if os.sep == "\\" else text
    stripped = text.rstrip("/")
    return stripped or "/"


def _split(location: str) -> tuple[str, str]:
    directory, _, filename = location.rpartition("/")
    return directory, filename


def _under(prefix: str) -> tuple[str, str, int]:
    slash = prefix if prefix.endswith("/") else prefix + "/"
    return prefix, slash, len(slash)


def _plan_relocation(old: str, new: str) -> RelocationPlan:
    plan = RelocationPlan(old, new)
    exact, slash, width = _under(old)
    new_base = "" if new == "/" and old != "/" else new
    cut = len(old) if old != "/" else 0
    rows = execute(
        "SELECT id, location, directory, filename FROM track_locations"
        " WHERE location = ? OR substr(location, 1, ?) = ? ORDER BY id",
        (exact, width, slash),
    ).fetchall()
    for location_id, location, directory, filename in rows:
        plan.moves.append((location_id, location, new_base + location[cut:]))
        if (directory, filename) != _split(location):
            plan.consistent = False
    targets = [m[2] for m in plan.moves]
    taken: dict[str, int] = {}
    for chunk in chunked(targets, _PARAMS_PER_STATEMENT):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT location, id FROM track_locations WHERE location IN ({marks})"
        taken.update(execute(sql, chunk).fetchall())
    if taken:
        plan.collisions = [m for m in plan.moves if m[2] in taken and taken[m[2]] != m[0]]
    dirs = execute(
        "SELECT directory FROM directories WHERE directory = ? OR substr(directory, 1, ?) = ?",
        (exact, width, slash),
    ).fetchall()
    plan.directories = [(d, new_base + d[cut:] or "/") for (d,) in dirs]
    return plan


@contextmanager
def _large_page_cache(kib: int = 65536) -> Iterator[None]:
    """A bigger page cache for one big write: no spilling dirty pages mid-transaction."""
    before = execute("PRAGMA cache_size").fetchone()[0]
    execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        execute(f"PRAGMA cache_size = {int(before)}")


_CHANGED_WHILE_PLANNING = "the library changed while planning; nothing written, retry"


def _relocate_by_range(
    cursor: Any, plan: RelocationPlan, planned: set[int], exact_rows: list[tuple[Any, ...]]
) -> None:
    """Move the children of ``plan.old_prefix`` with one range UPDATE, the exact path per row.

    '/' sorts just before '0', so ``[old + '/', old + '0')`` is exactly the paths under old/.
    ``planned`` are the ids under old/, ``exact_rows`` the updates of a track at old itself
    (both made before the transaction, to keep it short). Raises ValidationError when the
    rows changed differ from the plan (the caller rolls back).
    """
    old = plan.old_prefix
    new_base = "" if plan.new_prefix == "/" else plan.new_prefix
    returned = cursor.execute(
        "UPDATE track_locations SET location = ?1 || substr(location, ?2),"
        " directory = ?1 || substr(directory, ?2)"
        " WHERE location >= ?3 AND location < ?4 RETURNING id",
        (new_base, len(old) + 1, old + "/", old + "0"),
    ).fetchall()
    if len(returned) != len(planned) or not planned.issuperset(r[0] for r in returned):
        raise ValidationError(_CHANGED_WHILE_PLANNING)
    for row in exact_rows:
        cursor.execute(
            "UPDATE track_locations SET location = ?, directory = ?, filename = ?"
            " WHERE id = ? AND location = ?",
            row,
        )
        if cursor.rowcount != 1:
            raise ValidationError(_CHANGED_WHILE_PLANNING)


def relocate_tracks(
    old_prefix: str | os.PathLike[str],
    new_prefix: str | os.PathLike[str],
    *,
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult:
    """Move every track under the folder ``old_prefix`` to ``new_prefix``; ``value`` is the plan.

    Rewrites ``location``, ``directory`` and ``filename`` together and updates
    ``directories``. A target path that another track has already is a collision: a dry
    run lists them; a real run raises RelocateCollisionError and writes nothing. Raises
    ValidationError, MixxxRunningError, ReadOnlyError, DatabaseBusyError.
    """
    library = current_library()
    old = _normalise_prefix(old_prefix, "old prefix")
    new = _normalise_prefix(new_prefix, "new prefix")
    if old == new:
        raise ValidationError(f"old and new prefix are the same: {old}")
    touches = [("track_locations", c) for c in ("location", "directory", "filename")]
    touches.append(("directories", "directory"))
    _check_columns(library, touches)
    plan = _plan_relocation(old, new)
    result = WriteResult("relocate-tracks", dry_run=dry_run, value=plan)
    result.counts = {"tracks": len(plan.moves), "collisions": len(plan.collisions),
                     "directories": len(plan.directories)}  # fmt: skip
    result.changes = [f"{o} -> {n}" for _, o, n in plan.moves]
    result.changes += [f"directory {o} -> {n}" for o, n in plan.directories]
    if plan.collisions:
        result.notes.append(
            f"{len(plan.collisions)} target path(s) belong to other tracks already; "
            "relocation refused"
        )
    _guard(TRACK_DATA, library, force, dry_run, result)
    if dry_run:
        return result
    if plan.collisions:
        first = plan.collisions[0]
        raise RelocateCollisionError(
            f"{len(plan.collisions)} track(s) would collide with tracks already at the target, "
            f"e.g. {first[1]} -> {first[2]}; nothing written",
            plan,
        )
    if not plan.moves and not plan.directories:
        return result
    # In old-path order: a prefix swap keeps that order, so the UNIQUE(location) index is
    # updated page by page instead of at random (about 3x shorter lock at 100,000 paths).
    rows = sorted(((n, *_split(n), i, o) for i, o, n in plan.moves), key=lambda r: r[4])
    # One UPDATE over the UNIQUE(location) index range instead of 100,000 single-row updates.
    by_range = plan.consistent and old != "/" and sqlite3.sqlite_version_info >= (3, 35)
    existing_dirs = {
        d for (d,) in execute("SELECT directory FROM directories").fetchall()
    } if plan.directories else set()  # fmt: skip
    planned = {r[3] for r in rows if r[4] != plan.old_prefix} if by_range else set()
    exact_rows = [r for r in rows if r[4] == plan.old_prefix] if by_range else []
    try:
        with _large_page_cache(), write_transaction(touches):
            cursor = db.cursor()
            if by_range:
                _relocate_by_range(cursor, plan, planned, exact_rows)
            else:
                cursor.executemany(
                    "UPDATE track_locations SET location = ?, directory = ?, filename = ?"
                    " WHERE id = ? AND location = ?",
                    rows,
                )
                if cursor.rowcount != len(rows):
                    raise ValidationError(_CHANGED_WHILE_PLANNING)
            for old_dir, new_dir in plan.directories:
                if new_dir in existing_dirs:
                    cursor.execute("DELETE FROM directories WHERE directory = ?", (old_dir,))
                else:
                    cursor.execute(
                        "UPDATE directories SET directory = ? WHERE directory = ?",
                        (new_dir, old_dir),
                    )
    except (peewee.IntegrityError, sqlite3.IntegrityError) as exc:
        raise ValidationError(
            f"relocation refused by the database ({exc}); nothing written"
        ) from None
    return result
