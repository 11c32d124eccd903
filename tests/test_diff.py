"""diff_libraries and save_snapshot: every kind of change, snapshots, partial saves, bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cli_support import sha256

import mixxx_peewee
from mixxx_peewee import LibraryDiff
from mixxx_peewee import diff_libraries
from mixxx_peewee import save_snapshot
from mixxx_peewee.errors import CorruptDatabaseError
from mixxx_peewee.errors import DatabaseNotFoundError
from mixxx_peewee.errors import LibraryNotOpenError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.testing import make_sample_library


def library(tmp_path: Path, revision: int = 39, name: str = "old.sqlite") -> Path:
    """A small generated library (40 tracks, cues, three crates and playlists)."""
    return make_sample_library(
        tmp_path / name, revision=revision, tracks=40, seed=3, crates=3, playlists=3
    )


def pair(tmp_path: Path, revision: int = 39) -> tuple[Path, Path]:
    old = library(tmp_path, revision)
    new = tmp_path / "new.sqlite"
    shutil.copy2(old, new)
    return old, new


def edit(path: Path, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Change a library file with raw sqlite3, as Mixxx or another tool would."""
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, ())
            conn.execute(sql, params)
    conn.close()


def one(path: Path, sql: str, *params: Any) -> Any:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def fields_of(diff: LibraryDiff) -> dict[int, dict[str, tuple[Any, Any]]]:
    return {c.id: c.fields for c in diff.track_changes}


def comparable(diff: LibraryDiff) -> dict[str, Any]:
    """The diff without the two paths (equal whatever the files were)."""
    data = diff.to_dict()
    del data["old"], data["new"]
    return data


def test_identical_libraries_give_an_empty_diff(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    diff = diff_libraries(old, new)
    assert diff.is_empty()
    assert diff.changed_track_ids() == set()
    assert list(diff.rows()) == []
    assert diff_libraries(old, save_snapshot(tmp_path / "s.sqlite", source=new)).is_empty()


@pytest.mark.parametrize("revision", [32, 39])
def test_track_field_changes_are_reported_as_users_see_them(tmp_path: Path, revision: int) -> None:
    old, new = pair(tmp_path, revision)
    rated = one(old, "SELECT id, rating FROM library WHERE rating > 0 AND id > 5 ORDER BY id")
    edit(
        new,
        "UPDATE library SET title = 'New title', artist = NULL WHERE id = 1",
        f"UPDATE library SET rating = 0 WHERE id = {rated[0]}",
        "UPDATE library SET color = 16711680 WHERE id = 2",
        "UPDATE library SET key = 'Am', key_id = 22 WHERE id = 3",
        "UPDATE library SET timesplayed = timesplayed + 2, played = 1 WHERE id = 4",
        "UPDATE library SET bpm = 99 WHERE id = 5",
    )
    diff = diff_libraries(old, new)
    changed = fields_of(diff)
    before = one(old, "SELECT title, artist FROM library WHERE id = 1")
    assert changed[1] == {"artist": (before[1], None), "title": (before[0], "New title")}
    assert changed[rated[0]]["rating"] == (rated[1], 0)
    assert changed[2]["color"][1] == "#FF0000"
    assert changed[3]["key"][1] == "Am"
    played = one(old, "SELECT timesplayed FROM library WHERE id = 4")[0]
    assert changed[4]["timesplayed"] == (played, played + 2)
    assert changed[5]["bpm"][1] == 99.0 and isinstance(changed[5]["bpm"][1], float)
    assert ("last_played_at" in diff.fields) == (revision >= 35)
    assert diff.changed_track_ids() == {1, rated[0], 2, 3, 4, 5}


def test_a_grid_edit_that_left_the_bpm_column_alone_is_seen(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    track_id, beats = one(old, "SELECT id, beats FROM library WHERE beats IS NOT NULL")
    edit(new, ("UPDATE library SET beats = ? WHERE id = ?", (bytes(beats) + b"\x00", track_id)))
    change = fields_of(diff_libraries(old, new))[track_id]
    assert set(change) == {"beats"}
    old_digest, new_digest = change["beats"]
    assert isinstance(old_digest, str) and isinstance(new_digest, str)
    assert old_digest != new_digest and len(new_digest) <= 16


def test_a_bpm_set_through_the_library_is_seen_in_column_and_grid(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    track_id = one(old, "SELECT id FROM library WHERE beats IS NOT NULL AND bpm_lock = 0")[0]
    with mixxx_peewee.open_library(new, auto_backup=False, change_journal=False):
        mixxx_peewee.update_track(track_id, bpm=130.0)
    change = fields_of(diff_libraries(old, new))[track_id]
    assert change["bpm"][1] == 130.0
    assert "beats" in change


def test_moved_hidden_added_and_removed_tracks(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    visible = one(old, "SELECT id FROM library WHERE mixxx_deleted = 0 ORDER BY id")[0]
    hidden = one(old, "SELECT id FROM library WHERE mixxx_deleted = 1 ORDER BY id")[0]
    path = one(old, "SELECT location FROM track_locations WHERE id = 7")[0]
    edit(
        new,
        f"UPDATE library SET mixxx_deleted = 1 WHERE id = {visible}",
        f"UPDATE library SET mixxx_deleted = 0 WHERE id = {hidden}",
        "UPDATE track_locations SET location = '/moved/x.mp3', filename = 'x.mp3',"
        " directory = '/moved' WHERE id = (SELECT location FROM library WHERE id = 7)",
        "DELETE FROM library WHERE id = 8",
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) VALUES ('/new/n.mp3', 'n.mp3', '/new', 1, 0, 0)",
        "INSERT INTO library (id, artist, title, location, mixxx_deleted)"
        " VALUES (1000, 'A', 'T', last_insert_rowid(), 0)",
    )
    diff = diff_libraries(old, new)
    assert [r.id for r in diff.tracks_hidden] == [visible]
    assert [r.id for r in diff.tracks_unhidden] == [hidden]
    assert fields_of(diff)[7] == {"location": (path, "/moved/x.mp3")}
    assert [(r.id, r.location) for r in diff.tracks_added] == [(1000, "/new/n.mp3")]
    assert [r.id for r in diff.tracks_removed] == [8]
    assert diff.tracks_removed[0].location is not None
    assert diff.changed_track_ids() == {visible, hidden, 7, 1000}  # not the removed one


def test_a_new_track_below_the_highest_id_is_found(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    edit(old, "DELETE FROM library WHERE id = 5")  # the newer side has an id the older lacks
    diff = diff_libraries(old, new)
    assert [r.id for r in diff.tracks_added] == [5]
    assert diff.tracks_removed == []


def test_cues_added_moved_and_removed_per_track(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    track_id, hotcue = one(old, "SELECT track_id, hotcue FROM cues WHERE hotcue >= 0 ORDER BY id")
    main = one(old, "SELECT id, track_id FROM cues WHERE type = 2 AND track_id != ?", track_id)
    edit(
        new,
        f"UPDATE cues SET position = position + 88200 WHERE track_id = {track_id}"
        f" AND hotcue = {hotcue}",
        f"INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
        f" VALUES ({track_id}, 1, 1000, 0, 30, 'Drop', 255)",
        f"DELETE FROM cues WHERE id = {main[0]}",
    )
    diff = diff_libraries(old, new)
    by_track = {c.id: c for c in diff.cue_changes}
    assert set(by_track) == {track_id, main[1]}
    moved = by_track[track_id]
    assert [c["hotcue"] for c in moved.added] == [31]  # numbered from 1, as users see them
    assert moved.added[0]["label"] == "Drop" and moved.added[0]["color"] == "#0000FF"
    [(before, after)] = moved.changed
    assert before["hotcue"] == after["hotcue"] == hotcue + 1
    assert after["position_samples"] - before["position_samples"] == 88200
    assert after["position"] - before["position"] == pytest.approx(88200 / 2 / 44100, rel=0.5)
    assert [c["type"] for c in by_track[main[1]].removed] == ["main"]
    rows = [r for r in diff.rows() if r["table"] == "cues"]
    assert {r["kind"] for r in rows} == {"added", "changed", "removed"}
    assert {r["field"] for r in rows if r["kind"] == "changed"} == {"position"}
    assert diff.changed_track_ids() == {track_id, main[1]}


def test_cues_rewritten_with_new_ids_are_no_change(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    track_id = one(old, "SELECT track_id FROM cues ORDER BY id")[0]
    edit(  # Mixxx replaces a cached track's whole cue set when it saves it
        new,
        "INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
        f" SELECT track_id, type, position, length, hotcue, label, color FROM cues"
        f" WHERE track_id = {track_id}",
        f"DELETE FROM cues WHERE track_id = {track_id} AND id <= (SELECT max(id) FROM cues)"
        f" - (SELECT count(*) FROM cues WHERE track_id = {track_id}) / 2",
    )
    assert diff_libraries(old, new).cue_changes == []


def test_crates_added_removed_renamed_and_their_tracks(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    crates = [r for r in sqlite3.connect(old).execute("SELECT id, name FROM crates ORDER BY id")]
    first, second = crates[0], crates[1]
    member = one(old, "SELECT track_id FROM crate_tracks WHERE crate_id = ?", first[0])[0]
    outsider = one(
        old,
        "SELECT id FROM library WHERE id NOT IN (SELECT track_id FROM crate_tracks"
        " WHERE crate_id = ?) ORDER BY id",
        first[0],
    )[0]
    outsider_crates = {
        r[0]
        for r in sqlite3.connect(old).execute(
            "SELECT c.name FROM crate_tracks ct JOIN crates c ON c.id = ct.crate_id"
            " WHERE ct.track_id = ? AND c.id != ?",
            (outsider, second[0]),
        )
    }
    edit(
        new,
        f"UPDATE crates SET name = 'Renamed' WHERE id = {first[0]}",
        f"DELETE FROM crate_tracks WHERE crate_id = {first[0]} AND track_id = {member}",
        f"INSERT INTO crate_tracks (crate_id, track_id) VALUES ({first[0]}, {outsider})",
        f"DELETE FROM crate_tracks WHERE crate_id = {second[0]}",
        f"DELETE FROM crates WHERE id = {second[0]}",
        "INSERT INTO crates (id, name) VALUES (77, 'Brand new')",
        f"INSERT INTO crate_tracks (crate_id, track_id) VALUES (77, {outsider})",
    )
    diff = diff_libraries(old, new)
    crates_diff = diff.crates
    assert [(c.id, c.name, c.tracks) for c in crates_diff.added] == [(77, "Brand new", 1)]
    assert [(c.id, c.name) for c in crates_diff.removed] == [second]
    assert [(r.id, r.old_name, r.new_name) for r in crates_diff.renamed] == [
        (first[0], first[1], "Renamed")
    ]
    [membership] = crates_diff.membership
    assert (membership.id, membership.added, membership.removed) == (
        first[0], [outsider], [member],
    )  # fmt: skip
    changed = fields_of(diff)
    assert set(changed[outsider]["crates"][1]) == {"Brand new", "Renamed"} | outsider_crates
    assert first[1] in changed[member]["crates"][0]
    assert "Renamed" not in changed[member]["crates"][1]
    # Every other member of the renamed crate sees the new name.
    others = sqlite3.connect(new).execute(
        "SELECT track_id FROM crate_tracks WHERE crate_id = ?", (first[0],)
    )
    for (track_id,) in others:
        assert "Renamed" in changed[track_id]["crates"][1]


def test_playlists_added_removed_renamed_their_tracks_and_order(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    rows = sqlite3.connect(old).execute(
        "SELECT playlist_id, count(*) FROM PlaylistTracks GROUP BY 1 HAVING count(*) >= 3"
    )
    big, small = [r[0] for r in rows][:2]
    tracks = [
        r[0]
        for r in sqlite3.connect(old).execute(
            "SELECT track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position", (big,)
        )
    ]
    edit(
        new,
        # swap the first two entries: same tracks, another order
        f"UPDATE PlaylistTracks SET position = 3 - position WHERE playlist_id = {big}"
        " AND position IN (1, 2)",
        f"UPDATE Playlists SET name = 'Renamed list' WHERE id = {big}",
        f"DELETE FROM PlaylistTracks WHERE playlist_id = {small} AND position = 1",
        f"UPDATE PlaylistTracks SET position = position - 1 WHERE playlist_id = {small}",
        "INSERT INTO Playlists (id, name, position, hidden, locked) VALUES (90, 'Fresh', 99, 0, 0)",
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (90, 1, 1)",
        "INSERT INTO Playlists (id, name, position, hidden, locked)"
        " VALUES (91, 'historyPlaceholder', 0, -1, 1)",
    )
    changes = diff_libraries(old, new).playlists
    assert [(c.id, c.name, c.tracks) for c in changes.added] == [(90, "Fresh", 1)]
    assert changes.removed == []  # the placeholder of Mixxx 2.5 is no playlist
    assert [(r.id, r.new_name) for r in changes.renamed] == [(big, "Renamed list")]
    by_id = {m.id: m for m in changes.membership}
    assert (by_id[big].added, by_id[big].removed, by_id[big].order_changed) == ([], [], True)
    removed = one(
        old, "SELECT track_id FROM PlaylistTracks WHERE playlist_id = ? AND position = 1", small
    )
    assert (by_id[small].removed, by_id[small].order_changed) == ([removed[0]], False)
    assert tracks  # the swapped playlist had entries
    rows = [r for r in diff_libraries(old, new).rows() if r["table"] == "playlists"]
    kinds = {(r["kind"], r["id"]) for r in rows}
    assert ("order changed", big) in kinds and ("track removed", small) in kinds


def many_changes(tmp_path: Path, revision: int = 39) -> tuple[Path, Path]:
    old, new = pair(tmp_path, revision)
    edit(
        new,
        "UPDATE library SET title = 'x', rating = 0, color = 255 WHERE id IN (1, 2)",
        "UPDATE library SET beats = x'0a0b' WHERE id = 3",
        "UPDATE library SET mixxx_deleted = 1 - mixxx_deleted WHERE id = 4",
        "DELETE FROM library WHERE id = 5",
        "UPDATE cues SET position = position + 10 WHERE id IN (SELECT min(id) FROM cues)",
        "UPDATE crates SET name = name || ' (2)' WHERE id = (SELECT min(id) FROM crates)",
        "DELETE FROM crate_tracks WHERE rowid = (SELECT max(rowid) FROM crate_tracks)",
        "UPDATE PlaylistTracks SET track_id = 9 WHERE id = (SELECT max(id) FROM PlaylistTracks)",
    )
    return old, new


@pytest.mark.parametrize("revision", [32, 39])
def test_snapshots_and_libraries_give_the_same_diff(tmp_path: Path, revision: int) -> None:
    old, new = many_changes(tmp_path, revision)
    old_snap = save_snapshot(tmp_path / "old.snap", source=old)
    new_snap = save_snapshot(tmp_path / "new.snap", source=new)
    expected = comparable(diff_libraries(old, new))
    assert sum(expected["counts"].values()) >= 7
    for a, b in ((old_snap, new), (old, new_snap), (old_snap, new_snap)):
        assert comparable(diff_libraries(a, b)) == expected, (a.name, b.name)
    assert diff_libraries(old_snap, old).is_empty()


def test_a_snapshot_is_small_and_holds_no_blobs(tmp_path: Path) -> None:
    old = library(tmp_path)
    snap = save_snapshot(tmp_path / "s.sqlite", source=old)
    conn = sqlite3.connect(snap)
    longest = conn.execute("SELECT max(max(length(beats)), max(length(keys))) FROM tracks")
    assert longest.fetchone()[0] <= 64
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert not list(tmp_path.glob(".s.sqlite.*"))  # no temporary file left


def test_refreshing_some_tracks_keeps_the_others_changes_crate_rename_included(
    tmp_path: Path,
) -> None:
    old, live = pair(tmp_path)
    state = save_snapshot(tmp_path / "state.sqlite", source=old)
    crate_id = one(old, "SELECT crate_id FROM crate_tracks GROUP BY 1 HAVING count(*) >= 2")[0]
    synced, other = [
        r[0]
        for r in sqlite3.connect(old).execute(
            "SELECT track_id FROM crate_tracks WHERE crate_id = ? ORDER BY track_id LIMIT 2",
            (crate_id,),
        )
    ]
    edit(
        live,
        f"UPDATE crates SET name = 'Renamed' WHERE id = {crate_id}",
        f"UPDATE library SET rating = 5 WHERE id IN ({synced}, {other})",
        f"UPDATE cues SET position = position + 100 WHERE track_id IN ({synced}, {other})",
        "DELETE FROM library WHERE id = 6",
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) VALUES ('/new/n.mp3', 'n.mp3', '/new', 1, 0, 0)",
        "INSERT INTO library (id, title, location, mixxx_deleted)"
        " VALUES (500, 'T', last_insert_rowid(), 0)",
    )
    before = sha256(live)
    save_snapshot(state, source=live, track_ids=[synced, 6, 500])
    assert sha256(live) == before
    diff = diff_libraries(state, live)
    changed = fields_of(diff)
    assert synced not in changed and synced not in {c.id for c in diff.cue_changes}
    assert changed[other]["rating"][1] == 5
    assert changed[other]["crates"][1] == ("Renamed",) or "Renamed" in changed[other]["crates"][1]
    assert other in {c.id for c in diff.cue_changes}
    assert diff.tracks_added == [] and diff.tracks_removed == []
    assert synced not in diff.changed_track_ids() and other in diff.changed_track_ids()
    # The rest of the renamed crate's members are still to be synced.
    members = {
        r[0]
        for r in sqlite3.connect(live).execute(
            "SELECT track_id FROM crate_tracks WHERE crate_id = ?", (crate_id,)
        )
    }
    assert members - {synced, 6} <= diff.changed_track_ids()  # 6: removed, then synced
    # A full save then leaves nothing.
    assert diff_libraries(save_snapshot(state, source=live), live).is_empty()


def test_a_partial_save_creates_a_missing_snapshot_with_only_those_tracks(
    tmp_path: Path,
) -> None:
    old = library(tmp_path)
    state = save_snapshot(tmp_path / "state.sqlite", source=old, track_ids=[1, 2])
    diff = diff_libraries(state, old)
    assert 1 not in diff.changed_track_ids() and 2 not in diff.changed_track_ids()
    assert {r.id for r in diff.tracks_added} == set(range(3, 41))


def test_none_is_the_open_library_and_nothing_is_written(tmp_path: Path) -> None:
    old, new = many_changes(tmp_path)
    hashes = sha256(old), sha256(new)
    with mixxx_peewee.open_library(new, readonly=True):
        assert comparable(diff_libraries(old, None)) == comparable(diff_libraries(old, new))
        snap = save_snapshot(tmp_path / "s.sqlite")
    assert diff_libraries(snap, new).is_empty()
    assert (sha256(old), sha256(new)) == hashes
    assert not Path(f"{old}-wal").exists() and not Path(f"{new}-journal").exists()
    with pytest.raises(LibraryNotOpenError):
        diff_libraries(old, None)


def test_the_diff_is_plain_json_ready_data(tmp_path: Path) -> None:
    old, new = many_changes(tmp_path)
    diff = diff_libraries(old, new)
    data = json.loads(json.dumps(diff.to_dict()))
    assert data["counts"] == diff.counts()
    assert data["tracks"]["changed"][0]["fields"]
    rows = list(diff.rows())
    json.dumps(rows)
    assert all({"table", "kind"} <= set(r) for r in rows)
    assert {r["table"] for r in rows} == {"tracks", "cues", "crates", "playlists"}


def test_bad_inputs_raise_one_clear_error(tmp_path: Path) -> None:
    good = library(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DatabaseNotFoundError, match="no such file"):
        diff_libraries(tmp_path / "missing.sqlite", good)
    with pytest.raises(NotAMixxxDatabaseError):
        diff_libraries(text, good)
    with pytest.raises(NotAMixxxDatabaseError, match="not a Mixxx library or snapshot"):
        diff_libraries(good, other)
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(CorruptDatabaseError):
        diff_libraries(good, truncated)
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(good.read_bytes())
    data[8192:] = b"\xff" * (len(data) - 8192)
    damaged.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError):
        diff_libraries(good, damaged)
    snap = save_snapshot(tmp_path / "s.sqlite", source=good)
    edit(snap, "UPDATE snapshot_info SET value = '99' WHERE name = 'version'")
    with pytest.raises(SchemaVersionError, match="snapshot format 99"):
        diff_libraries(snap, good)


def test_a_snapshot_never_replaces_a_file_that_is_no_snapshot(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    before = sha256(new)
    with pytest.raises(ValidationError, match="is a Mixxx library"):
        save_snapshot(new, source=old)
    with pytest.raises(ValidationError, match="is the source itself"):
        save_snapshot(old, source=old)
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    with pytest.raises(ValidationError, match="no snapshot"):
        save_snapshot(notes, source=old, track_ids=[1])
    assert sha256(new) == before and notes.read_text() == "keep me"


def test_reading_a_wal_file_leaves_no_files_beside_it(tmp_path: Path) -> None:
    old, new = pair(tmp_path)
    sqlite3.connect(new).execute("PRAGMA journal_mode = wal").fetchone()
    assert not Path(f"{new}-wal").exists()
    diff_libraries(old, new)
    save_snapshot(tmp_path / "s.sqlite", source=new)
    assert sorted(p.name for p in tmp_path.glob("new.sqlite*")) == ["new.sqlite"]
