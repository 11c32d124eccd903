"""Mixxx's search-bar syntax, parsed into terms and compiled to peewee expressions.

Follows Mixxx's ``SearchQueryParser``: free words must all match, each in any of artist,
title, album, album artist, composer, genre, grouping, comment or the file name;
``field:value`` filters (text fields match by contains, numeric fields take a range as
:func:`mixxx_peewee.values.parse_range` reads it: ``120`` is [120, 121), ``120-130`` is
inclusive, ``120-``, ``..130``, ``>125``, ``>=4``, ``<=3``; ``duration:`` also ``m:ss``,
so ``bpm:128`` and the ``bpm_range=128`` filter select the same tracks); ``key:`` takes any
notation; quoted phrases
(``"deep house"``, ``artist:"daft punk"``); a leading ``-`` negates a term. Like Mixxx, a
``field:`` prefix that is unknown or whose value does not parse is searched as free text,
so no query text raises. Matching is case- and accent-insensitive; ``%`` and ``_`` are
literal (``instr()``, never ``LIKE``) and every value is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

import peewee
from peewee import fn

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.keys import guess_key_id
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.sqlfunctions import CACHED_NEEDLE
from mixxx_peewee.sqlfunctions import fold_text
from mixxx_peewee.values import NumberRange
from mixxx_peewee.values import parse_range

__all__ = [
    "FREE_TEXT_COLUMNS",
    "NUMERIC_FIELDS",
    "TEXT_FIELDS",
    "Term",
    "compile_query",
    "numeric_target",
    "parse_query",
    "range_expression",
    "text_contains",
    "text_contains_any",
]

# Field name typed by the user -> library columns searched (contains).
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "artist": ("artist", "album_artist"),
    "album_artist": ("album_artist",),
    "album": ("album",),
    "title": ("title",),
    "genre": ("genre",),
    "composer": ("composer",),
    "grouping": ("grouping",),
    "comment": ("comment",),
    "type": ("filetype",),
    "filetype": ("filetype",),
    "location": (),  # track_locations.location
    "crate": (),  # crate names
    "playlist": (),  # playlist names
}
NUMERIC_FIELDS: dict[str, str] = {
    "year": "year",
    "track": "tracknumber",
    "bpm": "bpm",
    "duration": "duration",
    "played": "timesplayed",
    "timesplayed": "timesplayed",
    "rating": "rating",
    "bitrate": "bitrate",
}
FREE_TEXT_COLUMNS = (
    "artist",
    "title",
    "album",
    "album_artist",
    "composer",
    "genre",
    "grouping",
    "comment",
)

_MAX_LIKE_BYTES = 40_000


def text_contains(column: Any, text: str) -> peewee.Expression | None:
    """``column`` contains ``text`` ignoring case and accents; None when ``text`` is empty."""
    return text_contains_any([column], text)


def _like_pattern(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_contains_any(columns: list[Any], text: str) -> peewee.Expression | None:
    """Any of ``columns`` contains ``text`` ignoring case and accents; None if ``text`` is empty."""
    folded = fold_text(text)
    if not folded or not columns:
        return None
    pattern = _like_pattern(folded)
    # peewee renders ILIKE as SQLite's LIKE: ASCII case folding; patterns <= 50,000 bytes.
    short = len(pattern.encode()) < _MAX_LIKE_BYTES
    cached = len(folded) <= CACHED_NEEDLE
    contains = fn.mixxx_folded_contains if cached else fn.mixxx_folded_contains_long
    tests = []
    for column in columns:
        if short:
            ascii_test = peewee.Expression(
                column, "ILIKE", peewee.NodeList((pattern, peewee.SQL("ESCAPE '\\'")))
            )
        else:
            ascii_test = fn.instr(fn.lower(column), folded) > 0
        # Text with other characters (fewer characters than bytes: a test in C) is
        # folded by one cached Python call per such value; CASE keeps NULL out of it.
        non_ascii = fn.length(column) < fn.length(column.cast("BLOB"))
        folded_test = peewee.Case(None, [(non_ascii, contains(column, folded))])
        tests.append(ascii_test | (folded_test == 1))
    return reduce(lambda a, b: a | b, tests)


@dataclass(frozen=True)
class Term:
    """One parsed search term: ``field`` None is free text; ``op`` is how ``value`` matches."""

    field: str | None
    op: str  # "contains", "range" (value: a NumberRange), "key" (value: a key id)
    value: Any
    negate: bool = False


def _tokens(text: str) -> list[tuple[bool, str | None, str, bool]]:
    """Split into (negated, field, value, quoted); an unclosed quote runs to the end."""
    out: list[tuple[bool, str | None, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negate = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negate = True
            i += 1
        field: str | None = None
        match = re.match(r"([A-Za-z_]+):", text[i:])
        if match:
            field = match.group(1).lower()
            i += match.end()
            while i < n and text[i] == " ":  # Mixxx: "artist: foo" takes the next token
                i += 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end
            out.append((negate, field, text[i + 1 : end], True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        out.append((negate, field, text[start:i], False))
    return out


def _numeric_term(field: str, value: str, negate: bool) -> Term | None:
    try:
        numbers = parse_range(value, field, duration=field == "duration")
    except ValidationError:
        return None
    return Term(field, "range", numbers, negate)


def range_expression(column: Any, numbers: NumberRange) -> Any:
    """``column`` within ``numbers``: the one SQL meaning of a range (filters and search)."""
    tests = []
    if numbers.low is not None:
        tests.append(column >= numbers.low if numbers.include_low else column > numbers.low)
    if numbers.high is not None:
        tests.append(column <= numbers.high if numbers.include_high else column < numbers.high)
    return reduce(lambda a, b: a & b, tests) if tests else peewee.SQL("1")


def parse_query(text: str) -> list[Term]:
    """The terms of a search-bar query (never raises for any text)."""
    terms: list[Term] = []
    for negate, field, value, quoted in _tokens(text):
        term: Term | None = None
        if field is not None and value.strip():
            if field in TEXT_FIELDS:
                term = Term(field, "contains", value.strip(), negate)
            elif field in NUMERIC_FIELDS:
                term = _numeric_term(field, value, negate)
            elif field == "key":
                key_id = guess_key_id(value)
                term = Term("key", "key", key_id, negate) if key_id else None
                term = term or Term("key", "contains", value.strip(), negate)
        if term is None:
            # Unknown field or unparsable value: search the whole token as text, like Mixxx.
            word = value if field is None else f"{field}:{value}"
            if fold_text(word).strip() if quoted else word:
                terms.append(Term(None, "contains", word, negate))
            continue
        terms.append(term)
    return terms


def _column(name: str) -> Any | None:
    return Track._meta.fields.get(name)


def numeric_target(field: str) -> Any | None:
    """What a numeric field (``bpm``, ``year``, …) compares; None when the file lacks it."""
    column = _column(NUMERIC_FIELDS[field])
    if column is None:
        return None
    if field == "year":
        # TEXT such as "2021-04-01": compare the year's leading number.
        return peewee.Cast(fn.substr(column, 1, 4), "INTEGER")
    if field == "track":
        # TEXT such as "3/12": compare its leading number.
        return peewee.Cast(column, "INTEGER")
    return column


def _numeric_expression(term: Term) -> Any | None:
    target = numeric_target(term.field or "")
    return None if target is None else range_expression(target, term.value)


def _named_subquery(field: str, text: str) -> Any | None:
    if field == "crate":
        names = text_contains(Crate.name, text)
        return Track.id.in_(
            CrateTrack.select(CrateTrack.track).join(Crate, on=CrateTrack.crate == Crate.id)
            .where(names)
        )  # fmt: skip
    names = text_contains(Playlist.name, text)
    return Track.id.in_(
        PlaylistTrack.select(PlaylistTrack.track)
        .join(Playlist, on=PlaylistTrack.playlist == Playlist.id)
        .where(names & (Playlist.hidden >= 0))
    )


def _term_expression(term: Term) -> Any | None:
    if term.field is None:
        columns = [_column(c) for c in FREE_TEXT_COLUMNS]
        columns.append(TrackLocation.filename)
        return text_contains_any([c for c in columns if c is not None], term.value)
    if term.op == "key":
        key_id = _column("key_id")
        if key_id is None:
            return fn.mixxx_guess_key_id(Track.key) == term.value
        fallback = ((key_id == 0) | key_id.is_null()) & (
            fn.mixxx_guess_key_id(Track.key) == term.value
        )
        return (key_id == term.value) | fallback
    if term.field == "key":
        return text_contains(Track.key, term.value)
    if term.field in ("crate", "playlist"):
        return _named_subquery(term.field, term.value)
    if term.field == "location":
        return text_contains(TrackLocation.location, term.value)
    if term.field in TEXT_FIELDS:
        columns = [_column(c) for c in TEXT_FIELDS[term.field]]
        return text_contains_any([c for c in columns if c is not None], term.value)
    return _numeric_expression(term)


def compile_query(terms: list[Term]) -> Any | None:
    """One peewee expression (over Track joined to TrackLocation) for all ``terms``; None = all."""
    parts = []
    for term in terms:
        expression = _term_expression(term)
        if expression is None:
            if term.negate:
                continue
            # A term on a column this file lacks matches nothing.
            expression = peewee.SQL("0")
        if term.negate:
            # NULL columns make the positive test NULL; NOT NULL would drop the row.
            expression = ~fn.COALESCE(expression, 0)
        parts.append(expression)
    return reduce(lambda a, b: a & b, parts) if parts else None
