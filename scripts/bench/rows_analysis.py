"""Benchmark rows for mixxx_peewee.analysis.grids (registered by scripts/bench/bench.py).

Two rows per library, each against a raw ``sqlite3`` script doing the same work with the same
codec (``mixxx_peewee.analysis.codec``), so the ratio measures our reading and writing only:

* ``decode grids + keys of N tracks``: :func:`analysis_report` (every blob decoded and
  checked against its columns, in id pages) vs one raw SELECT decoding the same blobs and
  making the same comparisons. Target: ≤ READ_RATIO.
* ``scale_bpm of 10,000 tracks``: :func:`scale_bpm` ×2 vs a raw read + ``executemany``
  rewrite in one ``BEGIN IMMEDIATE``. Targets: ≤ WRITE_RATIO, write lock < LOCK_MS.

The sample libraries' ``beats`` are random placeholder bytes, so a copy with real
``BeatGrid-2.0`` grids and ``KeyMap-1.0`` key maps (columns consistent) is made first.
``bench`` is scripts/bench/bench.py's own module, passed in (no circular import).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import ID3V2_KEY_NAMES
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.codec import encode_beat_grid
from mixxx_peewee.analysis.codec import encode_key_map
from mixxx_peewee.analysis.codec import set_bpm
from mixxx_peewee.core.keys import guess_key_id

SCALED = 10_000


def with_real_blobs(master: Path, work: Path) -> Path:
    """A copy of ``master`` whose tracks all hold a real grid and key map (columns agree)."""
    dest = work / f"analysis-{master.stem}.sqlite"
    if dest.exists():
        return dest
    tmp = dest.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(master)
    out = sqlite3.connect(tmp)
    src.backup(out)
    src.close()
    with out:
        rows = []
        for (tid,) in out.execute("SELECT id FROM library").fetchall():
            bpm = 90.0 + (tid % 600) / 10
            key_id = tid % 24 + 1
            rows.append(
                (encode_beat_grid(bpm, 100 + tid % 20000), BEAT_GRID_2, bpm,
                 encode_key_map(key_id, 0), KEY_MAP, ID3V2_KEY_NAMES[key_id], key_id, tid)
            )  # fmt: skip
        out.executemany(
            "UPDATE library SET beats = ?, beats_version = ?, bpm = ?, bpm_lock = 0, keys = ?,"
            " keys_version = ?, key = ?, key_id = ? WHERE id = ?",
            rows,
        )
    out.close()
    tmp.rename(dest)
    return dest


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


def rows_for(bench: ModuleType, label: str, path: Path, work: Path, repeat: int) -> list[Any]:
    """The two beatgrids rows for one library (``bench`` is scripts/bench/bench.py)."""
    from mixxx_peewee.library import open_library

    work.mkdir(parents=True, exist_ok=True)
    master = with_real_blobs(path, work)
    revision = int(label.split()[1]) if label.startswith("rev ") else 39
    generation = "2.3" if revision <= 32 else "2.4"
    Side, Row = bench.Side, bench.Row

    def read_lib() -> Any:
        report = bench.lib_function("analysis.grids", "analysis_report")
        return Side(
            op=lambda _: report(),
            setup=lambda: open_library(master, readonly=True),
            teardown=bench._close_lib,
        )

    read_raw = Side(
        op=lambda conn: raw_report(conn, generation),
        setup=lambda: bench.bench_raw.connect(str(master), readonly=True),
        teardown=lambda conn: conn.close(),
    )
    conn = sqlite3.connect(master)
    ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id LIMIT ?", (SCALED,))]
    total = conn.execute("SELECT count(*) FROM library").fetchone()[0]
    conn.close()

    def scale_lib() -> Any:
        scale = bench.lib_function("analysis.grids", "scale_bpm")

        def setup() -> Path:
            copy = bench._work_copy(master, work, "lib")
            open_library(copy)
            return copy

        return Side(op=lambda _: scale(ids, "x2"), setup=setup, teardown=bench._close_lib, path=str)

    def raw_setup() -> tuple[Path, sqlite3.Connection]:
        copy = bench._work_copy(master, work, "raw")
        raw = bench.bench_raw.connect(str(copy))
        raw.execute("PRAGMA journal_mode = wal")  # what open_library does by default
        return copy, raw

    scale_raw = Side(
        op=lambda ctx: raw_scale(ctx[1], ids, 2.0, generation),
        setup=raw_setup,
        teardown=lambda ctx: ctx[1].close(),
        path=lambda ctx: str(ctx[0]),
    )
    return [
        bench._guarded(
            Row(label, f"decode grids + keys of {total:,} tracks (analysis_report)"),
            read_lib,
            read_raw,
            repeat,
            ratio=bench.READ_RATIO,
        ),
        bench._guarded(
            Row(label, f"scale_bpm x2 of {len(ids):,} tracks"),
            scale_lib,
            scale_raw,
            repeat,
            lock=True,
            ratio=bench.WRITE_RATIO,
            lock_limit=bench.LOCK_MS,
        ),
    ]
