"""``crates``: one module-level function per command (the shared parts: ``cli.trackset``).

A crate is a set: it has no positions and no kinds, so its commands take no
``--position``, ``--all`` (listing) or ``--force-history`` (an option a command does not
support is a usage error). Library modules are imported inside the commands: ``--help``
stays fast.
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
from mixxx_peewee.cli.trackset import CRATE_ARG
from mixxx_peewee.cli.trackset import EXPORT_FORMAT
from mixxx_peewee.cli.trackset import EXPORT_OUTPUT
from mixxx_peewee.cli.trackset import EXPORT_OVERWRITE
from mixxx_peewee.cli.trackset import EXPORT_RELATIVE
from mixxx_peewee.cli.trackset import IMPORT_APPEND
from mixxx_peewee.cli.trackset import IMPORT_FILE
from mixxx_peewee.cli.trackset import IMPORT_REPLACE
from mixxx_peewee.cli.trackset import IMPORT_STRICT
from mixxx_peewee.cli.trackset import TRACKS_ARG
from mixxx_peewee.cli.trackset import ExportFormat
from mixxx_peewee.cli.trackset import emit_listing
from mixxx_peewee.cli.trackset import existing_mode
from mixxx_peewee.cli.trackset import export_tracks
from mixxx_peewee.cli.trackset import import_file
from mixxx_peewee.cli.trackset import relabel
from mixxx_peewee.cli.trackset import track_ids

__all__ = ["crates_app"]

crates_app = typer.Typer(
    help="List, show and change crates; export and import them as M3U8.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@crates_app.command("list", help="List crates with their track counts.")
def crates_list(ctx: typer.Context, fmt: ListFormat = LIST_FORMAT) -> None:
    """Example: mixxx-peewee crates list --format csv"""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.trackset.crates import list_crates
    from mixxx_peewee.trackset.smart import smart_crates

    # "smart": the query of a smart crate (our rules file beside the library), "" otherwise.
    queries = {rule["id"]: rule["query"] for rule in smart_crates()}
    rows = [{**row, "smart": queries.get(row["id"], "")} for row in list_crates()]
    emit_listing(rows, fmt, ["id", "name", "smart"], "crate")


@crates_app.command("show", help="The tracks of a crate (streamed).")
def crates_show(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="Sort by these track columns, comma-separated; a leading - sorts one "
        "descending (bpm,-rating; default: id).",
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
    create: bool = typer.Option(
        False, "--create", help="Create the crate first when there is none of that name."
    ),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates add "Peak" 12 15 --create"""
    state: CliState = ctx.obj
    if not tracks:
        raise typer.BadParameter("give track ids or paths, or '-' to read them from stdin")
    ids = track_ids(state, tracks)
    from mixxx_peewee.trackset.crates import add_tracks_to_crate
    from mixxx_peewee.trackset.filling import fill_crate

    def operation(dry: bool) -> Any:
        if not create:
            return add_tracks_to_crate(target, ids, dry_run=dry)
        result = fill_crate(target, ids, existing="append", allow_digits=allow_digits, dry_run=dry)
        return relabel(result, "fill_crate", "add_crate")

    state.write(operation, dry_run=dry_run, as_json=as_json)


@crates_app.command("remove", help="Remove tracks from a crate.")
def crates_remove(
    ctx: typer.Context,
    target: str = CRATE_ARG,
    tracks: list[str] | None = TRACKS_ARG,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates remove "Peak" 12"""
    state: CliState = ctx.obj
    if not tracks:
        raise typer.BadParameter("give track ids or paths, or '-' to read them from stdin")
    ids = track_ids(state, tracks)
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
    state: CliState = ctx.obj
    export_tracks(state, {"crate": target}, output, fmt, relative, (), overwrite)


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
    as_json: bool = JSON_RESULT,
) -> None:
    """Example: mixxx-peewee crates import peak.m3u8 --append"""
    from mixxx_peewee.trackset.exchange import import_m3u

    existing = existing_mode(append, replace_all)

    def run(matched: Any, target: str, dry: bool) -> Any:
        return import_m3u(
            matched, crate=target, existing=existing, strict=strict, allow_digits=allow_digits,
            dry_run=dry,
        )  # fmt: skip

    import_file(ctx.obj, file, name, run, dry_run, as_json)


@crates_app.command("smart", help="Create a smart crate: the tracks a Mixxx search finds.")
def crates_smart(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Name of the new crate."),
    query: str = typer.Argument(..., help="A Mixxx search, e.g. 'genre:house bpm:120-128'."),
    allow_digits: bool = ALLOW_DIGITS,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """The rule is kept beside the library (mixxxdb.smart-crates.json); prints the new id.
    A query the search syntax cannot read is refused. Refresh with `crates refresh`.

    For instance: crates smart "House 120" "genre:house bpm:115-130" (the docs' tour runs it)
    """
    from mixxx_peewee.trackset.smart import create_smart_crate

    state: CliState = ctx.obj
    result = state.write(
        lambda dry: create_smart_crate(name, query, dry_run=dry, allow_digits=allow_digits),
        dry_run=dry_run,
        as_json=as_json,
    )
    if not dry_run and not as_json:
        typer.echo(result.value)


@crates_app.command("refresh", help="Refresh smart crates (all of them when none is named).")
def crates_refresh(
    ctx: typer.Context,
    names: list[str] | None = typer.Argument(None, help="Smart crates (ids or names)."),
    keep_manual: bool = typer.Option(
        True,
        "--keep-manual/--replace-manual",
        help="Keep tracks added or removed by hand since the last refresh (default), or "
        "make each crate exactly its query's result.",
    ),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """What joined and left each crate, in one transaction.

    Example: mixxx-peewee crates refresh
    """
    from mixxx_peewee.trackset.smart import refresh_smart_crates

    state: CliState = ctx.obj
    state.write(
        lambda dry: refresh_smart_crates(
            names or None, manual="keep" if keep_manual else "replace", dry_run=dry
        ),
        dry_run=dry_run,
        as_json=as_json,
    )
