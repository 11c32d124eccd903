"""``history`` and ``undo``: the changes this package made, and taking one back."""

from __future__ import annotations

from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.state import CliState

__all__ = ["register"]

history_app = typer.Typer(
    help="The changes mixxx-peewee made to this library, newest first (see `undo`).",
    rich_markup_mode=None,
    invoke_without_command=True,
)


def _when(made: str, fmt: str) -> Any:
    """A change's time: ISO UTC in data formats, local ``YYYY-MM-DD HH:MM:SS`` in a table."""
    if fmt != ListFormat.table:
        return made
    from datetime import datetime

    moment = datetime.fromisoformat(made.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _state_text(change: Any) -> str:
    if change.state == "pending":
        return "pending"
    if change.undone_by == 0:
        return "undone (as before already)"
    if change.undone_by is not None:
        return f"undone by {change.undone_by}"
    if change.undoes is not None:
        return f"undo of {change.undoes}"
    return "done"


def _summary_text(change: Any) -> str:
    """A change in one line: its only line, else its headline (``hide tracks: changed 8,245``)."""
    lines = list(change.summary)
    words = change.operation.replace("_", " ")
    headline = lines.pop(0) if lines and lines[0].startswith(f"{words}:") else ""
    if len(lines) == 1 or not headline:
        return lines[0] if lines else headline  # a journal from before headlines: its first line
    return headline


@history_app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many changes."),
    fmt: ListFormat = LIST_FORMAT,
) -> None:
    """The changes mixxx-peewee made to this library, newest first (see `undo`).

    Each change lists what it touched per table (+ made, ~ changed, - removed rows).
    Example: mixxx-peewee history --limit 5
    """
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    library = state.open()
    from mixxx_peewee.cli.output import emit_rows
    from mixxx_peewee.journal.history import list_changes

    changes = list_changes(limit=limit)
    if not changes:
        where = library.journal_file()
        state.note(
            "no changes recorded yet"
            + (f" (journal: {where})" if where is not None else " (the change journal is off)")
        )
        if fmt == ListFormat.table:
            return
    rows = [
        {
            "id": c.id,
            "made": _when(c.made, fmt),
            "operation": c.operation,
            "touched": c.touched_text(),
            "state": _state_text(c),
            "summary": _summary_text(c),
        }
        for c in changes
    ]
    emit_rows(rows, fmt, ["id", "made", "operation", "touched", "state", "summary"])


@history_app.command(
    "show", help="One change: what ran, and the rows it changed (before -> after)."
)
def history_show(
    ctx: typer.Context,
    number: int = typer.Argument(..., metavar="N", help="The change's number (see `history`)."),
    all_rows: bool = typer.Option(False, "--all", help="Every row (default: the first 50)."),
    fmt: ListFormat = LIST_FORMAT,
) -> None:
    """One change: what ran, and the rows it changed.

    Every changed row with its values before and after (for a made row: after only; for
    a removed one: before only).

    Example: mixxx-peewee history show 3
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import emit_rows
    from mixxx_peewee.journal.history import get_change

    change = get_change(number)
    images = change.rows or []
    if fmt in (ListFormat.json, ListFormat.jsonl):
        import json
        import sys

        data = change.to_dict(rows=True)
        if fmt == ListFormat.json:
            sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        else:
            rows = data.pop("rows") or []
            sys.stdout.write(json.dumps({"change": data}, ensure_ascii=False) + "\n")
            for row in rows:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    shown = images if all_rows else images[:50]
    if fmt == ListFormat.table:
        typer.echo(f"change {change.id}: {change.operation} ({_state_text(change)})")
        typer.echo(f"made: {_when(change.made, 'table')}")
        for key, value in change.arguments.items():
            typer.echo(f"{key}: {value}")
        if change.backup:
            typer.echo(f"the library before it: {change.backup}")
        typer.echo(f"touched: {change.touched_text() or 'nothing'}")
        for line in change.summary:
            typer.echo(f"  {line}")
    table_rows = [
        {
            "id": f"{image.table}:{image.rowid}",
            "table": image.table,
            "row": image.rowid,
            "kind": image.kind,
            "columns": ", ".join(image.columns),
            "before": _values(image.before),
            "after": _values(image.after),
        }
        for image in shown
    ]
    if table_rows or fmt != ListFormat.table:
        emit_rows(table_rows, fmt, ["table", "row", "kind", "columns", "before", "after"])
    if len(shown) < len(images):
        state.note(f"{len(images) - len(shown):,} more rows: --all shows them")


def _values(values: tuple[Any, ...] | None) -> str:
    if values is None:
        return ""
    parts = []
    for value in values:
        if isinstance(value, bytes):
            parts.append(f"<{len(value)} bytes>")
        else:
            text = repr(value) if isinstance(value, str) else str(value)
            parts.append(text if len(text) <= 80 else text[:77] + "…")
    return ", ".join(parts)


@history_app.command(
    "keep", help="Show or set how many changes the journal keeps, and for how long."
)
def history_keep(
    ctx: typer.Context,
    changes: int | None = typer.Option(None, "--changes", min=1, help="Keep the newest N changes."),
    days: int | None = typer.Option(None, "--days", min=1, help="Keep none older than N days."),
) -> None:
    """Show or set how many changes the journal keeps, and how long.

    The rule is stored in the journal (default: the newest 100 changes, none older than 30
    days). Example: mixxx-peewee history keep --changes 500 --days 90
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.journal.history import journal_retention

    keep, kept_days = journal_retention(changes, days)
    typer.echo(
        f"the change journal keeps the newest {keep:,} changes, none older than {kept_days:,} days"
    )


def undo(
    ctx: typer.Context,
    number: int | None = typer.Argument(
        None, metavar="N", help="The change to undo (default: the newest not undone)."
    ),
    dry_run: bool = DRY_RUN,
    partial: bool = typer.Option(
        False,
        "--partial",
        help="Put back every column still as the change left it; leave (and name) the ones "
        "changed since.",
    ),
    force: bool = typer.Option(False, "--force", help="Even though Mixxx is running."),
    replace_library: bool = typer.Option(
        False,
        "--replace-library",
        help="Undo a restore: replace the whole library with the copy saved before it.",
    ),
    as_json: bool = JSON_RESULT,
) -> None:
    """Take back one change mixxx-peewee made (see `history`); an undo can be undone.

    Compared column by column: refused when Mixxx or another tool changed some of those
    columns since (the message names them); --partial puts back the rest. Without N: the
    newest change not undone yet that is no undo itself, so repeated `undo` walks back;
    `undo N` of an undo re-applies that change.

    Example: mixxx-peewee undo --dry-run
    """
    state: CliState = ctx.obj
    from mixxx_peewee.journal.undo import undo_change

    state.write(
        lambda dry: undo_change(
            number, partial=partial, force=force, replace_library=replace_library, dry_run=dry
        ),
        dry_run=dry_run,
        as_json=as_json,
    )


def register(app: typer.Typer) -> None:
    """Add ``history`` and ``undo`` to the root command."""
    app.add_typer(history_app, name="history")
    app.command("undo")(undo)
