"""Output formats shared by every listing: table, json, jsonl, csv, ids (and m3u8 for tracks).

Only data goes to stdout. JSON is plain ``json.dumps`` (never wrapped or coloured);
tables fit the terminal with rich, which loads only when a table is printed.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TextIO

from mixxx_peewee.cli.display import COLOR_COLUMNS
from mixxx_peewee.cli.display import DATETIME_COLUMNS
from mixxx_peewee.cli.display import cached_key_text
from mixxx_peewee.cli.display import iso_utc
from mixxx_peewee.cli.display import key_notation
from mixxx_peewee.core.values import format_color
from mixxx_peewee.errors import ValidationError

__all__ = [
    "TRACK_TABLE_COLUMNS",
    "data_row",
    "data_rows",
    "emit_record",
    "emit_rows",
    "emit_tracks",
    "jsonable",
    "listing_columns",
    "stream_tracks",
    "summary_line",
    "track_records",
    "track_row",
]

# Large binary columns nobody reads in a listing (the beat grid, analysed keys, waveform).
BLOB_COLUMNS = frozenset({"beats", "keys", "wavesummaryhex", "coverart_digest"})
TRACK_TABLE_COLUMNS = ("id", "artist", "title", "album", "genre", "bpm", "key", "duration")


def jsonable(value: Any) -> Any:
    """A value ``json.dumps`` accepts: datetimes as ISO text, bytes as base64."""
    if isinstance(value, dt.datetime):
        raw = getattr(value, "raw", None)
        return raw if raw is not None else value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    """Called by json.dumps only for values it cannot encode itself (datetimes, bytes, ...)."""
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return converted


# One encoder for every row (json.dumps with options builds a new one per call). No Python
# walk over every value: the C encoder calls _json_default only for the rare rest.
_dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode


def _cell(value: Any) -> str:
    """A value as CSV writes it: full precision, booleans 0/1, nothing for NULL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, dt.datetime):
        return str(iso_utc(value))
    return str(value)


def emit_rows(
    rows: Iterable[Mapping[str, Any]],
    fmt: str,
    columns: Sequence[str],
    *,
    out: TextIO | None = None,
    id_key: str = "id",
    title: str | None = None,
) -> int:
    """Write ``rows`` to ``out`` (stdout) in ``fmt``; ``columns`` choose the table/CSV columns.

    Returns the number of rows written. Every format streams: a table prints its rows as
    they come (see :mod:`mixxx_peewee.cli.table`). Values go through the one display rule
    of their column first (:func:`data_row`: ISO 8601 UTC dates, ``#RRGGBB`` colours, keys
    in the chosen notation).
    """
    out = out or sys.stdout
    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    count = 0
    if fmt == "table":
        from mixxx_peewee.cli.table import print_table

        count = print_table(rows, columns, out, title=title)
        out.flush()
        return count
    if fmt in ("json", "jsonl", "csv"):
        rows = data_rows(rows)
    if fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n" + _dumps(row))
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "jsonl":
        for row in rows:
            out.write(_dumps(row) + "\n")
            count += 1
    elif fmt == "csv":
        import csv

        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
            count += 1
    elif fmt == "ids":
        for row in rows:
            out.write(f"{row[id_key]}\n")
            count += 1
    elif fmt == "m3u8":
        from mixxx_peewee.trackset.m3u import write_m3u8

        count = write_m3u8(rows, out)
    else:
        raise ValidationError(f"unknown output format {fmt!r}")
    out.flush()
    return count


def data_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Rows as :func:`data_row` gives them, for a listing: its rows share their columns, so
    the columns to convert are found once (rows that are dicts are converted in place)."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    dates = [c for c in DATETIME_COLUMNS if c in first]
    colors = [c for c in COLOR_COLUMNS if c in first]
    has_key = "key" in first
    if not (dates or colors or has_key):
        yield first
        yield from it
        return
    notation = key_notation()
    for row in _chain(first, it):
        if not isinstance(row, dict):
            row = dict(row)
        for column in dates:
            value = row.get(column)
            if value is not None:
                row[column] = iso_utc(value)
        for column in colors:
            value = row.get(column)
            if isinstance(value, int) and not isinstance(value, bool):
                row[column] = format_color(value)
        if has_key:
            key_id, stored = row.get("key_id"), row.get("key")
            if key_id or stored:
                shown = cached_key_text(
                    key_id if type(key_id) is int else 0,
                    stored if isinstance(stored, str) else "",
                    notation,
                )
                if shown:
                    row["key"] = shown
        yield row


def data_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` as data formats write it: dates ISO 8601 UTC, colours ``#RRGGBB``, keys in the
    chosen notation; numbers stay numbers."""
    converted = next(data_rows([dict(row)]), None)
    return {} if converted is None else dict(converted)


def emit_record(record: Mapping[str, Any], fmt: str, *, out: TextIO | None = None) -> None:
    """Write one key/value record: aligned ``key  value`` lines, or one JSON object."""
    out = out or sys.stdout
    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    if fmt in ("json", "jsonl"):
        out.write(json.dumps(jsonable(data_row(record)), ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(out)
        writer.writerow(["field", "value"])
        for key, value in data_row(record).items():
            writer.writerow([key, _cell(value)])
        return
    from mixxx_peewee.cli.table import cell_text
    from mixxx_peewee.cli.table import display_width

    width = max((display_width(k) for k in record), default=0)
    for key, value in record.items():
        pad = " " * (width - display_width(key))
        out.write(f"{key}{pad}  {cell_text(key, value, record)}".rstrip() + "\n")


def track_row(track: Mapping[str, Any]) -> dict[str, Any]:
    """A track dict for output: Mixxx's column names, ``location`` as the path, no blobs."""
    for blob in BLOB_COLUMNS:
        if blob in track:
            return {k: v for k, v in track.items() if k not in BLOB_COLUMNS}
    # Read without them (see listing_columns): nothing to drop.
    return track if isinstance(track, dict) else dict(track)


# What get_playlist_tracks sets on its Track models besides their fields.
_ENTRY_ATTRIBUTES = ("position", "pl_datetime_added", "entry_id")
_LOCATION_KEYS = ("location", "filename", "directory", "filesize", "fs_deleted")


def track_records(tracks: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """``Track`` models (location joined) as the dicts track listings print.

    The keys of :func:`~mixxx_peewee.tracks.iter_tracks` (the file's ``library`` columns,
    ``location_id``, the location's columns), then ``position``, ``pl_datetime_added``,
    ``entry_id`` when the model carries them; values as the file stores them, so a
    playlist prints exactly as ``tracks list`` does. A bare track (no row) has only ``id``.
    """
    from mixxx_peewee.core.fields import MixxxDateTimeField
    from mixxx_peewee.core.fields import SampleField
    from mixxx_peewee.library import current_library
    from mixxx_peewee.models import Track

    live = current_library().schema.live.get("library", {})
    # SQLite stores a whole REAL in an INTEGER (or NUMERIC) column as an integer.
    integer = {name for name, c in live.items() if c.affinity in ("INTEGER", "NUMERIC")}
    fields = [
        (
            f.name,
            f.column_name,
            f.db_value if isinstance(f, MixxxDateTimeField) else None,
            isinstance(f, SampleField) and f.column_name in integer,
        )
        for f in Track._meta.sorted_fields
        if f.name != "location"
    ]
    for track in tracks:
        data = track.__data__
        record: dict[str, Any] = {}
        for name, column, stored, whole_as_int in fields:
            if name not in data:
                continue
            value = data[name]
            if stored is not None and value is not None:
                value = stored(value)
            elif whole_as_int and isinstance(value, float) and value.is_integer():
                value = int(value) if -(2**63) <= value < 2**63 else value
            record[column] = value
        location = track.__rel__.get("location")
        if location is not None:
            record["location_id"] = location.id
            record.update((key, getattr(location, key)) for key in _LOCATION_KEYS)
        for key in _ENTRY_ATTRIBUTES:
            if key in track.__dict__:
                value = track.__dict__[key]
                record[key] = value.raw if getattr(value, "raw", None) is not None else value
        yield record


def stream_tracks(
    fmt: str,
    columns: str | None,
    *,
    extra: Sequence[str] = (),
    data_extra: Sequence[str] | None = None,
    **query: Any,
) -> int:
    """``iter_tracks(**query)`` printed in ``fmt``, reading only what it shows: the one
    path of every track listing (``tracks list/search``, ``playlists/crates show``).

    ``columns``: the ``--columns`` text; ``extra``: columns that lead the table's default
    ones (a playlist's ``position``); ``data_extra``: those that lead the data formats'
    (default: ``extra``).
    """
    from mixxx_peewee.tracks.reads import iter_tracks

    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    shown = listing_columns(fmt, columns)
    if fmt not in ("ids", "m3u8"):
        # --columns still leads with ``extra`` (a playlist entry's position).
        lead = extra if fmt == "table" or data_extra is None or columns else data_extra
        shown = [*lead, *(c for c in shown if c not in lead)]
    if columns is None:
        return emit_tracks(iter_tracks(columns=shown, **query), fmt, extra=extra)
    # A table reads what its summary and cells need, shown or not: every track's duration
    # (the summary line adds them up) and, for the main cue as a time, the sample rate.
    needed = [*shown]
    if fmt == "table":
        needed += [c for c in ("duration",) if c not in shown]
        if "cuepoint" in shown and "samplerate" not in shown:
            needed.append("samplerate")
    return emit_tracks(iter_tracks(columns=needed, **query), fmt, columns=shown)


def listing_columns(fmt: str, requested: str | None = None) -> list[str]:
    """The :func:`~mixxx_peewee.tracks.reads.iter_tracks` columns a track listing in ``fmt``
    shows (``requested``: the ``--columns`` text, comma-separated): only those are read."""
    from mixxx_peewee.tracks.reads import track_columns

    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    if requested is not None:
        if fmt in ("ids", "m3u8"):
            raise ValidationError(f"--columns does not apply to the {fmt} format")
        names = [n.strip() for n in requested.split(",") if n.strip()]
        if not names:
            raise ValidationError("--columns names no column")
        return names
    available = track_columns()
    if fmt == "table":
        # key_id: the key column is shown in the chosen notation (see data_row).
        return [c for c in (*TRACK_TABLE_COLUMNS, "key_id") if c in available]
    if fmt == "ids":
        return ["id"]
    if fmt == "m3u8":
        return ["location", "artist", "title", "duration"]
    return [c for c in available if c not in BLOB_COLUMNS]


def emit_tracks(
    tracks: Iterable[Mapping[str, Any]],
    fmt: str,
    *,
    out: TextIO | None = None,
    extra: Sequence[str] = (),
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> int:
    """Write track dicts in ``fmt``; ``extra`` columns (``position``, ``reason``) lead the table.

    CSV has every column of the first track; the table a readable few, streamed, ending
    with a summary line (tracks, total duration) when ``out`` is a terminal.
    ``columns``: the columns shown (``--columns``), blobs included if asked for; rows may
    carry more (the duration the summary line adds up).
    """
    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    rows: Iterator[Mapping[str, Any]]
    rows = (track_row(t) for t in tracks) if columns is None else iter(tracks)
    if fmt == "table":
        totals = _Totals(rows)
        table = TRACK_TABLE_COLUMNS if columns is None else columns
        count = emit_rows(totals, fmt, [*extra, *table], out=out, title=title)
        out = out or sys.stdout
        if _is_terminal(out):
            out.write(totals.summary() + "\n")
        return count
    if fmt == "csv":
        first = next(rows, None)
        if first is None:
            return emit_rows([], fmt, [*extra, *TRACK_TABLE_COLUMNS], out=out)
        columns = [*extra, *(c for c in first if c not in extra)]
        return emit_rows(_chain(first, rows), fmt, columns, out=out)
    return emit_rows(rows, fmt, [], out=out)


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


class _Totals:
    """Passes track rows through, counting them and adding up their durations."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._rows = rows
        self.count = 0
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self._rows:
            self.count += 1
            seconds = row.get("duration")
            if isinstance(seconds, (int, float)) and seconds > 0:
                self.seconds += seconds
            yield row

    def summary(self) -> str:
        """``1,234 tracks, 85:12:03``: what a listing ends with on a terminal."""
        return summary_line(self.count, self.seconds)


def summary_line(tracks: int, seconds: float, *lead: str) -> str:
    """``1,234 tracks, 85:12:03`` (after ``lead``: ``8 crates``): the last line of a table
    of tracks, playlists or crates on a terminal."""
    from mixxx_peewee.cli.display import format_duration
    from mixxx_peewee.core.results import plural

    return ", ".join([*lead, plural(tracks, "track"), format_duration(seconds) or "0:00"])


def _chain(
    first: Mapping[str, Any], rest: Iterable[Mapping[str, Any]]
) -> Iterable[Mapping[str, Any]]:
    yield first
    yield from rest
