"""Opening never writes; the first write does, and says so up front when it cannot.

A writable open that only reads leaves the file byte-identical (the journal-mode switch and
the change journal belong to the first write); a read-only file or folder is refused before
any backup or journal file is made; Ctrl-C during a write rolls it back and says so.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import ROOT
from cli_support import SAMPLE
from cli_support import child_env
from cli_support import cli
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from doc_pages import doc_text

from mixxx_peewee import list_changes
from mixxx_peewee import list_crates
from mixxx_peewee import open_library
from mixxx_peewee.cli.state import CliState
from mixxx_peewee.testing import make_sample_library

FIXTURE = ROOT / "fixtures" / "real-mixxx-2.3.3" / "mixxxdb.sqlite"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def _readme_library_example() -> tuple[str, str]:
    """The documentation's runnable example on the real-Mixxx fixture and its "Real output"."""
    text = doc_text()
    start = text.index("On the fixture made by a real Mixxx 2.3.3")
    found = re.search(r"```python\n(.*?)```\n\nReal output:\n\n```\n(.*?)```", text[start:], re.S)
    assert found is not None, "the documentation's library example moved"
    return found.group(1), found.group(2)


def test_readme_library_example_prints_its_real_output_and_writes_nothing(
    tmp_path: Path,
) -> None:
    code, shown = _readme_library_example()
    copy = tmp_path / FIXTURE.relative_to(ROOT)  # run on a copy, at the path the example names
    copy.parent.mkdir(parents=True)
    shutil.copy2(FIXTURE, copy)
    before, files = _sha(copy), _siblings(copy)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=child_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    assert _sha(copy) == before  # a writable open that only read: not a byte changed
    assert _siblings(copy) == files  # no change journal, no -wal/-shm left behind


# -- a library that cannot be written -----------------------------------------------------

NOBODY = 65534  # root writes a chmod-444 file anyway: root tests run the write as nobody


def _as_nobody() -> list[str]:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to write as another user than root")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def _read_only_mount(folder: Path) -> list[str]:
    """Run the command in its own mount namespace where ``folder`` is a read-only bind mount
    (gone with the process: nothing to undo); skips where mounting is not allowed."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    prefix = ["unshare", "--mount", "sh", "-c", script, str(folder)]
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a read-only bind mount needs root and unshare")
    probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True)
    if probe.returncode == 0 or (folder / "probe").exists():
        pytest.skip(f"no read-only bind mount here: {probe.stderr.decode().strip()}")
    return prefix


@pytest.fixture
def library_folder() -> Iterator[Path]:
    """``…/lib/`` holding a sample library, under a folder every user can reach (pytest's
    tmp_path is private to its user, and some tests run the command as nobody)."""
    top = Path(tempfile.mkdtemp(prefix="mixxx-peewee-readonly-"))
    top.chmod(0o755)
    folder = top / "lib"
    folder.mkdir()
    shutil.copy2(SAMPLE, folder / "mixxxdb.sqlite")
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(top)


def _refused_leaving_nothing(db: Path, prefix: list[str], *words: str) -> None:
    """A write (daily backup on) fails with one error line, before any backup or journal."""
    before, files = _sha(db), _siblings(db)
    result = cli(
        db, "crates", "create", "Never", env={"MIXXX_PEEWEE_AUTO_BACKUP": "1"}, prefix=prefix
    )
    line = one_error(result, str(db), *words, "nothing written")
    assert result.stderr.splitlines() == [line]  # said once: no backup note, no journal note
    assert _sha(db) == before
    assert _siblings(db) == files  # no backups/, no change journal, no -journal/-wal


@pytest.mark.parametrize("how", ["chmod", "read-only-mount"])
def test_a_write_to_a_read_only_file_is_refused_up_front(library_folder: Path, how: str) -> None:
    db = library_folder / "mixxxdb.sqlite"
    if how == "read-only-mount":
        prefix = _read_only_mount(library_folder)
    else:
        db.chmod(0o444)
        prefix = []
        if os.geteuid() == 0:
            prefix = _as_nobody()
            os.chown(library_folder, NOBODY, NOBODY)  # nobody could make a backup there
    _refused_leaving_nothing(db, prefix, "the file is read-only")


def test_a_write_in_a_read_only_folder_is_refused_up_front(library_folder: Path) -> None:
    """The file is writable, its folder not: SQLite could not make its journal files."""
    db = library_folder / "mixxxdb.sqlite"
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = _as_nobody()
        os.chown(db, NOBODY, NOBODY)  # nobody may write the file, not root's folder
    else:
        library_folder.chmod(0o555)
    _refused_leaving_nothing(db, prefix, f"its folder {library_folder} is read-only")


# -- Ctrl-C --------------------------------------------------------------------------------


def test_ctrl_c_during_a_write_rolls_it_back_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "mixxxdb.sqlite"
    make_sample_library(db, tracks=20_000, seed=1)  # a relocation that takes a while
    before = _sha(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXXX_", "PYTEST_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", MIXXX_PEEWEE_AUTO_BACKUP="0")
    argv = ["--db", str(db), "--journal-mode", "keep"]  # keep: the bytes compare as they were
    argv += ["relocate", "/music", "/elsewhere", "--allow-missing", "--yes"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mixxx_peewee", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    hot = Path(f"{db}-journal")  # exists from the transaction's first changed page to COMMIT
    deadline = time.monotonic() + 120
    while proc.poll() is None and not hot.exists() and time.monotonic() < deadline:
        time.sleep(0.0005)
    assert proc.poll() is None, "the write ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert err.splitlines() == ["interrupted; nothing written"]
    assert not hot.exists()  # rolled back, not left hot
    assert _sha(db) == before
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with open_library(db, readonly=True):
        assert list_changes() == []  # the pending change was dropped with the write


def test_ctrl_c_after_the_commit_does_not_claim_nothing_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sample_library(tmp_path)

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the committed write's outcome is printed

    monkeypatch.setattr(CliState, "report", interrupted)
    result = run(db, "crates", "create", "Saved")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "interrupted after the write was saved"
    with open_library(db, readonly=True):
        assert "Saved" in {crate["name"] for crate in list_crates()}


def test_restore_to_a_read_only_file_is_refused_before_its_copy(library_folder: Path) -> None:
    """The API too: restore() copies the current library first, so it checks before that."""
    db = library_folder / "mixxxdb.sqlite"
    source = library_folder.parent / "source.sqlite"
    shutil.copy2(SAMPLE, source)
    db.chmod(0o444)
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = _as_nobody()
        os.chown(library_folder, NOBODY, NOBODY)  # nobody could make the copy there
    before, files = _sha(db), _siblings(db)
    code = (
        "import sys, mixxx_peewee as mp\n"
        "mp.open_library(sys.argv[1])\n"
        "try:\n"
        "    mp.restore(sys.argv[2])\n"
        "except mp.ReadOnlyError as exc:\n"
        "    print(exc)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXXX_", "PYTEST_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", MIXXX_PEEWEE_AUTO_BACKUP="1")
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code, str(db), str(source)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert done.stdout == f"{db}: the file is read-only; nothing written\n", done.stderr
    assert _sha(db) == before
    assert _siblings(db) == files  # no backups/ with a mixxxdb-before-restore copy


def test_the_cli_says_once_that_the_first_write_switched_the_journal_mode(
    tmp_path: Path,
) -> None:
    db = sample_library(tmp_path)
    before = _sha(db)
    cli(db, "tracks", "list", "--limit", "2")  # a read command
    info = cli(db, "-v", "info")
    assert "journal delete (unchanged: read-only open)" in info.stderr
    assert _sha(db) == before
    note = f"note: {db}: journal mode wal (switched from delete; stored in the file)"
    first = cli(db, "crates", "create", "First")
    assert first.stderr.splitlines()[:2] == [note, "create crate 'First'"]
    again = cli(db, "crates", "create", "Second")
    assert note not in again.stderr
