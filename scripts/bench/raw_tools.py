"""Raw-sqlite3 baselines that share a piece of the package on purpose: the stats statement
and the analysis codec, so those rows measure our reading and writing only.

The raw side of ``stats`` runs the library's own statement (or five plain aggregates, the
reference row) with the same Python folds; ``tracks duplicates`` the same rows folded the
same way; the analysis rows decode and encode with ``mixxx_peewee.analysis.codec``.
``raw_sqlite.py`` holds every other raw side, independent of the package.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from typing import Any

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.codec import set_bpm
from mixxx_peewee.core.keys import guess_key_id

_STATS_JOIN = "FROM library JOIN track_locations ON library.location = track_locations.id"


def raw_stats(conn: sqlite3.Connection, *, one_pass: bool = True) -> dict[str, Any]:
    """What ``library_stats()`` computes, straight from sqlite3: the same statement (or,
    ``one_pass=False``, the five plain aggregates a script would write), same Python folds."""
    from mixxx_peewee.tracks import stats as lib_stats

    result: dict[str, Any] = {"genres": [], "bpm": [], "key": []}
    if one_pass:
        rows = conn.execute(lib_stats._STATS_SQL).fetchall()
    else:
        visible = "coalesce(mixxx_deleted, 0) = 0"
        grid = "beats IS NOT NULL AND bpm > 0"
        rows = [
            ("total", *conn.execute(
                f"SELECT count(*), total(max(duration, 0)), total(bpm > 0), "
                f"total(key_id BETWEEN 1 AND 24), total(fs_deleted = 1), total({grid}) "
                f"{_STATS_JOIN} WHERE {visible}").fetchone()),
            ("hidden", conn.execute(
                f"SELECT count(*) {_STATS_JOIN} WHERE mixxx_deleted = 1").fetchone()[0],
             None, None, None, None, None),
            *(("genre", n, g, None, None, None, None) for g, n in conn.execute(
                f"SELECT min(trim(genre)), count(*) {_STATS_JOIN} WHERE {visible} AND "
                "coalesce(trim(genre), '') != '' GROUP BY trim(genre) COLLATE NOCASE")),
            *(("bpm", n, b, None, None, None, None) for b, n in conn.execute(
                f"SELECT CAST(bpm AS INTEGER) AS b, count(*) {_STATS_JOIN} WHERE {visible} "
                "AND bpm > 0 GROUP BY b")),
            *(("key", n, k, None, None, None, None) for k, n in conn.execute(
                f"SELECT key_id, count(*) {_STATS_JOIN} WHERE {visible} AND "
                "key_id BETWEEN 1 AND 24 GROUP BY key_id")),
        ]  # fmt: skip
    for kind, count, value, *rest in rows:
        if kind == "total":
            result["total"] = (count, value, *rest)
        elif kind == "hidden":
            result["hidden"] = count
        else:
            result["genres" if kind == "genre" else kind].append((value, count))
    result["genres"].sort(key=lambda gn: (-gn[1], gn[0].casefold()))
    return result


def raw_duplicates(conn: sqlite3.Connection, tolerance: float = 2.0) -> list[list[int]]:
    """What ``find_duplicates()`` does, in a plain script: the same rows, folded in Python
    (casefold, accents stripped, "(Original Mix)" dropped), buckets by key, chains by
    duration, groups joined."""
    import re
    import unicodedata

    original = re.compile(r"\s*(?:[(\[]\s*original(?: mix| version)?\s*[)\]]|-\s+original mix)\s*$")

    def fold(text: str | None) -> str:
        text = text or ""
        if not text.isascii():
            text = "".join(c for c in unicodedata.normalize("NFKD", text)
                           if not unicodedata.combining(c))  # fmt: skip
        return " ".join(text.casefold().split())

    by_name: dict[Any, list[tuple[float, int]]] = {}
    by_size: dict[Any, list[tuple[float, int]]] = {}
    for track_id, artist, title, duration, size in conn.execute(
        "SELECT library.id, artist, title, duration, filesize "
        f"{_STATS_JOIN} WHERE coalesce(mixxx_deleted, 0) = 0"
    ):
        if not isinstance(duration, (int, float)) or duration <= 0:
            continue
        name = fold(title)
        if "original" in name:
            name = original.sub("", name).strip()
        if name:
            by_name.setdefault((fold(artist), name), []).append((duration, track_id))
        if isinstance(size, int) and size > 0:
            by_size.setdefault(size, []).append((duration, track_id))
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for buckets in (by_name, by_size):
        for rows in buckets.values():
            if len(rows) > 1:
                rows.sort()
                for (d1, a), (d2, b) in itertools.pairwise(rows):
                    if d2 - d1 <= tolerance:
                        parent[find(b)] = find(a)
    groups: dict[int, list[int]] = {}
    for i in parent:
        groups.setdefault(find(i), []).append(i)
    return sorted(sorted(g) for g in groups.values())


def raw_report(conn: sqlite3.Connection, generation: str) -> list[tuple[int, str]]:
    """The raw side of the decode row: one SELECT, the same codec, the same comparisons."""
    found = []
    for tid, bpm, key, key_id, bv, beats, kv, keys, _sr, _dur in conn.execute(
        "SELECT id, bpm, key, key_id, beats_version, beats, keys_version, keys, samplerate,"
        " duration FROM library ORDER BY id"
    ):
        grid = decode_beats(bv, beats).value
        if (
            isinstance(grid, BeatGrid)
            and grid.is_valid
            and not (isinstance(bpm, float) and math.isfinite(bpm) and abs(bpm - grid.bpm) <= 1e-6)
        ):
            found.append((tid, "bpm"))
        keymap = decode_keys(kv, keys).value
        if keymap is not None and keymap.is_valid:
            if key_id != keymap.key_id:
                found.append((tid, "key_id"))
            if guess_key_id(key) != keymap.key_id:  # the key the text names, any notation
                found.append((tid, "key"))
    return found


def raw_scale(conn: sqlite3.Connection, ids: list[int], factor: float, generation: str) -> int:
    """The raw side of the scale row: chunked reads, decode, one executemany in a transaction."""
    rows = []
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        rows += conn.execute(
            f"SELECT id, bpm_lock, beats_version, beats FROM library WHERE id IN ({marks})", part
        ).fetchall()
    updates = []
    for tid, lock, version, blob in rows:
        grid = decode_beats(version, blob).value
        if lock or not isinstance(grid, BeatGrid) or not grid.is_valid:
            continue
        new = set_bpm(grid, grid.bpm * factor, generation)  # type: ignore[arg-type]
        updates.append((new.encode(), BEAT_GRID_2, new.bpm, tid, blob))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "UPDATE library SET beats = ?, beats_version = ?, bpm = ? WHERE id = ? AND beats = ?",
        updates,
    )
    conn.execute("COMMIT")
    return len(updates)
