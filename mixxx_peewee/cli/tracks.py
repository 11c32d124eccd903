"""``tracks`` (list, search, show, edit, hide, unhide, missing) and ``relocate``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import TRACK_FORMAT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.options import TrackFormat
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.errors import ValidationError

__all__ = ["parse_range", "register"]

tracks_app = typer.Typer(
    help="List, search, show and edit tracks; hide them; find missing files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)?\s*(?:(-|\.\.)\s*(\d+(?:\.\d+)?)?)?\s*$")


def parse_range(text: str, name: str) -> tuple[float | None, float | None]:
    """``120-126``, ``120..126``, ``120-``, ``..126`` or ``124``; raises ValidationError."""
    match = _RANGE.match(text)
    if not match or not (match.group(1) or match.group(3)):
        raise ValidationError(f"bad {name} range {text!r}: use LOW-HIGH, LOW-, ..HIGH or VALUE")
    low = float(match.group(1)) if match.group(1) else None
    high = float(match.group(3)) if match.group(3) else None
    if match.group(2) is None:
        high = low
    if low is not None and high is not None and low > high:
        raise ValidationError(f"bad {name} range {text!r}: {low:g} is above {high:g}")
    return low, high


def _id_or_name(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if text.isascii() and text.isdigit() else text


def _hidden_choice(hidden: bool, include_hidden: bool) -> bool | None:
    if hidden:
        return True
    return None if include_hidden else False


_SORT = typer.Option(None, "--sort", help="Sort by this track column (default: id).")
_DESC = typer.Option(False, "--desc", help="Sort descending.")
_LIMIT = typer.Option(None, "--limit", min=0, help="At most this many tracks.")
_HIDDEN = typer.Option(False, "--hidden", help="Only hidden tracks.")
_ALL = typer.Option(False, "--all", "-a", help="Hidden tracks too.")
_COLUMNS = typer.Option(
    None,
    "--columns",
    help="Comma-separated columns to show, in this order (table, json, jsonl, csv); "
    "only these are read. An unknown name lists the file's columns.",
)


def _stream(state: CliState, fmt: TrackFormat, columns: str | None, **query: Any) -> None:
    """``iter_tracks(**query)`` reading only what ``fmt`` (or ``--columns``) shows, printed."""
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.cli.output import listing_columns
    from mixxx_peewee.tracks import iter_tracks

    shown = listing_columns(fmt, columns)
    tracks = iter_tracks(columns=shown, **query)
    if fmt == TrackFormat.table:
        tracks = state.progress(tracks, total=None, label="reading tracks")
    emit_tracks(tracks, fmt, columns=None if columns is None else shown)


@tracks_app.command("list")
def list_tracks(
    ctx: typer.Context,
    artist: str | None = typer.Option(None, help="Artist contains (case/accent-insensitive)."),
    title: str | None = typer.Option(None, help="Title contains."),
    album: str | None = typer.Option(None, help="Album contains."),
    genre: str | None = typer.Option(None, help="Genre contains."),
    composer: str | None = typer.Option(None, help="Composer contains."),
    comment: str | None = typer.Option(None, help="Comment contains."),
    bpm: str | None = typer.Option(None, help="BPM range: 120-126, 128-, ..100 or 124."),
    key: str | None = typer.Option(None, help="Key in any notation: Am, 8A, 1m, A minor."),
    rating: str | None = typer.Option(None, help="Rating range 0..5: 4, 3-5."),
    year: str | None = typer.Option(None, help="Year or range: 1999, 1990-1999."),
    filetype: str | None = typer.Option(None, help="File type: mp3, flac, …"),
    crate: str | None = typer.Option(None, help="Only tracks in this crate (id or name)."),
    playlist: str | None = typer.Option(None, help="Only tracks in this playlist (id or name)."),
    missing: bool | None = typer.Option(
        None, "--missing/--present", help="Only tracks whose file is missing / present."
    ),
    added_after: str | None = typer.Option(None, help="Added on or after YYYY-MM-DD."),
    added_before: str | None = typer.Option(None, help="Added before YYYY-MM-DD."),
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    sort: str | None = _SORT,
    desc: bool = _DESC,
    limit: int | None = _LIMIT,
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = _COLUMNS,
) -> None:
    """List tracks, filtered; streams in chunks, so it is fine on huge libraries."""
    state: CliState = ctx.obj
    state.open()
    filters: dict[str, Any] = {
        "artist": artist,
        "title": title,
        "album": album,
        "genre": genre,
        "composer": composer,
        "comment": comment,
        "key": key,
        "filetype": filetype,
        "crate": _id_or_name(crate),
        "playlist": _id_or_name(playlist),
        "missing": missing,
        "added_after": added_after,
        "added_before": added_before,
    }
    if bpm is not None:
        filters["bpm_range"] = parse_range(bpm, "BPM")
    if rating is not None:
        low, high = parse_range(rating, "rating")
        if any(v is not None and not 0 <= v <= 5 for v in (low, high)):
            raise ValidationError(f"bad rating range {rating!r}: ratings are 0..5")
        filters["rating"] = (_whole(low), _whole(high))
    if year is not None:
        low, high = parse_range(year, "year")
        if any(v is not None and not 0 <= v <= 9999 for v in (low, high)):
            raise ValidationError(f"bad year range {year!r}")
        filters["year"] = (_whole(low), _whole(high))
    filters = {k: v for k, v in filters.items() if v is not None}
    _stream(
        state,
        fmt,
        columns,
        hidden=_hidden_choice(hidden, include_hidden),
        sort=sort,
        descending=desc,
        limit=limit,
        **filters,
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


@tracks_app.command("search")
def search(
    ctx: typer.Context,
    query: list[str] = typer.Argument(
        ..., help='Mixxx search-bar syntax: words, artist:"x y", bpm:120-126, -genre:pop.'
    ),
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    sort: str | None = _SORT,
    desc: bool = _DESC,
    limit: int | None = _LIMIT,
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = _COLUMNS,
) -> None:
    """Search tracks the way Mixxx's search bar does (plus crate: and playlist:)."""
    state: CliState = ctx.obj
    state.open()
    _stream(
        state,
        fmt,
        columns,
        search=" ".join(query),
        hidden=_hidden_choice(hidden, include_hidden),
        sort=sort,
        descending=desc,
        limit=limit,
    )


@tracks_app.command("show")
def show(
    ctx: typer.Context,
    track: str = typer.Argument(..., help="Track id or file path."),
    fmt: TrackFormat = TRACK_FORMAT,
) -> None:
    """Every column of one track (hidden tracks too)."""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import emit_record
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.cli.output import track_records
    from mixxx_peewee.cli.output import track_row
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.errors import TrackNotFoundError
    from mixxx_peewee.lookup import tracks_by_ids

    wanted = track_id(track)
    found = next(track_records(tracks_by_ids([wanted]).values()), None)
    if found is None:
        raise TrackNotFoundError(f"no track with id {wanted}")
    if fmt in (TrackFormat.table, TrackFormat.json):
        emit_record(track_row(found), fmt)
    else:
        emit_tracks([found], fmt)


_TEXT_EDITS = (
    "artist",
    "title",
    "album",
    "album_artist",
    "composer",
    "genre",
    "grouping",
    "comment",
    "year",
    "tracknumber",
)


@tracks_app.command("edit")
def edit(
    ctx: typer.Context,
    track: str = typer.Argument(..., help="Track id or file path."),
    artist: str | None = typer.Option(None, help="New artist ('' clears)."),
    title: str | None = typer.Option(None, help="New title ('' clears)."),
    album: str | None = typer.Option(None, help="New album ('' clears)."),
    album_artist: str | None = typer.Option(None, help="New album artist ('' clears)."),
    composer: str | None = typer.Option(None, help="New composer ('' clears)."),
    genre: str | None = typer.Option(None, help="New genre ('' clears)."),
    grouping: str | None = typer.Option(None, help="New grouping ('' clears)."),
    comment: str | None = typer.Option(None, help="New comment ('' clears)."),
    year: str | None = typer.Option(None, help="New year ('' clears)."),
    tracknumber: str | None = typer.Option(None, help="New track number ('' clears)."),
    bpm: float | None = typer.Option(None, help="New BPM (> 0)."),
    key: str | None = typer.Option(None, help="New key in any notation ('' clears)."),
    rating: int | None = typer.Option(None, help="New rating 0..5 (0: none)."),
    color: str | None = typer.Option(None, help="New colour #RRGGBB, or 'none'."),
    dry_run: bool = DRY_RUN,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Change a track's metadata (refused while Mixxx runs unless --force)."""
    state: CliState = ctx.obj
    given = locals()
    fields: dict[str, Any] = {}
    for name in _TEXT_EDITS:
        if given[name] is not None:
            fields[name] = given[name] or None
    if bpm is not None:
        fields["bpm"] = bpm
    if key is not None:
        fields["key"] = key
    if rating is not None:
        fields["rating"] = rating
    if color is not None:
        fields["color"] = None if color.strip().lower() in ("", "none") else color
    if not fields:
        raise typer.BadParameter("give at least one field to change, e.g. --genre House")
    state.open()
    from mixxx_peewee.cli.resolve import track_id
    from mixxx_peewee.running import TRACK_DATA
    from mixxx_peewee.tracks import update_track

    wanted = track_id(track)
    state.write(
        lambda dry: update_track(wanted, dry_run=dry, force=force, **fields),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        as_json=as_json,
    )


_TRACKS_ARG = typer.Argument(..., help="Track ids or file paths; '-' reads them from stdin.")


def _hide_or_unhide(
    ctx: typer.Context, tracks: list[str], dry_run: bool, as_json: bool, hide: bool
) -> None:
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.resolve import track_ids
    from mixxx_peewee.tracks import hide_tracks
    from mixxx_peewee.tracks import unhide_tracks

    ids = track_ids(tracks)
    operation = hide_tracks if hide else unhide_tracks
    state.write(lambda dry: operation(ids, dry_run=dry), dry_run=dry_run, as_json=as_json)


@tracks_app.command("hide")
def hide(
    ctx: typer.Context,
    tracks: list[str] = _TRACKS_ARG,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Hide tracks (Mixxx's "remove from library"; they keep their crates and playlists)."""
    _hide_or_unhide(ctx, tracks, dry_run, as_json, hide=True)


@tracks_app.command("unhide")
def unhide(
    ctx: typer.Context,
    tracks: list[str] = _TRACKS_ARG,
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_RESULT,
) -> None:
    """Show hidden tracks in the library again."""
    _hide_or_unhide(ctx, tracks, dry_run, as_json, hide=False)


@tracks_app.command("missing")
def missing(
    ctx: typer.Context,
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    fmt: TrackFormat = TRACK_FORMAT,
) -> None:
    """Tracks whose file is not on disk, and why (file-gone, link-target-absent, fs-deleted)."""
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.tracks import missing_tracks

    found = missing_tracks(hidden=_hidden_choice(hidden, include_hidden))
    rows: Iterator[dict[str, Any]] = ({"reason": reason, **track} for track, reason in found)
    if fmt == TrackFormat.table:
        rows = state.progress(rows, total=None, label="checking files")
    emit_tracks(rows, fmt, extra=("reason",))


def relocate(
    ctx: typer.Context,
    old_prefix: str = typer.Argument(..., help="The folder the files were in."),
    new_prefix: str = typer.Argument(..., help="The folder they are in now."),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Point every track under OLD_PREFIX to NEW_PREFIX (files moved outside Mixxx).

    A real path-prefix match: /music/a does not touch /music/ab. Refused when a new
    path belongs to another track already; --dry-run lists every change.
    """
    state: CliState = ctx.obj
    from mixxx_peewee.running import TRACK_DATA
    from mixxx_peewee.tracks import relocate_tracks

    def operation(dry: bool) -> Any:
        # A pulsing bar on a terminal while 100,000 paths are planned or rewritten.
        with state.progress_callback("planning" if dry else "relocating"):
            return relocate_tracks(old_prefix, new_prefix, dry_run=dry, force=force)

    state.write(
        operation,
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=f"Relocate tracks under {old_prefix} to {new_prefix}?",
        yes=yes,
        as_json=as_json,
        check=_no_collisions,
    )


def _no_collisions(plan: Any) -> None:
    from mixxx_peewee.tracks import RelocateCollisionError

    collisions = getattr(plan.value, "collisions", None)
    if collisions:
        first = collisions[0]
        raise RelocateCollisionError(
            f"{len(collisions)} track(s) would collide with tracks already at the target, "
            f"e.g. {first[1]} -> {first[2]}; nothing written",
            plan.value,
        )


def register(app: typer.Typer) -> None:
    """Add ``tracks`` and ``relocate`` to the root command."""
    app.add_typer(tracks_app, name="tracks")
    app.command("relocate")(relocate)
