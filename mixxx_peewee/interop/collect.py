"""The Mixxx side of an export: tracks, cues, grids and track sets in the exchange form.

:func:`collect_tracks` streams :class:`~mixxx_peewee.interop.model.ExchangeTrack` values
for track ids, one chunk of rows at a time (rows as SQLite stores them, no model per
row), with positions in seconds on the other program's timeline: Mixxx's engine samples
/ 2 / samplerate, plus the file's MP3 offset (:mod:`mixxx_peewee.interop.mp3offset`).
Cue rows map by type: 1 hot cue, 2 main cue, 4 loop (a hot loop when it has a hot cue
number, on a 2.3 file too, which shows its start as a hot cue; else a memory loop), 6 intro,
7 outro (an outro with only an end becomes a fade-out mark at that end); types 0, 3, 5
and 8 have no place in either format.
A ``BeatGrid`` becomes one tempo at its first beat at or after 0 s, its bar place counted
from the grid's anchor (Mixxx draws a downbeat every fourth beat from it); a ``BeatMap``
one tempo per tempo change, a change being where a beat interval differs from its
section's first by a frame or more (Mixxx's own marker rule, ``Beats::fromBeatPositions``).
:func:`collect_sets` gives the playlists and crates as a folder tree.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import BeatMap
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.schema import cue_color_encoding
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import chunked
from mixxx_peewee.interop.model import CueKind
from mixxx_peewee.interop.model import ExchangeCue
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTempo
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.model import folder_names
from mixxx_peewee.interop.mp3offset import mp3_offset_seconds
from mixxx_peewee.interop.pathmap import PathMap
from mixxx_peewee.library import current_library
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Cue
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.cues import PALETTE

__all__ = [
    "ExportReport",
    "collect_sets",
    "collect_tracks",
    "cue_color_mode",
    "grid_tempos",
]

_TRACK_COLUMNS = (
    "title", "artist", "album", "album_artist", "composer", "grouping", "genre", "comment",
    "year", "tracknumber", "filetype", "duration", "bitrate", "samplerate", "datetime_added",
    "last_played_at", "timesplayed", "rating", "color", "key_id", "bpm", "beats_version",
    "beats", "keys_version", "keys",
)  # fmt: skip
_FLAT_TOLERANCE = 0.001  # seconds a beat of a map may sit off its exported tempo unnoted


@dataclass
class ExportReport:
    """What an export carried, counted, and what it had to bend."""

    tracks: int = 0
    hot_cues: int = 0
    loops: int = 0
    memory_cues: int = 0  # the main cue and cues without a slot
    markers: int = 0  # intro and outro marks
    grids: int = 0
    flattened_grids: list[str] = field(default_factory=list)  # maps carried approximately
    mp3_corrected: int = 0
    mp3_unchecked: int = 0
    playlists: int = 0
    warnings: list[str] = field(default_factory=list)


def cue_color_mode() -> str:
    """How the open file stores cue colours: ``"rgb"``, ``"palette"`` (27-31) or ``"none"``."""
    library = current_library()
    if not library.schema.has_column("cues", "color"):
        return "none"
    return cue_color_encoding(library.schema.matched_revision or library.schema.version or None)


def _cue_color(stored: Any, mode: str) -> int | None:
    if mode == "none" or not isinstance(stored, int):
        return None
    value = PALETTE.get(stored, stored) if mode == "palette" else stored
    return value & 0xFFFFFF


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def grid_tempos(
    beats: BeatGrid | BeatMap, sample_rate: float, offset: float = 0.0
) -> tuple[list[ExchangeTempo], float]:
    """The tempos of a grid or map (seconds + ``offset``) and the largest distance in
    seconds of a map's beat from them (0.0 for a grid)."""
    if isinstance(beats, BeatGrid):
        if not beats.is_valid:
            return [], 0.0
        interval = 60.0 * sample_rate / beats.bpm
        first = float(beats.first_beat_frame)
        if first >= -1.0:
            # A beat up to a frame before 0 counts as at 0 (an anchor floored to a frame).
            back = math.floor((first + 1.0) / interval)
            start, place = max(0.0, first - back * interval), (-back) % 4 + 1
        else:
            ahead = math.ceil(-first / interval)
            start, place = first + ahead * interval, ahead % 4 + 1
        return [ExchangeTempo(start / sample_rate + offset, beats.bpm, place)], 0.0
    indexed = [(i, f) for i, f in enumerate(beats.frames) if f >= 0]
    if len(indexed) < 2:
        return [], 0.0
    frames = [f for _, f in indexed]
    starts = [0]
    first_length = float(frames[1] - frames[0])
    for j in range(1, len(frames) - 1):
        length = float(frames[j + 1] - frames[j])
        if abs(length - first_length) >= 1.0:
            starts.append(j)
            first_length = length
    tempos: list[ExchangeTempo] = []
    worst = 0.0
    for n, a in enumerate(starts):
        b = starts[n + 1] if n + 1 < len(starts) else len(frames) - 1
        span = float(frames[b] - frames[a])
        if span <= 0:
            continue
        step = span / (b - a)
        for k in range(a, b + 1):
            worst = max(worst, abs(frames[k] - (frames[a] + (k - a) * step)) / sample_rate)
        bpm = 60.0 * sample_rate / step
        tempos.append(ExchangeTempo(frames[a] / sample_rate + offset, bpm, indexed[a][0] % 4 + 1))
    return tempos, worst


def _cue_of(row: tuple[Any, ...], rate: float, offset: float, mode: str) -> ExchangeCue | None:
    _track, kind, position, length, hotcue, label, *color = row
    pos = _number(position)
    size = _number(length) or 0.0
    slot = hotcue if isinstance(hotcue, int) and hotcue >= 0 else None
    name = label if isinstance(label, str) else ""
    colour = _cue_color(color[0], mode) if color else None

    def sec(samples: float) -> float:
        return samples / 2.0 / rate + offset

    if kind == 6 or kind == 7:
        marker = CueKind.INTRO if kind == 6 else CueKind.OUTRO
        if pos is not None and pos >= 0:
            end = sec(pos + size) if size > 0 else None
            return ExchangeCue(marker, sec(pos), end, None, name, colour)
        if size > 0 and kind == 7:  # only an end (Mixxx: position -1, the end as length)
            return ExchangeCue(CueKind.FADE_OUT, sec(size), None, None, name, colour)
        return None
    if pos is None or pos < 0:
        return None
    if kind == 1:
        hot = CueKind.HOTCUE if slot is not None else CueKind.MEMORY
        return ExchangeCue(hot, sec(pos), None, slot, name, colour)
    if kind == 2:
        return ExchangeCue(CueKind.MAIN, sec(pos), None, None, name, colour)
    if kind == 4:
        end = sec(pos + size) if size > 0 else None
        return ExchangeCue(CueKind.LOOP, sec(pos), end, slot, name, colour)
    return None


def _track_query(columns: list[str]) -> Any:
    fields = [getattr(Track, c) for c in columns]

    def statement(marks: Any) -> Any:
        return (
            Track.select(Track.id, TrackLocation.location, TrackLocation.filesize, *fields)
            .join(TrackLocation, on=(Track.location == TrackLocation.id))
            .where(Track.id.in_(marks))
        )

    return statement


def _cue_query(mode: str) -> Any:
    fields = [Cue.track, Cue.type, Cue.position, Cue.length, Cue.hotcue, Cue.label]
    if mode != "none":
        fields.append(Cue.color)

    def statement(marks: Any) -> Any:
        return Cue.select(*fields).where(Cue.track.in_(marks)).order_by(Cue.position, Cue.id)

    return statement


def _datetime(field_name: str, raw: Any) -> datetime | None:
    if raw is None:
        return None
    value = getattr(Track, field_name).python_value(raw)
    return value if isinstance(value, datetime) else None


def collect_tracks(
    track_ids: Sequence[int],
    *,
    path_map: PathMap | None = None,
    offset: bool = True,
    report: ExportReport,
) -> Iterator[ExchangeTrack]:
    """The exchange form of each track of ``track_ids`` (in that order; unknown ids skipped),
    read one chunk at a time; ``report`` counts what was carried."""
    library = current_library()
    columns = [c for c in _TRACK_COLUMNS if library.schema.has_column("library", c)]
    mode = cue_color_mode()
    tracks = _track_query(columns)
    cues = _cue_query(mode)
    for part in chunked(list(track_ids)):
        with read_transaction():
            rows = for_each_chunk(tracks, part)
            cue_rows = for_each_chunk(cues, part)
        by_id = {r[0]: r for r in rows}
        cues_of: dict[int, list[tuple[Any, ...]]] = {}
        for cue in cue_rows:
            cues_of.setdefault(cue[0], []).append(cue)
        for track_id in part:
            row = by_id.get(track_id)
            if row is None:
                continue
            yield _exchange_track(
                row, columns, cues_of.get(track_id, []), path_map, offset, report, mode
            )


def _exchange_track(
    row: tuple[Any, ...], columns: list[str], cues: list[tuple[Any, ...]],
    path_map: PathMap | None, offset: bool, report: ExportReport, mode: str,
) -> ExchangeTrack:  # fmt: skip
    track_id, location, filesize = row[0], row[1], row[2]
    values = dict(zip(columns, row[3:], strict=True))
    path = location if isinstance(location, str) else ""
    shift = 0.0
    if offset and path.lower().endswith(".mp3"):
        found = mp3_offset_seconds(path)
        if found is None:
            report.mp3_unchecked += 1
        elif found:
            shift = found
            report.mp3_corrected += 1
    rate = _number(values.get("samplerate"))
    rate = rate if rate and rate > 0 else None
    duration = _number(values.get("duration"))
    track = ExchangeTrack(
        key=track_id,
        path=path_map.to_target(path) if path_map is not None else path,
        title=_text(values.get("title")),
        artist=_text(values.get("artist")),
        album=_text(values.get("album")),
        album_artist=_text(values.get("album_artist")),
        composer=_text(values.get("composer")),
        grouping=_text(values.get("grouping")),
        genre=_text(values.get("genre")),
        comment=_text(values.get("comment")),
        year=_text(values.get("year")),
        track_number=_text(values.get("tracknumber")),
        kind=_text(values.get("filetype")),
        duration=duration if duration and duration > 0 else None,
        bitrate=int(values["bitrate"]) if _number(values.get("bitrate")) else None,
        samplerate=int(rate) if rate else None,
        size=int(filesize) if _number(filesize) else None,
        date_added=_datetime("datetime_added", values.get("datetime_added")),
        last_played=_datetime("last_played_at", values.get("last_played_at")),
        play_count=int(values["timesplayed"]) if _number(values.get("timesplayed")) else 0,
        rating=int(values["rating"]) if _number(values.get("rating")) else 0,
        color=int(values["color"]) & 0xFFFFFF if isinstance(values.get("color"), int) else None,
    )
    keymap = decode_keys(values.get("keys_version"), values.get("keys")).value
    key_id = keymap.key_id if keymap is not None else values.get("key_id")
    track.key_id = key_id if isinstance(key_id, int) and 1 <= key_id <= 24 else None
    bpm = _number(values.get("bpm"))
    track.bpm = bpm if bpm and bpm > 0 else None
    beats = decode_beats(
        values.get("beats_version"), values.get("beats"), sample_rate=rate, duration=duration
    ).value
    if beats is not None and rate:
        tempos, worst = grid_tempos(beats, rate, shift)
        if tempos:
            track.tempos = tempos
            report.grids += 1
            if isinstance(beats, BeatGrid):
                track.bpm = beats.bpm
            if worst > _FLAT_TOLERANCE:
                report.flattened_grids.append(
                    f"track {track_id}: beat map carried as {len(tempos)} tempos, "
                    f"beats up to {worst * 1000:.1f} ms off"
                )
    if cues and not rate:
        report.warnings.append(f"track {track_id}: no sample rate, its cues are not exported")
    elif cues and rate:
        for cue_row in cues:
            cue = _cue_of(cue_row, rate, shift, mode)
            if cue is None:
                continue
            track.cues.append(cue)
            if cue.kind is CueKind.HOTCUE:
                report.hot_cues += 1
            elif cue.kind is CueKind.LOOP:
                report.loops += 1
            elif cue.kind in (CueKind.MAIN, CueKind.MEMORY):
                report.memory_cues += 1
            else:
                report.markers += 1
    report.tracks += 1
    return track


def _folder(roots: list[ExchangeNode], path: str) -> list[ExchangeNode]:
    """The children list of the folder ``path`` ("A/B") under ``roots``, made as needed."""
    children = roots
    for name in folder_names(path):
        for node in children:
            if node.is_folder and node.name == name:
                break
        else:
            node = ExchangeNode(name, children=[])
            children.append(node)
        assert node.children is not None
        children = node.children
    return children


def collect_sets(
    track_ids: Sequence[int],
    *,
    playlists: bool = True,
    crates: bool = True,
    history: bool = False,
    playlist_folder: str = "Mixxx/Playlists",
    crate_folder: str = "Mixxx/Crates",
) -> list[ExchangeNode]:
    """The playlists and crates as a folder tree, entries restricted to ``track_ids``.

    Playlists in Mixxx's creation order (``position``), entries in playlist order; the
    Auto DJ queue is left out (a queue, not a set); history playlists (in a ``History``
    folder inside ``playlist_folder``) only with ``history``. Crates by name, their
    entries in the order of ``track_ids``.
    """
    wanted = {t: i for i, t in enumerate(dict.fromkeys(track_ids))}
    roots: list[ExchangeNode] = []
    with read_transaction():
        if playlists:
            kinds = [0, 2] if history else [0]
            lists = stored_rows(
                Playlist.select(Playlist.id, Playlist.name, Playlist.hidden)
                .where(Playlist.hidden.in_(kinds))
                .order_by(Playlist.position, Playlist.id)
            )
            entries = stored_rows(
                PlaylistTrack.select(PlaylistTrack.playlist, PlaylistTrack.track)
                .join(Playlist, on=(PlaylistTrack.playlist == Playlist.id))
                .where(Playlist.hidden.in_(kinds))
                .order_by(PlaylistTrack.playlist, PlaylistTrack.position, PlaylistTrack.id)
            )
            _add_sets(roots, lists, entries, wanted, playlist_folder, ordered=True)
        if crates:
            rows = [
                (r[0], r[1], 0)
                for r in stored_rows(Crate.select(Crate.id, Crate.name).order_by(Crate.name))
            ]
            members = stored_rows(CrateTrack.select(CrateTrack.crate, CrateTrack.track))
            _add_sets(roots, rows, members, wanted, crate_folder, ordered=False)
    return roots


def _add_sets(
    roots: list[ExchangeNode], sets: list[tuple[Any, ...]], members: list[tuple[Any, ...]],
    wanted: dict[int, int], folder: str, *, ordered: bool,
) -> None:  # fmt: skip
    by_set: dict[int, list[int]] = {}
    had: set[int] = set()
    for set_id, track_id in members:
        had.add(set_id)
        if track_id in wanted:
            by_set.setdefault(set_id, []).append(track_id)
    for set_id, name, hidden in sets:
        entries = by_set.get(set_id, [])
        if set_id in had and not entries:
            continue  # none of its tracks is exported
        if not ordered:
            entries.sort(key=wanted.__getitem__)
        place = f"{folder}/History" if hidden == 2 else folder
        node = ExchangeNode(name if isinstance(name, str) else str(set_id))
        node.entries = list[int | str](entries)
        _folder(roots, place).append(node)
