"""The benchmark's report: the targets each row is checked against, the printed table, the
JSON result and its Markdown form (for the README).

Targets are reported, never asserted: :func:`judge` sets a row's target text and its
PASS/FAIL; :func:`guarded` runs a row (``harness.compare``) and judges it, a missing library
function making it SKIP and a failure ERROR.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import harness
from harness import ROOT
from harness import Missing
from harness import Row
from harness import Side
from harness import compare

READ_RATIO = 1.5
WRITE_RATIO = 2.0
HELP_RATIO = 1.2
INFO_RATIO = 1.3
OPEN_MS = 20.0
LOCK_MS = 250.0
RELOCATE_LOCK_MS = 1000.0
UNDO_LOCK_RATIO = 1.5  # undo of a relocate: its write lock against the relocate's own
FIRST_ROW_MS = 300.0  # a listing's first row, in every format
MEMORY_GROWTH = 2.0
IMPORT_RATIO = 2.0  # playlists import of an M3U8 of every track vs tracks list -f jsonl
EXPORT_RATIO = 2.0  # export rekordbox/traktor of every track vs tracks list -f jsonl
EXPORT_PEAK_MB = 100.0  # the export's peak memory (the file is streamed)
EXCHANGE_IMPORT_RATIO = 3.0  # import rekordbox/traktor of every track vs its export
DIFF_MS = 2000.0
SNAPSHOT_MS = 3000.0


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


def guarded(
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


def summary(
    *,
    options: dict[str, Any],
    load_before: tuple[float, float, float],
    libraries: list[dict[str, Any]],
    elapsed_s: float,
) -> dict[str, Any]:
    """Everything the JSON result holds besides its rows: machine, options, targets, method."""
    return {
        "machine": machine(),
        "options": options,
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
            f"every 0.5 ms; longest refused span, median of {harness.LOCK_RUNS} runs per side",
            "writes": "fresh copy per run, library opened writable (WAL), raw in WAL too, "
            "MIXXX_PEEWEE_AUTO_BACKUP=0",
        },
        # Other processes on the machine make every number noisier: say how busy it was.
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "libraries": libraries,
        "elapsed_s": elapsed_s,
    }


def write_result(out: Path, rows: list[Row], info: dict[str, Any]) -> None:
    """Write the JSON result: ``info`` (see :func:`summary`) and every row."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({**info, "rows": [asdict(r) for r in rows]}, indent=1, ensure_ascii=False) + "\n"
    )
