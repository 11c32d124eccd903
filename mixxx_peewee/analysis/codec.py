"""Mixxx's analysis blobs: beat grids, beat maps and key maps, read and written byte-exact.

Mixxx keeps a track's beats in ``library.beats`` (named by ``beats_version``) and its keys in
``library.keys`` (``keys_version``), as proto2 messages from ``src/proto/beats.proto`` and
``src/proto/keys.proto``. This module is a small hand-written codec for those few messages
(no protobuf dependency, no peewee): decode to immutable values, encode back to the bytes
Mixxx writes, and the edits Mixxx's own BPM/key controls make, as pure functions.

What it follows, by Mixxx file:

* Wire format (``beats.proto``, ``keys.proto``): fields are written in field-number order,
  only the fields that are set; ``int32`` and enum values below zero are 10-byte varints
  (sign-extended to 64 bits); unknown fields and known fields with an unexpected wire type
  are skipped on read, as protobuf's parser does. Every field remembers whether it was on
  the wire, so decode → encode of any blob gives its bytes back.
* ``BeatGrid-2.0`` (``beatgrid.cpp`` in 2.3, ``beats.cpp`` ``toBeatGridByteArray`` in
  2.4+): Mixxx sets only ``bpm.bpm`` and ``first_beat.frame_position``; neither ``source``
  field is ever written, in any version. 2.3 keeps a loaded grid's message and changes only
  the BPM (so fields another writer set survive); 2.4+ builds a fresh message on every save
  (``GENERATION_2_3`` / ``GENERATION_2_4`` below).
* Legacy ``BeatGrid-1.0``: protobuf first, else exactly 16 bytes read as the C struct
  ``{double bpm; double firstBeat;}`` in the machine's byte order (little-endian on every
  platform Mixxx ships for); ``firstBeat`` is in frames.
* ``BeatMap-1.0``: one ``Beat`` per beat, Mixxx writing only ``frame_position``. 2.4+
  needs at least two strictly increasing beats (``Beats::fromBeatMapByteArray``) and
  derives the track's BPM with ``Beats::getBpmInRange(0, duration)``: the BPM (rounded to
  0.01) of the constant-tempo sections that cover the most frames (:meth:`BeatMap.bpm`).
  2.3 used ``BeatUtils::calculateBpm`` (a median filter) instead; that is not reproduced.
* Validity (``Bpm::isValid`` in 2.4+): a BPM is valid when finite and > 0; 2.3's grid test
  was ``bpm > 0``. Degenerate values real libraries hold (first beat at −2³¹, zero or NaN
  BPM, a map with one beat) decode as values whose ``is_valid`` is False.
* ``KeyMap-1.0`` (``keyfactory.cpp``): a typed key is ``KeyMap{global_key, source USER}``
  in 2.3; 2.4+ adds ``global_key_text`` in ID3v2 spelling (``keyutils.cpp``
  ``s_IDv3KeyNames``: ``C``, ``Db``, …, ``F#m``, ``Bbm``; ``o`` for no key).
* User edits (``Track::trySetBpm``, ``Beats::trySetBpm``/``tryScale``,
  ``BeatGrid::setBpm``/``scale``): the typed double is stored as it is, no rounding; the
  menu factors multiply the BPM by the doubles ``2.0``, ``0.5``, ``2.0/3``, ``3.0/4``,
  ``4.0/3``, ``3.0/2``; the first beat is kept; 2.4+ turns a beat map into a constant
  grid anchored at its first beat when a BPM is typed.

Positions are frames (per channel) at ``library.samplerate``, unlike cue positions. A
decoded grid or map may carry its track's sample rate and duration (``decode_beats``'s
``sample_rate``/``duration``, as ``Track.grid`` passes them): then ``.bpm`` and
``.first_beat()`` need no arguments on either kind.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import ClassVar
from typing import Generic
from typing import Literal
from typing import TypeVar

from mixxx_peewee.core.keys import key_to_text

__all__ = [
    "BEAT_GRID_1",
    "BEAT_GRID_2",
    "BEAT_MAP",
    "GENERATION_2_3",
    "GENERATION_2_4",
    "ID3V2_KEY_NAMES",
    "KEY_MAP",
    "SCALE_FACTORS",
    "SOURCE_ANALYZER",
    "SOURCE_FILE_METADATA",
    "SOURCE_USER",
    "BeatGrid",
    "BeatMap",
    "Beats",
    "Decoded",
    "KeyMap",
    "beat_grid",
    "beat_map",
    "bpm_is_valid",
    "decode_beats",
    "decode_keys",
    "encode_beat_grid",
    "encode_beat_map",
    "encode_key_map",
    "grid_from_map",
    "scale_beats",
    "set_bpm",
    "user_key_map",
]

BEAT_GRID_1 = "BeatGrid-1.0"
BEAT_GRID_2 = "BeatGrid-2.0"
BEAT_MAP = "BeatMap-1.0"
KEY_MAP = "KeyMap-1.0"

# mixxx.track.io.Source (beats.proto) and mixxx.track.io.key.Source (keys.proto).
SOURCE_ANALYZER = 0
SOURCE_FILE_METADATA = 1
SOURCE_USER = 2

# Which Mixxx's writing rules to follow: 2.3.x, or 2.4 and later (2.5 writes as 2.4).
Generation = Literal["2.3", "2.4"]
GENERATION_2_3: Generation = "2.3"
GENERATION_2_4: Generation = "2.4"

# The track menu's factors, as the doubles Mixxx multiplies by (beatgrid.cpp, beats.cpp).
SCALE_FACTORS: dict[str, float] = {
    "double": 2.0,
    "halve": 1.0 / 2,
    "two_thirds": 2.0 / 3,
    "three_fourths": 3.0 / 4,
    "four_thirds": 4.0 / 3,
    "three_halves": 3.0 / 2,
}

# keyutils.cpp s_IDv3KeyNames, indexed by ChromaticKey.
ID3V2_KEY_NAMES = (
    "o",
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
    "Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm",
)  # fmt: skip

_INT32_MIN = -(2**31)
_U64 = 2**64
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class _WireError(ValueError):
    """The bytes are not a protobuf message (truncated, bad wire type, bad length)."""


# --------------------------------------------------------------------------------------
# Wire level
# --------------------------------------------------------------------------------------


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    for i in range(10):
        if pos >= len(data):
            raise _WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return result % _U64, pos
    raise _WireError("varint longer than 10 bytes")


def _fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of each field; raises _WireError."""
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if number == 0 or number >= 2**29:
            raise _WireError(f"field number {number}")
        value: int | bytes
        if wire == _VARINT:
            value, pos = _read_varint(data, pos)
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if pos + size > len(data):
                raise _WireError("truncated fixed-width field")
            value, pos = data[pos : pos + size], pos + size
        elif wire == _BYTES:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise _WireError("length runs past the end")
            value, pos = data[pos : pos + size], pos + size
        else:  # groups (3, 4) are not in these messages; 6, 7 do not exist
            raise _WireError(f"wire type {wire}")
        yield number, wire, value


def _int32(raw: int) -> int:
    low = raw & 0xFFFFFFFF
    return low - 2**32 if low & 0x80000000 else low


def _varint(value: int) -> bytes:
    value %= _U64  # negative int32/enum values: 64-bit two's complement, 10 bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _tag(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _put_varint(number: int, value: int) -> bytes:
    return _tag(number, _VARINT) + _varint(value)


def _put_double(number: int, value: float) -> bytes:
    return _tag(number, _FIXED64) + struct.pack("<d", value)


def _put_bytes(number: int, value: bytes) -> bytes:
    return _tag(number, _BYTES) + _varint(len(value)) + value


def _double(raw: int | bytes) -> float:
    assert isinstance(raw, bytes)
    return float(struct.unpack("<d", raw)[0])


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def bpm_is_valid(bpm: float) -> bool:
    """Whether Mixxx (``Bpm::isValid``, 2.4+) treats ``bpm`` as a tempo: finite and > 0."""
    return math.isfinite(bpm) and bpm > 0


@dataclass(frozen=True)
class _Beat:
    """One ``Beat`` message with what was on the wire (None = absent)."""

    frame_position: int | None = None
    enabled: bool | None = None
    source: int | None = None

    @classmethod
    def parse(cls, data: bytes) -> _Beat:
        frame: int | None = None
        enabled: bool | None = None
        source: int | None = None
        for number, wire, value in _fields(data):
            if wire != _VARINT or not isinstance(value, int):
                continue
            if number == 1:
                frame = _int32(value)
            elif number == 2:
                enabled = value != 0
            elif number == 3:
                source = _int32(value)
        return cls(frame, enabled, source)

    def encode(self) -> bytes:
        out = b""
        if self.frame_position is not None:
            out += _put_varint(1, self.frame_position)
        if self.enabled is not None:
            out += _put_varint(2, int(self.enabled))
        if self.source is not None:
            out += _put_varint(3, self.source)
        return out


@dataclass(frozen=True)
class BeatGrid:
    """A constant-tempo grid (``BeatGrid-2.0``): a BPM and the frame of one beat."""

    bpm: float
    first_beat_frame: int
    # Wire detail kept for byte-exact re-encoding; Mixxx itself never sets these.
    bpm_source: int | None = field(default=None, compare=False)
    first_beat_enabled: bool | None = field(default=None, compare=False)
    first_beat_source: int | None = field(default=None, compare=False)
    has_bpm: bool = field(default=True, repr=False, compare=False)
    has_bpm_value: bool = field(default=True, repr=False, compare=False)
    has_first_beat: bool = field(default=True, repr=False, compare=False)
    has_first_beat_frame: bool = field(default=True, repr=False, compare=False)
    # A legacy raw 16-byte BeatGrid-1.0 blob: its (bpm, first beat frames) doubles.
    legacy_raw: tuple[float, float] | None = field(default=None, repr=False, compare=False)
    # The track's sample rate (library.samplerate), when known: for first_beat().
    sample_rate: float | None = field(default=None, repr=False, compare=False)

    kind: ClassVar[str] = "grid"
    version: ClassVar[str] = BEAT_GRID_2

    @property
    def is_valid(self) -> bool:
        """Whether Mixxx 2.4+ would use this grid (its BPM is finite and > 0)."""
        return bpm_is_valid(self.bpm)

    @property
    def source(self) -> int | None:
        """The recorded source (``bpm.source``, else ``first_beat.source``); None: not set."""
        return self.bpm_source if self.bpm_source is not None else self.first_beat_source

    def first_beat(self, sample_rate: float | None = None) -> float | None:
        """Seconds from the start of the track to the grid's anchor beat; None without a
        sample rate (``sample_rate``, else the track's)."""
        rate = sample_rate or self.sample_rate
        return self.first_beat_frame / rate if rate else None

    def encode(self) -> bytes:
        """The blob Mixxx writes for this grid (the same bytes it was decoded from)."""
        if self.legacy_raw is not None:
            return struct.pack("<dd", *self.legacy_raw)
        out = b""
        if self.has_bpm:
            inner = b""
            if self.has_bpm_value:
                inner += _put_double(1, self.bpm)
            if self.bpm_source is not None:
                inner += _put_varint(2, self.bpm_source)
            out += _put_bytes(1, inner)
        if self.has_first_beat:
            beat = _Beat(
                self.first_beat_frame if self.has_first_beat_frame else None,
                self.first_beat_enabled,
                self.first_beat_source,
            )
            out += _put_bytes(2, beat.encode())
        return out


@dataclass(frozen=True)
class BeatMap:
    """A beat map (``BeatMap-1.0``): the frame of every beat."""

    frames: tuple[int, ...]
    # Per beat: the wire detail Mixxx itself never sets (enabled, source, absent position).
    wire: tuple[_Beat, ...] | None = field(default=None, repr=False, compare=False)
    # The track's sample rate and duration in seconds, when known: for bpm and first_beat().
    sample_rate: float | None = field(default=None, repr=False, compare=False)
    duration: float | None = field(default=None, repr=False, compare=False)

    kind: ClassVar[str] = "map"
    version: ClassVar[str] = BEAT_MAP

    @property
    def first_beat_frame(self) -> int | None:
        """Frame of the first beat; None for an empty map."""
        return self.frames[0] if self.frames else None

    @property
    def is_valid(self) -> bool:
        """Whether Mixxx 2.4+ loads it: at least two beats, strictly increasing."""
        pairs = zip(self.frames, self.frames[1:], strict=False)
        return len(self.frames) >= 2 and all(a < b for a, b in pairs)

    def first_beat(self, sample_rate: float | None = None) -> float | None:
        """Seconds to the first beat (``sample_rate``, else the track's); None for an empty
        map or without a sample rate."""
        first = self.first_beat_frame
        rate = sample_rate or self.sample_rate
        return None if first is None or not rate else first / rate

    def beat_times(self, sample_rate: float | None = None) -> tuple[float, ...]:
        """Every beat in seconds (``sample_rate``, else the track's; () without one)."""
        rate = sample_rate or self.sample_rate
        return tuple(f / rate for f in self.frames) if rate else ()

    @property
    def bpm(self) -> float:
        """The BPM Mixxx 2.4+ shows for this map at the track's sample rate and duration
        (0.0 when it is not valid or the sample rate is unknown): :meth:`bpm_at`."""
        return self.bpm_at(self.sample_rate, self.duration) if self.sample_rate else 0.0

    def bpm_at(self, sample_rate: float, duration: float | None = None) -> float:
        """The BPM Mixxx 2.4+ shows and stores for this map (0.0 when it is not valid).

        ``duration`` is the track length in seconds (``library.duration``); without it the
        map ends at its last beat. Follows ``Beats::fromBeatPositions`` + ``getBpmInRange``.
        """
        if not self.is_valid or not sample_rate > 0:
            return 0.0
        markers, last_position, last_bpm = _markers(self.frames, sample_rate)
        if not markers:
            return last_bpm
        end = duration * sample_rate if duration is not None else float(self.frames[-1])
        if not end > 0:
            return 0.0
        return _bpm_in_range(markers, last_position, last_bpm, sample_rate, end)

    def encode(self) -> bytes:
        """The blob Mixxx writes for this map (the same bytes it was decoded from)."""
        beats = self.wire if self.wire is not None else tuple(_Beat(f) for f in self.frames)
        return b"".join(_put_bytes(1, beat.encode()) for beat in beats)


Beats = BeatGrid | BeatMap


def _round_half_away(value: float) -> int:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _markers(
    frames: tuple[int, ...], sample_rate: float
) -> tuple[list[tuple[int, int]], int, float]:
    """Beats::fromBeatPositions: (marker frame, beats till next) list, last marker, its BPM."""
    markers: list[tuple[int, int]] = []
    marker = frames[0]
    beats_till_next = 0
    previous = marker
    previous_length = float(frames[1] - previous)
    for position in frames[1:]:
        length = float(position - previous)
        if abs(previous_length - length) < 1.0:
            previous = position
            beats_till_next += 1
            continue
        markers.append((marker, beats_till_next))
        marker = previous
        previous_length = length
        beats_till_next = 1
        previous = position
    if markers:
        markers.append((marker, beats_till_next))
        marker = frames[-1]
    return markers, marker, 60.0 * sample_rate / previous_length


def _bpm_in_range(
    markers: list[tuple[int, int]],
    last_position: int,
    last_bpm: float,
    sample_rate: float,
    end: float,
) -> float:
    """Beats::getBpmInRange(0, end): the 0.01-rounded BPM covering the most frames."""
    start = 0.0
    if start >= last_position:
        return last_bpm
    durations: dict[int, float] = {}
    if end > last_position:
        durations[_round_half_away(last_bpm * 100)] = end - last_position
    next_position = float(last_position)
    for index in range(len(markers) - 1, -1, -1):
        if not next_position > start:
            break
        position, beats = markers[index]
        if end <= position:
            next_position = position
            continue
        section = next_position - position
        key = _round_half_away(100 * 60.0 * sample_rate / (section / beats))
        if position < end < next_position:
            section -= next_position - end
        if position < start < next_position:
            section -= start - position
        value = durations.get(key, 0.0)
        next_position = position
        if index == 0 and next_position > start:
            section += next_position - start
        durations[key] = value + section
    if not durations:
        return 0.0
    best = max(durations.items(), key=lambda item: item[1])
    return best[0] / 100


@dataclass(frozen=True)
class KeyMap:
    """A key map (``KeyMap-1.0``): the global key, its text, key changes and the source."""

    key_id: int
    global_key_text: str | None = None
    key_changes: tuple[tuple[int, int], ...] = ()
    source: int | None = None
    has_key_id: bool = field(default=True, repr=False, compare=False)
    # Per key change: (frame on the wire, key on the wire), for byte-exact re-encoding.
    wire: tuple[tuple[bool, bool], ...] | None = field(default=None, repr=False, compare=False)

    version: ClassVar[str] = KEY_MAP

    @property
    def is_valid(self) -> bool:
        """Whether the global key is a real key (ChromaticKey 1..24)."""
        return 1 <= self.key_id <= 24

    @property
    def text(self) -> str:
        """The key in traditional notation, else the stored text (as ``formatGlobalKey``)."""
        return self.text_in("traditional")

    def text_in(self, notation: str) -> str:
        """The key in ``notation`` (traditional, openkey, lancelot), else the stored text."""
        if self.is_valid:
            return key_to_text(self.key_id, notation)
        return self.global_key_text or ""

    def encode(self) -> bytes:
        """The blob Mixxx writes for this key map (the same bytes it was decoded from)."""
        out = b""
        if self.has_key_id:
            out += _put_varint(1, self.key_id)
        if self.global_key_text is not None:
            out += _put_bytes(2, self.global_key_text.encode("utf-8", "surrogateescape"))
        wire = self.wire if self.wire is not None else ((True, True),) * len(self.key_changes)
        for (frame, key), (has_frame, has_key) in zip(self.key_changes, wire, strict=True):
            inner = _put_varint(1, frame) if has_frame else b""
            inner += _put_varint(2, key) if has_key else b""
            out += _put_bytes(3, inner)
        if self.source is not None:
            out += _put_varint(4, self.source)
        return out


T = TypeVar("T")


@dataclass(frozen=True)
class Decoded(Generic[T]):
    """A decoded blob: ``value``, or None and a one-line ``reason``."""

    value: T | None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.value is not None


# --------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------


def _parse_grid(data: bytes) -> BeatGrid:
    has_bpm = has_first = False
    bpm: float | None = None
    bpm_source: int | None = None
    first = _Beat()
    for number, wire, value in _fields(data):
        if wire != _BYTES or not isinstance(value, bytes):
            continue
        if number == 1:
            has_bpm = True
            for inner_number, inner_wire, inner in _fields(value):
                if inner_number == 1 and inner_wire == _FIXED64:
                    bpm = _double(inner)
                elif inner_number == 2 and inner_wire == _VARINT:
                    assert isinstance(inner, int)
                    bpm_source = _int32(inner)
        elif number == 2:
            has_first = True
            beat = _Beat.parse(value)  # a repeated sub-message merges into the first
            first = _Beat(
                beat.frame_position if beat.frame_position is not None else first.frame_position,
                beat.enabled if beat.enabled is not None else first.enabled,
                beat.source if beat.source is not None else first.source,
            )
    return BeatGrid(
        bpm=0.0 if bpm is None else bpm,
        first_beat_frame=first.frame_position or 0,
        bpm_source=bpm_source,
        first_beat_enabled=first.enabled,
        first_beat_source=first.source,
        has_bpm=has_bpm,
        has_bpm_value=bpm is not None,
        has_first_beat=has_first,
        has_first_beat_frame=first.frame_position is not None,
    )


def _parse_map(data: bytes) -> BeatMap:
    beats = [
        _Beat.parse(value)
        for number, wire, value in _fields(data)
        if number == 1 and wire == _BYTES and isinstance(value, bytes)
    ]
    frames = tuple(b.frame_position or 0 for b in beats)
    plain = all(b == _Beat(b.frame_position) and b.frame_position is not None for b in beats)
    return BeatMap(frames, None if plain else tuple(beats))


def _parse_keys(data: bytes) -> KeyMap:
    key_id: int | None = None
    text: str | None = None
    source: int | None = None
    changes: list[tuple[int, int]] = []
    wire_flags: list[tuple[bool, bool]] = []
    for number, wire, value in _fields(data):
        if number == 1 and wire == _VARINT and isinstance(value, int):
            key_id = _int32(value)
        elif number == 2 and wire == _BYTES and isinstance(value, bytes):
            text = value.decode("utf-8", "surrogateescape")
        elif number == 3 and wire == _BYTES and isinstance(value, bytes):
            frame: int | None = None
            key: int | None = None
            for inner_number, inner_wire, inner in _fields(value):
                if inner_wire == _VARINT and isinstance(inner, int):
                    if inner_number == 1:
                        frame = _int32(inner)
                    elif inner_number == 2:
                        key = _int32(inner)
            changes.append((frame or 0, key or 0))
            wire_flags.append((frame is not None, key is not None))
        elif number == 4 and wire == _VARINT and isinstance(value, int):
            source = _int32(value)
    plain = all(flags == (True, True) for flags in wire_flags)
    return KeyMap(
        key_id=key_id or 0,
        global_key_text=text,
        key_changes=tuple(changes),
        source=source,
        has_key_id=key_id is not None,
        wire=None if plain else tuple(wire_flags),
    )


def _positive(value: object) -> float | None:
    """A sample rate or duration as a number > 0, else None (columns may hold anything)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def decode_beats(
    version: str | None,
    blob: bytes | None,
    *,
    sample_rate: object = None,
    duration: object = None,
) -> Decoded[Beats]:
    """The grid or map in ``library.beats``, or None and why; never raises.

    ``sample_rate`` and ``duration`` (the track's ``samplerate`` and ``duration`` columns;
    ignored unless > 0) go with the value, so ``.bpm`` and ``.first_beat()`` need no
    arguments on a map or a grid.
    """
    decoded = _decode_beats(version, blob)
    rate = _positive(sample_rate)
    if decoded.value is None or rate is None:
        return decoded
    if isinstance(decoded.value, BeatMap):
        return Decoded(replace(decoded.value, sample_rate=rate, duration=_positive(duration)))
    return Decoded(replace(decoded.value, sample_rate=rate))


def _decode_beats(version: str | None, blob: bytes | None) -> Decoded[Beats]:
    try:
        if blob is None or len(blob) == 0:
            return Decoded(None, "no beats blob")
        data = bytes(blob)
        if version in (BEAT_GRID_2, BEAT_GRID_1):
            try:
                return Decoded(_parse_grid(data))
            except _WireError as exc:
                if version == BEAT_GRID_1 and len(data) == 16:
                    bpm, first = struct.unpack("<dd", data)
                    frame = _legacy_frame(first)
                    return Decoded(BeatGrid(bpm, frame, legacy_raw=(bpm, first)))
                return Decoded(None, f"{version} blob is not a BeatGrid message: {exc}")
        if version == BEAT_MAP:
            try:
                return Decoded(_parse_map(data))
            except _WireError as exc:
                return Decoded(None, f"{version} blob is not a BeatMap message: {exc}")
        if not version:
            return Decoded(None, "beats blob without a beats_version")
        return Decoded(None, f"unknown beats_version {version!r}")
    except Exception as exc:  # the contract: never raise on any input
        return Decoded(None, f"undecodable beats blob: {type(exc).__name__}: {exc}")


def _legacy_frame(first_beat: float) -> int:
    """2.3's int32 cast of a legacy grid's first beat (truncation; out of range → −2³¹)."""
    if not math.isfinite(first_beat) or not _INT32_MIN <= first_beat < 2**31:
        return _INT32_MIN  # what x86's cvttsd2si gives for an unrepresentable value
    return int(first_beat)


def decode_keys(version: str | None, blob: bytes | None) -> Decoded[KeyMap]:
    """The key map in ``library.keys``, or None and why; never raises."""
    try:
        if blob is None or len(blob) == 0:
            return Decoded(None, "no keys blob")
        if version != KEY_MAP:
            if not version:
                return Decoded(None, "keys blob without a keys_version")
            return Decoded(None, f"unknown keys_version {version!r}")
        try:
            return Decoded(_parse_keys(bytes(blob)))
        except _WireError as exc:
            return Decoded(None, f"{version} blob is not a KeyMap message: {exc}")
    except Exception as exc:  # the contract: never raise on any input
        return Decoded(None, f"undecodable keys blob: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------
# Building and encoding what Mixxx writes
# --------------------------------------------------------------------------------------


def _check_int32(frame: int) -> int:
    if not _INT32_MIN <= frame < 2**31:
        raise ValueError(f"frame {frame} does not fit Mixxx's int32 frame_position")
    return frame


def beat_grid(bpm: float, first_beat_frame: float) -> BeatGrid:
    """The grid Mixxx builds for ``bpm`` anchored at a frame (fractions floored, as 2.4+)."""
    return BeatGrid(float(bpm), _check_int32(math.floor(first_beat_frame)))


def beat_map(frames: Iterable[float]) -> BeatMap:
    """The map Mixxx writes for these beat frames (each floored, as 2.4+)."""
    return BeatMap(tuple(_check_int32(math.floor(f)) for f in frames))


def encode_beat_grid(bpm: float, first_beat_frame: float) -> bytes:
    """``BeatGrid-2.0`` bytes as Mixxx writes them: ``bpm.bpm`` and the first beat frame."""
    return beat_grid(bpm, first_beat_frame).encode()


def encode_beat_map(frames: Iterable[float]) -> bytes:
    """``BeatMap-1.0`` bytes as Mixxx writes them: one Beat with only its frame per beat."""
    return beat_map(frames).encode()


def encode_key_map(
    key_id: int,
    source: int = SOURCE_USER,
    *,
    generation: Generation = GENERATION_2_4,
    key_changes: Iterable[tuple[int, int]] = (),
) -> bytes:
    """``KeyMap-1.0`` bytes as Mixxx ``generation`` writes them for a global key."""
    return _key_map(key_id, source, generation, tuple(key_changes)).encode()


def _key_map(
    key_id: int, source: int, generation: Generation, changes: tuple[tuple[int, int], ...]
) -> KeyMap:
    if not 0 <= key_id <= 24:
        raise ValueError(f"key_id must be 0..24, not {key_id}")
    text = ID3V2_KEY_NAMES[key_id] if generation == GENERATION_2_4 else None
    return KeyMap(key_id, text, changes, source)


def user_key_map(key_id: int, generation: Generation = GENERATION_2_4) -> KeyMap:
    """The key map Mixxx stores when a user sets a key (``KeyFactory::makeBasicKeys``)."""
    return _key_map(key_id, SOURCE_USER, generation, ())


# --------------------------------------------------------------------------------------
# User edits
# --------------------------------------------------------------------------------------


def _check_bpm(bpm: float) -> float:
    if not bpm_is_valid(bpm):
        raise ValueError(f"BPM must be finite and > 0 (Mixxx clears the beats for {bpm!r})")
    return float(bpm)


def grid_from_map(beats: BeatMap, bpm: float) -> BeatGrid:
    """The constant grid 2.4+ makes when a BPM is typed on a map: anchored at its first beat."""
    if not beats.frames:
        raise ValueError("an empty beat map has no first beat to anchor a grid at")
    return BeatGrid(_check_bpm(bpm), beats.frames[0], sample_rate=beats.sample_rate)


def set_bpm(beats: Beats, bpm: float, generation: Generation = GENERATION_2_4) -> BeatGrid:
    """What Mixxx stores when a user types ``bpm``: the first beat kept, the BPM as typed.

    2.3 keeps the grid's message (only ``bpm.bpm`` changes); 2.4+ writes a fresh grid and
    turns a map into a grid at its first beat; 2.3 cannot set a map's BPM (ValueError).
    """
    bpm = _check_bpm(bpm)
    if isinstance(beats, BeatMap):
        if generation == GENERATION_2_3:
            raise ValueError("Mixxx 2.3 cannot set the BPM of a beat map")
        return grid_from_map(beats, bpm)
    if generation == GENERATION_2_3:
        return replace(beats, bpm=bpm, has_bpm=True, has_bpm_value=True, legacy_raw=None)
    return BeatGrid(bpm, beats.first_beat_frame, sample_rate=beats.sample_rate)


def scale_beats(
    beats: Beats, factor: str | float, generation: Generation = GENERATION_2_4
) -> BeatGrid:
    """A grid scaled by a track-menu factor (a SCALE_FACTORS name or its double).

    Only grids: Mixxx's map scaling (2.3 inserts beats, 2.4+ rescales markers) is not
    reproduced and raises ValueError.
    """
    value = SCALE_FACTORS[factor] if isinstance(factor, str) else float(factor)
    if value not in SCALE_FACTORS.values():
        raise ValueError(f"Mixxx scales only by {sorted(SCALE_FACTORS)}, not {factor!r}")
    if isinstance(beats, BeatMap):
        raise ValueError("scaling a beat map is not supported (only grids)")
    return set_bpm(beats, _check_bpm(beats.bpm) * value, generation)
