#!/usr/bin/env python3
"""Make fixtures/real-mixxx-analysis/<version>/mixxxdb.sqlite: beat grids and keys written
by a REAL Mixxx (2.3.3 from Debian, or 2.5.0 from the trixie chroot).

Recipe:

1. ffmpeg ``aevalsrc`` renders small mono files, each a click track over a sustained
   chord: 120 BPM over A minor, 128 BPM over C major, 174 BPM over F minor (FLAC, 25 s), and
   one MP3 whose ID3 tags carry ``TBPM 100`` and ``TKEY Gm`` (never loaded into a deck, so
   Mixxx keeps the grid and key it made from the tags at scan time).
2. A first Mixxx run creates the settings folder and database; the music folder is added
   to ``directories`` and ``[Library] RescanOnStartup`` is set.
3. A second run gets the three click files on its command line (each goes into the next
   deck and is analysed), scans the folder, and is closed through its window
   (``WM_DELETE_WINDOW``: Mixxx's only clean exit; on the way out it saves every track).
4. The database is copied with SQLite's backup API and VACUUMed. No audio is kept.

Mixxx handling (Xvfb, dialogs, clean close, chroot mounts) is imported from
``scripts/make_real_mixxx_fixture.py``. Needs root for 2.5 (bind mounts).

Usage: ``python scripts/make_analysis_fixture.py [--mixxx 2.3|2.5]``
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROOT = Path(os.environ.get("MIXXX25_CHROOT", "/var/cache/mixxx-peewee/trixie-mixxx"))
WORK = Path("/tmp/mixxx-peewee-analysis")

# (file name, BPM, chord frequencies in Hz, tags); a tagged file is scanned, not loaded.
TRACKS: list[tuple[str, float, tuple[float, ...], dict[str, str]]] = [
    ("click-120-Am.flac", 120.0, (220.00, 261.63, 329.63), {}),
    ("click-128-C.flac", 128.0, (261.63, 329.63, 392.00), {}),
    ("click-174-Fm.flac", 174.0, (174.61, 207.65, 261.63), {}),
    ("tagged-100-Gm.mp3", 100.0, (196.00, 233.08, 293.66), {"TBPM": "100", "TKEY": "Gm"}),
]
SECONDS = 25


def load_fx() -> ModuleType:
    """scripts/make_real_mixxx_fixture.py as a module."""
    path = REPO_ROOT / "scripts" / "make_real_mixxx_fixture.py"
    spec = importlib.util.spec_from_file_location("make_real_mixxx_fixture", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


fx = load_fx()


def render(path: Path, bpm: float, chord: tuple[float, ...], tags: dict[str, str]) -> None:
    """A mono 44.1 kHz click at ``bpm`` (first click at 0 s) over a sustained chord."""
    period = 60.0 / bpm
    tones = "+".join(f"sin(2*PI*{f}*t)" for f in chord)
    click = f"0.7*sin(2*PI*1500*t)*exp(-80*mod(t,{period}))"
    expr = f"0.12*({tones})+{click}".replace(",", "\\,")  # a bare comma ends a filter
    metadata: list[str] = ["-metadata", f"title={path.stem}", "-metadata", "artist=Analysis"]
    for key, value in tags.items():
        metadata += ["-metadata", f"{key}={value}"]
    codec = ["-c:a", "flac"] if path.suffix == ".flac" else ["-c:a", "libmp3lame", "-b:a", "64k"]
    if path.suffix == ".mp3":
        codec += ["-id3v2_version", "4"]
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
           "-i", f"aevalsrc={expr}:s=44100:d={SECONDS}", "-ac", "1", *metadata, *codec,
           str(path)]  # fmt: skip
    subprocess.run(cmd, check=True)


def start_with_files(
    settings: Path, display: int, mixxx: str, chroot: Path | None, files: list[Path]
) -> subprocess.Popen[bytes]:
    """fx.start_mixxx, with track files appended to the command line (one per deck)."""
    return fx.start_mixxx(settings, display, mixxx=mixxx, chroot=chroot, files=tuple(files))


def wait_for_analysis(proc: subprocess.Popen[bytes], loaded: int, timeout: float) -> bool:
    """Wait until the log shows the scan done and ``loaded`` beat analyses (the key analyser
    runs in the same pass); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = fx._current_log(proc)
        # one line per track: 2.3 "... Average BPM: X", 2.5 "... Predominant BPM: Bpm(X)"
        analysed = log.count("AnalyzerBeats plugin detected")
        if "Scan took" in log and analysed >= loaded:
            return True
        time.sleep(1.0)
    return False


def make(mixxx: str, out_dir: Path) -> None:
    """Run the whole recipe for Mixxx ``mixxx`` ("2.3" or "2.5") into ``out_dir``."""
    chroot = CHROOT if mixxx == "2.5" else None
    work = WORK / mixxx
    shutil.rmtree(work, ignore_errors=True)
    music, settings = work / "music", work / "settings"
    music.mkdir(parents=True)
    for name, bpm, chord, tags in TRACKS:
        render(music / name, bpm, chord, tags)
    loaded = [music / name for name, _, _, tags in TRACKS if not tags]

    settings.mkdir(parents=True)
    with fx.mixxx_session(settings, mixxx=mixxx, chroot=chroot, bind_paths=(music,)) as proc:
        pass
    print("first run:", proc.mixxx_stop, flush=True)
    fx.add_library_directory(settings / "mixxxdb.sqlite", music)
    fx.set_cfg_value(settings / "mixxx.cfg", "Library", "RescanOnStartup", "1")

    mounts = fx.chroot_mounts(chroot, [settings, music]) if chroot else contextlib.nullcontext()
    with mounts:
        xvfb, display = fx.start_xvfb()
        try:
            proc = start_with_files(settings, display, mixxx, chroot, loaded)
            try:
                fx.wait_until_running(proc, display)
                if not wait_for_analysis(proc, len(loaded), timeout=120):
                    print("warning: analysis not seen in the log; closing anyway", flush=True)
                time.sleep(5)  # let the key analyser and the waveform finish
            finally:
                stop = fx.stop_mixxx(proc, display)
        finally:
            fx.stop_process(xvfb)
    print("second run:", stop, flush=True)
    if stop != "clean":
        raise SystemExit(f"Mixxx {mixxx} did not close cleanly ({stop}): nothing saved")

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "mixxxdb.sqlite"
    fx.backup_db(settings / "mixxxdb.sqlite", target)
    con = sqlite3.connect(target)
    try:
        con.execute("VACUUM")
    finally:
        con.close()
    print(f"wrote {target} ({target.stat().st_size} bytes), Mixxx {fx.mixxx_version(chroot)}")


if __name__ == "__main__":
    if {"-h", "--help"} & set(sys.argv):
        print(__doc__)
        raise SystemExit(0)
    version = sys.argv[sys.argv.index("--mixxx") + 1] if "--mixxx" in sys.argv else "2.3"
    labels = {"2.3": "2.3.3", "2.5": "2.5.0"}
    if version not in labels:
        raise SystemExit(f"--mixxx must be 2.3 or 2.5, not {version!r}")
    label = labels[version]
    make(version, REPO_ROOT / "fixtures" / "real-mixxx-analysis" / label)
