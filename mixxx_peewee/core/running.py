"""Is Mixxx running? And the guard every write passes before it touches the file.

While Mixxx runs, playlist and crate writes are safe (Mixxx re-reads members when a
playlist or crate is opened; it shows new names after its next sidebar rebuild or
restart). Track metadata and cue writes are not: Mixxx writes its cached copy of a track
back over them, so they are refused unless forced. Restore is refused outright.

Detection: on Linux every process in ``/proc`` whose name, executable or ``argv[0]`` is
``mixxx`` (so also a Mixxx started by a wrapper script or inside a chroot), and whether it
holds the database or its ``-wal`` open (compared by device and inode, so a chroot's or a
Flatpak's own path names do not matter). A Mixxx known to hold another file is ignored; one
whose open files we may not see (another user's) counts. macOS and Windows: ``ps`` /
``tasklist`` by name only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mixxx_peewee.errors import MixxxRunningError

__all__ = [
    "EXCLUSIVE",
    "STRUCTURE",
    "TRACK_DATA",
    "MixxxProcess",
    "check_mixxx_guard",
    "find_mixxx_processes",
    "set_mixxx_detector",
]

STRUCTURE = "structure"  # playlists, crates: safe beside a running Mixxx
TRACK_DATA = "track-data"  # library columns, cues: Mixxx's cache overwrites them
EXCLUSIVE = "exclusive"  # restore: never while Mixxx runs


@dataclass(frozen=True)
class MixxxProcess:
    """A running Mixxx: its pid and whether it holds the given database open (None: unknown)."""

    pid: int
    holds_file: bool | None = None


def _is_mixxx_name(name: str) -> bool:
    """``mixxx``, ``Mixxx``, ``mixxx.exe``, ``/usr/bin/mixxx`` (not ``mixxx-peewee``)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    return base in ("mixxx", "mixxx.exe")


def _linux_is_mixxx(pid: str) -> bool:
    """By its name (comm), its executable, or its argv[0] (wrappers, chroots, exec -a)."""
    try:
        with open(f"/proc/{pid}/comm") as handle:
            if _is_mixxx_name(handle.read()):
                return True
    except OSError:
        return False  # gone, or not a process
    try:
        if _is_mixxx_name(os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")):
            return True
    except OSError:
        pass  # another user's process: exe is hidden, cmdline is not
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv0 = handle.read(4096).split(b"\0", 1)[0]
    except OSError:
        return False
    return _is_mixxx_name(os.fsdecode(argv0))


def _file_ids(db_path: Path) -> tuple[set[tuple[int, int]], set[str]]:
    """(device, inode) pairs and real paths of the database and its ``-wal``."""
    ids = set()
    paths = set()
    for candidate in (os.fspath(db_path), os.fspath(db_path) + "-wal"):
        paths.add(os.path.realpath(candidate))
        try:
            info = os.stat(candidate)
        except OSError:
            continue
        ids.add((info.st_dev, info.st_ino))
    return ids, paths


def _linux_holds(pid: str, ids: set[tuple[int, int]], paths: set[str]) -> bool | None:
    """Whether process ``pid`` has the file open; None when the OS does not let us look."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None  # another user's process: we cannot tell
    for fd in fds:
        link = f"/proc/{pid}/fd/{fd}"
        try:
            # stat follows the fd to the open file itself: right across chroots and namespaces
            info = os.stat(link)
            if (info.st_dev, info.st_ino) in ids:
                return True
            if os.path.realpath(link) in paths:
                return True
        except OSError:
            continue
    return False


def _linux_processes(db_path: Path | None) -> list[MixxxProcess]:
    found = []
    ids, paths = _file_ids(db_path) if db_path else (set(), set())
    own = str(os.getpid())
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or entry.name == own or not _linux_is_mixxx(entry.name):
            continue
        holds = _linux_holds(entry.name, ids, paths) if db_path else None
        found.append(MixxxProcess(int(entry.name), holds))
    return found


def _ps_processes() -> list[MixxxProcess]:
    if sys.platform.startswith("win"):
        cmd = ["tasklist", "/FO", "CSV", "/NH"]
    else:
        # comm is the executable's path on macOS; args catches wrappers renaming argv[0]
        cmd = ["ps", "-axww", "-o", "pid=,comm="]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        if sys.platform.startswith("win"):
            parts = [p.strip('"') for p in line.split('","')]
            if len(parts) > 1 and _is_mixxx_name(parts[0]) and parts[1].isdigit():
                found.append(MixxxProcess(int(parts[1])))
        else:
            pid, _, comm = line.strip().partition(" ")
            if pid.isdigit() and _is_mixxx_name(comm):
                found.append(MixxxProcess(int(pid)))
    return found


def _default_detector(db_path: Path | None) -> list[MixxxProcess]:
    if os.path.isdir("/proc/self"):
        return _linux_processes(db_path)
    return _ps_processes()


_detector: Callable[[Path | None], list[MixxxProcess]] = _default_detector

# Scanning /proc costs 10-20 ms per write; a Mixxx started within the last second is rare.
_CACHE_SECONDS = 1.0
_cache: dict[str | None, tuple[float, list[MixxxProcess]]] = {}


def set_mixxx_detector(
    detector: Callable[[Path | None], list[MixxxProcess]] | None,
) -> Callable[[Path | None], list[MixxxProcess]]:
    """Replace how running Mixxx processes are found (tests); ``None`` restores the default."""
    global _detector
    previous = _detector
    _detector = detector or _default_detector
    _cache.clear()
    return previous


def find_mixxx_processes(db_path: Path | None = None) -> list[MixxxProcess]:
    """Running Mixxx processes (those known to hold another file are left out); always fresh."""
    return [p for p in _detect(db_path, cached=False) if p.holds_file is not False]


def _detect(db_path: Path | None, *, cached: bool) -> list[MixxxProcess]:
    if _detector is not _default_detector:
        return _detector(db_path)  # a test's detector answers every time
    key = None if db_path is None else os.fspath(db_path)
    now = time.monotonic()
    hit = _cache.get(key) if cached else None
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return list(hit[1])
    found = _detector(db_path)
    _cache[key] = (now, list(found))
    return found


def check_mixxx_guard(kind: str, db_path: Path | None = None, *, force: bool = False) -> list[str]:
    """Let a write of ``kind`` go ahead beside a running Mixxx, or raise MixxxRunningError.

    Returns notes to show the user (empty when Mixxx is not running).
    """
    # The default detector's answer is reused for a second per path; restore always looks again.
    procs = [p for p in _detect(db_path, cached=kind != EXCLUSIVE) if p.holds_file is not False]
    if not procs:
        return []
    pids = ", ".join(str(p.pid) for p in procs)
    if kind == STRUCTURE:
        return [
            f"Mixxx is running (pid {pids}): it shows new or renamed playlists and crates "
            "after its next restart"
        ]
    if kind == EXCLUSIVE:
        raise MixxxRunningError(f"Mixxx is running (pid {pids}): quit Mixxx first")
    if force:
        return [
            f"Mixxx is running (pid {pids}): forced; Mixxx overwrites these changes for any "
            "track it has loaded or cached"
        ]
    raise MixxxRunningError(
        f"Mixxx is running (pid {pids}): it would overwrite track and cue edits with its "
        "cached copy; quit Mixxx first or use --force"
    )
