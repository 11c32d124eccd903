"""Bulk edit: ``update_tracks`` and ``tracks edit`` of many tracks, in one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

import mixxx_peewee as m
from mixxx_peewee.testing import make_sample_library


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = sample_library(tmp_path)
    m.open_library(path, auto_backup=False)
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated library of 10,000 tracks (revision 39), made once for the module."""
    path = tmp_path_factory.mktemp("big") / "mixxxdb.sqlite"
    return make_sample_library(path, revision=39, tracks=10_000, seed=22)


def _column(path: Path, column: str, ids: list[int]) -> dict[int, object]:
    with sqlite3.connect(path) as conn:
        marks = ",".join("?" * len(ids))
        sql = f"SELECT id, {column} FROM library WHERE id IN ({marks})"
        return dict(conn.execute(sql, ids).fetchall())


def test_one_call_edits_every_track_and_journals_one_change(sample: Path) -> None:
    result = m.update_tracks([1, 2, 3], genre="Bulk", rating=4)
    assert result.value == [1, 2, 3]
    assert {m.get_track_by_id(i).genre for i in (1, 2, 3)} == {"Bulk"}
    assert "track 1: genre 'Breakbeat' -> 'Bulk'" in result.changes
    changes = m.list_changes()
    assert [c.operation for c in changes] == ["update_tracks"]


def test_a_track_already_so_is_counted_not_written(sample: Path) -> None:
    m.update_tracks([1], genre="Bulk")
    result = m.update_tracks([1, 2], genre="Bulk")
    assert not any(line.startswith("track 1:") for line in result.changes)
    assert result.unchanged == ["1 track has these values already"]


def test_dry_run_lists_old_and_new_per_track_and_writes_nothing(sample: Path) -> None:
    before = sha256(sample)
    result = m.update_tracks([1, 2], title="Same", dry_run=True)
    assert result.dry_run
    assert [line.split(":")[0] for line in result.changes] == ["track 1", "track 2"]
    assert all(" -> 'Same'" in line for line in result.changes)
    m.current_library().close()
    assert sha256(sample) == before


def test_an_unknown_id_among_many_writes_nothing(sample: Path) -> None:
    with pytest.raises(m.TrackNotFoundError, match="99999"):
        m.update_tracks([1, 2, 99999], genre="Never")
    assert m.get_track_by_id(1).genre != "Never"
    assert m.list_changes() == []


def test_a_bpm_edit_rewrites_each_grid(sample: Path) -> None:
    before = _column(sample, "beats", [1, 2, 3])
    m.update_tracks([1, 2, 3], bpm=126.0, key="8A")
    after = _column(sample, "beats", [1, 2, 3])
    for track_id in (1, 2, 3):
        track = m.get_track_by_id(track_id)
        assert track.bpm == 126.0
        assert track.decoded_grid().value.bpm == pytest.approx(126.0)
        assert track.key_id == 22  # 8A = A minor
        assert track.decoded_keymap()
        assert after[track_id] != before[track_id]


def test_undo_takes_the_whole_edit_back(sample: Path) -> None:
    before = {i: (m.get_track_by_id(i).genre, m.get_track_by_id(i).bpm) for i in range(1, 8)}
    m.update_tracks(range(1, 8), genre="Undo me", bpm=100.0)
    (change,) = m.list_changes()
    m.undo_change(change.id)
    assert {
        i: (m.get_track_by_id(i).genre, m.get_track_by_id(i).bpm) for i in range(1, 8)
    } == before


def test_the_singular_is_the_plural_of_one(sample: Path) -> None:
    result = m.update_track(1, rating=1)
    assert result.operation == "update-track"
    assert result.value == 1
    assert m.list_changes()[0].operation == "update_track"


def test_ten_thousand_tracks_text_and_bpm(big: Path, tmp_path: Path) -> None:
    copy = tmp_path / "mixxxdb.sqlite"
    copy.write_bytes(big.read_bytes())
    m.open_library(copy, auto_backup=False)
    ids = list(range(1, 10_001))
    result = m.update_tracks(ids, genre="Ten thousand")
    assert result.counts["changed"] == sum(
        1 for g in _column(big, "genre", ids).values() if g != "Ten thousand"
    )
    assert set(_column(copy, "genre", ids).values()) == {"Ten thousand"}
    m.update_tracks(ids, bpm=124.0, unlock=True, replace_invalid=True)
    assert set(_column(copy, "bpm", ids).values()) == {124.0}
    rows = m.iter_tracks(columns=["id", "grid_kind", "grid_bpm"], hidden=None)
    grids = {row["id"]: (row["grid_kind"], row["grid_bpm"]) for row in rows}
    assert {kind for kind, _ in grids.values()} == {"grid"}  # every track: a grid of 124
    assert all(bpm == pytest.approx(124.0) for _, bpm in grids.values())
    assert len(m.list_changes()) == 2


# --- the command line -------------------------------------------------------------------


def test_cli_edits_several_tracks(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    ok(run(path, "tracks", "edit", "1", "2", "3", "--genre", "Three"))
    assert set(_column(path, "genre", [1, 2, 3]).values()) == {"Three"}


def test_cli_reads_ids_and_paths_from_stdin(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    with sqlite3.connect(path) as conn:
        (location,) = conn.execute(
            "SELECT l.location FROM track_locations l JOIN library t ON t.location = l.id"
            " WHERE t.id = 4"
        ).fetchone()
    ok(run(path, "tracks", "edit", "-", "--comment", "piped", input=f"2\n{location}\n"))
    assert set(_column(path, "comment", [2, 4]).values()) == {"piped"}


def test_cli_search_asks_for_yes_above_five_tracks_off_a_terminal(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    before = sha256(path)
    one_error(cli(path, "tracks", "edit", "--search", "bpm:1-999", "--genre", "X"), "--yes")
    assert sha256(path) == before
    ok(cli(path, "tracks", "edit", "--search", "bpm:1-999", "--genre", "X", "--yes"))
    found = ok(cli(path, "tracks", "search", "genre:X", "-f", "ids")).stdout.split()
    assert len(found) > 5


def test_cli_search_dry_run_needs_no_yes(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    before = sha256(path)
    out = ok(cli(path, "tracks", "edit", "--search", "bpm:1-999", "--genre", "X", "-n")).stdout
    assert "-> 'X'" in out
    assert sha256(path) == before


def test_cli_search_matching_nothing_is_an_error(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    before = sha256(path)
    one_error(
        cli(path, "tracks", "edit", "--search", "artist:nobody-at-all", "--genre", "X"),
        "no track matched",
    )
    assert sha256(path) == before


def test_cli_ids_and_search_together_is_an_error(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    result = run(path, "tracks", "edit", "1", "--search", "x", "--genre", "X")
    assert result.exit_code != 0
    result = run(path, "tracks", "edit", "--genre", "X")
    assert result.exit_code != 0


def test_cli_single_track_output_is_unchanged(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    out = ok(run(path, "tracks", "edit", "1", "--genre", "One", "-n")).stdout
    assert "track 1: genre 'Breakbeat' -> 'One'" in out
