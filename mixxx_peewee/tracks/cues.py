"""Cues of a track in the units a user thinks in: seconds, hotcue numbers from 1, ``#RRGGBB``.

Mixxx stores positions and lengths in *engine samples* (frame index × 2, whatever the
file's channel count): seconds = samples / 2 / samplerate, kept as floats, never
truncated. ``hotcue`` is 0-based in the file (-1: not a hotcue). Colours are 0xRRGGBB
from revision 32 on; revisions 27–31 stored a palette id (0 none, 1 red … 8 white), which
is read through the palette revision 32 converted them with, and written only when the
asked colour is in that palette. Revisions before 27 have no colour.

Cue writes are refused while Mixxx runs unless forced: Mixxx replaces a cached track's
whole cue set when it saves the track.
"""

from __future__ import annotations

import math
from typing import Any

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.schema import cue_color_encoding
from mixxx_peewee.core.values import format_color
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.core.values import parse_color
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_id_of
from mixxx_peewee.trackset.membership import planned_write

__all__ = [
    "CUE_TYPES",
    "DEFAULT_CUE_COLOR",
    "MAX_HOTCUES",
    "clock_text",
    "delete_cue",
    "list_cues",
    "set_hotcue",
    "set_main_cue",
]

CUE_TYPES = {
    0: "invalid",
    1: "hotcue",
    2: "main",
    3: "beat",
    4: "loop",
    5: "jump",
    6: "intro",
    7: "outro",
    8: "audible",
}
HOTCUE = 1
MAIN_CUE = 2
MAX_HOTCUES = 36  # Mixxx's kMaxNumberOfHotcues
DEFAULT_CUE_COLOR = 0xFF8C00  # Mixxx's kDefaultCueColor for a cue given no colour
# Revision 27–31 palette ids and the colours revision 32 turned them into.
PALETTE = {
    0: 0xFF8C00,
    1: 0xC50A08,
    2: 0x32BE44,
    3: 0x0044FF,
    4: 0xF8D200,
    5: 0x42D4F4,
    6: 0xAF00CC,
    7: 0xFCA6D7,
    8: 0xF2F2FF,
}
_PALETTE_IDS = {rgb: i for i, rgb in PALETTE.items() if i}


def _color_mode() -> str:
    library = current_library()
    if not library.schema.has_column("cues", "color"):
        return "none"
    return cue_color_encoding(library.schema.matched_revision or library.schema.version or None)


def _color_text(stored: Any, mode: str) -> str | None:
    if mode == "none" or not isinstance(stored, int):
        return None
    return format_color(PALETTE.get(stored, stored) if mode == "palette" else stored)


def _stored_color(color: int | str, mode: str) -> int:
    rgb = parse_color(color)
    if rgb is None:
        raise ValidationError("a cue colour cannot be None")
    if mode == "none":
        raise ValidationError("this file's schema (before revision 27) has no cue colours")
    if mode == "palette":
        if rgb not in _PALETTE_IDS:
            choices = ", ".join(f"#{c:06X}" for c in _PALETTE_IDS)
            raise ValidationError(
                f"this file (revision before 32) stores cue colours from a palette: {choices}"
            )
        return _PALETTE_IDS[rgb]
    return rgb


def _track_duration(track: int) -> float | None:
    """The track's duration in seconds (None when unknown)."""
    row = execute("SELECT duration FROM library WHERE id = ?", (track,)).fetchone()
    value = row[0] if row else None
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _track_samplerate(track: object) -> tuple[int, float | None]:
    """The track's id and samplerate (None when unknown); raises TrackNotFoundError."""
    if isinstance(track, Track) or (isinstance(track, str) and track.strip()):
        parsed: int | None = track_id_of(track)  # a model, digits, or a path as stored
    else:
        parsed = parse_id(track)
    if parsed is None:
        raise ValidationError(f"track id must be a whole number, not {track!r}")
    if not is_row_id(parsed):
        raise TrackNotFoundError(f"no track with id {parsed}")
    row = execute("SELECT samplerate FROM library WHERE id = ?", (parsed,)).fetchone()
    if row is None:
        raise TrackNotFoundError(f"no track with id {parsed}")
    rate = row[0]
    return parsed, float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


def _seconds(samples: Any, rate: float | None, *, length: bool = False) -> float | None:
    if rate is None or not isinstance(samples, (int, float)):
        return None
    if not length and samples < 0:
        return None  # -1: the cue has no position
    return samples / 2.0 / rate


def list_cues(track: TrackLike) -> list[dict[str, Any]]:
    """A track's cues by position: type named, hotcue from 1, seconds and raw samples, colour.

    ``track``: a Track, an id or a path as Mixxx stores it (:data:`TrackLike`, as for every
    cue function here).

    ``position``/``length`` are seconds (None when the samplerate is unknown or the cue
    has no position); ``position_samples``/``length_samples`` are the stored values.
    Raises TrackNotFoundError.
    """
    mode = _color_mode()
    color = ", color" if mode != "none" else ""
    with read_transaction():
        track, rate = _track_samplerate(track)  # from here on, the id
        rows = execute(
            f"SELECT id, type, position, length, hotcue, label{color} FROM cues"
            " WHERE track_id = ? ORDER BY position, id",
            (track,),
        ).fetchall()
    cues = []
    for r in rows:
        position = float(r[2]) if isinstance(r[2], (int, float)) else r[2]
        length = float(r[3]) if isinstance(r[3], (int, float)) else r[3]
        cues.append(
            {
                "id": r[0],
                "track_id": track,
                "type": r[1],
                "type_name": CUE_TYPES.get(r[1], f"unknown ({r[1]})"),
                "hotcue": r[4] + 1 if isinstance(r[4], int) and r[4] >= 0 else None,
                "position": _seconds(position, rate),
                "length": _seconds(length, rate, length=True),
                "position_samples": position,
                "length_samples": length,
                "samplerate": int(rate) if rate else None,
                "label": r[5],
                "color": _color_text(r[6], mode) if mode != "none" else None,
            }
        )
    return cues


def _samples(seconds: object, rate: float | None, track: int) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValidationError(f"position must be a number of seconds, not {seconds!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValidationError(f"position must be a finite number of seconds >= 0, not {seconds}")
    if rate is None:
        raise ValidationError(
            f"track {track} has no known samplerate (not yet analysed by Mixxx): "
            "cannot convert seconds to samples"
        )
    duration = _track_duration(track)
    if duration is not None and seconds > duration:
        raise ValidationError(
            f"position {clock_text(seconds)} is beyond the end of track {track} "
            f"({clock_text(duration)})"
        )
    return float(seconds) * rate * 2.0


def clock_text(seconds: float) -> str:
    """Seconds as ``m:ss.mmm`` (``h:mm:ss.mmm`` from an hour), the form ``cues list`` prints
    and ``cues set`` reads."""
    millis = round(float(seconds) * 1000)  # rounded once: 59.9996 s is 1:00.000, not 0:60.000
    minutes, rest = divmod(millis, 60_000)
    hours, minutes = divmod(minutes, 60)
    clock = f"{minutes}:{rest / 1000:06.3f}"
    return f"{hours}:{minutes:02d}:{rest / 1000:06.3f}" if hours else clock


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise ValidationError(f"label must be text, not {type(label).__name__}")
    return label


def _write_cue(
    track: int, existing: list[tuple[Any, ...]], values: dict[str, Any], dry_run: bool
) -> int | None:
    """Update the first of ``existing`` rows (deleting the others) or insert a new row."""
    if dry_run:
        return existing[0][0] if existing else None
    for extra in existing[1:]:
        execute("DELETE FROM cues WHERE id = ?", (extra[0],))
    columns = list(values)
    params = [values[c] for c in columns]
    if existing:
        sets = ", ".join(f"{c} = ?" for c in columns)
        execute(f"UPDATE cues SET {sets} WHERE id = ?", (*params, existing[0][0]))
        return int(existing[0][0])
    marks = ", ".join("?" * (len(columns) + 1))
    sql = f"INSERT INTO cues (track_id, {', '.join(columns)}) VALUES ({marks})"
    return execute(sql, (track, *params)).lastrowid


def _same_cue(existing: list[tuple[Any, ...]], values: dict[str, Any]) -> bool:
    """Whether the one hotcue row there already holds ``values`` (label, colour, position)."""
    if len(existing) != 1 or existing[0][3] != HOTCUE:
        return False
    _id, label, color, _type, position = existing[0]
    return bool(
        position == values["position"]
        and label == values["label"]
        and color == values.get("color", color)
    )


def _cue_touches(mode: str) -> list[tuple[str, str]]:
    columns = ["track_id", "type", "position", "length", "hotcue", "label"]
    return [("cues", c) for c in columns + (["color"] if mode != "none" else [])]


@journalled
def set_hotcue(
    track: TrackLike, number: int, seconds: float, *, label: str | None = None,
    color: int | str | None = None, dry_run: bool = False, force: bool = False,
    replace: bool = False,
) -> WriteResult[int | None]:  # fmt: skip
    """Set hotcue ``number`` (1-based, as Mixxx shows it) at ``seconds``; ``value`` = cue id.

    Moves that hotcue if there is one (``label``/``color`` ``None`` keep its label and
    colour; a new hotcue gets no label and Mixxx's default colour). A saved loop or another
    kind of cue on that number is replaced only with ``replace``. Raises
    TrackNotFoundError, ValidationError (also for a position beyond the track's end),
    MixxxRunningError (unless ``force``).
    """
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_HOTCUES:
        raise ValidationError(f"hotcue number must be 1..{MAX_HOTCUES}, not {number!r}")
    if label is not None:
        _check_label(label)
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    result: WriteResult[int | None] = WriteResult("set_hotcue", dry_run, notes=notes)
    mode = _color_mode()
    with planned_write(dry_run, _cue_touches(mode)):
        track, rate = _track_samplerate(track)  # from here on, the id
        samples = _samples(seconds, rate, track)
        color_value = None if color is None else _stored_color(color, mode)
        select_color = ", color" if mode != "none" else ", NULL"
        existing = execute(
            f"SELECT id, label{select_color}, type, position FROM cues"
            " WHERE track_id = ? AND hotcue = ?"
            " ORDER BY id",
            (track, number - 1),
        ).fetchall()
        other = [CUE_TYPES.get(row[3], f"type {row[3]}") for row in existing if row[3] != HOTCUE]
        if other and not replace:
            raise ValidationError(
                f"hotcue {number} of track {track} is a {other[0]}"
                f"{' (a saved loop)' if other[0] == 'loop' else ''}, not a hotcue; "
                "--replace replaces it"
            )
        values: dict[str, Any] = {
            "type": HOTCUE,
            "position": samples,
            "length": 0.0,
            "hotcue": number - 1,
            "label": label if label is not None else (existing[0][1] if existing else ""),
        }
        if mode != "none":
            kept = existing[0][2] if existing else None
            fresh = DEFAULT_CUE_COLOR if mode == "rgb" else 0
            values["color"] = color_value if color_value is not None else kept
            if values["color"] is None:
                values["color"] = fresh
        unchanged = _same_cue(existing, values)
        result.value = existing[0][0] if unchanged else _write_cue(track, existing, values, dry_run)
    color_text = format_color(values.get("color")) if mode == "rgb" else None
    shown = f" ({color_text})" if color_text else ""
    if unchanged:
        result.keep(
            f"hotcue {number}{shown} of track {track} is at {clock_text(float(seconds))} already"
        )
        return result
    if existing and existing[0][3] != HOTCUE:
        was = CUE_TYPES.get(existing[0][3], f"cue of type {existing[0][3]}")
        verb = f"replace the {was} on"
    elif existing:
        verb = "change" if existing[0][4] == values["position"] else "move"
    else:
        verb = "set"
    named = f" {values['label']!r}" if values["label"] else ""
    result.add(
        f"{verb} hotcue {number}{named}{shown} of track {track} at {clock_text(float(seconds))}"
    )
    result.count("set")
    return result


@journalled
def set_main_cue(
    track: TrackLike, seconds: float, *, dry_run: bool = False, force: bool = False
) -> WriteResult[int | None]:
    """Set the track's main cue at ``seconds`` (its cue row and ``library.cuepoint``).

    Raises TrackNotFoundError, ValidationError, MixxxRunningError (unless ``force``).
    """
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    result: WriteResult[int | None] = WriteResult("set_main_cue", dry_run, notes=notes)
    mode = _color_mode()
    touches = [*_cue_touches(mode), ("library", "cuepoint")]
    with planned_write(dry_run, touches):
        track, rate = _track_samplerate(track)  # from here on, the id
        samples = _samples(seconds, rate, track)
        existing = execute(
            "SELECT id, position FROM cues WHERE track_id = ? AND type = ? ORDER BY id",
            (track, MAIN_CUE),
        ).fetchall()
        if len(existing) == 1 and existing[0][1] == samples:
            result.value = existing[0][0]
            result.keep(f"the main cue of track {track} is at {clock_text(seconds)} already")
            return result
        values: dict[str, Any] = {
            "type": MAIN_CUE, "position": samples, "length": 0.0, "hotcue": -1,
        }  # fmt: skip
        if not existing:
            values["label"] = ""
            if mode != "none":
                values["color"] = DEFAULT_CUE_COLOR if mode == "rgb" else 0
        result.value = _write_cue(track, existing, values, dry_run)
        if not dry_run:
            # Mixxx keeps the main cue in both places; older readers use the column.
            execute("UPDATE library SET cuepoint = ? WHERE id = ?", (samples, track))
    result.add(
        f"{'move' if existing else 'set'} the main cue of track {track} to {clock_text(seconds)}"
    )
    result.count("set")
    return result


@journalled
def delete_cue(
    track: TrackLike, *, hotcue: int | None = None, cue_id: int | None = None, main: bool = False,
    dry_run: bool = False, force: bool = False,
) -> WriteResult[list[int]]:  # fmt: skip
    """Delete one cue of a track: hotcue ``hotcue`` (1-based), the row ``cue_id``, or the main cue.

    Give exactly one of them. Deleting the main cue also resets ``library.cuepoint`` to 0
    (the track start, where Mixxx puts a main cue it does not know).
    Raises TrackNotFoundError, NotFoundError (no such cue), ValidationError,
    MixxxRunningError (unless ``force``).
    """
    chosen = [hotcue is not None, cue_id is not None, bool(main)]
    if sum(chosen) != 1:
        raise ValidationError("give exactly one of hotcue, cue_id or main")
    if hotcue is not None and (
        isinstance(hotcue, bool) or not isinstance(hotcue, int) or not 1 <= hotcue <= MAX_HOTCUES
    ):
        raise ValidationError(f"hotcue number must be 1..{MAX_HOTCUES}, not {hotcue!r}")
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    result: WriteResult[list[int]] = WriteResult("delete_cue", dry_run, notes=notes)
    touches = [("cues", "id")] + ([("library", "cuepoint")] if main else [])
    with planned_write(dry_run, touches):
        track, rate = _track_samplerate(track)  # from here on, the id
        if hotcue is not None:
            where, params, what = "hotcue = ?", (hotcue - 1,), f"hotcue {hotcue}"
        elif cue_id is not None:
            where, params, what = "id = ?", (cue_id,), f"cue {cue_id}"
        else:
            where, params, what = "type = ?", (MAIN_CUE,), "main cue"
        rows = execute(
            f"SELECT id, position, type FROM cues WHERE track_id = ? AND {where}",
            (track, *params),
        ).fetchall()
        ids = [r[0] for r in rows]
        if not ids:
            raise NotFoundError(f"track {track} has no {what}")
        if not dry_run:
            execute(f"DELETE FROM cues WHERE track_id = ? AND {where}", (track, *params))
            if main:
                execute("UPDATE library SET cuepoint = 0 WHERE id = ?", (track,))
    result.value = ids
    at = _seconds(rows[0][1], rate) if len(rows) == 1 else None
    kinds = sorted({CUE_TYPES.get(r[2], f"type {r[2]}") for r in rows} - {"hotcue"})
    if hotcue is not None and kinds:
        what = f"the {' and '.join(kinds)} on {what}"  # a saved loop is no plain hotcue
    result.add(
        f"delete {what} of track {track}" + (f" (at {clock_text(at)})" if at is not None else "")
    )
    result.count("deleted", len(ids))
    return result
