"""``diff`` and ``snapshot``: what changed between two states of a library."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import typer

from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.diff.result import cue_name

if TYPE_CHECKING:
    from mixxx_peewee.diff.result import LibraryDiff

__all__ = ["register"]

PARTS = ("tracks", "cues", "crates", "playlists")
# Data formats: one column per key a row of LibraryDiff.rows() may have.
CSV_COLUMNS = ["table", "kind", "id", "name", "track_id", "location", "field", "old", "new",
               "tracks"]  # fmt: skip
# The table format: the columns each part shows.
_TABLE_COLUMNS = {
    "tracks": ["kind", "id", "location"],
    "track fields": ["id", "field", "old", "new", "location"],
    "cues": ["kind", "track_id", "name", "field", "old", "new", "location"],
    "crates": ["kind", "id", "name", "track_id", "old", "new", "tracks"],
    "playlists": ["kind", "id", "name", "track_id", "old", "new", "tracks"],
}


def _parts(only: str | None) -> tuple[str, ...]:
    if only is None:
        return PARTS
    chosen = tuple(p.strip().lower() for p in only.split(",") if p.strip())
    unknown = [p for p in chosen if p not in PARTS]
    if unknown or not chosen:
        raise typer.BadParameter(
            f"must be one or more of {', '.join(PARTS)} (comma-separated)", param_hint="--only"
        )
    return tuple(p for p in PARTS if p in chosen)


def diff(
    ctx: typer.Context,
    other: Path = typer.Argument(
        ..., help="The older state: a backup or copy of a library, or a snapshot."
    ),
    fmt: ListFormat = LIST_FORMAT,
    only: str | None = typer.Option(
        None,
        "--only",
        metavar="PARTS",
        help="Only these parts, comma-separated: tracks, cues, crates, playlists.",
    ),
) -> None:
    """What changed from OTHER (a backup or snapshot) to the library; exit 0 either way.

    Tracks added, removed, hidden and unhidden; per track the fields that changed (tags,
    BPM and key, the beat grid and key map, rating, colour, play counts, path, crates);
    cues added, moved or removed; crates and playlists added, removed, renamed, their
    tracks added or removed, a playlist's order. Nothing is written to either file.
    --format ids prints the ids of the tracks that changed (not removed ones); json the
    whole diff, jsonl and csv one row per change. The exit status is 0 whether or not there
    are differences (1 only on an error).

    Typical: `snapshot state.sqlite` now and `diff state.sqlite` later, or a diff against
    one of the daily backups (`backup --list`) to see what changed since.

    Example: mixxx-peewee diff mixxxdb.sqlite --only crates
    """
    state: CliState = ctx.obj
    parts = _parts(only)
    state.open()
    from mixxx_peewee.diff.compare import diff_libraries

    result = diff_libraries(other, None)
    rows = [r for r in result.rows() if r["table"] in parts]
    if fmt == ListFormat.json:
        data = result.to_dict()
        for part in PARTS:
            if part not in parts:
                data.pop(part)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt == ListFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == ListFormat.csv:
        from mixxx_peewee.cli.output import emit_rows

        emit_rows(({k: _csv_value(v) for k, v in r.items()} for r in rows), "csv", CSV_COLUMNS)
    elif fmt == ListFormat.ids:
        for track_id in sorted(_track_ids(rows)):
            sys.stdout.write(f"{track_id}\n")
    else:
        _print_table(result, rows, parts)


def _csv_value(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _track_ids(rows: Iterable[dict[str, Any]]) -> set[int]:
    """Tracks a diff's rows name, except removed ones (they are not in the library)."""
    ids = set()
    for row in rows:
        if row["table"] == "tracks":
            if row["kind"] != "removed":
                ids.add(row["id"])
        elif isinstance(row.get("track_id"), int) and row["table"] == "cues":
            ids.add(row["track_id"])
    return ids


def _summary(result: LibraryDiff, part: str) -> str:
    """``tracks: 3 added, 1 hidden, 12 changed``: the counts of one part."""
    if part == "tracks":
        counts = [
            (len(result.tracks_added), "added"),
            (len(result.tracks_removed), "removed"),
            (len(result.tracks_hidden), "hidden"),
            (len(result.tracks_unhidden), "unhidden"),
            (len(result.track_changes), "changed"),
        ]
    elif part == "cues":
        changes = result.cue_changes
        counts = [
            (sum(len(c.added) for c in changes), "added"),
            (sum(len(c.removed) for c in changes), "removed"),
            (sum(len(c.changed) for c in changes), "changed"),
        ]
        if changes:
            counts.append((len(changes), "tracks" if len(changes) != 1 else "track"))
    else:
        collections = result.crates if part == "crates" else result.playlists
        counts = [
            (len(collections.added), "added"),
            (len(collections.removed), "removed"),
            (len(collections.renamed), "renamed"),
            (len(collections.membership), "with tracks changed"),
        ]
    shown = [f"{n:,} {what}" for n, what in counts if n]
    return f"{part}: {', '.join(shown) if shown else 'no changes'}"


def _print_table(result: LibraryDiff, rows: list[dict[str, Any]], parts: tuple[str, ...]) -> None:
    """Counts first, then one table per part that changed."""
    from mixxx_peewee.cli.output import emit_rows

    typer.echo(f"old: {result.old}")
    typer.echo(f"new: {result.new}")
    for part in parts:
        typer.echo(_summary(result, part))
    if not rows:
        typer.echo("no differences")
        return
    for part in parts:
        shown = [_readable(r) for r in rows if r["table"] == part]
        # Tracks added, removed, hidden apart from field changes: each table sizes its
        # columns from its first rows.
        tables = [(part, shown)]
        if part == "tracks":
            tables = [
                ("tracks", [r for r in shown if r["kind"] != "changed"]),
                ("track fields", [r for r in shown if r["kind"] == "changed"]),
            ]
        for title, table in tables:
            if table:
                typer.echo("")
                emit_rows(table, "table", _TABLE_COLUMNS[title], title=title)


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the diff with its old and new values as short text."""
    shown = dict(row)
    clock = row.get("table") == "cues" and row.get("field") in ("position", "length")
    for key in ("old", "new"):
        if key in shown:
            value = shown[key]
            shown[key] = _clock(value) if clock else _text(value)
    if "id" in shown and shown.get("table") == "cues":
        shown.pop("id")
    return shown


def _clock(seconds: Any) -> str:
    from mixxx_peewee.tracks.cues import clock_text

    return clock_text(seconds) if isinstance(seconds, (int, float)) else _text(seconds)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return " ".join(_cue_words(value))
    return str(value)


def _cue_words(cue: dict[str, Any]) -> Iterator[str]:
    """``hotcue 2 at 1:35.500 "Drop" #FF8C00``: a cue as a line of the table."""
    from mixxx_peewee.tracks.cues import clock_text

    yield cue_name(cue)
    position = cue.get("position")
    if isinstance(position, (int, float)):
        yield f"at {clock_text(position)}"
    elif cue.get("position_samples") is not None:
        yield f"at sample {cue['position_samples']}"
    if cue.get("label"):
        yield json.dumps(cue["label"], ensure_ascii=False)
    if cue.get("color"):
        yield str(cue["color"])


def snapshot(
    ctx: typer.Context,
    dest: Path = typer.Argument(
        ..., help="The snapshot file to write (an older snapshot there is replaced)."
    ),
) -> None:
    """Save the library's compact state for a later `diff` (a fraction of a backup's size).

    What a diff compares, without the large blobs (grids, waveforms, cover art): written to
    a temporary file and renamed into place. Refuses to replace a file that is no snapshot.
    Compare later with: mixxx-peewee diff DEST

    Example: mixxx-peewee snapshot state.sqlite
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.diff.snapshots import save_snapshot

    typer.echo(str(save_snapshot(dest)))


def register(app: typer.Typer) -> None:
    """Add ``diff`` and ``snapshot`` to the root command."""
    app.command("diff")(diff)
    app.command("snapshot")(snapshot)
