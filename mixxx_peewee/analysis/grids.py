"""A track's beat grid and key map: decoded, edited the way Mixxx edits them, checked against
the columns.

Mixxx shows and saves the BPM and key of its ``beats``/``keys`` blobs; the ``bpm``, ``key``
and ``key_id`` columns are caches it writes from them on every save (MIXXX_FACTS.md §8). An
edit of the columns alone is therefore undone the next time Mixxx saves the track. This
module plans edits of the blobs and the columns together, as Mixxx's own controls make them
(codec: :mod:`mixxx_peewee.analysis.codec`); :mod:`mixxx_peewee.analysis.report` finds
rows whose columns disagree with the blobs.

Which Mixxx's rules apply follows the file's schema revision: up to 32 is Mixxx 2.3, 33 and
later is 2.4+ (:func:`mixxx_generation`). What is followed, by Mixxx source file:

* Typing a BPM (``Track::trySetBpm``; ``BeatGrid::setBpm`` in 2.3, ``Beats::trySetBpm`` in
  2.4+): a grid keeps its first beat and its ``beats_sub_version`` (the ``Beats`` object
  carries it through), the BPM is stored as typed. A track without beats gets a new grid
  anchored at its main cue (``library.cuepoint`` / 2 frames; frame 0 without a cue) and an
  empty sub-version. 2.4+ turns a beat map into a constant grid at its first beat; 2.3
  cannot (refused unless ``convert_map``). A blob Mixxx 2.4+ would not load (invalid BPM,
  a map of fewer than two increasing beats) counts as no beats there, as in Mixxx.
* The track menu's factors (``BeatGrid::scale``, ``Beats::tryScale``): a grid's BPM times
  the factor's double, first beat and sub-version kept. Maps are not scaled (2.3 inserts
  beats, 2.4+ rescales markers: not reproduced) and are skipped. A track with a BPM but no
  beats is scaled as typing the scaled BPM would be: a new grid at its main cue (Mixxx's
  menu does nothing there).
* Clearing (the track menu's "Clear BPM and Beatgrid": ``Track::trySetBeats(nullptr)``):
  no beats blob, version or sub-version, ``bpm`` 0 (``Bpm::kValueUndefined``); refused on
  a locked BPM, as in Mixxx. "Clear key" (``Track::resetKeys``): no key map, ``key_id``
  0 and no key text.
* ``bpm_lock`` = 1: 2.4+ refuses every change of existing beats, 2.3 refuses scaling and
  clearing; we refuse every such edit on a locked track that has a beats blob, unless
  ``unlock`` (the lock itself stays set).
* Typing a key (``KeyFactory::makeBasicKeys``): ``KeyMap{global_key, source USER}``, 2.4+
  adding ``global_key_text`` in ID3v2 spelling, which it also writes to ``key``; 2.3 writes
  ``key`` in the user's notation (kept when the old text shows it, else traditional).
* The columns Mixxx writes from the blobs (``trackdao.cpp``): ``bpm`` is the grid's BPM
  exactly (2.4+: a map's ``getBpmInRange(0, duration)``; 2.3's median for maps is not
  reproduced, so 2.3 maps are not checked); ``key_id`` is the global key.

A blob we cannot decode, or of a version we do not know, is refused with one line unless
``replace_invalid`` (the edit then writes a fresh blob over it). Planners never write;
:func:`scale_bpm` (and :func:`mixxx_peewee.analysis.report.repair_analysis`) write in one
transaction, guarded like every track edit (``TRACK_DATA``: refused while Mixxx runs unless forced).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import GENERATION_2_3
from mixxx_peewee.analysis.codec import GENERATION_2_4
from mixxx_peewee.analysis.codec import ID3V2_KEY_NAMES
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import SCALE_FACTORS
from mixxx_peewee.analysis.codec import SOURCE_ANALYZER
from mixxx_peewee.analysis.codec import SOURCE_FILE_METADATA
from mixxx_peewee.analysis.codec import SOURCE_USER
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import BeatMap
from mixxx_peewee.analysis.codec import Beats
from mixxx_peewee.analysis.codec import Generation
from mixxx_peewee.analysis.codec import beat_grid
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.codec import grid_from_map
from mixxx_peewee.analysis.codec import set_bpm
from mixxx_peewee.analysis.codec import user_key_map
from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import executemany
from mixxx_peewee.core.keys import NOTATIONS
from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.core.keys import parse_key
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.values import MAX_BPM
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of

__all__ = [
    "ANALYSIS_INPUTS",
    "analysis_summary",
    "analysis_values",
    "beats_usable",
    "bpm_clear",
    "bpm_edit",
    "check_bpm",
    "key_clear",
    "key_edit",
    "key_text_for",
    "mixxx_generation",
    "parse_scale_factor",
    "scale_bpm",
]

_LAST_23_REVISION = 32  # Mixxx 2.3.x; 2.4 introduced revision 33

# Spellings of the track menu's factors besides SCALE_FACTORS' own names.
_FACTOR_ALIASES = {
    "x2": "double", "×2": "double", "*2": "double", "2": "double", "2x": "double",
    "half": "halve", "1/2": "halve", "½": "halve", "0.5": "halve", "x1/2": "halve",
    "2/3": "two_thirds", "⅔": "two_thirds", "x2/3": "two_thirds",
    "3/4": "three_fourths", "¾": "three_fourths", "0.75": "three_fourths", "x3/4": "three_fourths",
    "4/3": "four_thirds", "x4/3": "four_thirds",
    "3/2": "three_halves", "1.5": "three_halves", "x3/2": "three_halves",
}  # fmt: skip


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


_SOURCE_NAMES = {
    SOURCE_ANALYZER: "analyzer",
    SOURCE_FILE_METADATA: "file tags",
    SOURCE_USER: "user",
}


def analysis_summary(track: Track) -> dict[str, object]:
    """What Mixxx shows of a track's grid and key, as plain data (``tracks show``).

    ``grid``: kind, bpm, first beat (frame and seconds), version, sub-version, whether the
    BPM is locked, or None with ``grid_problem``; ``keymap``: key text, key_id, source,
    number of key changes, or None with ``keymap_problem``.
    """
    out: dict[str, object] = {}
    beats = track.decoded_grid()  # knows the track's sample rate and duration
    if beats.value is None:
        out["grid"], out["grid_problem"] = None, beats.reason
    else:
        value = beats.value
        out["grid"] = {
            "kind": value.kind,
            "bpm": value.bpm,
            "first_beat_frame": value.first_beat_frame,
            "first_beat": value.first_beat(),
            "version": getattr(track, "beats_version", None),
            "sub_version": getattr(track, "beats_sub_version", None) or "",
            "bpm_lock": bool(getattr(track, "bpm_lock", 0)),
        }
    keys = track.decoded_keymap()
    if keys.value is None:
        out["keymap"], out["keymap_problem"] = None, keys.reason
    else:
        keymap = keys.value
        out["keymap"] = {
            "key": keymap.text,
            "key_id": keymap.key_id,
            "source": _SOURCE_NAMES.get(keymap.source, str(keymap.source))
            if keymap.source is not None
            else None,
            "key_changes": len(keymap.key_changes),
        }
    return out


# The library columns the listing columns below are computed from.
ANALYSIS_INPUTS = ("beats_version", "beats", "keys_version", "keys", "samplerate", "duration")


def analysis_values(
    beats_version: Any,
    beats: Any,
    keys_version: Any,
    keys: Any,
    samplerate: Any,
    duration: Any = None,
) -> dict[str, object]:
    """The listing columns of one track decoded from its raw :data:`ANALYSIS_INPUTS` columns:
    ``grid_kind``, ``grid_bpm``, ``first_beat`` (seconds), ``first_beat_frame``,
    ``key_text``, ``key_source`` (None where there is no grid or key map)."""
    values: dict[str, object] = {
        "grid_kind": None, "grid_bpm": None, "first_beat": None, "first_beat_frame": None,
        "key_text": None, "key_source": None,
    }  # fmt: skip
    grid = decode_beats(beats_version, beats, sample_rate=samplerate, duration=duration).value
    if grid is not None:
        values["grid_kind"] = grid.kind
        # A map's BPM needs the sample rate: unknown (None) without one, not 0.
        known = isinstance(grid, BeatGrid) or grid.sample_rate is not None
        values["grid_bpm"] = grid.bpm if known else None
        values["first_beat_frame"] = grid.first_beat_frame
        values["first_beat"] = grid.first_beat()
    keymap = decode_keys(keys_version, keys).value
    if keymap is not None:
        values["key_text"] = keymap.text
        source = keymap.source
        values["key_source"] = None if source is None else _SOURCE_NAMES.get(source, str(source))
    return values


def mixxx_generation(revision: int | None = None) -> Generation:
    """Whose writing rules apply to a file at ``revision`` (None: the open library's).

    Revision 32 and below is Mixxx 2.3 (``"2.3"``); 33 and later is 2.4+ (``"2.4"``).
    """
    if revision is None:
        revision = current_library().schema.version
    if revision is not None and revision <= _LAST_23_REVISION:
        return GENERATION_2_3
    return GENERATION_2_4


def _has_blob(blob: Any) -> bool:
    return blob is not None and len(blob) > 0


def beats_usable(beats: Beats, generation: Generation) -> bool:
    """Whether Mixxx of ``generation`` uses these beats (2.3 loads any grid it parses)."""
    if generation == GENERATION_2_3 and isinstance(beats, BeatGrid):
        return True
    return beats.is_valid


# --------------------------------------------------------------------------------------
# Planning edits
# --------------------------------------------------------------------------------------


def _bpm_of(bpm: object) -> bool:
    """Whether ``bpm`` is a BPM a grid can have (a finite number, > 0, <= MAX_BPM)."""
    return isinstance(bpm, (int, float)) and math.isfinite(bpm) and 0 < bpm <= MAX_BPM


def check_bpm(bpm: object) -> float:
    """``bpm`` as a float; ValidationError unless a number > 0 and <= MAX_BPM (every edit)."""
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)):
        raise ValidationError(f"bpm must be a number, not {bpm!r}")
    if not _bpm_of(bpm):
        raise ValidationError(f"bpm must be > 0 and <= {MAX_BPM:g}, not {bpm!r}")
    return float(bpm)


def _has_rate(samplerate: object) -> bool:
    return isinstance(samplerate, (int, float)) and samplerate > 0


def _locked(beats: Any, bpm_lock: Any) -> bool:
    """Whether ``bpm_lock`` protects a track's beats (Mixxx then refuses to change them)."""
    return bool(bpm_lock) and _has_blob(beats)


def _refuse_locked(track: Track, unlock: bool, verb: str) -> None:
    """LockedError when ``bpm_lock`` protects the track's beats (Mixxx refuses), unless told."""
    if _locked(getattr(track, "beats", None), getattr(track, "bpm_lock", None)) and not unlock:
        raise LockedError(
            f"track {track.id}: its BPM is locked (bpm_lock = 1); unlock=True {verb} it anyway"
        )


def _cue_frame(cue: object) -> int:
    """Where Mixxx anchors a new grid: the main cue (``cuepoint`` is stereo samples), else 0."""
    if cue is None or not isinstance(cue, (int, float)) or not math.isfinite(cue) or cue < 0:
        return 0
    return math.floor(cue / 2)


def bpm_edit(
    track: Track,
    bpm: float,
    *,
    unlock: bool = False,
    convert_map: bool = False,
    replace_invalid: bool = False,
    revision: int | None = None,
) -> dict[str, object]:
    """The library columns Mixxx writes when a user types ``bpm`` for ``track``.

    Returns ``{"beats", "beats_version", "beats_sub_version", "bpm"}``. ``revision`` is the
    file's schema revision (None: the open library's). Raises ValidationError (bad BPM, a
    2.3 beat map without ``convert_map``, a corrupt blob without ``replace_invalid``, no
    sample rate for a new grid) and LockedError (``bpm_lock`` set, without ``unlock``).
    """
    value = check_bpm(bpm)
    generation = mixxx_generation(revision)
    blob = getattr(track, "beats", None)
    decoded = track.decoded_grid()
    _refuse_locked(track, unlock, "changes")
    if _has_blob(blob) and not decoded and not replace_invalid:
        raise ValidationError(
            f"track {track.id}: {decoded.reason}; replace_invalid=True writes a new grid"
        )
    sub_version = getattr(track, "beats_sub_version", None) or ""
    beats = decoded.value
    grid: BeatGrid
    try:
        if isinstance(beats, BeatMap) and generation == GENERATION_2_3 and not convert_map:
            raise ValidationError(
                f"track {track.id} has a beat map: Mixxx 2.3 cannot set its BPM "
                "(convert_map=True makes a constant grid at its first beat, as 2.4+ does)"
            )
        if isinstance(beats, BeatGrid) and beats_usable(beats, generation):
            grid = set_bpm(beats, value, generation)
        elif isinstance(beats, BeatMap) and beats.frames and beats_usable(beats, generation):
            grid = grid_from_map(beats, value)
        else:
            if not _has_rate(getattr(track, "samplerate", None)):
                raise ValidationError(
                    f"track {track.id} has no sample rate (never analysed by Mixxx): "
                    "Mixxx cannot build a beat grid for it"
                )
            grid = beat_grid(value, _cue_frame(getattr(track, "cuepoint", None)))
            sub_version = ""  # a new grid from a typed BPM (Beats::fromConstTempo)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"track {track.id}: {exc}") from None
    return {
        "beats": grid.encode(),
        "beats_version": BEAT_GRID_2,
        "beats_sub_version": sub_version,
        "bpm": grid.bpm,
    }


def bpm_clear(track: Track, *, unlock: bool = False) -> dict[str, object]:
    """The library columns Mixxx writes for "Clear BPM and Beatgrid" on ``track``.

    Returns ``{"beats", "beats_version", "beats_sub_version", "bpm"}``: no beats, BPM 0.
    Raises LockedError (``bpm_lock`` set on a track with beats, without ``unlock``).
    """
    _refuse_locked(track, unlock, "clears")
    return {"beats": None, "beats_version": None, "beats_sub_version": None, "bpm": 0.0}


def key_clear(track: Track) -> dict[str, object]:
    """The library columns Mixxx writes for "Clear key" (``Track::resetKeys``) on ``track``.

    Returns ``{"keys", "keys_version", "keys_sub_version", "key", "key_id"}``: no key map,
    no key text, ``key_id`` 0 (invalid).
    """
    return {"keys": None, "keys_version": None, "keys_sub_version": None, "key": "", "key_id": 0}


def _notation_of(text: str | None) -> str:
    """The notation ``text`` is written in (Mixxx 2.3 writes the user's), else traditional."""
    key_id = guess_key_id(text)
    if text and key_id:
        for notation in NOTATIONS:
            if key_to_text(key_id, notation).casefold() == text.strip().casefold():
                return notation
    return "traditional"


def key_text_for(key_id: int, generation: Generation, current: str | None) -> str:
    if generation == GENERATION_2_4:
        return ID3V2_KEY_NAMES[key_id]
    return key_to_text(key_id, _notation_of(current))


def key_edit(
    track: Track,
    key: str | int,
    *,
    replace_invalid: bool = False,
    revision: int | None = None,
) -> dict[str, object]:
    """The library columns Mixxx writes when a user sets ``key`` for ``track``.

    Returns ``{"keys", "keys_version", "keys_sub_version", "key", "key_id"}``. Raises
    ValidationError (not a key; a corrupt keys blob without ``replace_invalid``).
    """
    key_id = parse_key(key)
    generation = mixxx_generation(revision)
    decoded = track.decoded_keymap()
    if _has_blob(getattr(track, "keys", None)) and not decoded and not replace_invalid:
        raise ValidationError(
            f"track {track.id}: {decoded.reason}; replace_invalid=True writes a new key map"
        )
    return {
        "keys": user_key_map(key_id, generation).encode(),
        "keys_version": KEY_MAP,
        "keys_sub_version": "",
        "key": key_text_for(key_id, generation, getattr(track, "key", None)),
        "key_id": key_id,
    }


# --------------------------------------------------------------------------------------
# Scaling many tracks
# --------------------------------------------------------------------------------------


def parse_scale_factor(factor: str | float) -> str:
    """The SCALE_FACTORS name of a track-menu factor given by name, fraction or number.

    Accepts ``double``/``x2``/``2``, ``halve``/``1/2``/``0.5``, ``2/3``, ``3/4``, ``4/3``,
    ``3/2`` (and the names). Raises ValidationError for any other factor.
    """
    if isinstance(factor, str):
        text = factor.strip().lower().replace("-", "_").replace(" ", "")
        name = text if text in SCALE_FACTORS else _FACTOR_ALIASES.get(text)
        if name is not None:
            return name
    elif not isinstance(factor, bool) and isinstance(factor, (int, float)):
        for name, value in SCALE_FACTORS.items():
            if math.isclose(float(factor), value, rel_tol=1e-12):
                return name
    allowed = "x2, 1/2, 2/3, 3/4, 4/3, 3/2 (or " + ", ".join(SCALE_FACTORS) + ")"
    raise ValidationError(f"Mixxx scales a BPM only by {allowed}, not {factor!r}")


@dataclass(frozen=True)
class _ScaleRow:
    track_id: int
    bpm: float | None
    bpm_lock: int | None
    beats_version: str | None
    beats: bytes | None
    beats_sub_version: str | None
    samplerate: float | None
    cuepoint: float | None


def _scale_rows(ids: list[int]) -> dict[int, _ScaleRow]:
    """The few columns scaling needs, in bounded chunked reads (no joined models: speed)."""
    found: dict[int, _ScaleRow] = {}
    for part in chunked(sorted(set(ids))):
        query = Track.select(
            Track.id, Track.bpm, Track.bpm_lock, Track.beats_version, Track.beats,
            Track.beats_sub_version, Track.samplerate, Track.cuepoint,
        ).where(Track.id.in_(list(part)))  # fmt: skip
        sql, params = query.sql()
        # Rows as SQLite returns them, no peewee row wrapper (bench row "scale_bpm 10k").
        found.update((r[0], _ScaleRow(*r)) for r in execute(sql, params).fetchall())
    return found


def _show(bpm: float | None) -> str:
    return "none" if bpm is None else f"{bpm:g}"


@journalled
def scale_bpm(
    tracks: Iterable[TrackLike] | TrackLike,
    factor: str | float,
    *,
    force: bool = False,
    unlock: bool = False,
    dry_run: bool = False,
) -> WriteResult[str]:
    """Multiply the beat grids of ``tracks`` (:data:`TrackLike`) by a track-menu factor.

    One transaction.
    A track with a BPM but no beats gets a grid of the scaled BPM at its main cue, as
    typing that BPM would. Skipped and counted (``counts``), never written: tracks with a
    beat map, a corrupt or invalid blob, neither beats nor a BPM (or no sample rate), and,
    unless ``unlock``, tracks whose BPM is locked. ``force``: even though Mixxx is running.
    ``changes``: ``track N: bpm old -> new``. Raises ValidationError (factor, ids; no track
    could be scaled), LockedError (every track is locked), TrackNotFoundError (naming every
    unknown id; nothing written), MixxxRunningError, ReadOnlyError, SchemaVersionError.
    """
    name = parse_scale_factor(factor)
    wanted = list(dict.fromkeys(track_ids_of(tracks)))
    generation = mixxx_generation()
    rows = _scale_rows(wanted)
    absent = [i for i in wanted if i not in rows]
    if absent:
        shown = ", ".join(str(i) for i in absent[:20]) + (" …" if len(absent) > 20 else "")
        raise TrackNotFoundError(f"no track with id {shown}")
    result = WriteResult("scale-bpm", dry_run=dry_run, value=name)
    factor_value = SCALE_FACTORS[name]
    # (new beats, version, sub-version, bpm, id, old beats, version, sub-version, bpm)
    updates: list[tuple[bytes, str, Any, float, int, Any, Any, Any, Any]] = []
    for track_id in wanted:
        row = rows[track_id]
        beats = decode_beats(row.beats_version, row.beats).value
        sub_version = row.beats_sub_version
        if _locked(row.beats, row.bpm_lock) and not unlock:
            result.count("skipped_locked")
            continue
        if isinstance(beats, BeatGrid) and beats.is_valid:
            grid = set_bpm(beats, beats.bpm * factor_value, generation)
        elif isinstance(beats, BeatMap):
            result.count("skipped_map")
            continue
        elif _has_blob(row.beats):
            result.count("skipped_invalid")
            continue
        elif (
            _bpm_of(row.bpm)
            and _has_rate(row.samplerate)
            and _bpm_of(scaled := float(row.bpm or 0) * factor_value)
        ):
            # No beats: what typing the scaled BPM makes (bpm_edit), a grid at the main cue.
            grid = beat_grid(scaled, _cue_frame(row.cuepoint))
            sub_version = ""
        else:
            result.count("skipped_no_bpm")
            continue
        updates.append(
            (grid.encode(), BEAT_GRID_2, sub_version, grid.bpm, track_id,
             row.beats, row.beats_version, row.beats_sub_version, row.bpm)
        )  # fmt: skip
        result.add(f"track {track_id}: bpm {_show(row.bpm)} -> {grid.bpm:g}")
        result.count("scaled")
    for key, why in (
        ("skipped_locked", "their BPM is locked (unlock=True scales them too)"),
        ("skipped_map", "they have a beat map (Mixxx's map scaling is not reproduced)"),
        ("skipped_invalid", "their beat grid does not decode or has no valid BPM"),
        ("skipped_no_bpm", "they have no beat grid and no BPM (or no sample rate)"),
    ):
        if result.counts.get(key):
            result.notes.append(f"skipped {plural(result.counts[key], 'track')}: {why}")
    if not updates:
        # A requested change that cannot be made is an error, not "nothing changed".
        why = "; ".join(result.notes)
        if result.counts.get("skipped_locked") == len(wanted):
            raise LockedError(f"nothing to scale: {why}")
        raise ValidationError(f"nothing to scale: {why}")
    result.notes.extend(guard_notes(TRACK_DATA, force=force, dry_run=dry_run))
    if dry_run:
        return result
    columns = ("beats", "beats_version", "beats_sub_version", "bpm")
    touches = [("library", c) for c in columns]
    # The journal's images, made before the lock (bench row "scale_bpm 10k"): the stored
    # values read above, which the update's guard below holds to.
    known = known_updates("library", columns, [(u[4], u[5:], u[:4]) for u in updates])
    with write_transaction(touches):
        # Hand-written for speed (scripts/bench/rows_analysis.py, "scale_bpm 10k"): one
        # executemany.
        # The guard makes a row Mixxx changed since we read it fail the whole write.
        with bulk_write("library", known=known):
            changed = executemany(
                "UPDATE library SET beats = ?, beats_version = ?, beats_sub_version = ?,"
                " bpm = ? WHERE id = ? AND beats IS ? AND beats_version IS ?"
                " AND beats_sub_version IS ? AND bpm IS ?",
                updates,
            )
        if changed != len(updates):
            raise ValidationError(
                "beat grids changed while scaling (Mixxx saved a track?); nothing written, "
                "try again"
            )
    return result
