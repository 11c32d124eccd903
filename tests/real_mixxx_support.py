"""Drive a real Mixxx around mixxx-peewee: the round trips tests/test_real_mixxx.py checks.

One round trip: Mixxx scans a generated music folder; while it runs our CLI lists, searches,
looks a symlinked track up, makes a crate and a playlist, is refused a track edit and exports
the playlist; then Mixxx is stopped cleanly, started again (it re-reads everything) and
stopped again. Everything seen on the way is recorded in a :class:`RoundTrip` for the tests
to judge; only failures of the machinery (Mixxx not starting, no scan) raise here.

The Mixxx handling itself (Xvfb, dialogs, clean X11 shutdown, the 2.5.0 chroot) lives in the
driver library ``scripts/fixtures/realmixxx/`` (imported as ``fx``), which the fixture recipes
use too. Every run is private, so other
X servers and Mixxx processes on the machine (another test run's, another user's) cannot
touch it: Xvfb picks its own free display (``-displayfd``), Mixxx gets its own settings
folder, HOME and XDG folders, and the harness knows its Mixxx by pid: it waits on that
process and its log, closes only that process's windows, and in this process lets our
library's running-Mixxx check see only the Mixxx it started (:func:`only_these_mixxx`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Collection
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import find_mixxx_processes
from mixxx_peewee.core.running import set_mixxx_detector

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "scripts" / "fixtures"
CHROOT = Path(os.environ.get("MIXXX25_CHROOT", "/var/cache/mixxx-peewee/trixie-mixxx"))

CRATE_NAME = "Real Mixxx crate"
PLAYLIST_NAME = "Real Mixxx set"
EDITED_TITLE = "Edited while Mixxx runs"
# 2.5.0's history feature keeps this row while it runs; we must neither show nor touch it.
PLACEHOLDER_NAME = "historyPlaceholder"


# The driver library of a real Mixxx (scripts/fixtures/realmixxx/), shared with the recipes.
if str(FIXTURES_DIR) not in sys.path:
    sys.path.insert(0, str(FIXTURES_DIR))
import realmixxx as fx  # noqa: E402


def skip_reason(mixxx: str) -> str | None:
    """Why Mixxx ``mixxx`` ("2.3" or "2.5") cannot run here, or None when it can."""
    tools = ["ffmpeg", "Xvfb"] + (["mixxx"] if mixxx == "2.3" else ["chroot", "mount"])
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        return f"needs {', '.join(missing)} (apt-get install mixxx xvfb ffmpeg)"
    if mixxx == "2.5":
        if not (CHROOT / "usr/bin/mixxx").exists():
            return (
                f"no Mixxx 2.5 chroot at {CHROOT} (scripts/dev/build_mixxx25_chroot.sh builds it)"
            )
        if os.geteuid() != 0:
            return "Mixxx 2.5 runs in a chroot with bind mounts: needs root"
    return None


@dataclass
class Variant:
    """Which Mixxx, and how our writes treat the journal mode."""

    name: str
    mixxx: str  # "2.3" or "2.5"
    # "cli": every write through the CLI, whose writable open switches the file to WAL;
    # "api-keep": writes through the library with journal_mode="keep" (the CLI has no such
    # option), so the file stays in Mixxx's own rollback-journal mode.
    writes: str = "cli"

    @property
    def chroot(self) -> Path | None:
        return CHROOT if self.mixxx == "2.5" else None

    @property
    def expected_journal(self) -> str:
        return "wal" if self.writes == "cli" else "delete"


@dataclass
class RoundTrip:
    """Everything one round trip saw; the tests assert on it."""

    variant: Variant
    music: Path
    settings: Path
    manifest: list[Any]
    timings: dict[str, float] = field(default_factory=dict)
    scanned: int = 0
    cli: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    tracks_by_path: dict[str, dict[str, Any]] = field(default_factory=dict)
    crate_id: int | None = None
    playlist_id: int | None = None
    expected_crate: set[int] = field(default_factory=set)
    expected_playlist: list[int] = field(default_factory=list)
    edited_track: int | None = None
    export_path: Path | None = None
    journal_before_writes: str = ""
    placeholder_before: list[tuple[Any, ...]] = field(default_factory=list)
    placeholder_after: list[tuple[Any, ...]] = field(default_factory=list)
    api_error: str = ""
    stops: list[str] = field(default_factory=list)
    mixxx_pid: int | None = None  # the Mixxx the CLI ran beside
    # find_mixxx_processes(db) while that Mixxx ran, and once it had stopped
    detected_running: list[MixxxProcess] = field(default_factory=list)
    detected_stopped: list[MixxxProcess] = field(default_factory=list)

    @property
    def db(self) -> Path:
        return self.settings / "mixxxdb.sqlite"

    def path_of(self, relpath: str) -> str:
        """Absolute path of a music-folder entry as a str (NFD names keep their bytes)."""
        return os.fsdecode(os.path.join(os.fsencode(self.music), os.fsencode(relpath)))

    def track_id(self, relpath: str) -> int:
        found = self.tracks_by_path.get(self.path_of(relpath))
        if found is None:  # say what Mixxx had scanned, instead of a bare KeyError
            raise fx.FixtureError(
                f"{relpath!r} is not in the listing beside Mixxx {self.variant.name}"
                f" ({self.scanned} tracks scanned, {len(self.tracks_by_path)} listed)"
            )
        return int(found["id"])

    def json_of(self, step: str) -> Any:
        """The JSON a recorded command printed (a JSON array, or one object per line)."""
        out = self.cli[step].stdout.strip()
        try:
            return json.loads(out)
        except json.JSONDecodeError:
            return [json.loads(line) for line in out.splitlines() if line.strip()]


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m mixxx_peewee --db DB ARGS`` with this interpreter (CI's venv)."""
    return subprocess.run(
        [sys.executable, "-m", "mixxx_peewee", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def raw_rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query on a read-only raw sqlite3 connection (not our library)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _placeholder_rows(db: Path) -> list[tuple[Any, ...]]:
    return raw_rows(
        db,
        "SELECT id, name, position, hidden, locked, date_created, date_modified"
        " FROM Playlists WHERE hidden = -1 OR name = ? ORDER BY id",
        (PLACEHOLDER_NAME,),
    )


def wait_for_scan_done(proc: Any, db: Path, expected: int, timeout: float = 180.0) -> int:
    """Wait until this run's log says the scan finished and ``expected`` tracks are in."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise fx.FixtureError(f"Mixxx exited with {proc.returncode} while scanning")
        if "Scan took:" in fx.current_log(proc) and fx.count_tracks(db) >= expected:
            return int(fx.count_tracks(db))
        time.sleep(0.25)
    return int(fx.count_tracks(db))


@contextlib.contextmanager
def only_these_mixxx(pids: Collection[int]) -> Iterator[None]:
    """While inside, our library's running-Mixxx check (in this process) sees only the Mixxx
    processes ``pids`` the harness started: another test's or another user's Mixxx (one whose
    open files we cannot see counts as running) cannot turn a write into a refusal."""
    real = set_mixxx_detector(None)
    set_mixxx_detector(lambda path: [p for p in real(path) if p.pid in pids])
    try:
        yield
    finally:
        set_mixxx_detector(real)


@contextlib.contextmanager
def _session(settings: Path, music: Path, variant: Variant) -> Iterator[Any]:
    """fx.mixxx_session, plus removing the empty mount points it left in the chroot."""
    try:
        with fx.mixxx_session(
            settings, mixxx=variant.mixxx, chroot=variant.chroot, bind_paths=(music,)
        ) as proc:
            yield proc
    finally:
        if variant.chroot is not None:
            _remove_empty_mount_points(variant.chroot, [settings, music])


def _remove_empty_mount_points(chroot: Path, paths: list[Path]) -> None:
    """rmdir the folders chroot_mounts made for ``paths``, up to the chroot's /tmp (rmdir
    only: a folder still mounted or not empty stays)."""
    stop = {chroot, chroot / "tmp"}
    for path in paths:
        target = chroot / str(path).lstrip("/")
        while target not in stop and chroot in target.parents:
            try:
                target.rmdir()
            except OSError:
                break
            target = target.parent


def prepare_settings(settings: Path, music: Path, variant: Variant) -> dict[str, float]:
    """Let Mixxx create its settings and database, then point it at ``music`` (rescan on
    start). Returns timings. Done once per Mixxx version; variants copy the result."""
    t0 = time.monotonic()
    with _session(settings, music, variant) as proc:
        up = time.monotonic() - t0
    if proc.mixxx_stop != "clean":
        raise fx.FixtureError(f"first Mixxx {variant.mixxx} run did not stop cleanly")
    fx.add_library_directory(settings / "mixxxdb.sqlite", music)
    fx.set_cfg_value(settings / "mixxx.cfg", "Library", "RescanOnStartup", "1")
    return {"create_db_up_s": round(up, 1), "create_db_total_s": round(time.monotonic() - t0, 1)}


def _cli_while_running(rt: RoundTrip, work: Path) -> None:
    """List, search, look up by symlink, crate, playlist, refused edit, export: via the CLI."""
    db = rt.db

    def cli(step: str, *args: str) -> subprocess.CompletedProcess[str]:
        t = time.monotonic()
        rt.cli[step] = run_cli(db, *args)
        rt.timings[f"cli_{step}_s"] = round(time.monotonic() - t, 2)
        return rt.cli[step]

    listed = cli("tracks_list", "tracks", "list", "--format", "json")
    if listed.returncode != 0:  # say why, instead of a KeyError further down
        raise fx.FixtureError(
            f"tracks list failed beside Mixxx {rt.variant.name} (exit {listed.returncode},"
            f" {rt.scanned} tracks scanned): {listed.stderr.strip()[-500:]}"
        )
    rt.tracks_by_path = {t["location"]: t for t in rt.json_of("tracks_list")}
    cli("search_artist", "tracks", "search", "Françoise", "--format", "json")
    cli("search_percent", "tracks", "search", "100%", "--format", "json")
    cli("show_symlink", "tracks", "show", rt.path_of("annex/Track.flac"), "--format", "json")
    rt.journal_before_writes = raw_rows(db, "PRAGMA journal_mode")[0][0]

    # Crate: one track by id, the annexed one by its link path, the NFD-named one by its
    # on-disk path (Mixxx stores the decomposed bytes as they are).
    bjork = rt.track_id("Björk – Jóga.mp3")
    annex = rt.track_id("annex/Track.flac")
    nfd_rel = next(m.relpath for m in rt.manifest if m.relpath.startswith("Sigur"))
    sigur = rt.track_id(nfd_rel)
    rt.expected_crate = {bjork, annex, sigur}
    # Playlist: append three, then insert two at position 2.
    spaces = rt.track_id("Track with spaces.ogg")
    percent = rt.track_id("100% pure_underscore.flac")
    japanese = rt.track_id("subfolder/deeper/日本語の曲.flac")
    rt.expected_playlist = [bjork, percent, japanese, spaces, annex]
    rt.edited_track = bjork
    rt.export_path = work / "set.m3u8"

    if rt.variant.writes == "cli":
        created = cli("crate_create", "crates", "create", CRATE_NAME)
        rt.crate_id = int(created.stdout.strip()) if created.returncode == 0 else None
        cli("crate_add", "crates", "add", CRATE_NAME, str(bjork),
            rt.path_of("annex/Track.flac"), rt.path_of(nfd_rel))  # fmt: skip
        created = cli("playlist_create", "playlists", "create", PLAYLIST_NAME)
        rt.playlist_id = int(created.stdout.strip()) if created.returncode == 0 else None
        cli("playlist_add", "playlists", "add", PLAYLIST_NAME, str(bjork), str(spaces),
            rt.path_of("annex/Track.flac"))  # fmt: skip
        cli("playlist_insert", "playlists", "add", PLAYLIST_NAME, "--position", "2",
            str(percent), rt.path_of("subfolder/deeper/日本語の曲.flac"))  # fmt: skip
    else:
        t = time.monotonic()
        _api_writes(rt, nfd_rel, spaces, percent, bjork)
        rt.timings["api_writes_s"] = round(time.monotonic() - t, 2)

    cli("edit_refused", "tracks", "edit", str(bjork), "--title", EDITED_TITLE)
    cli("playlists_list_all", "playlists", "list", "--all", "--format", "json")
    cli("playlist_show", "playlists", "show", PLAYLIST_NAME, "--format", "json")
    cli("crate_show", "crates", "show", CRATE_NAME, "--format", "json")
    cli("export", "playlists", "export", PLAYLIST_NAME, "--output", str(rt.export_path))
    cli("info_running", "info", "--format", "json")


def _api_writes(rt: RoundTrip, nfd_rel: str, spaces: int, percent: int, bjork: int) -> None:
    """The crate and playlist writes through the library, keeping the journal mode."""
    from mixxx_peewee import add_tracks_to_crate
    from mixxx_peewee import add_tracks_to_playlist
    from mixxx_peewee import create_crate
    from mixxx_peewee import create_playlist
    from mixxx_peewee import get_track_by_location
    from mixxx_peewee import open_library
    from mixxx_peewee.errors import MixxxPeeweeError

    def id_at(relpath: str) -> int:
        track = get_track_by_location(rt.path_of(relpath))
        if track is None:
            raise LookupError(f"no track at {rt.path_of(relpath)!r}")
        return int(track.id)

    assert rt.mixxx_pid is not None
    try:
        with only_these_mixxx([rt.mixxx_pid]), open_library(rt.db, journal_mode="keep"):
            annex = id_at("annex/Track.flac")
            sigur = id_at(nfd_rel)
            rt.crate_id = create_crate(CRATE_NAME).value
            add_tracks_to_crate(CRATE_NAME, [bjork, annex, sigur])
            rt.playlist_id = create_playlist(PLAYLIST_NAME).value
            add_tracks_to_playlist(PLAYLIST_NAME, [bjork, spaces, annex])
            add_tracks_to_playlist(
                PLAYLIST_NAME, [percent, id_at("subfolder/deeper/日本語の曲.flac")], position=2
            )
    except (MixxxPeeweeError, LookupError) as exc:
        rt.api_error = f"{type(exc).__name__}: {exc}"


def run_round_trip(
    variant: Variant, music: Path, manifest: list[Any], base_settings: Path, work: Path
) -> RoundTrip:
    """Copy the prepared settings, run Mixxx with our CLI beside it, restart it, stop it."""
    settings = work / "settings"
    # not the first run's private HOME: each run makes its own (sockets do not copy)
    shutil.copytree(
        base_settings, settings, symlinks=True, ignore=shutil.ignore_patterns(fx.PRIVATE_HOME)
    )
    rt = RoundTrip(variant, music, settings, manifest)
    expected = sum(m.expect_in_library for m in manifest)
    t0 = time.monotonic()
    with _session(settings, music, variant) as proc:
        rt.timings["start_s"] = round(time.monotonic() - t0, 1)
        rt.mixxx_pid = proc.pid
        rt.scanned = wait_for_scan_done(proc, rt.db, expected)
        rt.timings["scan_done_s"] = round(time.monotonic() - t0, 1)
        rt.detected_running = find_mixxx_processes(rt.db)
        rt.placeholder_before = _placeholder_rows(rt.db)
        t1 = time.monotonic()
        _cli_while_running(rt, work)
        rt.timings["cli_total_s"] = round(time.monotonic() - t1, 1)
        rt.placeholder_after = _placeholder_rows(rt.db)
        t1 = time.monotonic()
    rt.timings["stop_s"] = round(time.monotonic() - t1, 1)
    rt.stops.append(proc.mixxx_stop)
    rt.detected_stopped = find_mixxx_processes(rt.db)
    t1 = time.monotonic()
    with _session(settings, music, variant) as proc:
        # let its startup rescan run over our changes before it is closed again
        wait_for_scan_done(proc, rt.db, expected, timeout=30)
        rt.timings["restart_up_s"] = round(time.monotonic() - t1, 1)
    rt.stops.append(proc.mixxx_stop)
    rt.timings["restart_total_s"] = round(time.monotonic() - t1, 1)
    rt.timings["round_trip_s"] = round(time.monotonic() - t0, 1)
    return rt
