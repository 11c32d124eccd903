"""Top up a sample library with what the benchmark needs, reproducibly (raw sqlite3 only).

``scripts/bench/bench.py`` makes tracks, cues, history and Auto DJ playlists with
:func:`mixxx_peewee.testing.make_sample_library`; this module adds, independent of
mixxx_peewee, what that generator does not shape the way a real library looks:

- crates and playlists with long-tailed (log-normal) sizes up to ``playlist_max``, like a
  DJ's (many small, a few huge) instead of uniform sizes (uniform sizes up to 10,000 make
  1.5 million playlist rows at 300 playlists);
- the playlist :data:`BENCH_PLAYLIST` with exactly ``min(playlist_max, tracks)`` distinct
  tracks and the empty crate :data:`BENCH_CRATE`, which the measurements use;
- ``BeatMap-1.0`` blobs (one protobuf ``Beat`` per beat, a few KB) on a share of tracks,
  as analysers with variable tempo write them.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from mixxx_peewee.analysis.codec import encode_beat_map

__all__ = ["BENCH_CRATE", "BENCH_PLAYLIST", "MUSIC_ROOT", "add_collections"]

MUSIC_ROOT = "/home/dj/Music"
BENCH_PLAYLIST = "Bench 10k"  # the playlist with exactly min(10000, tracks) entries
BENCH_CRATE = "Bench empty crate"  # an empty crate for the bulk-add measurement

_WORDS = [
    "love", "night", "deep", "groove", "sunrise", "machine", "soul", "fire", "rain", "city",
    "dream", "echo", "motion", "velvet", "dust", "signal", "orbit", "acid", "bass", "house",
    "techno", "garden", "midnight", "shadow", "golden", "electric", "paradise", "rhythm",
    "Liebe", "Nacht", "amour", "corazón", "noche", "fuego", "ночь", "любовь", "夜", "愛",
    "사랑", "Straße", "café", "naïve", "déjà", "vu", "100%", "under_score", "it's", "don't",
    "🔥", "✨", "ﬁnal", "Ⅱ", "½", "feat.", "(Original Mix)", "(Extended Mix)", "[Remix]",
]  # fmt: skip


def _phrase(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))).capitalize()


def _beatmap(bpm: float, duration: float, samplerate: int, rng: random.Random) -> bytes:
    """A Mixxx ``BeatMap`` protobuf: one ``Beat{frame_position}`` per beat (a few KB)."""
    frames_per_beat = samplerate * 60.0 / bpm
    frames = []
    frame = rng.uniform(0, frames_per_beat)
    end = duration * samplerate
    while frame < end:
        frames.append(frame)
        frame += frames_per_beat * rng.uniform(0.998, 1.002)
    return encode_beat_map(frames)


def add_collections(
    path: str | Path,
    *,
    seed: int = 0,
    crates: int = 200,
    playlists: int = 300,
    playlist_max: int = 10_000,
    beatmap_fraction: float = 0.15,
) -> dict[str, int]:
    """Add crates, playlists and BeatMap blobs to the library at ``path``; return counts."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = off")
        conn.execute("BEGIN")
        track_ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id")]
        _add_beatmaps(conn, rng, beatmap_fraction)
        _add_crates(conn, rng, track_ids, crates, playlist_max)
        _add_playlists(conn, rng, track_ids, playlists, playlist_max)
        conn.execute("COMMIT")
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in ("library", "track_locations", "cues", "crates", "crate_tracks",
                          "Playlists", "PlaylistTracks")
        }  # fmt: skip
        counts["beats_bytes"] = conn.execute("SELECT sum(length(beats)) FROM library").fetchone()[0]
    finally:
        conn.close()
    return counts


def _add_beatmaps(conn: sqlite3.Connection, rng: random.Random, fraction: float) -> None:
    rows = conn.execute("SELECT id, bpm, duration, samplerate FROM library ORDER BY id").fetchall()
    updates = []
    for track_id, bpm, duration, samplerate in rows:
        if rng.random() >= fraction:
            continue
        bpm = bpm if bpm and bpm > 40 else 120.0
        beats = _beatmap(bpm, duration or 300.0, samplerate or 44100, rng)
        updates.append((beats, "BeatMap-1.0", track_id))
    conn.executemany(
        "UPDATE library SET beats = ?, beats_version = ?, beats_sub_version = '' WHERE id = ?",
        updates,
    )


def _sizes(rng: random.Random, count: int, biggest: int, mu: float, sigma: float) -> list[int]:
    return [max(1, min(biggest, int(rng.lognormvariate(mu, sigma)))) for _ in range(count)]


def _add_crates(
    conn: sqlite3.Connection, rng: random.Random, track_ids: list[int], crates: int, biggest: int
) -> None:
    taken = {r[0] for r in conn.execute("SELECT name FROM crates")}
    names = [BENCH_CRATE]
    while len(names) < crates:
        name = _phrase(rng, 1, 4)[:48]
        if name not in taken and name not in names:
            names.append(name)
    sizes = [0, *_sizes(rng, crates - 1, min(biggest, len(track_ids)), 4.5, 1.0)]
    for index, (name, size) in enumerate(zip(names, sizes, strict=True)):
        cur = conn.execute(
            "INSERT INTO crates (name, count, show, locked, autodj_source) VALUES (?, 0, 1, ?, ?)",
            (name, int(index % 50 == 49), int(index % 30 == 29)),
        )
        members = sorted(rng.sample(track_ids, size))
        conn.executemany(
            "INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
            [(cur.lastrowid, t) for t in members],
        )


def _add_playlists(
    conn: sqlite3.Connection,
    rng: random.Random,
    track_ids: list[int],
    playlists: int,
    biggest: int,
) -> None:
    taken = {r[0] for r in conn.execute("SELECT name FROM Playlists")}
    names = [BENCH_PLAYLIST]
    while len(names) < playlists:
        name = _phrase(rng, 1, 4)[:48]
        if name not in taken and name not in names and name != "Auto DJ":
            names.append(name)
    sizes = [min(biggest, len(track_ids)), *_sizes(rng, playlists - 1, biggest, 4.0, 1.2)]
    position = conn.execute("SELECT coalesce(max(position), 0) FROM Playlists").fetchone()[0]
    for index, (name, size) in enumerate(zip(names, sizes, strict=True)):
        position += 1
        stamp = f"2024-{1 + index % 12:02d}-{1 + index % 28:02d} 20:{index % 60:02d}:00"
        cur = conn.execute(
            "INSERT INTO Playlists (name, position, hidden, date_created, date_modified, locked)"
            " VALUES (?, ?, 0, ?, ?, ?)",
            (name, position, stamp, stamp, int(index % 40 == 39)),
        )
        if index == 0:
            members = rng.sample(track_ids, size)
        else:  # a track may appear several times
            members = [rng.choice(track_ids) for _ in range(size)]
        conn.executemany(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position, pl_datetime_added)"
            " VALUES (?, ?, ?, ?)",
            [
                (cur.lastrowid, t, n, f"{stamp[:14]}{n // 60 % 60:02d}:{n % 60:02d}")
                for n, t in enumerate(members, 1)
            ],
        )


if __name__ == "__main__":
    import sys

    print(__doc__.strip())  # a module used by bench.py: --help describes it
    sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
