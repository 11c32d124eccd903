"""An import's plan for one track: exchange-form cues and tempos as Mixxx's cue rows and blobs.

Pure (no database): :func:`plan_cues` turns a track's marks into the ``cues`` rows Mixxx
would hold, following Mixxx's own rekordbox import (``rekordboxfeature.cpp``): the first
memory cue by position becomes the main cue, the other memory cues and memory loops go to
free hot cue slots after the used ones; a memory cue or loop that only repeats a hot cue
(start, and a loop's end, within 1 ms) adds nothing (rekordbox writes every hot cue a second
time as a memory cue). Fade-in is Mixxx's intro start, fade-out its outro end. A saved loop
on a file without saved loops (schema of Mixxx 2.3) becomes a hot cue at its start.
:func:`plan_grid` turns tempos into a ``BeatGrid-2.0`` (one tempo) or ``BeatMap-1.0`` (one
frame per beat) blob. Seconds are on the other program's timeline: the MP3 offset is
subtracted here (Mixxx position = other position - offset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import BEAT_MAP
from mixxx_peewee.analysis.codec import beat_grid
from mixxx_peewee.analysis.codec import beat_map
from mixxx_peewee.core.values import MAX_BPM
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.model import CueKind
from mixxx_peewee.interop.model import ExchangeCue
from mixxx_peewee.interop.model import ExchangeTempo
from mixxx_peewee.tracks.cues import DEFAULT_CUE_COLOR
from mixxx_peewee.tracks.cues import MAX_HOTCUES
from mixxx_peewee.tracks.cues import clock_text

__all__ = ["CuePlan", "CueRow", "GridPlan", "plan_cues", "plan_grid"]

HOTCUE, MAIN, LOOP, INTRO, OUTRO = 1, 2, 4, 6, 7
_SAME = 0.001  # seconds: two marks this close are one
_SLACK = 0.5  # seconds a mark may sit past the track's end (rounding of TotalTime)


@dataclass(frozen=True)
class CueRow:
    """One ``cues`` row as planned: type, engine samples, hot cue slot (-1 none), label, RGB."""

    type: int
    position: float
    length: float
    hotcue: int
    label: str
    color: int

    def key(self) -> tuple[Any, ...]:
        """What two rows compare by (samples to the thousandth)."""
        return (self.type, round(self.position, 3), round(self.length, 3), self.hotcue,
                self.label, self.color)  # fmt: skip


@dataclass
class CuePlan:
    """The cue rows of one track after the import, and what to delete."""

    insert: list[CueRow] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)  # existing row ids
    main_position: float | None = None  # samples, for library.cuepoint
    loops_as_hotcues: int = 0
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GridPlan:
    """The beats columns of one track after the import."""

    beats: bytes
    version: str
    bpm: float
    describe: str


def _check(cue: ExchangeCue, duration: float | None, where: str) -> None:
    for name, value in (("start", cue.start), ("end", cue.end)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"{where}: a {cue.kind} {name} is not a number: {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValidationError(f"{where}: a {cue.kind} {name} of {value} s")
        if duration is not None and value > duration + _SLACK:
            raise ValidationError(
                f"{where}: a {cue.kind} at {clock_text(value)} is beyond the track's end "
                f"({clock_text(duration)})"
            )
    if cue.end is not None and cue.end < cue.start:
        raise ValidationError(f"{where}: a {cue.kind} ends ({cue.end} s) before it starts")


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= _SAME


def _repeats(cue: ExchangeCue, hot: list[ExchangeCue]) -> bool:
    """Whether a memory cue or loop only repeats one of the hot cues or hot loops."""
    for other in hot:
        if not _near(cue.start, other.start):
            continue
        if cue.end is None or (other.end is not None and _near(cue.end, other.end)):
            return True
    return False


def plan_cues(
    cues: list[ExchangeCue],
    *,
    rate: float,
    offset: float,
    duration: float | None,
    existing: list[tuple[Any, ...]],
    policy: str,
    memory_cues: str,
    hot_loops: bool,
    where: str,
) -> CuePlan:
    """The rows for ``cues`` given the track's ``existing`` rows ``(id, type, position,
    length, hotcue, label, color)`` and the policy ``"merge"`` or ``"replace"``.

    Raises ValidationError for a mark that is not a position of this track.
    """
    plan = CuePlan()
    for cue in cues:
        _check(cue, duration, where)

    def samples(seconds: float) -> float:
        return max(0.0, (seconds - offset) * rate * 2.0)

    hot: dict[int, ExchangeCue] = {}
    memory: list[ExchangeCue] = []
    main: ExchangeCue | None = None
    intro_start = intro_end = outro_start = outro_end = None
    marker_color: dict[int, int | None] = {}
    for cue in cues:
        kind = cue.kind
        slotted = cue.number is not None and 0 <= cue.number < MAX_HOTCUES
        if cue.number is not None and not slotted:
            plan.notes.append(f"{where}: hot cue number {cue.number} is past Mixxx's {MAX_HOTCUES}")
        if kind in (CueKind.HOTCUE, CueKind.LOOP) and slotted:
            assert cue.number is not None
            if cue.number in hot:
                plan.notes.append(f"{where}: hot cue {cue.number + 1} given twice, first kept")
                continue
            hot[cue.number] = cue
        elif kind in (CueKind.HOTCUE, CueKind.MEMORY, CueKind.LOOP):
            memory.append(cue)
        elif kind is CueKind.MAIN:
            main = main or cue
        elif kind in (CueKind.INTRO, CueKind.FADE_IN):
            intro_start = cue.start if intro_start is None else intro_start
            if kind is CueKind.INTRO and cue.end is not None:
                intro_end = cue.end
            marker_color.setdefault(INTRO, cue.color)
        elif kind is CueKind.OUTRO:
            outro_start, outro_end = cue.start, cue.end if cue.end is not None else outro_end
            marker_color.setdefault(OUTRO, cue.color)
        elif kind is CueKind.FADE_OUT:
            outro_end = cue.start if outro_end is None else outro_end
            marker_color.setdefault(OUTRO, cue.color)
    memory.sort(key=lambda c: c.start)
    slotted_cues = list(hot.values())
    if main is None:
        points = [c for c in memory if c.kind is not CueKind.LOOP or c.end is None]
        fresh = [c for c in points if not _repeats(c, slotted_cues)]
        chosen = fresh or points
        if chosen:
            main = chosen[0]
            memory.remove(main)
    rest = [c for c in memory if not _repeats(c, slotted_cues)]
    if main is not None:
        rest = [c for c in rest if not (c.end is None and _near(c.start, main.start))]
    if memory_cues == "skip":
        rest = []

    kept = existing if policy == "merge" else []
    if policy == "replace":
        plan.delete = [row[0] for row in existing]
    taken = {row[4] for row in kept if isinstance(row[4], int) and row[4] >= 0}
    kinds = {row[1] for row in kept}
    positions = [float(row[2]) / 2.0 / rate for row in kept if _is_position(row[2])]
    rows: list[CueRow] = []

    def color_of(cue: ExchangeCue | None) -> int:
        return cue.color if cue is not None and cue.color is not None else DEFAULT_CUE_COLOR

    def slot_row(slot: int, cue: ExchangeCue) -> CueRow:
        if cue.kind is CueKind.LOOP and cue.end is not None and cue.end > cue.start:
            if hot_loops:
                length = samples(cue.end) - samples(cue.start)
                return CueRow(LOOP, samples(cue.start), length, slot, cue.name, color_of(cue))
            plan.loops_as_hotcues += 1
        return CueRow(HOTCUE, samples(cue.start), 0.0, slot, cue.name, color_of(cue))

    for slot in sorted(hot):
        if slot not in taken:
            rows.append(slot_row(slot, hot[slot]))
    # After the highest used slot; from slot 1 (hot cue 2) when none is used, as Mixxx's
    # rekordbox import counts from its lastHotCueIndex = 0.
    free = max(set(hot) | taken | {0}) + 1
    for cue in rest:
        if any(_near(cue.start - offset, p) for p in positions):
            continue  # merge: Mixxx has a cue there already
        while free in taken:
            free += 1
        if free >= MAX_HOTCUES:
            plan.notes.append(f"{where}: no free hot cue slot for the memory cue at {cue.start} s")
            continue
        rows.append(slot_row(free, cue))
        free += 1
    if main is not None and MAIN not in kinds:
        rows.append(CueRow(MAIN, samples(main.start), 0.0, -1, main.name, color_of(main)))
        plan.main_position = samples(main.start)
    if intro_start is not None and INTRO not in kinds:
        start = samples(intro_start)
        length = samples(intro_end) - start if intro_end is not None else 0.0
        color = marker_color.get(INTRO)
        rows.append(CueRow(INTRO, start, max(0.0, length), -1, "", color or DEFAULT_CUE_COLOR))
    if (outro_start is not None or outro_end is not None) and OUTRO not in kinds:
        color = marker_color.get(OUTRO) or DEFAULT_CUE_COLOR
        if outro_start is None:
            assert outro_end is not None
            rows.append(CueRow(OUTRO, -1.0, samples(outro_end), -1, "", color))
        else:
            start = samples(outro_start)
            length = samples(outro_end) - start if outro_end is not None else 0.0
            rows.append(CueRow(OUTRO, start, max(0.0, length), -1, "", color))
    if policy == "replace":
        before = sorted(_row_key(row) for row in existing)
        if before == sorted(r.key() for r in rows):
            plan.delete = []  # the same cues already: nothing to write
            plan.main_position = None
            plan.loops_as_hotcues = 0
            return plan
    plan.insert = rows
    plan.changes = [_describe(r, rate) for r in rows]
    return plan


def _is_position(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    _id, kind, position, length, hotcue, label, color = row
    return (kind, round(float(position or 0), 3), round(float(length or 0), 3), hotcue,
            label, color)  # fmt: skip


def _describe(row: CueRow, rate: float) -> str:
    at = clock_text(row.position / 2.0 / rate) if row.position >= 0 else "-"
    named = f" {row.label!r}" if row.label else ""
    if row.type == HOTCUE:
        return f"hot cue {row.hotcue + 1}{named} at {at}"
    if row.type == LOOP:
        return f"loop {row.hotcue + 1}{named} at {at} ({row.length / 2.0 / rate:.3f} s)"
    if row.type == MAIN:
        return f"main cue at {at}"
    what = "intro" if row.type == INTRO else "outro"
    return f"{what} at {at} ({row.length / 2.0 / rate:.3f} s)"


def _check_tempo(tempo: ExchangeTempo) -> str | None:
    bpm, start = tempo.bpm, tempo.start
    if not isinstance(bpm, (int, float)) or not math.isfinite(bpm) or not 0 < bpm <= MAX_BPM:
        return f"a tempo of {bpm!r} BPM"
    if not isinstance(start, (int, float)) or not math.isfinite(start) or start < 0:
        return f"a tempo starting at {start!r} s"
    return None


def plan_grid(
    tempos: list[ExchangeTempo], *, rate: float | None, duration: float | None, offset: float
) -> GridPlan | str:
    """The beats blob for ``tempos`` (seconds on the other timeline), or why there is none."""
    for tempo in tempos:
        bad = _check_tempo(tempo)
        if bad:
            return bad
    if not rate:
        return "no sample rate (never analysed by Mixxx)"
    if len(tempos) == 1:
        tempo = tempos[0]
        interval = 60.0 / tempo.bpm
        place = tempo.beat_in_bar if tempo.beat_in_bar in (1, 2, 3, 4) else 1
        # Anchored at the first downbeat: Mixxx counts bars from the grid's anchor.
        anchor = tempo.start - offset + ((5 - place) % 4) * interval
        while anchor * rate < 1.0:  # frame <= 0 without sub-version: Mixxx re-analyses
            anchor += 4 * interval
        grid = beat_grid(tempo.bpm, anchor * rate + 1e-6)
        text = f"grid {tempo.bpm:g} BPM from {clock_text(tempo.start)}"
        return GridPlan(grid.encode(), BEAT_GRID_2, grid.bpm, text)
    if not duration:
        return "a beat map needs the track's duration, which Mixxx does not know yet"
    ordered = sorted(tempos, key=lambda t: t.start)
    frames: list[float] = []
    for n, tempo in enumerate(ordered):
        step = 60.0 / tempo.bpm
        end = ordered[n + 1].start - _SAME if n + 1 < len(ordered) else duration + offset
        beat = 0
        while (x := tempo.start + beat * step) < end or (n + 1 == len(ordered) and x <= end):
            frame = (x - offset) * rate + 1e-6
            if frame >= 0:
                frames.append(frame)
            beat += 1
    try:
        beats = beat_map(frames)
    except ValueError as exc:
        return str(exc)
    if not beats.is_valid:
        return "its tempos do not give increasing beats"
    bpm = beats.bpm_at(rate, duration)
    text = f"beat map of {len(ordered)} tempos, {len(frames)} beats"
    return GridPlan(beats.encode(), BEAT_MAP, bpm, text)
