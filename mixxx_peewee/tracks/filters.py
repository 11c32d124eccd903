"""The keyword filters of :func:`~mixxx_peewee.tracks.reads.query_tracks` and
:func:`~mixxx_peewee.tracks.reads.iter_tracks`, the search text, and track sorting, as
peewee expressions over ``Track`` joined to ``TrackLocation``.

A filter and the search term of the same name mean the same thing: numeric filters
(``bpm_range``, ``rating``, ``year``) take any range :func:`mixxx_peewee.core.values.parse_range`
reads and compile through :func:`mixxx_peewee.tracks.search.range_expression`, so
``bpm_range=128`` and ``bpm:128`` select the same tracks; ``crate``/``playlist`` are
found by :func:`mixxx_peewee.lookup.get_crate`/:func:`~mixxx_peewee.lookup.get_playlist`,
the package's one id-or-name rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import peewee
from peewee import fn

from mixxx_peewee.core.fields import DATETIME_SQL
from mixxx_peewee.core.fields import format_mixxx_datetime
from mixxx_peewee.core.fields import parse_mixxx_datetime
from mixxx_peewee.core.keys import harmonic_rank
from mixxx_peewee.core.keys import parse_key
from mixxx_peewee.core.values import check_text
from mixxx_peewee.core.values import date_period
from mixxx_peewee.core.values import parse_color
from mixxx_peewee.core.values import parse_range
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.search import compile_query
from mixxx_peewee.tracks.search import numeric_target
from mixxx_peewee.tracks.search import range_expression
from mixxx_peewee.tracks.search import text_contains
from mixxx_peewee.tracks.searchsyntax import Term
from mixxx_peewee.tracks.searchsyntax import bpm_term
from mixxx_peewee.tracks.searchsyntax import parse_query

__all__ = [
    "LOCATION_COLUMNS",
    "TRACK_FILTERS",
    "SortOrder",
    "all_of",
    "check_limit",
    "order_terms",
    "ordered",
    "sort_column",
    "sort_key",
    "sort_order",
    "sort_terms",
    "track_where",
]

# The track_locations columns a track read carries besides the library's own.
LOCATION_COLUMNS = ("location", "filename", "directory", "filesize", "fs_deleted")
TRACK_FILTERS = frozenset(
    (
        "artist", "title", "album", "genre", "composer", "comment", "bpm_range", "key",
        "rating", "color", "year", "filetype", "crate", "playlist", "hidden", "missing",
        "added_after", "added_before",
    )
)  # fmt: skip
_TEXT_FILTERS = ("artist", "title", "album", "genre", "composer", "comment")
# Range filter -> the search field whose column (and meaning) it shares.
_RANGE_FILTERS = {"bpm_range": "bpm", "rating": "rating", "year": "year"}


def all_of(parts: Iterable[Any]) -> Any | None:
    """The AND of the expressions that are not None; None when there are none."""
    present = [p for p in parts if p is not None]
    return reduce(lambda a, b: a & b, present) if present else None


def _datetime_param(value: Any, name: str) -> str:
    if isinstance(value, dt.datetime):
        return format_mixxx_datetime(value, DATETIME_SQL)
    if isinstance(value, dt.date):
        value = value.isoformat()  # that day in local time, as the text "2024-05-17"
    if isinstance(value, str):
        period = date_period(value)  # a day, month, year or lastweek: as added: reads it
        if period is not None:
            return period[0]
        parsed = parse_mixxx_datetime(value)
        if parsed is not None:
            return format_mixxx_datetime(parsed, DATETIME_SQL)
    raise ValidationError(
        f"{name}=DATE takes a date (YYYY-MM-DD, YYYY-MM, YYYY, lastweek, lastmonth, lastyear)"
        f" or a datetime (YYYY-MM-DD HH:MM:SS), not {value!r}"
    )


def _in_range(name: str, value: Any) -> Any:
    if name == "bpm_range" and isinstance(value, str):
        # Text means what bpm:TEXT means in a search (2.4+: half and double tempo too).
        return compile_query([bpm_term(value)])
    numbers = parse_range(value, name)
    target = numeric_target(_RANGE_FILTERS[name])
    # A filter on a column this file lacks matches nothing.
    return peewee.SQL("0") if target is None else range_expression(target, numbers)


def _filter_expressions(filters: dict[str, Any]) -> list[Any]:
    unknown = sorted(set(filters) - TRACK_FILTERS)
    if unknown:
        raise ValidationError(f"unknown track filter: {', '.join(unknown)}")
    fields = Track._meta.fields
    parts: list[Any] = []
    for name in _TEXT_FILTERS:
        value = filters.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be text, not {value!r}")
        check_text(value, name)
        column = fields.get(name)
        parts.append(text_contains(column, value) if column is not None else peewee.SQL("0"))
    for name in _RANGE_FILTERS:
        if filters.get(name) is not None:
            parts.append(_in_range(name, filters[name]))
    if filters.get("key") is not None:
        parts.append(compile_query([Term("key", "key", parse_key(filters["key"]))]))
    if filters.get("color") is not None:
        color = parse_color(filters["color"])  # checked before the column is looked for
        parts.append(Track.color.bin_and(0xFFFFFF) == color)
    if filters.get("filetype") is not None:
        parts.append(fn.lower(Track.filetype) == str(filters["filetype"]).lower().lstrip("."))
    if filters.get("crate") is not None:
        crate_id = get_crate(filters["crate"]).id
        in_crate = CrateTrack.select(CrateTrack.track).where(CrateTrack.crate == crate_id)
        parts.append(Track.id.in_(in_crate))
    if filters.get("playlist") is not None:
        playlist_id = get_playlist(filters["playlist"]).id
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


def track_where(search: str | None, filters: dict[str, Any]) -> Any | None:
    """The condition for ``filters`` (see :data:`TRACK_FILTERS`) and a search-bar text.

    Raises ValidationError, CrateNotFoundError, PlaylistNotFoundError.
    """
    parts = _filter_expressions(filters)
    if search:
        if not isinstance(search, str):
            raise ValidationError(f"search must be text, not {search!r}")
        check_text(search, "search")
        parts.append(compile_query(parse_query(search)))
    return all_of(parts)


@dataclass(frozen=True)
class SortOrder:
    """What a ``sort`` names: its keys (``(column, descending)`` each; none: the id order)
    and the direction of the id order (the first key's when there are keys)."""

    keys: list[tuple[Any, bool]]
    descending: bool


def sort_column(sort: str | None) -> Any:
    """The column ``sort`` names (a library or location column), None for the id order."""
    if sort is None or sort == "id":
        return None
    if sort in LOCATION_COLUMNS:
        return TrackLocation._meta.fields[sort]
    column = Track._meta.fields.get(sort)
    if column is None or sort == "location":
        raise ValidationError(f"cannot sort by {sort!r}: not a track column in this file")
    return column


def sort_key(column: Any) -> Any:
    """What to order by for ``column``, as Mixxx sorts it (never NULL).

    Text sorts case- and accent-insensitively (ASCII folded by SQLite, other text by one
    cached call per value); ``key`` and ``key_id`` sort harmonically (1A, 1B, 2A, … 12B);
    numbers sort NULL as the lowest value. :func:`sort_terms` puts tracks without a value
    last in either direction.
    """
    if column.name in ("key", "key_id"):
        return _harmonic_key()
    if not _is_text(column):
        return fn.COALESCE(column, -1e308)
    ascii_only = fn.length(column) == fn.length(column.cast("BLOB"))
    folded = peewee.Case(None, [(ascii_only, fn.lower(column))], fn.mixxx_fold(column))
    return fn.COALESCE(folded, "")


def _harmonic_key() -> Any:
    """The harmonic rank of each track's key (key_id, else its key text guessed)."""
    key_id = Track._meta.fields.get("key_id")
    guessed = fn.mixxx_guess_key_id(Track.key)
    effective = (
        guessed if key_id is None else peewee.Case(None, [(key_id.between(1, 24), key_id)], guessed)
    )
    ranks = [(k, harmonic_rank(k)) for k in range(1, 25)]
    return peewee.Case(effective, ranks, harmonic_rank(0))


def _is_text(column: Any) -> bool:
    return (
        isinstance(column, (peewee.TextField, peewee.CharField)) or "Text" in type(column).__name__
    )


def _without_value(column: Any, key: Any) -> Any:
    """1 for a track with no value to sort by (NULL; empty text; no key), else 0."""
    if column.name in ("key", "key_id"):
        return key == harmonic_rank(0)
    if _is_text(column):
        return fn.COALESCE(column, "") == ""
    return column.is_null()


def sort_order(sort: str | Sequence[str] | None, descending: bool = False) -> SortOrder:
    """The keys ``sort`` names, each ``(column, descending)``, and the id order's direction.

    ``sort``: one key, several comma-separated (``"bpm,-rating,artist"``) or a list of
    keys (``["bpm", "-rating"]``); a leading ``-`` sorts that key descending, ``descending``
    turns every key round. ``id`` alone is the id order (no keys). Raises ValidationError
    (a key that is not a track column, an empty key).
    """
    if sort is None:
        return SortOrder([], descending)
    words = sort.split(",") if isinstance(sort, str) else list(sort)
    keys: list[tuple[Any, bool]] = []
    for word in words:
        if not isinstance(word, str):
            raise ValidationError(f"a sort key is a column name, not {word!r}")
        name = word.strip()
        down = name.startswith("-")
        if name.startswith(("-", "+")):
            name = name[1:].strip()
        if not name:
            raise ValidationError(f"empty sort key in {sort!r} (e.g. bpm,-rating)")
        column = sort_column(name)
        keys.append((Track.id if column is None else column, down != descending))
    if len(keys) == 1 and keys[0][0] is Track.id:
        return SortOrder([], keys[0][1])
    return SortOrder(keys, descending if not keys else keys[0][1])


def order_terms(
    keys: Sequence[tuple[Any, bool]], tie: Any, tie_descending: bool | None = None
) -> list[Any]:
    """The ORDER BY terms of ``keys`` (``(column, descending)`` each), then ``tie`` (in the
    first key's direction unless ``tie_descending`` says) so the order is total: per key,
    tracks without a value (see :func:`sort_key`) last, ascending or descending, as
    Mixxx's "no key" is."""
    terms: list[Any] = []
    for column, down in keys:
        key = sort_key(column)
        terms += [_without_value(column, key).asc(), key.desc() if down else key.asc()]
    if tie_descending is None:
        tie_descending = bool(keys) and keys[0][1]
    return [*terms, tie.desc() if tie_descending else tie.asc()]


def sort_terms(column: Any, tie: Any, descending: bool) -> list[Any]:
    """The ORDER BY terms for one ``column`` (then ``tie``): :func:`order_terms` of it."""
    return order_terms([(column, descending)], tie)


def ordered(query: Any, sort: str | Sequence[str] | None, descending: bool) -> Any:
    """``query`` ordered by ``sort`` (see :func:`sort_order`; then the id: a total order)."""
    order = sort_order(sort, descending)
    if not order.keys:
        return query.order_by(Track.id.desc() if order.descending else Track.id.asc())
    return query.order_by(*order_terms(order.keys, Track.id))


def check_limit(limit: Any) -> int:
    """``limit`` when it is a whole number >= 0; raises ValidationError."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValidationError(f"limit must be a whole number >= 0, not {limit!r}")
    return limit
