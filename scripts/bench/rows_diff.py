"""Benchmark rows of ``diff`` and snapshots: two libraries with 1% of the tracks changed (the
change made by raw sqlite3, the ways a DJ and Mixxx do), against a raw two-file comparison."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import library_data
import raw_sqlite
from harness import Missing
from harness import Row
from harness import Side
from harness import compare
from harness import lib_function
from report import DIFF_MS
from report import SNAPSHOT_MS
from report import judge


def changed_copy(master: Path, dest: Path, *, fraction: float = 0.01, seed: int = 1) -> int:
    """Copy ``master`` to ``dest`` and change ``fraction`` of its tracks the ways a DJ and
    Mixxx do (raw sqlite3): tags, ratings, colours, play counts, hiding, moved files, grids,
    cues; a crate renamed, crate members added and removed, a playlist entry removed; ten
    tracks removed and ten added. Returns the tracks changed."""
    import random

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(master, dest)
    rng = random.Random(seed)
    conn = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.execute("BEGIN")
        ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id")]
        chosen = rng.sample(ids, max(8, int(len(ids) * fraction)))
        grids = [
            r[0] for r in conn.execute("SELECT beats FROM library WHERE beats NOT NULL LIMIT 50")
        ]
        edits = [
            "UPDATE library SET rating = (rating + 1) % 6 WHERE id = ?",
            "UPDATE library SET color = 16711680 WHERE id = ?",
            "UPDATE library SET title = coalesce(title, '') || ' (edit)' WHERE id = ?",
            "UPDATE library SET timesplayed = timesplayed + 1, played = 1 WHERE id = ?",
            "UPDATE library SET mixxx_deleted = 1 - coalesce(mixxx_deleted, 0) WHERE id = ?",
            "UPDATE cues SET position = position + 88200 WHERE track_id = ?",
            "UPDATE track_locations SET location = location || '.moved', filename = filename"
            " || '.moved' WHERE id = (SELECT location FROM library WHERE id = ?)",
        ]
        for n, track_id in enumerate(chosen):
            if n % 8 == 7:
                conn.execute("UPDATE library SET beats = ?, bpm = bpm * 2 WHERE id = ?",
                             (rng.choice(grids), track_id))  # fmt: skip
            else:
                conn.execute(edits[n % 8], (track_id,))
        crates = [r[0] for r in conn.execute("SELECT id FROM crates ORDER BY id")]
        conn.execute("UPDATE crates SET name = name || ' (renamed)' WHERE id = ?", (crates[1],))
        conn.executemany("INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                         [(crates[2], t) for t in chosen[:50]])  # fmt: skip
        conn.execute("DELETE FROM crate_tracks WHERE rowid IN (SELECT rowid FROM crate_tracks"
                     " WHERE crate_id = ? LIMIT 20)", (crates[3],))  # fmt: skip
        playlist = conn.execute(
            "SELECT playlist_id FROM PlaylistTracks GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        conn.execute("DELETE FROM PlaylistTracks WHERE playlist_id = ? AND position = 10",
                     (playlist,))  # fmt: skip
        conn.execute("UPDATE PlaylistTracks SET position = position - 1"
                     " WHERE playlist_id = ? AND position > 10", (playlist,))  # fmt: skip
        for track_id in chosen[-10:]:
            for table, column in (("crate_tracks", "track_id"), ("cues", "track_id"),
                                  ("library", "id")):  # fmt: skip
                conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (track_id,))
        for n in range(10):
            where = f"{library_data.MUSIC_ROOT}/New/{n:02d} - New track.mp3"
            location = conn.execute(
                "INSERT INTO track_locations (location, filename, directory, filesize,"
                " fs_deleted, needs_verification) VALUES (?, ?, ?, 1000, 0, 0)",
                (where, where.rsplit("/", 1)[1], where.rsplit("/", 1)[0]),
            ).lastrowid
            conn.execute(
                "INSERT INTO library (artist, title, location, duration, samplerate,"
                " mixxx_deleted) VALUES ('New', ?, ?, 200.0, 44100, 0)",
                (f"New track {n}", location),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(chosen)


def diff_rows(label: str, path: Path, work: Path, repeat: int) -> list[Row]:
    """``diff`` (issue 13): two libraries with 1% of the tracks changed, and a snapshot
    against the changed one, read-only, against a raw sqlite3 script comparing the two
    files; saving the snapshot against a raw script writing the same columns."""
    newer = work / "diff-newer.sqlite"
    changed_copy(path, newer)
    snap = work / "diff-older.snapshot"
    raw_snap = work / "diff-raw.snapshot"
    rows = []
    try:
        diff = lib_function("diff.compare", "diff_libraries")
        save = lib_function("diff.snapshots", "save_snapshot")
    except Missing as exc:
        return [Row(label, "diff two libraries, 1% changed", status="SKIP", note=str(exc))]
    save(snap, source=path)
    raw_diff = Side(op=lambda _: raw_sqlite.diff(str(path), str(newer)))
    cases = [
        ("diff two libraries, 1% changed (vs raw two-file comparison)",
         Side(op=lambda _: diff(path, newer)), raw_diff, DIFF_MS),
        ("diff a snapshot with the library, 1% changed (vs raw two-file comparison)",
         Side(op=lambda _: diff(snap, newer)), raw_diff, DIFF_MS),
        ("snapshot of the library (vs raw INSERT ... SELECT of the same columns)",
         Side(op=lambda _: save(snap, source=path)),
         Side(op=lambda _: raw_sqlite.snapshot(str(path), str(raw_snap))), SNAPSHOT_MS),
    ]  # fmt: skip
    for name, lib, raw, limit in cases:
        row = compare(Row(label, name), lib, raw, repeat)
        if name.startswith("snapshot"):
            row.note = (
                f"snapshot {snap.stat().st_size / 1e6:.1f} MB, library "
                f"{path.stat().st_size / 1e6:.1f} MB"
            )
        rows.append(judge(row, ms=limit))
    for file in (newer, snap, raw_snap):
        file.unlink(missing_ok=True)
    return rows
