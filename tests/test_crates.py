"""Crates: lookups, trimmed unique names, INSERT OR IGNORE counts, hidden tracks, locks."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import sha256
from conftest import fields_of

import mixxx_peewee as m
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.trackset import crates


def members(crate_id: int) -> set[int]:
    cursor = m.db.execute_sql("SELECT track_id FROM crate_tracks WHERE crate_id = ?", (crate_id,))
    return {r[0] for r in cursor}


def test_adding_reports_new_and_already_present(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Peak time").value
    assert m.add_tracks_to_crate(cid, ids[:3]).counts == {"added": 3, "already": 0}
    result = m.add_tracks_to_crate(cid, [ids[2], ids[3], ids[3]])
    assert result.counts == {"added": 1, "already": 1}
    assert members(cid) == set(ids[:4])


def test_removing_and_clearing(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Trim").value
    m.add_tracks_to_crate(cid, ids[:4])
    assert m.remove_track_from_crate(cid, ids[0]).counts == {"removed": 1, "absent": 0}
    assert m.remove_tracks_from_crate(cid, [ids[1], ids[5]]).counts == {"removed": 1, "absent": 1}
    assert members(cid) == set(ids[2:4])
    assert m.clear_crate(cid).counts == {"removed": 2}
    assert members(cid) == set()


def test_create_trims_and_refuses_empty_and_duplicate_names(
    opened: tuple[Path, list[int]],
) -> None:
    cid = m.create_crate("  House  ").value
    assert m.get_crate("House").id == cid
    with pytest.raises(m.DuplicateNameError):
        m.create_crate("House ")
    with pytest.raises(m.ValidationError):
        m.create_crate("  ")
    with pytest.raises(m.ValidationError):
        m.create_crate("new\nline")
    assert m.create_crate("house").value != cid  # case-sensitive, like Mixxx


@pytest.mark.parametrize("name", ["Ünïcödé ♫", 'say "hi"', "50% off_", "y" * 10_000])
def test_odd_names_round_trip(mixxx_db: Path, name: str) -> None:
    m.open_library(mixxx_db)
    cid = m.create_crate(name).value
    assert m.get_crate(name).id == cid
    m.rename_crate(cid, name + "!")
    assert [c["name"] for c in m.list_crates()] == [name + "!"]


def test_rename_and_delete(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    a = m.create_crate("A").value
    m.create_crate("B")
    with pytest.raises(m.DuplicateNameError):
        m.rename_crate(a, "B")
    m.rename_crate(a, "C")
    m.add_tracks_to_crate(a, ids[:2])
    assert m.delete_crate("C").counts == {"deleted": 1, "removed": 2}
    assert members(a) == set()
    with pytest.raises(m.CrateNotFoundError):
        m.get_crate(a)


def test_count_and_show_are_left_as_mixxx_leaves_them(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Untouched").value
    before = m.db.execute_sql("SELECT count, show FROM crates WHERE id = ?", (cid,)).fetchone()
    m.add_tracks_to_crate(cid, ids[:3])
    m.rename_crate(cid, "Still untouched")
    after = m.db.execute_sql("SELECT count, show FROM crates WHERE id = ?", (cid,)).fetchone()
    assert before == after == (0, 1)


def test_counts_leave_hidden_tracks_out_like_mixxx(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Counted").value
    m.add_tracks_to_crate(cid, ids[:3])
    m.db.execute_sql("UPDATE library SET mixxx_deleted = 1 WHERE id = ?", (ids[0],))
    (listed,) = [c for c in m.list_crates() if c["id"] == cid]
    assert (listed["track_count"], listed["hidden_count"]) == (2, 1)
    (every,) = [c for c in m.list_crates(include_hidden=True) if c["id"] == cid]
    assert every["track_count"] == 3
    assert [t.id for t in m.get_crate_tracks(cid)] == sorted(ids[1:3])
    assert len(m.get_crate_tracks(cid, include_hidden=True)) == 3


def test_unknown_track_ids_are_named_and_nothing_is_written(
    opened: tuple[Path, list[int]],
) -> None:
    path, ids = opened
    cid = m.create_crate("Strict").value
    before = sha256(path)
    with pytest.raises(m.TrackNotFoundError, match="777777"):
        m.add_tracks_to_crate(cid, [ids[0], 777777])
    with pytest.raises(m.TrackNotFoundError):
        m.remove_track_from_crate(cid, 777777)
    with pytest.raises(m.CrateNotFoundError):
        m.add_track_to_crate("No such crate", ids[0])
    assert sha256(path) == before


def test_locked_crate_refuses_every_change(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Locked").value
    m.add_tracks_to_crate(cid, ids[:1])
    m.db.execute_sql("UPDATE crates SET locked = 1 WHERE id = ?", (cid,))
    for change in (
        lambda: m.add_track_to_crate(cid, ids[1]),
        lambda: m.remove_track_from_crate(cid, ids[0]),
        lambda: m.clear_crate(cid),
        lambda: m.rename_crate(cid, "Other"),
        lambda: m.delete_crate(cid),
    ):
        with pytest.raises(m.LockedError):
            change()
    assert members(cid) == {ids[0]}


def test_dry_run_on_a_read_only_open_writes_nothing(opened: tuple[Path, list[int]]) -> None:
    path, ids = opened
    cid = m.create_crate("Plan").value
    m.add_tracks_to_crate(cid, ids[:2])
    m.current_library().close()
    before = sha256(path)
    m.open_library(path, readonly=True)
    assert m.add_tracks_to_crate(cid, ids[:4], dry_run=True).counts == {"added": 2, "already": 2}
    assert m.create_crate("New", dry_run=True).value is None
    assert m.clear_crate(cid, dry_run=True).counts == {"removed": 2}
    m.current_library().close()
    assert sha256(path) == before


def test_a_failure_mid_add_leaves_the_file_unchanged(
    opened: tuple[Path, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = opened
    cid = m.create_crate("Atomic").value
    m.current_library().close()
    m.open_library(path, journal_mode="keep")
    before = sha256(path)
    real = crates.require_tracks

    def checked_then_fail(track_ids: object) -> object:
        m.db.execute_sql("INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)", (cid, 1))
        real(track_ids)  # type: ignore[arg-type]
        raise RuntimeError("injected")

    monkeypatch.setattr(crates, "require_tracks", checked_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        m.add_tracks_to_crate(cid, ids[:2])
    m.current_library().close()
    assert sha256(path) == before


def test_running_mixxx_adds_a_note_but_does_not_block(opened: tuple[Path, list[int]]) -> None:
    previous = set_mixxx_detector(lambda path: [MixxxProcess(1234, True)])
    try:
        result = m.create_crate("While running")
    finally:
        set_mixxx_detector(previous)
    assert result.value is not None and any("1234" in n for n in result.notes)


def test_ten_thousand_ids_in_one_call(tmp_path: Path) -> None:
    from mixxx_peewee.testing import make_sample_library

    path = make_sample_library(tmp_path / "big.sqlite", revision=32, tracks=10_000, seed=5)
    m.open_library(path)
    ids = [r[0] for r in m.db.execute_sql("SELECT id FROM library")]
    cid = m.create_crate("Everything").value
    result = m.add_tracks_to_crate(cid, ids)
    assert result.counts == {"added": 10_000, "already": 0}
    assert members(cid) == set(ids)


def test_crate_tracks_are_track_models_with_their_path(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    cid = m.create_crate("Models").value
    m.add_tracks_to_crate(cid, ids[:3])
    tracks = m.get_crate_tracks(cid)
    assert all(isinstance(t, m.Track) for t in tracks)
    for track in tracks:
        model = m.Track.get_by_id(track.id)
        assert (fields_of(track), track.path) == (fields_of(model), model.path)


def test_create_crate_returns_the_new_crate(opened: tuple[Path, list[int]]) -> None:
    result = m.create_crate("Made")
    assert result.id == result.value == m.get_crate("Made").id
    assert isinstance(result.object, m.Crate) and result.object.name == "Made"


def test_create_crate_with_tracks_is_one_transaction(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    result = m.create_crate("Filled", [ids[1], ids[0], ids[1]])
    assert result.counts == {"created": 1, "added": 2, "already": 0}
    assert [t.id for t in m.get_crate_tracks(result.id, include_hidden=True)] == sorted(ids[:2])
    with pytest.raises(m.TrackNotFoundError):
        m.create_crate("Half", [ids[0], 999_999])
    with pytest.raises(m.CrateNotFoundError):
        m.get_crate("Half")


def test_a_name_of_digits_needs_allow_digits(opened: tuple[Path, list[int]]) -> None:
    with pytest.raises(m.ValidationError, match="--allow-digits"):
        m.create_crate("2024")
    made = m.create_crate("2024", allow_digits=True)
    assert m.get_crate("2024").id == made.id  # no crate has id 2024: the name finds it
    other = m.create_crate("Other").value
    with pytest.raises(m.ValidationError, match="digits only"):
        m.rename_crate(other, "0042")
    assert m.rename_crate(other, "0042", allow_digits=True).changes


def test_tracks_are_named_by_model_id_or_path(opened: tuple[Path, list[int]]) -> None:
    """Every function taking tracks takes TrackLike: what search_tracks returns, ids, paths."""
    _path, ids = opened
    cid = m.create_crate("Bangers").value
    found = m.search_tracks(f"id:{ids[0]}")
    assert [t.id for t in found] == [ids[0]]
    assert m.add_tracks_to_crate("Bangers", found).counts == {"added": 1, "already": 0}
    path = m.get_track_by_id(ids[1]).path
    assert m.add_tracks_to_crate("Bangers", [path, str(ids[2]), ids[3]]).counts["added"] == 3
    assert m.add_track_to_crate("Bangers", ids[4]).counts["added"] == 1
    assert m.add_tracks_to_crate("Bangers", path).counts == {"added": 0, "already": 1}
    assert members(cid) == set(ids[:5])
    assert m.remove_tracks_from_crate(cid, m.get_track_by_id(ids[0])).counts["removed"] == 1
    assert m.remove_track_from_crate(cid, path).counts["removed"] == 1
    assert m.replace_crate_tracks(cid, found).counts["added"] == 1
    with pytest.raises(m.TrackNotFoundError, match="no track with that location"):
        m.add_tracks_to_crate(cid, ["/no/such/file.mp3"])
    with pytest.raises(m.ValidationError):
        m.add_tracks_to_crate(cid, [1.5])  # type: ignore[list-item]
