"""Option bundles every command shares, so each flag means the same everywhere."""

from __future__ import annotations

import enum

import typer

__all__ = [
    "COLUMNS",
    "DRY_RUN",
    "FORCE",
    "JSON_RESULT",
    "LIMIT",
    "LIST_FORMAT",
    "SORT_DESC",
    "TRACK_FORMAT",
    "YES",
    "ListFormat",
    "TrackFormat",
]


class ListFormat(enum.StrEnum):
    """Formats of a listing of playlists, crates or cues."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"


class TrackFormat(enum.StrEnum):
    """Formats of a track listing: those of any listing plus M3U8."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"
    m3u8 = "m3u8"


LIST_FORMAT = typer.Option(
    ListFormat.table, "--format", "-f", help="Output format.", case_sensitive=False
)
TRACK_FORMAT = typer.Option(
    TrackFormat.table, "--format", "-f", help="Output format.", case_sensitive=False
)
DRY_RUN = typer.Option(False, "--dry-run", "-n", help="Print what would change; write nothing.")
YES = typer.Option(
    False, "--yes", "-y", help="Do not ask for confirmation (required when not on a terminal)."
)
FORCE = typer.Option(
    False, "--force", help="Write even though Mixxx is running (it may overwrite the change)."
)
JSON_RESULT = typer.Option(
    False, "--json", help="Print what changed (or would change) as one JSON object."
)
SORT_DESC = typer.Option(False, "--desc", help="Sort descending.")
LIMIT = typer.Option(None, "--limit", min=0, help="At most this many tracks.")
COLUMNS = typer.Option(
    None,
    "--columns",
    help="Comma-separated columns to show, in this order (table, json, jsonl, csv); "
    "only these are read. An unknown name lists the file's columns.",
)
