"""``playlists`` and ``crates``: one module-level function per command.

A playlist and a crate differ only where Mixxx makes them differ: a playlist is ordered
(``move``, ``add --position``, ``remove --position``, repeats allowed) and has Auto DJ and
history kinds; a crate is a set. The two groups share their arguments and helpers
(listing, showing, writing, exporting, importing); each command calls its own library
function. Library modules are imported inside the commands: ``--help`` stays fast.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from mixxx_peewee.cli.options import COLUMNS
from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIMIT
from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import SORT_DESC
from mixxx_peewee.cli.options import TRACK_FORMAT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.options import TrackFormat
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.errors import CrateNotFoundError
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import PlaylistNotFoundError

__all__ = ["crates_app", "playlists_app", "register"]

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
_OTHER_PLAYLIST_FORMATS = {".pls", ".xspf", ".wpl", ".asx"}  # read as M3U they would be junk
_ENTRY_COLUMNS = ("position",)  # what a playlist's track listings lead with

playlists_app = typer.Typer(
    help="List, show and change playlists; export and import them as M3U8.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
crates_app = typer.Typer(
    help="List, show and change crates; export and import them as M3U8.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add ``playlists`` and ``crates`` to the root command."""
    app.add_typer(playlists_app, name="playlists")
    app.add_typer(crates_app, name="crates")


# --- arguments and options both groups share -------------------------------------------


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
HISTORY = typer.Option(False, "--force-history", help="Allow changing a history playlist.")
# Crate commands accept (and ignore) the playlist-only options, hidden, as they always have.
NO_HISTORY = typer.Option(
    False, "--force-history", help="Allow changing a history playlist.", hidden=True
)
LIST_ALL_HIDDEN = typer.Option(
    False, "--all", "-a", help="Also Auto DJ and history playlists.", hidden=True
)
ADD_POSITION_HIDDEN = typer.Option(
    None, "--position", "-p", help="Insert at this 1-based position (default: append).",
    hidden=True,
)  # fmt: skip
REMOVE_POSITION_HIDDEN = typer.Option(
    None, "--position", "-p", help="Remove the entry at this position (repeatable).", hidden=True
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


def _import_mode(append: bool, replace: bool) -> str | None:
    if append and replace:
        raise typer.BadParameter("give --append or --replace, not both")
    return "append" if append else "replace" if replace else None


ALLOW_DIGITS = typer.Option(
    False, "--allow-digits", help="Accept a name of digits only (commands read digits as an id)."
)
IMPORT_STRICT = typer.Option(
    False, "--strict", help="Fail (writing nothing) if any entry is not in the library."
)


# --- helpers both groups share ---------------------------------------------------------


def _emit_listing(
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


def _merge(results: list[Any], operation: str, dry_run: bool) -> Any:
    from mixxx_peewee.core.results import WriteResult

    merged = WriteResult(operation, dry_run=dry_run)
    for result in results:
        merged.changes += result.changes
        merged.unchanged += result.unchanged
        merged.notes += [n for n in result.notes if n not in merged.notes]
        for key, value in result.counts.items():
            merged.count(key, value)
    return merged


def _track_ids(state: CliState, tracks: list[str]) -> list[int]:
    state.open()
    from mixxx_peewee.cli.resolve import track_ids

    return track_ids(tracks)


def _fill(
    target: str,
    ids: list[int],
    label: str,
    find: Callable[[str], Any],
    add: Callable[..., Any],
    create: Callable[..., Any],
    replace: Callable[..., Any],
    mode: str | None,
    allow_digits: bool = False,
) -> Callable[[bool], Any]:
    """The operation filling ``target`` with ``ids``: creating it when it is missing;
    when it exists, ``mode`` "append" adds them, "replace" makes it exactly them, and no
    mode is refused (one library call, one transaction: a failure leaves nothing behind)."""
    from mixxx_peewee.errors import ValidationError

    try:
        existing: Any = find(target)
    except NotFoundError:
        existing = None
    if existing is not None and mode is None:
        raise ValidationError(
            f"{existing.name!r} (id {existing.id}) exists already: --append adds the file's "
            "tracks to it, --replace makes it hold exactly the file's tracks"
        )

    def operation(dry: bool) -> Any:
        if existing is None:
            result = create(target, ids, dry_run=dry, allow_digits=allow_digits)
            if not dry:
                result.operation = label
            return result
        if mode == "replace":
            return replace(existing.id, ids, dry_run=dry)
        if not ids:
            return _merge([], label, dry)
        return add(existing.id, ids, dry_run=dry)

    return operation


def _write_target(path: Path, write: Any) -> None:
    """Write a file through a temporary beside it: an error leaves no half-written file."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write(out)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _export(
    state: CliState,
    tracks: Callable[[], list[Any]],
    output: Path | None,
    fmt: ExportFormat | None,
    relative: bool,
    extra: tuple[str, ...],
    overwrite: bool = False,
) -> None:
    from mixxx_peewee.errors import ValidationError

    state.open()
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.cli.output import track_records
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.trackset.m3u import write_m3u8

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
    if to_file and not overwrite:
        assert output is not None
        if output.exists() or output.is_symlink():
            raise ValidationError(f"{output} exists already; --overwrite replaces it")
    chosen = chosen or "m3u8"
    listed = tracks()
    rows = list(track_records(t for t in listed if t.path is not None))
    if len(rows) < len(listed):
        # A track without a location row has no path to write: say so, never drop it silently.
        state.note(f"note: {plural(len(listed) - len(rows), 'track')} without a file path left out")

    def write(out: Any) -> int:
        if chosen == "m3u8":
            base = output.absolute().parent if output is not None else Path.cwd()
            return write_m3u8(rows, out, relative_to=base if relative else None)
        return emit_tracks(rows, chosen, out=out, extra=extra)

    if output is None or str(output) == "-":
        write(sys.stdout)
    else:
        _write_target(output, write)
        state.note(f"exported {plural(len(rows), 'track')} to {output}")
        if chosen == "m3u8" and output.suffix.lower() == ".m3u" and not _ascii(rows):
            # .m3u has no agreed encoding: Mixxx and most players read UTF-8 when the
            # bytes are UTF-8, older Windows players assume Windows-1252.
            state.note(
                f"note: {output} is written in UTF-8 (as Mixxx reads it); a player that "
                "assumes Windows-1252 for .m3u shows its accents wrongly: .m3u8 says UTF-8"
            )


def _ascii(rows: list[dict[str, Any]]) -> bool:
    """Whether every path and #EXTINF text of ``rows`` is ASCII (the same in every encoding)."""
    keys = ("location", "artist", "title")
    return all(str(row.get(key) or "").isascii() for row in rows for key in keys)


def _import(
    state: CliState,
    file: Path,
    name: str | None,
    strict: bool,
    fill: Callable[[str, list[int]], Callable[[bool], Any]],
    dry_run: bool,
    as_json: bool,
) -> None:
    """Match the file's entries with the library, then run ``fill(name, ids)``."""
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.errors import ValidationError
    from mixxx_peewee.trackset.m3u import match_entries
    from mixxx_peewee.trackset.m3u import read_m3u

    if file.suffix.lower() in _OTHER_PLAYLIST_FORMATS:
        raise ValidationError(
            f"{file}: {file.suffix[1:].upper()} is not supported; import an .m3u8 or .m3u file"
        )
    entries = read_m3u(file)  # a bad file fails before the library is opened
    state.open()
    matched = match_entries(state.progress(entries, total=len(entries), label="matching"))
    if strict and matched.missing:
        raise ValidationError(
            f"{file}: {len(matched.missing):,} of {plural(len(entries), 'entry')} are not in "
            "the library; nothing imported (--strict)"
        )
    target = name if name is not None else file.stem
    # Refusals (an existing target without --append/--replace) come before any note.
    state.write(fill(target, matched.track_ids), dry_run=dry_run, as_json=as_json)
    shown = matched.missing[:_MISSING_SHOWN]
    for entry in shown:
        state.note(f"not in library: {file}: {entry}")
    if len(matched.missing) > len(shown):
        state.note(f"… and {len(matched.missing) - len(shown):,} more not in the library")
    if matched.missing and not as_json:
        state.note(
            f"{len(matched.missing):,} of {plural(len(entries), 'entry')} not in the library"
        )


# --- playlists -------------------------------------------------------------------------


@playlists_app.command("list", help="List playlists with their track counts.")
def playlists_list(
    ctx: typer.Context,
    include_all: bool = typer.Option(
        False, "--all", "-a", help="Also Auto DJ and history playlists."
    ),
    fmt: ListFormat = LIST_FORMAT,
) -> None:
    """Example: mixxx-peewee playlists list --all --format json"""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.trackset.playlists import list_playlists

    _emit_listing(
        list_playlists(include_hidden=include_all), fmt, ["id", "name", "kind"], "playlist"
    )


@playlists_app.command("show", help="The tracks of a playlist in order (streamed).")
def playlists_show(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    sort: str | None = typer.Option(
        None, "--sort", help="Sort by this track column (default: the playlist's order)."
    ),
    desc: bool = SORT_DESC,
    limit: int | None = LIMIT,
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = COLUMNS,
) -> None:
    """Every entry, hidden tracks too, with its position; repeats as often as they are in it.

    Example: mixxx-peewee playlists show "Crowd pleasers" --sort bpm --limit 10
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import stream_tracks
    from mixxx_peewee.tracks.reads import ENTRY_COLUMNS
    from mixxx_peewee.trackset.playlists import get_playlist

    found = get_playlist(target)  # the one id-or-name rule, before any row is printed
    stream_tracks(fmt, columns, extra=_ENTRY_COLUMNS, data_extra=ENTRY_COLUMNS,
                  playlist=found.id, hidden=None, sort=sort, descending=desc,
                  limit=limit)  # fmt: skip


@playlists_app.command("create", help="Create an empty playlist; prints its new id.")
def playlists_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Name of the new playlist."),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists create "Friday" """
    from mixxx_peewee.trackset.playlists import create_playlist

    state: CliState = ctx.obj
    result = state.write(
        lambda dry: create_playlist(name, dry_run=dry, allow_digits=allow_digits),
        dry_run=dry_run,
        as_json=as_json,
    )
    if not dry_run and not as_json:
        typer.echo(result.value)


@playlists_app.command("rename", help="Rename a playlist.")
def playlists_rename(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    new_name: str = typer.Argument(..., help="The new name."),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists rename "Friday" "Friday warm-up" """
    from mixxx_peewee.trackset.playlists import rename_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: rename_playlist(
            target, new_name, dry_run=dry, force_history=history, allow_digits=allow_digits
        ),
        dry_run=dry_run,
        as_json=as_json,
    )


@playlists_app.command("delete", help="Delete a playlist and its entries (asks first).")
def playlists_delete(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists delete "Friday" --yes"""
    from mixxx_peewee.trackset.playlists import delete_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: delete_playlist(target, dry_run=dry, force_history=history),
        dry_run=dry_run,
        confirm=f"Delete playlist {target!r}?",
        yes=yes,
        as_json=as_json,
    )


@playlists_app.command("clear", help="Remove every track from a playlist (asks first).")
def playlists_clear(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists clear "Friday" --yes"""
    from mixxx_peewee.trackset.playlists import clear_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: clear_playlist(target, dry_run=dry, force_history=history),
        dry_run=dry_run,
        confirm=f"Remove every track from playlist {target!r}?",
        yes=yes,
        as_json=as_json,
    )


@playlists_app.command("add", help="Add tracks to a playlist ('-' reads ids or paths from stdin).")
def playlists_add(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    tracks: list[str] | None = TRACKS_ARG,
    position: int | None = typer.Option(
        None, "--position", "-p", help="Insert at this 1-based position (default: append)."
    ),
    create: bool = typer.Option(
        False, "--create", help="Create the playlist first when there is none of that name."
    ),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists add "Friday" 12 15 --position 1"""
    state: CliState = ctx.obj
    if not tracks:
        raise typer.BadParameter("give track ids or paths, or '-' to read them from stdin")
    ids = _track_ids(state, tracks)
    from mixxx_peewee.trackset import playlists

    def add(playlist: Any, track_ids: list[int], *, dry_run: bool) -> Any:
        return playlists.add_tracks_to_playlist(
            playlist, track_ids, position=position, force_history=history, dry_run=dry_run
        )

    if create:
        fill = _fill(target, ids, "add_playlist", playlists.get_playlist, add,
                     playlists.create_playlist, playlists.replace_playlist_tracks,
                     "append", allow_digits)  # fmt: skip
        state.write(fill, dry_run=dry_run, as_json=as_json)
        return
    state.write(lambda dry: add(target, ids, dry_run=dry), dry_run=dry_run, as_json=as_json)


@playlists_app.command("remove", help="Remove tracks from a playlist.")
def playlists_remove(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    tracks: list[str] | None = TRACKS_ARG,
    positions: list[int] | None = typer.Option(
        None, "--position", "-p", help="Remove the entry at this position (repeatable)."
    ),
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists remove "Friday" --position 3"""
    state: CliState = ctx.obj
    if not tracks and not positions:
        raise typer.BadParameter("give track ids or paths ('-' reads stdin), or --position")
    ids = _track_ids(state, tracks) if tracks else []
    from mixxx_peewee.trackset import playlists

    def operation(dry: bool) -> Any:
        # Every occurrence of a track goes, as in Mixxx's "remove from playlist"; one transaction.
        return playlists.remove_tracks_from_playlist(
            target, ids, positions=positions or [], dry_run=dry, force_history=history
        )

    state.write(operation, dry_run=dry_run, as_json=as_json)


@playlists_app.command("move", help="Move the entry at one position to another.")
def playlists_move(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    from_position: int = typer.Argument(..., help="Current 1-based position."),
    to_position: int = typer.Argument(..., help="New 1-based position."),
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists move "Friday" 7 1"""
    from mixxx_peewee.trackset.playlists import move_playlist_track

    state: CliState = ctx.obj
    state.write(
        lambda dry: move_playlist_track(
            target, from_position, to_position, dry_run=dry, force_history=history
        ),
        dry_run=dry_run,
        as_json=as_json,
    )


@playlists_app.command("export", help="Write a playlist's tracks as M3U8, CSV, JSON or ids.")
def playlists_export(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    output: Path | None = EXPORT_OUTPUT,
    fmt: ExportFormat | None = EXPORT_FORMAT,
    relative: bool = EXPORT_RELATIVE,
    overwrite: bool = EXPORT_OVERWRITE,
) -> None:
    """Example: mixxx-peewee playlists export "Friday" -o friday.m3u8 --relative"""
    from mixxx_peewee.trackset.playlists import get_playlist_tracks

    state: CliState = ctx.obj
    _export(
        state, lambda: get_playlist_tracks(target), output, fmt, relative, _ENTRY_COLUMNS, overwrite
    )


@playlists_app.command(
    "import",
    help="Read an M3U/M3U8 file into a new playlist, or an existing one with --append/--replace.",
)
def playlists_import(
    ctx: typer.Context,
    file: Path = IMPORT_FILE,
    name: str | None = typer.Option(
        None, "--name", "--to", help="Playlist to fill (default: the file name)."
    ),
    append: bool = IMPORT_APPEND,
    replace_all: bool = IMPORT_REPLACE,
    strict: bool = IMPORT_STRICT,
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists import friday.m3u8 --to "Friday" --replace"""
    from mixxx_peewee.trackset import playlists

    def add(playlist: Any, track_ids: list[int], *, dry_run: bool) -> Any:
        return playlists.add_tracks_to_playlist(
            playlist, track_ids, force_history=history, dry_run=dry_run
        )

    def replace(playlist: Any, track_ids: list[int], *, dry_run: bool) -> Any:
        return playlists.replace_playlist_tracks(
            playlist, track_ids, force_history=history, dry_run=dry_run
        )

    mode = _import_mode(append, replace_all)

    def fill(target: str, ids: list[int]) -> Callable[[bool], Any]:
        return _fill(target, ids, "import_playlist", playlists.get_playlist, add,
                     playlists.create_playlist, replace, mode, allow_digits)  # fmt: skip

    _import(ctx.obj, file, name, strict, fill, dry_run, as_json)


# --- crates ----------------------------------------------------------------------------


@crates_app.command("list", help="List crates with their track counts.")
def crates_list(
    ctx: typer.Context, include_all: bool = LIST_ALL_HIDDEN, fmt: ListFormat = LIST_FORMAT
) -> None:
    """Example: mixxx-peewee crates list --format csv"""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.trackset.crates import list_crates

    _emit_listing(list_crates(), fmt, ["id", "name"], "crate")


@crates_app.command("show", help="The tracks of a crate (streamed).")
def crates_show(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    sort: str | None = typer.Option(
        None, "--sort", help="Sort by this track column (default: id)."
    ),
    desc: bool = SORT_DESC,
    limit: int | None = LIMIT,
    include_hidden: bool = typer.Option(False, "--all", "-a", help="Hidden tracks too."),
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = COLUMNS,
) -> None:
    """The crate's tracks (hidden ones with --all), as export writes them.

    Example: mixxx-peewee crates show "Bangers" --sort bpm --desc --format ids
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import stream_tracks
    from mixxx_peewee.trackset.crates import get_crate

    found = get_crate(target)
    stream_tracks(fmt, columns, crate=found.id, hidden=None if include_hidden else False,
                  sort=sort, descending=desc, limit=limit)  # fmt: skip


@crates_app.command("create", help="Create an empty crate; prints its new id.")
def crates_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Name of the new crate."),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates create "Peak time" """
    from mixxx_peewee.trackset.crates import create_crate

    state: CliState = ctx.obj
    result = state.write(
        lambda dry: create_crate(name, dry_run=dry, allow_digits=allow_digits),
        dry_run=dry_run,
        as_json=as_json,
    )
    if not dry_run and not as_json:
        typer.echo(result.value)


@crates_app.command("rename", help="Rename a crate.")
def crates_rename(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    new_name: str = typer.Argument(..., help="The new name."),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates rename "Peak time" "Peak" """
    from mixxx_peewee.trackset.crates import rename_crate

    state: CliState = ctx.obj
    state.write(
        lambda dry: rename_crate(target, new_name, dry_run=dry, allow_digits=allow_digits),
        dry_run=dry_run,
        as_json=as_json,
    )


@crates_app.command("delete", help="Delete a crate and its entries (asks first).")
def crates_delete(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates delete "Peak" --yes"""
    from mixxx_peewee.trackset.crates import delete_crate

    state: CliState = ctx.obj
    state.write(
        lambda dry: delete_crate(target, dry_run=dry),
        dry_run=dry_run,
        confirm=f"Delete crate {target!r}?",
        yes=yes,
        as_json=as_json,
    )


@crates_app.command("clear", help="Remove every track from a crate (asks first).")
def crates_clear(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates clear "Peak" --yes"""
    from mixxx_peewee.trackset.crates import clear_crate

    state: CliState = ctx.obj
    state.write(
        lambda dry: clear_crate(target, dry_run=dry),
        dry_run=dry_run,
        confirm=f"Remove every track from crate {target!r}?",
        yes=yes,
        as_json=as_json,
    )


@crates_app.command("add", help="Add tracks to a crate ('-' reads ids or paths from stdin).")
def crates_add(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    tracks: list[str] | None = TRACKS_ARG,
    position: int | None = ADD_POSITION_HIDDEN,
    create: bool = typer.Option(
        False, "--create", help="Create the crate first when there is none of that name."
    ),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates add "Peak" 12 15 --create"""
    state: CliState = ctx.obj
    if not tracks:
        raise typer.BadParameter("give track ids or paths, or '-' to read them from stdin")
    ids = _track_ids(state, tracks)
    from mixxx_peewee.trackset import crates

    if create:
        fill = _fill(target, ids, "add_crate", crates.get_crate, crates.add_tracks_to_crate,
                     crates.create_crate, crates.replace_crate_tracks, "append",
                     allow_digits)  # fmt: skip
        state.write(fill, dry_run=dry_run, as_json=as_json)
        return
    state.write(
        lambda dry: crates.add_tracks_to_crate(target, ids, dry_run=dry),
        dry_run=dry_run,
        as_json=as_json,
    )


@crates_app.command("remove", help="Remove tracks from a crate.")
def crates_remove(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    tracks: list[str] | None = TRACKS_ARG,
    positions: list[int] | None = REMOVE_POSITION_HIDDEN,
    dry_run: bool = DRY_RUN,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates remove "Peak" 12"""
    state: CliState = ctx.obj
    if not tracks and not positions:
        raise typer.BadParameter("give track ids or paths ('-' reads stdin), or --position")
    ids = _track_ids(state, tracks) if tracks else []
    from mixxx_peewee.trackset.crates import remove_tracks_from_crate

    state.write(
        lambda dry: remove_tracks_from_crate(target, ids, dry_run=dry),
        dry_run=dry_run,
        as_json=as_json,
    )


@crates_app.command("export", help="Write a crate's tracks as M3U8, CSV, JSON or ids.")
def crates_export(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    output: Path | None = EXPORT_OUTPUT,
    fmt: ExportFormat | None = EXPORT_FORMAT,
    relative: bool = EXPORT_RELATIVE,
    overwrite: bool = EXPORT_OVERWRITE,
) -> None:
    """Example: mixxx-peewee crates export "Peak" -o peak.csv"""
    from mixxx_peewee.trackset.crates import get_crate_tracks

    state: CliState = ctx.obj
    _export(state, lambda: get_crate_tracks(target), output, fmt, relative, (), overwrite)


@crates_app.command(
    "import",
    help="Read an M3U/M3U8 file into a new crate, or an existing one with --append/--replace.",
)
def crates_import(
    ctx: typer.Context,
    file: Path = IMPORT_FILE,
    name: str | None = typer.Option(
        None, "--name", "--to", help="Crate to fill (default: the file name)."
    ),
    append: bool = IMPORT_APPEND,
    replace_all: bool = IMPORT_REPLACE,
    strict: bool = IMPORT_STRICT,
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    history: bool = NO_HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates import peak.m3u8 --append"""
    from mixxx_peewee.trackset import crates

    mode = _import_mode(append, replace_all)

    def fill(target: str, ids: list[int]) -> Callable[[bool], Any]:
        return _fill(target, ids, "import_crate", crates.get_crate, crates.add_tracks_to_crate,
                     crates.create_crate, crates.replace_crate_tracks, mode,
                     allow_digits)  # fmt: skip

    _import(ctx.obj, file, name, strict, fill, dry_run, as_json)
