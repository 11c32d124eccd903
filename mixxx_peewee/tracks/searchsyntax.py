"""Mixxx's search-bar syntax read into :class:`Term` values (no SQL here).

The first half of a search: text -> tokens -> terms, with notes on what could not be
read. :mod:`mixxx_peewee.tracks.search` compiles the terms to peewee expressions, one
function per :data:`TermKind` (as beets keeps ``dbcore/queryparse.py`` apart from
``dbcore/query.py``). The syntax itself:

Follows Mixxx's ``SearchQueryParser`` and ``searchquery.cpp`` (2.3; 2.4/2.5 add ``|``,
``=``, ``~bpm:``, ``id:``, ``type:`` and half/double BPM matching):

- free words must all match, each in any of artist, album, album artist, location (the
  full path), grouping, comment, title, genre, or the name of a crate the track is in;
  ``"deep house"`` is one phrase; a leading ``-`` negates a word or a filter;
- ``a b | c d`` (or ``a b OR c d``) is an OR of AND groups, split outside quotes; no
  brackets (Mixxx has none); an empty side matches nothing;
- text filters ``artist:`` (also album artist), ``album_artist:``, ``album:``, ``title:``,
  ``genre:``, ``composer:``, ``grouping:``, ``comment:``, ``location:``, ``type:``
  (``filetype:``), ``crate:`` and our ``playlist:`` match by contains; ``field:="x y"`` is
  an exact (case-insensitive) match; ``field:""`` finds the empty field (``crate:""``: in
  no crate); ``artist: x`` takes the next word;
- numeric filters ``year:``, ``track:``, ``played:`` (times played), ``rating:``,
  ``bitrate:``, ``id:``, ``duration:`` (also ``1:30``, ``1m30s``, ``90s``) take
  :func:`mixxx_peewee.core.values.parse_range` ranges: ``120`` is [120, 121), ``120-130``
  inclusive, ``120-``, ``..130``, ``>125``, ``>=4``; ``field:""`` finds no value;
- ``bpm:`` as Mixxx 2.4+ reads it: ``bpm:128`` finds what shows as 128 and, on a 2.4+
  file (schema revision 36 and later), half and double tempo too (on older files only
  [128, 129)); ``bpm:=128`` [127.95, 129) only; ``bpm:127.5`` the shown decimals;
  ``~bpm:128`` Mixxx's fuzzy range (6 %: floor(0.94 N)..ceil(1.06 N)); ranges and
  operators as above; ``bpm:""``, ``bpm:0``, ``bpm:-`` find tracks without a BPM;
- ``key:`` takes any notation (text that is no key matches the key text); ``~key:8A``
  finds the harmonically compatible keys (Mixxx's ``KeyUtils::getCompatibleKeys``: the
  key, its relative major/minor and its neighbours on the circle of fifths);
- dates ``added:`` (``dateadded:``, ``date_added:``, ``datetime_added:``) and
  ``lastplayed:`` (``last_played:``, ``last_played_at:``; files with that column):
  ``2024``, ``2024-05``, ``2024-05-17`` name that period in local time, with ``>``,
  ``>=``, ``<``, ``<=`` before it; ``lastweek``, ``lastmonth``, ``lastyear`` (the date
  operators of Mixxx's development branch); other text matches the stored text.

Anything the syntax does not support (an unknown ``field:``, a value a filter cannot
read, a column the file lacks) is searched as Mixxx would and explained by a note
(:func:`parse_search`, :func:`search_notes`), never silently. Matching is case- and
accent-insensitive; ``%`` and ``_`` are literal and every value is a parameter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from typing import Literal

from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.sqlfunctions import fold_text
from mixxx_peewee.core.values import NumberRange
from mixxx_peewee.core.values import date_period
from mixxx_peewee.core.values import parse_range
from mixxx_peewee.errors import ValidationError

__all__ = [
    "DATE_FIELDS",
    "FREE_TEXT_COLUMNS",
    "NUMERIC_FIELDS",
    "TERM_KINDS",
    "TEXT_FIELDS",
    "ParsedSearch",
    "Term",
    "TermKind",
    "bpm_term",
    "compatible_keys",
    "parse_query",
    "parse_search",
    "tempo_ranges",
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
    "playlist": (),  # playlist names (ours: Mixxx has no playlist filter)
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
    "id": "id",
}
# Date field typed -> library column.
DATE_FIELDS: dict[str, str] = {
    "added": "datetime_added",
    "dateadded": "datetime_added",
    "date_added": "datetime_added",
    "datetime_added": "datetime_added",
    "lastplayed": "last_played_at",
    "last_played": "last_played_at",
    "last_played_at": "last_played_at",
}
# Mixxx's library search columns (BaseTrackCache) besides the location and crate names.
FREE_TEXT_COLUMNS = (
    "artist",
    "album",
    "album_artist",
    "grouping",
    "comment",
    "title",
    "genre",
)
_FUZZY_FIELDS = ("bpm", "key")
_BPM_FUZZY = 0.06  # Mixxx's default: 75 % of the default pitch range (8 %)
_ROUND = 0.05  # Mixxx's kLibraryRoundRange: what the library shows rounded


# How a term matches (Term.op); tracks.search has one compile function for each.
TermKind = Literal[
    "contains",  # text contains the value (field None: free text over many columns)
    "equals",  # text equals the value (field:="x")
    "empty",  # no value (field:"")
    "range",  # a number within a NumberRange
    "bpm",  # a BPM within any of a tuple of NumberRanges
    "tempo",  # bpm:N as typed: what shows as N, half and double tempo on 2.4+ files
    "key",  # one key id
    "keys",  # any of a tuple of key ids
    "date",  # a (low, high) pair of UTC texts or None, high exclusive
    "any",  # a tuple of AND groups (tuples of Terms): the | operator
]
TERM_KINDS: tuple[TermKind, ...] = (
    "contains",
    "equals",
    "empty",
    "range",
    "bpm",
    "tempo",
    "key",
    "keys",
    "date",
    "any",
)


@dataclass(frozen=True)
class Term:
    """One parsed search term: ``field`` None is free text; ``op`` is how ``value`` matches.

    ``op``: "contains"/"equals" (text), "empty" (no value), "range" (a NumberRange),
    "bpm" (a tuple of NumberRanges, any of them), "tempo" (bpm:N as typed: half/double
    on 2.4+ files), "key" (a key id), "keys" (a tuple of key ids), "date" (a
    ``(low, high)`` pair of UTC ``YYYY-MM-DD HH:MM:SS`` texts or None, high exclusive),
    "any" (a tuple of AND groups, tuples of Terms: the ``|`` operator).
    """

    field: str | None
    op: TermKind
    value: Any
    negate: bool = False


@dataclass(frozen=True)
class ParsedSearch:
    """The terms of a query (all must match) and notes on what was not understood."""

    terms: list[Term]
    notes: list[str] = dataclass_field(default_factory=list)


_OR_WORD = re.compile(r"\bOR\b")
_FIELD_RE = re.compile(r"([~-]?)([A-Za-z_]+):")


def _split_or(text: str) -> list[str] | None:
    """The sides of ``|``/``OR`` outside quotes, or None when there is no such operator."""
    parts: list[str] = []
    quoted = False
    start = i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "|":
            parts.append(text[start:i])
            start = i + 1
        elif not quoted and _OR_WORD.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
            parts.append(text[start:i])
            start = i = i + 2
            continue
        i += 1
    if not parts:
        return None
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


@dataclass
class _Token:
    prefix: str  # "", "-" or "~"
    field: str | None
    exact: bool
    value: str
    quoted: bool  # a closed or open quote
    empty: bool  # an explicit ""


def _tokens(text: str) -> list[_Token]:
    """Split one AND group; an unclosed quote runs to the end (as Mixxx reads it)."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        prefix = ""
        field: str | None = None
        match = _FIELD_RE.match(text, i)
        if match:
            prefix, field = match.group(1), match.group(2).lower()
            i = match.end()
            while i < n and text[i] == " ":  # Mixxx: "artist: foo" takes the next word
                i += 1
        elif text[i] in "-~" and i + 1 < n and not text[i + 1].isspace():
            prefix = text[i]
            i += 1
        exact = False
        if field is not None and i < n and text[i] == "=" and i + 1 < n and text[i + 1] == '"':
            exact = True
            i += 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            closed = end != -1
            end = n if end == -1 else end
            value = text[i + 1 : end]
            out.append(_Token(prefix, field, exact and closed, value, True, closed and not value))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        out.append(_Token(prefix, field, False, text[start:i], False, False))
    return out


def parse_search(text: str) -> ParsedSearch:
    """The terms of a search-bar query and notes on what it could not read (never raises)."""
    notes: list[str] = []
    sides = _split_or(text)
    if sides is None:
        return ParsedSearch(_group(text, notes), notes)
    groups = tuple(tuple(_group(side, notes)) for side in sides)
    if not groups:
        notes.append("nothing on either side of '|' (or OR): no track matches")
    return ParsedSearch([Term(None, "any", groups)], notes)


def parse_query(text: str) -> list[Term]:
    """The terms of a search-bar query (never raises); see :func:`parse_search`."""
    return parse_search(text).terms


def _group(text: str, notes: list[str]) -> list[Term]:
    terms: list[Term] = []
    for token in _tokens(text):
        term = _term(token, notes)
        if term is not None:
            terms.append(term)
    return terms


def _as_text(token: _Token, notes: list[str], why: str | None) -> Term | None:
    """The token searched as free text, as Mixxx does with what no filter reads."""
    negate = token.prefix == "-"
    word = token.value if token.field is None else f"{token.field}:{token.value}"
    if token.field is not None and token.prefix == "~":
        word = "~" + word
    if token.field is None and token.prefix == "~":
        word = "~" + word
    if why is not None:
        notes.append(f"{why}; searched as the text {word!r}")
    if not (fold_text(word).strip() if token.quoted else word):
        return None
    return Term(None, "contains", word, negate)


def _term(token: _Token, notes: list[str]) -> Term | None:
    negate = token.prefix == "-"
    name = token.field
    if name is None:
        if token.value == "-" and not token.quoted:
            return None  # a lone minus sign (Mixxx ignores it)
        return _as_text(token, notes, None)
    known = name in TEXT_FIELDS or name in NUMERIC_FIELDS or name in DATE_FIELDS or name == "key"
    if not known:
        return _as_text(token, notes, f"{name}: is not a search field")
    if token.prefix == "~" and name not in _FUZZY_FIELDS:
        return _as_text(token, notes, f"~{name}: has no fuzzy form (only ~bpm: and ~key:)")
    value = token.value if token.quoted else token.value.strip()
    if not value and not token.empty:
        return None  # "genre:" with nothing after it: no filter (Mixxx)
    if name in TEXT_FIELDS:
        if token.empty:
            return Term(name, "empty", None, negate)
        return Term(name, "equals" if token.exact else "contains", value, negate)
    if name == "key":
        return _key_term(token, value, negate, notes)
    if name == "bpm":
        return _bpm_parsed(token, value, negate, notes)
    if name in DATE_FIELDS:
        if token.empty:
            return Term(DATE_FIELDS[name], "empty", None, negate)
        return _date_term(DATE_FIELDS[name], value, negate)
    if token.empty:
        return Term(name, "empty", None, negate)
    try:
        numbers = parse_range(value, name, duration=name == "duration")
    except ValidationError as exc:
        return _as_text(token, notes, str(exc))
    return Term(name, "range", numbers, negate)


def compatible_keys(key_id: int) -> tuple[int, ...]:
    """The keys Mixxx calls compatible with ``key_id`` (itself, relative, ±1 fifth)."""
    if not 1 <= key_id <= 24:
        return ()
    major = key_id <= 12
    tonic = key_id - (1 if major else 13)
    base = 1 if major else 13
    same_mode = [base + (tonic + step) % 12 for step in (0, 7, -7)]
    relative = 13 + (tonic + 9) % 12 if major else 1 + (tonic + 3) % 12
    return tuple(sorted({*same_mode, relative}))


def _key_term(token: _Token, value: str, negate: bool, notes: list[str]) -> Term | None:
    key_id = 0 if token.empty else guess_key_id(value)
    if token.prefix == "~":
        if not key_id:
            notes.append(f"~key:{value} is not a key (Am, 8A, 1m, A minor): no track matches")
            return Term("key", "keys", (), negate)
        return Term("key", "keys", compatible_keys(key_id), negate)
    if token.empty:
        return Term("key", "empty", None, negate)
    if key_id:
        return Term("key", "key", key_id, negate)
    return Term("key", "contains", value, negate)


def _decimals_range(bpm: float, typed: str) -> NumberRange:
    # Mixxx's rangeFromTrailingDecimal: 124 -> 123.95..124.05, 124.92 -> 124.915..124.925.
    if bpm == 0:
        return NumberRange(0.0, 0.0)
    digits = len(typed.split(".", 1)[1].rstrip("0")) if "." in typed else 0
    half = 5 / 10 ** (max(digits, 1) + 1)
    return NumberRange(max(0.0, bpm - half), bpm + half)


def bpm_term(value: str, *, fuzzy: bool = False, negate: bool = False) -> Term:
    """The ``bpm:`` term of ``value`` as Mixxx 2.4+ reads it; raises ValidationError."""
    text = value.strip().replace(",", ".")
    if text in ('""', "-") or re.fullmatch(r"[0.]+", text):
        return Term("bpm", "empty", None, negate)
    operator = re.match(r"^(<=|>=|=|<|>)(.*)$", text)
    if operator and fuzzy:
        raise ValidationError(f"~bpm: takes one number, not {value!r}")
    number_text = operator.group(2).strip() if operator else text
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", number_text):
        if fuzzy:
            raise ValidationError(f"~bpm: takes one number, not {value!r}")
        return Term("bpm", "range", parse_range(text, "BPM"), negate)
    bpm = float(number_text)
    strict = "." in number_text and number_text.split(".", 1)[1] != ""
    if fuzzy:
        low, high = math.floor((1 - _BPM_FUZZY) * bpm), math.ceil((1 + _BPM_FUZZY) * bpm)
        return Term("bpm", "bpm", (NumberRange(float(low), float(high)),), negate)
    op = operator.group(1) if operator else None
    if op is None and not negate:
        return Term("bpm", "tempo", number_text, negate)
    if op in (None, "="):
        if strict:
            return Term("bpm", "bpm", (_decimals_range(bpm, number_text),), negate)
        shown = NumberRange(_decimals_range(bpm, number_text).low, math.floor(bpm + 1), True, False)
        return Term("bpm", "bpm", (shown,), negate)
    return Term("bpm", "range", parse_range(text, "BPM"), negate)


def tempo_ranges(number_text: str, half_double: bool) -> tuple[NumberRange, ...]:
    """Mixxx 2.4's plain ``bpm:N``: what shows as N, and half and double tempo."""
    bpm = float(number_text)
    strict = "." in number_text and number_text.split(".", 1)[1] != ""
    if strict:
        ranges = [_decimals_range(bpm, number_text)]
        if half_double:
            ranges += [
                _decimals_range(bpm / 2, repr(bpm / 2)),
                _decimals_range(bpm * 2, repr(bpm * 2)),
            ]
        return tuple(ranges)
    whole = math.floor(bpm)
    if not half_double:
        return (NumberRange(float(whole), float(whole + 1), True, False),)
    half = whole / 2
    half_low = (math.floor(half) if half != math.floor(half) else half) - _ROUND
    return (
        NumberRange(whole - _ROUND, whole + 1.0, True, False),
        NumberRange(half_low, half + 1, True, False),
        NumberRange(whole * 2 - _ROUND, (whole + 1) * 2.0, True, False),
    )


def _bpm_parsed(token: _Token, value: str, negate: bool, notes: list[str]) -> Term | None:
    typed = '""' if token.empty else ("=" + value if token.exact else value)
    try:
        return bpm_term(typed, fuzzy=token.prefix == "~", negate=negate)
    except ValidationError as exc:
        if token.prefix == "~":
            notes.append(f"{exc}: no track matches")
            return Term("bpm", "bpm", (), negate)
        return _as_text(token, notes, str(exc))


def _date_term(column: str, value: str, negate: bool) -> Term:
    text = value.strip()
    op = next((o for o in ("<=", ">=", "<", ">", "=") if text.startswith(o)), "=")
    period = date_period(text.removeprefix(op))
    if period is None or (text.startswith(op) and period[1] is None):  # lastweek: no operator
        return Term(column, "contains", value, negate)
    start, end = period
    bounds = {
        "=": (start, end),
        ">": (end, None),
        ">=": (start, None),
        "<": (None, start),
        "<=": (None, end),
    }[op]
    return Term(column, "date", bounds, negate)
