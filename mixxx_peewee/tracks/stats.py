"""The library at a glance: tracks, hours, genres, BPM and key spread, missing, analysed.

:func:`library_stats` reads everything in one short read transaction of a few aggregate
statements (one pass over ``library`` joined to ``track_locations``, then GROUP BYs on the
same rows), never a query per track. Counts are of the tracks Mixxx's library view shows
(``mixxx_deleted = 0``); hidden tracks are counted apart.

What counts follows the columns Mixxx writes from the blobs on every save (see
MIXXX_FACTS §8): a BPM is a ``bpm`` above 0 (what Mixxx's library and ``tracks list``
show; the BPM spread counts these tracks), a beat grid is a ``beats`` blob with such a
BPM, a key is a ``key_id`` of 1..24 (``check --analysis`` finds columns that disagree with
their blobs). Missing files are the scanner's ``fs_deleted`` flag (Mixxx's "Missing
Tracks") unless ``check_files`` asks the file system about every path (a ``stat`` per
track: fast on a local disk, slow on a network share).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.keys import harmonic_rank
from mixxx_peewee.errors import ValidationError

__all__ = ["BpmBucket", "LibraryStats", "library_stats"]

BPM_BUCKET = 10  # BPM histogram buckets: 120-129, 130-139, …


@dataclass(frozen=True)
class BpmBucket:
    """Tracks whose BPM is in ``low`` .. ``low + width`` (exclusive)."""

    low: int
    width: int
    tracks: int


@dataclass(frozen=True)
class LibraryStats:
    """What :func:`library_stats` found; ``missing_files`` is None unless files were checked."""

    tracks: int
    hidden: int
    seconds: float
    genres: list[tuple[str, int]] = field(default_factory=list)
    genre_count: int = 0
    no_genre: int = 0
    bpm_buckets: list[BpmBucket] = field(default_factory=list)
    bpm_percentiles: dict[int, int] = field(default_factory=dict)
    keys: list[tuple[int, int]] = field(default_factory=list)
    with_bpm: int = 0
    with_grid: int = 0
    with_key: int = 0
    flagged_missing: int = 0
    missing_files: int | None = None

    @property
    def hours(self) -> float:
        """Total playing time in hours."""
        return self.seconds / 3600

    def share(self, count: int) -> float:
        """``count`` as a share of the tracks (0.0 for an empty library)."""
        return count / self.tracks if self.tracks else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "tracks": self.tracks,
            "hidden": self.hidden,
            "seconds": self.seconds,
            "hours": round(self.hours, 2),
            "genre_count": self.genre_count,
            "no_genre": self.no_genre,
            "genres": [{"genre": g, "tracks": n} for g, n in self.genres],
            "bpm_buckets": [
                {"low": b.low, "high": b.low + b.width, "tracks": b.tracks}
                for b in self.bpm_buckets
            ],
            "bpm_percentiles": {f"p{p}": v for p, v in self.bpm_percentiles.items()},
            "keys": [{"key_id": k, "tracks": n} for k, n in self.keys],
            "with_bpm": self.with_bpm,
            "with_grid": self.with_grid,
            "with_key": self.with_key,
            "analysed_share": round(self.share(self.with_grid), 4),
            "key_share": round(self.share(self.with_key), 4),
            "flagged_missing": self.flagged_missing,
            "missing_files": self.missing_files,
        }


_PERCENTILES = (10, 50, 90)


def _percentiles(per_bpm: list[tuple[int, int]]) -> dict[int, int]:
    """Whole-BPM percentiles from ``(bpm, tracks)`` sorted by bpm."""
    total = sum(n for _, n in per_bpm)
    found: dict[int, int] = {}
    if not total:
        return found
    running = 0
    wanted = list(_PERCENTILES)
    for bpm, n in per_bpm:
        running += n
        while wanted and running >= total * wanted[0] / 100:
            found[wanted.pop(0)] = bpm
    return found


def _missing_on_disk(paths: list[Any]) -> int:
    """How many of ``paths`` no file (or link target) exists for: one stat each."""
    missing = 0
    stat = os.stat
    for path in paths:
        if not isinstance(path, str) or not path:
            missing += 1
            continue
        try:
            stat(path)
        except (OSError, ValueError):
            missing += 1
    return missing


# One statement, one scan of the wide library rows (their beat maps make each scan cost
# ~0.1-0.3 s at 100,000 tracks): the few columns needed are materialised once and every
# aggregate reads that small table. Hand-written: peewee cannot say MATERIALIZED, and four
# separate scans took twice as long (bench row "stats", scripts/bench/rows_reads.py).
_STATS_SQL = """
WITH t AS MATERIALIZED (
  SELECT coalesce(library.mixxx_deleted, 0) AS d, library.duration AS s, trim(library.genre) AS g,
         CASE WHEN library.bpm > 0 THEN library.bpm END AS b,
         library.beats IS NOT NULL AND library.bpm > 0 AS gr,
         CASE WHEN library.key_id BETWEEN 1 AND 24 THEN library.key_id END AS k,
         track_locations.fs_deleted AS f
  FROM library JOIN track_locations ON library.location = track_locations.id)
SELECT 'total', count(*), total(max(s, 0)), count(b), count(k), total(f = 1), total(gr)
  FROM t WHERE d = 0
UNION ALL SELECT 'hidden', count(*), NULL, NULL, NULL, NULL, NULL FROM t WHERE d = 1
UNION ALL SELECT 'genre', count(*), min(g), NULL, NULL, NULL, NULL FROM t
  WHERE d = 0 AND coalesce(g, '') != '' GROUP BY g COLLATE NOCASE
UNION ALL SELECT 'bpm', count(*), CAST(b AS INTEGER) AS whole, NULL, NULL, NULL, NULL FROM t
  WHERE d = 0 AND b IS NOT NULL GROUP BY whole
UNION ALL SELECT 'key', count(*), k, NULL, NULL, NULL, NULL FROM t
  WHERE d = 0 AND k IS NOT NULL GROUP BY k
"""
_PATHS_SQL = (
    "SELECT track_locations.location FROM library JOIN track_locations "
    "ON library.location = track_locations.id WHERE coalesce(library.mixxx_deleted, 0) = 0"
)


def library_stats(*, top_genres: int = 10, check_files: bool = False) -> LibraryStats:
    """Counts, hours, top genres, BPM and key spread, missing and analysed tracks.

    The BPM spread counts every visible track with a BPM (``with_bpm``), grid or not.
    ``top_genres``: how many genres to list (most tracks first; case and surrounding
    spaces ignored). ``check_files``: also stat every visible track's file (see the
    module docstring). Raises LibraryNotOpenError, ValidationError (a negative
    ``top_genres``).
    """
    if isinstance(top_genres, bool) or not isinstance(top_genres, int) or top_genres < 0:
        raise ValidationError(f"top_genres must be a whole number >= 0, not {top_genres!r}")
    totals: tuple[Any, ...] = (0, 0.0, 0, 0, 0, 0)
    hidden = 0
    genres: list[tuple[str, int]] = []
    per_bpm: list[tuple[int, int]] = []
    per_key: list[tuple[int, int]] = []
    for kind, count, value, bpms, keyed, flagged, grids in execute(_STATS_SQL).fetchall():
        if kind == "total":
            totals = (count, value, bpms, keyed, flagged, grids)
        elif kind == "hidden":
            hidden = count
        elif kind == "genre":
            genres.append((value, count))
        elif kind == "bpm":
            per_bpm.append((int(value), count))
        else:
            per_key.append((int(value), count))
    found = None
    if check_files:
        found = _missing_on_disk([row[0] for row in execute(_PATHS_SQL).fetchall()])
    count, seconds, bpms, keyed, flagged, grid = totals
    genres.sort(key=lambda gn: (-gn[1], gn[0].casefold()))
    per_bpm.sort()
    buckets: dict[int, int] = {}
    for bpm, n in per_bpm:
        low = bpm // BPM_BUCKET * BPM_BUCKET
        buckets[low] = buckets.get(low, 0) + n
    return LibraryStats(
        tracks=count,
        hidden=hidden,
        seconds=float(seconds or 0.0),
        genres=genres[:top_genres],
        genre_count=len(genres),
        no_genre=count - sum(n for _, n in genres),
        bpm_buckets=[BpmBucket(low, BPM_BUCKET, n) for low, n in sorted(buckets.items())],
        bpm_percentiles=_percentiles(per_bpm),
        keys=sorted(per_key, key=lambda kn: harmonic_rank(kn[0])),
        with_bpm=int(bpms or 0),
        with_grid=int(grid or 0),
        with_key=int(keyed or 0),
        flagged_missing=int(flagged or 0),
        missing_files=found,
    )
