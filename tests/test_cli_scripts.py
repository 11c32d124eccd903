"""The example scripts: ``--help`` works, and each does its job on the sample library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import ODD_PLACEHOLDER
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``scripts/<name>`` (a path under scripts/) with ``args``."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        env={"MIXXX_PEEWEE_AUTO_BACKUP": "0", "PATH": "/usr/bin:/bin"},
        check=False,
    )


@pytest.mark.parametrize(
    "name",
    [
        "examples/crate_per_folder.py",
        "examples/history_tracklist.py",
        "examples/annex_metadata_sync.py",
    ],
)
def test_help_works(name: str) -> None:
    result = _script(name, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout


def test_annex_sync_help_reads_plainly() -> None:
    text = _script("examples/annex_metadata_sync.py", "--help").stdout
    assert ODD_PLACEHOLDER.findall(text) == []
    assert "Usage: annex_metadata_sync.py [OPTIONS] REPO [PATHS]..." in text
    assert "--db TEXT" in text and "--batch-size INTEGER" in text
    assert "--key-notation [lancelot|openkey|traditional]" in text


@pytest.mark.parametrize(
    "script", ["examples/crate_per_folder.py", "examples/history_tracklist.py", "bench/bench.py"]
)
def test_every_scripts_help_reads_plainly(script: str) -> None:
    text = _script(script, "--help").stdout
    assert text.startswith(f"Usage: {Path(script).name} [OPTIONS]")
    assert ODD_PLACEHOLDER.findall(text) == []


def test_crate_per_folder_dry_run_then_sync(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    root = parsed(run(db, "tracks", "show", "1", "--format", "json"))["location"].rsplit("/", 3)[0]
    before = sha256(db)
    plan = _script("examples/crate_per_folder.py", root, "--db", str(db), "--dry-run")
    assert plan.returncode == 0 and "new crate" in plan.stdout
    assert sha256(db) == before
    done = _script("examples/crate_per_folder.py", root, "--db", str(db))
    assert done.returncode == 0, done.stderr
    crates = parsed(run(db, "crates", "list", "--format", "json"))
    folder_crates = [c for c in crates if c["name"].startswith("Folder: ")]
    assert len(folder_crates) == plan.stdout.count("new crate")
    again = _script("examples/crate_per_folder.py", root, "--db", str(db))
    assert all(line.endswith("+0 -0") for line in again.stdout.splitlines())


def test_history_tracklist_prints_numbered_lines(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    history = [
        p
        for p in parsed(run(db, "playlists", "list", "--all", "--format", "json"))
        if p["kind"] == "history"
    ]
    latest = max(history, key=lambda p: p["id"])
    result = _script("examples/history_tracklist.py", "--db", str(db), "--times")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == latest["name"]
    assert lines[2].startswith("01. [0:00:00] ")
    assert len(lines) - 2 == latest["entry_count"]
    missing = _script("examples/history_tracklist.py", "--db", str(db), "No such session")
    assert missing.returncode == 1 and missing.stderr.startswith("error:")
