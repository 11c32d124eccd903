"""Benchmark rows of whole processes: start-up, ``info``, the JSONL listing, an M3U8 import,
the table format against jsonl (first row and end), and the listing's memory across sizes."""

from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path

from harness import BENCH_DIR
from harness import PY
from harness import Row
from harness import cli_path
from harness import compare_processes
from harness import run_process
from harness import streamed
from harness import work_copy
from report import FIRST_ROW_MS
from report import HELP_RATIO
from report import IMPORT_RATIO
from report import INFO_RATIO
from report import MEMORY_GROWTH
from report import READ_RATIO
from report import judge


def process_rows(label: str, path: Path, repeat: int, tracks: int) -> list[Row]:
    """Whole processes: the JSONL listing and ``info`` against raw scripts doing the same."""
    cli = cli_path()
    listing = compare_processes(
        Row(label, "process: tracks list --format jsonl"),
        [cli, "--db", str(path), "tracks", "list", "--format", "jsonl"],
        [PY, str(BENCH_DIR / "raw_sqlite.py"), "jsonl", str(path)],
        repeat,
        count_lines=tracks <= 10_000,  # one more run each: the same lines? (small sizes)
    )
    judge(listing, ratio=READ_RATIO)
    raw_info = (
        f"import sys, typer, peewee; sys.path.insert(0, {str(BENCH_DIR)!r}); import raw_sqlite;"
        f" raw_sqlite.info({str(path)!r})"
    )
    info = compare_processes(
        Row(label, "process: info (vs import typer, peewee + same SQL)"),
        [cli, "--db", str(path), "info"],
        [PY, "-c", raw_info],
        repeat,
    )
    judge(info, ratio=INFO_RATIO)
    return [listing, info]


def import_row(label: str, path: Path, work: Path, repeat: int) -> Row:
    """Issue 19: ``playlists import`` of an M3U8 naming every track (100,000 entries at
    100,000 tracks) against listing the same library as jsonl (both our CLI, whole
    processes, interleaved); each import runs on a fresh copy (the copy is not timed)."""
    cli = cli_path()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    query = "SELECT location FROM track_locations ORDER BY id DESC"  # not the stored order
    locations = [r[0] for r in conn.execute(query)]
    conn.close()
    m3u = work / "bench-import.m3u8"
    m3u.write_text("#EXTM3U\n" + "".join(f"{loc}\n" for loc in locations), encoding="utf-8")
    row = Row(label, f"process: playlists import, {len(locations):,} entries (vs jsonl)")
    listing = [cli, "--db", str(path), "tracks", "list", "--format", "jsonl"]
    lib_times: list[float] = []
    raw_times: list[float] = []
    for i in range(repeat):
        for which in ("lib", "raw") if i % 2 == 0 else ("raw", "lib"):
            if which == "lib":
                copy = work_copy(path, work, "import")
                argv = [cli, "--db", str(copy), "playlists", "import", str(m3u), "--name", "Big"]
            else:
                argv = listing
            ms, rss, code, err = run_process(argv)
            if code != 0:
                row.status, row.note = "ERROR", f"{which} exit {code}: {err}"
                return row
            (lib_times if which == "lib" else raw_times).append(ms)
            if which == "lib":
                row.lib_peak_kb = max(row.lib_peak_kb or 0.0, rss)
            else:
                row.raw_peak_kb = max(row.raw_peak_kb or 0.0, rss)
    m3u.unlink(missing_ok=True)
    row.lib_ms, row.raw_ms = statistics.median(lib_times), statistics.median(raw_times)
    row.lib_samples_ms = [round(t, 3) for t in lib_times]
    row.raw_samples_ms = [round(t, 3) for t in raw_times]
    row.ratio = row.lib_ms / row.raw_ms
    return judge(row, ratio=IMPORT_RATIO)


def compare_listing(row: Row, argv: list[str], repeat: int) -> Row:
    """The table format of a listing against the same listing as jsonl (both our CLI):
    time to the first row and to the end, interleaved runs, medians.

    The first-row target (``FIRST_ROW_MS``) is counted from when an interpreter that has
    imported typer and peewee is ready: no Python command line can print before that, and
    on a slow machine it alone is ~300 ms. That start-up is measured right after every
    table run (a shared machine's load drifts); the row reports the median difference.
    """
    table = [*argv, "--format", "table"]
    data = [*argv, "--format", "jsonl"]
    firsts: list[float] = []
    data_firsts: list[float] = []
    after_start: list[float] = []
    lib_times: list[float] = []
    raw_times: list[float] = []
    for i in range(repeat):
        order = [("table", table), ("jsonl", data)]
        for which, command in order if i % 2 == 0 else reversed(order):
            first, total, rss, code, err = streamed(command, 2 if which == "table" else 0)
            if code != 0:
                row.status, row.note = "ERROR", f"{which} exit {code}: {err}"
                return row
            if which == "table":
                firsts.append(first)
                after_start.append(first - run_process([PY, "-c", "import typer, peewee"])[0])
                lib_times.append(total)
                row.lib_peak_kb = max(row.lib_peak_kb or 0.0, rss)
            else:
                data_firsts.append(first)
                raw_times.append(total)
                row.raw_peak_kb = max(row.raw_peak_kb or 0.0, rss)
    row.lib_ms, row.raw_ms = statistics.median(lib_times), statistics.median(raw_times)
    row.first_ms = statistics.median(firsts)
    floor_ms = row.first_ms - statistics.median(after_start)
    data_first = statistics.median(data_firsts) - floor_ms
    row.lib_samples_ms = [round(t, 3) for t in lib_times]
    row.raw_samples_ms = [round(t, 3) for t in raw_times]
    row.ratio = row.lib_ms / row.raw_ms
    ok = row.ratio <= READ_RATIO and max(row.first_ms - floor_ms, data_first) < FIRST_ROW_MS
    row.target = f"≤{READ_RATIO:g}x jsonl, first rows <{FIRST_ROW_MS:g} ms after start-up"
    row.status = "PASS" if ok else "FAIL"
    row.note = (
        f"first row at {row.first_ms:.0f} ms = start-up {floor_ms:.0f} ms"
        f" + {row.first_ms - floor_ms:.0f} ms (jsonl: + {data_first:.0f} ms)"
    )
    return row


def _long_playlist(path: Path, work: Path, entries: int) -> tuple[Path, int]:
    """A copy of the library with one more playlist of ``entries`` entries (untimed setup)."""
    copy = work_copy(path, work, f"playlist{entries}")
    conn = sqlite3.connect(copy)
    with conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM library WHERE mixxx_deleted = 0")]
        playlist = conn.execute(
            "INSERT INTO Playlists (name, position, hidden, locked, date_created, date_modified)"
            " VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM Playlists), 0, 0,"
            " datetime('now'), datetime('now'))",
            (f"Bench {entries:,} entries",),
        ).lastrowid
        conn.executemany(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position, pl_datetime_added)"
            " VALUES (?, ?, ?, datetime('now'))",
            ((playlist, ids[(i * 7) % len(ids)], i + 1) for i in range(entries)),
        )
    conn.close()
    assert playlist is not None
    return copy, playlist


def table_rows(label: str, path: Path, work: Path, repeat: int, tracks: int) -> list[Row]:
    """Issue 12: the default table format against jsonl, as whole processes (first row and
    end): the full listing, ``missing``, a ~10,000-hit search, a listing sorted by artist,
    a 16,000-entry playlist."""
    cli = cli_path()
    rows = [
        compare_listing(Row(label, "table: tracks list (vs jsonl)"),
                        [cli, "--db", str(path), "tracks", "list"], repeat),
        compare_listing(Row(label, "table: tracks missing (vs jsonl)"),
                        [cli, "--db", str(path), "tracks", "missing"], repeat),
        compare_listing(Row(label, "table: tracks search love (vs jsonl)"),
                        [cli, "--db", str(path), "tracks", "search", "love"], repeat),
        # A sort no index serves: the order is read once, then the rows by id in chunks.
        compare_listing(Row(label, "table: tracks list --sort artist (vs jsonl)"),
                        [cli, "--db", str(path), "tracks", "list", "--sort", "artist"],
                        repeat),
    ]  # fmt: skip
    entries = 16_000 if tracks >= 100_000 else tracks // 6
    copy, playlist = _long_playlist(path, work, entries)
    rows.append(
        compare_listing(
            Row(label, f"table: playlists show, {entries:,} entries (vs jsonl)"),
            [cli, "--db", str(copy), "playlists", "show", str(playlist)],
            repeat,
        )
    )
    copy.unlink(missing_ok=True)
    return rows


def startup_rows(repeat: int, *, references: bool = True) -> list[Row]:
    """``mixxx-peewee --help`` against ``python -c 'import typer'``.

    The fastest of many runs of each side: a few milliseconds apart, the two differ by less
    than what other processes on the machine add to any one run.
    """
    cli = cli_path()
    row = compare_processes(
        Row("start-up", "process: --help (vs import typer)"),
        [cli, "--help"],
        [PY, "-c", "import typer"],
        repeat,
        pick=min,
    )
    judge(row, ratio=HELP_RATIO)
    if not references:
        return [row]
    ref = compare_processes(
        Row("start-up", "reference: import typer, peewee (vs import typer)"),
        [PY, "-c", "import typer, peewee"],
        [PY, "-c", "import typer"],
        repeat,
    )
    ref.status, ref.target = "INFO", "-"
    # Typer 0.29 coerces every non-flag option through pydantic (typer._adapters), imported
    # on first use: any command given an option pays it, --help does not.
    coercion = compare_processes(
        Row("start-up", "reference: + typer._adapters (vs import typer, peewee)"),
        [PY, "-c", "import typer, peewee, typer._adapters"],
        [PY, "-c", "import typer, peewee"],
        repeat,
    )
    coercion.status, coercion.target = "INFO", "-"
    return [row, ref, coercion]


def memory_rows(rows: list[Row], sizes: list[int]) -> list[Row]:
    """Whether the listing's peak memory stays flat from the smallest to the largest size."""
    out: list[Row] = []
    if len(sizes) < 2:
        return out
    small, large = min(sizes), max(sizes)
    for label_small in [r.library for r in rows if r.library.endswith(f"{small:,} tracks")]:
        label_large = label_small.replace(f"{small:,} tracks", f"{large:,} tracks")
        pick = {
            (r.library, r.name): r
            for r in rows
            if r.name == "list every track with its path" and r.lib_peak_kb
        }
        a, b = (
            pick.get((label_small, "list every track with its path")),
            pick.get((label_large, "list every track with its path")),
        )
        if a is None or b is None or a.lib_peak_kb is None or b.lib_peak_kb is None:
            continue
        row = Row(
            label_large,
            f"list memory growth {small:,}→{large:,} tracks",
            lib_peak_kb=b.lib_peak_kb,
            raw_peak_kb=a.lib_peak_kb,
            ratio=b.lib_peak_kb / a.lib_peak_kb,
            note=f"peak {a.lib_peak_kb:,.0f} KB → {b.lib_peak_kb:,.0f} KB (tracemalloc)",
        )
        row.target = f"≤{MEMORY_GROWTH:g}x (tracks x{large // small})"
        row.status = "PASS" if row.ratio is not None and row.ratio <= MEMORY_GROWTH else "FAIL"
        out.append(row)
    return list({(r.library, r.name): r for r in out}.values())
