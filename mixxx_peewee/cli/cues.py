"""``cues``: list a track's cues, set a hotcue or the main cue, delete one (in seconds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState

if TYPE_CHECKING:
    from mixxx_peewee.core.results import WriteResult

__all__ = ["register"]

cues_app = typer.Typer(
    help="A track's cues: list them, set a hotcue or the main cue, delete one.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_TRACK = typer.Argument(..., help="Track id or file path.")
_COLUMNS = ["id", "type_name", "hotcue", "position", "length", "label", "color"]


@cues_app.command("list")
def list_cmd(ctx: typer.Context, track: str = _TRACK, fmt: ListFormat = LIST_FORMAT) -> None:
    """A track's cues by position; times in seconds, hotcues numbered from 1."""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import emit_rows
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.tracks.cues import list_cues

    cues = list_cues(track_id(track))
    if fmt == ListFormat.table:
        cues = [
            {**cue, "position": _clock(cue["position"]), "length": _clock(cue["length"])}
            for cue in cues
        ]
    emit_rows(cues, fmt, _COLUMNS)


def _clock(seconds: float | None) -> str:
    from mixxx_peewee.tracks.cues import clock_text

    return "" if seconds is None else clock_text(seconds)


def _position(text: str) -> str:
    """A usage error (exit 2) for a position that is neither seconds nor m:ss.mmm."""
    from mixxx_peewee.core.values import parse_seconds
    from mixxx_peewee.errors import ValidationError

    try:
        parse_seconds(text)
    except ValidationError:
        raise typer.BadParameter(
            f"{text!r} is not seconds or m:ss.mmm (e.g. 95.5 or 1:35.500)"
        ) from None
    return text


@cues_app.command("set")
def set_cmd(
    ctx: typer.Context,
    track: str = _TRACK,
    position: str = typer.Argument(
        ...,
        help="Position: seconds (95.5) or m:ss.mmm as cues list prints it (1:35.500).",
        callback=_position,
    ),
    hotcue: int | None = typer.Option(None, "--hotcue", "-c", help="Hotcue number 1..36."),
    main: bool = typer.Option(False, "--main", help="Set the main cue instead of a hotcue."),
    label: str | None = typer.Option(None, "--label", help="Hotcue label (kept if omitted)."),
    color: str | None = typer.Option(None, "--color", help="Hotcue colour #RRGGBB."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace a saved loop or other cue on that hotcue number."
    ),
    dry_run: bool = DRY_RUN,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Set a hotcue (--hotcue N) or the main cue (--main) at POSITION.

    Example: mixxx-peewee cues set 7 1:35.500 --hotcue 1 --label Drop --color "#FF0000"
    """
    if (hotcue is None) == (not main):
        raise typer.BadParameter("give exactly one of --hotcue N or --main")
    if main and (label is not None or color is not None):
        raise typer.BadParameter("--label and --color apply to hotcues only")
    if main and replace:
        raise typer.BadParameter("--replace applies to hotcues only")
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.core.values import parse_seconds
    from mixxx_peewee.tracks.cues import set_hotcue
    from mixxx_peewee.tracks.cues import set_main_cue

    wanted = track_id(track)
    seconds = parse_seconds(position)

    def operation(dry: bool) -> WriteResult:
        if main:
            return set_main_cue(wanted, seconds, dry_run=dry, force=force)
        assert hotcue is not None
        return set_hotcue(
            wanted,
            hotcue,
            seconds,
            label=label,
            color=color,
            dry_run=dry,
            force=force,
            replace=replace,
        )

    state.write(operation, dry_run=dry_run, guard=TRACK_DATA, force=force, as_json=as_json)


@cues_app.command("delete")
def delete_cmd(
    ctx: typer.Context,
    track: str = _TRACK,
    hotcue: int | None = typer.Option(None, "--hotcue", "-c", help="Hotcue number 1..36."),
    cue_id: int | None = typer.Option(None, "--id", help="The cue row's id (from cues list)."),
    main: bool = typer.Option(False, "--main", help="The main cue."),
    dry_run: bool = DRY_RUN,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Delete one cue: a hotcue, the main cue, or a cue by its id."""
    if sum([hotcue is not None, cue_id is not None, main]) != 1:
        raise typer.BadParameter("give exactly one of --hotcue N, --id ID or --main")
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.tracks.cues import delete_cue

    wanted = track_id(track)
    state.write(
        lambda dry: delete_cue(
            wanted, hotcue=hotcue, cue_id=cue_id, main=main, dry_run=dry, force=force
        ),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        as_json=as_json,
    )


def register(app: typer.Typer) -> None:
    """Add ``cues`` to the root command."""
    app.add_typer(cues_app, name="cues")
