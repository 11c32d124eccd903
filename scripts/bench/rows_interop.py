"""Benchmark rows of issue 21: export to rekordbox XML and Traktor NML against listing the
same library as jsonl, and an import of every track against the export (whole processes,
our CLI on both sides, interleaved runs, medians)."""

from __future__ import annotations

import statistics
from pathlib import Path

from harness import Row
from harness import cli_path
from harness import compare_processes
from harness import run_process
from harness import work_copy
from report import EXCHANGE_IMPORT_RATIO
from report import EXPORT_PEAK_MB
from report import EXPORT_RATIO
from report import judge

_SUFFIX = {"rekordbox": "xml", "traktor": "nml"}


def _export_argv(cli: str, path: Path, fmt: str, dest: Path) -> list[str]:
    return [cli, "--db", str(path), "export", fmt, str(dest), "--force"]


def export_rows(label: str, path: Path, work: Path, repeat: int) -> list[Row]:
    """``export rekordbox|traktor`` of every track against ``tracks list --format jsonl``:
    time within EXPORT_RATIO, peak memory under EXPORT_PEAK_MB (flat: the file is streamed)."""
    cli = cli_path()
    listing = [cli, "--db", str(path), "tracks", "list", "--format", "jsonl"]
    rows = []
    for fmt in ("rekordbox", "traktor"):
        dest = work / f"bench-export.{_SUFFIX[fmt]}"
        row = compare_processes(
            Row(label, f"process: export {fmt} (vs tracks list jsonl)"),
            _export_argv(cli, path, fmt, dest),
            listing,
            repeat,
        )
        judge(row, ratio=EXPORT_RATIO)
        peak_mb = (row.lib_peak_kb or 0.0) / 1024
        if row.status == "PASS" and peak_mb >= EXPORT_PEAK_MB:
            row.status = "FAIL"
        row.target += f", peak<{EXPORT_PEAK_MB:g} MB"
        row.note = f"peak {peak_mb:.0f} MB; {dest.stat().st_size / 1e6:.0f} MB file"
        rows.append(row)
    return rows


def import_rows(label: str, path: Path, work: Path, repeat: int) -> list[Row]:
    """``import rekordbox|traktor --yes`` of the library's own export (every track matches)
    on a fresh copy (not timed) against the export itself: within EXCHANGE_IMPORT_RATIO."""
    cli = cli_path()
    rows = []
    for fmt in ("rekordbox", "traktor"):
        exported = work / f"bench-import-source.{_SUFFIX[fmt]}"
        ms, _rss, code, err = run_process(_export_argv(cli, path, fmt, exported))
        row = Row(label, f"process: import {fmt} of every track (vs its export)")
        if code != 0:
            row.status, row.note = "ERROR", f"export exit {code}: {err}"
            rows.append(row)
            continue
        lib_times: list[float] = []
        raw_times: list[float] = []
        for i in range(repeat):
            for which in ("lib", "raw") if i % 2 == 0 else ("raw", "lib"):
                if which == "lib":
                    copy = work_copy(path, work, f"import-{fmt}")
                    argv = [cli, "--db", str(copy), "import", fmt, str(exported), "--yes",
                            "--cues", "replace"]  # fmt: skip
                else:
                    argv = _export_argv(cli, path, fmt, work / f"bench-again.{_SUFFIX[fmt]}")
                ms, rss, code, err = run_process(argv)
                if code != 0:
                    row.status, row.note = "ERROR", f"{which} exit {code}: {err}"
                    break
                (lib_times if which == "lib" else raw_times).append(ms)
                if which == "lib":
                    row.lib_peak_kb = max(row.lib_peak_kb or 0.0, rss)
                else:
                    row.raw_peak_kb = max(row.raw_peak_kb or 0.0, rss)
        if row.status == "ERROR":
            rows.append(row)
            continue
        row.lib_ms, row.raw_ms = statistics.median(lib_times), statistics.median(raw_times)
        row.lib_samples_ms = [round(t, 3) for t in lib_times]
        row.raw_samples_ms = [round(t, 3) for t in raw_times]
        row.ratio = row.lib_ms / row.raw_ms
        rows.append(judge(row, ratio=EXCHANGE_IMPORT_RATIO))
    return rows


def interop_rows(label: str, path: Path, work: Path, repeat: int) -> list[Row]:
    """Every row of this file."""
    return [*export_rows(label, path, work, repeat), *import_rows(label, path, work, repeat)]
