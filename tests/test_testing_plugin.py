"""The sample-library factory and the pytest plugin fixtures it offers."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from mixxx_peewee import Track
from mixxx_peewee import Verdict
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.testing import make_sample_library


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """A 1,000-track factory library at revision 39, opened raw read-only."""
    path = make_sample_library(
        tmp_path_factory.mktemp("factory") / "m.sqlite", tracks=1000, seed=5, crates=6
    )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield conn
    conn.close()


def _one(conn: sqlite3.Connection, sql: str) -> object:
    return conn.execute(sql).fetchone()[0]


def test_every_track_has_a_location_row_with_consistent_paths(sample: sqlite3.Connection) -> None:
    assert _one(sample, "SELECT count(*) FROM library") == 1000
    rows = sample.execute(
        "SELECT l.location, l.directory, l.filename FROM library t "
        "JOIN track_locations l ON t.location = l.id"
    ).fetchall()
    assert len(rows) == 1000
    for location, directory, filename in rows:
        assert location == f"{directory}/{filename}"
        assert location.startswith("/music/") and not directory.endswith("/")
    assert _one(sample, "SELECT directory FROM directories") == "/music"


def test_names_include_unicode_quotes_and_like_wildcards(sample: sqlite3.Connection) -> None:
    text = " ".join(a + " " + t for a, t in sample.execute("SELECT artist, title FROM library"))
    for needle in ("%", "_", "'", '"', "\u0308"):  # \u0308: a decomposed (NFD) umlaut
        assert needle in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # CJK


def test_key_text_matches_key_id(sample: sqlite3.Connection) -> None:
    rows = set(sample.execute("SELECT key, key_id, keys FROM library"))
    for key, key_id, keys in rows:
        if key_id:
            assert guess_key_id(key) == key_id
            assert keys is not None or key == key_to_text(key_id)
        else:
            assert key is None
    assert {("C", 1), ("Am", 22), ("Bm", 24)} <= {(k, i) for k, i, _ in rows}


def test_a_24_sample_copies_its_key_maps_text_to_the_key_column(
    sample: sqlite3.Connection,
) -> None:
    # Mixxx 2.4+ writes the key map's global_key_text ("Bb", "F#m") to library.key.
    rows = sample.execute(
        "SELECT key, keys_version, keys FROM library WHERE keys IS NOT NULL"
    ).fetchall()
    assert rows
    for key, version, keys in rows:
        keymap = decode_keys(version, keys).value
        assert keymap is not None and key == keymap.global_key_text
    assert any("b" in key[1:] or "#" in key for key, _, _ in rows)


def test_value_ranges_follow_mixxx(sample: sqlite3.Connection) -> None:
    assert _one(sample, "SELECT count(*) FROM library WHERE rating NOT BETWEEN 0 AND 5") == 0
    assert _one(sample, "SELECT count(*) FROM library WHERE color > 16777215") == 0
    assert _one(sample, "SELECT count(*) FROM library WHERE typeof(bpm) != 'real'") == 0
    assert _one(sample, "SELECT count(*) FROM library WHERE typeof(cuepoint) = 'real'") > 0
    hidden = _one(sample, "SELECT count(*) FROM library WHERE mixxx_deleted = 1")
    assert 50 <= hidden <= 150  # hidden_fraction 0.1
    assert _one(sample, "SELECT count(*) FROM library WHERE mixxx_deleted IS NULL") > 0
    assert _one(sample, "SELECT count(*) FROM track_locations WHERE fs_deleted = 1") > 10
    from mixxx_peewee.analysis.codec import decode_beats
    from mixxx_peewee.analysis.codec import decode_keys

    rows = sample.execute(
        "SELECT bpm, beats_version, beats, keys_version, keys, key_id FROM library"
        " WHERE beats IS NOT NULL"
    ).fetchall()
    assert rows  # analysed tracks: a grid at the bpm column's tempo, a key map of key_id
    for bpm, beats_version, beats, keys_version, keys, key_id in rows:
        grid = decode_beats(beats_version, beats).value
        assert grid is not None and grid.bpm == bpm
        if keys is not None:
            keymap = decode_keys(keys_version, keys).value
            assert keymap is not None and keymap.key_id == key_id
    played = sample.execute(
        "SELECT last_played_at FROM library WHERE timesplayed > 0 LIMIT 5"
    ).fetchall()
    assert played and all(len(p) == 19 and p[10] == " " for (p,) in played)


def test_datetime_added_mixes_the_three_mixxx_formats(sample: sqlite3.Connection) -> None:
    forms = sample.execute(
        "SELECT DISTINCT length(datetime_added), substr(datetime_added, 11, 1) FROM library"
    ).fetchall()
    assert sorted(forms) == [(19, " "), (19, "T"), (24, "T")]


def test_playlists_auto_dj_history_and_positions(sample: sqlite3.Connection) -> None:
    assert _one(sample, "SELECT count(*) FROM Playlists WHERE name = 'Auto DJ'") == 1
    assert _one(sample, "SELECT hidden FROM Playlists WHERE name = 'Auto DJ'") == 1
    history = [n for (n,) in sample.execute("SELECT name FROM Playlists WHERE hidden = 2")]
    assert len(history) == 3 and all(len(n) == 10 and n[4] == "-" for n in history)
    assert _one(sample, "SELECT count(*) FROM Playlists WHERE locked = 1 AND hidden = 0") == 1
    for playlist_id, positions in sample.execute(
        "SELECT playlist_id, group_concat(position) FROM "
        "(SELECT * FROM PlaylistTracks ORDER BY position) GROUP BY playlist_id"
    ):
        numbers = [int(p) for p in positions.split(",")]
        assert numbers == list(range(1, len(numbers) + 1)), playlist_id
    stamps = [s for (s,) in sample.execute("SELECT pl_datetime_added FROM PlaylistTracks")]
    assert all(len(s) == 19 and s[10] == " " for s in stamps)


def test_crates_are_unique_and_a_couple_locked(sample: sqlite3.Connection) -> None:
    assert _one(sample, "SELECT count(*) FROM crates") == 6
    assert _one(sample, "SELECT count(*) FROM crates WHERE locked = 1") == 2
    pairs = sample.execute("SELECT crate_id, track_id FROM crate_tracks").fetchall()
    assert pairs and len(pairs) == len(set(pairs))


def test_cues_follow_mixxx_conventions(sample: sqlite3.Connection) -> None:
    rows = sample.execute("SELECT type, position, length, hotcue, color FROM cues")
    kinds: set[int] = set()
    fractional = 0
    for kind, position, length, hotcue, color in rows:
        kinds.add(kind)
        assert 0 <= color <= 0xFFFFFF
        fractional += isinstance(position, float)
        if kind == 1:
            assert 0 <= hotcue <= 7 and length == 0
        elif kind == 2:
            assert hotcue == -1
        elif kind == 4:
            assert length > 0
        else:
            assert kind == 6
    assert kinds == {1, 2, 4, 6}
    assert fractional > 0
    duplicates = sample.execute(
        "SELECT count(*) FROM cues WHERE hotcue >= 0 GROUP BY track_id, hotcue HAVING count(*) > 1"
    ).fetchall()
    assert duplicates == []


def test_cue_colours_before_revision_32_are_legacy_argb(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "m.sqlite", revision=28, tracks=100, seed=2)
    conn = sqlite3.connect(path)
    colors = {c for (c,) in conn.execute("SELECT color FROM cues")}
    conn.close()
    assert 0xFFFF0000 in colors and all(c > 0xFFFFFF for c in colors)


def test_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    a = make_sample_library(tmp_path / "a.sqlite", revision=32, tracks=200, seed=9)
    b = make_sample_library(tmp_path / "b.sqlite", revision=32, tracks=200, seed=9)
    c = make_sample_library(tmp_path / "c.sqlite", revision=32, tracks=200, seed=10)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest(a) == digest(b) != digest(c)


def test_only_columns_of_the_revision_are_written(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "m.sqlite", revision=24, tracks=20)
    conn = sqlite3.connect(path)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(library)")}
    conn.close()
    assert "color" not in cols and "replaygain_peak" not in cols and "coverart_hash" in cols


def test_refuses_unknown_revisions_and_existing_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="revision"):
        make_sample_library(tmp_path / "m.sqlite", revision=23)
    existing = make_sample_library(tmp_path / "m.sqlite")
    with pytest.raises(FileExistsError):
        make_sample_library(existing)


def test_ten_thousand_tracks_take_well_under_a_few_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    make_sample_library(tmp_path / "m.sqlite", tracks=10_000, seed=1)
    assert time.perf_counter() - started < 5


def test_plugin_mixxx_db_is_an_empty_library(mixxx_db: Path) -> None:
    conn = sqlite3.connect(mixxx_db)
    assert conn.execute("SELECT count(*) FROM library").fetchone()[0] == 0
    conn.close()


def test_plugin_mixxx_sample_path_is_filled_not_opened(mixxx_sample_path: Path) -> None:
    from mixxx_peewee.library import _current

    assert _current is None
    conn = sqlite3.connect(mixxx_sample_path)
    assert conn.execute("SELECT count(*) FROM library").fetchone()[0] == 50
    conn.close()


def test_plugin_mixxx_library_is_open_and_writable(mixxx_library: MixxxLibrary) -> None:
    assert mixxx_library.schema.verdict is Verdict.READ_WRITE
    assert not mixxx_library.readonly
    assert Track.select().count() == 50
