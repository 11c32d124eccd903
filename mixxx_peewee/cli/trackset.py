"""What the ``playlists`` and ``crates`` command groups share: arguments, options, helpers.

A playlist and a crate differ only where Mixxx makes them differ: a playlist is ordered
(``move``, ``add --position``, ``remove --position``, repeats allowed) and has Auto DJ and
history kinds; a crate is a set. The two groups (:mod:`~mixxx_peewee.cli.playlists`,
:mod:`~mixxx_peewee.cli.crates`) share their arguments and the formatting of listing,
exporting and importing; the library does the work (``trackset.exchange``,
``trackset.filling``). Library modules are imported inside the commands: ``--help`` stays
fast.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.errors import CrateNotFoundError
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import PlaylistNotFoundError

__all__ = [
    "ALLOW_DIGITS",
    "CRATE_ARG",
    "EXPORT_FORMAT",
    "EXPORT_OUTPUT",
    "EXPORT_OVERWRITE",
    "EXPORT_RELATIVE",
    "IMPORT_APPEND",
    "IMPORT_FILE",
    "IMPORT_REPLACE",
    "IMPORT_STRICT",
    "PLAYLIST_ARG",
    "TRACKS_ARG",
    "ExportFormat",
    "emit_listing",
    "existing_mode",
    "export_tracks",
    "import_file",
    "relabel",
    "track_ids",
]

_MISSING_SHOWN = 20  # entries not in the library listed one by one, then a count


class ExportFormat(enum.StrEnum):
    """Formats of an exported playlist or crate."""

    m3u8 = "m3u8"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    ids = "ids"


_SUFFIX_FORMATS = {".m3u": "m3u8", ".m3u8": "m3u8", ".csv": "csv", ".json": "json",
                   ".jsonl": "jsonl", ".txt": "ids"}  # fmt: skip


def _checked_id(text: str, error: type[NotFoundError], what: str) -> str:
    # An id SQLite cannot store names no row: say so instead of overflowing.
    if text.isascii() and text.isdigit() and not is_row_id(int(text)):
        raise error(f"no {what} {text!r}")
    return text


def _checked_playlist(text: str) -> str:
    return _checked_id(text, PlaylistNotFoundError, "playlist")


def _checked_crate(text: str) -> str:
    return _checked_id(text, CrateNotFoundError, "crate")


PLAYLIST_ARG = typer.Argument(
    ..., metavar="PLAYLIST", help="Playlist id or exact name.", callback=_checked_playlist
)
CRATE_ARG = typer.Argument(
    ..., metavar="CRATE", help="Crate id or exact name.", callback=_checked_crate
)
TRACKS_ARG = typer.Argument(
    None, metavar="TRACK...", help="Track ids or file paths; '-' reads them from stdin."
)
EXPORT_OUTPUT = typer.Option(None, "--output", "-o", help="File to write (default: stdout).")
EXPORT_FORMAT = typer.Option(
    None, "--format", "-f", help="Format (default: from the file name, else m3u8)."
)
EXPORT_RELATIVE = typer.Option(
    False, "--relative", help="M3U8 paths relative to the output file's folder."
)
EXPORT_OVERWRITE = typer.Option(
    False, "--overwrite", help="Overwrite the output file if it exists."
)
IMPORT_FILE = typer.Argument(..., help="The playlist file (.m3u or .m3u8).")
IMPORT_APPEND = typer.Option(False, "--append", help="Into an existing one: add the file's tracks.")
IMPORT_REPLACE = typer.Option(
    False, "--replace", help="Into an existing one: make it hold exactly the file's tracks."
)
ALLOW_DIGITS = typer.Option(
    False, "--allow-digits", help="Accept a name of digits only (commands read digits as an id)."
)
IMPORT_STRICT = typer.Option(
    False, "--strict", help="Fail (writing nothing) if any entry is not in the library."
)


def existing_mode(append: bool, replace: bool) -> Any:
    """What ``--append`` / ``--replace`` say to do with an existing target (``existing=``)."""
    if append and replace:
        raise typer.BadParameter("give --append or --replace, not both")
    return "append" if append else "replace" if replace else "refuse"


def relabel(result: Any, fill_label: str, label: str) -> Any:
    """``result`` with the operation ``label`` when the fill labelled it ``fill_label`` (a
    create by ``add --create`` reads ``add playlist: created 1, added 2``)."""
    if result.operation == fill_label:
        result.operation = label
    return result


def emit_listing(
    rows: list[dict[str, Any]], fmt: ListFormat, columns: list[str], noun: str
) -> None:
    """The playlists or crates; on a terminal the table ends with ``8 crates, 121 tracks,
    11:12:59`` as track listings end with their totals."""
    from mixxx_peewee.cli.output import emit_rows

    columns = [*columns, "tracks", "duration", "locked"]
    if fmt == ListFormat.table:
        # Shown by the table's column rules: duration h:mm:ss, locked "yes".
        rows = [{**r, "tracks": r["track_count"]} for r in rows]
    elif fmt == ListFormat.csv:
        columns = list(rows[0]) if rows else columns
    emit_rows(rows, fmt, columns)
    if fmt == ListFormat.table and sys.stdout.isatty():
        from mixxx_peewee.cli.output import summary_line
        from mixxx_peewee.core.results import plural

        tracks = sum(r["track_count"] or 0 for r in rows)
        seconds = sum(r["duration"] or 0 for r in rows)
        typer.echo(summary_line(tracks, seconds, plural(len(rows), noun)))


def track_ids(state: CliState, tracks: list[str]) -> list[int]:
    """The track ids the command-line words name (``-`` reads stdin), the library open."""
    state.open()
    from mixxx_peewee.cli.resolve import track_ids as resolved

    return resolved(tracks)


def export_tracks(
    state: CliState,
    target: dict[str, str],
    output: Path | None,
    fmt: ExportFormat | None,
    relative: bool,
    extra: tuple[str, ...],
    overwrite: bool = False,
) -> None:
    """Write the playlist or crate ``target`` (``{"playlist": …}`` or ``{"crate": …}``) in
    ``fmt`` (default: from the file name): M3U8 by ``export_m3u``, the rest as listings."""
    from mixxx_peewee.errors import ValidationError

    state.open()
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.trackset.exchange import export_m3u
    from mixxx_peewee.trackset.exchange import refuse_existing

    chosen = fmt.value if fmt is not None else None
    to_file = output is not None and str(output) != "-"
    if to_file and chosen is None:
        assert output is not None
        suffix = output.suffix.lower()
        if suffix == ".pls":
            raise ValidationError(f"{output}: PLS is not supported; write .m3u8 (or .m3u)")
        chosen = _SUFFIX_FORMATS.get(suffix)
        if chosen is None:
            raise ValidationError(
                f"{output}: no format for {suffix or 'a name without extension'!r}; use "
                ".m3u8, .m3u, .csv, .json, .jsonl or .txt, or give --format"
            )
    if to_file:
        assert output is not None
        refuse_existing(output, overwrite)
    chosen = chosen or "m3u8"
    if chosen == "m3u8":
        done = export_m3u(output if to_file else sys.stdout, **target, relative=relative,  # type: ignore[arg-type]
                          overwrite=True)  # fmt: skip
        written, left_out, ascii_only = done.written, done.left_out, done.ascii
    else:
        written, left_out = _export_listing(target, output if to_file else None, chosen, extra)
        ascii_only = True
    if left_out:
        # A track without a location row has no path to write: say so, never drop it silently.
        state.note(f"note: {plural(left_out, 'track')} without a file path left out")
    if to_file:
        assert output is not None
        state.note(f"exported {plural(written, 'track')} to {output}")
        if chosen == "m3u8" and output.suffix.lower() == ".m3u" and not ascii_only:
            # .m3u has no agreed encoding: Mixxx and most players read UTF-8 when the
            # bytes are UTF-8, older Windows players assume Windows-1252.
            state.note(
                f"note: {output} is written in UTF-8 (as Mixxx reads it); a player that "
                "assumes Windows-1252 for .m3u shows its accents wrongly: .m3u8 says UTF-8"
            )


def _export_listing(
    target: dict[str, str], output: Path | None, fmt: str, extra: tuple[str, ...]
) -> tuple[int, int]:
    """Write the target's tracks as a listing (CSV, JSON, JSONL, ids); (written, left out)."""
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.cli.output import track_records
    from mixxx_peewee.trackset.crates import get_crate_tracks
    from mixxx_peewee.trackset.exchange import write_file_atomically
    from mixxx_peewee.trackset.playlists import get_playlist_tracks

    if "playlist" in target:
        listed = get_playlist_tracks(target["playlist"])
    else:
        listed = get_crate_tracks(target["crate"])
    rows = list(track_records(t for t in listed if t.path is not None))
    if output is None:
        emit_tracks(rows, fmt, out=sys.stdout, extra=extra)
    else:
        write_file_atomically(output, lambda out: emit_tracks(rows, fmt, out=out, extra=extra))
    return len(rows), len(listed) - len(rows)


def import_file(
    state: CliState,
    file: Path,
    name: str | None,
    run: Callable[[Any, str, bool], Any],
    dry_run: bool,
    as_json: bool,
) -> None:
    """Match the file's entries with the library, then write ``run(matched, target, dry)``
    (an ``import_m3u``), then list the entries not in the library."""
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.trackset.m3u import match_entries
    from mixxx_peewee.trackset.m3u import read_m3u

    entries = read_m3u(file)  # a bad file fails before the library is opened
    state.open()
    progress = state.progress(entries, total=len(entries), label="matching")
    matched = match_entries(progress, path=file)
    target = name if name is not None else file.stem
    # Refusals (--strict, an existing target without --append/--replace) come before any note.
    state.write(lambda dry: run(matched, target, dry), dry_run=dry_run, as_json=as_json)
    shown = matched.missing[:_MISSING_SHOWN]
    for entry in shown:
        state.note(f"not in library: {file}: {entry}")
    if len(matched.missing) > len(shown):
        state.note(f"… and {len(matched.missing) - len(shown):,} more not in the library")
    if matched.missing and not as_json:
        state.note(
            f"{len(matched.missing):,} of {plural(len(entries), 'entry')} not in the library"
        )
