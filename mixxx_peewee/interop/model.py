"""The exchange form: one DJ library in the units both rekordbox and Traktor think in.

Neither Mixxx's rows nor a format's attributes: positions and lengths are seconds on the
*other program's* timeline (the MP3 offset is applied between this form and Mixxx, never
in a format module), hot cue slots count from 0 (rekordbox ``Num`` 0-7 = A-H, Traktor
``HOTCUE`` 0-7, Mixxx's ``hotcue`` column), colours are ``0xRRGGBB`` ints, keys are
Mixxx's ``key_id`` (1-12 C…B major, 13-24 C…B minor), ratings are stars 0-5. A path is
the file's absolute path as a string in the target machine's spelling
(``/home/dj/a.mp3``, ``/Volumes/USB/a.mp3``, ``D:/Music/a.mp3`` with forward slashes);
the format modules encode it (a ``file://localhost/`` URL; a Traktor ``LOCATION``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

__all__ = [
    "CueKind",
    "ExchangeCue",
    "ExchangeFile",
    "ExchangeNode",
    "ExchangeTempo",
    "ExchangeTrack",
    "folder_names",
]


class CueKind(enum.StrEnum):
    """What a position mark is, in words both formats and Mixxx share."""

    HOTCUE = "hotcue"  # a cue on a hot cue slot (``number`` set)
    MEMORY = "memory"  # a cue without a slot (rekordbox Num -1; Traktor HOTCUE -1)
    LOOP = "loop"  # a saved loop, ``end`` set; on a slot (hot loop) or not (memory loop)
    MAIN = "main"  # Mixxx's main cue; written as the first memory cue
    INTRO = "intro"  # Mixxx's intro range (``start``, optional ``end``)
    OUTRO = "outro"  # Mixxx's outro range (optional ``start``, ``end``)
    FADE_IN = "fade-in"  # rekordbox/Traktor type 1, read as Mixxx's intro start
    FADE_OUT = "fade-out"  # rekordbox/Traktor type 2, read as Mixxx's outro end
    LOAD = "load"  # rekordbox/Traktor type 3 (auto-load position)


@dataclass(slots=True)
class ExchangeCue:
    """One position mark: a hot cue, memory cue, loop, main cue or marker."""

    kind: CueKind
    start: float  # seconds
    end: float | None = None  # seconds; loops and ranges
    number: int | None = None  # hot cue slot from 0; None: no slot
    name: str = ""
    color: int | None = None  # 0xRRGGBB; None: the format's or Mixxx's default


@dataclass(slots=True)
class ExchangeTempo:
    """One tempo section of a beat grid: from the beat at ``start`` on, ``bpm``."""

    start: float  # seconds of the section's first beat
    bpm: float
    beat_in_bar: int = 1  # 1-4; 1 is a downbeat (rekordbox Battito)
    meter: str = "4/4"


@dataclass(slots=True)
class ExchangeTrack:
    """One track with its tags, its numbers and what a DJ made of it."""

    key: int | str  # unique in one file: a TrackID, a Mixxx id, a Traktor primary key
    path: str
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    composer: str | None = None
    grouping: str | None = None
    genre: str | None = None
    comment: str | None = None
    year: str | None = None
    track_number: str | None = None
    label: str | None = None
    remixer: str | None = None
    kind: str | None = None  # file type as the library names it ("mp3", "flac")
    duration: float | None = None  # seconds
    bitrate: int | None = None  # kbit/s
    samplerate: int | None = None  # Hz
    size: int | None = None  # bytes
    date_added: datetime | None = None
    last_played: datetime | None = None
    play_count: int | None = None
    rating: int | None = None  # stars 0-5
    color: int | None = None  # track colour 0xRRGGBB
    key_id: int | None = None  # Mixxx's key id 1-24
    bpm: float | None = None  # the average/shown BPM
    tempos: list[ExchangeTempo] = field(default_factory=list)  # the grid; [] none
    cues: list[ExchangeCue] = field(default_factory=list)


@dataclass(slots=True)
class ExchangeNode:
    """A playlist (``entries`` set, ``children`` None) or a folder (``children`` set)."""

    name: str
    children: list[ExchangeNode] | None = None  # a folder's nodes, in order
    entries: list[int | str] = field(default_factory=list)  # track keys, in order

    @property
    def is_folder(self) -> bool:
        """True for a folder, False for a playlist."""
        return self.children is not None


@dataclass(slots=True)
class ExchangeFile:
    """What one file held: its tracks, its playlist tree, and the program that wrote it."""

    tracks: list[ExchangeTrack]
    playlists: list[ExchangeNode]  # the nodes under the root, in order
    product: str = ""  # "rekordbox 6.7.4", "Traktor 3.11"
    warnings: list[str] = field(default_factory=list)  # per-file notes for the report


def folder_names(path: str) -> tuple[str, ...]:
    """The folder names of a folder path as the options spell it (``"Mixxx/Crates"``)."""
    return tuple(name for name in path.split("/") if name)
