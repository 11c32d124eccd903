"""Output formats shared by every listing: table, json, jsonl, csv, ids (and m3u8 for tracks).

Only data goes to stdout. JSON is plain ``json.dumps`` (never wrapped or coloured);
tables fit the terminal with rich, which loads only when a table is printed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import enum
import json
import sys
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TextIO

__all__ = ["FORMATS", "OutputFormat", "emit_record", "emit_rows", "jsonable"]


class OutputFormat(enum.StrEnum):
    """Listing formats."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"
    m3u8 = "m3u8"


FORMATS = [f.value for f in OutputFormat]


def jsonable(value: Any) -> Any:
    """A value ``json.dumps`` accepts: datetimes as ISO text, bytes as base64."""
    if isinstance(value, dt.datetime):
        raw = getattr(value, "raw", None)
        return raw if raw is not None else value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
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

    Returns the number of rows written. Streams for json lines, csv and ids.
    """
    out = out or sys.stdout
    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    count = 0
    if fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n" + json.dumps(jsonable(row), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(jsonable(row), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
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
        out.write("#EXTM3U\n")
        for row in rows:
            duration = row.get("duration")
            seconds = round(duration) if isinstance(duration, (int, float)) else -1
            artist, name = row.get("artist") or "", row.get("title") or ""
            label = f"{artist} - {name}" if artist else name
            out.write(f"#EXTINF:{seconds},{label}\n{row['location']}\n")
            count += 1
    else:
        count = _table(rows, columns, out, title)
    out.flush()
    return count


def _table(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: TextIO, title: str | None
) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
        count += 1
    Console(file=out, soft_wrap=False).print(table)
    return count


def emit_record(record: Mapping[str, Any], fmt: str, *, out: TextIO | None = None) -> None:
    """Write one key/value record: a two-column table, or one JSON object."""
    out = out or sys.stdout
    fmt = fmt.value if isinstance(fmt, enum.Enum) else fmt
    if fmt in ("json", "jsonl"):
        out.write(json.dumps(jsonable(record), ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(["field", "value"])
        for key, value in record.items():
            writer.writerow([key, _cell(value)])
        return
    width = max((len(k) for k in record), default=0)
    for key, value in record.items():
        out.write(f"{key.ljust(width)}  {_cell(value)}\n")
