"""Beside a running Mixxx: our writes and big reads never cost the stand-in a write.

The stand-in (tests/standin_mixxx.py) is a separate process that opens the file exactly as
Mixxx does (deferred BEGIN, 5 s busy timeout, no pragmas) and writes every few
milliseconds. Every test runs in rollback-journal and in WAL mode and asserts:
the stand-in never sees "database is locked" and never waits near its 5 s, none of its
writes are lost, none of ours are lost or half-applied, and during its long scan-like
transaction our writes wait up to our busy timeout and then fail cleanly.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from invariants import check_invariants

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin_mixxx import StandIn
from standin_mixxx import build_library
from standin_mixxx import check_standin_writes
from standin_mixxx import set_journal_mode
from standin_mixxx import start_standin

import mixxx_peewee
from mixxx_peewee import open_library
from mixxx_peewee import write_transaction
from mixxx_peewee.core.connection import db
from mixxx_peewee.errors import DatabaseBusyError

CLI = [sys.executable, "-m", "mixxx_peewee"]
# Mixxx gives up after 5 s; we want it to be nowhere near that.
STANDIN_MAX_WAIT_MS = 1500
MODES = ("delete", "wal")
LONGEST_WAITS: dict[str, float] = {}
# A script does some work between calls; back-to-back calls are measured separately.
PACE_S = 0.02


def _op(name: str) -> Callable[..., Any]:
    """A library operation, or skip while it has not landed yet."""
    try:
        return getattr(mixxx_peewee, name)  # type: ignore[no-any-return]
    except (AttributeError, ImportError) as exc:
        pytest.skip(f"{name} not available yet: {exc}")


@pytest.fixture(scope="module")
def library_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10,000-track sample library built once; tests copy it."""
    return build_library(tmp_path_factory.mktemp("lib10k") / "mixxxdb.sqlite", 10_000)


@pytest.fixture(params=MODES)
def live_db(request: pytest.FixtureRequest, library_10k: Path, tmp_path: Path) -> Path:
    """A copy of the 10k library in the requested journal mode."""
    dest = tmp_path / "mixxxdb.sqlite"
    dest.write_bytes(library_10k.read_bytes())
    set_journal_mode(dest, request.param)
    return dest


@pytest.fixture
def standin(live_db: Path, tmp_path: Path) -> Iterator[StandIn]:
    """The stand-in working on ``live_db`` for the whole test (stopped if the test failed)."""
    stand = start_standin(live_db, tmp_path / "standin")
    yield stand
    if stand.proc.poll() is None:
        stand.proc.kill()
        stand.proc.wait()


def _finish(
    stand: StandIn, path: Path, label: str, max_wait_ms: float = STANDIN_MAX_WAIT_MS
) -> dict[str, Any]:
    """Stop the stand-in and assert it was never locked out and lost nothing."""
    report = stand.stop()
    mode = report["journal_mode"]
    print(
        f"\n[stand-in {label} {mode}] writes={report['writes_committed']} "
        f"longest wait={report['max_wait_ms']} ms ({report['max_wait_what']}) "
        f"locked={len(report['locked_errors'])}"
    )
    key = f"{label}/{mode}"
    LONGEST_WAITS[key] = max(LONGEST_WAITS.get(key, 0.0), report["max_wait_ms"])
    assert report["locked_errors"] == [], report["locked_errors"][:3]
    assert report["other_errors"] == [], report["other_errors"][:3]
    assert report["writes_committed"] >= 5, "the stand-in hardly worked"
    assert report["max_wait_ms"] < max_wait_ms, report
    check_standin_writes(path, stand)
    check_invariants(path)
    return report


def _visible_ids(path: Path, n: int, offset: int = 0) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT library.id FROM library JOIN track_locations "
                "ON library.location = track_locations.id WHERE library.mixxx_deleted = 0 "
                "ORDER BY library.id LIMIT ? OFFSET ?",
                (n, offset),
            )
        ]
    finally:
        conn.close()


# ------------------------------------------------------------------------------------
# Foundation: short write transactions and the busy timeout
# ------------------------------------------------------------------------------------


def test_short_write_transactions_never_lock_out_the_standin(
    live_db: Path, standin: StandIn
) -> None:
    """200 of our own BEGIN IMMEDIATE transactions interleave with the stand-in's writes."""
    ids = _visible_ids(live_db, 400)
    with open_library(live_db, journal_mode="keep"):
        crate_id = 0
        with write_transaction(touches=[("crates", "name")]):
            crate_id = db.execute_sql(
                "INSERT INTO crates (name, count, show, locked, autodj_source) "
                "VALUES ('ours', 0, 1, 0, 0)"
            ).lastrowid
        for i in range(200):
            with write_transaction(touches=[("crate_tracks", "track_id")]):
                db.execute_sql(
                    "INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                    (crate_id, ids[i]),
                )
                db.execute_sql(
                    "INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                    (crate_id, ids[200 + i]),
                )
            time.sleep(PACE_S)
    _finish(standin, live_db, "raw-writes")
    conn = sqlite3.connect(live_db)
    got = {r[0] for r in conn.execute("SELECT track_id FROM crate_tracks WHERE crate_id = ?",
                                      (crate_id,))}  # fmt: skip
    conn.close()
    assert got == set(ids[:400]), "some of our writes were lost or half-applied"


def test_back_to_back_transactions_delay_but_never_lock_out_the_standin(
    live_db: Path, standin: StandIn
) -> None:
    """100 transactions with no pause: SQLite's busy handler is not fair, the stand-in waits.

    Measured, not hidden: in rollback mode a tight loop of our commits can keep the stand-in
    waiting for a second or two (never its 5 s: the loop itself lasts about a second).
    """
    ids = _visible_ids(live_db, 100)
    with open_library(live_db, journal_mode="keep"):
        with write_transaction(touches=[("crates", "name")]):
            crate_id = db.execute_sql(
                "INSERT INTO crates (name, count, show, locked, autodj_source) "
                "VALUES ('tight loop', 0, 1, 0, 0)"
            ).lastrowid
        for track in ids:
            with write_transaction(touches=[("crate_tracks", "track_id")]):
                db.execute_sql(
                    "INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
                    (crate_id, track),
                )
    _finish(standin, live_db, "back-to-back", max_wait_ms=4000)


def test_opening_writable_beside_the_standin_is_harmless(live_db: Path, standin: StandIn) -> None:
    """The default open asks for WAL; with the stand-in connected that must never hurt it."""
    for _ in range(20):
        lib = open_library(live_db)  # default journal_mode="wal"
        lib.close()
        time.sleep(0.01)
    _finish(standin, live_db, "open-wal-switch")


def test_our_write_waits_for_a_scan_then_fails_cleanly(live_db: Path, tmp_path: Path) -> None:
    """During a long scan-like transaction our write waits ~busy timeout, raises, writes nothing."""
    stand = start_standin(live_db, tmp_path / "scan", scan_after=0.2, scan_seconds=2.5)
    try:
        stand.wait_for_scan()
        with open_library(live_db, journal_mode="keep", busy_timeout_ms=400):
            start = time.monotonic()
            with pytest.raises(DatabaseBusyError) as err:
                with write_transaction(touches=[("crates", "name")]):
                    db.execute_sql(
                        "INSERT INTO crates (name, count, show, locked, autodj_source) "
                        "VALUES ('never', 0, 1, 0, 0)"
                    )
            waited = time.monotonic() - start
        assert 0.3 <= waited < 2.0, waited
        assert "busy" in str(err.value)
        assert "\n" not in str(err.value)
        report = _finish(stand, live_db, "scan")
    finally:
        if stand.proc.poll() is None:
            stand.proc.kill()
            stand.proc.wait()
    assert report["scan"].get("committed"), report["scan"]
    conn = sqlite3.connect(live_db)
    assert conn.execute("SELECT count(*) FROM crates WHERE name = 'never'").fetchone()[0] == 0
    conn.close()


def test_print_longest_standin_waits() -> None:
    """Not a check: prints the stand-in's longest waits seen by this module (for the README)."""
    print("\nstand-in longest waits (ms):", json.dumps(LONGEST_WAITS, sort_keys=True))


def _cli(db_path: Path, *args: str, env: dict[str, str] | None = None, **kw: Any) -> Any:
    full_env = dict(os.environ)
    full_env.pop("MIXXX_DB", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [*CLI, "--db", str(db_path), *args],
        capture_output=True, text=True, env=full_env, timeout=60, **kw,
    )  # fmt: skip


def test_slow_consumer_of_a_big_listing_never_blocks_the_standin(
    live_db: Path, standin: StandIn
) -> None:
    """iter_tracks of 10,000 tracks, consumed slowly (a sleep per chunk): Mixxx keeps writing."""
    iter_tracks = _op("iter_tracks")
    seen = 0
    with open_library(live_db, readonly=True):
        for i, _track in enumerate(iter_tracks(chunk_size=500)):
            seen += 1
            if i % 500 == 0:
                time.sleep(0.15)  # a slow pipe: longer than the stand-in's write interval
    assert seen > 8000
    _finish(standin, live_db, "slow-listing")


@pytest.mark.slow
def test_cli_listing_into_a_slow_pipe_never_blocks_the_standin(
    live_db: Path, standin: StandIn
) -> None:
    """`tracks list --format jsonl` read slowly through a pipe: the stand-in never waits long."""
    proc = subprocess.Popen(
        [*CLI, "--db", str(live_db), "--readonly", "tracks", "list", "--format", "jsonl"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = 0
    while True:
        block = proc.stdout.read(64 * 1024)
        if not block:
            break
        lines += block.count(b"\n")
        time.sleep(0.05)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else b""
    assert lines > 8000
    _finish(standin, live_db, "slow-cli-pipe")


# ------------------------------------------------------------------------------------
# The real write commands, through the CLI in process, beside the stand-in
# ------------------------------------------------------------------------------------

CLI_ROUNDS = 3
CLI_ENV = {"MIXXX_PEEWEE_AUTO_BACKUP": "0"}


def _run_cli(db_path: Path, *args: str) -> str:
    """One CLI command in process (rollback mode stays rollback); asserts exit 0, returns stdout."""
    from typer.testing import CliRunner

    from mixxx_peewee.cli import app

    argv = ["--db", str(db_path), "--journal-mode", "keep", *args]
    result = CliRunner().invoke(app, argv, env=CLI_ENV)
    assert result.exit_code == 0, (args, result.exit_code, result.stderr, result.exception)
    time.sleep(PACE_S)  # a script does some work between calls
    return result.stdout


def _prefix_with_tracks(path: Path, prefix: str = "") -> tuple[str, list[tuple[int, str]]]:
    """A folder (default: the first track's artist folder) and its tracks' (id, location)."""
    conn = sqlite3.connect(path)
    try:
        if not prefix:
            first = conn.execute(
                "SELECT location FROM track_locations ORDER BY id LIMIT 1"
            ).fetchone()[0]
            prefix = "/".join(first.split("/")[:3])  # /music/<artist>
        rows = conn.execute(
            "SELECT library.id, track_locations.location FROM library JOIN track_locations "
            "ON library.location = track_locations.id WHERE track_locations.location LIKE ? "
            "ESCAPE '\\' ORDER BY library.id",
            (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%",),
        ).fetchall()
    finally:
        conn.close()
    return prefix, rows


def test_every_cli_write_command_beside_the_standin(live_db: Path, standin: StandIn) -> None:
    """Each real write command, several times through the CLI: the stand-in never suffers."""
    ids = _visible_ids(live_db, 40, offset=100)
    edit_track, cue_track = ids[30], ids[31]
    prefix, under_prefix = _prefix_with_tracks(live_db)
    assert len(under_prefix) >= 5, prefix
    moved = prefix.replace("/music/", "/music/Moved Away/", 1)
    final_crates: dict[str, list[int]] = {}
    final_playlists: dict[str, list[int]] = {}
    for r in range(CLI_ROUNDS):
        # Crates: create, add several ids, remove one, rename.
        crate = f"ours crate {r}"
        crate_id = int(_run_cli(live_db, "crates", "create", crate).split()[-1])
        members = ids[r * 5 : r * 5 + 5]
        _run_cli(live_db, "crates", "add", str(crate_id), *map(str, members))
        _run_cli(live_db, "crates", "remove", str(crate_id), str(members[0]))
        _run_cli(live_db, "crates", "rename", str(crate_id), f"ours crate {r} renamed")
        final_crates[f"ours crate {r} renamed"] = members[1:]
        # Playlists: create, append, insert at a position, move, remove.
        name = f"ours playlist {r}"
        pl_id = int(_run_cli(live_db, "playlists", "create", name).split()[-1])
        order = ids[15 + r * 4 : 15 + r * 4 + 3]
        _run_cli(live_db, "playlists", "add", str(pl_id), *map(str, order))
        inserted = ids[15 + r * 4 + 3]
        _run_cli(live_db, "playlists", "add", str(pl_id), str(inserted), "--position", "2")
        order.insert(1, inserted)
        _run_cli(live_db, "playlists", "move", str(pl_id), "4", "1")
        order.insert(0, order.pop(3))
        _run_cli(live_db, "playlists", "remove", str(pl_id), str(order[2]))
        del order[2]
        final_playlists[name] = order
        # Tracks: hide two, unhide one; edit one track's metadata.
        hidden = ids[35 + r % 2 : 35 + r % 2 + 2]
        _run_cli(live_db, "tracks", "hide", *map(str, hidden))
        _run_cli(live_db, "tracks", "unhide", str(hidden[0]))
        _run_cli(live_db, "tracks", "edit", str(edit_track), "--comment", f"round {r}", "--force")
        # Cues: set hotcue 3 (moved each round).
        _run_cli(live_db, "cues", "set", str(cue_track), f"{10 + r}.5", "--hotcue", "3", "--force")
        # Relocate a folder away and back.
        _run_cli(live_db, "relocate", prefix, moved, "--yes", "--force", "--allow-missing")
        assert len(_prefix_with_tracks(live_db, moved)[1]) == len(under_prefix)
        _run_cli(live_db, "relocate", moved, prefix, "--yes", "--force", "--allow-missing")
        # Backup (online backup API) into the test's folder.
        backup_path = live_db.parent / f"backup-{r}.sqlite"
        _run_cli(live_db, "backup", str(backup_path))
        assert backup_path.exists()

    _finish(standin, live_db, "cli-writes")

    conn = sqlite3.connect(live_db)
    try:
        for crate_name, expected in final_crates.items():
            got = [
                row[0]
                for row in conn.execute(
                    "SELECT track_id FROM crate_tracks JOIN crates ON crates.id = crate_id "
                    "WHERE crates.name = ? ORDER BY track_id",
                    (crate_name,),
                )
            ]
            assert got == sorted(expected), crate_name
        assert (
            conn.execute("SELECT count(*) FROM crates WHERE name LIKE 'ours crate _'").fetchone()[0]
            == 0
        )
        for pl_name, expected in final_playlists.items():
            rows = conn.execute(
                "SELECT PlaylistTracks.position, track_id FROM PlaylistTracks JOIN Playlists "
                "ON Playlists.id = playlist_id WHERE Playlists.name = ? "
                "ORDER BY PlaylistTracks.position",
                (pl_name,),
            ).fetchall()
            assert [p for p, _ in rows] == list(range(1, len(expected) + 1)), pl_name
            assert [t for _, t in rows] == expected, pl_name
        flags = dict(
            conn.execute(
                "SELECT id, mixxx_deleted FROM library WHERE id IN (?, ?, ?)", tuple(ids[35:38])
            )
        )
        # Round 0 hid 35, 36 (36 stays); round 1 hid 36, 37 (37 stays); round 2 unhid 35.
        assert flags == {ids[35]: 0, ids[36]: 1, ids[37]: 1}
        comment = conn.execute("SELECT comment FROM library WHERE id = ?", (edit_track,))
        assert comment.fetchone()[0] == f"round {CLI_ROUNDS - 1}"
        now = dict(
            conn.execute(
                "SELECT library.id, track_locations.location FROM library JOIN track_locations "
                "ON library.location = track_locations.id"
            )
        )
        assert [(i, now[i]) for i, _ in under_prefix] == under_prefix, "paths not back"
        assert (
            conn.execute(
                "SELECT count(*) FROM track_locations WHERE location LIKE '/music/Moved Away/%'"
            ).fetchone()[0]
            == 0
        )
        cues = conn.execute(
            "SELECT cues.position, library.samplerate FROM cues JOIN library "
            "ON library.id = cues.track_id WHERE track_id = ? AND type = 1 AND hotcue = 2",
            (cue_track,),
        ).fetchall()
        assert len(cues) == 1, cues
        position, samplerate = cues[0]
        assert abs(position / 2 / samplerate - (10 + CLI_ROUNDS - 1 + 0.5)) < 0.001
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_listing_100000_tracks_into_a_slow_pipe_never_blocks_the_standin(
    tmp_path: Path, mode: str
) -> None:
    """The issue's big read: 100,000 tracks as JSON lines into a slow reader, Mixxx writing."""
    path = build_library(tmp_path / "mixxxdb.sqlite", 100_000)
    set_journal_mode(path, mode)
    stand = start_standin(path, tmp_path / "standin")
    try:
        proc = subprocess.Popen(
            [*CLI, "--db", str(path), "--readonly", "tracks", "list", "--format", "jsonl"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        lines = 0
        while True:
            block = proc.stdout.read(512 * 1024)  # a consumer slower than the producer
            if not block:
                break
            lines += block.count(b"\n")
            time.sleep(0.05)
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else b""
        assert lines > 80_000  # every visible track (10% are hidden)
    except BaseException:
        stand.proc.kill()  # never leave the stand-in running after a failure
        stand.proc.wait()
        raise
    _finish(stand, path, f"slow-cli-pipe-100k-{mode}")
