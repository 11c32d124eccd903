"""Is Mixxx running? And the guard every write passes before it touches the file.

While Mixxx runs, playlist and crate writes are safe (Mixxx re-reads members when a
playlist or crate is opened; it shows new names after its next sidebar rebuild or
restart). Track metadata and cue writes are not: Mixxx writes its cached copy of a track
back over them, so they are refused unless forced.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mixxx_peewee.errors import MixxxRunningError

__all__ = [
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


def _linux_processes(db_path: Path | None) -> list[MixxxProcess]:
    found = []
    target = os.path.realpath(db_path) if db_path else None
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/comm") as handle:
                comm = handle.read().strip()
        except OSError:
            continue
        if comm.lower() != "mixxx":
            continue
        holds: bool | None = None
        if target:
            try:
                fds = os.listdir(f"/proc/{entry.name}/fd")
                holds = any(os.path.realpath(f"/proc/{entry.name}/fd/{fd}") == target for fd in fds)
            except OSError:
                holds = None  # another user's process: we cannot tell
        found.append(MixxxProcess(int(entry.name), holds))
    return found


def _ps_processes() -> list[MixxxProcess]:
    if sys.platform.startswith("win"):
        cmd = ["tasklist", "/FO", "CSV", "/NH"]
    else:
        cmd = ["ps", "-axo", "pid=,comm="]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():
        if sys.platform.startswith("win"):
            parts = [p.strip('"') for p in line.split('","')]
            if len(parts) > 1 and parts[0].lower() == "mixxx.exe" and parts[1].isdigit():
                found.append(MixxxProcess(int(parts[1])))
        else:
            pid, _, comm = line.strip().partition(" ")
            if Path(comm.strip()).name.lower() == "mixxx" and pid.isdigit():
                found.append(MixxxProcess(int(pid)))
    return found


def _default_detector(db_path: Path | None) -> list[MixxxProcess]:
    if os.path.isdir("/proc/self"):
        return _linux_processes(db_path)
    return _ps_processes()


_detector: Callable[[Path | None], list[MixxxProcess]] = _default_detector


def set_mixxx_detector(
    detector: Callable[[Path | None], list[MixxxProcess]] | None,
) -> Callable[[Path | None], list[MixxxProcess]]:
    """Replace how running Mixxx processes are found (tests); ``None`` restores the default."""
    global _detector
    previous = _detector
    _detector = detector or _default_detector
    return previous


def find_mixxx_processes(db_path: Path | None = None) -> list[MixxxProcess]:
    """Running Mixxx processes (those known to hold another file are left out)."""
    return [p for p in _detector(db_path) if p.holds_file is not False]


def check_mixxx_guard(kind: str, db_path: Path | None = None, *, force: bool = False) -> list[str]:
    """Let a write of ``kind`` go ahead beside a running Mixxx, or raise MixxxRunningError.

    Returns notes to show the user (empty when Mixxx is not running).
    """
    procs = find_mixxx_processes(db_path)
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
