"""Finding moved files: missing tracks found again by name and size; a tie reported, not guessed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import one_error
from cli_support import sha256
from conftest import copy_fixture
from test_tracks import add_track

import mixxx_peewee as mp
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import ValidationError


def make_library(tmp_path: Path, tracks: list[tuple[str, int, float]]) -> Path:
    """A library with ``(location, filesize, duration)`` tracks, written with raw sqlite3."""
    db = copy_fixture("schema-replay/rev39.sqlite", tmp_path)
    conn = sqlite3.connect(db)
    for location, size, duration in tracks:
        track_id = add_track(conn, location, title=location.rpartition("/")[2], duration=duration)
        conn.execute(
            "UPDATE track_locations SET filesize = ?, fs_deleted = 1 WHERE id ="
            " (SELECT location FROM library WHERE id = ?)",
            (size, track_id),
        )
    conn.commit()
    conn.close()
    return db


def put(path: Path, size: int) -> Path:
    """A file of ``size`` bytes (sparse: content does not matter, the size does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def stored(db: Path) -> dict[str, tuple[str, str, str, int]]:
    """``{title: (location, directory, filename, fs_deleted)}`` as the file has them."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT l.title, t.location, t.directory, t.filename, t.fs_deleted FROM library l"
        " JOIN track_locations t ON t.id = l.location"
    ).fetchall()
    conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_a_moved_file_is_found_by_name_and_size_and_the_three_columns_move_together(
    tmp_path: Path,
) -> None:
    db = make_library(tmp_path, [("/gone/music/a.mp3", 1000, 200.0)])
    new = tmp_path / "new"
    put(new / "x" / "a.mp3", 999)  # decoy: same name, other size
    found = put(new / "y" / "a.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    plan = mp.relink_tracks([new], dry_run=True)
    assert [(m.old, m.new) for m in plan.value.moves] == [("/gone/music/a.mp3", str(found))]
    assert stored(db)["a.mp3"][0] == "/gone/music/a.mp3"  # a dry run writes nothing
    result = mp.relink_tracks([new])
    assert result.counts["found"] == 1
    assert stored(db)["a.mp3"] == (str(found), str(found.parent), "a.mp3", 0)


def test_a_name_of_another_size_only_is_unresolved_with_why(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 200.0)])
    put(tmp_path / "new" / "a.mp3", 5)
    mp.open_library(db, auto_backup=False)
    plan = mp.relink_tracks(tmp_path / "new").value
    assert plan.moves == []
    assert "none a file of 1,000 bytes" in plan.unresolved[0].reason


def test_two_equal_candidates_are_a_tie_reported_never_guessed(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/music/a.mp3", 1000, 200.0)])
    before = sha256(db)
    one = put(tmp_path / "new" / "1" / "a.mp3", 1000)
    two = put(tmp_path / "new" / "2" / "a.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    result = mp.relink_tracks([tmp_path / "new"])
    assert result.value.moves == []
    assert result.value.unresolved[0].reason == f"2 equal candidates: {one}, {two}"
    assert sha256(db) == before  # nothing to write: the file is not even opened writable


def test_the_longest_matching_path_tail_breaks_a_tie(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/Artist/Album/a.mp3", 1000, 200.0)])
    put(tmp_path / "new" / "Other" / "a.mp3", 1000)
    best = put(tmp_path / "new" / "Artist" / "Album" / "a.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    assert [m.new for m in mp.relink_tracks([tmp_path / "new"]).value.moves] == [str(best)]


def test_the_nearest_duration_from_the_header_wins(tmp_path: Path) -> None:
    wav = _wav(tmp_path / "src.wav", seconds=2.0)
    short = _wav(tmp_path / "src1.wav", seconds=1.0)
    size = wav.stat().st_size
    assert short.stat().st_size != size
    db = make_library(tmp_path, [("/gone/t.wav", size, 2.0)])
    # Same size, different header durations: a 2 s file and a 1 s file padded to its size.
    good = tmp_path / "new" / "a" / "t.wav"
    good.parent.mkdir(parents=True)
    shutil.copy(wav, good)
    bad = tmp_path / "new" / "b" / "t.wav"
    bad.parent.mkdir(parents=True)
    _wav(bad, seconds=1.0, pad_to=size)
    assert bad.stat().st_size == size
    mp.open_library(db, auto_backup=False)
    assert [m.new for m in mp.relink_tracks([tmp_path / "new"]).value.moves] == [str(good)]


def _wav(path: Path, *, seconds: float, pad_to: int | None = None) -> Path:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * int(8000 * seconds))
    if pad_to is not None:
        with open(path, "ab") as f:
            f.write(b"\0" * (pad_to - path.stat().st_size))  # trailing bytes after the data
    return path


def test_a_dangling_symlink_is_no_candidate(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 200.0)])
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.mp3").symlink_to(tmp_path / "nowhere" / "a.mp3")  # git-annex: content absent
    real = put(new / "real" / "a.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    assert [m.new for m in mp.relink_tracks([new]).value.moves] == [str(real)]


def test_an_nfd_name_on_disk_is_found_for_an_nfc_path_and_stored_as_on_disk(
    tmp_path: Path,
) -> None:
    nfc = unicodedata.normalize("NFC", "Jóga.flac")
    nfd = unicodedata.normalize("NFD", nfc)
    db = make_library(tmp_path, [(f"/gone/{nfc}", 1000, 200.0)])
    on_disk = put(tmp_path / "new" / nfd, 1000)
    mp.open_library(db, auto_backup=False)
    mp.relink_tracks([tmp_path / "new"])
    location, _, filename, _ = stored(db)[nfc]
    assert location == str(on_disk) and filename == nfd


def test_a_file_under_a_symlinked_folder_is_stored_by_its_link_path(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 200.0)])
    put(tmp_path / "annex" / "objects" / "a.mp3", 1000)
    new = tmp_path / "new"
    new.mkdir()
    (new / "linked").symlink_to(tmp_path / "annex" / "objects")
    (new / "linked" / "loop").symlink_to(new)  # a loop: walked once
    mp.open_library(db, auto_backup=False)
    moves = mp.relink_tracks([new]).value.moves
    assert [m.new for m in moves] == [f"{new}/linked/a.mp3"]


def test_ignore_case_matches_names_differing_in_case_only_on_request(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/Track.MP3", 1000, 200.0)])
    found = put(tmp_path / "new" / "track.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    assert mp.relink_tracks([tmp_path / "new"], dry_run=True).value.moves == []
    moves = mp.relink_tracks([tmp_path / "new"], ignore_case=True).value.moves
    assert [m.new for m in moves] == [str(found)]


def test_a_path_already_in_the_library_is_unresolved(tmp_path: Path) -> None:
    new = tmp_path / "new"
    there = put(new / "a.mp3", 1000)
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 200.0), (str(there), 1000, 200.0)])
    mp.open_library(db, auto_backup=False)
    plan = mp.relink_tracks([new]).value
    assert plan.moves == []
    assert plan.unresolved[0].reason == f"{there} is already in the library as id 2"


def test_tracks_limits_the_search_and_present_files_are_left_alone(tmp_path: Path) -> None:
    new = tmp_path / "new"
    put(new / "a.mp3", 1000)
    put(new / "b.mp3", 1000)
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 1.0), ("/gone/b.mp3", 1000, 1.0)])
    mp.open_library(db, auto_backup=False)
    result = mp.relink_tracks([new], tracks=[2])
    assert [m.track_id for m in result.value.moves] == [2]
    assert stored(db)["a.mp3"][0] == "/gone/a.mp3"


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 1.0)])
    mp.open_library(db, auto_backup=False)
    with pytest.raises(ValidationError, match="does not exist"):
        mp.relink_tracks([tmp_path / "nope"])


def test_refused_while_mixxx_runs_unless_forced(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 1.0)])
    put(tmp_path / "new" / "a.mp3", 1000)
    mp.open_library(db, auto_backup=False)
    previous = set_mixxx_detector(lambda path: [MixxxProcess(99, True)])
    try:
        with pytest.raises(MixxxRunningError):
            mp.relink_tracks([tmp_path / "new"])
        assert stored(db)["a.mp3"][0] == "/gone/a.mp3"
        assert mp.relink_tracks([tmp_path / "new"], force=True).counts["found"] == 1
    finally:
        set_mixxx_detector(previous)


def test_the_command_asks_and_writes_with_yes_and_refuses_a_bad_folder(tmp_path: Path) -> None:
    db = make_library(tmp_path, [("/gone/a.mp3", 1000, 1.0), ("/gone/b.mp3", 7, 1.0)])
    found = put(tmp_path / "new" / "a.mp3", 1000)
    before = sha256(db)
    dry = cli(db, "tracks", "relink", str(tmp_path / "new"), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.splitlines() == [f"/gone/a.mp3 -> {found}"]
    assert "unresolved: track 2 /gone/b.mp3: no file named b.mp3 in the folders" in dry.stderr
    assert sha256(db) == before
    one_error(cli(db, "tracks", "relink", str(tmp_path / "new")), "--yes")  # not a terminal
    one_error(cli(db, "tracks", "relink", str(tmp_path / "nope"), "--yes"), "does not exist")
    assert sha256(db) == before
    done = cli(db, "tracks", "relink", str(tmp_path / "new"), "--yes")
    assert done.exit_code == 0, done.stderr
    assert stored(db)["a.mp3"][0] == str(found)
    assert os.path.exists(stored(db)["a.mp3"][0])


def test_importing_the_package_and_relink_does_not_load_mutagen() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mixxx_peewee; mixxx_peewee.relink_tracks; "
        "import mixxx_peewee.cli.relink; assert 'mutagen' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
