"""``playlists``: one module-level function per command (the shared parts: ``cli.trackset``).

A playlist is ordered (``move``, ``add --position``, ``remove --position``, ``sort``,
``shuffle``, ``reverse``, ``dedupe``; repeats allowed) and has Auto DJ and history kinds
(``--all``, ``--force-history``). Library modules are imported inside the commands:
``--help`` stays fast.
"""

from __future__ import annotations

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
from mixxx_peewee.cli.trackset import ALLOW_DIGITS
from mixxx_peewee.cli.trackset import EXPORT_FORMAT
from mixxx_peewee.cli.trackset import EXPORT_OUTPUT
from mixxx_peewee.cli.trackset import EXPORT_OVERWRITE
from mixxx_peewee.cli.trackset import EXPORT_RELATIVE
from mixxx_peewee.cli.trackset import IMPORT_APPEND
from mixxx_peewee.cli.trackset import IMPORT_FILE
from mixxx_peewee.cli.trackset import IMPORT_REPLACE
from mixxx_peewee.cli.trackset import IMPORT_STRICT
from mixxx_peewee.cli.trackset import PLAYLIST_ARG
from mixxx_peewee.cli.trackset import TRACKS_ARG
from mixxx_peewee.cli.trackset import ExportFormat
from mixxx_peewee.cli.trackset import emit_listing
from mixxx_peewee.cli.trackset import existing_mode
from mixxx_peewee.cli.trackset import export_tracks
from mixxx_peewee.cli.trackset import import_file
from mixxx_peewee.cli.trackset import relabel
from mixxx_peewee.cli.trackset import track_ids

__all__ = ["playlists_app"]

ENTRY_LEAD = ("position",)  # what a playlist's track listings lead with
HISTORY = typer.Option(False, "--force-history", help="Allow changing a history playlist.")

playlists_app = typer.Typer(
    help="List, show and change playlists; export and import them as M3U8.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


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

    emit_listing(
        list_playlists(include_hidden=include_all), fmt, ["id", "name", "kind"], "playlist"
    )


@playlists_app.command("show", help="The tracks of a playlist in order (streamed).")
def playlists_show(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="Sort by these track columns, comma-separated; a leading - sorts one "
        "descending (bpm,-rating; default: the playlist's order).",
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
    stream_tracks(fmt, columns, extra=ENTRY_LEAD, data_extra=ENTRY_COLUMNS,
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
    ids = track_ids(state, tracks)
    from mixxx_peewee.trackset.filling import fill_playlist
    from mixxx_peewee.trackset.playlists import add_tracks_to_playlist

    def operation(dry: bool) -> Any:
        if not create:
            return add_tracks_to_playlist(
                target, ids, position=position, force_history=history, dry_run=dry
            )
        result = fill_playlist(
            target,
            ids,
            existing="append",
            position=position,
            force_history=history,
            allow_digits=allow_digits,
            dry_run=dry,
        )
        return relabel(result, "fill_playlist", "add_playlist")

    state.write(operation, dry_run=dry_run, as_json=as_json)


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
    ids = track_ids(state, tracks) if tracks else []
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


@playlists_app.command("sort", help="Sort a playlist in place by track columns.")
def playlists_sort(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    by: str = typer.Option(
        ...,
        "--by",
        help="Track columns, comma-separated; a leading - sorts one descending "
        "(bpm,-rating,artist). Equal keys keep their order.",
    ),
    desc: bool = SORT_DESC,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists sort "Friday" --by bpm,-rating --dry-run"""
    from mixxx_peewee.trackset.ordering import sort_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: sort_playlist(target, by, descending=desc, dry_run=dry, force_history=history),
        dry_run=dry_run,
        as_json=as_json,
    )


@playlists_app.command("shuffle", help="Shuffle a playlist in place.")
def playlists_shuffle(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    seed: int | None = typer.Option(None, "--seed", help="The same seed, the same order."),
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists shuffle "Friday" --seed 7"""
    from mixxx_peewee.trackset.ordering import shuffle_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: shuffle_playlist(target, seed=seed, dry_run=dry, force_history=history),
        dry_run=dry_run,
        as_json=as_json,
    )


@playlists_app.command("reverse", help="Reverse a playlist's order in place.")
def playlists_reverse(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists reverse "Friday" --dry-run"""
    from mixxx_peewee.trackset.ordering import reverse_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: reverse_playlist(target, dry_run=dry, force_history=history),
        dry_run=dry_run,
        as_json=as_json,
    )


@playlists_app.command("dedupe", help="Remove repeats: each track keeps its first entry.")
def playlists_dedupe(
    ctx: typer.Context,
    target: str = PLAYLIST_ARG,
    dry_run: bool = DRY_RUN,
    history: bool = HISTORY,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee playlists dedupe "Friday" --dry-run"""
    from mixxx_peewee.trackset.ordering import dedupe_playlist

    state: CliState = ctx.obj
    state.write(
        lambda dry: dedupe_playlist(target, dry_run=dry, force_history=history),
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
    state: CliState = ctx.obj
    export_tracks(state, {"playlist": target}, output, fmt, relative, ENTRY_LEAD, overwrite)


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
    from mixxx_peewee.trackset.exchange import import_m3u

    existing = existing_mode(append, replace_all)

    def run(matched: Any, target: str, dry: bool) -> Any:
        return import_m3u(
            matched,
            playlist=target,
            existing=existing,
            strict=strict,
            allow_digits=allow_digits,
            force_history=history,
            dry_run=dry,
        )

    import_file(ctx.obj, file, name, run, dry_run, as_json)
