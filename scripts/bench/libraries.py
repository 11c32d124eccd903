"""The generated libraries the benchmark measures: their shape, their cache, their facts.

Tracks, cues, history and Auto DJ playlists come from
:func:`mixxx_peewee.testing.make_sample_library`, topped up by ``library_data.py`` (crates,
playlists with long-tailed sizes, BeatMap blobs); files are cached by parameters and by the
generators' source. :func:`library_for` also reads back the ids and terms the rows use.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sqlite3
import time
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import library_data
from harness import BENCH_DIR
from harness import ROOT


@dataclass
class Shape:
    """What a generated library contains."""

    revision: int
    tracks: int
    seed: int
    crates: int = 200
    playlists: int = 300
    playlist_max: int = 10_000
    history_playlists: int = 100
    cues_per_track: int = 3
    beatmap_fraction: float = 0.15


def _generator_digest() -> str:
    digest = hashlib.sha1()
    for source in (BENCH_DIR / "library_data.py", ROOT / "mixxx_peewee" / "testing.py"):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def library_for(shape: Shape, cache_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The cached library file for ``shape`` (generated on first use) and its facts."""
    from mixxx_peewee.testing import make_sample_library

    cache_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(json.dumps(asdict(shape), sort_keys=True).encode()).hexdigest()[:8]
    path = cache_dir / f"rev{shape.revision}-{shape.tracks}-{key}-{_generator_digest()}.sqlite"
    facts_path = path.with_suffix(".json")
    if path.exists() and facts_path.exists():
        return path, {**json.loads(facts_path.read_text()), **_facts_of(path)}
    for stale in cache_dir.glob(f"rev{shape.revision}-{shape.tracks}-{key}-*"):
        stale.unlink()  # made by an older generator: never used again
    tmp = path.with_suffix(".tmp")
    start = time.perf_counter()
    wanted: dict[str, Any] = {
        "revision": shape.revision,
        "tracks": shape.tracks,
        "seed": shape.seed,
        "music_root": library_data.MUSIC_ROOT,
        "hidden_fraction": 0.10,
        "missing_fraction": 0.05,
        "beats_fraction": 0.85,
        "crates": 0,
        "playlists": 0,
        "history_playlists": shape.history_playlists,
        "auto_dj": True,
        "cues_per_track": shape.cues_per_track,
    }
    accepted = inspect.signature(make_sample_library).parameters
    make_sample_library(tmp, **{k: v for k, v in wanted.items() if k in accepted})
    counts = library_data.add_collections(
        tmp,
        seed=shape.seed,
        crates=shape.crates,
        playlists=shape.playlists,
        playlist_max=shape.playlist_max,
        beatmap_fraction=shape.beatmap_fraction,
    )
    facts = dict(
        counts=counts,
        shape=asdict(shape),
        file_mb=round(tmp.stat().st_size / 1e6, 1),
        generate_s=round(time.perf_counter() - start, 1),
    )
    tmp.replace(path)
    facts_path.write_text(json.dumps(facts, indent=1, ensure_ascii=False))
    return path, {**facts, **_facts_of(path)}


def _facts_of(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _facts(conn)
    finally:
        conn.close()


def _facts(conn: sqlite3.Connection) -> dict[str, Any]:
    """Ids and terms the measurements use, found in the file itself."""
    one = lambda sql, *p: conn.execute(sql, p).fetchone()  # noqa: E731
    playlist_id = one("SELECT id FROM Playlists WHERE name = ?", library_data.BENCH_PLAYLIST)[0]
    entries = one("SELECT count(*) FROM PlaylistTracks WHERE playlist_id = ?", playlist_id)[0]
    middle_track = one(
        "SELECT track_id FROM PlaylistTracks WHERE playlist_id = ? AND position = ?",
        playlist_id,
        entries // 2,
    )[0]
    empty_crate = one("SELECT id FROM crates WHERE name = ?", library_data.BENCH_CRATE)[0]
    big_crate, big_crate_size = one(
        "SELECT crate_id, count(*) AS n FROM crate_tracks GROUP BY crate_id ORDER BY n DESC"
    )
    # Three terms from one visible track, so the search has answers: artist, title, genre.
    artist, title, genre = one(
        "SELECT artist, title, genre FROM library WHERE mixxx_deleted = 0 AND genre != ''"
        " AND artist != '' AND title != '' ORDER BY id LIMIT 1 OFFSET"
        " (SELECT count(*) / 2 FROM library)"
    )
    terms = [_word(artist, first=True), _word(title), _word(genre, first=True)]
    return {
        "playlist_id": playlist_id,
        "playlist_entries": entries,
        "middle_track_id": middle_track,
        "empty_crate_id": empty_crate,
        "big_crate_id": big_crate,
        "big_crate_size": big_crate_size,
        "search_terms": terms,
    }


def _word(text: str, *, first: bool = False) -> str:
    """The first (or longest) purely alphabetic word of ``text``, else its first word."""
    words = [w for w in text.split() if w.isalpha()] or text.split()
    return words[0] if first else max(words, key=len)
