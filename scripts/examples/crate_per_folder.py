"""Keep one crate per music sub-folder: ``Folder: House`` holds every track under ``ROOT/House``.

    python scripts/examples/crate_per_folder.py ~/Music --dry-run
    python scripts/examples/crate_per_folder.py ~/Music --prefix "Dir: " --db ~/mixxxdb.sqlite

Folders come from the tracks' stored paths (no disk scan), so it works on a library whose
drive is not mounted. New folders get a new crate; tracks that left a folder leave its
crate; crates of folders that are gone are left alone (delete them yourself). Each crate
is changed in its own short transaction, safe while Mixxx runs.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def folder_members(root: str, tracks: list[dict]) -> dict[str, set[int]]:
    """``{sub-folder name: track ids}`` for visible tracks stored under ``root``.

    A folder name stored in two Unicode forms (NFC from Linux, NFD from macOS) is one
    folder, named composed: the library treats such names as one crate name too.
    """
    prefix = root.rstrip("/") + "/"
    members: dict[str, set[int]] = defaultdict(set)
    for track in tracks:
        location = track.get("location") or ""
        if location.startswith(prefix):
            sub = location[len(prefix) :].split("/", 1)
            if len(sub) == 2:  # a file directly in root belongs to no sub-folder
                members[unicodedata.normalize("NFC", sub[0])].add(track["id"])
    return dict(members)


@app.command()
def main(
    root: Path = typer.Argument(..., help="The music folder whose sub-folders become crates."),
    db: str | None = typer.Option(None, "--db", envvar="MIXXX_DB", help="mixxxdb.sqlite."),
    prefix: str = typer.Option("Folder: ", help="Crate name prefix."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Print the plan; write nothing."),
) -> None:
    """Create or update one crate per sub-folder of ROOT."""
    import mixxx_peewee
    from mixxx_peewee.errors import MixxxPeeweeError

    try:
        with mixxx_peewee.open_library(db, readonly=dry_run):
            wanted = folder_members(
                os.path.abspath(os.path.expanduser(root)), list(mixxx_peewee.iter_tracks())
            )
            crates = {
                unicodedata.normalize("NFC", c["name"]): c
                for c in mixxx_peewee.list_crates(include_hidden=True)
            }
            for folder in sorted(wanted):
                name = f"{prefix}{folder}"
                ids = wanted[folder]
                if name not in crates:
                    # The crate and its tracks in one transaction: a failure leaves no crate.
                    mixxx_peewee.create_crate(name, sorted(ids), dry_run=dry_run)
                    typer.echo(f"{name}: new crate, {len(ids)} tracks")
                    continue
                have = {t.id for t in mixxx_peewee.get_crate_tracks(name, include_hidden=True)}
                add, drop = sorted(ids - have), sorted(have - ids)
                if add:
                    mixxx_peewee.add_tracks_to_crate(name, add, dry_run=dry_run)
                if drop:
                    mixxx_peewee.remove_tracks_from_crate(name, drop, dry_run=dry_run)
                typer.echo(f"{name}: +{len(add)} -{len(drop)}")
    except MixxxPeeweeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if dry_run:
        typer.echo("dry run: nothing written", err=True)


if __name__ == "__main__":
    from mixxx_peewee.cli import plain_help

    command = typer.main.get_command(app)
    plain_help(command)  # ROOT, TEXT: placeholders as mixxx-peewee's help shows them
    command(prog_name=Path(sys.argv[0]).name)
