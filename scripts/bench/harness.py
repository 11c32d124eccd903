"""The benchmark's harness: the row type, how one side runs, timing, and the lock prober.

A :class:`Row` is one line of the table, a :class:`Side` one way of doing its work (setup,
timed op, teardown). :func:`compare` runs the library side and the raw side interleaved
(lib, raw, raw, lib, ...) and probes the write lock from outside (:func:`probe_lock` runs
``lock_prober.py`` as a separate process); :func:`compare_processes` and :func:`streamed`
time whole processes. Imports nothing of the benchmark's own: the other modules build on it.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

os.environ["MIXXX_PEEWEE_AUTO_BACKUP"] = "0"  # write rows measure the write alone

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parents[1]
PY = sys.executable
TIME = "/usr/bin/time"
LOCK_RUNS = 3  # probed runs per side of each write (median); 1 with --quick


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
    """``mixxx_peewee.<module>.<name>`` (module dotted: ``"trackset.playlists"``), or Missing."""
    try:
        return getattr(importlib.import_module(f"mixxx_peewee.{module}"), name)
    except (ImportError, AttributeError):
        raise Missing(f"mixxx_peewee.{module}.{name} is missing") from None


# --- running in this process ----------------------------------------------------------------


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
            [PY, str(BENCH_DIR / "lock_prober.py"), side.path(ctx)],
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


# --- whole processes ----------------------------------------------------------------------


def run_process(argv: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, float, int, str]:
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
            ms, rss, code, err = run_process(argv)
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


def streamed(argv: list[str], header_lines: int) -> tuple[float, float, float, int, str]:
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


def cli_path() -> str:
    local = Path(PY).parent / "mixxx-peewee"
    return str(local) if local.exists() else (shutil.which("mixxx-peewee") or "mixxx-peewee")


# --- work copies and the open library ----------------------------------------------------


def work_copy(master: Path, work: Path, name: str) -> Path:
    dest = work / f"{name}.sqlite"
    dest.parent.mkdir(parents=True, exist_ok=True)  # another run may have removed it
    journal = dest.with_name(f"{name}.changes.sqlite")  # the change journal of a copy before
    for path in (dest, journal):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(master, dest)
    return dest


def close_lib(_ctx: Any = None) -> None:
    from mixxx_peewee.library import _current

    if _current is not None:
        _current.close()
