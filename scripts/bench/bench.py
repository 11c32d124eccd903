"""Benchmark mixxx_peewee against raw sqlite3 at 10,000 and 100,000 tracks (issue 6).

Every row runs a library call and a raw-``sqlite3`` script doing the same SQL work
(``scripts/bench/raw_sqlite.py``) on the same file, interleaved (lib, raw, raw, lib, ...),
``--repeat`` times each; times are medians, the ratio is lib / raw. Peak memory comes from
one extra run of each side: tracemalloc (Python allocations) in-process, ``ru_maxrss`` for
whole processes. Write rows run on a fresh copy of the library each time (the copy and
the open are not timed) with automatic backups off (``MIXXX_PEEWEE_AUTO_BACKUP=0``); the
backup is its own row.

Same work means the same results: the raw listing yields each track as a dict of column
names (as the library does), the raw search folds accents too (as Mixxx and the library
do; its own code), and the raw playlist removal checks that positions are 1..n before it
shifts them (as the library does). ``reference:`` rows (INFO, not targets) compare the
library with the cheaper raw ways that skip this: bare tuples, ASCII-only LIKE, and
Mixxx's unchecked delete-and-shift.

Write lock: measured from outside. A prober process (``bench_raw.py probe``) loops a
Mixxx-like write (``BEGIN IMMEDIATE``, a no-op UPDATE, ``COMMIT``) with busy timeout 0 every
0.5 ms while the operation runs; the longest span from its first refused attempt to its
next success is what Mixxx would have waited (resolution about 1 ms); the median of three
probed runs per side. Timing and lock runs are separate, so the prober never slows the
timed runs.

Libraries come from ``mixxx_peewee.testing.make_sample_library`` (tracks, cues, history
and Auto DJ playlists) topped up by ``scripts/bench/library_data.py`` (200 crates, 300 playlists
with long-tailed sizes up to 10,000 entries, BeatMap blobs), cached under ``--cache-dir``
by parameters and generator source.

    python scripts/bench/bench.py                       # 10,000 and 100,000 tracks, rev 32 and 39
    python scripts/bench/bench.py --quick --out /tmp/x.json
"""

from __future__ import annotations

import compileall
import datetime
import gc
import hashlib
import inspect
import itertools
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import typer

os.environ["MIXXX_PEEWEE_AUTO_BACKUP"] = "0"  # write rows measure the write alone

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import library_data as bench_data  # noqa: E402
import raw_sqlite as bench_raw  # noqa: E402
import rows_analysis as bench_analysis  # noqa: E402

ROOT = SCRIPTS.parents[1]
PY = sys.executable
RELOCATED_ROOT = "/media/dj/Música"
READ_RATIO = 1.5
WRITE_RATIO = 2.0
HELP_RATIO = 1.2
INFO_RATIO = 1.3
OPEN_MS = 20.0
LOCK_MS = 250.0
RELOCATE_LOCK_MS = 1000.0
UNDO_LOCK_RATIO = 1.5  # undo of a relocate: its write lock against the relocate's own
FIRST_ROW_MS = 300.0  # a listing's first row, in every format
LOCK_RUNS = 3  # probed runs per side of each write (median); 1 with --quick
MEMORY_GROWTH = 2.0
IMPORT_RATIO = 2.0  # playlists import of an M3U8 of every track vs tracks list -f jsonl

app = typer.Typer(add_completion=False, rich_markup_mode=None, help=__doc__.split("\n\n")[0])


@dataclass
class Row:
    """One line of the table: a measurement of the library against raw sqlite3."""

    library: str
    name: str
    lib_ms: float | None = None
    raw_ms: float | None = None
    ratio: float | None = None
    target: str = ""
    status: str = ""
    lock_ms: float | None = None
    raw_lock_ms: float | None = None
    lib_peak_kb: float | None = None
    raw_peak_kb: float | None = None
    lib_rows: int | None = None
    raw_rows: int | None = None
    note: str = ""
    first_ms: float | None = None  # time to the first row (listings as whole processes)
    lib_samples_ms: list[float] = field(default_factory=list)
    raw_samples_ms: list[float] = field(default_factory=list)
    lock_samples_ms: list[float] = field(default_factory=list)
    raw_lock_samples_ms: list[float] = field(default_factory=list)


@dataclass
class Side:
    """How to run one side of a row: setup (untimed) -> op (timed) -> teardown (untimed)."""

    op: Callable[[Any], Any]
    setup: Callable[[], Any] = lambda: None
    teardown: Callable[[Any], None] = lambda ctx: None
    path: Callable[[Any], str] | None = None  # the file a write touches (for the prober)


class Missing(Exception):
    """A library function the row needs is not there (yet)."""


def lib_function(module: str, name: str) -> Callable[..., Any]:
    """``mixxx_peewee.<module>.<name>``, or Missing."""
    import importlib

    try:
        return getattr(importlib.import_module(f"mixxx_peewee.{module}"), name)
    except (ImportError, AttributeError):
        raise Missing(f"mixxx_peewee.{module}.{name} is missing") from None


# --- running -------------------------------------------------------------------------------


def _once(side: Side, *, memory: bool = False) -> tuple[float, float | None, Any]:
    ctx = side.setup()
    try:
        gc.collect()
        gc.freeze()  # survivors are long-lived: later collections only look at new objects
        if memory:
            tracemalloc.start()
        start = time.perf_counter()
        result = side.op(ctx)
        elapsed = time.perf_counter() - start
        peak = None
        if memory:
            peak = tracemalloc.get_traced_memory()[1] / 1024
            tracemalloc.stop()
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        side.teardown(ctx)
    return elapsed * 1000, peak, result


def _count(result: Any) -> int | None:
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if isinstance(result, (list, tuple)):
        return len(result)
    counts = getattr(result, "counts", None)  # a WriteResult
    if isinstance(counts, dict):
        for key in ("tracks", "added", "removed"):
            if isinstance(counts.get(key), int):
                return int(counts[key])
    return None


def probe_lock(side: Side) -> float:
    """Longest time a Mixxx-like writer was kept waiting while ``side`` ran once (ms)."""
    ctx = side.setup()
    try:
        assert side.path is not None
        prober = subprocess.Popen(
            [PY, str(SCRIPTS / "raw_sqlite.py"), "probe", side.path(ctx)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert prober.stdout is not None and prober.stdin is not None
        if prober.stdout.readline().strip() != "ready":
            raise RuntimeError("lock prober did not start")
        time.sleep(0.02)
        side.op(ctx)
        time.sleep(0.02)
        prober.stdin.close()
        report = json.loads(prober.stdout.readline())
        prober.wait(10)
    finally:
        side.teardown(ctx)
    return float(report["longest_ms"])


def compare(row: Row, lib: Side | None, raw: Side, repeat: int, *, lock: bool = False) -> Row:
    """Interleaved timings, one memory run per side, and the lock probe for writes."""
    lib_times: list[float] = []
    raw_times: list[float] = []
    for i in range(repeat):
        order = [("lib", lib), ("raw", raw)] if i % 2 == 0 else [("raw", raw), ("lib", lib)]
        for which, side in order:
            if side is None:
                continue
            ms, _, _ = _once(side)
            (lib_times if which == "lib" else raw_times).append(ms)
    _, row.raw_peak_kb, raw_result = _once(raw, memory=True)
    row.raw_rows = _count(raw_result)
    row.raw_ms = statistics.median(raw_times)
    row.raw_samples_ms = [round(t, 3) for t in raw_times]
    if lib is not None:
        _, row.lib_peak_kb, lib_result = _once(lib, memory=True)
        row.lib_rows = _count(lib_result)
        row.lib_ms = statistics.median(lib_times)
        row.lib_samples_ms = [round(t, 3) for t in lib_times]
        row.ratio = row.lib_ms / row.raw_ms if row.raw_ms else None
    if lock:
        # One probed run is at the mercy of the scheduler (two processes, few cores):
        # the median of LOCK_RUNS, interleaved, with every sample kept in the JSON.
        for i in range(LOCK_RUNS):
            for which, side in [("raw", raw), ("lib", lib)][:: 1 if i % 2 == 0 else -1]:
                if side is None:
                    continue
                samples = row.raw_lock_samples_ms if which == "raw" else row.lock_samples_ms
                samples.append(round(probe_lock(side), 3))
        row.raw_lock_ms = statistics.median(row.raw_lock_samples_ms)
        if row.lock_samples_ms:
            row.lock_ms = statistics.median(row.lock_samples_ms)
    return row


TIME = "/usr/bin/time"


def _process(argv: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, float, int, str]:
    """Run a whole process: wall ms, max RSS (KB), exit status, last stderr line.

    The RSS comes from GNU time when present: a child's ``ru_maxrss`` would include this
    (large) benchmark process, since Linux carries the high-water mark across fork + exec.
    """
    rss_file = None
    if os.path.exists(TIME):
        rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-rss-{os.getpid()}"
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = float(usage.ru_maxrss)
    if rss_file is not None:
        text = rss_file.read_text().strip().splitlines()
        rss = float(text[-1]) if text and text[-1].isdigit() else rss
        rss_file.unlink(missing_ok=True)
    lines = err.decode(errors="replace").strip().splitlines()
    return elapsed, rss, proc.returncode, lines[-1] if lines else ""


def compare_processes(
    row: Row,
    lib_argv: list[str],
    raw_argv: list[str],
    repeat: int,
    *,
    count_lines: bool = False,
    pick: Callable[[list[float]], float] = statistics.median,
) -> Row:
    """Interleaved whole-process runs (stdout to /dev/null); ratio of medians (or ``pick``)."""
    lib_times: list[float] = []
    raw_times: list[float] = []
    lib_rss = raw_rss = 0.0
    for i in range(repeat):
        order = [("lib", lib_argv), ("raw", raw_argv)]
        for which, argv in order if i % 2 == 0 else reversed(order):
            ms, rss, code, err = _process(argv)
            if code != 0:
                row.status = "ERROR"
                row.note = f"{'mixxx-peewee' if which == 'lib' else 'raw'} exit {code}: {err}"
                return row
            if which == "lib":
                lib_times.append(ms)
                lib_rss = max(lib_rss, rss)
            else:
                raw_times.append(ms)
                raw_rss = max(raw_rss, rss)
    row.lib_ms, row.raw_ms = pick(lib_times), pick(raw_times)
    row.lib_samples_ms = [round(t, 3) for t in lib_times]
    row.raw_samples_ms = [round(t, 3) for t in raw_times]
    row.ratio = row.lib_ms / row.raw_ms
    row.lib_peak_kb, row.raw_peak_kb = lib_rss, raw_rss
    if count_lines:
        for which, argv in (("lib", lib_argv), ("raw", raw_argv)):
            proc = subprocess.run(argv, capture_output=True, check=False)
            lines = proc.stdout.count(b"\n")
            if which == "lib":
                row.lib_rows = lines
            else:
                row.raw_rows = lines
    return row


def judge(row: Row, *, ratio: float | None = None, ms: float | None = None,
          lock: float | None = None) -> Row:  # fmt: skip
    """Set ``target`` and PASS/FAIL (targets are reported, never asserted)."""
    parts = []
    ok = True
    if ratio is not None:
        parts.append(f"≤{ratio:g}x")
        ok &= row.ratio is not None and row.ratio <= ratio
    if ms is not None:
        parts.append(f"<{ms:g} ms")
        ok &= row.lib_ms is not None and row.lib_ms < ms
    if lock is not None:
        parts.append(f"lock<{lock:g} ms")
        ok &= row.lock_ms is not None and row.lock_ms < lock
    row.target = ", ".join(parts)
    if row.status in ("", None) and row.name.startswith("reference:"):
        row.status, row.target = "INFO", "-"  # what a guarantee costs; not a target
    elif row.status in ("", None):
        row.status = "PASS" if ok else "FAIL"
    if row.lib_rows is not None and row.raw_rows is not None and row.lib_rows != row.raw_rows:
        row.note = (row.note + "; " if row.note else "") + (
            f"row counts differ: lib {row.lib_rows}, raw {row.raw_rows}"
        )
    return row


# --- libraries -----------------------------------------------------------------------------


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
    for source in (SCRIPTS / "library_data.py", ROOT / "mixxx_peewee" / "testing.py"):
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
        "music_root": bench_data.MUSIC_ROOT,
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
    counts = bench_data.add_collections(
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
    playlist_id = one("SELECT id FROM Playlists WHERE name = ?", bench_data.BENCH_PLAYLIST)[0]
    entries = one("SELECT count(*) FROM PlaylistTracks WHERE playlist_id = ?", playlist_id)[0]
    middle_track = one(
        "SELECT track_id FROM PlaylistTracks WHERE playlist_id = ? AND position = ?",
        playlist_id,
        entries // 2,
    )[0]
    empty_crate = one("SELECT id FROM crates WHERE name = ?", bench_data.BENCH_CRATE)[0]
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


# --- the rows ------------------------------------------------------------------------------


def _work_copy(master: Path, work: Path, name: str) -> Path:
    dest = work / f"{name}.sqlite"
    dest.parent.mkdir(parents=True, exist_ok=True)  # another run may have removed it
    journal = dest.with_name(f"{name}.changes.sqlite")  # the change journal of a copy before
    for path in (dest, journal):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(master, dest)
    return dest


def _close_lib(_ctx: Any = None) -> None:
    from mixxx_peewee.library import _current

    if _current is not None:
        _current.close()


def open_rows(label: str, path: Path, repeat: int) -> list[Row]:
    """Open + schema inspection: open_library(readonly) against raw connect + PRAGMAs."""
    from mixxx_peewee.library import open_library

    lib = Side(op=lambda _: open_library(path, readonly=True), teardown=_close_lib)
    raw = Side(op=lambda _: bench_raw.open_and_inspect(str(path)), teardown=lambda c: None)
    raw.teardown = lambda _ctx: None
    row = compare(Row(label, "open + schema inspection"), lib, raw, repeat)
    return [judge(row, ms=OPEN_MS)]


def read_rows(label: str, path: Path, facts: dict[str, Any], repeat: int) -> list[Row]:
    """The reads, with the library open read-only and one raw read-only connection."""
    from mixxx_peewee.library import open_library

    open_library(path, readonly=True)
    conn = bench_raw.connect(str(path), readonly=True)
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
                Side(op=lambda _: bench_raw.list_tracks(conn)),
            ),
            (
                "reference: the same listing (vs raw sqlite3 tuples, no dict per track)",
                listing,
                Side(op=lambda _: bench_raw.list_tracks(conn, records=False)),
            ),
            (
                f"search, 3 terms ({' '.join(facts['search_terms'])})",
                search,
                Side(op=lambda _: bench_raw.search(conn, facts["search_terms"])),
            ),
            (
                "reference: the same search (vs raw ASCII-only LIKE, no accent folding)",
                search,
                Side(op=lambda _: bench_raw.search_ascii(conn, facts["search_terms"])),
            ),
            (
                f"playlist of {facts['playlist_entries']:,} entries in order",
                lambda: Side(
                    op=lambda _: lib_function("trackset.playlists", "get_playlist_tracks")(
                        facts["playlist_id"]
                    )
                ),
                Side(op=lambda _: bench_raw.playlist_tracks(conn, facts["playlist_id"])),
            ),
            (
                "reference: the same playlist (vs raw sqlite3 tuples, no record per entry)",
                lambda: Side(
                    op=lambda _: lib_function("trackset.playlists", "get_playlist_tracks")(
                        facts["playlist_id"]
                    )
                ),
                Side(
                    op=lambda _: bench_raw.playlist_tracks(
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
                Side(op=lambda _: bench_raw.crate_tracks(conn, facts["big_crate_id"])),
            ),
            (
                "reference: the same crate (vs raw sqlite3 tuples, no record per track)",
                lambda: Side(
                    op=lambda _: lib_function("trackset.crates", "get_crate_tracks")(
                        facts["big_crate_id"]
                    )
                ),
                Side(
                    op=lambda _: bench_raw.crate_tracks(conn, facts["big_crate_id"], records=False)
                ),
            ),
        ]
        for name, make_lib, raw in cases:
            rows.append(_guarded(Row(label, name), make_lib, raw, repeat, ratio=READ_RATIO))
    finally:
        conn.close()
        _close_lib()
    return rows


def _guarded(
    row: Row,
    make_lib: Callable[[], Side],
    raw: Side,
    repeat: int,
    *,
    lock: bool = False,
    ratio: float | None = None,
    lock_limit: float | None = None,
) -> Row:
    """compare(), turning a missing library function into SKIP and a failure into ERROR."""
    lib: Side | None
    try:
        lib = make_lib()
        _probe_lib_call(lib)
    except Missing as exc:
        lib, row.status, row.note = None, "SKIP", str(exc)
    except Exception as exc:
        lib, row.status, row.note = None, "ERROR", f"{type(exc).__name__}: {exc}"
    compare(row, lib, raw, repeat, lock=lock)
    return judge(row, ratio=ratio, lock=lock_limit if lib is not None and lock else None)


def _probe_lib_call(side: Side) -> None:
    """Resolve the library function before timing (raises Missing early)."""
    ctx = side.setup()
    try:
        side.op(ctx)
    finally:
        side.teardown(ctx)


def write_rows(
    label: str, path: Path, facts: dict[str, Any], work: Path, repeat: int, tracks: int
) -> list[Row]:
    """Bulk writes on a fresh copy each run; lib opens writable (WAL), raw matches the mode."""
    from mixxx_peewee.library import open_library
    from mixxx_peewee.library import prepare_write

    def lib_side(op: Callable[[], Any]) -> Side:
        def setup() -> Path:
            copy = _work_copy(path, work, "lib")
            # The first write's one-time set-up (the WAL switch, the change journal) stays
            # untimed, like the raw side's PRAGMA journal_mode below.
            prepare_write(open_library(copy))
            return copy

        return Side(op=lambda _: op(), setup=setup, teardown=_close_lib, path=str)

    def raw_side(op: Callable[[sqlite3.Connection], Any]) -> Side:
        def setup() -> tuple[Path, sqlite3.Connection]:
            copy = _work_copy(path, work, "raw")
            conn = bench_raw.connect(str(copy))
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
            raw_side(lambda c: bench_raw.add_to_crate(c, crate, add_ids)),
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
            raw_side(lambda c: bench_raw.insert_into_playlist(c, playlist, insert_ids, 1)),
            LOCK_MS,
        ),
        (
            f"remove a track mid-playlist ({facts['playlist_entries']:,})",
            removal,
            raw_side(lambda c: bench_raw.remove_from_playlist(c, playlist, middle)),
            LOCK_MS,
        ),
        (
            "reference: the same removal (vs raw without the 1..n check, as Mixxx does it)",
            removal,
            raw_side(lambda c: bench_raw.remove_from_playlist(c, playlist, middle, checked=False)),
            LOCK_MS,
        ),
        (
            f"relocate {tracks:,} paths",
            lambda: lib_side(
                # The library also stats every target (before its transaction): the typo
                # check of issue 12; the generated files do not exist, so allow that.
                lambda: lib_function("tracks.relocate", "relocate_tracks")(
                    bench_data.MUSIC_ROOT, RELOCATED_ROOT, allow_missing=True
                )
            ),
            raw_side(lambda c: bench_raw.relocate(c, bench_data.MUSIC_ROOT, RELOCATED_ROOT)),
            RELOCATE_LOCK_MS if tracks > 10_000 else LOCK_MS,
        ),
    ]
    rows = []
    for name, make_lib, raw, limit in cases:
        row = _guarded(
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
            bench_data.MUSIC_ROOT, RELOCATED_ROOT, allow_missing=True
        )

    def opened() -> Path:
        copy = _work_copy(path, work, "lib")
        open_library(copy)
        return copy

    def relocated() -> Path:
        copy = opened()
        relocate()
        return copy

    baseline = Side(op=lambda _: relocate(), setup=opened, teardown=_close_lib, path=str)
    row = _guarded(
        Row(label, f"undo a relocate of {tracks:,} paths (vs the relocate itself)"),
        lambda: Side(
            op=lambda _: lib_function("journal.history", "undo_change")(),
            setup=relocated,
            teardown=_close_lib,
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
        copy = _work_copy(path, work, "lib")
        open_library(copy, readonly=True)
        return copy

    def lib_teardown(_ctx: Any) -> None:
        _close_lib()
        clean()

    def raw_setup() -> tuple[Path, sqlite3.Connection]:
        clean()
        copy = _work_copy(path, work, "raw")
        return copy, bench_raw.connect(str(copy), readonly=True)

    def raw_teardown(ctx: tuple[Path, sqlite3.Connection]) -> None:
        ctx[1].close()
        clean()

    raw = Side(
        op=lambda ctx: bench_raw.backup(ctx[1], str(dest)),
        setup=raw_setup,
        teardown=raw_teardown,
        path=lambda ctx: str(ctx[0]),
    )
    row = _guarded(
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


def process_rows(label: str, path: Path, repeat: int, tracks: int) -> list[Row]:
    """Whole processes: the JSONL listing and ``info`` against raw scripts doing the same."""
    cli = _cli()
    listing = compare_processes(
        Row(label, "process: tracks list --format jsonl"),
        [cli, "--db", str(path), "tracks", "list", "--format", "jsonl"],
        [PY, str(SCRIPTS / "raw_sqlite.py"), "jsonl", str(path)],
        repeat,
        count_lines=tracks <= 10_000,  # one more run each: the same lines? (small sizes)
    )
    judge(listing, ratio=READ_RATIO)
    raw_info = (
        f"import sys, typer, peewee; sys.path.insert(0, {str(SCRIPTS)!r}); import raw_sqlite;"
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
    cli = _cli()
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
                copy = _work_copy(path, work, "import")
                argv = [cli, "--db", str(copy), "playlists", "import", str(m3u), "--name", "Big"]
            else:
                argv = listing
            ms, rss, code, err = _process(argv)
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


def _streamed(argv: list[str], header_lines: int) -> tuple[float, float, float, int, str]:
    """Run a listing process: ms to its first data row, ms to its end, max RSS (KB, from
    GNU time when present), exit status, last stderr line."""
    rss_file = None
    if os.path.exists(TIME):
        rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-rss-{os.getpid()}"
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = None
    for count, _ in enumerate(iter(proc.stdout.readline, b""), start=1):
        if count == header_lines + 1:
            first = (time.perf_counter() - start) * 1000
            break
    proc.stdout.read()  # the rest, as a reader would
    err = proc.stderr.read()
    code = proc.wait()
    total = (time.perf_counter() - start) * 1000
    rss = 0.0
    if rss_file is not None:
        text = rss_file.read_text().strip().splitlines()
        rss = float(text[-1]) if text and text[-1].isdigit() else 0.0
        rss_file.unlink(missing_ok=True)
    lines = err.decode(errors="replace").strip().splitlines()
    return (first if first is not None else total), total, rss, code, lines[-1] if lines else ""


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
            first, total, rss, code, err = _streamed(command, 2 if which == "table" else 0)
            if code != 0:
                row.status, row.note = "ERROR", f"{which} exit {code}: {err}"
                return row
            if which == "table":
                firsts.append(first)
                after_start.append(first - _process([PY, "-c", "import typer, peewee"])[0])
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
    copy = _work_copy(path, work, f"playlist{entries}")
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
    cli = _cli()
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
    cli = _cli()
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


def _cli() -> str:
    local = Path(PY).parent / "mixxx-peewee"
    return str(local) if local.exists() else (shutil.which("mixxx-peewee") or "mixxx-peewee")


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


# --- output --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers ran on."""
    import peewee

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "peewee": getattr(peewee, "__version__", "?"),
        "typer": _version("typer"),
        "mixxx_peewee": _version("mixxx-peewee"),
        "commit": commit,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row], info: dict[str, Any]) -> None:
    """One table: every row with its ratio, memory, lock and verdict."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="mixxx_peewee vs raw sqlite3 (median ms; peak KB)", show_lines=False)
    for col, justify in [
        ("library", "left"), ("measurement", "left"), ("lib ms", "right"), ("raw ms", "right"),
        ("ratio", "right"), ("lib KB", "right"), ("raw KB", "right"), ("lock ms", "right"),
        ("target", "left"), ("", "left"),
    ]:  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    colors = {"PASS": "green", "FAIL": "red", "ERROR": "red", "SKIP": "yellow"}
    for r in rows:
        status = f"[{colors.get(r.status, 'white')}]{r.status}[/]"
        lock = _fmt(r.lock_ms, ".1f")
        if r.raw_lock_ms is not None:
            lock += f" (raw {r.raw_lock_ms:.1f})"
        table.add_row(
            r.library, r.name, _fmt(r.lib_ms, ".1f"), _fmt(r.raw_ms, ".1f"),
            _fmt(r.ratio, ".2f"), _fmt(r.lib_peak_kb, ",.0f"), _fmt(r.raw_peak_kb, ",.0f"),
            lock, r.target, status,
        )  # fmt: skip
    console = Console(width=max(160, shutil.get_terminal_size().columns))
    console.print(table)
    for r in rows:
        if r.note:
            console.print(f"[dim]{r.library} · {r.name}: {r.note}[/]")
    m = info["machine"]
    console.print(
        f"{m['cpu']} · {m['cores']} cores · Python {m['python']} · SQLite {m['sqlite']} · "
        f"peewee {m['peewee']} · {m['date']} · commit {m['commit']} · load average "
        f"{info['load_average']['before'][0]:.1f} → {info['load_average']['after'][0]:.1f}"
    )


def markdown(result: dict[str, Any]) -> str:
    """The table of a JSON result as Markdown (for the README)."""
    lines = [
        "| library | measurement | lib ms | raw ms | ratio | lib peak KB | raw peak KB "
        "| lock ms (raw) | target | |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for r in result["rows"]:
        lock = _fmt(r["lock_ms"], ".0f")
        if r["raw_lock_ms"] is not None:
            lock += f" ({r['raw_lock_ms']:.0f})"
        lines.append(
            f"| {r['library']} | {r['name']} | {_fmt(r['lib_ms'], ',.1f')} "
            f"| {_fmt(r['raw_ms'], ',.1f')} | {_fmt(r['ratio'], '.2f')} "
            f"| {_fmt(r['lib_peak_kb'], ',.0f')} | {_fmt(r['raw_peak_kb'], ',.0f')} "
            f"| {lock} | {r['target']} | {r['status']} |"
        )
    m = result["machine"]
    lines.append("")
    lines.append(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; "
        f"Python {m['python']}, SQLite {m['sqlite']}, peewee {m['peewee']}, typer {m['typer']}; "
        f"{m['date']}, commit {m['commit']}; {result['elapsed_s']} s in all."
    )
    load = result.get("load_average")
    if load:
        lines.append(
            f"Load average (1 min) before/after: {load['before'][0]:.1f} / {load['after'][0]:.1f}."
        )
    return "\n".join(lines)


# --- library tools (issue 12 section 5): stats and duplicates -------------------------

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


def feature_rows(label: str, path: Path, repeat: int) -> list[Row]:
    """``stats`` and ``tracks duplicates`` (issue 12): the library call against a raw
    sqlite3 script doing the same SQL and Python work, in-process, library read-only."""
    from mixxx_peewee.library import open_library

    open_library(path, readonly=True)
    conn = bench_raw.connect(str(path), readonly=True)
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
            rows.append(_guarded(Row(label, name), make_lib, raw, repeat, ratio=READ_RATIO))
    finally:
        conn.close()
        _close_lib()
    return rows


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
            where = f"{bench_data.MUSIC_ROOT}/New/{n:02d} - New track.mp3"
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


DIFF_MS = 2000.0
SNAPSHOT_MS = 3000.0


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
        save = lib_function("diff.compare", "save_snapshot")
    except Missing as exc:
        return [Row(label, "diff two libraries, 1% changed", status="SKIP", note=str(exc))]
    save(snap, source=path)
    raw_diff = Side(op=lambda _: bench_raw.diff(str(path), str(newer)))
    cases = [
        ("diff two libraries, 1% changed (vs raw two-file comparison)",
         Side(op=lambda _: diff(path, newer)), raw_diff, DIFF_MS),
        ("diff a snapshot with the library, 1% changed (vs raw two-file comparison)",
         Side(op=lambda _: diff(snap, newer)), raw_diff, DIFF_MS),
        ("snapshot of the library (vs raw INSERT ... SELECT of the same columns)",
         Side(op=lambda _: save(snap, source=path)),
         Side(op=lambda _: bench_raw.snapshot(str(path), str(raw_snap))), SNAPSHOT_MS),
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


@app.command()
def main(
    sizes: str = typer.Option("10000,100000", help="Library sizes (tracks), comma-separated."),
    revisions: str = typer.Option("32,39", help="Schema revisions, comma-separated."),
    repeat: int = typer.Option(5, min=1, help="Runs per side (median of these)."),
    quick: bool = typer.Option(False, help="Tiny library, 1 repeat: checks the harness."),
    seed: int = typer.Option(1, help="Seed of the generated libraries."),
    cache_dir: Path = typer.Option(
        Path("/tmp/mixxx-peewee-bench"), help="Where generated libraries are cached."
    ),
    out: Path = typer.Option(ROOT / "bench-results" / "latest.json", help="JSON output."),
    markdown_of: Path | None = typer.Option(
        None, "--markdown-of", help="Only print this JSON result as a Markdown table."
    ),
    only: str = typer.Option(
        "",
        help="Only these groups of rows, comma-separated: startup, open, read, write, "
        "process, table, analysis, features, diff, undo (default: all).",
    ),
) -> None:
    """Measure mixxx_peewee against raw sqlite3; print one table and write JSON."""
    if markdown_of is not None:
        typer.echo(markdown(json.loads(markdown_of.read_text())))
        return
    if quick:
        size_list, rev_list, repeat = [300], [39], 1
        global LOCK_RUNS
        LOCK_RUNS = 1
    else:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
        rev_list = [int(r) for r in revisions.split(",") if r.strip()]
    started = time.perf_counter()
    load_before = os.getloadavg()
    work = cache_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    libraries = []
    # Whole processes import the package from bytecode, as after `pip install` (which
    # compiles it); with PYTHONDONTWRITEBYTECODE set, nothing else would write it.
    compileall.compile_dir(str(ROOT / "mixxx_peewee"), quiet=1)
    groups = {g.strip() for g in only.split(",") if g.strip()} or {
        "startup", "open", "read", "write", "process", "table", "analysis", "features", "diff",
        "undo",
    }  # fmt: skip
    if "startup" in groups:
        rows.extend(startup_rows(3 if quick else max(repeat, 20), references=not quick))
    for revision in rev_list:
        for tracks in size_list:
            if quick:
                shape = Shape(revision, tracks, seed, crates=12, playlists=12,
                              playlist_max=tracks, history_playlists=3)  # fmt: skip
            else:
                shape = Shape(revision, tracks, seed)
            path, facts = library_for(shape, cache_dir)
            libraries.append({"path": str(path), **facts})
            label = f"rev {revision} · {tracks:,} tracks"
            typer.echo(f"{label}: {path.name} ({facts['file_mb']} MB)", err=True)
            if "open" in groups:
                rows.extend(open_rows(label, path, repeat))
            if "read" in groups:
                rows.extend(read_rows(label, path, facts, repeat))
            if "write" in groups:
                rows.extend(write_rows(label, path, facts, work, repeat, tracks))
            if "undo" in groups:
                rows.append(undo_row(label, path, work, repeat, tracks))
            if "process" in groups:
                rows.extend(process_rows(label, path, repeat, tracks))
                rows.append(import_row(label, path, work, repeat))
            if "table" in groups and (tracks >= 100_000 or quick):
                rows.extend(table_rows(label, path, work, repeat, tracks))
            if "analysis" in groups:
                rows.extend(
                    bench_analysis.rows_for(sys.modules[__name__], label, path, work, repeat)
                )
            if "features" in groups and (tracks >= 100_000 or quick):
                rows.extend(feature_rows(label, path, repeat))
            if "diff" in groups and (tracks >= 100_000 or quick):
                rows.extend(diff_rows(label, path, work, repeat))
    for revision in rev_list:
        rows.extend(
            memory_rows([r for r in rows if r.library.startswith(f"rev {revision} ")], size_list)
        )
    shutil.rmtree(work, ignore_errors=True)
    info = {
        "machine": machine(),
        "options": {
            "sizes": size_list,
            "revisions": rev_list,
            "repeat": repeat,
            "quick": quick,
            "seed": seed,
            "only": sorted(groups),
        },
        "targets": dict(
            read_ratio=READ_RATIO,
            write_ratio=WRITE_RATIO,
            help_ratio=HELP_RATIO,
            info_ratio=INFO_RATIO,
            open_ms=OPEN_MS,
            lock_ms=LOCK_MS,
            relocate_lock_ms=RELOCATE_LOCK_MS,
            undo_lock_ratio=UNDO_LOCK_RATIO,
            memory_growth=MEMORY_GROWTH,
            diff_ms=DIFF_MS,
            import_ratio=IMPORT_RATIO,
            snapshot_ms=SNAPSHOT_MS,
        ),
        "method": {
            "timing": "median of interleaved runs (lib, raw, raw, lib, ...); ratio = lib/raw",
            "memory": "tracemalloc peak in-process (Python allocations); ru_maxrss of processes",
            "lock": "outside prober: BEGIN IMMEDIATE + no-op UPDATE + COMMIT, busy_timeout 0, "
            f"every 0.5 ms; longest refused span, median of {LOCK_RUNS} runs per side",
            "writes": "fresh copy per run, library opened writable (WAL), raw in WAL too, "
            "MIXXX_PEEWEE_AUTO_BACKUP=0",
        },
        # Other processes on the machine make every number noisier: say how busy it was.
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "libraries": libraries,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({**info, "rows": [asdict(r) for r in rows]}, indent=1, ensure_ascii=False) + "\n"
    )
    print_table(rows, info)
    typer.echo(f"wrote {out} in {info['elapsed_s']} s", err=True)


if __name__ == "__main__":
    from mixxx_peewee.cli import plain_help

    command = typer.main.get_command(app)
    plain_help(command)  # ROOT, TEXT: placeholders as mixxx-peewee's help shows them
    command(prog_name=Path(sys.argv[0]).name)
