"""``info`` and ``check``: what the file is and whether this tool may write it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import typer

from mixxx_peewee.cli.output import emit_record
from mixxx_peewee.cli.state import CliState

if TYPE_CHECKING:
    import sqlite3

__all__ = ["register"]

_FORMAT = typer.Option("table", "--format", "-f", help="table or json.")


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    counts["tracks"] = conn.execute(
        "SELECT count(*) FROM library JOIN track_locations ON library.location = "
        "track_locations.id WHERE coalesce(library.mixxx_deleted, 0) = 0"
    ).fetchone()[0]
    counts["hidden_tracks"] = conn.execute(
        "SELECT count(*) FROM library WHERE library.mixxx_deleted = 1"
    ).fetchone()[0]
    counts["playlists"] = conn.execute(
        "SELECT count(*) FROM Playlists WHERE hidden = 0"
    ).fetchone()[0]
    counts["crates"] = conn.execute("SELECT count(*) FROM crates").fetchone()[0]
    return counts


def info(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Path to mixxxdb.sqlite."),
    fmt: str = _FORMAT,
) -> None:
    """Path, schema version, matched revision, journal mode, verdict and row counts."""
    state: CliState = ctx.obj
    if db:
        state.db = db
    library = state.open(strict=False)
    report = library.schema
    record: dict[str, Any] = {
        "path": str(library.path),
        "schema_version": report.version,
        "last_used_version": report.last_used_version,
        "min_compatible_version": report.min_compatible_version,
        "matched_revision": report.matched_revision,
        "journal_mode": library.journal_mode,
        "verdict": report.verdict.value,
        "reason": report.reason,
    }
    if report.verdict.can_read:
        from mixxx_peewee.connection import raw_connection
        from mixxx_peewee.connection import read_transaction

        with read_transaction():
            record.update(_counts(raw_connection()))
    emit_record(record, fmt)


def check(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Path to mixxxdb.sqlite."),
    fmt: str = _FORMAT,
    integrity: bool = typer.Option(
        False, "--integrity", help="Also run SQLite's quick_check (reads the whole file)."
    ),
) -> None:
    """Compare the file with Mixxx's schema; exit 0 only when writing is allowed."""
    state: CliState = ctx.obj
    if db:
        state.db = db
    library = state.open(strict=False)
    report = library.schema
    integrity_result = None
    if integrity:
        from mixxx_peewee.connection import execute

        rows = execute("PRAGMA quick_check").fetchall()
        integrity_result = "; ".join(r[0] for r in rows)
    if fmt == "json":
        data = {"path": str(library.path), **report.to_dict()}
        if integrity_result is not None:
            data["integrity"] = integrity_result
        emit_record(data, "json")
    else:
        typer.echo(f"path: {library.path}")
        typer.echo(str(report))
        if integrity_result is not None:
            typer.echo(f"integrity: {integrity_result}")
    if not report.verdict.can_write or (integrity_result not in (None, "ok")):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``info`` and ``check`` to the root command."""
    app.command("info")(info)
    app.command("check")(check)
