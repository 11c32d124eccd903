"""``tracks relink``: missing tracks found again in folders, by file name and size."""

from __future__ import annotations

from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.state import CliState

__all__ = ["add_commands", "relink"]


def _question(plan: Any) -> str:
    """The confirmation, with the plan's counts."""
    from mixxx_peewee.core.results import plural

    found = plan.value
    return (
        f"Relink {plural(len(found.moves), 'track')} to the files found in "
        f"{', '.join(found.folders)} ({len(found.unresolved):,} left unresolved)?"
    )


def relink(
    ctx: typer.Context,
    folders: list[str] = typer.Argument(..., help="Folders to search (walked once each)."),
    ignore_case: bool = typer.Option(
        False, "--ignore-case", "-i", help="File names match ignoring case too."
    ),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Find missing tracks' files in FOLDERS (same name and size) and point the tracks there.

    Several candidates: the nearest duration, then the path ending most like the old one;
    a tie stays unresolved and is listed with every other unresolved track. Refused while
    Mixxx runs unless --force. Example: mixxx-peewee tracks relink . -n
    """
    state: CliState = ctx.obj
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.tracks.relink import relink_tracks

    def operation(dry: bool) -> Any:
        with state.progress_callback("searching" if dry else "relinking"):
            return relink_tracks(folders, ignore_case=ignore_case, dry_run=dry, force=force)

    state.write(
        operation,
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=_question,
        yes=yes,
        as_json=as_json,
    )


def add_commands(tracks_app: typer.Typer) -> None:
    """Add ``relink`` to the ``tracks`` group."""
    tracks_app.command("relink")(relink)
