"""Playlists: lookups, names, positions 1..n, locks, history, dry runs, atomicity, guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import sha256
from conftest import fields_of

import mixxx_peewee as m
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.testing import make_sample_library
from mixxx_peewee.trackset import positions as entry_positions


def positions(path_or_none: object, playlist_id: int) -> list[tuple[int, int]]:
    """``(position, track_id)`` rows of a playlist as stored, read with the open connection."""
    cursor = m.db.execute_sql(
        "SELECT position, track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position",
        (playlist_id,),
    )
    return [(r[0], r[1]) for r in cursor]


def track_order(playlist_id: int) -> list[int]:
    rows = positions(None, playlist_id)
    assert [p for p, _ in rows] == list(range(1, len(rows) + 1)), rows
    return [t for _, t in rows]


def test_every_operation_keeps_positions_one_to_n(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    a, b, c, d = ids[:4]
    pid = m.create_playlist("Friday").value
    m.add_tracks_to_playlist(pid, [a, b, c])
    assert track_order(pid) == [a, b, c]
    m.add_track_to_playlist(pid, d, position=2)
    assert track_order(pid) == [a, d, b, c]
    m.add_tracks_to_playlist(pid, [a, a], position=1)
    assert track_order(pid) == [a, a, a, d, b, c]
    m.remove_positions_from_playlist(pid, [2, 5])
    assert track_order(pid) == [a, a, d, c]
    m.move_playlist_track(pid, 4, 1)
    assert track_order(pid) == [c, a, a, d]
    m.move_playlist_track(pid, 1, 3)
    assert track_order(pid) == [a, a, c, d]
    m.remove_track_from_playlist(pid, a)
    assert track_order(pid) == [c, d]
    m.clear_playlist(pid)
    assert track_order(pid) == []


def test_created_playlist_is_placed_after_the_last_with_mixxx_timestamps(
    opened: tuple[Path, list[int]],
) -> None:
    before = m.db.execute_sql("SELECT max(position) FROM Playlists").fetchone()[0] or 0
    pid = m.create_playlist("  Warm up  ").value
    row = m.db.execute_sql(
        "SELECT name, position, hidden, date_created, date_modified FROM Playlists WHERE id = ?",
        (pid,),
    ).fetchone()
    assert row[:3] == ("Warm up", before + 1, 0)
    assert len(row[3]) == 19 and row[3][10] == " " and row[3] == row[4]  # YYYY-MM-DD HH:MM:SS


def test_entries_get_mixxx_datetime_added(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Stamps").value
    m.add_tracks_to_playlist(pid, ids[:2])
    added = [t.pl_datetime_added for t in m.get_playlist_tracks(pid)]
    assert all(v.tzinfo is not None for v in added)
    assert all(len(v.raw) == 19 and v.raw[4] == "-" and v.raw[10] == " " for v in added)


def test_playlist_tracks_are_track_models_with_position_and_path(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    pid = m.create_playlist("Keys").value
    m.add_tracks_to_playlist(pid, [ids[1], ids[0]])
    entries = m.get_playlist_tracks(pid)
    assert all(isinstance(e, m.Track) for e in entries)
    assert [e.id for e in entries] == [ids[1], ids[0]]
    assert [e.position for e in entries] == [1, 2]
    assert entries[0].path.startswith("/")
    assert entries[0].artist == m.Track.get_by_id(ids[1]).artist
    assert entries[0].entry_id != entries[1].entry_id


def test_playlist_tracks_read_like_peewee_models(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Same").value
    m.add_tracks_to_playlist(pid, ids[:5])
    for track in m.get_playlist_tracks(pid):
        model = m.Track.get_by_id(track.id)
        assert fields_of(track) == fields_of(model)
        assert fields_of(track.location) == fields_of(m.TrackLocation.get_by_id(model.location.id))
        assert not track.is_dirty()


def test_a_repeated_track_comes_as_separate_instances(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Twice").value
    m.add_tracks_to_playlist(pid, [ids[0], ids[1], ids[0]])
    first, _, third = m.get_playlist_tracks(pid)
    assert first.id == third.id and first is not third
    assert (first.position, third.position) == (1, 3)


def test_an_entry_whose_track_is_gone_is_a_bare_track(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Orphan").value
    m.add_tracks_to_playlist(pid, ids[:2])
    m.db.execute_sql("DELETE FROM library WHERE id = ?", (ids[0],))
    gone, kept = m.get_playlist_tracks(pid)
    assert (gone.id, gone.path, gone.artist, gone.position) == (ids[0], None, None, 1)
    assert kept.path is not None and kept.position == 2


def test_create_playlist_returns_the_new_playlist(opened: tuple[Path, list[int]]) -> None:
    result = m.create_playlist("Made")
    assert result.id == result.value == m.get_playlist("Made").id
    assert isinstance(result.object, m.Playlist) and result.object.name == "Made"
    assert "object" not in result.to_dict()
    planned = m.create_playlist("Planned", dry_run=True)
    assert (planned.id, planned.object, planned.value) == (None, None, None)


def test_create_playlist_with_tracks_is_one_transaction(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    result = m.create_playlist("Filled", [ids[2], ids[0]])
    assert result.counts == {"created": 1, "added": 2}
    assert track_order(result.id) == [ids[2], ids[0]]
    with pytest.raises(m.TrackNotFoundError):
        m.create_playlist("Half", [ids[0], 999_999])
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist("Half")


def test_lookup_by_id_digits_or_exact_name(opened: tuple[Path, list[int]]) -> None:
    pid = m.create_playlist("Set 1").value
    assert m.get_playlist(pid).id == pid
    assert m.get_playlist(str(pid)).id == pid
    assert m.get_playlist("Set 1").id == pid
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist("set 1")
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist(99999)


def test_names_that_are_empty_duplicate_or_auto_dj_are_refused(
    opened: tuple[Path, list[int]],
) -> None:
    m.create_playlist("Dup")
    with pytest.raises(m.DuplicateNameError):
        m.create_playlist(" Dup ")
    with pytest.raises(m.DuplicateNameError):
        m.create_playlist("Auto DJ")
    for bad in ("", "   ", "tab\there", "bell\x07"):
        with pytest.raises(m.ValidationError):
            m.create_playlist(bad)
    m.create_playlist("dup")  # Mixxx compares names case-sensitively


@pytest.mark.parametrize(
    "name", ["Ünïcödé ♫ 日本", 'it\'s "quoted"', "100% _under_", "x" * 10_000, "Robert'); DROP"]
)
def test_odd_names_round_trip(mixxx_db: Path, name: str) -> None:
    m.open_library(mixxx_db)
    pid = m.create_playlist(name).value
    assert m.get_playlist(name).id == pid
    assert [p["name"] for p in m.list_playlists()] == [name]
    m.rename_playlist(pid, name + " 2")
    assert m.get_playlist(pid).name == name + " 2"


def test_rename_refuses_an_existing_name_and_keeps_its_own(opened: tuple[Path, list[int]]) -> None:
    a = m.create_playlist("A").value
    m.create_playlist("B")
    with pytest.raises(m.DuplicateNameError):
        m.rename_playlist(a, "B")
    assert m.rename_playlist(a, "A").changes == []


def test_delete_removes_the_playlist_and_its_entries(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Gone").value
    m.add_tracks_to_playlist(pid, ids[:3])
    result = m.delete_playlist(pid)
    assert result.counts == {"deleted": 1, "entries_removed": 3}
    assert positions(None, pid) == []
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist(pid)


def test_unknown_track_ids_are_named_and_nothing_is_written(
    opened: tuple[Path, list[int]],
) -> None:
    path, ids = opened
    pid = m.create_playlist("Strict").value
    m.add_tracks_to_playlist(pid, ids[:2])
    before = sha256(path)
    with pytest.raises(m.TrackNotFoundError, match="424242, 424243"):
        m.add_tracks_to_playlist(pid, [ids[0], 424242, 424243])
    with pytest.raises(m.TrackNotFoundError):
        m.remove_track_from_playlist(pid, 424242)
    assert sha256(path) == before


def test_positions_out_of_range_are_refused(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Range").value
    m.add_tracks_to_playlist(pid, ids[:2])
    with pytest.raises(m.ValidationError):
        m.add_track_to_playlist(pid, ids[0], position=4)
    with pytest.raises(m.ValidationError):
        m.remove_positions_from_playlist(pid, [0])
    with pytest.raises(m.ValidationError):
        m.move_playlist_track(pid, 1, 3)
    m.add_track_to_playlist(pid, ids[2], position=3)  # n + 1 appends
    assert track_order(pid) == ids[:3]


def test_removing_a_track_absent_from_the_playlist_removes_nothing(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    pid = m.create_playlist("Absent").value
    m.add_tracks_to_playlist(pid, ids[:2])
    result = m.remove_track_from_playlist(pid, ids[3])
    assert result.counts == {"removed": 0, "absent": 1}  # remove_tracks_from_playlist's
    assert track_order(pid) == ids[:2]


def test_locked_playlist_refuses_every_change(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    pid = m.create_playlist("Locked").value
    m.add_tracks_to_playlist(pid, ids[:2])
    m.db.execute_sql("UPDATE Playlists SET locked = 1 WHERE id = ?", (pid,))
    for change in (
        lambda: m.add_track_to_playlist(pid, ids[0]),
        lambda: m.remove_track_from_playlist(pid, ids[0]),
        lambda: m.remove_positions_from_playlist(pid, [1]),
        lambda: m.move_playlist_track(pid, 1, 2),
        lambda: m.clear_playlist(pid),
        lambda: m.rename_playlist(pid, "Other"),
        lambda: m.delete_playlist(pid),
    ):
        with pytest.raises(m.LockedError):
            change()
    assert track_order(pid) == ids[:2]


def test_history_playlists_are_read_only_unless_forced(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    m.db.execute_sql(
        "INSERT INTO Playlists (name, position, hidden, locked) VALUES ('2026-01-01', 99, 2, 0)"
    )
    hid = m.get_playlist("2026-01-01").id
    with pytest.raises(m.LockedError, match="history"):
        m.add_track_to_playlist(hid, ids[0])
    with pytest.raises(m.LockedError):
        m.delete_playlist(hid)
    m.add_track_to_playlist(hid, ids[0], force_history=True)
    assert track_order(hid) == [ids[0]]


def test_auto_dj_takes_adds_but_is_never_renamed_or_deleted(mixxx_db: Path) -> None:
    m.open_library(mixxx_db)
    m.db.execute_sql("INSERT INTO Playlists (name, position, hidden) VALUES ('Auto DJ', 1, 1)")
    path_ids = m.db.execute_sql("SELECT id FROM library").fetchall()
    assert path_ids == []
    auto = m.get_playlist("Auto DJ").id
    with pytest.raises(m.LockedError):
        m.rename_playlist(auto, "Mine")
    with pytest.raises(m.LockedError):
        m.delete_playlist(auto)


def test_auto_dj_is_a_normal_target_for_adds(tracks_db: tuple[Path, list[int]]) -> None:
    path, ids = tracks_db
    m.open_library(path)
    if not m.list_playlists(kind="autodj"):
        m.db.execute_sql("INSERT INTO Playlists (name, position, hidden) VALUES ('Auto DJ', 0, 1)")
    auto = m.get_playlist("Auto DJ").id
    start = track_order(auto)
    m.add_tracks_to_playlist(auto, ids[:2])
    assert track_order(auto) == [*start, *ids[:2]]


def test_listing_kinds_and_mixxx_like_counts(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "s.sqlite", revision=39, tracks=120, seed=4)
    m.open_library(path)
    normal = m.list_playlists()
    every = m.list_playlists(include_hidden=True)
    assert {p["kind"] for p in normal} == {"normal"}
    assert {p["kind"] for p in every} == {"normal", "autodj", "history"}
    assert [p["id"] for p in m.list_playlists(kind="history")] == [
        p["id"] for p in every if p["hidden"] == 2
    ]
    for p in every:
        visible = m.db.execute_sql(
            "SELECT count(*) FROM PlaylistTracks pt JOIN library l ON l.id = pt.track_id"
            " WHERE pt.playlist_id = ? AND coalesce(l.mixxx_deleted, 0) <> 1",
            (p["id"],),
        ).fetchone()[0]
        assert p["track_count"] == visible
    with pytest.raises(m.ValidationError):
        m.list_playlists(kind="smart")


def test_history_placeholder_is_never_listed_found_or_changed(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "s.sqlite", revision=39)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO Playlists (name, position, hidden, locked)"
            " VALUES ('historyPlaceholder', 2, -1, 1)"
        )
    conn.close()
    m.open_library(path)
    assert m.list_playlists(include_hidden=True) == []
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist("historyPlaceholder")
    with pytest.raises(m.PlaylistNotFoundError):
        m.delete_playlist("historyPlaceholder")


def test_gapped_positions_from_another_tool_are_renumbered_in_order(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    pid = m.create_playlist("Gaps").value
    m.db.execute_sql(
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES"
        " (?, ?, 5), (?, ?, 9), (?, ?, 9)",
        (pid, ids[0], pid, ids[1], pid, ids[2]),
    )
    result = m.add_track_to_playlist(pid, ids[3], position=2)
    assert any("renumber" in line for line in result.changes)
    assert track_order(pid) == [ids[0], ids[3], ids[1], ids[2]]


def _fractional_playlist(path: Path, ids: list[int]) -> int:
    """A playlist whose positions another tool wrote as REALs 1, 2.4, 2.6, 4 (distinct, 1..4)."""
    pid = m.create_playlist("Fractions").value
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, ?, ?)",
            [(pid, ids[i], p) for i, p in enumerate([1.0, 2.4, 2.6, 4.0])],
        )
    conn.close()
    return pid


def test_removing_a_position_among_fractional_positions_renumbers_in_order(
    opened: tuple[Path, list[int]],
) -> None:
    path, ids = opened
    pid = _fractional_playlist(path, ids)
    m.remove_positions_from_playlist(pid, [2])
    assert track_order(pid) == [ids[0], ids[2], ids[3]]


def test_adding_after_fractional_positions_renumbers_in_order(
    opened: tuple[Path, list[int]],
) -> None:
    path, ids = opened
    pid = _fractional_playlist(path, ids)
    result = m.add_track_to_playlist(pid, ids[4])
    assert any("renumber" in line for line in result.changes)
    assert track_order(pid) == [ids[0], ids[1], ids[2], ids[3], ids[4]]


def test_dry_run_plans_without_writing_even_read_only(opened: tuple[Path, list[int]]) -> None:
    path, ids = opened
    pid = m.create_playlist("Plan").value
    m.add_tracks_to_playlist(pid, ids[:3])
    m.current_library().close()
    before = sha256(path)
    m.open_library(path, readonly=True)
    assert m.create_playlist("New", dry_run=True).counts == {"created": 1}
    assert m.add_tracks_to_playlist(pid, ids[:2], dry_run=True).counts == {"added": 2}
    removed = m.remove_track_from_playlist(pid, ids[0], dry_run=True).counts
    assert removed == {"removed": 1, "absent": 0}
    assert m.move_playlist_track(pid, 1, 3, dry_run=True).counts == {"moved": 1}
    assert m.clear_playlist(pid, dry_run=True).counts == {"removed": 3}
    assert m.delete_playlist(pid, dry_run=True).dry_run
    with pytest.raises(m.ReadOnlyError):
        m.create_playlist("New")
    m.current_library().close()
    assert sha256(path) == before


def test_a_failure_inside_the_transaction_leaves_the_file_unchanged(
    opened: tuple[Path, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = opened
    pid = m.create_playlist("Atomic").value
    m.add_tracks_to_playlist(pid, ids[:4])
    m.current_library().close()
    m.open_library(path, journal_mode="keep")
    before = sha256(path)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected")

    # The shift of later rows has run when the renumbering fails.
    monkeypatch.setattr(entry_positions, "renumber", explode)
    monkeypatch.setattr(entry_positions, "_RANGE_SHIFTS", 0)
    with pytest.raises(RuntimeError, match="injected"):
        m.remove_positions_from_playlist(pid, [2])
    m.current_library().close()
    assert sha256(path) == before


def test_running_mixxx_adds_a_note_but_does_not_block(opened: tuple[Path, list[int]]) -> None:
    previous = set_mixxx_detector(lambda path: [MixxxProcess(1234, True)])
    try:
        result = m.create_playlist("While running")
    finally:
        set_mixxx_detector(previous)
    assert result.value is not None
    assert any("1234" in note and "restart" in note for note in result.notes)


def test_ten_thousand_tracks_insert_at_a_position_in_order(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "big.sqlite", revision=39, tracks=300, seed=2)
    m.open_library(path)
    ids = [r[0] for r in m.db.execute_sql("SELECT id FROM library ORDER BY id")]
    pid = m.create_playlist("Big").value
    m.add_tracks_to_playlist(pid, ids[:3])
    many = [ids[i % len(ids)] for i in range(10_000)]
    assert m.add_tracks_to_playlist(pid, many, position=2).counts == {"added": 10_000}
    assert track_order(pid) == [ids[0], *many, ids[1], ids[2]]
    m.remove_track_from_playlist(pid, ids[5])
    expected = [t for t in [ids[0], *many, ids[1], ids[2]] if t != ids[5]]
    assert track_order(pid) == expected


def test_a_name_of_digits_is_found_when_no_playlist_has_that_id(mixxx_db: Path) -> None:
    m.open_library(mixxx_db)
    with pytest.raises(m.ValidationError, match="digits only"):
        m.create_playlist("2024")  # refused: every command reads digits as an id
    pid = m.create_playlist("Year").value
    with pytest.raises(m.ValidationError, match="digits only"):
        m.rename_playlist(pid, "2024")
    m.db.execute_sql("UPDATE Playlists SET name = '2024' WHERE id = ?", (pid,))  # as Mixxx may
    assert m.get_playlist("2024").id == pid
    assert m.get_playlist(str(pid)).id == pid


def test_removing_tracks_and_positions_is_one_change_renumbered(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    pid = m.create_playlist("Mixed", [ids[0], ids[1], ids[2], ids[0], ids[3]]).value
    result = m.remove_tracks_from_playlist(pid, [ids[0], ids[4]], positions=[3])
    assert result.counts == {"removed": 3, "absent": 1}
    assert track_order(pid) == [ids[1], ids[3]]
    assert any("not in playlist 'Mixed'" in line for line in result.unchanged)
    with pytest.raises(m.ValidationError, match="outside"):
        m.remove_tracks_from_playlist(pid, positions=[3])
    assert track_order(pid) == [ids[1], ids[3]]


def test_playlist_tracks_are_named_by_model_id_or_path(opened: tuple[Path, list[int]]) -> None:
    """add/remove/replace/create take Tracks, ids and paths (TrackLike), one alone or many."""
    _path, ids = opened
    path = m.get_track_by_id(ids[1]).path
    model = m.get_track_by_id(ids[0])
    pid = m.create_playlist("Like", [model, path]).value
    assert track_order(pid) == ids[:2]
    m.add_tracks_to_playlist(pid, m.search_tracks(f"id:{ids[2]}"))
    m.add_track_to_playlist(pid, path, position=1)
    assert track_order(pid) == [ids[1], ids[0], ids[1], ids[2]]
    assert m.remove_tracks_from_playlist(pid, path).counts["removed"] == 2
    m.replace_playlist_tracks(pid, [str(ids[3]), model])
    assert track_order(pid) == [ids[3], ids[0]]


def test_fill_creates_or_fills_as_existing_says(opened: tuple[Path, list[int]]) -> None:
    """fill_playlist / fill_crate: what `add --create` and `import` do, for scripts."""
    _path, ids = opened
    made = m.fill_playlist("Filled", ids[:2])
    assert made.operation == "fill_playlist" and made.counts == {"created": 1, "added": 2}
    with pytest.raises(m.ValidationError, match="exists already"):
        m.fill_playlist("Filled", ids[2:3])
    m.fill_playlist("Filled", ids[2:3], existing="append", position=1)
    assert track_order(made.id) == [ids[2], ids[0], ids[1]]
    m.fill_playlist(made.id, [ids[3]], existing="replace")
    assert track_order(made.id) == [ids[3]]
    assert not m.fill_playlist("Filled", [], existing="append").changes
    crate = m.fill_crate("Filled crate", m.search_tracks(f"id:{ids[0]}"))
    assert crate.counts == {"created": 1, "added": 1, "already": 0}
    assert m.fill_crate("Filled crate", ids[:2], existing="append").counts["added"] == 1
    with pytest.raises(m.ValidationError, match="existing must be one of"):
        m.fill_crate("Filled crate", ids[:2], existing="merge")  # type: ignore[arg-type]
    assert m.fill_playlist("Dry", ids[:1], dry_run=True).counts["created"] == 1
    with pytest.raises(m.PlaylistNotFoundError):
        m.get_playlist("Dry")
