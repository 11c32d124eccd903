"""``tracks next``: the tracks that mix well after one, closest first, with the reason.

One command (:func:`tracks_next`), added to the ``tracks`` group by :func:`add_commands`;
the library's :func:`mixxx_peewee.tracks.nexttrack.suggest_next` does the work.
"""

from __future__ import annotations

import enum

import typer

from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState

__all__ = ["add_commands", "tracks_next"]


class KeyChoice(enum.StrEnum):
    """Which keys ``tracks next`` suggests."""

    same = "same"
    compatible = "compatible"
    any = "any"


_TABLE_COLUMNS = ["id", "artist", "title", "bpm", "key", "reason"]


def tracks_next(
    ctx: typer.Context,
    track: str = typer.Argument(..., help="The track playing now: an id or a path."),
    limit: int = typer.Option(10, "--limit", min=0, help="How many to suggest (default 10)."),
    bpm_range: float = typer.Option(
        6.0, "--bpm-range", min=0, max=50, help="BPM within ± this percent (default 6)."
    ),
    key_mode: KeyChoice = typer.Option(
        KeyChoice.compatible,
        "--key-mode",
        case_sensitive=False,
        help="same key, compatible keys (Mixxx's ~key: rule, the default) or any key.",
    ),
    playlist: str | None = typer.Option(
        None, "--from-playlist", help="Suggest only from this playlist (id or name)."
    ),
    crate: str | None = typer.Option(
        None, "--crate", help="Suggest only from this crate (id or name)."
    ),
    fmt: ListFormat = LIST_FORMAT,
) -> None:
    """Tracks that mix well after TRACK: compatible key, BPM within the range (half and
    double tempo too), closest first, then the longest unplayed; each with its reason.

    Example: mixxx-peewee tracks next 5 --limit 5 --key-mode compatible
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import emit_rows
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.tracks.nexttrack import suggest_next

    rows = suggest_next(
        track_id(track), limit=limit, bpm_range=bpm_range, key_mode=key_mode.value,
        playlist=playlist, crate=crate,
    )  # fmt: skip
    columns = _TABLE_COLUMNS if fmt == ListFormat.table else list(rows[0]) if rows else ["id"]
    emit_rows(rows, fmt, columns)
    if not rows:
        state.note("no track mixes well after this one within these limits")


def add_commands(tracks_app: typer.Typer) -> None:
    """Add ``tracks next`` to the ``tracks`` group."""
    tracks_app.command("next")(tracks_next)
