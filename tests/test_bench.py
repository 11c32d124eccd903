"""The benchmark runs end to end on a tiny library (no timing is asserted: numbers live in
the benchmark's own output, never in tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench.py"

EVERY_MEASUREMENT = (
    "open + schema inspection",
    "list every track with its path",
    "search, 3 terms",
    "playlist of",
    "crate of",
    "add ",
    "remove a track mid-playlist",
    "relocate",
    "backup",
    "process: tracks list --format jsonl",
    "process: info",
    "process: --help",
)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "latest.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out), "--cache-dir", str(tmp / "c")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads(out.read_text())


def test_quick_benchmark_prints_one_table_and_the_machine(quick_run):
    proc, _ = quick_run
    assert "mixxx_peewee vs raw sqlite3" in proc.stdout
    assert "SQLite" in proc.stdout and "peewee" in proc.stdout


def test_quick_benchmark_measures_every_operation_against_raw_sqlite3(quick_run):
    _, result = quick_run
    names = [row["name"] for row in result["rows"]]
    for wanted in EVERY_MEASUREMENT:
        assert any(name.startswith(wanted) for name in names), (wanted, names)
    for row in result["rows"]:
        assert row["status"] in ("PASS", "FAIL", "INFO"), row
        assert row["raw_ms"] is not None and row["lib_ms"] is not None, row


def test_library_and_raw_sides_return_the_same_rows(quick_run):
    _, result = quick_run
    compared = [r for r in result["rows"] if r["lib_rows"] is not None and r["raw_rows"]]
    assert len(compared) >= 6
    for row in compared:
        assert row["lib_rows"] == row["raw_rows"], row


def test_write_rows_report_the_longest_lock_measured_from_outside(quick_run):
    _, result = quick_run
    writes = [r for r in result["rows"] if "lock" in r["target"]]
    assert len(writes) == 3
    for row in writes:
        assert row["lock_ms"] is not None and row["lock_ms"] >= 0
        assert row["raw_lock_ms"] is not None


def test_json_names_the_machine_and_the_generated_library(quick_run):
    _, result = quick_run
    machine = result["machine"]
    for key in ("cpu", "cores", "python", "sqlite", "peewee", "date"):
        assert machine[key], key
    (library,) = result["libraries"]
    counts = library["counts"]
    assert counts["library"] == 300
    assert library["playlist_entries"] == 300
    assert counts["crates"] >= 12
