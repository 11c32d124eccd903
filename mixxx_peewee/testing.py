"""Sample Mixxx databases for tests — ours and our users'.

:func:`make_sample_library` writes a Mixxx-shaped file at any supported revision from
our expected-schema data (rendered DDL plus the ``settings`` version keys), optionally
filled with a realistic, deterministic library: tracks (both ``track_locations`` and
``library`` rows), playlists (with Auto DJ and history), crates, cues and the music root
in ``directories``. It writes with raw ``sqlite3`` ``executemany``, so 100,000 tracks take
a few seconds.

The pytest plugin (:mod:`mixxx_peewee.pytest_plugin`, entry point ``pytest11``) offers the
fixtures ``mixxx_db``, ``mixxx_sample_path`` and ``mixxx_library``; this module imports
no pytest, so scripts can call :func:`make_sample_library` cheaply.
"""

from __future__ import annotations

import datetime as dt
import gc
import operator
import random
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TypeVar

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import GENERATION_2_3
from mixxx_peewee.analysis.codec import GENERATION_2_4
from mixxx_peewee.analysis.codec import ID3V2_KEY_NAMES
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import SOURCE_ANALYZER
from mixxx_peewee.analysis.codec import encode_beat_grid
from mixxx_peewee.analysis.codec import encode_key_map
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.core.schema import MAX_REVISION
from mixxx_peewee.core.schema import MIN_REVISION
from mixxx_peewee.core.schema import expected_tables
from mixxx_peewee.core.schema import render_ddl

__all__ = ["SampleOptions", "make_sample_library"]

_GENRES = (
    "House", "Deep House", "Tech House", "Techno", "Minimal", "Disco", "Nu Disco",
    "Funk", "Soul", "Electro", "Drum & Bass", "Breakbeat", "Acid", "Ambient",
    "Italo Disco", "Garage", "Afro House", "Dub Techno", "Hip-Hop", "Trance",
)  # fmt: skip
_FIRST = (
    "DJ", "The", "Kid", "Lady", "MC", "Dr.", "Los", "Die", "Le", "Sister", "Brother",
    "Little", "Big", "Mad", "Soul", "Acid", "Deep", "Night",
)  # fmt: skip
_LAST = (
    "Ramirez", "Kollektiv", "Sunshine", "Harmonics", "Nakamura", "Okafor", "Lindqvist",
    "Fontaine", "Moreno", "Jackson", "Weber", "Popescu", "Groove Unit", "Machines",
    "Orchestra", "Allstars", "Brothers", "Collective", "Sound System", "Express",
)  # fmt: skip
_SPECIAL_ARTISTS = (
    "Björk", "Sigur Rós", "Röyksopp", "Motörhead", "坂本龍一", "細野晴臣", "Café Tacvba",
    "Zoë Mañana", "Ébène Quartet", "Dvořák Beats", "Sébastien Tellier", "Ólafur Arnalds",
    "Guns 'n' Roses Tribute", 'The "Real" Thing', "50% Off", "under_score", "AC/DC Tribute",
)  # fmt: skip
_WORDS = (
    "Midnight", "Groove", "Love", "Machine", "Dancer", "Sunrise", "Body", "Night",
    "Fever", "City", "Lights", "Move", "Soul", "Jack", "Acid", "Dream", "Heat", "Gold",
    "Funk", "Boogie", "Rhythm", "Space", "Echo", "Desire", "Paradise", "Motion",
    "Tokyo", "Berlin", "Detroit", "Chicago", "Shadow", "Fire", "Water", "Magic",
)  # fmt: skip
_SPECIAL_TITLES = (
    "Don't Stop 'Til You Get Enough", 'The "Perfect" Beat', "100% Pure Love",
    "track_01_final", "東京 Nights", "夜明け前", "Crème Brûlée", "Señorita (Édit)",
    "Ça Plane Pour Moi", "Über Alles Groove", "50%_of_100%", "Naïve Dancer",
)  # fmt: skip
_MIXES = (
    "", "", "", "", " (Original Mix)", " (Extended Mix)", " (Dub)", " (Radio Edit)",
    " (Remix)", " (Instrumental)", " (Club Mix)", " (Re-Edit)",
)  # fmt: skip
_COMMENTS = (
    "", "", "", "Bought on Bandcamp", "vinyl rip", "Great opener",
    "Peak-time weapon, careful with the long breakdown at 4:30 — mix out early",
    "Promo copy: not for distribution", "🔥🔥", "key clash with the B-side",
)  # fmt: skip
_PLAYLIST_NAMES = (
    "Warm-up", "Peak Time", "Sunday Disco", "Afterhours", "Vinyl rips", "Closing Set",
    "Büro Mix", "深夜 (late night)", "Set 2024-05 Berlin", "Weddings", "Edits & Bootlegs",
    "Garden Party", "Techno 130+", "Crowd pleasers",
)  # fmt: skip
_CRATE_NAMES = (
    "House", "Techno", "Disco", "Classics", "New Arrivals", "To Check", "Bangers",
    "Edits", "Vocals", "Tools & Loops", "Café", "日本",
)  # fmt: skip
_CUE_LABELS = ("", "", "", "", "Drop", "Vocal in", "Breakdown", "Intro", "Outro", "Büro ✓")
# (type, kbit/s), repeated by how common it is.
_FILETYPES = (("mp3", 320),) * 6 + (("flac", 900),) * 2 + (("m4a", 256), ("wav", 1411))
_TRACK_COLORS = (0xC50A08, 0x32BE44, 0x0044FF, 0xF8D200, 0x42D4F4, 0xAF00CC, 0xFCA6D7)
_CUE_COLORS = (0xC50A08, 0xF8D200, 0x32BE44, 0x0044FF, 0x42D4F4, 0xAF00CC, 0xFCA6D7, 0xF2F2FF)
_EPOCH = dt.datetime(2016, 1, 1)  # naive UTC
_UNIX = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class SampleOptions:
    """What a sample library holds: :func:`make_sample_library`'s options, counts resolved."""

    revision: int
    tracks: int
    seed: int
    music_root: str
    hidden_fraction: float
    missing_fraction: float
    beats_fraction: float
    crates: int
    playlists: int
    playlist_max: int
    history_playlists: int
    auto_dj: bool
    cues_per_track: int

    @property
    def has_rows(self) -> bool:
        """Whether the file gets rows beyond the ``settings`` version keys."""
        counts = (self.tracks, self.crates, self.playlists, self.history_playlists)
        return any(counts) or self.auto_dj


T = TypeVar("T")


class _Random(random.Random):
    """``random.Random`` with cheap picks: the factory calls them millions of times."""

    def pick(self, seq: Sequence[T]) -> T:
        """One element of ``seq``."""
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """An integer in ``low..high`` (both included)."""
        return low + int(self.random() * (high - low + 1))


def _insert(
    conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]], have: set[str]
) -> None:
    """Insert ``rows`` keeping only the columns the file has at this revision."""
    if not rows:
        return
    cols = [c for c in rows[0] if c in have]
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" * len(cols))
    getter = operator.itemgetter(*cols)
    values = map(getter, rows) if len(cols) > 1 else ((getter(row),) for row in rows)
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)


def _sql_time(moment: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` of a naive UTC value (isoformat is faster than strftime)."""
    return moment.isoformat(" ", "seconds")


class _Names:
    """Human-looking artist, album and title names (a few Unicode, quotes, ``%``, ``_``)."""

    def __init__(self, rng: _Random) -> None:
        self.rng = rng
        self.artists = [f"{a} {b}" for a in _FIRST for b in _LAST]
        rng.shuffle(self.artists)

    def artist(self) -> str:
        rng = self.rng
        if rng.random() < 0.08:
            name = rng.pick(_SPECIAL_ARTISTS)
            # Some files carry decomposed (NFD) names, as macOS writes them.
            return unicodedata.normalize("NFD", name) if rng.random() < 0.3 else name
        # A few artists have many tracks, most have a handful.
        return self.artists[int(rng.expovariate(1 / 60)) % len(self.artists)]

    def title(self) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            base = rng.pick(_SPECIAL_TITLES)
        else:
            base = " ".join(rng.pick(_WORDS) for _ in range(rng.between(1, 3)))
        return base + rng.pick(_MIXES)

    def album(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.pick(_WORDS) + " EP"
        return f"{rng.pick(_WORDS)} {rng.pick(_WORDS)}"


def _analysis(
    rng: _Random, has_beats: bool, bpm: float, first_frame: int, key_id: int, revision: int
) -> dict[str, Any]:
    """An analysed track's grid and key map, as the Mixxx of ``revision`` writes them."""
    if has_beats:
        # This draw once made placeholder bytes; it stays so every seed gives the same library.
        rng.randbytes(rng.between(200, 600))
    keys: dict[str, Any] = {"keys": None, "keys_version": None, "keys_sub_version": None}
    if not has_beats or bpm <= 0:
        return {"beats": None, "beats_version": None, "beats_sub_version": "", **keys}
    generation = GENERATION_2_3 if revision <= 32 else GENERATION_2_4
    if key_id:
        keys = {
            "keys": encode_key_map(key_id, SOURCE_ANALYZER, generation=generation),
            "keys_version": KEY_MAP,
            "keys_sub_version": "vamp_plugin_id=qm-keydetector:2",
        }
    return {
        "beats": encode_beat_grid(bpm, first_frame),
        "beats_version": BEAT_GRID_2,
        "beats_sub_version": "rounding=V4|vamp_plugin_id=qm-tempotracker:0",
        **keys,
    }


def _key_column(key_id: int, has_keymap: bool, revision: int) -> str | None:
    """The ``key`` text: Mixxx 2.4+ copies a key map's ``global_key_text`` (``Bb``), else
    traditional (2.3's default notation, and tags read before any analysis)."""
    if not key_id:
        return None
    return ID3V2_KEY_NAMES[key_id] if has_keymap and revision > 32 else key_to_text(key_id)


def _tracks(
    rng: _Random, options: SampleOptions
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[float]]:
    """``track_locations`` rows, ``library`` rows, ``track_analysis`` rows, main cue seconds."""
    hidden_fraction = options.hidden_fraction
    names = _Names(rng)
    locations: list[dict[str, Any]] = []
    library: list[dict[str, Any]] = []
    analysis: list[dict[str, Any]] = []
    cue_seconds: list[float] = []
    seen: set[str] = set()
    root = options.music_root.rstrip("/") or ""
    for track_id in range(1, options.tracks + 1):
        artist = names.artist()
        title = names.title()
        album = names.album()
        number = rng.between(1, 12)
        ext, bitrate = rng.pick(_FILETYPES)
        directory = f"{root}/{artist.replace('/', '-')}/{album}"
        filename = f"{number:02d} - {title.replace('/', '-')}.{ext}"
        location = f"{directory}/{filename}"
        if location in seen:
            filename = f"{number:02d} - {title.replace('/', '-')} ({track_id}).{ext}"
            location = f"{directory}/{filename}"
        seen.add(location)
        samplerate = 44100 if rng.random() < 0.8 else 48000
        duration = round(rng.uniform(150.0, 600.0), 6)
        locations.append(
            {
                "id": track_id,
                "location": location,
                "filename": filename,
                "directory": directory,
                "filesize": int(duration * bitrate * 125) + rng.between(0, 40000),
                "fs_deleted": 1 if rng.random() < options.missing_fraction else 0,
                "needs_verification": 0,
            }
        )
        added = _EPOCH + dt.timedelta(seconds=rng.between(0, 9 * 365 * 86400))
        style = rng.random()
        if style < 0.7:  # what Mixxx writes today
            datetime_added = added.isoformat("T", "seconds") + f".{rng.between(0, 999):03d}Z"
        elif style < 0.9:  # the column default (CURRENT_TIMESTAMP)
            datetime_added = _sql_time(added)
        else:  # Qt ISODate without a zone (older Mixxx)
            datetime_added = added.isoformat("T", "seconds")
        key_id = rng.between(1, 24) if rng.random() < 0.85 else 0
        kind = rng.random()
        if kind < 0.03:
            bpm = 0.0  # not analysed
        elif kind < 0.4:
            bpm = float(rng.between(110, 135))
        elif kind < 0.7:
            bpm = round(rng.uniform(85.0, 175.0), 2)
        else:
            bpm = rng.uniform(118.0, 130.0)  # full double precision, as analysis writes it
        cue_sec = round(rng.uniform(0.0, 20.0), 3) if rng.random() < 0.8 else 0.0
        cue_seconds.append(cue_sec)
        frame = cue_sec * samplerate
        # Engine samples = frame * 2; sometimes fractional (REAL in an INTEGER column).
        cuepoint: float | int = int(frame) * 2 if rng.random() < 0.7 else round(frame * 2, 4)
        played = rng.random() < 0.4
        timesplayed = rng.between(1, 40) if played else 0
        last_played = (
            _sql_time(added + dt.timedelta(seconds=rng.between(3600, 200 * 86400)))
            if played
            else None
        )
        hidden = rng.random()
        if hidden < hidden_fraction:
            mixxx_deleted: int | None = 1
        elif hidden < hidden_fraction + 0.01:
            mixxx_deleted = None
        else:
            mixxx_deleted = 0
        has_beats = rng.random() < options.beats_fraction
        kind = rng.random()
        year = str(rng.between(1975, 2025)) if kind < 0.7 else ""
        if kind > 0.9:
            year += f"{rng.between(1975, 2025)}-0{rng.between(1, 9)}-1{rng.between(0, 9)}"
        library.append(
            {
                "id": track_id,
                "artist": artist,
                "title": title,
                "album": album,
                "year": year or None,
                "genre": rng.pick(_GENRES) if rng.random() < 0.9 else None,
                "tracknumber": str(number),
                "location": track_id,
                "comment": rng.pick(_COMMENTS) or None,
                "url": None,
                "duration": duration,
                "bitrate": bitrate,
                "samplerate": samplerate,
                "cuepoint": cuepoint,
                "bpm": bpm,
                "wavesummaryhex": None,
                "channels": 2,
                "datetime_added": datetime_added,
                "mixxx_deleted": mixxx_deleted,
                "played": 0,
                "header_parsed": 1,
                "filetype": ext,
                "replaygain": round(rng.uniform(0.3, 1.6), 6) if rng.random() < 0.5 else 0.0,
                "timesplayed": timesplayed,
                "rating": rng.pick((0, 0, 0, 1, 2, 3, 4, 5)),
                "key": None,  # below: it depends on the key map drawn next
                **_analysis(rng, has_beats, bpm, int(frame), key_id, options.revision),
                "composer": None,
                "bpm_lock": 0,
                "key_id": key_id,
                "grouping": None,
                "album_artist": artist if rng.random() < 0.3 else None,
                "coverart_source": 0,
                "coverart_type": 0,
                "coverart_location": "",
                "coverart_hash": 0,
                "replaygain_peak": round(rng.uniform(0.5, 1.0), 6) if rng.random() < 0.5 else -1.0,
                "tracktotal": str(rng.between(number, 14)) if rng.random() < 0.5 else "",
                "color": rng.pick(_TRACK_COLORS) if rng.random() < 0.2 else None,
                "coverart_color": None,
                "coverart_digest": None,
                "last_played_at": last_played,
                "source_synchronized_ms": (
                    int((added - _UNIX).total_seconds() * 1000) if rng.random() < 0.5 else None
                ),
                "tuning_frequency_hz": 440.0 if rng.random() < 0.3 else 0.0,
            }
        )
        row = library[-1]
        row["key"] = _key_column(key_id, row["keys"] is not None, options.revision)
        if has_beats:
            analysis.append(
                {
                    "track_id": track_id,
                    "type": "0",
                    "description": "Waveform",
                    "version": "Waveform-5.0",
                    "created": _sql_time(added),
                    "data_checksum": f"{rng.getrandbits(32):08x}",
                }
            )
    return locations, library, analysis, cue_seconds


def _cues(
    rng: _Random, library: list[dict[str, Any]], cue_seconds: list[float], options: SampleOptions
) -> list[dict[str, Any]]:
    """Cue rows: main cue, intro, hotcues and loops, positions in engine samples."""
    rows: list[dict[str, Any]] = []
    per_track = options.cues_per_track
    if per_track <= 0:
        return rows

    def color() -> int:
        if options.revision >= 32:
            return rng.pick(_CUE_COLORS)
        # Before 32 the colour column held Mixxx's old ARGB form (default 0xFFFF0000).
        return 0xFFFF0000 if rng.random() < 0.7 else 0xFF000000 | rng.pick(_CUE_COLORS)

    def samples(seconds: float, rate: int) -> float | int:
        frame = seconds * rate
        return int(frame) * 2 if rng.random() < 0.8 else round(frame * 2, 3)

    for track, main in zip(library, cue_seconds, strict=True):
        count = rng.between(0, 2 * per_track)
        if count == 0:
            continue
        rate = track["samplerate"]
        duration = track["duration"]
        rows.append(
            {
                "track_id": track["id"],
                "type": 2,
                "position": track["cuepoint"],
                "length": 0,
                "hotcue": -1,
                "label": "",
                "color": color(),
            }
        )
        if count >= 2:
            rows.append(
                {
                    "track_id": track["id"],
                    "type": 6,
                    "position": samples(main, rate),
                    "length": samples(rng.uniform(8.0, 30.0), rate),
                    "hotcue": -1,
                    "label": "",
                    "color": color(),
                }
            )
        hotcues = rng.sample(range(8), min(8, max(0, count - 2)))
        for hotcue in sorted(hotcues):
            is_loop = rng.random() < 0.2
            rows.append(
                {
                    "track_id": track["id"],
                    "type": 4 if is_loop else 1,
                    "position": samples(rng.uniform(0.0, duration - 10.0), rate),
                    "length": samples(rng.pick((1.0, 2.0, 4.0, 8.0)), rate) if is_loop else 0,
                    "hotcue": hotcue,
                    "label": rng.pick(_CUE_LABELS),
                    "color": color(),
                }
            )
    return rows


def _unique_names(rng: _Random, pool: tuple[str, ...], count: int) -> list[str]:
    names = list(pool)
    rng.shuffle(names)
    out = names[:count]
    for n in range(len(out), count):
        out.append(f"{pool[n % len(pool)]} {n // len(pool) + 1}")
    return out


def _playlists(
    rng: _Random, library: list[dict[str, Any]], options: SampleOptions
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``Playlists`` and ``PlaylistTracks`` rows (normal, one locked, Auto DJ, history)."""
    playlists = options.playlists
    history = options.history_playlists
    visible = [t["id"] for t in library if t["mixxx_deleted"] != 1] or [t["id"] for t in library]
    lists: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    specs: list[tuple[str, int]] = []
    if options.auto_dj:
        specs.append(("Auto DJ", 1))
    specs += [(name, 0) for name in _unique_names(rng, _PLAYLIST_NAMES, playlists)]
    day = dt.datetime(2024, 1, 5, 21, 0)
    history_days = []
    for _ in range(history):
        day += dt.timedelta(days=rng.between(1, 20))
        history_days.append(day)
        specs.append((day.date().isoformat(), 2))
    locked_done = False
    for playlist_id, (name, hidden) in enumerate(specs, start=1):
        created = (
            history_days[playlist_id - 1 - (len(specs) - history)]
            if hidden == 2
            else _EPOCH + dt.timedelta(seconds=rng.between(0, 3000 * 86400))
        )
        locked = 0
        if hidden == 0 and not locked_done and playlists >= 2 and rng.random() < 0.5:
            locked, locked_done = 1, True
        lists.append(
            {
                "id": playlist_id,
                "name": name,
                "position": playlist_id,
                "hidden": hidden,
                "date_created": _sql_time(created),
                "date_modified": _sql_time(created + dt.timedelta(hours=rng.between(0, 500))),
                "locked": locked,
            }
        )
        size = rng.between(1, max(1, options.playlist_max)) if visible else 0
        moment = created
        for position in range(1, size + 1):
            # Mostly distinct tracks; a track may appear twice, as Mixxx allows.
            moment += dt.timedelta(seconds=rng.between(5, 400))
            entries.append(
                {
                    "playlist_id": playlist_id,
                    "track_id": rng.pick(visible),
                    "position": position,
                    "pl_datetime_added": _sql_time(moment),
                }
            )
    if playlists >= 2 and not locked_done:
        next(p for p in lists if p["hidden"] == 0)["locked"] = 1
    return lists, entries


def _crates(
    rng: _Random, library: list[dict[str, Any]], options: SampleOptions
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``crates`` (a couple locked, one Auto DJ source) and unique ``crate_tracks`` pairs."""
    crates = options.crates
    ids = [t["id"] for t in library]
    rows: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    locked = set(rng.sample(range(crates), min(2, crates // 3))) if crates else set()
    for index, name in enumerate(_unique_names(rng, _CRATE_NAMES, crates)):
        crate_id = index + 1
        rows.append(
            {
                "id": crate_id,
                "name": name,
                "count": 0,
                "show": 1,
                "locked": 1 if index in locked else 0,
                "autodj_source": 1 if index == 0 else 0,
            }
        )
        size = min(len(ids), rng.between(1, max(1, options.playlist_max))) if ids else 0
        for track_id in sorted(rng.sample(ids, size)):
            members.append({"crate_id": crate_id, "track_id": track_id})
    return rows, members


def make_sample_library(
    path: str | Path,
    *,
    revision: int = 39,
    tracks: int = 0,
    seed: int = 0,
    music_root: str = "/music",
    hidden_fraction: float = 0.1,
    missing_fraction: float = 0.05,
    beats_fraction: float = 0.3,
    crates: int | None = None,
    playlists: int | None = None,
    playlist_max: int = 40,
    history_playlists: int | None = None,
    auto_dj: bool | None = None,
    cues_per_track: int = 2,
) -> Path:
    """Write a new Mixxx database at ``revision`` to ``path`` (which must not exist).

    Deterministic for a given ``seed``; only columns the file has at ``revision`` are set.
    Options (defaults in brackets; ``None`` means "scaled to ``tracks``", 0 when empty):

    - ``tracks`` [0]: tracks with both a ``track_locations`` and a ``library`` row
      (absolute paths under ``music_root`` ["/music"], human-looking Unicode names, mixed
      ``datetime_added`` formats, bpm/key/key_id/rating/colour, grids and key maps).
    - ``hidden_fraction`` [0.1]: share of tracks with ``mixxx_deleted = 1`` (about 1 % NULL).
    - ``missing_fraction`` [0.05]: share of tracks with ``fs_deleted = 1``.
    - ``beats_fraction`` [0.3]: share of analysed tracks: a ``BeatGrid-2.0`` grid at the
      track's BPM and main cue, and a ``KeyMap-1.0`` key map of its key (2.3 or 2.4+ style).
    - ``crates`` [tracks // 40, at most 12]: crates, a couple locked, one Auto DJ source.
    - ``playlists`` [tracks // 50, at most 10]: normal playlists (one locked when >= 2).
    - ``playlist_max`` [40]: most entries in a playlist or crate (positions 1..n).
    - ``history_playlists`` [3 when tracks]: history playlists (hidden = 2, named by date).
    - ``auto_dj`` [True when tracks]: the ``Auto DJ`` playlist (hidden = 1).
    - ``cues_per_track`` [2]: average cues per track (main cue, intro, hotcues, loops).

    Raises ValueError for a revision outside 24..40 and FileExistsError if ``path`` exists.
    """
    if not MIN_REVISION <= revision <= MAX_REVISION:
        raise ValueError(f"revision must be {MIN_REVISION}..{MAX_REVISION}, not {revision}")
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path}: exists already")
    options = SampleOptions(
        revision=revision,
        tracks=tracks,
        seed=seed,
        music_root=music_root,
        hidden_fraction=hidden_fraction,
        missing_fraction=missing_fraction,
        beats_fraction=beats_fraction,
        crates=min(12, tracks // 40) if crates is None else crates,
        playlists=min(10, tracks // 50) if playlists is None else playlists,
        playlist_max=playlist_max,
        history_playlists=(3 if tracks else 0) if history_playlists is None else history_playlists,
        auto_dj=bool(tracks) if auto_dj is None else auto_dj,
        cues_per_track=cues_per_track,
    )
    rng = _Random(seed)
    have = {t.name: {c.name for c in t.columns} for t in expected_tables(revision)}

    conn = sqlite3.connect(path, isolation_level=None)
    # Millions of short-lived row dicts: the cyclic GC would rescan them again and again.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: index pages stay in memory
        # A new file nobody else sees: no journal, no fsync until the end.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for statement in render_ddl(revision):
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO settings (name, value) VALUES (?, ?)",
            [
                ("mixxx.schema.version", str(revision)),
                ("mixxx.schema.last_used_version", str(revision)),
                ("mixxx.schema.min_compatible_version", "3"),
            ],
        )
        if options.has_rows:
            _fill(conn, rng, have, options)
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        path.unlink(missing_ok=True)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
    conn.close()
    return path


def _fill(
    conn: sqlite3.Connection, rng: _Random, have: dict[str, set[str]], options: SampleOptions
) -> None:
    locations, library, analysis, cue_seconds = _tracks(rng, options)
    _insert(conn, "track_locations", locations, have["track_locations"])
    _insert(conn, "library", library, have["library"])
    _insert(conn, "track_analysis", analysis, have["track_analysis"])
    _insert(conn, "cues", _cues(rng, library, cue_seconds, options), have["cues"])
    lists, entries = _playlists(rng, library, options)
    _insert(conn, "Playlists", lists, have["Playlists"])
    _insert(conn, "PlaylistTracks", entries, have["PlaylistTracks"])
    crate_rows, members = _crates(rng, library, options)
    _insert(conn, "crates", crate_rows, have["crates"])
    _insert(conn, "crate_tracks", members, have["crate_tracks"])
    root = options.music_root.rstrip("/") or "/"
    conn.execute("INSERT INTO directories (directory) VALUES (?)", (root,))
    folders = sorted({loc["directory"] for loc in locations} | {root})
    _insert(
        conn,
        "LibraryHashes",
        [
            {
                "directory_path": folder,
                "hash": rng.getrandbits(31) - 2**30,
                "directory_deleted": 0,
                "needs_verification": 0,
            }
            for folder in folders
        ],
        have["LibraryHashes"],
    )
