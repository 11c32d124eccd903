"""Tracks: listing, filters, lookup by location, editing and hiding, on every revision."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from conftest import copy_fixture

import mixxx_peewee as mp
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.library import prepare_write
from mixxx_peewee.tracks import edits
from mixxx_peewee.tracks import reads as trackreads


def add_track(conn: sqlite3.Connection, location: str, **columns: object) -> int:
    """Insert a track the way Mixxx does (a track_locations row plus a library row)."""
    directory, _, filename = location.rpartition("/")
    fs_deleted = columns.pop("fs_deleted", 0)
    cursor = conn.execute(
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) VALUES (?, ?, ?, ?, ?, 0)",
        (location, filename, directory, 1234, fs_deleted),
    )
    columns.setdefault("mixxx_deleted", 0)
    columns["location"] = cursor.lastrowid
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    cursor = conn.execute(f"INSERT INTO library ({names}) VALUES ({marks})", list(columns.values()))
    return int(cursor.lastrowid or 0)


def fill(path: Path, tracks: list[tuple[str, dict[str, object]]]) -> list[int]:
    """Add ``(location, columns)`` tracks to the file with raw sqlite3; return library ids."""
    conn = sqlite3.connect(path)
    try:
        ids = [add_track(conn, location, **dict(cols)) for location, cols in tracks]
        conn.commit()
    finally:
        conn.close()
    return ids


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SAMPLE = [
    ("/music/Daft Punk/One More Time.mp3",
     {"artist": "Daft Punk", "title": "One More Time", "album": "Discovery", "genre": "House",
      "bpm": 122.7, "key": "F♯m", "key_id": 19, "rating": 5, "year": "2001", "filetype": "mp3",
      "datetime_added": "2024-01-02T10:00:00.000Z"}),
    ("/music/Björk/Jóga.flac",
     {"artist": "Björk", "title": "Jóga", "album": "Homogenic", "genre": "Art Pop",
      "bpm": 86.0, "key": "Bm", "key_id": 24, "rating": 4, "year": "1997-09-22",
      "filetype": "flac", "datetime_added": "2023-05-01 08:00:00"}),
    ("/music/misc/100% pure_underscore.wav",
     {"artist": "100% Pure", "title": "under_score", "genre": "Deep House", "bpm": 128.0,
      "key": "8A", "key_id": 0, "rating": 0, "year": "2020", "filetype": "wav",
      "comment": 'say "hi"'}),
    ("/music/misc/hidden.mp3",
     {"artist": "Ghost", "title": "Hidden", "bpm": 125.0, "mixxx_deleted": 1}),
    ("/music/misc/null-hidden.mp3",
     {"artist": "Nobody", "title": "Null deleted flag", "bpm": 0.0, "mixxx_deleted": None}),
]  # fmt: skip


@pytest.fixture
def library(replay_db: Path) -> mp.MixxxLibrary:
    fill(replay_db, SAMPLE)
    return mp.open_library(replay_db)


def test_listing_streams_every_visible_track_with_its_path(library: mp.MixxxLibrary) -> None:
    rows = list(mp.iter_tracks(chunk_size=2))
    assert [r["location"] for r in rows] == [
        loc for loc, c in SAMPLE if c.get("mixxx_deleted") != 1
    ]
    first = rows[0]
    assert first["filename"] == "One More Time.mp3"
    assert first["directory"] == "/music/Daft Punk"
    assert isinstance(first["location_id"], int)
    assert set(library.schema.live_columns("library")) - {"location"} <= set(first)


def test_listing_reads_only_the_columns_asked_for(library: mp.MixxxLibrary) -> None:
    full = list(mp.iter_tracks(chunk_size=2))
    assert list(full[0]) == mp.track_columns()
    for chunk in (1, 2, 10):
        picked = list(mp.iter_tracks(columns=["title", "location"], chunk_size=chunk))
        assert picked == [{"title": r["title"], "location": r["location"]} for r in full]
    by_bpm = list(mp.iter_tracks(columns=["artist"], sort="bpm", descending=True, chunk_size=1))
    expected = sorted(full, key=lambda r: (r["bpm"], r["id"]), reverse=True)
    assert by_bpm == [{"artist": r["artist"]} for r in expected]
    with_id = list(mp.iter_tracks(columns=["filesize", "id"], chunk_size=2))
    assert [r["id"] for r in with_id] == [r["id"] for r in full]


def test_listing_columns_are_checked(library: mp.MixxxLibrary) -> None:
    with pytest.raises(mp.ValidationError, match=r"unknown track column 'nope'.*: id, "):
        mp.iter_tracks(columns=["title", "nope"])  # when called, before any row is read
    with pytest.raises(mp.ValidationError, match="cannot sort by 'nope'"):
        mp.iter_tracks(sort="nope")
    with pytest.raises(mp.ValidationError, match="not one string"):
        list(mp.iter_tracks(columns="title"))
    with pytest.raises(mp.ValidationError, match="at least one"):
        list(mp.iter_tracks(columns=[]))
    if library.schema.matched_revision < 39:  # last_played_at came with revision 39
        with pytest.raises(mp.ColumnNotInFileError, match="last_played_at"):
            list(mp.iter_tracks(columns=["last_played_at"]))


def test_null_mixxx_deleted_is_not_hidden(library: mp.MixxxLibrary) -> None:
    titles = {t.title for t in mp.query_tracks()}
    assert "Null deleted flag" in titles
    assert "Hidden" not in titles
    assert {t.title for t in mp.query_tracks(hidden=True)} == {"Hidden"}
    assert len(mp.query_tracks(hidden=None)) == len(SAMPLE)


def test_listing_sorted_by_a_column_pages_through_every_row(library: mp.MixxxLibrary) -> None:
    by_bpm = [r["bpm"] for r in mp.iter_tracks(sort="bpm", hidden=None, chunk_size=1)]
    assert by_bpm == sorted(by_bpm)
    assert len(by_bpm) == len(SAMPLE)
    down = [r["artist"] for r in mp.iter_tracks(sort="artist", descending=True, chunk_size=2)]
    assert down == sorted(down, reverse=True)
    assert len(list(mp.iter_tracks(limit=3, chunk_size=2))) == 3


def test_text_filters_ignore_case_and_accents(library: mp.MixxxLibrary) -> None:
    assert [t.title for t in mp.query_tracks(artist="bjork")] == ["Jóga"]
    assert [t.title for t in mp.query_tracks(artist="BJÖRK")] == ["Jóga"]
    assert [t.title for t in mp.query_tracks(title="joga")] == ["Jóga"]
    assert [t.artist for t in mp.query_tracks(artist="daft")] == ["Daft Punk"]


def test_percent_and_underscore_in_filters_are_literal(library: mp.MixxxLibrary) -> None:
    assert [t.artist for t in mp.query_tracks(artist="100%")] == ["100% Pure"]
    assert mp.query_tracks(artist="%") and len(mp.query_tracks(artist="%")) == 1
    assert [t.title for t in mp.query_tracks(title="_")] == ["under_score"]
    assert mp.query_tracks(title="d%") == []


def test_bpm_range_rating_year_and_filetype_filters(library: mp.MixxxLibrary) -> None:
    assert {t.title for t in mp.query_tracks(bpm_range=(120, 130))} == {
        "One More Time",
        "under_score",
    }
    assert [t.title for t in mp.query_tracks(rating=4)] == ["Jóga"]
    assert [t.title for t in mp.query_tracks(year=1997)] == ["Jóga"]
    assert {t.title for t in mp.query_tracks(year=(1990, 2005))} == {"Jóga", "One More Time"}
    assert [t.title for t in mp.query_tracks(filetype="FLAC")] == ["Jóga"]


def test_key_filter_reads_every_notation(library: mp.MixxxLibrary) -> None:
    for spelling in ("F#m", "F♯m", "f#min", "4m", "11A", 19):
        assert [t.title for t in mp.query_tracks(key=spelling)] == ["One More Time"]
    # key_id 0 with key text "8A": matched by its text.
    assert [t.title for t in mp.query_tracks(key="Am")] == ["under_score"]
    with pytest.raises(mp.ValidationError):
        mp.query_tracks(key="H#")


def test_date_added_filters_read_both_stored_formats(library: mp.MixxxLibrary) -> None:
    window = mp.query_tracks(added_after="2024-01-01", added_before="2024-01-03")
    assert [t.title for t in window] == ["One More Time"]
    assert [t.title for t in mp.query_tracks(added_before="2024-01-01")] == ["Jóga"]


def test_query_tracks_joins_the_location(library: mp.MixxxLibrary) -> None:
    tracks = mp.query_tracks(limit=2, sort="title")
    queries = []
    original = mp.db.execute_sql

    def counting(sql: str, *args: object, **kwargs: object) -> object:
        queries.append(sql)
        return original(sql, *args, **kwargs)

    mp.db.execute_sql = counting  # type: ignore[method-assign]
    try:
        paths = [t.path for t in tracks]
    finally:
        mp.db.execute_sql = original  # type: ignore[method-assign]
    assert paths == ["/music/Björk/Jóga.flac", "/music/misc/null-hidden.mp3"]
    assert queries == []


def test_crate_and_playlist_filters_by_id_or_name(library: mp.MixxxLibrary) -> None:
    conn = mp.db.connection()
    conn.execute("INSERT INTO crates (name) VALUES ('Warm-up ☕')")
    crate_id = conn.execute("SELECT id FROM crates").fetchone()[0]
    conn.execute("INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, 2)", (crate_id,))
    conn.execute("INSERT INTO Playlists (name, position, hidden) VALUES ('Set', 1, 0)")
    pl_id = conn.execute("SELECT id FROM Playlists").fetchone()[0]
    conn.execute(
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, 1, 1)", (pl_id,)
    )
    assert [t.id for t in mp.query_tracks(crate="Warm-up ☕")] == [2]
    assert [t.id for t in mp.query_tracks(crate=crate_id)] == [2]
    assert [t.id for t in mp.query_tracks(playlist="Set")] == [1]
    with pytest.raises(mp.CrateNotFoundError):
        mp.query_tracks(crate="nope")
    with pytest.raises(mp.PlaylistNotFoundError):
        mp.query_tracks(playlist=999)


def test_a_crate_named_like_a_number_is_found_by_its_name(library: mp.MixxxLibrary) -> None:
    # lookup's rule: digits are an id first, then a name ("tracks list --crate 2024").
    conn = mp.db.connection()
    conn.execute("INSERT INTO crates (name) VALUES ('2024')")
    crate_id = conn.execute("SELECT id FROM crates WHERE name = '2024'").fetchone()[0]
    assert crate_id != 2024
    conn.execute("INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, 3)", (crate_id,))
    assert [t.id for t in mp.query_tracks(crate="2024")] == [3]
    assert [r["id"] for r in mp.iter_tracks(crate="2024", columns=["id"])] == [3]
    assert [t.id for t in mp.query_tracks(crate=str(crate_id))] == [3]
    assert mp.get_crate("2024").id == crate_id


def test_the_history_placeholder_playlist_is_no_filter(library: mp.MixxxLibrary) -> None:
    # Mixxx 2.5's placeholder (hidden = -1) is no user playlist: get_playlist refuses it.
    conn = mp.db.connection()
    conn.execute(
        "INSERT INTO Playlists (name, position, hidden, locked)"
        " VALUES ('historyPlaceholder', 1, -1, 1)"
    )
    pl_id = conn.execute("SELECT id FROM Playlists").fetchone()[0]
    conn.execute(
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, 1, 1)", (pl_id,)
    )
    for playlist in ("historyPlaceholder", pl_id, str(pl_id)):
        with pytest.raises(mp.PlaylistNotFoundError):
            mp.query_tracks(playlist=playlist)
        with pytest.raises(mp.PlaylistNotFoundError):
            mp.iter_tracks(playlist=playlist)


@pytest.mark.parametrize(
    ("bpm_range", "search"),
    [
        (128, "bpm:128"),
        ("128", "bpm:=128"),
        ((120, 126), "bpm:120-126"),
        ("120-", "bpm:120-"),
        ("..126", "bpm:..126"),
        (">125", "bpm:>125"),
        ("<=86", "bpm:<=86"),
    ],
)
def test_a_bpm_filter_and_the_bpm_search_select_the_same_tracks(
    library: mp.MixxxLibrary, bpm_range: object, search: str
) -> None:
    filtered = [t.id for t in mp.query_tracks(bpm_range=bpm_range)]
    assert filtered == [t.id for t in mp.search_tracks(search)]
    assert filtered == [r["id"] for r in mp.iter_tracks(search=search, columns=["id"])]


def test_a_whole_bpm_is_the_whole_beat_and_a_pair_is_inclusive(library: mp.MixxxLibrary) -> None:
    fill(library.path, [("/music/misc/a.mp3", {"title": "128.4", "bpm": 128.4}),
                        ("/music/misc/b.mp3", {"title": "129", "bpm": 129.0})])  # fmt: skip
    assert {t.title for t in mp.query_tracks(bpm_range=128)} == {"under_score", "128.4"}
    assert {t.title for t in mp.query_tracks(bpm_range=(128, 128))} == {"under_score"}
    assert {t.title for t in mp.query_tracks(bpm_range=(128, 129))} == {
        "under_score", "128.4", "129"
    }  # fmt: skip
    assert {t.title for t in mp.query_tracks(bpm_range=128.4)} == {"128.4"}
    with pytest.raises(mp.ValidationError, match="'130-120'"):
        mp.query_tracks(bpm_range="130-120")


def test_colour_text_must_be_six_hex_digits(library: mp.MixxxLibrary) -> None:
    # int("12_345", 16) is 0x12345: the old parser took it.
    for bad in ("12_345", " 0x1_2345", "#12345", "red"):
        with pytest.raises(mp.ValidationError, match="colour"):
            mp.query_tracks(color=bad)
        with pytest.raises(mp.ValidationError, match="colour"):
            mp.update_track(1, color=bad)
    if library.schema.has_column("library", "color"):
        assert mp.query_tracks(color="#00ff00") == []


def test_track_ids_follow_the_one_id_rule(library: mp.MixxxLibrary) -> None:
    assert mp.get_track_by_id("3").id == 3
    for beyond in (2**63, -(2**63) - 1):
        with pytest.raises(mp.TrackNotFoundError):
            mp.get_track_by_id(beyond)
    for bad in (True, 3.0, "3a", None):
        with pytest.raises(mp.ValidationError):
            mp.get_track_by_id(bad)  # type: ignore[arg-type]


def test_unknown_filter_is_a_validation_error(library: mp.MixxxLibrary) -> None:
    with pytest.raises(mp.ValidationError, match="unknown track filter: colour"):
        list(mp.iter_tracks(colour=3))


def test_get_track_by_id(library: mp.MixxxLibrary) -> None:
    assert mp.get_track_by_id(2).artist == "Björk"
    assert mp.get_track_by_id(2).path == "/music/Björk/Jóga.flac"
    with pytest.raises(mp.TrackNotFoundError, match="999"):
        mp.get_track_by_id(999)


def test_lookup_by_location_handles_unicode_normalisation(library: mp.MixxxLibrary) -> None:
    nfd = unicodedata.normalize("NFD", "/music/Björk/Jóga.flac")
    assert nfd != "/music/Björk/Jóga.flac"
    track = mp.get_track_by_location(nfd)
    assert track is not None and track.id == 2
    assert mp.get_track_by_location("/music/nothing.mp3") is None


def test_lookup_by_location_finds_a_mixed_form_path(library: mp.MixxxLibrary) -> None:
    """A composed folder with a decomposed file name (macOS wrote the name) is found typed
    in either form, alone and in a batch."""
    name = unicodedata.normalize("NFD", "Jóga.flac")
    mp.db.execute_sql(
        "UPDATE track_locations SET location = ?, filename = ? WHERE location = ?",
        (f"/music/Björk/{name}", name, "/music/Björk/Jóga.flac"),
    )
    for form in ("NFC", "NFD"):
        typed = unicodedata.normalize(form, "/music/Björk/Jóga.flac")
        track = mp.get_track_by_location(typed)
        assert track is not None and track.id == 2
    found = mp.get_tracks_by_locations(["/music/Björk/Jóga.flac", "/music/none.mp3"])
    assert found["/music/Björk/Jóga.flac"] is not None and found["/music/none.mp3"] is None


def _annexed_library(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A rev-39 library file, a git-annex object and a music/ symlink to it (not yet stored)."""
    db_path = copy_fixture("schema-replay/rev39.sqlite", tmp_path)
    annex = tmp_path / ".git/annex/objects/SHA256E-s3--abc.mp3"
    annex.parent.mkdir(parents=True)
    annex.write_bytes(b"abc")
    link = tmp_path / "music" / "Song ünï.mp3"
    link.parent.mkdir()
    link.symlink_to(annex)
    return db_path, annex, link


def test_lookup_by_location_never_resolves_a_stored_symlink_first(tmp_path: Path) -> None:
    db_path, annex, link = _annexed_library(tmp_path)
    other = tmp_path / "music" / "plain.mp3"
    other.write_bytes(b"x")
    fill(db_path, [(str(link), {"title": "linked"}), (str(other), {"title": "plain"})])
    mp.open_library(db_path)
    assert mp.get_track_by_location(str(link)).title == "linked"
    # The git-annex object is the target of the stored link.
    assert mp.get_track_by_location(str(annex)).title == "linked"
    # A relative path is taken from the current directory.
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert mp.get_track_by_location("music/plain.mp3").title == "plain"
    finally:
        os.chdir(cwd)


def test_batch_lookup_finds_every_form_of_a_path_in_one_call(tmp_path: Path) -> None:
    db_path, annex, link = _annexed_library(tmp_path)
    fill(db_path, [(str(link), {"title": "linked"}), ("/music/Jóga.flac", {"title": "nfc"})])
    mp.open_library(db_path)
    wanted = [
        str(link),
        str(annex),
        unicodedata.normalize("NFD", "/music/Jóga.flac"),
        "/music/absent.mp3",
        "/music/a\x00b.mp3",
    ]
    found = mp.get_tracks_by_locations(wanted)
    titles = {path: (t.title if t is not None else None) for path, t in found.items()}
    assert titles == {
        wanted[0]: "linked",
        wanted[1]: "linked",
        wanted[2]: "nfc",
        wanted[3]: None,
        wanted[4]: None,
    }
    for path in wanted[:4]:  # the single lookup agrees with the batch
        single = mp.get_track_by_location(path)
        assert (single.title if single is not None else None) == titles[path]


def test_update_track_sets_fields_and_key_in_both_columns(library: mp.MixxxLibrary) -> None:
    result = mp.update_track(1, artist="Daft Punk & Friends", key="8A", rating=3)
    # key also sets key_id and a user key map (keys, keys_version, keys_sub_version)
    assert result.counts["changed"] >= 3 + 1
    track = mp.get_track_by_id(1)
    assert (track.artist, track.key, track.key_id, track.rating) == (
        "Daft Punk & Friends",
        "Am",
        22,
        3,
    )
    assert track.keymap is not None and track.keymap.key_id == 22
    if library.schema.has_column("library", "color"):
        mp.update_track(1, color="#FF0000")
        assert mp.get_track_by_id(1).color == 0xFF0000
        assert [t.id for t in mp.query_tracks(color=0xFF0000)] == [1]


def test_update_track_dry_run_writes_nothing(library: mp.MixxxLibrary) -> None:
    before = sha256(library.path)
    result = mp.update_track(1, title="New", dry_run=True)
    assert result.dry_run and result.changes
    assert mp.get_track_by_id(1).title == "One More Time"
    assert sha256(library.path) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": True}, "rating"),
        ({"bpm": -1}, "bpm"),
        ({"bpm": 10_000}, "bpm"),
        ({"color": "#12345"}, "colour"),
        ({"color": 0x1000000}, "colour"),
        ({"key": "Q"}, "key"),
        ({"mixxx_deleted": 1}, "mixxx_deleted"),
        ({"location": 3}, "location"),
        ({"artist": 5}, "artist"),
    ],
)
def test_update_track_rejects_bad_values(
    library: mp.MixxxLibrary, fields: dict[str, object], message: str
) -> None:
    before = sha256(library.path)
    with pytest.raises(mp.ValidationError, match=message):
        mp.update_track(1, **fields)
    assert sha256(library.path) == before


def test_update_track_bpm_refuses_an_undecodable_grid_unless_told_to_replace_it(
    library: mp.MixxxLibrary,
) -> None:
    mp.db.execute_sql("UPDATE library SET beats = x'0102', samplerate = 44100 WHERE id = 1")
    before = sha256(library.path)
    with pytest.raises(mp.ValidationError, match="replace_invalid"):
        mp.update_track(1, bpm=124.0)
    assert sha256(library.path) == before
    mp.update_track(1, bpm=124.0, replace_invalid=True)
    track = mp.get_track_by_id(1)
    assert track.bpm == 124.0
    assert track.grid is not None and track.grid.bpm == 124.0


def test_update_of_a_column_the_file_lacks_is_a_clear_error(tmp_path: Path) -> None:
    path = copy_fixture("schema-replay/rev24.sqlite", tmp_path)
    fill(path, SAMPLE[:1])
    mp.open_library(path)
    with pytest.raises(mp.SchemaVersionError, match=r"library\.color"):
        mp.update_track(1, color=0x00FF00)


def test_update_track_is_refused_while_mixxx_runs_unless_forced(
    library: mp.MixxxLibrary,
) -> None:
    previous = set_mixxx_detector(lambda path: [MixxxProcess(4242, True)])
    try:
        with pytest.raises(mp.MixxxRunningError, match="4242"):
            mp.update_track(1, title="x")
        dry = mp.update_track(1, title="x", dry_run=True)
        assert any("would be refused" in n for n in dry.notes)
        forced = mp.update_track(1, title="x", force=True)
        assert forced.notes
        # Hiding is safe beside a running Mixxx (it never writes mixxx_deleted back): the
        # guard's note about the sidebar's playlists and crates does not apply to it.
        assert mp.hide_tracks([2]).notes == []
    finally:
        set_mixxx_detector(previous)
    assert mp.get_track_by_id(1).title == "x"


def test_update_track_failure_mid_transaction_leaves_file_unchanged(
    library: mp.MixxxLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first write asks for WAL before its transaction (a header change no rollback
    # takes back, said in its note): the file as the transaction found it is the baseline.
    prepare_write(library)
    before = sha256(library.path)

    real_update = edits.bulk_update

    def boom(*args: Any, **kwargs: Any) -> int:
        real_update(*args, **kwargs)  # the row is written, then the transaction fails
        raise RuntimeError("injected")

    monkeypatch.setattr(edits, "bulk_update", boom)
    with pytest.raises(RuntimeError, match="injected"):
        mp.update_track(1, title="never")
    monkeypatch.undo()
    assert mp.get_track_by_id(1).title == "One More Time"
    mp.current_library().close()
    assert sha256(library.path) == before


def test_hide_and_unhide_report_what_changed(library: mp.MixxxLibrary) -> None:
    result = mp.hide_tracks([1, 4])
    assert result.counts == {"changed": 1, "already": 1}
    assert mp.get_track_by_id(1).mixxx_deleted == 1
    result = mp.unhide_tracks([1, 4, 5])
    assert result.counts == {"changed": 2, "already": 1}
    assert mp.query_tracks(hidden=True) == []
    with pytest.raises(mp.TrackNotFoundError, match="77"):
        mp.hide_tracks([1, 77])
    assert mp.get_track_by_id(1).mixxx_deleted == 0


def test_missing_tracks_tell_gone_files_from_absent_link_targets(tmp_path: Path) -> None:
    db_path = copy_fixture("schema-replay/rev32.sqlite", tmp_path)
    present = tmp_path / "present.mp3"
    present.write_bytes(b"x")
    dangling = tmp_path / "annexed.mp3"
    dangling.symlink_to(tmp_path / ".git/annex/objects/absent.mp3")
    fill(
        db_path,
        [
            (str(present), {"title": "present"}),
            (str(tmp_path / "gone.mp3"), {"title": "gone"}),
            (str(dangling), {"title": "annexed"}),
            (str(present.with_name("flagged.mp3")), {"title": "flagged", "fs_deleted": 1}),
        ],
    )
    (tmp_path / "flagged.mp3").write_bytes(b"y")
    mp.open_library(db_path)
    reasons = {t["title"]: why for t, why in mp.missing_tracks()}
    assert reasons == {
        "gone": trackreads.MISSING_FILE_GONE,
        "annexed": trackreads.MISSING_LINK_TARGET_ABSENT,
        "flagged": trackreads.MISSING_FLAGGED,
    }
    assert {t.title for t in mp.query_tracks(missing=True)} == {"gone", "annexed", "flagged"}
    assert [t.title for t in mp.query_tracks(missing=False)] == ["present"]


@pytest.mark.skipif(
    not (FIXTURES / "real-mixxx-2.3.3/mixxxdb.sqlite").exists(), reason="no real-Mixxx fixture"
)
def test_real_mixxx_library_reads_and_edits(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-2.3.3/mixxxdb.sqlite", tmp_path)
    mp.open_library(path)
    rows = list(mp.iter_tracks(chunk_size=5))
    assert len(rows) == 13
    assert all(r["location"].startswith("/tmp/mixxx-peewee-fixture-music") for r in rows)
    bjork = mp.search_tracks("bjork")
    assert [t.path for t in bjork] == ["/tmp/mixxx-peewee-fixture-music/Björk – Jóga.mp3"]
    pure = mp.get_track_by_location("/tmp/mixxx-peewee-fixture-music/100% pure_underscore.flac")
    assert pure is not None and pure.key_id == 11
    assert [t.id for t in mp.query_tracks(key="11d")] == [pure.id]  # B♭ major: OpenKey 11d
    mp.update_track(pure.id, key="Gm", rating=4)
    track = mp.get_track_by_id(pure.id)
    assert (track.key, track.key_id, track.rating) == ("Gm", 20, 4)


def test_reads_on_a_read_only_open_change_nothing(replay_db: Path) -> None:
    fill(replay_db, SAMPLE)
    before = sha256(replay_db)
    mp.open_library(replay_db, readonly=True)
    assert len(list(mp.iter_tracks())) == 4
    assert mp.update_track(1, title="dry", dry_run=True).changes
    with pytest.raises(mp.ReadOnlyError):
        mp.update_track(1, title="wet")
    mp.current_library().close()
    assert sha256(replay_db) == before


def test_every_track_function_takes_a_track_an_id_or_a_path(library: mp.MixxxLibrary) -> None:
    """TrackLike: what one search returns goes straight into the writes (issue 20)."""
    found = mp.search_tracks("id:1")
    assert [t.id for t in found] == [1]
    assert mp.hide_tracks(found).counts == {"changed": 1, "already": 0}
    assert mp.get_track_by_id(1).mixxx_deleted == 1
    location = mp.get_track_by_id(1).location.location
    assert mp.unhide_tracks(location).counts == {"changed": 1, "already": 0}
    assert mp.hide_tracks([mp.get_track_by_id(1), "1"]).counts["changed"] == 1
    mp.unhide_tracks(1)
    assert mp.update_track(location, comment="by path").value == 1
    assert mp.update_track(mp.get_track_by_id(1), title="by model").value == 1
    assert mp.get_track_by_id(1).comment == "by path"
    assert mp.track_usage(location) == mp.track_usage(1)
    assert mp.list_cues(location) == mp.list_cues(mp.get_track_by_id(1))
    with pytest.raises(mp.TrackNotFoundError, match="no track with that location"):
        mp.hide_tracks(["/nowhere/at/all.mp3"])
    with pytest.raises(mp.ValidationError, match="a track is a Track"):
        mp.update_track(1.5, comment="x")  # type: ignore[arg-type]
