"""A write killed with SIGKILL at a random moment leaves the file fully before or fully after.

A child process opens the library and runs one big write (5,000 tracks into a crate,
3,000 inserted at the top of a playlist, a relocation of every track); the parent kills it
after a random delay inside the write's run time. After each kill: ``PRAGMA
integrity_check`` is ok, the invariants hold (positions 1..n, crate pairs unique, every
``library`` row has its ``track_locations`` row) and the touched tables equal either the
state before or the state after a completed run. A ``-wal`` file left by a killed process
and a hot rollback journal are recovered by SQLite on the next open.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from invariants import check_invariants

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin_mixxx import build_library
from standin_mixxx import set_journal_mode

CHILD = textwrap.dedent(
    """
    import sys
    import mixxx_peewee as m

    path, mode, op = sys.argv[1], sys.argv[2], sys.argv[3]
    m.open_library(path, journal_mode="keep")
    ids = [r[0] for r in m.db.execute_sql("SELECT id FROM library ORDER BY id")]
    print("go", flush=True)
    if op == "crate":
        m.add_tracks_to_crate("killed", ids[:5000])
    elif op == "playlist":
        m.add_tracks_to_playlist("target", ids[:3000], position=1)
    elif op == "relocate":
        m.relocate_tracks("/music", "/moved/music", allow_missing=True)
    print("done", flush=True)
    """
)

# What each operation touches, as a fingerprint query.
TOUCHED = {
    "crate": "SELECT crate_id, track_id FROM crate_tracks ORDER BY crate_id, track_id",
    "playlist": "SELECT playlist_id, position, track_id FROM PlaylistTracks "
    "ORDER BY playlist_id, position",
    "relocate": "SELECT id, location, directory, filename FROM track_locations ORDER BY id",
}
TRIALS = {"crate": 5, "playlist": 4, "relocate": 4}  # per journal mode


def fingerprint(path: Path, op: str) -> str:
    """A hash of the rows the operation touches."""
    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        for row in conn.execute(TOUCHED[op]):
            digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def base_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 tracks, a playlist ``target`` with 200 entries, built once."""
    path = build_library(tmp_path_factory.mktemp("crashlib") / "mixxxdb.sqlite", 10_000)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    pid = conn.execute(
        "INSERT INTO Playlists (name, position, hidden, date_created, date_modified, locked) "
        "VALUES ('target', 999, 0, datetime('now'), datetime('now'), 0)"
    ).lastrowid
    conn.executemany(
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, ?, ?)",
        [(pid, 5000 + i, i) for i in range(1, 201)],
    )
    conn.execute(
        "INSERT INTO crates (name, count, show, locked, autodj_source) "
        "VALUES ('killed', 0, 1, 0, 0)"
    )
    conn.execute("COMMIT")
    conn.close()
    return path


def _copy(base: Path, dest_dir: Path, mode: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / "mixxxdb.sqlite"
    shutil.copyfile(base, dest)
    set_journal_mode(dest, mode)
    return dest


def _child(tmp_path: Path, path: Path, mode: str, op: str) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    if not script.exists():
        script.write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), str(path), mode, op],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _complete_run(tmp_path: Path, base: Path, mode: str, op: str) -> tuple[str, float]:
    """Fingerprint after a run that completes, and how long the write took."""
    path = _copy(base, tmp_path / f"complete-{op}-{mode}", mode)
    proc = _child(tmp_path, path, mode, op)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "go", proc.stderr.read()  # type: ignore[union-attr]
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    took = time.monotonic() - start
    assert proc.returncode == 0, err
    assert "done" in out
    check_invariants(path)
    return fingerprint(path, op), took


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_sigkill_during_a_write_leaves_before_or_after(
    tmp_path: Path, base_library: Path, mode: str
) -> None:
    """Kill big writes at random moments: integrity ok, invariants ok, before-or-after."""
    pytest.importorskip("mixxx_peewee.trackset.crates")
    rng = random.Random(f"crash-{mode}")
    tally = {"trials": 0, "before": 0, "after": 0}
    for op, trials in TRIALS.items():
        before = fingerprint(base_library, op)
        after, took = _complete_run(tmp_path, base_library, mode, op)
        assert before != after
        for trial in range(trials):
            path = _copy(base_library, tmp_path / f"{op}-{mode}-{trial}", mode)
            proc = _child(tmp_path, path, mode, op)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "go"
            time.sleep(rng.uniform(0, took * 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.returncode == -signal.SIGKILL or proc.returncode == 0
            check_invariants(path)
            now = fingerprint(path, op)
            assert now in (before, after), f"{op} trial {trial}: half-applied"
            undo = not tally.get(f"undone-{op}")
            _journal_agrees(path, op, now == after, undo=undo, before=before)
            tally[f"undone-{op}"] = tally.get(f"undone-{op}", 0) or int(now == after)
            tally["trials"] += 1
            tally["before" if now == before else "after"] += 1
    print(f"\ncrash trials ({mode}): {tally}")


OPERATIONS = {"crate": "add_tracks_to_crate", "playlist": "add_tracks_to_playlist",
              "relocate": "relocate_tracks"}  # fmt: skip


def _journal_agrees(path: Path, op: str, applied: bool, *, undo: bool, before: str) -> None:
    """The change journal tells the same story as the library: the change is recorded
    exactly when the library has it (a pending record of a killed process is settled on
    the next writable open), and undoing it gives the library before it back."""
    import mixxx_peewee

    with mixxx_peewee.open_library(path, journal_mode="keep", auto_backup=False):
        changes = mixxx_peewee.list_changes()
        if not applied:
            assert changes == [], f"{op}: recorded a change the library does not have"
            return
        assert [(c.operation, c.state) for c in changes] == [(OPERATIONS[op], "done")]
        if undo:
            mixxx_peewee.undo_change()
            assert fingerprint(path, op) == before, f"{op}: undo did not give the library back"
    if undo:
        check_invariants(path)


def _kill_when_ready(script: Path, path: Path, body: str) -> None:
    """Run ``body`` (statements on ``conn``, open on ``path``) in a process; SIGKILL it mid-way."""
    script.write_text(
        "import sqlite3, sys, time\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        + textwrap.dedent(body)
        + 'print("ready", flush=True)\ntime.sleep(60)\n'
    )
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_wal_left_by_a_killed_process_is_recovered(tmp_path: Path) -> None:
    """Committed data still in the -wal of a killed process is there on the next open."""
    import mixxx_peewee

    path = build_library(tmp_path / "mixxxdb.sqlite", 50)
    set_journal_mode(path, "wal")
    _kill_when_ready(
        tmp_path / "commit_then_hang.py",
        path,
        """
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("BEGIN")
            conn.execute("INSERT INTO crates (name) VALUES ('in the wal')")
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO crates (name) VALUES ('never committed')")
        """,
    )
    wal = Path(str(path) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    with mixxx_peewee.open_library(path, readonly=True):
        names = {c.name for c in mixxx_peewee.Crate.select()}
    assert "in the wal" in names
    assert "never committed" not in names
    check_invariants(path)


def _leave_hot_journal(tmp_path: Path, path: Path) -> None:
    """Kill a rollback-mode writer after it spilled uncommitted pages into the database file."""
    _kill_when_ready(
        tmp_path / "spill_then_hang.py",
        path,
        """
            conn.execute("PRAGMA cache_size = 2")  # forces uncommitted pages into the file
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE library SET title = 'HALF WRITTEN ' || id")
            conn.execute("UPDATE track_locations SET filesize = -1")
        """,
    )
    journal = Path(str(path) + "-journal")
    assert journal.exists() and journal.stat().st_size > 0, "no hot journal was left"


def test_hot_journal_is_rolled_back_by_a_writable_open(tmp_path: Path) -> None:
    """A rollback journal left by a killed writer is rolled back when we next open the file."""
    import mixxx_peewee

    path = build_library(tmp_path / "mixxxdb.sqlite", 2000)
    set_journal_mode(path, "delete")
    _leave_hot_journal(tmp_path, path)
    with mixxx_peewee.open_library(path, journal_mode="keep"):
        titles = [r[0] for r in mixxx_peewee.db.execute_sql("SELECT title FROM library")]
    assert not any(t and t.startswith("HALF WRITTEN") for t in titles)
    check_invariants(path)


def test_hot_journal_with_a_readonly_open_fails_cleanly_or_reads_rolled_back(
    tmp_path: Path,
) -> None:
    """A read-only open cannot roll a hot journal back: a clean error, never half-written rows."""
    import mixxx_peewee
    from mixxx_peewee.errors import MixxxPeeweeError

    path = build_library(tmp_path / "mixxxdb.sqlite", 2000)
    set_journal_mode(path, "delete")
    _leave_hot_journal(tmp_path, path)
    try:
        with mixxx_peewee.open_library(path, readonly=True):
            titles = [r[0] for r in mixxx_peewee.db.execute_sql("SELECT title FROM library")]
    except MixxxPeeweeError as exc:
        assert "\n" not in str(exc)
        print(f"\nread-only open with a hot journal: {type(exc).__name__}: {exc}")
    else:
        assert not any(t and t.startswith("HALF WRITTEN") for t in titles)
    check_invariants(path)
