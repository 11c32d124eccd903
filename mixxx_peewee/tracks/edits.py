"""Changing tracks: edit their metadata, hide and unhide them.

Writes validate everything first and then run one short ``BEGIN IMMEDIATE`` transaction.
:data:`EDITABLE_FIELDS` is the one list of what can be edited: each field's kind, help
text and check; the ``tracks edit`` command builds its options from it.

Running-Mixxx guard: metadata edits (:func:`update_track`) are TRACK_DATA (refused unless
forced: Mixxx writes cached tracks back over them); hiding is STRUCTURE (Mixxx never
writes ``mixxx_deleted`` back from its cache).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.core.keys import parse_key
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.results import series
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.values import MAX_BPM
from mixxx_peewee.core.values import change_text
from mixxx_peewee.core.values import chunked
from mixxx_peewee.core.values import parse_color
from mixxx_peewee.core.values import parse_track_ids
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_update
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.lookup import run_query
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.trackset.membership import existing_track_ids

__all__ = [
    "EDITABLE_FIELDS",
    "EditableField",
    "hide_tracks",
    "require_columns",
    "unhide_tracks",
    "update_track",
    "update_tracks",
]

Check = Callable[[str, Any], dict[str, Any]]  # (field, value) -> {column: value to store}


@dataclass(frozen=True)
class EditableField:
    """One editable track field: the kind of value it takes, its help, how it is checked.

    ``kind`` is the Python type a command-line option gives (``str``, ``int``, ``float`` or
    ``bool``; a number field that ``clears`` takes text there, converted by the command);
    ``check`` turns a value into the columns to write or raises ValidationError; ``clears``
    are the command-line words that clear the field (passed on as None).
    """

    kind: type
    help: str
    check: Check
    clears: tuple[str, ...] = ("",)


def _text(name: str, value: Any) -> dict[str, Any]:
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be text or None, not {value!r}")
    return {name: value}


def _number_text(name: str, value: Any) -> dict[str, Any]:
    # Mixxx stores year, track number and total as TEXT ("2021-04-01", "3", "12").
    if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
        raise ValidationError(f"{name} must be text, a whole number or None, not {value!r}")
    return {name: None if value is None else str(value)}


def _bpm(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {name: 0.0}  # Mixxx's "no BPM" (Bpm::kValueUndefined)
    # The grids' one BPM rule (the codec loads with it: a BPM edit rewrites the grid anyway).
    from mixxx_peewee.analysis.grids import check_bpm

    return {name: check_bpm(value)}


def _flag(name: str, value: Any) -> dict[str, Any]:
    if value is None or value not in (0, 1):
        raise ValidationError(f"{name} must be 0/1 or a bool, not {value!r}")
    return {name: int(value)}


def _rating(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ValidationError(f"rating must be a whole number 0..5, not {value!r}")
    return {name: value}


def _color(name: str, value: Any) -> dict[str, Any]:
    return {name: parse_color(value)}


def _key(name: str, value: Any) -> dict[str, Any]:
    # The key text and Mixxx's canonical key id always change together.
    if value is None or value == "":
        return {"key": "", "key_id": 0}
    key_id = parse_key(value)
    return {"key": key_to_text(key_id), "key_id": key_id}


def _text_field(what: str) -> EditableField:
    return EditableField(str, f"New {what} ('' clears).", _text)


# Field -> how it is edited. Order: the order of the ``tracks edit`` options.
EDITABLE_FIELDS: dict[str, EditableField] = {
    "artist": _text_field("artist"),
    "title": _text_field("title"),
    "album": _text_field("album"),
    "album_artist": _text_field("album artist"),
    "composer": _text_field("composer"),
    "genre": _text_field("genre"),
    "grouping": _text_field("grouping"),
    "comment": _text_field("comment"),
    "url": _text_field("URL"),
    "year": EditableField(str, "New year ('' clears).", _number_text),
    "tracknumber": EditableField(str, "New track number ('' clears).", _number_text),
    "tracktotal": EditableField(
        str, "New number of tracks on the album ('' clears).", _number_text
    ),
    "bpm": EditableField(
        float,
        f"New BPM (> 0, <= {MAX_BPM:g}); '' clears the BPM and the beat grid (as Mixxx's "
        "'Clear BPM and Beatgrid').",
        _bpm,
    ),
    "bpm_lock": EditableField(bool, "Lock the BPM (Mixxx then keeps the beat grid).", _flag, ()),
    "key": EditableField(
        str,
        "New key in any notation; '' clears the key and the key map (Mixxx's 'Clear key').",
        _key,
    ),
    "rating": EditableField(int, "New rating 0..5 (0: none).", _rating, ()),
    "color": EditableField(str, "New colour #RRGGBB, or 'none'.", _color, ("", "none")),
}


def require_columns(library: MixxxLibrary, touches: list[tuple[str, str]]) -> None:
    """Raise SchemaVersionError unless this file has every ``(table, column)`` to write.

    Checked before planning, so a dry run says so too.
    """
    for table in {t for t, _ in touches}:
        bad = library.schema.unwritable_columns(table, [c for t, c in touches if t == table])
        if bad:
            names = ", ".join(f"{table}.{c}" for c in bad)
            raise SchemaVersionError(
                f"{library.path}: cannot write {names}: absent or of another type in this file"
            )


def _validate_update(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        allowed = ", ".join(sorted(EDITABLE_FIELDS))
        raise ValidationError(f"cannot edit track field {unknown[0]!r} (editable: {allowed})")
    values: dict[str, Any] = {}
    for name, value in fields.items():
        values.update(EDITABLE_FIELDS[name].check(name, value))
    return values


@journalled
def update_track(
    track: TrackLike,
    *,
    dry_run: bool = False,
    force: bool = False,
    unlock: bool = False,
    convert_map: bool = False,
    replace_invalid: bool = False,
    **fields: Any,
) -> WriteResult[int]:
    """Set editable fields of one track: :func:`update_tracks` of that track alone.

    ``track``: a Track, an id or a path as Mixxx stores it (:data:`TrackLike`). Raises
    what :func:`update_tracks` raises.
    """
    result = update_tracks(
        [track],
        dry_run=dry_run,
        force=force,
        unlock=unlock,
        convert_map=convert_map,
        replace_invalid=replace_invalid,
        **fields,
    )
    return WriteResult(
        "update-track",
        dry_run=result.dry_run,
        changes=result.changes,
        counts=result.counts,
        notes=result.notes,
        unchanged=result.unchanged,
        value=result.value[0],
    )


# What bpm_edit/key_edit read of a track besides the columns an edit writes.
_PLANNER_INPUTS = (
    "bpm", "bpm_lock", "beats", "beats_version", "beats_sub_version", "samplerate", "cuepoint",
    "keys", "keys_version", "keys_sub_version", "key", "key_id",
)  # fmt: skip


def _stored_rows(ids: list[int], columns: list[str]) -> dict[int, dict[str, Any]]:
    """``{id: {column: stored value}}`` of the tracks among ``ids``, in chunked reads."""
    picked = [Track.id, *(Track._meta.fields[c] for c in columns)]
    rows = for_each_chunk(
        lambda marks: Track.select(*picked).where(Track.id.in_(marks)), sorted(set(ids))
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def _track_values(
    current: Track,
    fields: dict[str, Any],
    values: dict[str, Any],
    *,
    unlock: bool,
    convert_map: bool,
    replace_invalid: bool,
) -> dict[str, Any]:
    """The columns one track's edit writes: ``values`` plus a BPM's grid and a key's key
    map, the way Mixxx's own editor writes them (:mod:`mixxx_peewee.analysis.grids`)."""
    # The grid and key-map planners decode blobs: the codec loads only for these edits.
    from mixxx_peewee.analysis.grids import bpm_clear
    from mixxx_peewee.analysis.grids import bpm_edit
    from mixxx_peewee.analysis.grids import key_clear
    from mixxx_peewee.analysis.grids import key_edit

    values = dict(values)
    if "bpm" in fields and fields["bpm"] is None:
        values.update(bpm_clear(current, unlock=unlock))
    elif "bpm" in fields:
        values.update(
            bpm_edit(
                current,
                values["bpm"],
                unlock=unlock,
                convert_map=convert_map,
                replace_invalid=replace_invalid,
            )
        )
    if "key" in fields and not values["key_id"]:
        values.update(key_clear(current))
    elif "key" in fields:
        values.update(key_edit(current, values["key_id"], replace_invalid=replace_invalid))
    return values


def _sql_literal(value: Any) -> str:
    """``value`` as an SQL literal of its own type (text as UTF-8 bytes cast to TEXT, so
    every character, quotes and NUL too, arrives as it is)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return f"CAST(X'{value.encode('utf-8').hex()}' AS TEXT)"
    if isinstance(value, (bool, int)):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    raise ValidationError(f"cannot write {value!r} set-wise")  # pragma: no cover - checked


@journalled
def update_tracks(
    tracks: Iterable[TrackLike] | TrackLike,
    *,
    dry_run: bool = False,
    force: bool = False,
    unlock: bool = False,
    convert_map: bool = False,
    replace_invalid: bool = False,
    **fields: Any,
) -> WriteResult[list[int]]:
    """Set the same editable fields on many tracks in one transaction; a BPM or key the way
    Mixxx's own editor does, for each track.

    ``tracks``: Tracks, ids or paths as Mixxx stores them (:data:`TrackLike`), or one alone;
    ``value`` is their ids, in order. A BPM rewrites each beat grid (same first beat, the
    new tempo; a beat map becomes a grid on 2.4+ files, or with ``convert_map``) and a key
    writes a user key map, so Mixxx shows and keeps them (:mod:`mixxx_peewee.analysis.grids`);
    ``bpm=None`` clears the BPM and the beats, ``key=None`` (or ``""``) the key and the key
    map, as Mixxx's "Clear BPM and Beatgrid" and "Clear key" do. ``force``: even though
    Mixxx is running; ``unlock``: change or clear a locked BPM; ``replace_invalid``:
    replace a blob that does not decode. ``changes``: ``track N: field old -> new``.
    Any refusal refuses the whole edit (nothing written). Raises ValidationError (unknown
    field, bad value, no tracks), LockedError, TrackNotFoundError (naming unknown ids),
    SchemaVersionError (column absent in this file), MixxxRunningError, ReadOnlyError.
    """
    library = current_library()
    if not fields:
        raise ValidationError("nothing to update: give at least one field")
    values = _validate_update(fields)
    wanted = list(dict.fromkeys(parse_track_ids(track_ids_of(tracks))))
    if not wanted:
        raise ValidationError("no tracks given")
    blobs = "beats" in Track._meta.fields and "keys" in Track._meta.fields
    # Per track only where each track's value differs: a BPM's grid, a key's key map.
    per_track = blobs and ("bpm" in fields or "key" in fields)
    written = list(values)
    if per_track:
        written += [c for c in _PLANNER_INPUTS if c in Track._meta.fields and c not in values]
    require_columns(library, [("library", name) for name in values])
    rows = run_query(lambda: _stored_rows(wanted, written))
    absent = [i for i in wanted if i not in rows]
    if absent:
        raise TrackNotFoundError(f"no track with id {series(absent)}")
    result: WriteResult[list[int]] = WriteResult("update-tracks", dry_run=dry_run, value=wanted)
    planned: dict[int, dict[str, Any]] = {}  # track id -> the columns to write
    for track_id in wanted:
        old = rows[track_id]
        new = values
        if per_track:
            current = Track(id=track_id, **old)
            new = _track_values(
                current,
                fields,
                values,
                unlock=unlock,
                convert_map=convert_map,
                replace_invalid=replace_invalid,
            )
        changed = False
        for name, value in new.items():
            if old.get(name) != value:
                shown = f"{change_text(name, old.get(name))} -> {change_text(name, value)}"
                result.add(f"track {track_id}: {name} {shown}")
                result.count("changed")
                changed = True
        if changed:
            planned[track_id] = new
    if len(planned) < len(wanted):
        same = [i for i in wanted if i not in planned]
        if len(wanted) == 1:
            result.keep(f"track {same[0]} has these values already")
        else:
            verb = "has" if len(same) == 1 else "have"
            result.keep(f"{plural(len(same), 'track')} {verb} these values already")
    result.notes.extend(guard_notes(TRACK_DATA, force=force, dry_run=dry_run))
    touches = [("library", name) for name in next(iter(planned.values()), values)]
    require_columns(library, touches)
    if dry_run or not planned:
        return result
    with write_transaction(touches):
        if per_track:
            _write_each(planned)
        else:
            # Set-wise (bench row "edit the genre of 100,000 tracks"): one UPDATE, its
            # images taken by the same statement's expressions.
            sets = {name: _sql_literal(value) for name, value in values.items()}
            bulk_update(
                "library",
                sets,
                "id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(planned)),),
                last=True,
            )
    return result


def _write_each(planned: dict[int, dict[str, Any]]) -> None:
    """One UPDATE per track (the values differ per track), built once, run per row."""
    names = list(next(iter(planned.values())))
    fields = [Track._meta.fields[name] for name in names]

    def statement(*slots: Any) -> Any:
        return Track.update(dict(zip(fields, slots[:-1], strict=True))).where(Track.id == slots[-1])

    run_for_each(statement, [[*(new[n] for n in names), i] for i, new in planned.items()])


def _set_hidden(
    tracks: Iterable[TrackLike] | TrackLike, hidden: int, dry_run: bool, force: bool
) -> WriteResult[list[int]]:
    library = current_library()
    wanted = list(dict.fromkeys(parse_track_ids(track_ids_of(tracks))))
    touches = [("library", "mixxx_deleted")]
    require_columns(library, touches)
    state = run_query(lambda: existing_track_ids(wanted))  # {id: hidden}
    absent = [i for i in wanted if i not in state]
    if absent:
        shown = ", ".join(str(i) for i in absent[:10]) + (" …" if len(absent) > 10 else "")
        raise TrackNotFoundError(f"no track with id {shown}")
    verb = "hide" if hidden else "unhide"
    result: WriteResult[list[int]] = WriteResult(f"{verb}-tracks", dry_run=dry_run)
    change = [i for i in wanted if state[i] != bool(hidden)]
    result.counts = {"changed": len(change), "already": len(wanted) - len(change)}
    result.changes = [f"track {i}: {'hidden' if hidden else 'visible'}" for i in change]
    result.value = change
    if len(wanted) > len(change):
        already = plural(len(wanted) - len(change), "track")
        result.keep(f"{already} already {'hidden' if hidden else 'visible'}")
    # The guard runs, but its note (about new or renamed playlists and crates in the
    # sidebar) does not apply: Mixxx never writes mixxx_deleted back.
    guard_notes(STRUCTURE, force=force, dry_run=dry_run)
    if dry_run or not change:
        return result
    with write_transaction(touches):
        for chunk in chunked(change):
            Track.update({Track.mixxx_deleted: hidden}).where(Track.id.in_(list(chunk))).execute()
    return result


@journalled
def hide_tracks(
    tracks: Iterable[TrackLike] | TrackLike, *, dry_run: bool = False, force: bool = False
) -> WriteResult[list[int]]:
    """Hide tracks (``mixxx_deleted = 1``, Mixxx's "remove"); raises TrackNotFoundError.

    ``tracks``: Tracks, ids or paths as Mixxx stores them (:data:`TrackLike`), or one alone.
    """
    return _set_hidden(tracks, 1, dry_run, force)


@journalled
def unhide_tracks(
    tracks: Iterable[TrackLike] | TrackLike, *, dry_run: bool = False, force: bool = False
) -> WriteResult[list[int]]:
    """Show hidden tracks again (``mixxx_deleted = 0``); raises TrackNotFoundError.

    ``tracks``: Tracks, ids or paths as Mixxx stores them (:data:`TrackLike`), or one alone.
    """
    return _set_hidden(tracks, 0, dry_run, force)
