"""Print a Mixxx history playlist (one per session) as a tracklist, e.g. for a mix upload.

    python scripts/examples/history_tracklist.py                # the latest session
    python scripts/examples/history_tracklist.py --list         # every session
    python scripts/examples/history_tracklist.py 2024-01-25 --times -o set.txt

Lines read ``01. [0:00] Artist - Title``; times are offsets from the first track, from
the moment Mixxx added each track to the history.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def tracklist(entries: list[Any], *, times: bool) -> list[str]:
    """Numbered ``Artist - Title`` lines (from ``get_playlist_tracks``' Track models), with
    ``[h:mm:ss]`` offsets when ``times``."""
    # pl_datetime_added is an aware datetime, or the stored text when it is not a datetime.
    added = [e.pl_datetime_added if isinstance(e.pl_datetime_added, dt.datetime) else None
             for e in entries]  # fmt: skip
    start = next((a for a in added if a is not None), None)
    width = max(2, len(str(len(entries))))
    lines = []
    for number, (entry, when) in enumerate(zip(entries, added, strict=True), start=1):
        filename = entry.location.filename if entry.location is not None else None
        artist, title = entry.artist or "", entry.title or filename or ""
        text = f"{artist} - {title}" if artist else title
        stamp = ""
        if times and start is not None and when is not None:
            offset = int((when - start).total_seconds())
            stamp = f"[{offset // 3600}:{offset // 60 % 60:02d}:{offset % 60:02d}] "
        lines.append(f"{number:0{width}d}. {stamp}{text}")
    return lines


@app.command()
def main(
    session: str | None = typer.Argument(None, help="History playlist id or name (date)."),
    db: str | None = typer.Option(None, "--db", envvar="MIXXX_DB", help="mixxxdb.sqlite."),
    times: bool = typer.Option(False, "--times", help="Add each track's time into the set."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
    list_sessions: bool = typer.Option(False, "--list", help="List history playlists."),
) -> None:
    """Print a history playlist as a numbered tracklist."""
    import mixxx_peewee
    from mixxx_peewee.errors import MixxxPeeweeError

    try:
        with mixxx_peewee.open_library(db, readonly=True):
            history = mixxx_peewee.list_playlists(kind="history")
            if list_sessions:
                for row in history:
                    typer.echo(f"{row['id']}\t{row['name']}\t{row['entry_count']} tracks")
                return
            if session is None:
                if not history:
                    raise MixxxPeeweeError("no history playlists in this library")
                session = str(max(history, key=lambda r: r["id"])["id"])
            playlist = mixxx_peewee.get_playlist(session)
            if playlist.hidden != 2:
                raise MixxxPeeweeError(f"playlist {playlist.name!r} is not a history playlist")
            lines = tracklist(mixxx_peewee.get_playlist_tracks(playlist), times=times)
    except MixxxPeeweeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    text = "\n".join([f"{playlist.name}", "", *lines]) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    from mixxx_peewee.cli import plain_help

    command = typer.main.get_command(app)
    plain_help(command)  # ROOT, TEXT: placeholders as mixxx-peewee's help shows them
    command(prog_name=Path(sys.argv[0]).name)
