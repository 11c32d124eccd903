"""A stand-in for a running Mixxx: a separate process that uses the file the way Mixxx does.

Mixxx opens ``mixxxdb.sqlite`` through Qt's QSQLITE driver: no PRAGMA at all, a 5 s busy
timeout and plain deferred ``BEGIN``. This process does the same with Python's ``sqlite3``
(``isolation_level=None``) and keeps working like Mixxx while a test runs our code beside it:

- reads of the library view (``library JOIN track_locations WHERE mixxx_deleted = 0``),
- a small write transaction every few milliseconds, cycling through three kinds: a play
  (``timesplayed + 1``), a track added to a crate the stand-in owns (``INSERT OR IGNORE``,
  as Mixxx writes crate members) and a track appended to a playlist it owns (position =
  MAX + 1, as Mixxx appends to a history playlist),
- optionally one long write transaction like a library scan (``BEGIN`` + writes, held for
  ``--scan-seconds``).

Every committed write is appended to ``--log`` (JSON lines) *after* its COMMIT returned, so
a test can check that the file holds every one of them. At exit (``--duration`` over,
``--stop-file`` present, or SIGTERM) it prints one JSON report on stdout (also written to
``--report``): writes committed, "database is locked" errors, and the longest wait for a
statement or commit. The first stdout line, ``{"ready": true, ...}``, says it is running.

Run: ``python tests/standin_mixxx.py DB --duration 5 --log log.jsonl``. Helpers for tests
(:func:`build_library`, :func:`start_standin`, :class:`StandIn`) live here too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STANDIN_CRATE = "Stand-in crate"
STANDIN_PLAYLIST = "Stand-in history"
BUSY_TIMEOUT_S = 5.0  # Qt's default, as Mixxx uses it

_stop = False


def _on_sigterm(_signum: int, _frame: Any) -> None:
    global _stop
    _stop = True


class _Worker:
    """One Mixxx-like connection and the bookkeeping of what it did."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        # Exactly Mixxx's settings: no pragmas, deferred BEGIN, 5 s timeout.
        self.conn = sqlite3.connect(args.db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        # Kept open for the process lifetime; closed in stop().
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115
        self.rng = random.Random(args.seed)
        self.writes = 0
        self.reads = 0
        self.locked: list[str] = []
        self.errors: list[str] = []
        self.max_wait_ms = 0.0
        self.max_wait_what = ""
        self.max_read_ms = 0.0
        self.scan: dict[str, Any] = {}
        self.track_ids: list[int] = []
        self.crate_id = 0
        self.playlist_id = 0
        self.next_crate_track = 0

    # -- timing -------------------------------------------------------------------------
    def _timed(self, what: str, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        start = time.perf_counter()
        try:
            return self.conn.execute(sql, params)
        finally:
            ms = (time.perf_counter() - start) * 1000
            if ms > self.max_wait_ms:
                self.max_wait_ms = ms
                self.max_wait_what = what

    # -- setup --------------------------------------------------------------------------
    def setup(self) -> None:
        """Find the tracks and make (or find) the crate and playlist the stand-in owns."""
        self._retrying(self._setup_once)

    def _setup_once(self) -> None:
        self.conn.execute("BEGIN")
        try:
            self.track_ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT library.id FROM library JOIN track_locations "
                    "ON library.location = track_locations.id ORDER BY library.id"
                )
            ]
            row = self.conn.execute(
                "SELECT id FROM crates WHERE name = ?", (STANDIN_CRATE,)
            ).fetchone()
            if row is None:
                cur = self.conn.execute(
                    "INSERT INTO crates (name, count, show, locked, autodj_source) "
                    "VALUES (?, 0, 1, 0, 0)",
                    (STANDIN_CRATE,),
                )
                self.crate_id = int(cur.lastrowid or 0)
            else:
                self.crate_id = row[0]
            row = self.conn.execute(
                "SELECT id FROM Playlists WHERE name = ?", (STANDIN_PLAYLIST,)
            ).fetchone()
            if row is None:
                cur = self.conn.execute(
                    "INSERT INTO Playlists (name, position, hidden, date_created, "
                    "date_modified, locked) VALUES (?, (SELECT coalesce(max(position), 0) + 1 "
                    "FROM Playlists), 2, datetime('now'), datetime('now'), 0)",
                    (STANDIN_PLAYLIST,),
                )
                self.playlist_id = int(cur.lastrowid or 0)
            else:
                self.playlist_id = row[0]
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _retrying(self, func: Any) -> None:
        # Setup only: a test may hold the file while the stand-in starts.
        for _ in range(50):
            try:
                func()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.1)
        func()

    # -- work ---------------------------------------------------------------------------
    def _record(self, entry: dict[str, Any]) -> None:
        self.writes += 1
        if self.log:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def _failed(self, what: str, exc: sqlite3.Error) -> None:
        text = f"{what}: {exc}"
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            self.locked.append(text)
        else:
            self.errors.append(text)
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def small_write(self) -> None:
        """One short write transaction, like Mixxx's own (deferred BEGIN, statements, COMMIT)."""
        if not self.track_ids:
            return
        kind = ("play", "crate", "history")[self.writes % 3]
        try:
            self._timed(f"{kind} BEGIN", "BEGIN")
            if kind == "play":
                track = self.rng.choice(self.track_ids)
                self._timed(
                    "play UPDATE",
                    "UPDATE library SET timesplayed = timesplayed + 1, played = 1 WHERE id = ?",
                    (track,),
                )
            elif kind == "crate":
                track = self.track_ids[self.next_crate_track % len(self.track_ids)]
                self._timed(
                    "crate INSERT",
                    "INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                    (self.crate_id, track),
                )
            else:
                track = self.rng.choice(self.track_ids)
                self._timed(
                    "history INSERT",
                    "INSERT INTO PlaylistTracks (playlist_id, track_id, position, "
                    "pl_datetime_added) SELECT ?, ?, coalesce(max(position), 0) + 1, "
                    "datetime('now') FROM PlaylistTracks WHERE playlist_id = ?",
                    (self.playlist_id, track, self.playlist_id),
                )
            self._timed(f"{kind} COMMIT", "COMMIT")
        except sqlite3.Error as exc:
            self._failed(kind, exc)
            return
        if kind == "crate":
            self.next_crate_track += 1
        self._record({"kind": kind, "track": track})

    def read_view(self) -> None:
        """A page of the library view, as Mixxx's track table model reads it."""
        offset = self.rng.randrange(max(1, len(self.track_ids)))
        start = time.perf_counter()
        try:
            self._timed(
                "read",
                "SELECT library.id, library.artist, library.title, library.bpm, "
                "track_locations.location FROM library JOIN track_locations "
                "ON library.location = track_locations.id WHERE library.mixxx_deleted = 0 "
                "ORDER BY library.id LIMIT 200 OFFSET ?",
                (offset,),
            ).fetchall()
        except sqlite3.Error as exc:
            self._failed("read", exc)
            return
        self.reads += 1
        self.max_read_ms = max(self.max_read_ms, (time.perf_counter() - start) * 1000)

    def long_scan(self, seconds: float) -> None:
        """One write transaction held for ``seconds``, like Mixxx's library scanner."""
        self.scan = {"started": time.time()}
        try:
            self._timed("scan BEGIN", "BEGIN")
            self._timed(
                "scan UPDATE",
                "UPDATE LibraryHashes SET needs_verification = 1",
            )
            self._timed(
                "scan UPDATE",
                "UPDATE track_locations SET needs_verification = 0 WHERE id = "
                "(SELECT min(id) FROM track_locations)",
            )
            self.scan["locked_at"] = time.time()
            if self.args.scan_ready_file:
                Path(self.args.scan_ready_file).write_text("scanning")
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not _stop:
                time.sleep(0.02)
                self._timed(
                    "scan UPDATE",
                    "UPDATE track_locations SET needs_verification = 0 WHERE id = ?",
                    (self.rng.choice(self.track_ids) if self.track_ids else 0,),
                )
            self._timed("scan COMMIT", "COMMIT")
            self.scan["committed"] = time.time()
            self._record({"kind": "scan"})
        except sqlite3.Error as exc:
            self._failed("scan", exc)
            self.scan["failed"] = str(exc)

    def run(self) -> None:
        """Work until the duration is over, the stop file exists or SIGTERM arrives."""
        args = self.args
        end = time.monotonic() + args.duration
        scan_at = time.monotonic() + args.scan_after if args.scan_seconds > 0 else None
        interval = args.write_interval_ms / 1000
        tick = 0
        while not _stop and time.monotonic() < end:
            if args.stop_file and os.path.exists(args.stop_file):
                break
            if scan_at is not None and time.monotonic() >= scan_at:
                scan_at = None
                self.long_scan(args.scan_seconds)
                continue
            if tick % 4 == 0:
                self.read_view()
            self.small_write()
            tick += 1
            time.sleep(interval)

    def report(self) -> dict[str, Any]:
        """What happened, for the test to assert on."""
        return {
            "writes_committed": self.writes,
            "reads": self.reads,
            "locked_errors": self.locked,
            "other_errors": self.errors,
            "max_wait_ms": round(self.max_wait_ms, 1),
            "max_wait_what": self.max_wait_what,
            "max_read_ms": round(self.max_read_ms, 1),
            "journal_mode": self.conn.execute("PRAGMA journal_mode").fetchone()[0],
            "scan": self.scan,
            "crate_id": self.crate_id,
            "playlist_id": self.playlist_id,
        }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of the stand-in process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--write-interval-ms", type=float, default=3.0)
    parser.add_argument("--scan-after", type=float, default=0.0)
    parser.add_argument("--scan-seconds", type=float, default=0.0)
    parser.add_argument("--scan-ready-file", default="")
    parser.add_argument("--log", default="")
    parser.add_argument("--report", default="")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    worker = _Worker(args)
    worker.setup()
    print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
    worker.run()
    report = worker.report()
    worker.conn.close()
    if args.report:
        Path(args.report).write_text(json.dumps(report))
    print(json.dumps(report), flush=True)
    return 0


# ---------------------------------------------------------------------------------------
# Helpers for tests
# ---------------------------------------------------------------------------------------


def build_library(path: Path, tracks: int, *, revision: int = 39, seed: int = 0) -> Path:
    """A Mixxx file with at least ``tracks`` visible tracks (fills by raw SQL if needed)."""
    from mixxx_peewee.testing import make_sample_library

    make_sample_library(path, revision=revision, tracks=tracks, seed=seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        have = conn.execute("SELECT count(*) FROM library").fetchone()[0]
        missing = tracks - have
        if missing > 0:
            start = conn.execute("SELECT coalesce(max(id), 0) FROM track_locations").fetchone()[0]
            conn.execute("BEGIN")
            locations = []
            rows = []
            for i in range(start + 1, start + 1 + missing):
                directory = f"/music/Artist {i % 97:02d}/Album {i % 13}"
                filename = f"{i:06d} Track {i}.mp3"
                locations.append((i, f"{directory}/{filename}", filename, directory))
                rows.append(
                    (i, f"Artist {i % 97:02d}", f"Title {i}", f"Album {i % 13}", "House",
                     i, 180.0 + i % 120, 100.0 + i % 60, "mp3")
                )  # fmt: skip
            conn.executemany(
                "INSERT INTO track_locations (id, location, filename, directory, filesize, "
                "fs_deleted, needs_verification) VALUES (?, ?, ?, ?, 1000, 0, 0)",
                locations,
            )
            conn.executemany(
                "INSERT INTO library (id, artist, title, album, genre, location, duration, bpm, "
                "filetype, mixxx_deleted, played, timesplayed, samplerate, datetime_added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 44100, '2024-01-01T00:00:00.000Z')",
                rows,
            )
            conn.execute("COMMIT")
    finally:
        conn.close()
    return path


def set_journal_mode(path: Path, mode: str) -> None:
    """Put the file in ``mode`` ('delete' or 'wal') with a plain connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        got = conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]
        assert got == mode, got
    finally:
        conn.close()


@dataclass
class StandIn:
    """A running stand-in process and the files it reports through."""

    proc: subprocess.Popen[str]
    log: Path
    report_path: Path
    stop_file: Path
    scan_ready: Path
    before: dict[int, int]  # timesplayed per track just before it started

    def stop(self, timeout: float = 30.0) -> dict[str, Any]:
        """Ask it to finish and return its report."""
        self.stop_file.write_text("stop")
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        assert self.proc.returncode == 0, self.proc.stderr.read() if self.proc.stderr else ""
        return json.loads(self.report_path.read_text())

    def logged(self) -> list[dict[str, Any]]:
        """Every write it committed."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def wait_for_scan(self, timeout: float = 10.0) -> None:
        """Block until its long scan-like transaction holds the write lock."""
        deadline = time.monotonic() + timeout
        while not self.scan_ready.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("stand-in never started its scan")
            time.sleep(0.01)


def start_standin(
    db_path: Path,
    workdir: Path,
    *,
    duration: float = 120.0,
    write_interval_ms: float = 3.0,
    scan_after: float = 0.0,
    scan_seconds: float = 0.0,
    seed: int = 0,
) -> StandIn:
    """Start the stand-in on ``db_path`` and wait until it is working."""
    workdir.mkdir(parents=True, exist_ok=True)
    stand = StandIn(
        proc=None,  # type: ignore[arg-type]
        log=workdir / "standin-log.jsonl",
        report_path=workdir / "standin-report.json",
        stop_file=workdir / "standin-stop",
        scan_ready=workdir / "standin-scanning",
        before=_timesplayed(db_path),
    )
    for leftover in (stand.log, stand.report_path, stand.stop_file, stand.scan_ready):
        leftover.unlink(missing_ok=True)
    cmd = [
        sys.executable, __file__, str(db_path),
        "--duration", str(duration),
        "--write-interval-ms", str(write_interval_ms),
        "--scan-after", str(scan_after),
        "--scan-seconds", str(scan_seconds),
        "--scan-ready-file", str(stand.scan_ready),
        "--log", str(stand.log),
        "--report", str(stand.report_path),
        "--stop-file", str(stand.stop_file),
        "--seed", str(seed),
    ]  # fmt: skip
    stand.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert stand.proc.stdout is not None
    first = stand.proc.stdout.readline()
    if not first:
        raise RuntimeError(f"stand-in did not start: {stand.proc.stderr.read()}")  # type: ignore[union-attr]
    assert json.loads(first)["ready"]
    return stand


def _timesplayed(path: Path) -> dict[int, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, timesplayed FROM library"))
    finally:
        conn.close()


def check_standin_writes(db_path: Path, stand: StandIn) -> None:
    """Assert that every write the stand-in logged is in the file, exactly."""
    before = stand.before
    entries = stand.logged()
    conn = sqlite3.connect(db_path)
    try:
        plays: dict[int, int] = {}
        for e in entries:
            if e["kind"] == "play":
                plays[e["track"]] = plays.get(e["track"], 0) + 1
        now = dict(conn.execute("SELECT id, timesplayed FROM library"))
        for track, n in plays.items():
            assert now[track] == before.get(track, 0) + n, f"lost plays of track {track}"
        crate_id = conn.execute(
            "SELECT id FROM crates WHERE name = ?", (STANDIN_CRATE,)
        ).fetchone()[0]
        members = {r[0] for r in conn.execute(
            "SELECT track_id FROM crate_tracks WHERE crate_id = ?", (crate_id,))}  # fmt: skip
        logged_crate = {e["track"] for e in entries if e["kind"] == "crate"}
        assert logged_crate <= members, f"lost crate rows: {sorted(logged_crate - members)[:5]}"
        pl_id = conn.execute(
            "SELECT id FROM Playlists WHERE name = ?", (STANDIN_PLAYLIST,)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT position, track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position",
            (pl_id,),
        ).fetchall()
        history = [e["track"] for e in entries if e["kind"] == "history"]
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert [r[1] for r in rows] == history, "stand-in playlist rows lost or reordered"
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
