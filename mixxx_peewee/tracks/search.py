"""Search terms compiled to peewee expressions: one function per kind of term.

:mod:`mixxx_peewee.tracks.searchsyntax` reads Mixxx's search-bar syntax into
:class:`~mixxx_peewee.tracks.searchsyntax.Term` values; this module gives each
:data:`~mixxx_peewee.tracks.searchsyntax.TermKind` its meaning in SQL through one table
(``_COMPILERS``), over Track joined to TrackLocation. Matching is case- and
accent-insensitive; ``%`` and ``_`` are literal and every value is a parameter. A term on a
column the file lacks matches no track and is explained by :func:`search_notes`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import peewee
from peewee import fn

from mixxx_peewee.core.sqlfunctions import CACHED_NEEDLE
from mixxx_peewee.core.sqlfunctions import fold_text
from mixxx_peewee.core.values import NumberRange
from mixxx_peewee.library import current_library
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.searchsyntax import DATE_FIELDS
from mixxx_peewee.tracks.searchsyntax import FREE_TEXT_COLUMNS
from mixxx_peewee.tracks.searchsyntax import NUMERIC_FIELDS
from mixxx_peewee.tracks.searchsyntax import TEXT_FIELDS
from mixxx_peewee.tracks.searchsyntax import Term
from mixxx_peewee.tracks.searchsyntax import TermKind
from mixxx_peewee.tracks.searchsyntax import parse_search
from mixxx_peewee.tracks.searchsyntax import tempo_ranges

__all__ = [
    "compile_query",
    "numeric_target",
    "range_expression",
    "search_notes",
    "text_contains",
    "text_contains_any",
    "text_equals_any",
]

_HALF_DOUBLE_REVISION = 36  # 2.4's schema line: bpm:N also finds half and double tempo
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


def text_equals_any(columns: list[Any], text: str) -> peewee.Expression | None:
    """Any of ``columns`` equals ``text`` ignoring case and accents (``field:="x"``)."""
    folded = fold_text(text)
    if not folded or not columns:
        return None
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    tests = []
    for column in columns:
        ascii_test = peewee.Expression(
            column, "ILIKE", peewee.NodeList((escaped, peewee.SQL("ESCAPE '\\'")))
        )
        # Folded equality by containment between separators the folding keeps.
        framed = fn.mixxx_folded_contains_long(
            peewee.Value("\x01").concat(column).concat("\x01"), f"\x01{folded}\x01"
        )
        non_ascii = fn.length(column) < fn.length(column.cast("BLOB"))
        tests.append(ascii_test | (peewee.Case(None, [(non_ascii, framed)]) == 1))
    return reduce(lambda a, b: a | b, tests)


def _empty_text(columns: list[Any]) -> Any:
    # Mixxx's NullOrEmptyTextFilterNode tests the field's major column only.
    return columns[0].is_null() | (columns[0] == "")


def _column(name: str) -> Any | None:
    return Track._meta.fields.get(name)


def numeric_target(field: str) -> Any | None:
    """What a numeric field (``bpm``, ``year``, …) compares; None when the file lacks it."""
    column = _column(NUMERIC_FIELDS[field])
    if column is None:
        return None
    if field == "year":
        # TEXT such as "2021-04-01": compare the year's leading number (Mixxx 2.4+).
        return peewee.Cast(fn.substr(column, 1, 4), "INTEGER")
    if field == "track":
        # TEXT such as "3/12": compare its leading number.
        return peewee.Cast(column, "INTEGER")
    return column


def range_expression(column: Any, numbers: NumberRange) -> Any:
    """``column`` within ``numbers``: the one SQL meaning of a range (filters and search)."""
    tests = []
    if numbers.low is not None:
        tests.append(column >= numbers.low if numbers.include_low else column > numbers.low)
    if numbers.high is not None:
        tests.append(column <= numbers.high if numbers.include_high else column < numbers.high)
    return reduce(lambda a, b: a & b, tests) if tests else peewee.SQL("1")


def _any_of(parts: list[Any]) -> Any:
    return reduce(lambda a, b: a | b, parts) if parts else peewee.SQL("0")


def _named_subquery(field: str, term: Term) -> Any:
    model: Any = Crate if field == "crate" else Playlist
    if field == "crate":
        members: Any = CrateTrack.select(CrateTrack.track)
        owner: Any = CrateTrack.crate
    else:
        members = PlaylistTrack.select(PlaylistTrack.track)
        owner = PlaylistTrack.playlist
    named = model.select(model.id)
    if field == "playlist":
        named = named.where(Playlist.hidden >= 0)
    if term.op == "empty":
        return Track.id.not_in(members.where(owner.in_(named)))
    test = text_equals_any if term.op == "equals" else text_contains_any
    # Names first, then members by the (crate_id, track_id) index: a few hundred name
    # tests per statement, not one per membership row.
    return Track.id.in_(members.where(owner.in_(named.where(test([model.name], term.value)))))


def _half_double() -> bool:
    schema = current_library().schema
    revision = schema.matched_revision or schema.version or 0
    return revision >= _HALF_DOUBLE_REVISION


def _free_text(text: str) -> Any | None:
    columns = [c for c in (_column(n) for n in FREE_TEXT_COLUMNS) if c is not None]
    columns.append(TrackLocation.location)
    fields = text_contains_any(columns, text)
    if fields is None:
        return None
    # Mixxx's library view also finds tracks by the names of their crates.
    return fields | _named_subquery("crate", Term("crate", "contains", text))


def _text_expression(term: Term) -> Any | None:
    name = term.field or ""
    if name in ("crate", "playlist"):
        return _named_subquery(name, term)
    if name == "location":
        columns: list[Any] = [TrackLocation.location]
    elif name == "key":
        columns = [Track.key]
    elif name in DATE_FIELDS.values():
        column = _column(name)
        columns = [] if column is None else [column]
    else:
        columns = [c for c in (_column(n) for n in TEXT_FIELDS[name]) if c is not None]
    if not columns:
        return None
    if term.op == "empty":
        return _empty_text(columns)
    if term.op == "equals":
        return text_equals_any(columns, term.value)
    return text_contains_any(columns, term.value)


def _key_expression(key_ids: tuple[int, ...]) -> Any:
    if not key_ids:
        return peewee.SQL("0")
    key_id = _column("key_id")
    guessed = fn.mixxx_guess_key_id(Track.key)
    if key_id is None:
        return guessed.in_(list(key_ids))
    # A key_id of 0/NULL (a key typed in another program) is read from the key text.
    fallback = ((key_id == 0) | key_id.is_null()) & guessed.in_(list(key_ids))
    return key_id.in_(list(key_ids)) | fallback


def _compile_any(term: Term) -> Any | None:
    """``a | b``: any of the AND groups (an empty group matches every track)."""
    return _any_of([compile_query(list(group)) or peewee.SQL("1") for group in term.value])


def _compile_text(term: Term) -> Any | None:
    """``contains``/``equals``: free text (no field) or a text field's columns."""
    if term.field is None:
        return _free_text(term.value)
    return _text_expression(term)


def _compile_empty(term: Term) -> Any | None:
    """``field:""``: a text, key or date field empty, a number missing (BPM 0 too)."""
    if term.field not in NUMERIC_FIELDS:
        return _text_expression(term)
    target = numeric_target(term.field)
    if target is None:
        return None
    if term.field == "bpm":
        return (target == 0) | target.is_null()
    return target.is_null()


def _compile_range(term: Term) -> Any | None:
    """A numeric field within one NumberRange."""
    target = numeric_target(term.field or "")
    return None if target is None else range_expression(target, term.value)


def _compile_bpm(term: Term) -> Any | None:
    """The BPM within any of the term's ranges."""
    target = numeric_target("bpm")
    return None if target is None else _any_of([range_expression(target, r) for r in term.value])


def _compile_tempo(term: Term) -> Any | None:
    """``bpm:N`` as typed: what shows as N, and half and double tempo on a 2.4+ file."""
    target = numeric_target("bpm")
    if target is None:
        return None
    ranges = tempo_ranges(term.value, _half_double())
    return _any_of([range_expression(target, r) for r in ranges])


def _compile_key(term: Term) -> Any | None:
    """One key id."""
    return _key_expression((term.value,))


def _compile_keys(term: Term) -> Any | None:
    """Any of a tuple of key ids (``~key:``)."""
    return _key_expression(term.value)


def _compile_date(term: Term) -> Any | None:
    """A date column within ``(low, high)``, high exclusive."""
    column = _column(term.field or "")
    if column is None:
        return None
    low, high = term.value
    when = fn.datetime(column)
    tests = [when.is_null(False)]
    if low is not None:
        tests.append(when >= low)
    if high is not None:
        tests.append(when < high)
    return reduce(lambda a, b: a & b, tests)


# One compile function per kind of term; None from one means "a column this file lacks".
_COMPILERS: dict[TermKind, Callable[[Term], Any | None]] = {
    "contains": _compile_text,
    "equals": _compile_text,
    "empty": _compile_empty,
    "range": _compile_range,
    "bpm": _compile_bpm,
    "tempo": _compile_tempo,
    "key": _compile_key,
    "keys": _compile_keys,
    "date": _compile_date,
    "any": _compile_any,
}


def _absent_notes(terms: list[Term], notes: list[str]) -> None:
    for term in terms:
        if term.op == "any":
            for group in term.value:
                _absent_notes(list(group), notes)
            continue
        column = None
        if term.field in DATE_FIELDS.values():
            column = term.field
        elif term.field in NUMERIC_FIELDS:
            column = NUMERIC_FIELDS[term.field]
        elif term.field in TEXT_FIELDS:
            column = next(iter(TEXT_FIELDS[term.field]), None)
        if column is not None and _column(column) is None:
            note = f"this library has no {column} column: {term.field}: matches no track"
            if note not in notes:
                notes.append(note)


def compile_query(terms: list[Term]) -> Any | None:
    """One peewee expression (over Track joined to TrackLocation) for all ``terms``; None = all."""
    parts = []
    for term in terms:
        expression = _COMPILERS[term.op](term)
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


def search_notes(text: str) -> list[str]:
    """What a query's reader should know: syntax it could not read, columns this file lacks."""
    parsed = parse_search(text)
    notes = list(parsed.notes)
    _absent_notes(parsed.terms, notes)
    return notes
