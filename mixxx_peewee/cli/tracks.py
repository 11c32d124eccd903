"""``tracks`` (list, search, show, edit, hide, unhide, missing) and ``relocate``."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Iterator
from typing import Any

import typer

from mixxx_peewee.cli.argv import QueryCommand
from mixxx_peewee.cli.merge import PURGE
from mixxx_peewee.cli.merge import add_commands as add_merge_commands
from mixxx_peewee.cli.merge import merge_question
from mixxx_peewee.cli.nexttrack import add_commands as add_next_commands
from mixxx_peewee.cli.options import COLUMNS
from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import FORCE
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIMIT
from mixxx_peewee.cli.options import SORT_DESC
from mixxx_peewee.cli.options import TRACK_FORMAT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.options import TrackFormat
from mixxx_peewee.cli.relink import add_commands as add_relink_commands
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.cli.tracktext import analysis_lines
from mixxx_peewee.cli.tracktext import cue_entry
from mixxx_peewee.cli.tracktext import cue_text
from mixxx_peewee.cli.tracktext import field_value
from mixxx_peewee.cli.tracktext import option_kind
from mixxx_peewee.cli.tracktext import playlist_text
from mixxx_peewee.cli.tracktext import relocate_question
from mixxx_peewee.cli.tracktext import relocate_refusals
from mixxx_peewee.core.values import NumberRange
from mixxx_peewee.core.values import parse_range
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.tracks.edits import EDITABLE_FIELDS

__all__ = ["QueryCommand", "edit_options", "register"]

tracks_app = typer.Typer(
    help="List, search, show and edit tracks; hide them; find missing files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _bounded(text: str, name: str, low: float, high: float) -> NumberRange:
    """The range ``text`` names (see :func:`mixxx_peewee.core.values.parse_range`), its closed
    bounds within ``low``..``high``; raises ValidationError."""
    numbers = parse_range(text, name)
    closed = (numbers.low, numbers.high if numbers.include_high else None)
    if any(v is not None and not low <= v <= high for v in closed):
        raise ValidationError(f"bad {name} range {text!r}: {name}s are {low:g}..{high:g}")
    return numbers


def _hidden_choice(hidden: bool, include_hidden: bool) -> bool | None:
    if hidden:
        return True
    return None if include_hidden else False


_SORT = typer.Option(
    None,
    "--sort",
    help="Sort by these track columns, comma-separated; a leading - sorts one descending "
    "(bpm,-rating,artist; default: id; key sorts harmonically).",
)
_DESC = SORT_DESC
_LIMIT = LIMIT
_HIDDEN = typer.Option(False, "--hidden", help="Only hidden tracks.")
_ALL = typer.Option(False, "--all", "-a", help="Hidden tracks too.")
_COLUMNS = COLUMNS


def _stream(state: CliState, fmt: TrackFormat, columns: str | None, **query: Any) -> None:
    """``iter_tracks(**query)`` reading only what ``fmt`` (or ``--columns``) shows, printed."""
    from mixxx_peewee.cli.output import stream_tracks

    # Every format streams: no progress bar (the rows themselves show progress).
    stream_tracks(fmt, columns, **query)


@tracks_app.command("list")
def list_tracks(
    ctx: typer.Context,
    artist: str | None = typer.Option(None, help="Artist contains (case/accent-insensitive)."),
    title: str | None = typer.Option(None, help="Title contains."),
    album: str | None = typer.Option(None, help="Album contains."),
    genre: str | None = typer.Option(None, help="Genre contains."),
    composer: str | None = typer.Option(None, help="Composer contains."),
    comment: str | None = typer.Option(None, help="Comment contains."),
    bpm: str | None = typer.Option(
        None,
        help="BPM as bpm: in a search: 120-126, 128-, ..100, >125, =124 (124 as shown); "
        "124 also finds half and double tempo on Mixxx 2.4+ files, as Mixxx does.",
    ),
    key: str | None = typer.Option(None, help="Key in any notation: Am, 8A, 1m, A minor."),
    rating: str | None = typer.Option(None, help="Rating range 0..5: 4, 3-5, >=4."),
    year: str | None = typer.Option(None, help="Year or range: 1999, 1990-1999, 2020-."),
    filetype: str | None = typer.Option(None, help="File type: mp3, flac, …"),
    crate: str | None = typer.Option(None, help="Only tracks in this crate (id or name)."),
    playlist: str | None = typer.Option(
        None,
        help="The playlist's entries (id or name), in its running order with repeats; "
        "--sort orders them by a column instead.",
    ),
    missing: bool | None = typer.Option(
        None, "--missing/--present", help="Only tracks whose file is missing / present."
    ),
    added_after: str | None = typer.Option(
        None,
        help="Added on or after this date, read as added: reads it (local time): "
        "YYYY-MM-DD, YYYY-MM, YYYY, lastweek, lastmonth, lastyear.",
    ),
    added_before: str | None = typer.Option(None, help="Added before this date (the same forms)."),
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    sort: str | None = _SORT,
    desc: bool = _DESC,
    limit: int | None = _LIMIT,
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = _COLUMNS,
) -> None:
    """List tracks, filtered; streams in chunks, so it is fine on huge libraries.

    Example: mixxx-peewee tracks list --playlist "Friday set" -f m3u8
    """
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
        # Text as given: lookup reads digits as an id first, then as a name ("2024").
        "crate": crate,
        "playlist": playlist,
        "missing": missing,
        "added_after": added_after,
        "added_before": added_before,
    }
    # Ranges mean what the search syntax's bpm:/rating:/year: mean (query.bpm_term,
    # values.parse_range): --bpm TEXT is bpm:TEXT.
    if bpm is not None:
        filters["bpm_range"] = bpm
    if rating is not None:
        filters["rating"] = _bounded(rating, "rating", 0, 5)
    if year is not None:
        filters["year"] = _bounded(year, "year", 0, 9999)
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


@tracks_app.command("search", cls=QueryCommand)
def search(
    ctx: typer.Context,
    query: list[str] = typer.Argument(
        ...,
        metavar="QUERY",
        help='Mixxx search-bar syntax: words, -word, artist:"x y", genre:"", title:="x", '
        "bpm:120-126, ~bpm:128, ~key:8A, added:>=2024-05, id:12, a | b. Options may stand "
        "anywhere; a word after -- is always query text.",
    ),
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    sort: str | None = _SORT,
    desc: bool = _DESC,
    limit: int | None = _LIMIT,
    fmt: TrackFormat = TRACK_FORMAT,
    columns: str | None = _COLUMNS,
) -> None:
    """Search tracks the way Mixxx's search bar does (plus playlist:).

    What Mixxx's syntax does not support is searched as Mixxx would and explained in a
    note on stderr (-q silences notes). Example: mixxx-peewee tracks search house -remix
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.tracks.search import search_notes

    text = " ".join(query)
    for note in search_notes(text):
        state.note(f"note: {note}")
    _stream(
        state,
        fmt,
        columns,
        search=text,
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
    """Every column of one track (hidden tracks too), its crates, playlists and cues.

    Example: mixxx-peewee tracks show 7 --format json
    """
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
    model = tracks_by_ids([wanted]).get(wanted)
    if model is None:
        raise TrackNotFoundError(f"no track with id {wanted}")
    found = next(track_records([model]))
    if fmt in (TrackFormat.table, TrackFormat.json):
        from mixxx_peewee.analysis.grids import analysis_summary
        from mixxx_peewee.tracks.cues import list_cues
        from mixxx_peewee.tracks.usage import track_usage

        record = track_row(found)
        analysis = analysis_summary(model)
        usage = track_usage(wanted)
        cues = [cue_entry(cue) for cue in list_cues(wanted)]
        if fmt == TrackFormat.json:
            record.update(analysis)
            record["crates"] = [{"id": i, "name": name} for i, name in usage.crates]
            record["playlists"] = [
                {"id": p.id, "name": p.name, "kind": p.kind, "positions": list(p.positions)}
                for p in usage.playlists
            ]
            record["cues"] = cues
        else:
            record.update(analysis_lines(analysis))
            # "(none)" says it was looked up, where a blank could mean "not shown".
            crates = ", ".join(f"{name} ({i})" for i, name in usage.crates)
            record["crates"] = crates or "(none)"
            record["playlists"] = "; ".join(map(playlist_text, usage.playlists)) or "(none)"
            for n, cue in enumerate(cues, 1):
                record[f"cue {n}"] = cue_text(cue)
            if not cues:
                record["cues"] = "(none)"
        emit_record(record, fmt)
    else:
        emit_tracks([found], fmt)


UNLOCK = typer.Option(
    False, "--unlock", help="Change a BPM that is locked (bpm_lock) too; the lock stays set."
)


CONFIRM_ABOVE = 5  # tracks edit asks (or wants --yes) before editing more tracks than this


def edit(
    ctx: typer.Context,
    tracks: list[str] | None = typer.Argument(
        None, help="Track ids or file paths; '-' reads them from stdin (one per line)."
    ),
    search: str | None = typer.Option(
        None,
        "--search",
        help="Edit every visible track this Mixxx search finds (as tracks search does).",
    ),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
    unlock: bool = UNLOCK,
    convert_map: bool = typer.Option(
        False,
        "--convert-map",
        help="With --bpm on a 2.3 file: turn a beat map into a grid (as Mixxx 2.4+ does).",
    ),
    replace_invalid: bool = typer.Option(
        False,
        "--replace-invalid",
        help="With --bpm/--key: replace a grid or key map that does not decode.",
    ),
    **changes: Any,
) -> None:
    """Change the metadata of one track or many, in one transaction (refused while Mixxx
    runs unless --force).

    Every field of mixxx_peewee.tracks.edits.EDITABLE_FIELDS is an option; '' clears a text.
    --bpm '' clears the BPM and the beat grid, --key '' the key and the key map, as Mixxx's
    track menu does; a BPM or key edit rewrites each track's grid or key map. More than
    five tracks: asks first (--yes: does not ask); --search edits every visible track the
    search finds. Example: mixxx-peewee tracks edit 7 8 --genre House --dry-run
    """
    state: CliState = ctx.obj
    fields: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            continue
        spec = EDITABLE_FIELDS[name]
        cleared = isinstance(value, str) and value.lower() in spec.clears
        fields[name] = None if cleared else field_value(name, spec.kind, value)
    if not fields:
        raise typer.BadParameter("give at least one field to change, e.g. --genre House")
    if bool(tracks) == (search is not None):
        raise typer.BadParameter("give track ids or paths, or --search QUERY (one of the two)")
    state.open()
    from mixxx_peewee.cli.resolve import track_ids
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.tracks.edits import update_track
    from mixxx_peewee.tracks.edits import update_tracks

    if search is not None:
        from mixxx_peewee.tracks.reads import iter_tracks
        from mixxx_peewee.tracks.search import search_notes

        for note in search_notes(search):
            state.note(f"note: {note}")
        wanted = [int(row["id"]) for row in iter_tracks(search=search, columns=["id"])]
        if not wanted:
            raise ValidationError(f"no track matched the search {search!r}; nothing written")
    else:
        wanted = list(dict.fromkeys(track_ids(tracks or [])))
    options: dict[str, Any] = {
        "force": force,
        "unlock": unlock,
        "convert_map": convert_map,
        "replace_invalid": replace_invalid,
        **fields,
    }
    state.write(
        # One track: the singular (its output and journal entry as before the bulk edit).
        (lambda dry: update_track(wanted[0], dry_run=dry, **options))
        if len(wanted) == 1
        else (lambda dry: update_tracks(wanted, dry_run=dry, **options)),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=f"Edit {plural(len(wanted), 'track')}?" if len(wanted) > CONFIRM_ABOVE else None,
        yes=yes,
        as_json=as_json,
    )


def edit_options() -> dict[str, str]:
    """``{editable field: its --option}``, as ``tracks edit`` takes them."""
    return {name: "--" + name.replace("_", "-") for name in EDITABLE_FIELDS}


def _edit_signature() -> inspect.Signature:
    """``edit``'s parameters with one option per editable field before --dry-run (Typer
    reads a command's options from its signature)."""
    fixed = list(inspect.signature(edit, eval_str=True).parameters.values())
    options = []
    for name, flag in edit_options().items():
        spec = EDITABLE_FIELDS[name]
        names = (f"{flag}/--no-{flag[2:]}",) if spec.kind is bool else (flag,)
        options.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(None, *names, help=spec.help),
                annotation=option_kind(spec.kind, spec.clears) | None,
            )
        )
    ctx, tracks, *flags = fixed[:-1]  # **changes (last) gives way to the generated options
    flags = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in flags]
    return inspect.Signature([ctx, tracks, *options, *flags], return_annotation=None)


edit.__signature__ = _edit_signature()  # type: ignore[attr-defined]
tracks_app.command("edit")(edit)


_TRACKS_ARG = typer.Argument(..., help="Track ids or file paths; '-' reads them from stdin.")


@tracks_app.command("bpm")
def bpm(
    ctx: typer.Context,
    tracks: list[str] = typer.Argument(..., help="Track ids or paths; - reads them from stdin."),
    factor: str = typer.Option(
        ...,
        "--scale",
        help="Mixxx's track-menu factor: double (x2), halve (1/2), 2/3, 3/4, 4/3, 3/2.",
    ),
    dry_run: bool = DRY_RUN,
    force: bool = FORCE,
    unlock: bool = UNLOCK,
    as_json: bool = JSON_RESULT,
) -> None:
    """Multiply the beat grids of many tracks by a factor, in one transaction.

    Mixxx keeps the first beat and scales the tempo; a track with a BPM but no grid gets a
    grid of the scaled BPM (as tracks edit --bpm makes one). Tracks with a beat map, a
    broken grid, no BPM or a locked BPM (unless --unlock) are skipped and counted; when
    none can be scaled it is an error. Refused while Mixxx runs unless --force.
    Example: mixxx-peewee tracks bpm 12 15 --scale double --dry-run
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.analysis.grids import parse_scale_factor
    from mixxx_peewee.analysis.grids import scale_bpm
    from mixxx_peewee.cli.resolve import track_ids
    from mixxx_peewee.core.running import TRACK_DATA

    name = parse_scale_factor(factor)
    wanted = list(track_ids(tracks))
    state.write(
        lambda dry: scale_bpm(wanted, name, dry_run=dry, force=force, unlock=unlock),
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        as_json=as_json,
    )


def _hide_or_unhide(
    ctx: typer.Context, tracks: list[str], dry_run: bool, as_json: bool, hide: bool
) -> None:
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.cli.resolve import track_ids
    from mixxx_peewee.tracks.edits import hide_tracks
    from mixxx_peewee.tracks.edits import unhide_tracks

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
    from mixxx_peewee.cli.output import listing_columns
    from mixxx_peewee.tracks.reads import missing_tracks

    shown = listing_columns(fmt)  # only what the format shows is read
    found = missing_tracks(hidden=_hidden_choice(hidden, include_hidden), columns=shown)
    rows: Iterator[dict[str, Any]] = ({"reason": reason, **track} for track, reason in found)
    emit_tracks(rows, fmt, extra=("reason",))


def relocate(
    ctx: typer.Context,
    old_prefix: str = typer.Argument(
        ..., help="The folder the files were in (or one file's old path)."
    ),
    new_prefix: str = typer.Argument(
        ..., help="The folder they are in now (or that file's new path)."
    ),
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    allow_missing: bool = typer.Option(
        False,
        "--allow-missing",
        help="Relocate even when target files do not exist (they will show as missing).",
    ),
    as_json: bool = JSON_RESULT,
) -> None:
    """Point every track under OLD_PREFIX to NEW_PREFIX (files moved outside Mixxx).

    A real path-prefix match: /music/a does not touch /music/ab. Refused when a new
    path belongs to another track already, or when target files do not exist (a typo:
    --allow-missing relocates anyway); --dry-run lists every change and counts the
    targets on disk. Example: mixxx-peewee relocate /media/old/Music /media/new/Music -n
    """
    state: CliState = ctx.obj
    from mixxx_peewee.core.running import TRACK_DATA
    from mixxx_peewee.tracks.relocate import relocate_tracks

    def operation(dry: bool) -> Any:
        # A pulsing bar on a terminal while 100,000 paths are planned or rewritten.
        with state.progress_callback("planning" if dry else "relocating"):
            return relocate_tracks(
                old_prefix, new_prefix, dry_run=dry, force=force, allow_missing=allow_missing
            )

    state.write(
        operation,
        dry_run=dry_run,
        guard=TRACK_DATA,
        force=force,
        confirm=relocate_question,
        yes=yes,
        as_json=as_json,
        check=lambda plan: relocate_refusals(plan, allow_missing),
    )


def register(app: typer.Typer) -> None:
    """Add ``tracks`` and ``relocate`` to the root command."""
    app.add_typer(tracks_app, name="tracks")
    add_relink_commands(tracks_app)
    app.command("relocate")(relocate)
    add_merge_commands(tracks_app)
    add_next_commands(tracks_app)


class DuplicateRule(enum.StrEnum):
    """Which rule ``tracks duplicates`` applies."""

    both = "both"
    by_title = "title"  # not "title": that would shadow str.title
    by_size = "size"


# What one needs to choose between copies: the format, its quality, its size, where it is.
_DUPLICATE_COLUMNS = (
    "id", "artist", "title", "duration", "filetype", "bitrate", "filesize", "location",
)  # fmt: skip


@tracks_app.command("duplicates")
def duplicates(
    ctx: typer.Context,
    tolerance: float = typer.Option(
        2.0, "--tolerance", min=0, help="Seconds two durations may differ (default 2)."
    ),
    by: DuplicateRule = typer.Option(
        DuplicateRule.both,
        "--by",
        case_sensitive=False,
        help="title: same artist and title; size: same file size; both (default).",
    ),
    hidden: bool = _HIDDEN,
    include_hidden: bool = _ALL,
    fmt: TrackFormat = TRACK_FORMAT,
    merge: bool = typer.Option(
        False,
        "--merge",
        help="Merge each group into its best copy (lossless first, then the higher bit "
        "rate, then the larger file, then the lower id), as tracks merge does.",
    ),
    purge: bool = PURGE,
    dry_run: bool = DRY_RUN,
    yes: bool = YES,
    force: bool = FORCE,
    as_json: bool = JSON_RESULT,
) -> None:
    """Groups of likely duplicates: the same artist and title, or the same file size.

    Artist and title are compared ignoring case, accents, spacing and an "(Original Mix)"
    suffix; durations must be within --tolerance seconds. Each row carries its group
    number and the rule that matched; --merge merges each group into its best copy.
    Example: mixxx-peewee tracks duplicates --tolerance 1
    """
    state: CliState = ctx.obj
    state.open()
    from mixxx_peewee.tracks.duplicates import BY_NAME
    from mixxx_peewee.tracks.duplicates import BY_SIZE

    rules = {"both": (BY_NAME, BY_SIZE), "title": (BY_NAME,), "size": (BY_SIZE,)}[by.value]
    if merge:
        from mixxx_peewee.core.running import TRACK_DATA
        from mixxx_peewee.tracks.merge import merge_duplicates

        state.write(
            lambda dry: merge_duplicates(
                tolerance=tolerance, hidden=_hidden_choice(hidden, include_hidden),
                rules=rules, purge=purge, dry_run=dry, force=force,
            ),
            dry_run=dry_run, guard=TRACK_DATA, force=force, confirm=merge_question, yes=yes,
            as_json=as_json,
        )  # fmt: skip
        return
    if purge or dry_run or yes or force or as_json:
        raise typer.BadParameter("--purge, --dry-run, --yes, --force and --json go with --merge")
    from mixxx_peewee.cli.output import emit_tracks
    from mixxx_peewee.cli.output import track_records
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.lookup import tracks_by_ids
    from mixxx_peewee.tracks.duplicates import find_duplicates

    groups = find_duplicates(
        tolerance=tolerance, hidden=_hidden_choice(hidden, include_hidden), rules=rules
    )
    wanted = [i for g in groups for i in g.track_ids]
    if fmt == TrackFormat.ids:  # the ids are all there is to print: no track is read
        typer.echo("\n".join(map(str, wanted)) if wanted else "", nl=bool(wanted))
        state.note(f"{plural(len(groups), 'group')} of likely duplicates, "
                   f"{plural(len(wanted), 'track')}")  # fmt: skip
        return
    models = tracks_by_ids(wanted)

    def rows() -> Iterator[dict[str, Any]]:
        for group in groups:
            found = [models[i] for i in group.track_ids if i in models]
            for record in track_records(found):
                yield {"group": group.group, "reason": group.reason, **record}

    columns = list(_DUPLICATE_COLUMNS) if fmt == TrackFormat.table else None
    emit_tracks(rows(), fmt, extra=("group", "reason"), columns=columns)
    state.note(f"{plural(len(groups), 'group')} of likely duplicates, "
               f"{plural(len(wanted), 'track')}")  # fmt: skip
