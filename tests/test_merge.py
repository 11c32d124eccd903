"""Merging duplicates: tracks merge, merge_tracks, merge_duplicates and best_of."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import mixxx_peewee as m
from tests.cli_support import SAMPLE
from tests.cli_support import cli
from tests.cli_support import ok
from tests.cli_support import one_error
from tests.cli_support import sha256
from tests.conftest import copy_fixture


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    dest = tmp_path / "lib" / "mixxxdb.sqlite"
    dest.parent.mkdir()
    shutil.copy2(SAMPLE, dest)
    return dest


def _rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def _entries(path: Path, tracks: tuple[int, ...]) -> list[tuple[int, int, int]]:
    marks = ", ".join("?" * len(tracks))
    return sorted(
        _rows(
            path,
            f"SELECT id, playlist_id, position FROM PlaylistTracks WHERE track_id IN ({marks})",
            tracks,
        )
    )


def _crates(path: Path, track: int) -> set[int]:
    return {
        r[0] for r in _rows(path, "SELECT crate_id FROM crate_tracks WHERE track_id=?", (track,))
    }


def _column(path: Path, track: int, column: str) -> Any:
    return _rows(path, f"SELECT {column} FROM library WHERE id = ?", (track,))[0][0]


def test_playlist_entries_point_to_the_kept_track_in_place(sample: Path) -> None:
    # 218 is in Auto DJ (playlist 1); 149 in a history playlist (8) and twice in playlist 7.
    moved = _entries(sample, (218, 149))
    sql = (
        "SELECT hidden FROM Playlists WHERE id IN"
        " (SELECT playlist_id FROM PlaylistTracks WHERE track_id IN (218, 149))"
    )
    kinds = {r[0] for r in _rows(sample, sql)}
    assert {1, 2} <= kinds  # Auto DJ and history are among them
    before = _entries(sample, (2,))
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(2, [218, 149])
    m.current_library().close()
    assert _entries(sample, (2,)) == sorted(before + moved)  # same rows, same positions
    assert _entries(sample, (218, 149)) == []
    assert _column(sample, 218, "mixxx_deleted") == 1
    assert _column(sample, 149, "mixxx_deleted") == 1


def test_crate_memberships_are_the_union_without_duplicate_rows(sample: Path) -> None:
    with sqlite3.connect(sample) as conn:
        conn.execute("INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (2, 5)")
        conn.execute("INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (2, 6)")
        conn.execute("INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (3, 6)")
        conn.execute("INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (3, 7)")
    own = _crates(sample, 5)
    union = own | _crates(sample, 6) | _crates(sample, 7)
    m.open_library(sample, auto_backup=False)
    result = m.merge_tracks(5, [6, 7])
    m.current_library().close()
    assert _crates(sample, 5) == union
    assert _crates(sample, 6) == _crates(sample, 7) == set()
    count = _rows(sample, "SELECT count(*) FROM crate_tracks WHERE track_id = 5")[0][0]
    assert count == len(union)
    assert result.counts["crates joined"] == len(union - own)


def test_play_counts_add_up_and_the_latest_play_wins(sample: Path) -> None:
    counts = [_column(sample, t, "timesplayed") for t in (3, 4, 5)]
    last = max(_column(sample, t, "last_played_at") for t in (3, 4, 5))
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(5, [3, 4])
    m.current_library().close()
    assert _column(sample, 5, "timesplayed") == sum(counts)
    assert _column(sample, 5, "last_played_at") == last
    assert _column(sample, 3, "timesplayed") == 0  # the plays moved


def test_merging_again_counts_no_play_twice(sample: Path) -> None:
    total = _column(sample, 5, "timesplayed") + _column(sample, 3, "timesplayed")
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(5, [3])
    m.merge_tracks(5, [3])
    m.current_library().close()
    assert _column(sample, 5, "timesplayed") == total


def test_rating_and_colour_are_the_kept_tracks_unless_unset(sample: Path) -> None:
    with sqlite3.connect(sample) as conn:
        conn.execute("UPDATE library SET rating = 0, color = NULL WHERE id = 2")
        conn.execute("UPDATE library SET rating = 4, color = 255 WHERE id = 3")
        conn.execute("UPDATE library SET rating = 2, color = 65280 WHERE id = 6")
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(2, [3])
    m.merge_tracks(6, [4])
    m.current_library().close()
    assert (_column(sample, 2, "rating"), _column(sample, 2, "color")) == (4, 255)
    assert (_column(sample, 6, "rating"), _column(sample, 6, "color")) == (2, 65280)


def _cues(path: Path, track: int) -> list[tuple[Any, ...]]:
    return _rows(
        path,
        "SELECT type, position, length, hotcue, label FROM cues WHERE track_id = ? ORDER BY id",
        (track,),
    )


def _with_cues(path: Path) -> tuple[int, int]:
    """Two 44.1 kHz tracks, the first without cues, the second with some."""
    rows = _rows(
        path,
        "SELECT id, (SELECT count(*) FROM cues WHERE track_id = library.id) FROM library"
        " WHERE samplerate = 44100 ORDER BY id",
    )
    bare = next(i for i, n in rows if n == 0)
    cued = next(i for i, n in rows if n > 1 and i != bare)
    return bare, cued


def test_a_kept_track_without_cues_takes_the_others_cues(sample: Path) -> None:
    bare, cued = _with_cues(sample)
    theirs = _cues(sample, cued)
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(bare, [cued])
    m.current_library().close()
    assert _cues(sample, bare) == theirs
    assert _cues(sample, cued) == theirs  # the hidden copy keeps its own


def test_a_kept_track_with_cues_keeps_them_unless_cues_from(sample: Path) -> None:
    bare, cued = _with_cues(sample)
    ours = _cues(sample, cued)
    other = _rows(sample, "SELECT track_id FROM cues WHERE track_id NOT IN (?, ?) "
                  "AND track_id IN (SELECT id FROM library WHERE samplerate = 44100) "
                  "GROUP BY track_id HAVING count(*) > 1 LIMIT 1", (bare, cued))[0][0]  # fmt: skip
    theirs = _cues(sample, other)
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(cued, [bare])
    assert _cues(sample, cued) == ours
    m.merge_tracks(cued, [other], cues_from=other)
    m.current_library().close()
    assert _cues(sample, cued) == theirs


def test_cues_are_rescaled_to_the_kept_tracks_sample_rate(sample: Path) -> None:
    with sqlite3.connect(sample) as conn:
        conn.execute("DELETE FROM cues WHERE track_id = 2")
        conn.execute("UPDATE library SET samplerate = 44100 WHERE id = 2")
        conn.execute("UPDATE library SET samplerate = 48000 WHERE id = 4")
        conn.execute("DELETE FROM cues WHERE track_id = 4")
        conn.execute(
            "INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
            " VALUES (4, 1, 96000, 0, 0, 'one second', 255), (4, 4, 192000, 96000, 1, '', 255)"
        )
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(2, [4])
    m.current_library().close()
    positions = [(r[1], r[2]) for r in _cues(sample, 2)]
    assert positions == [(88200, 0), (176400, 88200)]  # 1 s and 2 s at 44.1 kHz


def test_a_grid_is_taken_only_from_a_copy_of_the_same_sample_rate(tmp_path: Path) -> None:
    for revision_dir in ("2.3.3", "2.5.0"):
        db = copy_fixture(
            f"real-mixxx-analysis/{revision_dir}/mixxxdb.sqlite", tmp_path / revision_dir
        )
        rows = _rows(db, "SELECT id, samplerate, length(beats) FROM library ORDER BY id")
        gridded = [r for r in rows if r[2]]
        keep = gridded[0]
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE library SET beats = NULL, beats_version = NULL WHERE id = ?",
                         (keep[0],))  # fmt: skip
        same = [r for r in gridded[1:] if r[1] == keep[1]]
        if not same:
            continue
        blob = _column(db, same[0][0], "beats")
        m.open_library(db, auto_backup=False)
        m.merge_tracks(keep[0], [same[0][0]])
        m.current_library().close()
        assert _column(db, keep[0], "beats") == blob


def test_purge_deletes_the_others_as_mixxx_purges(sample: Path) -> None:
    location = _column(sample, 149, "location")
    m.open_library(sample, auto_backup=False)
    result = m.merge_tracks(2, [149], purge=True)
    m.current_library().close()
    assert "purged" in result.changes[-1]
    assert _rows(sample, "SELECT id FROM library WHERE id = 149") == []
    assert _rows(sample, "SELECT id FROM track_locations WHERE id = ?", (location,)) == []
    for table in ("cues", "crate_tracks", "PlaylistTracks", "track_analysis"):
        assert _rows(sample, f"SELECT * FROM {table} WHERE track_id = 149") == []


def test_hiding_keeps_the_others_rows(sample: Path) -> None:
    m.open_library(sample, auto_backup=False)
    m.merge_tracks(2, [149])
    m.current_library().close()
    assert _column(sample, 149, "mixxx_deleted") == 1


@pytest.mark.parametrize(
    ("keep", "others", "error", "words"),
    [
        (5, [5], m.ValidationError, "into itself"),
        (5, [6, 5], m.ValidationError, "the one kept"),
        (5, [999_999], m.TrackNotFoundError, "999999"),
        (999_999, [5], m.TrackNotFoundError, "999999"),
        (5, [], m.ValidationError, "at least one"),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(
    sample: Path, keep: int, others: list[int], error: type[Exception], words: str
) -> None:
    before = sha256(sample)
    m.open_library(sample, auto_backup=False)
    with pytest.raises(error, match=words):
        m.merge_tracks(keep, others)
    m.current_library().close()
    assert sha256(sample) == before


def test_cues_from_must_be_one_of_the_merged_tracks(sample: Path) -> None:
    m.open_library(sample, auto_backup=False)
    with pytest.raises(m.ValidationError, match="cues-from"):
        m.merge_tracks(5, [6], cues_from=7)


def test_undo_brings_back_entries_counts_and_the_merged_tracks(sample: Path) -> None:
    m.open_library(sample, auto_backup=False)
    entries = _entries(sample, (218,))
    count = _column(sample, 2, "timesplayed")
    m.merge_tracks(2, [218], purge=True)
    m.undo_change()
    m.current_library().close()
    assert _entries(sample, (218,)) == entries
    assert _column(sample, 2, "timesplayed") == count
    assert _column(sample, 218, "mixxx_deleted") == 0


def test_a_dry_run_says_per_track_what_would_change_and_writes_nothing(sample: Path) -> None:
    before = sha256(sample)
    m.open_library(sample, auto_backup=False)
    result = m.merge_tracks(2, [218, 149], dry_run=True)
    m.current_library().close()
    assert sha256(sample) == before
    assert "track 218: merged into track 2, hidden" in result.changes
    assert any(line.startswith("track 2: takes over") for line in result.changes)


def test_best_of_prefers_lossless_then_bit_rate_then_size_then_id() -> None:
    flac = {"id": 9, "filetype": "flac", "bitrate": 900, "filesize": 10}
    mp3 = {"id": 1, "filetype": "mp3", "bitrate": 320, "filesize": 99}
    assert m.best_of([mp3, flac]) is flac
    low = {"id": 2, "filetype": "mp3", "bitrate": 128, "filesize": 999}
    assert m.best_of([low, mp3]) is mp3
    big = {"id": 3, "filetype": "mp3", "bitrate": 320, "filesize": 100}
    assert m.best_of([mp3, big]) is big
    twin = {"id": 0, "filetype": "MP3", "bitrate": 320, "filesize": 100}
    assert m.best_of([big, twin]) is twin
    with pytest.raises(m.ValidationError):
        m.best_of([])


def _duplicate_of(path: Path, track: int, filetype: str, bitrate: int) -> int:
    """A copy of ``track`` under another path: same artist, title, duration."""
    with sqlite3.connect(path) as conn:
        loc = conn.execute(
            "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
            " needs_verification) VALUES (?, 'copy.x', '/music/copies', 1234, 0, 0)",
            (f"/music/copies/{track}.{filetype}",),
        ).lastrowid
        return int(
            conn.execute(
                "INSERT INTO library (artist, title, duration, samplerate, filetype, bitrate,"
                " location, mixxx_deleted, timesplayed) SELECT artist, title, duration,"
                " samplerate, ?, ?, ?, 0, 2 FROM library WHERE id = ?",
                (filetype, bitrate, loc, track),
            ).lastrowid
        )


def test_merge_duplicates_keeps_the_best_copy_of_each_group(sample: Path) -> None:
    flac = _duplicate_of(sample, 5, "flac", 1000)  # 5 is an mp3: the flac wins
    worse = _duplicate_of(sample, 7, "mp3", 128)  # 7 is a 320 mp3: it stays
    count = _column(sample, 5, "timesplayed")
    m.open_library(sample, auto_backup=False)
    result = m.merge_duplicates()
    m.current_library().close()
    assert result.value[flac] == [5]
    assert result.value[7] == [worse]
    assert _column(sample, flac, "timesplayed") == count + 2
    assert _column(sample, 5, "mixxx_deleted") == 1


def test_a_merge_on_a_real_mixxx_233_library(tmp_path: Path) -> None:
    # Revision 32: no last_played_at; the file was written by a real Mixxx 2.3.3.
    db = copy_fixture("real-mixxx-2.3.3/mixxxdb.sqlite", tmp_path)
    ids = [r[0] for r in _rows(db, "SELECT id FROM library ORDER BY id")]
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE library SET timesplayed = 3 WHERE id = ?", (ids[1],))
        conn.execute(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (1, ?, 1)",
            (ids[1],),
        )
    m.open_library(db, auto_backup=False)
    m.merge_tracks(ids[0], [ids[1]], purge=True)
    m.current_library().close()
    assert _rows(db, "SELECT track_id, position FROM PlaylistTracks") == [(ids[0], 1)]
    assert _column(db, ids[0], "timesplayed") >= 3
    assert _rows(db, "SELECT id FROM library WHERE id = ?", (ids[1],)) == []


# -- the command line (real processes) --


def test_cli_merge_dry_run_prints_the_plan_and_writes_nothing(sample: Path) -> None:
    before = sha256(sample)
    ran = ok(cli(sample, "tracks", "merge", "2", "218", "149", "--dry-run"))
    assert "track 149: merged into track 2, hidden" in ran.stdout
    assert sha256(sample) == before


def test_cli_merge_into_itself_or_a_missing_id_is_one_error_line(sample: Path) -> None:
    before = sha256(sample)
    one_error(cli(sample, "tracks", "merge", "2", "2", "--yes"), "into itself")
    one_error(cli(sample, "tracks", "merge", "2", "999999", "--yes"), "999999")
    one_error(cli(sample, "tracks", "merge", "2", "5"), "--yes")  # no terminal, no --yes
    assert sha256(sample) == before


def test_cli_duplicates_merge_writes_with_yes(sample: Path) -> None:
    flac = _duplicate_of(sample, 5, "flac", 1000)
    ok(cli(sample, "tracks", "duplicates", "--merge", "--yes"))
    assert _column(sample, 5, "mixxx_deleted") == 1
    assert _column(sample, flac, "mixxx_deleted") == 0


def test_a_grid_of_another_sample_rate_is_not_taken_and_a_note_says_so(tmp_path: Path) -> None:
    db = copy_fixture("real-mixxx-analysis/2.3.3/mixxxdb.sqlite", tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE library SET beats = NULL, samplerate = 48000 WHERE id = 1")
    m.open_library(db, auto_backup=False)
    result = m.merge_tracks(1, [2])
    m.current_library().close()
    assert _column(db, 1, "beats") is None
    assert any("grid of track 2 is not taken" in note for note in result.notes)
