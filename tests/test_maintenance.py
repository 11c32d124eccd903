"""Backups, restore and the automatic daily backup: consistent, private, all or nothing."""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_running import start_mixxx_standin
from test_running import stop

from mixxx_peewee.backups import copying as snapshots
from mixxx_peewee.backups.copying import AutoBackupWarning
from mixxx_peewee.backups.folder import auto_backup
from mixxx_peewee.backups.folder import backup
from mixxx_peewee.backups.folder import list_backups
from mixxx_peewee.backups.restore import restore
from mixxx_peewee.core.connection import db
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.library import open_library
from mixxx_peewee.library import prepare_write
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import Track
from mixxx_peewee.testing import make_sample_library

DAY = 24 * 3600


def sha256(path: Path) -> str:
    """The file's content hash (to prove a failed operation left it alone)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def crate_names(path: Path) -> list[str]:
    """Crate names of any library file, read the way another program would."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM crates ORDER BY name")]
    finally:
        conn.close()


def add_crate(name: str) -> None:
    """A small real write through ``write_transaction`` (triggers the automatic backup)."""
    with write_transaction([("crates", "name")]):
        db.execute_sql("INSERT INTO crates (name) VALUES (?)", (name,))


def check(path: Path) -> str:
    """``PRAGMA integrity_check`` of a file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _no_mixxx_running() -> Iterator[None]:
    """Unless a test starts a stand-in, no Mixxx runs (a developer's real Mixxx must not count)."""
    previous = set_mixxx_detector(lambda path: [])
    yield
    set_mixxx_detector(previous)


@pytest.fixture(autouse=True)
def _auto_backup_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(snapshots.AUTO_BACKUP_ENV, raising=False)


@pytest.fixture
def library_file(tmp_path: Path) -> Path:
    """A filled revision-39 library in its own folder."""
    return make_sample_library(tmp_path / "lib" / "mixxxdb.sqlite", tracks=60, seed=3)


@pytest.fixture(autouse=True)
def _lib_folder(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir(exist_ok=True)


@pytest.fixture(params=["delete", "wal"])
def journal_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- backup ---------------------------------------------------------------------------


def test_backup_goes_to_the_backups_folder_as_one_checked_rollback_mode_file(
    library_file: Path, journal_mode: str
) -> None:
    library = open_library(library_file, journal_mode=journal_mode)
    prepare_write(library)  # the first write's set-up asks for the journal mode
    assert library.journal_mode == journal_mode
    made = backup()
    assert made.parent == library_file.parent / "backups"
    assert made.name.startswith("mixxxdb-") and made.name.endswith("-backup.sqlite")
    assert check(made) == "ok"
    conn = sqlite3.connect(made)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM library").fetchone()[0] == 60
    conn.close()
    assert sorted(os.listdir(made.parent)) == [made.name]  # no temp file, no -wal
    assert crate_names(made) == crate_names(library_file)


def test_two_backups_in_the_same_second_get_distinct_names(library_file: Path) -> None:
    open_library(library_file)
    first, second = backup(), backup()
    assert first != second and first.exists() and second.exists()
    assert list_backups() == sorted([first, second], key=lambda p: (p.stat().st_mtime, p.name))


def test_backup_into_a_folder_names_the_file(library_file: Path, tmp_path: Path) -> None:
    open_library(library_file)
    made = backup(tmp_path)
    assert made.parent == tmp_path and check(made) == "ok"


@pytest.mark.parametrize("bits", [0o600, 0o640, 0o664])
def test_backup_keeps_the_library_permission_bits_from_the_start(
    library_file: Path, monkeypatch: pytest.MonkeyPatch, bits: int
) -> None:
    library_file.chmod(bits)
    seen: list[int] = []
    real_open = os.open

    def spy(path: object, flags: int, mode: int = 0o777, *args: object, **kw: object) -> int:
        fd = real_open(path, flags, mode, *args, **kw)  # type: ignore[arg-type]
        if str(path).endswith(".tmp"):
            seen.append(os.fstat(fd).st_mode & 0o777)  # before a byte of data is written
        return fd

    monkeypatch.setattr(snapshots.os, "open", spy)
    old_umask = os.umask(0o022)
    try:
        open_library(library_file)
        made = backup()
    finally:
        os.umask(old_umask)
    assert seen and all(mode & ~bits == 0 for mode in seen)  # never wider than the library
    assert made.stat().st_mode & 0o777 == bits
    if bits == 0o600:
        assert made.parent.stat().st_mode & 0o077 == 0  # a private library's folder too


def test_backup_over_an_existing_file_is_refused_and_leaves_it_alone(
    library_file: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "taken.sqlite"
    dest.write_bytes(b"precious")
    open_library(library_file)
    with pytest.raises(BackupError, match="exists already"):
        backup(dest)
    assert dest.read_bytes() == b"precious"


def test_backup_into_a_missing_folder_is_a_clear_error(library_file: Path, tmp_path: Path) -> None:
    open_library(library_file)
    with pytest.raises(BackupError, match="no such folder"):
        backup(tmp_path / "nowhere" / "b.sqlite")


def test_backup_onto_the_library_itself_is_refused(library_file: Path) -> None:
    open_library(library_file)
    with pytest.raises(BackupError, match="exists already"):
        backup(library_file)


def _mount_tmpfs(where: Path, options: str) -> bool:
    """Mount a small tmpfs (root only); False when this machine does not allow it."""
    where.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", str(where)], capture_output=True)


def test_backup_into_a_read_only_folder_fails_cleanly(library_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    mounted = _mount_tmpfs(folder, "size=1m,ro")
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("cannot mount a read-only tmpfs here (root ignores permission bits)")
        folder.chmod(0o555)
    open_library(library_file)
    before = sha256(library_file)
    try:
        with pytest.raises(BackupError, match="read-only or no permission"):
            backup(folder / "b.sqlite")
        assert os.listdir(folder) == []
    finally:
        if mounted:
            _umount(folder)
        folder.chmod(0o755)
    assert sha256(library_file) == before


def test_backup_when_the_folder_turns_read_only_fails_cleanly(
    library_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulated: works for root too. The temp file is refused (EROFS) before anything is written.
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    open_library(library_file)
    before = sha256(library_file)
    monkeypatch.setattr(snapshots.os, "open", refuse)
    with pytest.raises(BackupError, match="read-only"):
        backup(tmp_path / "b.sqlite")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib"]
    assert sha256(library_file) == before


def test_backup_onto_a_full_disk_fails_cleanly_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    library_file = make_sample_library(tmp_path / "lib" / "mixxxdb.sqlite", tracks=3000)
    assert library_file.stat().st_size > 1_000_000
    folder = tmp_path / "small"
    if not _mount_tmpfs(folder, "size=256k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    open_library(library_file)
    before = sha256(library_file)
    try:
        with pytest.raises(BackupError, match="disk full") as caught:
            backup(folder / "b.sqlite")
        assert "nothing written" in str(caught.value)
        assert os.listdir(folder) == []
    finally:
        _umount(folder)
    assert sha256(library_file) == before


def test_a_copy_failing_midway_leaves_no_partial_file(
    library_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(
        source: sqlite3.Connection, target: sqlite3.Connection, wait_ms: int, report: object
    ) -> None:
        source.backup(target, pages=1)  # part of it written ...
        raise sqlite3.OperationalError("database or disk is full")  # ... then the disk fills

    open_library(library_file)
    before = sha256(library_file)
    monkeypatch.setattr(snapshots, "_copy_pages", full)
    with pytest.raises(BackupError, match="disk full"):
        backup(tmp_path / "b.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib"]
    assert sha256(library_file) == before


class Writer(threading.Thread):
    """Another program writing all the time: 20 crates plus a counter per transaction."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.commits = 0
        self.errors: list[str] = []
        self.longest_wait = 0.0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        conn.execute("INSERT INTO settings (name, value) VALUES ('test.writer', '0')")
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn.execute("BEGIN")
                for i in range(20):
                    conn.execute("INSERT INTO crates (name) VALUES (?)", (f"w{self.commits}-{i}",))
                conn.execute(
                    "UPDATE settings SET value = ? WHERE name = 'test.writer'",
                    (str(self.commits + 1),),
                )
                conn.execute("COMMIT")
                self.commits += 1
            except sqlite3.Error as exc:
                self.errors.append(str(exc))
                conn.execute("ROLLBACK")
            self.longest_wait = max(self.longest_wait, time.monotonic() - started)
            time.sleep(0.001)
        conn.close()


def test_backup_while_another_program_writes_is_a_consistent_snapshot(
    tmp_path: Path, journal_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_file = make_sample_library(tmp_path / "lib" / "mixxxdb.sqlite", tracks=1500)
    monkeypatch.setattr(snapshots, "_STEP_PAGES", 8)  # many steps: writers interleave
    open_library(library_file, journal_mode=journal_mode, auto_backup=False)
    writer = Writer(library_file)
    writer.start()
    try:
        while writer.commits < 3:
            time.sleep(0.01)
        made = [backup() for _ in range(3)]
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.errors == []
    assert writer.longest_wait < 2.0, writer.longest_wait  # never near Mixxx's 5 s timeout
    for copy in made:
        assert check(copy) == "ok"
        conn = sqlite3.connect(copy)
        counter = int(
            conn.execute("SELECT value FROM settings WHERE name = 'test.writer'").fetchone()[0]
        )
        rows = conn.execute("SELECT count(*) FROM crates WHERE name LIKE 'w%'").fetchone()[0]
        conn.close()
        assert rows == 20 * counter  # every transaction fully in, or not at all
    assert writer.commits > 3


def test_backup_gives_up_cleanly_when_the_library_stays_locked(
    library_file: Path, tmp_path: Path
) -> None:
    open_library(library_file, journal_mode="delete", busy_timeout_ms=200)
    scan = sqlite3.connect(library_file, isolation_level=None)
    scan.execute("BEGIN EXCLUSIVE")  # like a library scan that has spilled to the file
    try:
        started = time.monotonic()
        with pytest.raises(BackupError, match="busy"):
            backup(tmp_path / "b.sqlite")
        assert time.monotonic() - started < 5
    finally:
        scan.execute("ROLLBACK")
        scan.close()
    assert not (tmp_path / "b.sqlite").exists()


# --- restore --------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_journal_mode(
    library_file: Path, journal_mode: str
) -> None:
    open_library(library_file, journal_mode=journal_mode)
    saved = backup()
    original = crate_names(library_file)
    add_crate("made after the backup")
    assert "made after the backup" in crate_names(library_file)

    result = restore(saved)

    assert crate_names(library_file) == original
    assert "made after the backup" in crate_names(Path(result.value))  # current state kept
    assert result.operation == "restore" and not result.dry_run
    assert result.counts["tracks"] == 60
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == journal_mode
    assert Track.select().count() == 60  # the open library goes on working
    add_crate("after restore")
    assert check(library_file) == "ok"


def test_restore_of_a_file_with_another_page_size_into_a_wal_library(
    library_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(library_file)
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM INTO ?", (str(other),))
    conn.close()
    assert sqlite3.connect(other).execute("PRAGMA page_size").fetchone()[0] == 8192
    open_library(library_file, journal_mode="wal")
    add_crate("gone after restore")
    restore(other)
    assert "gone after restore" not in crate_names(library_file)
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert check(library_file) == "ok"


def test_restore_dry_run_plans_without_writing_even_when_opened_read_only(
    library_file: Path,
) -> None:
    open_library(library_file)
    saved = backup()
    open_library(library_file, readonly=True)
    before = sha256(library_file)
    plan = restore(saved, dry_run=True)
    assert plan.dry_run and len(plan.changes) == 2 and plan.counts["tracks"] == 60
    assert sha256(library_file) == before
    assert len(list_backups()) == 1
    with pytest.raises(ReadOnlyError):
        restore(saved)


@pytest.mark.parametrize(
    "content", [b"", b"not a database at all" * 10, "sqlite-of-another-program"]
)
def test_restore_refuses_a_file_that_is_not_a_mixxx_library(
    library_file: Path, tmp_path: Path, content: bytes | str
) -> None:
    src = tmp_path / "src.sqlite"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        sqlite3.connect(src).execute("CREATE TABLE notes (x)").connection.commit()
    open_library(library_file)
    before = sha256(library_file)
    with pytest.raises(NotAMixxxDatabaseError):
        restore(src)
    assert sha256(library_file) == before
    assert list_backups() == []  # refused before anything was done


def test_restore_is_refused_while_a_standin_mixxx_holds_the_library(
    library_file: Path, tmp_path: Path
) -> None:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs Linux /proc")
    set_mixxx_detector(None)  # the real detector, against a real process
    open_library(library_file)
    saved = backup(tmp_path / "saved.sqlite")
    add_crate("stays")
    before = sha256(library_file)
    proc = start_mixxx_standin(library_file)
    try:
        for force in (False, True):
            with pytest.raises(MixxxRunningError, match=str(proc.pid)):
                restore(saved, force=force)
    finally:
        stop(proc)
    assert sha256(library_file) == before
    restore(saved)  # once Mixxx has quit
    assert "stays" not in crate_names(library_file)


def test_restore_refuses_the_open_library_itself(library_file: Path) -> None:
    open_library(library_file)
    with pytest.raises(Exception, match="itself"):
        restore(library_file)


# --- automatic backups ----------------------------------------------------------------


def _age(path: Path, days: float) -> None:
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))


def test_the_first_write_makes_an_automatic_backup_and_later_ones_the_same_day_do_not(
    library_file: Path,
) -> None:
    open_library(library_file)
    add_crate("one")
    first = list_backups()
    assert len(first) == 1 and first[0].name.endswith("-auto.sqlite")
    assert "one" not in crate_names(first[0])  # taken before the write
    add_crate("two")
    add_crate("three")
    assert list_backups() == first


def test_a_backup_more_than_a_day_old_makes_the_next_write_back_up(library_file: Path) -> None:
    open_library(library_file)
    add_crate("one")
    (old,) = list_backups()
    _age(old, 1.1)
    add_crate("two")
    backups = list_backups()
    assert len(backups) == 2 and backups[0] == old
    assert "one" in crate_names(backups[1]) and "two" not in crate_names(backups[1])


def test_a_fresh_manual_backup_counts_as_todays(library_file: Path) -> None:
    open_library(library_file)
    manual = backup()
    add_crate("one")
    assert list_backups() == [manual]


def test_rotation_keeps_the_last_seven_automatic_backups_and_every_manual_one(
    library_file: Path,
) -> None:
    open_library(library_file)
    manual = backup()
    _age(manual, 30)
    for days in range(12, 2, -1):  # ten automatic backups, 12 .. 3 days old
        made = auto_backup(now=True)
        assert made is not None
        _age(made, days)
    add_crate("now")
    backups = list_backups()
    autos = [p for p in backups if p.name.endswith("-auto.sqlite")]
    assert manual in backups
    assert len(autos) == 7
    ages = sorted(round((time.time() - p.stat().st_mtime) / DAY) for p in autos)
    assert ages == [0, 3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize("value", ["0", "off", "false"])
def test_the_environment_turns_automatic_backups_off(
    library_file: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(snapshots.AUTO_BACKUP_ENV, value)
    open_library(library_file)
    add_crate("one")
    assert not (library_file.parent / "backups").exists()


def test_the_open_option_turns_automatic_backups_off(library_file: Path) -> None:
    open_library(library_file, auto_backup=False)
    add_crate("one")
    assert not (library_file.parent / "backups").exists()


def test_a_forced_automatic_backup_happens_once_per_open_even_when_one_is_fresh(
    library_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(snapshots.AUTO_BACKUP_ENV, "0")  # the explicit option wins
    open_library(library_file)
    backup()
    open_library(library_file, auto_backup="force")
    add_crate("one")
    add_crate("two")
    assert len(list_backups()) == 2


def test_a_failed_daily_backup_warns_and_the_write_goes_ahead(library_file: Path) -> None:
    (library_file.parent / "backups").write_text("a file where the folder should be")
    open_library(library_file)
    with pytest.warns(AutoBackupWarning, match="automatic backup skipped"):
        add_crate("written anyway")
    assert "written anyway" in crate_names(library_file)


def test_a_failed_forced_backup_stops_the_write(library_file: Path) -> None:
    (library_file.parent / "backups").write_text("a file where the folder should be")
    open_library(library_file, auto_backup="force")
    before = sha256(library_file)
    with pytest.raises(BackupError):
        add_crate("never written")
    assert sha256(library_file) == before


def test_routine_writes_only_look_at_the_folder(
    library_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_library(library_file)
    add_crate("first")  # today's backup

    def no_backup(*args: object, **kwargs: object) -> Path:
        raise AssertionError("a backup was made on a routine write")

    monkeypatch.setattr(snapshots, "copy_library", no_backup)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(20):
            add_crate(f"routine {i}")


def test_a_read_only_open_never_backs_up(library_file: Path) -> None:
    open_library(library_file, readonly=True)
    with pytest.raises(ReadOnlyError):
        add_crate("refused")
    assert not (library_file.parent / "backups").exists()


def test_nested_write_transactions_back_up_once(library_file: Path) -> None:
    open_library(library_file)
    with write_transaction([("crates", "name")]):
        add_crate("inner")
    assert len(list_backups()) == 1


def test_the_detector_stand_in_blocks_restore(library_file: Path) -> None:
    open_library(library_file)
    saved = backup()
    set_mixxx_detector(lambda path: [MixxxProcess(999, True)])
    with pytest.raises(MixxxRunningError, match="999"):
        restore(saved)


def test_a_library_locked_by_a_scan_skips_the_daily_backup_quickly_and_the_write_waits(
    library_file: Path,
) -> None:
    open_library(library_file, journal_mode="delete", busy_timeout_ms=5000)
    scan = sqlite3.connect(library_file, isolation_level=None, check_same_thread=False)
    scan.execute("BEGIN EXCLUSIVE")  # a Mixxx library scan, 1.5 s long
    releaser = threading.Timer(1.5, lambda: scan.execute("COMMIT"))
    releaser.start()
    started = time.monotonic()
    try:
        with pytest.warns(AutoBackupWarning, match="busy"):
            add_crate("after the scan")
    finally:
        releaser.join()
        scan.close()
    took = time.monotonic() - started
    assert 1.4 < took < 3.0, took  # the backup gave up after ~1 s, not after 5 s
    assert "after the scan" in crate_names(library_file)
    assert list_backups() == []


def test_restore_gives_up_cleanly_when_another_program_holds_the_lock(
    library_file: Path, tmp_path: Path
) -> None:
    open_library(library_file, journal_mode="delete", busy_timeout_ms=300)
    saved = backup(tmp_path / "saved.sqlite")
    add_crate("kept")
    other = sqlite3.connect(library_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a writer that is not Mixxx, mid-transaction
    try:
        with pytest.raises(BackupError, match="library is as before"):
            restore(saved)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "kept" in crate_names(library_file)
    assert check(library_file) == "ok"


def test_backup_reports_progress_up_to_every_page(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "mixxxdb.sqlite", tracks=10_000, seed=2)
    seen: list[tuple[int, int]] = []
    with open_library(path, journal_mode="keep", auto_backup=False):
        backup(tmp_path / "copy.sqlite", progress=lambda d, t: seen.append((d, t)))
    assert len(seen) > 1  # rollback journal: copied in steps
    assert seen[-1][0] == seen[-1][1] > 0
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
