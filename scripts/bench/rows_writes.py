"""Benchmark rows that write, each run on a fresh copy: a crate add, playlist inserts and
removals, a relocate, its undo, a bulk genre edit and the backup; each with the write lock
Mixxx would wait for."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import library_data
import raw_sqlite
from harness import Row
from harness import Side
from harness import close_lib
from harness import lib_function
from harness import work_copy
from report import LOCK_MS
from report import RELOCATE_LOCK_MS
from report import UNDO_LOCK_RATIO
from report import WRITE_RATIO
from report import guarded

RELOCATED_ROOT = "/media/dj/Música"


def write_rows(
    label: str, path: Path, facts: dict[str, Any], work: Path, repeat: int, tracks: int
) -> list[Row]:
    """Bulk writes on a fresh copy each run; lib opens writable (WAL), raw matches the mode."""
    from mixxx_peewee.library import open_library
    from mixxx_peewee.library import prepare_write

    def lib_side(op: Callable[[], Any]) -> Side:
        def setup() -> Path:
            copy = work_copy(path, work, "lib")
            # The first write's one-time set-up (the WAL switch, the change journal) stays
            # untimed, like the raw side's PRAGMA journal_mode below.
            prepare_write(open_library(copy))
            return copy

        return Side(op=lambda _: op(), setup=setup, teardown=close_lib, path=str)

    def raw_side(op: Callable[[sqlite3.Connection], Any]) -> Side:
        def setup() -> tuple[Path, sqlite3.Connection]:
            copy = work_copy(path, work, "raw")
            conn = raw_sqlite.connect(str(copy))
            conn.execute("PRAGMA journal_mode = wal")  # what open_library does by default
            return copy, conn

        return Side(
            op=lambda ctx: op(ctx[1]),
            setup=setup,
            teardown=lambda ctx: ctx[1].close(),
            path=lambda ctx: str(ctx[0]),
        )

    add_ids = list(range(1, min(10_000, tracks) + 1))
    insert_ids = add_ids[: max(1, len(add_ids) // 10)]  # 1,000 at 10,000+ tracks
    crate = facts["empty_crate_id"]
    playlist = facts["playlist_id"]
    middle = facts["middle_track_id"]

    def removal() -> Side:
        return lib_side(
            lambda: lib_function("trackset.playlists", "remove_track_from_playlist")(
                playlist, middle
            )
        )

    cases: list[tuple[str, Callable[[], Side], Side, float]] = [
        (
            f"add {len(add_ids):,} tracks to a crate",
            lambda: lib_side(
                lambda: lib_function("trackset.crates", "add_tracks_to_crate")(crate, add_ids)
            ),
            raw_side(lambda c: raw_sqlite.add_to_crate(c, crate, add_ids)),
            LOCK_MS,
        ),
        (
            f"insert {len(insert_ids):,} tracks at the top of a playlist"
            f" ({facts['playlist_entries']:,})",
            lambda: lib_side(
                lambda: lib_function("trackset.playlists", "add_tracks_to_playlist")(
                    playlist, insert_ids, position=1
                )
            ),
            raw_side(lambda c: raw_sqlite.insert_into_playlist(c, playlist, insert_ids, 1)),
            LOCK_MS,
        ),
        (
            f"remove a track mid-playlist ({facts['playlist_entries']:,})",
            removal,
            raw_side(lambda c: raw_sqlite.remove_from_playlist(c, playlist, middle)),
            LOCK_MS,
        ),
        (
            "reference: the same removal (vs raw without the 1..n check, as Mixxx does it)",
            removal,
            raw_side(lambda c: raw_sqlite.remove_from_playlist(c, playlist, middle, checked=False)),
            LOCK_MS,
        ),
        (
            f"relocate {tracks:,} paths",
            lambda: lib_side(
                # The library also stats every target (before its transaction): the typo
                # check of issue 12; the generated files do not exist, so allow that.
                lambda: lib_function("tracks.relocate", "relocate_tracks")(
                    library_data.MUSIC_ROOT, RELOCATED_ROOT, allow_missing=True
                )
            ),
            raw_side(lambda c: raw_sqlite.relocate(c, library_data.MUSIC_ROOT, RELOCATED_ROOT)),
            RELOCATE_LOCK_MS if tracks > 10_000 else LOCK_MS,
        ),
        (
            # The same lock budget as the relocate of every path, the other bulk write of
            # every track (lock held, not wall time: the plan is read before the lock).
            f"edit the genre of {tracks:,} tracks",
            lambda: lib_side(
                lambda: lib_function("tracks.edits", "update_tracks")(
                    range(1, tracks + 1), genre="Bench Genre", force=True
                )
            ),
            raw_side(lambda c: raw_sqlite.set_genre(c, list(range(1, tracks + 1)), "Bench Genre")),
            RELOCATE_LOCK_MS if tracks > 10_000 else LOCK_MS,
        ),
    ]
    rows = []
    for name, make_lib, raw, limit in cases:
        row = guarded(
            Row(label, name), make_lib, raw, repeat, lock=True, ratio=WRITE_RATIO, lock_limit=limit
        )
        rows.append(row)
    rows.append(backup_row(label, path, work, repeat))
    return rows


def undo_row(label: str, path: Path, work: Path, repeat: int, tracks: int) -> Row:
    """``undo_change`` of a relocate of every path against that relocate itself (the
    baseline: both sides the library, each on a fresh copy; the relocate before the undo
    is not timed). The target is the write lock Mixxx waits for: the undo's at most
    UNDO_LOCK_RATIO times the relocate's."""
    from mixxx_peewee.library import open_library

    def relocate() -> Any:
        return lib_function("tracks.relocate", "relocate_tracks")(
            library_data.MUSIC_ROOT, RELOCATED_ROOT, allow_missing=True
        )

    def opened() -> Path:
        copy = work_copy(path, work, "lib")
        open_library(copy)
        return copy

    def relocated() -> Path:
        copy = opened()
        relocate()
        return copy

    baseline = Side(op=lambda _: relocate(), setup=opened, teardown=close_lib, path=str)
    row = guarded(
        Row(label, f"undo a relocate of {tracks:,} paths (vs the relocate itself)"),
        lambda: Side(
            op=lambda _: lib_function("journal.undo", "undo_change")(),
            setup=relocated,
            teardown=close_lib,
            path=str,
        ),
        baseline,
        repeat,
        lock=True,
    )
    if row.status in ("", "PASS", "FAIL"):
        lock_ratio = (
            row.lock_ms / row.raw_lock_ms if row.lock_ms is not None and row.raw_lock_ms else None
        )
        row.target = f"lock ≤{UNDO_LOCK_RATIO:g}x relocate's"
        row.status = "PASS" if lock_ratio is not None and lock_ratio <= UNDO_LOCK_RATIO else "FAIL"
        shown = "-" if lock_ratio is None else f"{lock_ratio:.2f}x"
        row.note = (row.note + "; " if row.note else "") + f"lock {shown} the relocate's"
    return row


def backup_row(label: str, path: Path, work: Path, repeat: int) -> Row:
    """backup.backup against raw Connection.backup, each on a fresh copy of the file.

    The lock column is how long a Mixxx-like writer waited meanwhile: in rollback-journal
    mode (the file as Mixxx leaves it) a backup's read lock holds up commits.
    """
    from mixxx_peewee.library import open_library

    dest = work / "backup.sqlite"

    def clean() -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{dest}{suffix}").unlink(missing_ok=True)

    def lib_setup() -> Path:
        clean()
        copy = work_copy(path, work, "lib")
        open_library(copy, readonly=True)
        return copy

    def lib_teardown(_ctx: Any) -> None:
        close_lib()
        clean()

    def raw_setup() -> tuple[Path, sqlite3.Connection]:
        clean()
        copy = work_copy(path, work, "raw")
        return copy, raw_sqlite.connect(str(copy), readonly=True)

    def raw_teardown(ctx: tuple[Path, sqlite3.Connection]) -> None:
        ctx[1].close()
        clean()

    raw = Side(
        op=lambda ctx: raw_sqlite.backup(ctx[1], str(dest)),
        setup=raw_setup,
        teardown=raw_teardown,
        path=lambda ctx: str(ctx[0]),
    )
    row = guarded(
        Row(label, "backup (online backup API)"),
        lambda: Side(
            op=lambda _: lib_function("backups.folder", "backup")(dest),
            setup=lib_setup,
            teardown=lib_teardown,
            path=str,
        ),
        raw,
        repeat,
        lock=True,
        ratio=WRITE_RATIO,
    )
    row.note = (row.note + "; " if row.note else "") + "lock = a writer's wait during the backup"
    return row
