"""The values users give, checked once: row ids, colours, and id lists cut to SQLite's limits.

Every "id" argument of the package (track, playlist, crate ids; CLI arguments) is read by
:func:`parse_id` and checked by :func:`is_row_id`; every colour (track colours, cue colours,
filters) by :func:`parse_color` and shown by :func:`format_color`.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TypeVar

from mixxx_peewee.errors import ValidationError

__all__ = [
    "CHUNK",
    "MAX_ROW_ID",
    "chunked",
    "format_color",
    "is_row_id",
    "parse_color",
    "parse_id",
    "parse_track_ids",
]

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


def format_color(rgb: int | None) -> str | None:
    """``#RRGGBB`` for a stored colour (Mixxx may set bits above 24: masked), None for none."""
    return None if rgb is None else f"#{rgb & 0xFFFFFF:06X}"
