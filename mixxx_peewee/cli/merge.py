"""``tracks merge``: one kept track takes over the others' entries, crates, counts and cues.

Added to the ``tracks`` group by :func:`mixxx_peewee.cli.tracks.register`; the library
function is :func:`mixxx_peewee.tracks.merge.merge_tracks`.
"""

from __future__ import annotations

from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.state import CliState

__all__ = ["PURGE", "add_commands", "merge", "merge_question"]

PURGE = typer.Option(
    False,
    "--purge",
    help="Delete the merged tracks as Mixxx's purge does (default: hide them, as Mixxx's "
    "remove; a purged file still on disk comes back at Mixxx's next scan).",
)


def merge_question(plan: Any) -> str:
    """The confirmation: how many tracks go into how many, hidden or deleted."""
    from mixxx_peewee.core.results import plural

    merged = plan.counts.get("merged", 0)
    verb = "delete" if any("purged" in line for line in plan.changes) else "hide"
    return f"Merge {plural(merged, 'track')} and {verb} {'it' if merged == 1 else 'them'}?"


def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., help="The track to keep: id or file path."),
    others: list[str] = typer.Argument(
        ..., help="The tracks merged into it (ids or paths; '-' reads them from stdin)."
    ),
    purge: bool = PURGE,
    cues_from: str | None = typer.Option(
        None,
        "--cues-from",
        help="The track (KEEP or one of OTHERS) whose cues, loops, grid and key map are kept "
        "(default: KEEP's, or the first other's where KEEP has none).",
    ),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Merge duplicates into KEEP: it takes over their playlist entries (in place, Auto DJ
    and history too), crates, play counts, last played, rating, colour and cues.

    The others are hidden (or deleted with --purge); undo takes it all back. Refused while
    Mixxx runs unless --force. Example: mixxx-peewee tracks merge 12 40 41 --dry-run
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.cli.resolve import track_ids
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.tracks.merge import merge_tracks

    kept = track_id(keep)
    merged = track_ids(others)
    source = track_id(cues_from) if cues_from is not None else None
    state.write(
        lambda dry: merge_tracks(
            kept, merged, purge=purge, cues_from=source, dry_run=dry, force=force
        ),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=merge_question,
        yes=yes,
        as_json=as_json,
    )


def add_commands(tracks_app: typer.Typer) -> None:
    """Add ``merge`` to the ``tracks`` group."""
    tracks_app.command("merge")(merge)
