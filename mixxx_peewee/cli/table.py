"""The table format: rows printed as they come, one line each, sized to the terminal.

A listing of 100,000 tracks must show its first rows at once and never hold them all:
column widths come from the column kinds and the first rows (at most :data:`SAMPLE` rows
or :data:`SAMPLE_SECONDS`, whichever comes first), then every row is printed as it
arrives. Widths are display widths (CJK characters take two cells, combining marks
none); text that does not fit is cut with ``…`` (paths in the middle, so the file name and
its extension stay); line breaks and other control characters never break a row.

Every value is shown by one rule per column (:func:`cell_text`): durations ``m:ss``
(``h:mm:ss`` from an hour), positions (``first_beat``, the main cue ``cuepoint``)
``m:ss.mmm`` like cue positions, BPM with one decimal and blank when not analysed, dates
in local time, colours ``#RRGGBB``, keys in the chosen notation, numbers right-aligned.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from typing import TextIO

from mixxx_peewee.cli.display import COLOR_COLUMNS
from mixxx_peewee.cli.display import DATETIME_COLUMNS
from mixxx_peewee.cli.display import format_duration
from mixxx_peewee.cli.display import key_text
from mixxx_peewee.cli.display import local_time
from mixxx_peewee.core.values import format_color
from mixxx_peewee.tracks.cues import clock_text

__all__ = [
    "SAMPLE",
    "SAMPLE_SECONDS",
    "cell_text",
    "clip",
    "clip_path",
    "display_width",
    "one_line",
    "print_table",
    "terminal_width",
]

SAMPLE = 100  # rows read before the widths are fixed ...
SAMPLE_SECONDS = 0.1  # ... or this long, whichever comes first
_GAP = "  "
_NOT_A_TERMINAL_WIDTH = 120

# Short columns keep their full width when the terminal is narrow; text columns give way.
_NARROW = frozenset(
    {"id", "bpm", "key", "duration", "position", "tracks", "track_count", "rating", "reason",
     "locked", "hotcue", "type", "seconds", "bytes", "kind", "length", "year", "color",
     "group", "size", "count", "share", "type_name", "grid_bpm", "first_beat",
     "first_beat_frame", "grid_kind", "timesplayed", "bitrate", "samplerate", "channels",
     "filesize", "filetype", "made", *DATETIME_COLUMNS}
)  # fmt: skip
_RIGHT = frozenset(
    {"id", "bpm", "duration", "position", "tracks", "track_count", "rating", "timesplayed",
     "bitrate", "samplerate", "channels", "filesize", "bytes", "hotcue", "length", "seconds",
     "entry_id", "location_id", "group", "size", "count", "share", "grid_bpm", "first_beat",
     "first_beat_frame"}
)  # fmt: skip
_PATHS = frozenset({"location", "directory", "filename", "path"})
# Widths a bounded column may grow to later (ids, durations): the first rows are small.
_MIN_WIDTH = {"id": 5, "duration": 5, "position": 4, "bpm": 5, "grid_bpm": 5, "first_beat": 8}


def terminal_width(out: TextIO) -> int:
    """The width to fit: ``$COLUMNS``, else the terminal's, else 120 (pipes and files)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return _NOT_A_TERMINAL_WIDTH


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The terminal cells ``text`` takes (wide CJK characters 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    return sum(map(_char_width, text))


def one_line(text: str) -> str:
    """``text`` on one line: line breaks shown as ``↵``, other control characters as spaces."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else ("↵" if c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else " ")
        for c in text.replace("\r\n", "\n")
    )


def _take(text: str, width: int) -> str:
    """The longest start of ``text`` that fits ``width`` cells."""
    used = 0
    for i, char in enumerate(text):
        used += _char_width(char)
        if used > width:
            return text[:i]
    return text


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending with ``…`` when cut."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if text.isascii():
        return text[: width - 1] + "…"
    return _take(text, width - 1) + "…"


def clip_path(text: str, width: int) -> str:
    """A path cut in the middle to ``width`` cells, so its file name and extension stay."""
    if display_width(text) <= width:
        return text
    if width < 5:
        return clip(text, width)
    name = text.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    tail_width = max((width - 1) // 2, min(display_width(extension) + 2, width - 3))
    tail = _take(text[::-1], tail_width)[::-1]
    head = _take(text, width - 1 - display_width(tail))
    return f"{head}…{tail}"


def _bpm(value: Any, row: Mapping[str, Any]) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return ""  # 0 (or nothing): not analysed
    return f"{value:.1f}"


def _position(value: Any, row: Mapping[str, Any]) -> str:
    """A position in the track (the first beat) as ``m:ss.mmm``, as cue positions are shown."""
    if not _is_number(value):
        return _plain(value, row)
    return ("-" if value < 0 else "") + clock_text(abs(value))


def _duration(value: Any, row: Mapping[str, Any]) -> str:
    return value if isinstance(value, str) else format_duration(value)


def _cuepoint(value: Any, row: Mapping[str, Any]) -> str:
    """The main cue as a time, as ``cues list`` prints positions (engine samples / 2 / rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return _plain(value, row)
    rate = row.get("samplerate")
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0 and value >= 0:
        from mixxx_peewee.tracks.cues import clock_text  # cues loads only for this column

        return clock_text(value / 2 / rate)
    return f"{value:f}".rstrip("0").rstrip(".")  # samples, never 1.30818e+06


def _color(value: Any, row: Mapping[str, Any]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_color(value) or ""
    return _plain(value, row)


def _date(value: Any, row: Mapping[str, Any]) -> str:
    return "" if value is None else one_line(local_time(value))


def _key(value: Any, row: Mapping[str, Any]) -> str:
    shown = key_text(row.get("key_id"), value)
    return "" if shown is None else one_line(str(shown))


def _plain(value: Any, row: Mapping[str, Any]) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.isprintable() else one_line(value)
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, dt.datetime):
        return local_time(value)
    return one_line(str(value))


_RULES: dict[str, Callable[[Any, Mapping[str, Any]], str]] = {
    "bpm": _bpm,
    "grid_bpm": _bpm,
    "first_beat": _position,
    "duration": _duration,
    "cuepoint": _cuepoint,
    "key": _key,
    **{column: _color for column in COLOR_COLUMNS},
    **{column: _date for column in DATETIME_COLUMNS},
}


def cell_text(column: str, value: Any, row: Mapping[str, Any] | None = None) -> str:
    """``value`` of ``column`` as a table shows it (the one display rule of the column)."""
    return _RULES.get(column, _plain)(value, row or {})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sample(rows: Iterator[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    first: list[Mapping[str, Any]] = []
    deadline = 0.0
    for row in rows:
        if not first:
            # From the first row on: a sorted listing's first row comes after the sort.
            deadline = time.monotonic() + SAMPLE_SECONDS
        first.append(row)
        if len(first) >= SAMPLE or time.monotonic() > deadline:
            break
    return first


def _fit(columns: Sequence[str], natural: Sequence[int], total: int) -> list[int]:
    """Column widths for a table ``total`` wide: short columns whole, text shares the rest."""
    room = total - len(_GAP) * (len(columns) - 1)
    widths = list(natural)
    text = [i for i, col in enumerate(columns) if col not in _NARROW]
    room -= sum(w for i, w in enumerate(natural) if i not in text)
    if sum(natural[i] for i in text) <= room:
        # Room to spare: text columns grow by up to half (later rows may be longer than
        # the first ones the widths come from).
        spare = room - sum(natural[i] for i in text)
        for count, i in enumerate(sorted(text, key=lambda i: natural[i])):
            grow = min(max(natural[i] // 2, 4), spare // (len(text) - count))
            widths[i] += grow
            spare -= grow
        return widths
    left = max(room, 6 * len(text))
    # Water-filling: narrow text columns keep their width, wide ones share what remains.
    for count, i in enumerate(sorted(text, key=lambda i: natural[i])):
        share = left // (len(text) - count)
        widths[i] = max(min(natural[i], share), min(natural[i], 6))
        left -= widths[i]
    return widths


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    out: TextIO | None = None,
    *,
    title: str | None = None,
) -> int:
    """Print ``rows`` as a table of ``columns`` on ``out``, each row as it comes; the count."""
    out = out or sys.stdout
    it = iter(rows)
    first = _sample(it)
    rules = [_RULES.get(c, _plain) for c in columns]
    sample = [[rule(row.get(c), row) for c, rule in zip(columns, rules, strict=True)]
              for row in first]  # fmt: skip
    right = [c in _RIGHT or any(_is_number(r.get(c)) for r in first[:10]) for c in columns]
    natural = [
        max([display_width(c), _MIN_WIDTH.get(c, 0), *(display_width(line[i]) for line in sample)])
        for i, c in enumerate(columns)
    ]
    widths = _fit(columns, natural, terminal_width(out))
    cutters = [clip_path if c in _PATHS else clip for c in columns]
    layout = list(zip(widths, right, cutters, strict=True))

    def line(cells: Sequence[str]) -> str:
        parts = []
        for text, (width, align_right, cut) in zip(cells, layout, strict=True):
            if text.isascii():
                if len(text) > width:
                    text = cut(text, width)
                pad = width - len(text)
            else:
                if display_width(text) > width:
                    text = cut(text, width)
                pad = width - display_width(text)
            parts.append(" " * pad + text if align_right else text + " " * pad)
        return _GAP.join(parts).rstrip() + "\n"

    if title:
        out.write(one_line(title) + "\n")
    out.write(line(list(columns)))
    out.write(_GAP.join("─" * w for w in widths) + "\n")
    for cells in sample:
        out.write(line(cells))
    count = len(sample)
    for row in it:
        out.write(line([rule(row.get(c), row) for c, rule in zip(columns, rules, strict=True)]))
        count += 1
    return count
