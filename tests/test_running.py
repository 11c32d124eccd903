"""Finding a running Mixxx, and the guard every write passes: with real stand-in processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixxx_peewee.core import running
from mixxx_peewee.core.running import EXCLUSIVE
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import check_mixxx_guard
from mixxx_peewee.core.running import find_mixxx_processes
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.testing import make_sample_library

linux_only = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")

# Opens the given files the way Mixxx keeps its database open, then waits to be killed.
_HOLDER = """
import sqlite3, sys, time
conns = []
for path in sys.argv[1:]:
    if path.endswith("-wal"):
        conns.append(open(path, "rb"))
    else:
        conn = sqlite3.connect(path, timeout=5)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # really opens the file
        conns.append(conn)
print("ready", flush=True)
time.sleep(120)
"""


def start_mixxx_standin(*files: Path, argv0: str = "mixxx") -> subprocess.Popen[str]:
    """A Python process whose argv[0] is ``mixxx``, holding ``files`` open (like a wrapper)."""
    proc = subprocess.Popen(
        [argv0, "-c", _HOLDER, *map(str, files)],
        executable=sys.executable,
        # argv[0] no longer says where Python lives: name its home (stdlib only).
        env={**os.environ, "PYTHONHOME": sys.base_prefix},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    """Kill a stand-in we started and reap it."""
    proc.kill()
    proc.wait(timeout=10)


@pytest.fixture
def library_file(tmp_path: Path) -> Path:
    """An empty Mixxx library file at revision 39."""
    return make_sample_library(tmp_path / "mixxxdb.sqlite")


@pytest.fixture
def renamed_sleep(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A copy of ``sleep`` named ``mixxx``: its process name (comm) is ``mixxx``."""
    binary = shutil.which("sleep")
    if binary is None:
        pytest.skip("no sleep binary")
    fake = tmp_path / "bin" / "mixxx"
    fake.parent.mkdir()
    shutil.copy2(binary, fake)
    proc = subprocess.Popen([str(fake), "60"])
    time.sleep(0.05)  # let exec finish so comm is the new name
    yield proc
    proc.kill()
    proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("name", "is_mixxx"),
    [
        ("mixxx", True),
        ("mixxx\n", True),
        ("/usr/bin/mixxx", True),
        ("/Applications/Mixxx.app/Contents/MacOS/Mixxx", True),
        ("Mixxx.exe", True),
        ("C:\\Program Files\\Mixxx\\mixxx.exe", True),
        ("mixxx-peewee", False),
        ("mixxxdb", False),
        ("python3", False),
        ("", False),
    ],
)
def test_a_process_is_mixxx_by_its_base_name_only(name: str, is_mixxx: bool) -> None:
    assert running._is_mixxx_name(name) is is_mixxx


@linux_only
def test_a_process_named_mixxx_is_found_by_its_name(
    renamed_sleep: subprocess.Popen[bytes],
) -> None:
    found = running._linux_processes(None)
    assert MixxxProcess(renamed_sleep.pid, None) in found


@linux_only
def test_a_mixxx_that_does_not_hold_the_library_is_ignored(
    renamed_sleep: subprocess.Popen[bytes], library_file: Path
) -> None:
    assert MixxxProcess(renamed_sleep.pid, False) in running._linux_processes(library_file)
    assert renamed_sleep.pid not in [p.pid for p in find_mixxx_processes(library_file)]
    assert check_mixxx_guard(TRACK_DATA, library_file) == []


@linux_only
def test_a_mixxx_started_through_a_wrapper_is_found_by_argv0_and_holds_the_file(
    library_file: Path,
) -> None:
    proc = start_mixxx_standin(library_file)
    try:
        found = find_mixxx_processes(library_file)
        assert MixxxProcess(proc.pid, True) in found
    finally:
        stop(proc)
    assert proc.pid not in [p.pid for p in find_mixxx_processes(library_file)]


@linux_only
def test_holding_only_the_wal_file_counts_as_holding_the_library(library_file: Path) -> None:
    wal = Path(f"{library_file}-wal")
    wal.write_bytes(b"")
    proc = start_mixxx_standin(wal)
    try:
        assert MixxxProcess(proc.pid, True) in find_mixxx_processes(library_file)
    finally:
        stop(proc)


@linux_only
def test_the_file_is_recognised_through_a_symlinked_folder(
    library_file: Path, tmp_path: Path
) -> None:
    # A chroot or a Flatpak sees the same file under another path: the inode decides.
    other_view = tmp_path / "seen-elsewhere"
    other_view.symlink_to(library_file.parent, target_is_directory=True)
    proc = start_mixxx_standin(other_view / library_file.name)
    try:
        assert MixxxProcess(proc.pid, True) in find_mixxx_processes(library_file)
    finally:
        stop(proc)


@linux_only
def test_guard_kinds_with_a_real_standin_holding_the_library(library_file: Path) -> None:
    proc = start_mixxx_standin(library_file)
    try:
        notes = check_mixxx_guard(STRUCTURE, library_file)
        assert len(notes) == 1 and str(proc.pid) in notes[0] and "restart" in notes[0]
        with pytest.raises(MixxxRunningError, match="--force"):
            check_mixxx_guard(TRACK_DATA, library_file)
        forced = check_mixxx_guard(TRACK_DATA, library_file, force=True)
        assert "forced" in forced[0]
        with pytest.raises(MixxxRunningError, match="quit Mixxx first"):
            check_mixxx_guard(EXCLUSIVE, library_file, force=True)
    finally:
        stop(proc)


def test_a_mixxx_whose_open_files_we_cannot_see_counts_as_running(library_file: Path) -> None:
    previous = set_mixxx_detector(lambda path: [MixxxProcess(4242, None)])
    try:
        with pytest.raises(MixxxRunningError, match="4242"):
            check_mixxx_guard(EXCLUSIVE, library_file)
    finally:
        set_mixxx_detector(previous)


def test_no_mixxx_means_no_notes(library_file: Path) -> None:
    previous = set_mixxx_detector(lambda path: [])
    try:
        for kind in (STRUCTURE, TRACK_DATA, EXCLUSIVE):
            assert check_mixxx_guard(kind, library_file) == []
    finally:
        set_mixxx_detector(previous)


@pytest.mark.parametrize(
    ("platform", "output", "pids"),
    [
        (
            "darwin",
            "  101 /Applications/Mixxx.app/Contents/MacOS/mixxx\n"
            "  102 /usr/bin/mixxx-peewee\n  103 /bin/zsh\n",
            [101],
        ),
        (
            "win32",
            '"mixxx.exe","5512","Console","1","350,000 K"\n'
            '"python.exe","77","Console","1","9,000 K"\n',
            [5512],
        ),
    ],
)
def test_ps_and_tasklist_output_is_read_by_name(
    monkeypatch: pytest.MonkeyPatch, platform: str, output: str, pids: list[int]
) -> None:
    monkeypatch.setattr(running.sys, "platform", platform)
    monkeypatch.setattr(
        running.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=output, stderr=""),
    )
    assert [p.pid for p in running._ps_processes()] == pids


def test_no_ps_program_means_nothing_found(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("ps")

    monkeypatch.setattr(running.subprocess, "run", missing)
    assert running._ps_processes() == []


def test_the_write_guard_reuses_a_scan_for_a_second_but_find_always_looks_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scans = []

    def counting(db_path: Path | None) -> list[MixxxProcess]:
        scans.append(db_path)
        return []

    monkeypatch.setattr(running, "_default_detector", counting)
    monkeypatch.setattr(running, "_detector", counting)
    running._cache.clear()
    library = tmp_path / "mixxxdb.sqlite"
    running.check_mixxx_guard(running.STRUCTURE, library)
    running.check_mixxx_guard(running.TRACK_DATA, library)
    assert len(scans) == 1
    running.check_mixxx_guard(running.EXCLUSIVE, library)  # restore never trusts the cache
    find_mixxx_processes(library)
    assert len(scans) == 3
    monkeypatch.setattr(running, "_CACHE_SECONDS", 0.0)
    running.check_mixxx_guard(running.STRUCTURE, library)
    assert len(scans) == 4
    running._cache.clear()
