"""Backups belong to their library (issue 19): two libraries in one folder share ``backups/``
and nothing else — names, the daily backup, the listing and the rotation are per library;
backups named by earlier versions (``mixxxdb-…``) are told apart by their tracks.

Through the real command (a process of its own) unless the test is about the library API.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from cli_support import SAMPLE
from cli_support import cli
from cli_support import ok
from cli_support import parsed

import mixxx_peewee as mp
from mixxx_peewee.testing import make_sample_library

DAY = 24 * 3600
DAILY = {"MIXXX_PEEWEE_AUTO_BACKUP": "1"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with two libraries: ``main.sqlite`` (the 300-track sample) and
    ``gig.sqlite`` (7 tracks of its own, other paths)."""
    where = tmp_path / "music"
    where.mkdir()
    shutil.copy2(SAMPLE, where / "main.sqlite")
    make_sample_library(where / "gig.sqlite", tracks=7, seed=5, music_root="/gig")
    return where


def _tracks(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        count: int = conn.execute("SELECT count(*) FROM library").fetchone()[0]
        return count
    finally:
        conn.close()


def _backups(folder: Path) -> list[str]:
    return sorted(os.listdir(folder / "backups"))


def _listed(db: Path, *folder: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = parsed(cli(db, "backup", "--list", *folder, "--format", "json"))
    return rows


def _age(path: Path, days: float) -> None:
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))


def test_each_library_in_a_folder_gets_its_own_daily_backup(folder: Path) -> None:
    ok(cli(folder / "main.sqlite", "crates", "create", "Friday", env=DAILY))
    ok(cli(folder / "gig.sqlite", "crates", "create", "Saturday", env=DAILY))
    names = _backups(folder)
    assert [n.split("-")[0] for n in names] == ["gig", "main"], names
    assert all(n.endswith("-auto.sqlite") for n in names), names
    assert _tracks(folder / "backups" / names[0]) == 7
    assert _tracks(folder / "backups" / names[1]) == 300
    ok(cli(folder / "gig.sqlite", "crates", "create", "Sunday", env=DAILY))
    assert _backups(folder) == names  # one a day, per library


def test_backup_list_shows_only_the_librarys_own_backups(folder: Path) -> None:
    ok(cli(folder / "main.sqlite", "crates", "create", "Friday", env=DAILY))
    ok(cli(folder / "gig.sqlite", "crates", "create", "Saturday", env=DAILY))
    gig = _listed(folder / "gig.sqlite")
    assert [(Path(str(r["path"])).name.split("-")[0], r["tracks"], r["kind"]) for r in gig] == [
        ("gig", 7, "auto")
    ]
    main = _listed(folder / "main.sqlite")
    assert [r["tracks"] for r in main] == [300]


def test_one_librarys_rotation_never_deletes_anothers_backups(folder: Path) -> None:
    ok(cli(folder / "main.sqlite", "crates", "create", "Friday", env=DAILY))
    (mains,) = _backups(folder)
    _age(folder / "backups" / mains, 30)
    with mp.open_library(folder / "gig.sqlite"):
        for days in range(12, 2, -1):  # ten automatic backups of the gig copy, 12..3 days old
            made = mp.auto_backup(now=True)
            assert made is not None
            _age(made, days)
    ok(cli(folder / "gig.sqlite", "crates", "create", "Saturday", env=DAILY))
    names = _backups(folder)
    assert mains in names
    assert len([n for n in names if n.startswith("gig-")]) == 7


def _legacy(folder: Path, library: str, name: str, days: float) -> Path:
    """A backup of ``library`` named as versions before issue 19 named every backup."""
    (folder / "backups").mkdir(exist_ok=True)
    made = folder / "backups" / name
    shutil.copy2(folder / library, made)
    _age(made, days)
    return made


def test_an_earlier_versions_backup_is_listed_for_the_library_it_is_of(folder: Path) -> None:
    mains = _legacy(folder, "main.sqlite", "mixxxdb-auto-20250101-120000.sqlite", 40)
    gigs = _legacy(folder, "gig.sqlite", "mixxxdb-20250102-120000.sqlite", 39)
    assert [(r["path"], r["kind"]) for r in _listed(folder / "main.sqlite")] == [
        (str(mains), "auto")
    ]
    assert [(r["path"], r["kind"]) for r in _listed(folder / "gig.sqlite")] == [
        (str(gigs), "manual")
    ]


def test_earlier_versions_backups_are_never_rotated(folder: Path) -> None:
    old = [
        _legacy(folder, "main.sqlite", f"mixxxdb-auto-202501{day:02}-120000.sqlite", 40 - day)
        for day in range(1, 9)
    ]
    with mp.open_library(folder / "main.sqlite"):
        for days in range(10, 2, -1):
            made = mp.auto_backup(now=True)
            assert made is not None
            _age(made, days)
    ok(cli(folder / "main.sqlite", "crates", "create", "Friday", env=DAILY))
    assert all(path.exists() for path in old)
    listed = [Path(str(r["path"])) for r in _listed(folder / "main.sqlite")]
    assert listed[: len(old)] == old
    assert len([p for p in listed if p.name.endswith("-auto.sqlite")]) == 7


def test_backup_list_of_a_folder_shows_what_backup_wrote_there(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)  # the command runs here, as `backup .` would be typed
    db = folder / "main.sqlite"
    named = Path(ok(cli(db, "backup", ".")).stdout.strip())
    ok(cli(db, "backup", "before-gig.sqlite"))
    listed = [Path(str(r["path"])).name for r in _listed(db, ".")]
    assert sorted(listed) == sorted([named.name, "before-gig.sqlite"])
    # the gig library's own listing of the folder shows neither
    assert _listed(folder / "gig.sqlite", ".") == []


def test_a_library_named_like_a_kind_keeps_its_backups_apart(tmp_path: Path) -> None:
    where = tmp_path / "music"
    where.mkdir()
    plain = make_sample_library(where / "gig.sqlite", tracks=3, seed=1, music_root="/a")
    lookalike = make_sample_library(where / "gig-auto.sqlite", tracks=4, seed=2, music_root="/b")
    with mp.open_library(lookalike, auto_backup=False):
        theirs = mp.backup()  # gig-auto-<time>-backup.sqlite: no automatic backup of gig's
    with mp.open_library(plain, auto_backup=False):
        for _ in range(9):
            mp.auto_backup(now=True)
        assert theirs.exists()
        assert theirs not in mp.list_backups()
        assert len(mp.list_backups()) == 7


def test_the_copy_saved_before_a_restore_is_listed_as_such(folder: Path) -> None:
    db = folder / "main.sqlite"
    saved = Path(ok(cli(db, "backup")).stdout.strip())
    ok(cli(db, "restore", str(saved), "--yes"))
    kinds = {Path(str(r["path"])).name.rsplit("-", 1)[-1]: r["kind"] for r in _listed(db)}
    assert kinds == {"backup.sqlite": "manual", "restore.sqlite": "before restore"}
