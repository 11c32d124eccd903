"""``backup`` and ``restore``: online backups of the library, and putting one back."""

from __future__ import annotations

from pathlib import Path

import typer
from typer._click.core import ParameterSource

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState

__all__ = ["register"]


def backup(
    ctx: typer.Context,
    dest: Path | None = typer.Argument(
        None,
        help="File or folder to write (default: backups/ beside the database; a folder "
        "gets LIBRARY-YYYYmmdd-HHMMSS-backup.sqlite).",
    ),
    list_them: bool = typer.Option(
        False, "--list", help="List this library's backups (in backups/, or in DEST) instead."
    ),
    fmt: ListFormat = LIST_FORMAT,
) -> None:
    """Back the library up with SQLite's online backup API (safe while Mixxx runs).

    --list shows each of this library's backups with its date, size and track count
    (other libraries' backups in the same folder are left out).
    Example: mixxx-peewee backup --list
    """
    state: CliState = ctx.obj
    if not list_them and ctx.get_parameter_source("fmt") != ParameterSource.DEFAULT:
        from mixxx_peewee.errors import ValidationError

        raise ValidationError("--format is for --list: a backup prints the file it wrote")
    state.open()
    from mixxx_peewee.backups.folder import backup as make_backup

    if list_them:
        from mixxx_peewee.backups.folder import backup_details
        from mixxx_peewee.cli.output import emit_rows

        if dest is not None and not dest.is_dir():
            from mixxx_peewee.errors import ValidationError

            raise ValidationError(f"{dest}: no such folder (backup --list reads a folder)")
        found = backup_details(dest)
        if not found:
            from mixxx_peewee.backups.copying import BACKUP_DIRNAME

            library = state.library
            assert library is not None  # opened above
            where = dest if dest is not None else library.path.parent / BACKUP_DIRNAME
            state.note(f"no backups in {where}")
            if fmt == ListFormat.table:
                return  # no empty table: the note says it
        rows = [
            {
                "id": str(b.path),
                "modified": b.modified,
                "size": b.size if fmt != ListFormat.table else _size_text(b.size),
                "tracks": b.tracks,
                "kind": _KIND_WORDS.get(b.kind, b.kind),
                "path": str(b.path),
            }
            for b in found
        ]
        emit_rows(rows, fmt, ["modified", "size", "tracks", "kind", "path"])
        return
    with state.progress_callback("backing up") as report:
        made = make_backup(dest, progress=report)
    typer.echo(str(made))


_KIND_WORDS = {"backup": "manual", "auto": "auto", "before-restore": "before restore"}


def _size_text(size: int) -> str:
    """``12.3 MB``: a file size as people read it (decimal units, as file managers show)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def restore(
    ctx: typer.Context,
    src: Path = typer.Argument(..., help="The backup file to restore."),
    only: list[str] | None = typer.Option(
        None,
        "--only",
        help="Take back only this part: crates, playlists, cues or tracks:FIELD[,FIELD…] "
        "(repeat it, or a comma list); everything else stays as it is now.",
    ),
    name: list[str] | None = typer.Option(
        None,
        "--name",
        help="With --only crates/playlists: only this crate or playlist (id or name).",
    ),
    track: list[str] | None = typer.Option(
        None, "--track", help="With --only cues/tracks:…: only this track (id or path)."
    ),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = typer.Option(
        False,
        "--force",
        help="With --only cues/tracks:…: write them even though Mixxx is running (a whole "
        "restore is refused while Mixxx runs).",
    ),
    other_library: bool = typer.Option(
        False,
        "--other-library",
        help="With --only: take back from a backup none of whose tracks is this library's "
        "(the same id and path).",
    ),
    any_schema: bool = typer.Option(
        False,
        "--any-schema",
        help="Restore a backup whose schema this package only reads (or, with --only, "
        "would refuse).",
    ),
    as_json: bool = JSON_RESULT,
) -> None:
    """Replace the library with a backup (the current content is backed up first).

    Plain restore is refused while Mixxx runs: quit Mixxx first. With --only it takes back
    just that part and keeps everything else as it is now (today's play counts, history,
    new tracks): `restore FILE --only crates --name Bangers` brings a deleted crate back
    with its id and members. A backup of another library (no track with the same id and
    path) is refused unless --other-library. Track fields: metadata, artist, title, …, bpm
    (with its beat grid), key (with its key map), rating, color, timesplayed, location
    (path columns together), …
    """
    state: CliState = ctx.obj
    if not only:
        if name or track or other_library:
            from mixxx_peewee.errors import ValidationError

            if other_library and not (name or track):
                raise ValidationError(
                    "--other-library is for --only: a whole restore takes any backup back"
                )
            raise ValidationError("--name and --track choose what --only takes back: add --only")
        from mixxx_peewee.backups.restore import restore as restore_backup
        from mixxx_peewee.core.running import EXCLUSIVE

        state.write(
            lambda dry: restore_backup(src, force=force, any_schema=any_schema, dry_run=dry),
            dry_run=dry_run,
            guard=EXCLUSIVE,
            confirm=f"Replace the library with {src}?",
            yes=yes,
            as_json=as_json,
        )
        return
    from mixxx_peewee.backups.restore import part_guard
    from mixxx_peewee.backups.restore import restore_part

    guard = part_guard(only)
    ids = None
    if track:
        from mixxx_peewee.cli.resolve import track_ids

        state.open()
        ids = track_ids(track)
    state.write(
        lambda dry: restore_part(
            src,
            only,
            names=name,
            tracks=ids,
            force=force,
            other_library=other_library,
            any_schema=any_schema,
            dry_run=dry,
        ),
        dry_run=dry_run,
        guard=guard,
        force=force,
        confirm=lambda plan: f"Take back {plan.value} from {src}?",
        yes=yes,
        as_json=as_json,
    )


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the root command."""
    app.command("backup")(backup)
    app.command("restore")(restore)
