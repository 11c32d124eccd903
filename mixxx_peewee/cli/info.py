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

_FORMAT = typer.Option("table", "--format", "-f", metavar="[table|json]", help="table or json.")


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
    """Path, schema version, matched revision, journal mode, verdict and row counts.

    Also where the change journal is and how many changes it holds (see `history`).
    """
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
        from mixxx_peewee.core.connection import raw_connection
        from mixxx_peewee.core.connection import read_transaction
        from mixxx_peewee.journal.history import journal_status

        record["change_journal"] = str(journal_status())
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
    analysis: bool = typer.Option(
        False,
        "--analysis",
        help="Also list tracks whose bpm/key columns disagree with their beat grid or key map.",
    ),
    fix: bool = typer.Option(
        False, "--fix", help="Make those columns say what the grid and key map say (a write)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="With --fix: show, write nothing."),
    force: bool = typer.Option(False, "--force", help="With --fix: even while Mixxx runs."),
) -> None:
    """Compare the file with Mixxx's schema; exit 0 only when writing is allowed.

    With --analysis (or --fix) also compare every track's bpm/key columns with the beat grid
    and key map Mixxx loads instead; exit 1 when any disagree and were not repaired.
    """
    state: CliState = ctx.obj
    if db:
        state.db = db
    if fix:
        _repair_analysis(state, dry_run=dry_run, force=force)
        return
    library = state.open(strict=False)
    report = library.schema
    integrity_result = None
    if integrity:
        from mixxx_peewee.core.connection import execute

        rows = execute("PRAGMA quick_check").fetchall()
        integrity_result = "; ".join(r[0] for r in rows)
    mismatches = None
    if analysis and report.verdict.can_read:
        from mixxx_peewee.analysis.report import analysis_report

        mismatches = analysis_report()
    if fmt == "json":
        data = {"path": str(library.path), **report.to_dict()}
        if integrity_result is not None:
            data["integrity"] = integrity_result
        if mismatches is not None:
            data["analysis_mismatches"] = [m._asdict() for m in mismatches]
        emit_record(data, "json")
    else:
        typer.echo(f"path: {library.path}")
        typer.echo(str(report))
        if integrity_result is not None:
            typer.echo(f"integrity: {integrity_result}")
        if mismatches is not None:
            typer.echo(f"analysis: {len(mismatches)} bpm/key column(s) disagree with the blobs")
            for mismatch in mismatches:
                typer.echo(f"  {mismatch}")
            if mismatches:
                typer.echo("  (check --fix makes the columns say what Mixxx shows)")
    if not report.verdict.can_write or (integrity_result not in (None, "ok")) or mismatches:
        raise typer.Exit(1)


def _repair_analysis(state: CliState, *, dry_run: bool, force: bool) -> None:
    from mixxx_peewee.analysis.report import repair_analysis
    from mixxx_peewee.core.running import TRACK_DATA

    state.write(
        lambda plan_only: repair_analysis(dry_run=plan_only, force=force),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
    )


def stats(
    ctx: typer.Context,
    top: int = typer.Option(10, "--top", min=0, help="How many genres to list."),
    files: bool = typer.Option(
        False, "--files", help="Count missing files on disk (a stat per track) too."
    ),
    fmt: str = _FORMAT,
) -> None:
    """Tracks, hours, genres, BPM and key spread, missing, hidden and analysed tracks.

    Missing tracks are those Mixxx's scanner flagged; --files also checks every file.
    Example: mixxx-peewee stats --top 5 --format json
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.display import key_notation
    from mixxx_peewee.core.keys import key_to_text
    from mixxx_peewee.tracks.stats import library_stats

    found = library_stats(top_genres=top, check_files=files)
    notation = key_notation()
    if fmt == "json":
        data = found.to_dict()
        data["keys"] = [
            {"key": key_to_text(k, notation), **entry}
            for (k, _), entry in zip(found.keys, data["keys"], strict=True)
        ]
        if not files:
            del data["missing_files"]
        emit_record(data, "json")
        return
    if fmt != "table":
        raise typer.BadParameter("must be table or json", param_hint="--format")
    for line in _stats_lines(found, notation):
        typer.echo(line)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "0 %"


def _bar(count: int, most: int, width: int = 30) -> str:
    return "█" * max(1, round(width * count / most)) if count and most else ""


def _stats_lines(found: Any, notation: str) -> list[str]:
    """The ``stats`` report as a DJ reads it: totals, then genres, BPM and keys with bars."""
    from mixxx_peewee.cli.display import format_duration
    from mixxx_peewee.cli.table import display_width
    from mixxx_peewee.cli.table import one_line
    from mixxx_peewee.core.keys import key_to_text

    n = found.tracks
    lines = [
        f"tracks        {n:,} in the library, {found.hidden:,} more hidden",
        f"playing time  {found.hours:,.1f} hours ({format_duration(found.seconds) or '0:00'})",
        f"with a BPM    {found.with_bpm:,} ({_percent(found.with_bpm, n)})",
        f"with a grid   {found.with_grid:,} ({_percent(found.with_grid, n)})",
        f"with a key    {found.with_key:,} ({_percent(found.with_key, n)})",
        f"missing       {found.flagged_missing:,} ({_percent(found.flagged_missing, n)}) "
        "flagged by Mixxx's scanner"
        + ("" if found.missing_files is not None else "; --files checks the disk"),
    ]
    if found.missing_files is not None:
        lines.append(f"not on disk   {found.missing_files:,} ({_percent(found.missing_files, n)})")
    lines.append(f"genres        {found.genre_count:,} ({found.no_genre:,} tracks without)")
    most = max((c for _, c in found.genres), default=0)
    # Padded by terminal cells: a wide (CJK) genre name takes two per character.
    names = [one_line(g) for g, _ in found.genres]
    width = max(map(display_width, names), default=0)
    lines += [
        f"  {g}{' ' * (width - display_width(g))}  {c:>7,}  {_bar(c, most)}"
        for g, (_, c) in zip(names, found.genres, strict=True)
    ]
    cent = found.bpm_percentiles
    if cent:
        # p10..p90: where the middle 80 % of the tracks are, as a DJ reads a crate's range.
        lines.append(
            f"BPM           median {cent[50]}, 80 % of {found.with_bpm:,} tracks between "
            f"{cent[10]} and {cent[90]}"
        )
    else:
        lines.append("BPM           no track has a BPM")
    most = max((b.tracks for b in found.bpm_buckets), default=0)
    lines += [
        f"  {b.low:>3}-{b.low + b.width - 1:<3}  {b.tracks:>7,}  {_bar(b.tracks, most)}"
        for b in found.bpm_buckets
    ]
    keyed = f"{found.with_key:,} tracks by key ({notation}, Camelot order)"
    lines.append(f"keys          {keyed}" if found.keys else "keys          none")
    most = max((c for _, c in found.keys), default=0)
    # Traditional names get their Camelot code: the order of the list (harmonic).
    labels = [
        (f"{key_to_text(k, 'lancelot'):<3}  " if notation == "traditional" else "")
        + key_to_text(k, notation)
        for k, _ in found.keys
    ]
    width = max(map(display_width, labels), default=0)
    lines += [
        f"  {label}{' ' * (width - display_width(label))}  {c:>7,}  {_bar(c, most)}"
        for label, (_, c) in zip(labels, found.keys, strict=True)
    ]
    return lines


def register(app: typer.Typer) -> None:
    """Add ``info``, ``check`` and ``stats`` to the root command."""
    app.command("info")(info)
    app.command("check")(check)
    app.command("stats")(stats)
