"""The real-Mixxx harness keeps to itself: other X servers and Mixxx processes cannot touch it.

Issue 19: a real-Mixxx fixture errored on a machine where another Xvfb and Mixxx ran. The
harness used to guess a display number from /tmp/.X11-unix (two runs started at once guessed
the same one; a server in another mount namespace hides its socket file but still holds the
display) and closed every Mixxx window on the display. Now Xvfb picks its display itself
(``-displayfd``) and the harness acts only on the windows of the Mixxx process it started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from real_mixxx_support import fx
from real_mixxx_support import skip_reason

from mixxx_peewee.core.running import find_mixxx_processes

needs_xvfb = pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="needs Xvfb (apt-get install xvfb)"
)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; each is stopped afterwards, whatever happened."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in reversed(procs):
        fx.stop_process(proc)


@needs_xvfb
def test_x_servers_started_at_the_same_moment_get_different_displays(
    started: list[subprocess.Popen[bytes]],
) -> None:
    results: list[Any] = [None] * 3
    gate = threading.Barrier(len(results))

    def start(i: int) -> None:
        gate.wait()
        try:
            results[i] = fx.start_xvfb()
        except fx.FixtureError as exc:
            results[i] = exc

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started += [r[0] for r in results if isinstance(r, tuple)]
    assert [r for r in results if not isinstance(r, tuple)] == []
    displays = [number for _proc, number in results]
    assert len(set(displays)) == len(displays)
    for proc, number in results:
        assert proc.poll() is None  # its own server, alive, not one that lost a race
        fx.X11Connection(number).close()


def _hidden_xvfb(started: list[subprocess.Popen[bytes]]) -> int:
    """An Xvfb (640x480) in its own mount namespace with a private /tmp: its socket file and
    lock file are invisible here, its abstract socket still holds the display. Returns it."""
    read_end, write_end = os.pipe()
    script = (
        "mount -t tmpfs tmpfs /tmp && exec Xvfb -displayfd"
        f" {write_end} -screen 0 640x480x24 -nolisten tcp"
    )
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    started.append(proc)
    try:
        number = fx.read_display_number(read_end, 30.0)
    finally:
        os.close(read_end)
    assert number is not None, "the hidden Xvfb did not start"
    return number


@needs_xvfb
@pytest.mark.skipif(
    shutil.which("unshare") is None or os.geteuid() != 0,
    reason="a mount namespace of its own (unshare --mount) needs root",
)
def test_an_x_server_hidden_in_another_mount_namespace_does_not_break_start_xvfb(
    started: list[subprocess.Popen[bytes]],
) -> None:
    hidden = _hidden_xvfb(started)
    # What the old guess looked at says the display is free ...
    assert not Path(f"/tmp/.X11-unix/X{hidden}").exists()
    assert not Path(f"/tmp/.X{hidden}-lock").exists()
    proc, number = fx.start_xvfb()
    started.append(proc)
    # ... yet ours got another one, and our clients reach our server (1280x1024), not it.
    assert number != hidden
    assert proc.poll() is None
    ours = fx.X11Connection(number)
    try:
        assert ours.screen_size == (1280, 1024)
    finally:
        ours.close()


def _wait_for_windows(display: int, proc: subprocess.Popen[bytes], timeout: float) -> list[Any]:
    """The shown windows of Mixxx ``proc`` once there are some (a dialog included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the other Mixxx exited with {proc.returncode}"
        windows = fx.list_mixxx_windows(display, proc.pid)
        if any(not fx.is_main_window(name) for _w, name in windows):
            return windows
        time.sleep(0.5)
    raise AssertionError(f"the other Mixxx showed no dialog within {timeout} s")


@pytest.mark.mixxx
@pytest.mark.skipif(skip_reason("2.3") is not None, reason=f"Mixxx 2.3.3: {skip_reason('2.3')}")
def test_a_session_leaves_another_mixxx_on_its_display_alone(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    xvfb, display = fx.start_xvfb()
    started.append(xvfb)
    # Another Mixxx, first run: it waits in its "Choose music library directory" dialog.
    other = fx.start_mixxx(tmp_path / "other", display)
    started.append(other)
    before = _wait_for_windows(display, other, timeout=180)

    ours = fx.start_mixxx(tmp_path / "ours", display)
    started.append(ours)
    _up, dismissed = fx.wait_until_running(ours, display)
    assert "Choose music library directory" in dismissed  # our own first-run dialog
    detected = find_mixxx_processes(tmp_path / "ours" / "mixxxdb.sqlite")
    assert fx.stop_mixxx(ours) == "clean"

    # The other Mixxx kept its dialog and its main window; our file was held only by ours.
    assert other.poll() is None
    assert fx.list_mixxx_windows(display, other.pid) == before
    assert [p.pid for p in detected if p.holds_file] == [ours.pid]
    assert other.pid not in [p.pid for p in detected]
