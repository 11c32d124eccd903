"""Benchmark rows that read, in this process: open, list, search, a playlist, a crate, and the
library tools (``stats``, ``tracks duplicates``), each against raw sqlite3 on the same file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import raw_sqlite
from harness import Row
from harness import Side
from harness import close_lib
from harness import compare
from harness import lib_function
from raw_tools import raw_duplicates
from raw_tools import raw_stats
from report import OPEN_MS
from report import READ_RATIO
from report import guarded
from report import judge


def open_rows(label: str, path: Path, repeat: int) -> list[Row]:
    """Open + schema inspection: open_library(readonly) against raw connect + PRAGMAs."""
    from mixxx_peewee.library import open_library

    lib = Side(op=lambda _: open_library(path, readonly=True), teardown=close_lib)
    raw = Side(op=lambda _: raw_sqlite.open_and_inspect(str(path)), teardown=lambda c: None)
    raw.teardown = lambda _ctx: None
    row = compare(Row(label, "open + schema inspection"), lib, raw, repeat)
    return [judge(row, ms=OPEN_MS)]


def read_rows(label: str, path: Path, facts: dict[str, Any], repeat: int) -> list[Row]:
    """The reads, with the library open read-only and one raw read-only connection."""
    from mixxx_peewee.library import open_library

    open_library(path, readonly=True)
    conn = raw_sqlite.connect(str(path), readonly=True)
    rows = []
    try:

        def consume(iterable: Any) -> int:
            count = 0
            for _ in iterable:
                count += 1
            return count

        def listing() -> Side:
            return Side(op=lambda _: consume(lib_function("tracks.reads", "iter_tracks")()))

        def search() -> Side:
            query = " ".join(facts["search_terms"])
            return Side(op=lambda _: consume(lib_function("tracks.reads", "search_tracks")(query)))

        cases: list[tuple[str, Callable[[], Side], Side]] = [
            (
                "list every track with its path",
                listing,
                Side(op=lambda _: raw_sqlite.list_tracks(conn)),
            ),
            (
                "reference: the same listing (vs raw sqlite3 tuples, no dict per track)",
                listing,
                Side(op=lambda _: raw_sqlite.list_tracks(conn, records=False)),
            ),
            (
                f"search, 3 terms ({' '.join(facts['search_terms'])})",
                search,
                Side(op=lambda _: raw_sqlite.search(conn, facts["search_terms"])),
            ),
            (
                "reference: the same search (vs raw ASCII-only LIKE, no accent folding)",
                search,
                Side(op=lambda _: raw_sqlite.search_ascii(conn, facts["search_terms"])),
            ),
            (
                f"playlist of {facts['playlist_entries']:,} entries in order",
                lambda: Side(
                    op=lambda _: lib_function("trackset.playlists", "get_playlist_tracks")(
                        facts["playlist_id"]
                    )
                ),
                Side(op=lambda _: raw_sqlite.playlist_tracks(conn, facts["playlist_id"])),
            ),
            (
                "reference: the same playlist (vs raw sqlite3 tuples, no record per entry)",
                lambda: Side(
                    op=lambda _: lib_function("trackset.playlists", "get_playlist_tracks")(
                        facts["playlist_id"]
                    )
                ),
                Side(
                    op=lambda _: raw_sqlite.playlist_tracks(
                        conn, facts["playlist_id"], records=False
                    )
                ),
            ),
            (
                f"crate of {facts['big_crate_size']:,} tracks",
                lambda: Side(
                    op=lambda _: lib_function("trackset.crates", "get_crate_tracks")(
                        facts["big_crate_id"]
                    )
                ),
                Side(op=lambda _: raw_sqlite.crate_tracks(conn, facts["big_crate_id"])),
            ),
            (
                "reference: the same crate (vs raw sqlite3 tuples, no record per track)",
                lambda: Side(
                    op=lambda _: lib_function("trackset.crates", "get_crate_tracks")(
                        facts["big_crate_id"]
                    )
                ),
                Side(
                    op=lambda _: raw_sqlite.crate_tracks(conn, facts["big_crate_id"], records=False)
                ),
            ),
        ]
        for name, make_lib, raw in cases:
            rows.append(guarded(Row(label, name), make_lib, raw, repeat, ratio=READ_RATIO))
    finally:
        conn.close()
        close_lib()
    return rows


def feature_rows(label: str, path: Path, repeat: int) -> list[Row]:
    """``stats`` and ``tracks duplicates`` (issue 12): the library call against a raw
    sqlite3 script doing the same SQL and Python work, in-process, library read-only."""
    from mixxx_peewee.library import open_library

    open_library(path, readonly=True)
    conn = raw_sqlite.connect(str(path), readonly=True)
    rows = []
    try:
        cases: list[tuple[str, Callable[[], Side], Side]] = [
            (
                "stats: tracks, hours, genres, BPM, keys, analysed, missing flags",
                lambda: Side(op=lambda _: lib_function("tracks.stats", "library_stats")()),
                Side(op=lambda _: raw_stats(conn)),
            ),
            (
                "reference: stats (vs raw as five plain aggregate queries)",
                lambda: Side(op=lambda _: lib_function("tracks.stats", "library_stats")()),
                Side(op=lambda _: raw_stats(conn, one_pass=False)),
            ),
            (
                "tracks duplicates (artist+title within 2 s, size+duration)",
                lambda: Side(op=lambda _: lib_function("tracks.duplicates", "find_duplicates")()),
                Side(op=lambda _: raw_duplicates(conn)),
            ),
        ]
        for name, make_lib, raw in cases:
            rows.append(guarded(Row(label, name), make_lib, raw, repeat, ratio=READ_RATIO))
    finally:
        conn.close()
        close_lib()
    return rows
