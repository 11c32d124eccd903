"""The values users give, checked once: row ids, colours, number ranges, dates, text SQLite
can store, and id lists cut to SQLite's limits.

Every "id" argument of the package (track, playlist, crate ids; CLI arguments) is read by
:func:`parse_id` and checked by :func:`is_row_id`; every colour (track colours, cue colours,
filters) by :func:`parse_color` and shown by :func:`format_color`; every number range (the
``bpm_range``/``rating``/``year`` filters, ``--bpm``/``--rating``/``--year``, ``bpm:`` and
the other numeric search fields) by :func:`parse_range`, with one meaning:

- a bare whole number N (``128``, ``=128``, ``128`` as an int) is [N, N+1): Mixxx shows
  whole-number BPMs, so ``128`` finds 128.0 up to 128.99 (on whole-number columns such as
  rating or year this is exactly N); a bare fraction (``127.5``) is that exact value;
- a pair ``120-130``, ``120..130`` or ``(120, 130)`` is inclusive at both ends;
- ``120-`` / ``120..`` / ``(120, None)`` is >= 120, ``-130`` / ``..130`` / ``(None, 130)``
  is <= 130; ``>125``, ``>=125``, ``<125``, ``<=125`` mean what they say;
- durations also take ``m:ss``, ``h:mm:ss`` and Mixxx's ``1m30s``, ``1m30``, ``2m``,
  ``90s`` and ``2:`` wherever a number goes.

Every date (``added:``/``lastplayed:`` in a search, the ``added_after``/``added_before``
filters, ``--added-after``) is read by :func:`date_period`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from mixxx_peewee.errors import ValidationError

__all__ = [
    "CHUNK",
    "COLOR_COLUMNS",
    "MAX_BPM",
    "MAX_ROW_ID",
    "NumberRange",
    "RangeLike",
    "change_text",
    "check_text",
    "chunked",
    "date_period",
    "format_color",
    "is_row_id",
    "is_sqlite_text",
    "parse_color",
    "parse_id",
    "parse_range",
    "parse_seconds",
    "parse_track_ids",
]

# The highest BPM an edit may set (Mixxx's own BPM controls stop well below it).
MAX_BPM = 500.0

MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: no row can have a larger id
CHUNK = 500  # ids per IN (...) list: far below SQLite's oldest parameter limit (999)
_HEX = frozenset("0123456789abcdefABCDEF")

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_row_id(value: int) -> bool:
    """Whether ``value`` fits SQLite's 64-bit integers (a larger one is no row id)."""
    return -MAX_ROW_ID - 1 <= value <= MAX_ROW_ID


def parse_id(value: object) -> int | None:
    """``value`` as an id when it is an int or a string of ASCII digits, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def parse_track_ids(track_ids: Iterable[object]) -> list[int]:
    """The ids as ints (int or digit strings); raises ValidationError for anything else."""
    ids = []
    for value in track_ids:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError(f"track id must be a whole number, not {value!r}")
        ids.append(parsed)
    return ids


def parse_color(value: object) -> int | None:
    """A colour as 0xRRGGBB from an int, ``'#RRGGBB'``/``'0xRRGGBB'``/``'RRGGBB'`` or None.

    Raises ValidationError for anything else.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().removeprefix("#").removeprefix("0x").removeprefix("0X")
        if len(text) == 6 and set(text) <= _HEX:
            return int(text, 16)
        raise ValidationError(f"colour must be '#RRGGBB' or 0xRRGGBB, not {value!r}")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFF:
        return value
    raise ValidationError(f"colour must be 0x000000..0xFFFFFF, '#RRGGBB' or None, not {value!r}")


# The columns that hold colours (0xRRGGBB integers) in Mixxx's tables: shown as #RRGGBB.
COLOR_COLUMNS = frozenset({"color", "colour", "coverart_color"})


def format_color(rgb: int | None) -> str | None:
    """``#RRGGBB`` for a stored colour (Mixxx may set bits above 24: masked), None for none."""
    return None if rgb is None else f"#{rgb & 0xFFFFFF:06X}"


def change_text(column: str, value: object) -> str:
    """A stored value as a change line shows it: colours ``#RRGGBB``, blobs by size, ``none``."""
    if column in COLOR_COLUMNS and (value is None or type(value) is int):
        return format_color(value) or "none"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if value is None:
        return "none"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class NumberRange:
    """Numbers from ``low`` to ``high`` (None: unbounded), each end included or not."""

    low: float | None = None
    high: float | None = None
    include_low: bool = True
    include_high: bool = True

    def __str__(self) -> str:
        low = "" if self.low is None else f"{'[' if self.include_low else '('}{self.low:g}"
        high = "" if self.high is None else f"{self.high:g}{']' if self.include_high else ')'}"
        return f"{low}..{high}"


# What a range argument may be: see parse_range.
RangeLike = NumberRange | float | str | tuple[float | None, float | None]

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_DURATION = rf"(?:(?:\d+:)?\d+:\d+(?:\.\d*)?|{_NUMBER})"
_COMPARISON_RE = re.compile(r"^(>=|<=|>|<|=)\s*(.+)$")
_PAIR_RE = re.compile(r"^([^-.\s][^\s]*?)?\s*(-|\.\.)\s*([^\s]*)$")


def _bound(text: str, duration: bool) -> float | None:
    """A number (or with ``duration``, ``m:ss``/``h:mm:ss``) from text; None if it is not one."""
    text = text.strip()
    if duration:
        # Mixxx's duration forms besides m:ss: 1m30s, 1m30, 2m, 90s, 2: (minutes).
        spelled = re.fullmatch(r"(\d+)(?:m(\d{1,2})?s?|:)|(\d+(?:\.\d*)?)s", text)
        if spelled:
            minutes, seconds, only_seconds = spelled.groups()
            if only_seconds is not None:
                return float(only_seconds)
            return int(minutes) * 60.0 + int(seconds or 0)
    if not re.fullmatch(_DURATION if duration else _NUMBER, text):
        return None
    *parts, seconds = text.split(":")
    value = float(seconds)
    multiplier = 60.0
    for part in reversed(parts):
        value += int(part) * multiplier
        multiplier *= 60
    return value


def parse_seconds(value: object, name: str = "position") -> float:
    """Seconds from a number or text: ``95.5``, ``1:35.500`` (as ``cues list`` prints),
    ``1:02:03.5``, ``1m30s``; raises ValidationError."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be seconds or m:ss.mmm, not {value!r}")
    if isinstance(value, (int, float)):
        number: float | None = float(value)
    elif isinstance(value, str):
        number = _bound(value, duration=True)
    else:
        number = None
    if number is None or not _finite(number) or number < 0:
        raise ValidationError(
            f"{name} must be seconds >= 0 or m:ss.mmm (e.g. 95.5 or 1:35.500), not {value!r}"
        )
    return number


def _exactly(number: float) -> NumberRange:
    # A whole number names [N, N+1), as the user sees whole numbers; a fraction is exact.
    if float(number).is_integer():
        return NumberRange(float(number), float(number) + 1, True, False)
    return NumberRange(float(number), float(number))


def _checked_pair(low: float | None, high: float | None, value: object, name: str) -> NumberRange:
    if low is None and high is None:
        raise ValidationError(f"bad {name} range {value!r}: give at least one bound")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"bad {name} range {value!r}: {low:g} is above {high:g}")
    return NumberRange(low, high)


def _finite(number: object) -> bool:
    return (
        isinstance(number, (int, float))
        and not isinstance(number, bool)
        and number == number
        and abs(number) != float("inf")
    )


def parse_range(value: object, name: str = "value", *, duration: bool = False) -> NumberRange:
    """The :class:`NumberRange` that text, a number or a ``(low, high)`` pair names.

    Text: ``128``, ``=128``, ``120-130``, ``120..130``, ``120-``, ``-130``, ``..130``,
    ``>125``, ``>=125``, ``<125``, ``<=125``; with ``duration``, ``m:ss`` and ``h:mm:ss``
    too. See the module docstring for what each means. Raises ValidationError.
    """
    if isinstance(value, NumberRange):
        return value
    if _finite(value):
        return _exactly(float(value))  # type: ignore[arg-type]
    if isinstance(value, (tuple, list)) and len(value) == 2:
        for bound in value:
            if bound is not None and not _finite(bound):
                raise ValidationError(f"{name} bounds must be numbers or None, not {bound!r}")
        low, high = (None if b is None else float(b) for b in value)
        return _checked_pair(low, high, value, name)
    if not isinstance(value, str):
        raise ValidationError(
            f"{name} must be a number, a (low, high) pair or range text, not {value!r}"
        )
    text = value.strip()
    usage = f"bad {name} range {value!r}: use VALUE, LOW-HIGH, LOW-, ..HIGH, >VALUE or <=VALUE"
    comparison = _COMPARISON_RE.match(text)
    if comparison:
        op, rest = comparison.groups()
        number = _bound(rest, duration)
        if number is None:
            raise ValidationError(usage)
        if op == "=":
            return _exactly(number)
        if op.startswith(">"):
            return NumberRange(number, None, include_low=op == ">=")
        return NumberRange(None, number, include_high=op == "<=")
    number = _bound(text, duration)
    if number is not None:
        return _exactly(number)
    pair = _PAIR_RE.match(text)
    if pair:
        low_text, _, high_text = pair.groups()
        low = None if not low_text else _bound(low_text, duration)
        high = None if not high_text else _bound(high_text, duration)
        if (low_text and low is None) or (high_text and high is None):
            raise ValidationError(usage)
        return _checked_pair(low, high, value, name)
    raise ValidationError(usage)


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def _utc_text(local: dt.datetime) -> str:
    return local.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _months_ago(now: dt.datetime, months: int) -> dt.datetime:
    """``now`` moved back by whole months (the day clamped to the month's end, as SQLite)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    first_next = dt.datetime(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (first_next - dt.timedelta(days=1)).day
    return now.replace(year=year, month=month + 1, day=min(now.day, last_day))


def date_period(text: str) -> tuple[str, str | None] | None:
    """The UTC bounds [start, end) of the local-time period a date names, or None.

    ``2024``, ``2024-05`` and ``2024-05-17`` are that year, month or day; ``lastweek``,
    ``lastmonth`` and ``lastyear`` (the date words of Mixxx's development branch) run from
    that long ago until now (end None). Bounds are text as Mixxx stores ``datetime_added``.
    """
    word = text.strip().lower()
    now = dt.datetime.now().astimezone()
    since = {
        "lastweek": lambda: now - dt.timedelta(weeks=1),
        "lastmonth": lambda: _months_ago(now, 1),
        "lastyear": lambda: _months_ago(now, 12),
    }.get(word)
    if since is not None:
        return _utc_text(since()), None
    match = _DATE_RE.match(word)
    period = _period(match) if match is not None else None
    return None if period is None else (_utc_text(period[0]), _utc_text(period[1]))


def _period(match: re.Match[str]) -> tuple[dt.datetime, dt.datetime] | None:
    """The local-time period [start, end) of yyyy, yyyy-mm or yyyy-mm-dd; None if invalid."""
    year, month, day = (None if g is None else int(g) for g in match.groups())
    try:
        if month is None:
            return dt.datetime(year or 1, 1, 1), dt.datetime((year or 1) + 1, 1, 1)
        if day is None:
            start = dt.datetime(year or 1, month, 1)
            after = dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
            return start, after
        start = dt.datetime(year or 1, month, day)
        return start, start + dt.timedelta(days=1)
    except (ValueError, OverflowError):
        return None


def is_sqlite_text(text: str) -> bool:
    """Whether ``text`` can be SQLite text (lone surrogates from undecodable bytes cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(text: str, name: str) -> str:
    """``text`` when SQLite can store it; raises ValidationError naming ``name`` otherwise."""
    if not is_sqlite_text(text):
        raise ValidationError(f"{name} is not valid Unicode text: {text!r}")
    return text
