"""Benchmark row of ``relink_tracks``: 10,000 missing tracks searched for in a tree of
100,000 files (their moved files among others), plan and write, against a raw ``os.walk``
of the same tree (the one walk the search cannot do without)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from harness import Row
from harness import Side
from harness import close_lib
from harness import compare
from harness import lib_function
from harness import work_copy
from report import judge

TREE_FILES = 100_000
MISSING = 10_000
RELINK_MS = 10_000.0  # "in seconds": plan and write of 10,000 tracks in a 100,000-file tree


def moved_tree(path: Path, work: Path) -> tuple[Path, list[int]]:
    """A tree of TREE_FILES empty-but-sized files (sparse: the library's ``filesize``): the
    moved files of the first tracks (their last two path parts kept), other files after;
    made once per library and kept beside the cached libraries (``work``'s parent; ``work``
    is emptied after each run). Returns it and the MISSING track ids to relink."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT l.id, t.location, t.filesize FROM library l JOIN track_locations t"
        " ON t.id = l.location ORDER BY l.id LIMIT ?",
        (TREE_FILES,),
    ).fetchall()
    conn.close()
    tree = work.parent / f"relink-tree-{path.stem}"
    done = tree.with_name(tree.name + ".complete")  # beside it: the walk counts no marker
    if not done.exists():
        for n, (_, location, size) in enumerate(rows):
            target = tree / "moved" / f"{n // 1000:03d}" / "/".join(location.split("/")[-2:])
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as f:
                f.truncate(size or 0)
        for n in range(TREE_FILES - len(rows)):
            other = tree / "other" / f"{n // 1000:03d}" / f"{n:06d} - Another track.mp3"
            other.parent.mkdir(parents=True, exist_ok=True)
            other.touch()
        done.touch()
    return tree, [r[0] for r in rows[:MISSING]]


def relink_row(label: str, path: Path, work: Path, repeat: int) -> Row:
    """``relink_tracks`` of MISSING tracks in a TREE_FILES tree, each run on a fresh copy."""
    from mixxx_peewee.library import open_library
    from mixxx_peewee.library import prepare_write

    tree, ids = moved_tree(path, work)

    def lib_side() -> Side:
        relink = lib_function("tracks.relink", "relink_tracks")

        def setup() -> Path:
            copy = work_copy(path, work, "lib")
            prepare_write(open_library(copy))  # the first write's set-up stays untimed
            return copy

        return Side(
            op=lambda _: relink([tree], tracks=ids),
            setup=setup,
            teardown=close_lib,
            path=str,
        )

    def walk(_: Any) -> int:
        return sum(len(files) for _, _, files in os.walk(tree, followlinks=True))

    row = Row(label, f"relink {len(ids):,} missing tracks in {TREE_FILES:,} files (vs os.walk)")
    compare(row, lib_side(), Side(op=walk), repeat)
    found = relink_found(path, work, tree, ids)
    row.note = f"raw: one os.walk of the tree listing every file; lib found {found:,}"
    return judge(row, ms=RELINK_MS)


def relink_found(path: Path, work: Path, tree: Path, ids: list[int]) -> int:
    """How many of the tracks one untimed relink finds (all of them: each has one file)."""
    from mixxx_peewee.library import open_library

    open_library(work_copy(path, work, "lib"))
    try:
        return int(lib_function("tracks.relink", "relink_tracks")([tree], tracks=ids, dry_run=True)
                   .counts["found"])  # fmt: skip
    finally:
        close_lib()
