"""library_stats, find_duplicates, track_usage and backup_details: the library functions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_fixture

import mixxx_peewee as mp
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.tracks.duplicates import BY_NAME
from mixxx_peewee.tracks.duplicates import BY_SIZE
from mixxx_peewee.tracks.duplicates import match_key


def _add(conn: sqlite3.Connection, artist: str | None, title: str | None, duration: float,
         size: int = 1000, **extra: object) -> int:  # fmt: skip
    n = conn.execute("SELECT count(*) FROM track_locations").fetchone()[0]
    where = f"/music/t/{n}.mp3"
    loc = conn.execute(
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) VALUES (?, ?, '/music/t', ?, ?, 0)",
        (where, f"{n}.mp3", size, extra.pop("fs_deleted", 0)),
    ).lastrowid
    columns = ["artist", "title", "duration", "location", *extra]
    values = [artist, title, duration, loc, *extra.values()]
    marks = ", ".join("?" * len(values))
    row = conn.execute(f"INSERT INTO library ({', '.join(columns)}) VALUES ({marks})", values)
    return int(row.lastrowid or 0)


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    db = copy_fixture("schema-replay/rev39.sqlite", tmp_path)
    conn = sqlite3.connect(db)
    yield db, conn
    conn.close()


def test_match_key_folds_case_accents_spaces_and_original_mix() -> None:
    assert match_key("Björk ", "Jóga  (Original Mix)") == ("bjork", "joga")
    assert match_key("BJORK", "joga [original version]") == ("bjork", "joga")
    assert match_key("x", "Song - Original Mix") == ("x", "song")
    # Other mix names are other recordings; a bare suffix is no title.
    assert match_key("x", "Song (Extended Mix)") == ("x", "song (extended mix)")
    assert match_key("x", "(Original Mix)") is None
    assert match_key("x", "") is None and match_key("x", None) is None


def test_duplicates_by_title_within_tolerance_and_by_size(
    empty: tuple[Path, sqlite3.Connection],
) -> None:
    db, conn = empty
    a = _add(conn, "Björk", "Jóga", 300.0, size=1)
    b = _add(conn, "BJORK", "Joga (Original Mix)", 301.5, size=2)
    far = _add(conn, "Bjork", "Joga", 320.0, size=3)
    c = _add(conn, "Other", "Thing", 200.0, size=555)
    d = _add(conn, "Else", "Entirely", 200.4, size=555)
    _add(conn, "No", "", 200.0, size=9)
    _add(conn, "No", "", 200.0, size=10)  # empty titles never match
    hidden = _add(conn, "Björk", "Jóga", 300.5, size=4, mixxx_deleted=1)
    conn.commit()
    mp.open_library(db, readonly=True)
    groups = mp.find_duplicates()
    assert [(g.track_ids, g.reasons) for g in groups] == [
        ((a, b), (BY_NAME,)),
        ((c, d), (BY_SIZE,)),
    ]
    assert far not in {i for g in groups for i in g.track_ids}
    assert mp.find_duplicates(tolerance=25)[0].track_ids == (a, b, far)
    assert mp.find_duplicates(hidden=None)[0].track_ids == (a, b, hidden)
    assert [g.track_ids for g in mp.find_duplicates(rules=[BY_SIZE])] == [(c, d)]
    assert mp.find_duplicates(tolerance=1) == [mp.DuplicateGroup(1, (BY_SIZE,), (c, d))]
    for bad in (-1, float("nan"), "2", True):
        with pytest.raises(ValidationError):
            mp.find_duplicates(tolerance=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        mp.find_duplicates(rules=["artist"])


def test_a_group_joined_by_both_rules_names_both(empty: tuple[Path, sqlite3.Connection]) -> None:
    db, conn = empty
    a = _add(conn, "A", "Song", 100.0, size=77)
    b = _add(conn, "A", "Song", 100.5, size=77)
    conn.commit()
    mp.open_library(db, readonly=True)
    (group,) = mp.find_duplicates()
    assert group.track_ids == (a, b) and group.reason == "artist+title, size+duration"


def test_library_stats_counts(empty: tuple[Path, sqlite3.Connection]) -> None:
    db, conn = empty
    _add(conn, "a", "1", 100.0, genre="House", bpm=124.6, beats=b"x", key_id=22)
    _add(conn, "a", "2", 200.0, genre=" house ", bpm=128.0, beats=b"x", key_id=22)
    _add(conn, "a", "3", 300.0, genre="Techno", bpm=140.0, beats=None, key_id=0)
    _add(conn, "a", "4", 50.0, genre=None, bpm=0, key_id=1, fs_deleted=1)
    _add(conn, "a", "5", 999.0, genre="House", mixxx_deleted=1)
    conn.commit()
    mp.open_library(db, readonly=True)
    found = mp.library_stats(top_genres=1)
    assert (found.tracks, found.hidden, found.seconds) == (4, 1, 650.0)
    assert found.genres == [("House", 2)] and found.genre_count == 2 and found.no_genre == 1
    assert (found.with_grid, found.with_key, found.flagged_missing) == (2, 3, 1)
    # The spread counts every BPM a listing shows (track 3 has no grid): 3, not 2.
    assert found.with_bpm == 3
    assert [(b.low, b.tracks) for b in found.bpm_buckets] == [(120, 2), (140, 1)]
    assert found.bpm_percentiles == {10: 124, 50: 128, 90: 140}
    assert found.keys == [(22, 2), (1, 1)]  # harmonic (Camelot) order: 8A (Am), then 8B (C)
    assert found.missing_files is None
    assert mp.library_stats(check_files=True).missing_files == 4
    assert found.to_dict()["analysed_share"] == 0.5
    with pytest.raises(ValidationError):
        mp.library_stats(top_genres=-1)


def test_stats_of_an_empty_library(empty: tuple[Path, sqlite3.Connection]) -> None:
    db, _ = empty
    mp.open_library(db, readonly=True)
    found = mp.library_stats()
    assert (found.tracks, found.seconds, found.genres, found.bpm_percentiles) == (0, 0.0, [], {})
    assert found.share(0) == 0.0


def test_track_usage_lists_crates_and_playlist_positions(tmp_path: Path) -> None:
    db = copy_fixture("sample/mixxxdb.sqlite", tmp_path)
    mp.open_library(db)
    playlist = mp.create_playlist("Twice").object
    crate = mp.create_crate("Holder").object
    mp.add_tracks_to_playlist(playlist.id, [5, 7, 5])
    mp.add_tracks_to_crate(crate.id, [5])
    usage = mp.track_usage(5)
    assert (crate.id, "Holder") in usage.crates
    mine = [p for p in usage.playlists if p.id == playlist.id]
    assert [(p.name, p.kind, p.positions) for p in mine] == [("Twice", "normal", (1, 3))]
    assert mp.track_usage(10**9) == mp.TrackUsage()


def test_backup_details_count_tracks_read_only(tmp_path: Path) -> None:
    db = copy_fixture("sample/mixxxdb.sqlite", tmp_path)
    mp.open_library(db, auto_backup=False)
    made = mp.backup()
    (info,) = mp.backup_details()
    assert info.path == made and info.size == made.stat().st_size and not info.automatic
    conn = sqlite3.connect(db)
    assert info.tracks == conn.execute("SELECT count(*) FROM library").fetchone()[0]
    conn.close()
    broken = made.parent / "mixxxdb-broken.sqlite"
    broken.write_bytes(b"not a database")
    assert [i.tracks for i in mp.backup_details() if i.path == broken] == [None]
