"""Benchmark rows for mixxx_peewee.analysis.grids.

Two rows per library, each against a raw ``sqlite3`` script doing the same work with the same
codec (``mixxx_peewee.analysis.codec``; the raw sides are in ``raw_tools.py``), so the ratio
measures our reading and writing only:

* ``decode grids + keys of N tracks``: :func:`analysis_report` (every blob decoded and
  checked against its columns, in id pages) vs one raw SELECT decoding the same blobs and
  making the same comparisons. Target: ≤ READ_RATIO.
* ``scale_bpm of 10,000 tracks``: :func:`scale_bpm` ×2 vs a raw read + ``executemany``
  rewrite in one ``BEGIN IMMEDIATE``. Targets: ≤ WRITE_RATIO, write lock < LOCK_MS.

The sample libraries' ``beats`` are random placeholder bytes, so a copy with real
``BeatGrid-2.0`` grids and ``KeyMap-1.0`` key maps (columns consistent) is made first.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import raw_sqlite
from harness import Row
from harness import Side
from harness import close_lib
from harness import lib_function
from harness import work_copy
from raw_tools import raw_report
from raw_tools import raw_scale
from report import LOCK_MS
from report import READ_RATIO
from report import WRITE_RATIO
from report import guarded

from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import ID3V2_KEY_NAMES
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import encode_beat_grid
from mixxx_peewee.analysis.codec import encode_key_map

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


def analysis_rows(label: str, path: Path, work: Path, repeat: int) -> list[Row]:
    """The two beatgrids rows for one library."""
    from mixxx_peewee.library import open_library

    work.mkdir(parents=True, exist_ok=True)
    master = with_real_blobs(path, work)
    revision = int(label.split()[1]) if label.startswith("rev ") else 39
    generation = "2.3" if revision <= 32 else "2.4"

    def read_lib() -> Any:
        report = lib_function("analysis.report", "analysis_report")
        return Side(
            op=lambda _: report(),
            setup=lambda: open_library(master, readonly=True),
            teardown=close_lib,
        )

    read_raw = Side(
        op=lambda conn: raw_report(conn, generation),
        setup=lambda: raw_sqlite.connect(str(master), readonly=True),
        teardown=lambda conn: conn.close(),
    )
    conn = sqlite3.connect(master)
    ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id LIMIT ?", (SCALED,))]
    total = conn.execute("SELECT count(*) FROM library").fetchone()[0]
    conn.close()

    def scale_lib() -> Any:
        scale = lib_function("analysis.grids", "scale_bpm")

        def setup() -> Path:
            copy = work_copy(master, work, "lib")
            open_library(copy)
            return copy

        return Side(op=lambda _: scale(ids, "x2"), setup=setup, teardown=close_lib, path=str)

    def raw_setup() -> tuple[Path, sqlite3.Connection]:
        copy = work_copy(master, work, "raw")
        raw = raw_sqlite.connect(str(copy))
        raw.execute("PRAGMA journal_mode = wal")  # what open_library does by default
        return copy, raw

    scale_raw = Side(
        op=lambda ctx: raw_scale(ctx[1], ids, 2.0, generation),
        setup=raw_setup,
        teardown=lambda ctx: ctx[1].close(),
        path=lambda ctx: str(ctx[0]),
    )
    return [
        guarded(
            Row(label, f"decode grids + keys of {total:,} tracks (analysis_report)"),
            read_lib,
            read_raw,
            repeat,
            ratio=READ_RATIO,
        ),
        guarded(
            Row(label, f"scale_bpm x2 of {len(ids):,} tracks"),
            scale_lib,
            scale_raw,
            repeat,
            lock=True,
            ratio=WRITE_RATIO,
            lock_limit=LOCK_MS,
        ),
    ]
