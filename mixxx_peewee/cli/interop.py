"""``export`` and ``import``: a library to and from rekordbox XML and Traktor NML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.state import CliState

if TYPE_CHECKING:
    from mixxx_peewee.core.results import WriteResult

__all__ = ["export_app", "import_app", "register"]

export_app = typer.Typer(
    help="Write the library (or part of it) as a rekordbox XML or Traktor NML file.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
import_app = typer.Typer(
    help="Bring a rekordbox XML or Traktor NML file's cues, grids and playlists in.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_MAP = typer.Option(
    None,
    "--map",
    metavar="FROM=TO",
    help="Rewrite the path prefix FROM (as the library stores it) to TO (as the other "
    "program's machine sees it); repeatable.",
)
_NFC = typer.Option(False, "--nfc", help="Write/match paths in Unicode NFC (Windows, Linux).")
_NFD = typer.Option(False, "--nfd", help="Write/match paths in Unicode NFD (macOS HFS+).")
_NO_OFFSET = typer.Option(
    False, "--no-offset", help="Do not shift MP3 positions by Mixxx's decoder timing rule."
)


def _normalize(nfc: bool, nfd: bool) -> str | None:
    if nfc and nfd:
        raise typer.BadParameter("give --nfc or --nfd, not both")
    return "nfc" if nfc else "nfd" if nfd else None


def _pairs(pairs: list[str] | None) -> list[str] | None:
    """The --map pairs, checked by PathMap's own rule (a usage error when one is malformed)."""
    from mixxx_peewee.errors import ValidationError
    from mixxx_peewee.interop.pathmap import PathMap

    try:
        PathMap(pairs or ())
    except ValidationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--map") from None
    return pairs or None


def _export(
    ctx: typer.Context,
    fmt: str,
    dest: Path,
    *,
    query: str | None,
    playlist: str | None,
    crate: str | None,
    no_playlists: bool,
    no_crates: bool,
    history: bool,
    path_map: list[str] | None,
    nfc: bool,
    nfd: bool,
    no_offset: bool,
    force: bool,
    playlist_folder: str,
    crate_folder: str,
    key_notation: str,
    as_json: bool,
) -> None:
    normalize = _normalize(nfc, nfd)
    pairs = _pairs(path_map)
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.interop import transfer

    function = transfer.export_rekordbox if fmt == "rekordbox" else transfer.export_traktor
    extra: dict[str, Any] = {"key_notation": key_notation} if fmt == "rekordbox" else {}
    with state.progress_callback("exporting") as progress:
        report = function(
            dest,
            search=query,
            playlist=playlist,
            crate=crate,
            playlists=not no_playlists,
            crates=not no_crates,
            history=history,
            path_map=pairs,
            normalize=normalize,  # type: ignore[arg-type]
            offset=not no_offset,
            force=force,
            playlist_folder=playlist_folder,
            crate_folder=crate_folder,
            progress=progress,
            **extra,
        )
    if as_json:
        import dataclasses
        import json

        typer.echo(json.dumps({"file": str(dest), **dataclasses.asdict(report)}, default=str))
    for warning in report.warnings[:20]:
        state.note(f"note: {warning}")
    if len(report.warnings) > 20:
        state.note(f"note: … and {len(report.warnings) - 20:,} more")
    state.note(
        f"{dest}: {plural(report.tracks, 'track')}, {plural(report.hot_cues, 'hot cue')}, "
        f"{plural(report.loops, 'loop')}, {plural(report.grids, 'grid')}, "
        f"{plural(report.playlists, 'playlist')}; MP3 offset applied to "
        f"{plural(report.mp3_corrected, 'track')}, {report.mp3_unchecked:,} unchecked "
        "(file absent)"
    )


_QUERY = typer.Option(
    None, "--tracks", metavar="QUERY", help="Only the tracks this Mixxx search finds."
)
_PLAYLIST = typer.Option(None, "--playlist", help="Only this playlist (id or name) and its tracks.")
_CRATE = typer.Option(None, "--crate", help="Only this crate (id or name) and its tracks.")
_NO_PLAYLISTS = typer.Option(False, "--no-playlists", help="Leave the playlists out.")
_NO_CRATES = typer.Option(False, "--no-crates", help="Leave the crates out.")
_HISTORY = typer.Option(False, "--history", help="Include the history playlists.")
_OVERWRITE = typer.Option(False, "--force", help="Replace DEST if it exists.")
_PLAYLIST_FOLDER = typer.Option(
    "Mixxx/Playlists", "--playlist-folder", help="Folder path of the playlists in the file."
)
_CRATE_FOLDER = typer.Option(
    "Mixxx/Crates", "--crate-folder", help="Folder path of the crates in the file."
)


@export_app.command("rekordbox")
def export_rekordbox_cmd(
    ctx: typer.Context,
    dest: Path = typer.Argument(..., help="The XML file to write."),
    query: str | None = _QUERY,
    playlist: str | None = _PLAYLIST,
    crate: str | None = _CRATE,
    no_playlists: bool = _NO_PLAYLISTS,
    no_crates: bool = _NO_CRATES,
    history: bool = _HISTORY,
    path_map: list[str] | None = _MAP,
    nfc: bool = _NFC,
    nfd: bool = _NFD,
    key_notation: str = typer.Option(
        "classic", "--key-notation", help="Tonality as classic (Am), camelot (8A) or openkey (1m)."
    ),
    no_offset: bool = _NO_OFFSET,
    force: bool = _OVERWRITE,
    playlist_folder: str = _PLAYLIST_FOLDER,
    crate_folder: str = _CRATE_FOLDER,
    as_json: bool = JSON_RESULT,
) -> None:
    """Write the visible tracks with cues, loops, grids and keys, and the playlists and
    crates, as a rekordbox XML file (rekordbox: Preferences > Advanced > Database >
    rekordbox xml > Imported Library).

    Example: mixxx-peewee export rekordbox rekordbox.xml --map /home/dj/Music=D:/Music
    """
    if key_notation not in ("classic", "camelot", "openkey"):
        raise typer.BadParameter("--key-notation is classic, camelot or openkey")
    _export(ctx, "rekordbox", dest, query=query, playlist=playlist, crate=crate,
            no_playlists=no_playlists, no_crates=no_crates, history=history, path_map=path_map,
            nfc=nfc, nfd=nfd, no_offset=no_offset, force=force, playlist_folder=playlist_folder,
            crate_folder=crate_folder, key_notation=key_notation, as_json=as_json)  # fmt: skip


@export_app.command("traktor")
def export_traktor_cmd(
    ctx: typer.Context,
    dest: Path = typer.Argument(..., help="The NML file to write."),
    query: str | None = _QUERY,
    playlist: str | None = _PLAYLIST,
    crate: str | None = _CRATE,
    no_playlists: bool = _NO_PLAYLISTS,
    no_crates: bool = _NO_CRATES,
    history: bool = _HISTORY,
    path_map: list[str] | None = _MAP,
    nfc: bool = _NFC,
    nfd: bool = _NFD,
    no_offset: bool = _NO_OFFSET,
    force: bool = _OVERWRITE,
    playlist_folder: str = _PLAYLIST_FOLDER,
    crate_folder: str = _CRATE_FOLDER,
    as_json: bool = JSON_RESULT,
) -> None:
    """Write the visible tracks with cues, loops, grid and key, and the playlists and crates,
    as a Traktor NML collection (Traktor: File > Import Collection).

    Example: mixxx-peewee export traktor mixxx.nml --map /home/dj/Music=D:/Music
    """
    _export(ctx, "traktor", dest, query=query, playlist=playlist, crate=crate,
            no_playlists=no_playlists, no_crates=no_crates, history=history, path_map=path_map,
            nfc=nfc, nfd=nfd, no_offset=no_offset, force=force, playlist_folder=playlist_folder,
            crate_folder=crate_folder, key_notation="", as_json=as_json)  # fmt: skip


def _import(
    ctx: typer.Context,
    fmt: str,
    src: Path,
    *,
    path_map: list[str] | None,
    nfc: bool,
    nfd: bool,
    add_missing: bool,
    cues: str,
    grids: str,
    memory_cues: str,
    only: str | None,
    separator: str,
    no_offset: bool,
    dry_run: bool,
    yes: bool,
    force: bool,
    as_json: bool,
) -> None:
    normalize = _normalize(nfc, nfd)
    pairs = _pairs(path_map)
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.interop import transfer

    function = transfer.import_rekordbox if fmt == "rekordbox" else transfer.import_traktor

    def operation(dry: bool) -> WriteResult:
        return function(
            src,
            path_map=pairs,
            normalize=normalize,  # type: ignore[arg-type]
            add_missing=add_missing,
            cues=cues,  # type: ignore[arg-type]
            grids=grids,  # type: ignore[arg-type]
            memory_cues=memory_cues,  # type: ignore[arg-type]
            only=only,
            offset=not no_offset,
            separator=separator,
            dry_run=dry,
            force=force,
        )

    state.write(
        operation,
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=lambda plan: f"import {src.name}: {plan.summary() or 'these changes'}?",
        yes=yes,
        as_json=as_json,
    )


_CUES = typer.Option(
    "merge", "--cues", help="keep (write none), merge (fill empty slots; default), replace."
)
_GRIDS = typer.Option("replace", "--grids", help="keep or replace (default).")
_MEMORY = typer.Option(
    "slots", "--memory-cues", help="slots (free hot cues after the used ones; default) or skip."
)
_ONLY = typer.Option(
    None, "--only", help="Only some of: cues,grids,keys,ratings,playcounts,playlists."
)
_SEPARATOR = typer.Option(
    " / ", "--separator", help="Joins a playlist's folder path into its Mixxx name."
)
_ADD_MISSING = typer.Option(
    False, "--add-missing", help="Add files that exist but are not in the library yet."
)


@import_app.command("rekordbox")
def import_rekordbox_cmd(
    ctx: typer.Context,
    src: Path = typer.Argument(..., help="The rekordbox XML file."),
    path_map: list[str] | None = _MAP,
    nfc: bool = _NFC,
    nfd: bool = _NFD,
    add_missing: bool = _ADD_MISSING,
    cues: str = _CUES,
    grids: str = _GRIDS,
    memory_cues: str = _MEMORY,
    only: str | None = _ONLY,
    separator: str = _SEPARATOR,
    no_offset: bool = _NO_OFFSET,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Bring a rekordbox XML file's hot cues, memory cues, loops, grids, keys, ratings, play
    counts and playlists into the library, in one write (`undo` takes it back).

    Example: mixxx-peewee import rekordbox rekordbox.xml --map D:/Music=/home/dj/Music --dry-run
    """
    _import(ctx, "rekordbox", src, path_map=path_map, nfc=nfc, nfd=nfd, add_missing=add_missing,
            cues=cues, grids=grids, memory_cues=memory_cues, only=only, separator=separator,
            no_offset=no_offset, dry_run=dry_run, yes=yes, force=force,
            as_json=as_json)  # fmt: skip


@import_app.command("traktor")
def import_traktor_cmd(
    ctx: typer.Context,
    src: Path = typer.Argument(..., help="The Traktor NML file (collection.nml)."),
    path_map: list[str] | None = _MAP,
    nfc: bool = _NFC,
    nfd: bool = _NFD,
    add_missing: bool = _ADD_MISSING,
    cues: str = _CUES,
    grids: str = _GRIDS,
    memory_cues: str = _MEMORY,
    only: str | None = _ONLY,
    separator: str = _SEPARATOR,
    no_offset: bool = _NO_OFFSET,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Bring a Traktor collection's hot cues, loops, grid, keys, ratings, play counts and
    playlists into the library, in one write (`undo` takes it back).

    Example: mixxx-peewee import traktor mixxx.nml --map D:/Music=/home/dj/Music --dry-run
    """
    _import(ctx, "traktor", src, path_map=path_map, nfc=nfc, nfd=nfd, add_missing=add_missing,
            cues=cues, grids=grids, memory_cues=memory_cues, only=only, separator=separator,
            no_offset=no_offset, dry_run=dry_run, yes=yes, force=force,
            as_json=as_json)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``import`` to the root command."""
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
