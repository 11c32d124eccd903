"""Order: several sort keys in every listing, and a playlist's order changed in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

import mixxx_peewee as m
from mixxx_peewee.trackset.positions import contiguous_count


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = sample_library(tmp_path)
    m.open_library(path, auto_backup=False)
    return path


def _normal_playlist() -> int:
    return int(
        next(p["id"] for p in m.list_playlists() if not p["locked"] and p["entry_count"] > 4)
    )


def _history_playlist() -> int:
    return int(m.list_playlists(kind="history")[0]["id"])


def _tracks(playlist: int) -> list[int]:
    return [int(t.id) for t in m.get_playlist_tracks(playlist)]


def _key(track: m.Track, name: str) -> object:
    return getattr(track, name)


# --- several sort keys ------------------------------------------------------------------


def test_several_keys_sort_by_each_in_turn(sample: Path) -> None:
    rows = list(m.iter_tracks(sort="rating,-bpm", columns=["id", "rating", "bpm"], hidden=None))
    pairs = [(r["rating"] or 0, r["bpm"] or 0) for r in rows]
    assert pairs == sorted(pairs, key=lambda p: (p[0], -p[1]))


def test_a_list_and_a_comma_string_are_the_same_sort(sample: Path) -> None:
    as_text = [t.id for t in m.query_tracks(sort="genre,-bpm,artist")]
    as_list = [t.id for t in m.query_tracks(sort=["genre", "-bpm", "artist"])]
    assert as_text == as_list
    streamed = [r["id"] for r in m.iter_tracks(sort=["genre", "-bpm", "artist"], columns=["id"])]
    assert streamed == as_text


def test_one_key_with_descending_is_a_leading_minus(sample: Path) -> None:
    assert [t.id for t in m.query_tracks(sort="bpm", descending=True)] == [
        t.id for t in m.query_tracks(sort="-bpm")
    ]
    assert [t.id for t in m.query_tracks(sort="-id", limit=3)] == [
        t.id for t in m.query_tracks(sort="id", descending=True, limit=3)
    ]


def test_an_unknown_sort_key_is_an_error(sample: Path) -> None:
    with pytest.raises(m.ValidationError, match="nosuch"):
        m.query_tracks(sort="bpm,nosuch")
    with pytest.raises(m.ValidationError, match="empty sort key"):
        m.query_tracks(sort="bpm,,artist")


@pytest.mark.parametrize(
    "args",
    [
        ("tracks", "list", "--sort", "bpm,nosuch"),
        ("tracks", "search", "house", "--sort", "nosuch"),
        ("playlists", "show", "2", "--sort", "-nosuch"),
        ("crates", "show", "8", "--sort", "rating,nosuch"),
    ],
)
def test_cli_unknown_sort_key_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    one_error(run(sample_library(tmp_path), *args), "nosuch")


def test_cli_sorts_by_several_keys(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    out = ok(run(path, "tracks", "list", "--sort", "-rating,bpm", "-f", "ids")).stdout.split()
    assert out == [str(t) for t in _ids_sorted(path, "-rating,bpm")]


def _ids_sorted(path: Path, sort: str) -> list[int]:
    m.open_library(path, readonly=True)
    try:
        return [t.id for t in m.query_tracks(sort=sort)]
    finally:
        m.current_library().close()


# --- a playlist's order in place ----------------------------------------------------------


def test_sort_playlist_orders_entries_by_the_keys(sample: Path) -> None:
    playlist = _normal_playlist()
    before = sorted(_tracks(playlist))
    result = m.sort_playlist(playlist, "bpm,-rating")
    tracks = m.get_playlist_tracks(playlist)
    assert sorted(int(t.id) for t in tracks) == before  # the same entries
    keys = [(t.bpm or 0, -(t.rating or 0)) for t in tracks]
    assert keys == sorted(keys)
    assert [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    assert result.counts.get("moved")


def test_sort_is_stable_and_keeps_entry_ids(sample: Path) -> None:
    playlist = _normal_playlist()
    entries = {t.entry_id: t.id for t in m.get_playlist_tracks(playlist)}
    m.sort_playlist(playlist, "filetype")
    after = m.get_playlist_tracks(playlist)
    assert {t.entry_id: t.id for t in after} == entries
    by_type: dict[object, list[int]] = {}
    for t in after:
        by_type.setdefault(t.filetype, []).append(t.entry_id)
    assert all(ids == sorted(ids) for ids in by_type.values())  # equal keys: stored order


def test_shuffle_with_a_seed_is_repeatable(sample: Path, tmp_path: Path) -> None:
    playlist = _normal_playlist()
    before = _tracks(playlist)
    plan = m.shuffle_playlist(playlist, seed=7, dry_run=True)
    m.shuffle_playlist(playlist, seed=7)
    once = _tracks(playlist)
    assert sorted(once) == sorted(before) and once != before
    assert len(plan.changes) == plan.counts["moved"]
    m.undo_change()
    assert _tracks(playlist) == before
    m.shuffle_playlist(playlist, seed=7)
    assert _tracks(playlist) == once


def test_reverse_twice_is_the_order_again(sample: Path) -> None:
    playlist = _normal_playlist()
    before = _tracks(playlist)
    m.reverse_playlist(playlist)
    assert _tracks(playlist) == before[::-1]
    m.reverse_playlist(playlist)
    assert _tracks(playlist) == before


def test_dedupe_keeps_each_tracks_first_entry(sample: Path) -> None:
    playlist = _normal_playlist()
    before = _tracks(playlist)
    m.add_tracks_to_playlist(playlist, before[:2], position=2)
    m.add_tracks_to_playlist(playlist, before[:1])
    firsts = list(dict.fromkeys(before))
    result = m.dedupe_playlist(playlist)
    assert result.counts == {"removed": 3 + len(before) - len(firsts)}
    assert _tracks(playlist) == firsts
    assert contiguous_count(playlist) == len(firsts)
    assert m.dedupe_playlist(playlist).unchanged


def test_dry_run_writes_nothing(sample: Path) -> None:
    playlist = _normal_playlist()
    before = sha256(sample)
    result = m.reverse_playlist(playlist, dry_run=True)
    assert result.changes and all("position" in line for line in result.changes)
    m.current_library().close()
    assert sha256(sample) == before


def test_a_history_playlist_is_refused_unless_forced(sample: Path) -> None:
    history = _history_playlist()
    before = _tracks(history)
    with pytest.raises(m.LockedError, match="history"):
        m.reverse_playlist(history)
    assert _tracks(history) == before
    m.reverse_playlist(history, force_history=True)
    assert _tracks(history) == before[::-1]


def test_auto_dj_can_be_reordered(sample: Path) -> None:
    auto_dj = int(m.list_playlists(kind="autodj")[0]["id"])
    before = _tracks(auto_dj)
    m.reverse_playlist(auto_dj)
    assert _tracks(auto_dj) == before[::-1]


def test_a_locked_playlist_is_refused(sample: Path) -> None:
    locked = int(next(p["id"] for p in m.list_playlists() if p["locked"]))
    with pytest.raises(m.LockedError):
        m.shuffle_playlist(locked, seed=1)


def test_a_bad_sort_key_reads_nothing_and_writes_nothing(sample: Path) -> None:
    with pytest.raises(m.ValidationError, match="nosuch"):
        m.sort_playlist(_normal_playlist(), "bpm,nosuch")
    assert m.list_changes() == []


# --- the command line -------------------------------------------------------------------


def test_cli_sort_shuffle_reverse_dedupe(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    ok(cli(path, "playlists", "sort", "2", "--by", "bpm,-rating"))
    ok(cli(path, "playlists", "shuffle", "2", "--seed", "3"))
    ok(cli(path, "playlists", "reverse", "2"))
    ok(cli(path, "playlists", "add", "2", "1", "1"))
    out = ok(cli(path, "playlists", "dedupe", "2", "--dry-run")).stdout
    assert "remove track 1" in out
    ok(cli(path, "playlists", "dedupe", "2"))
    history = ok(cli(path, "history", "--limit", "1")).stdout
    assert "dedupe" in history


def test_cli_refusals_are_one_line(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    before = sha256(path)
    one_error(cli(path, "playlists", "sort", "2", "--by", "nosuch"), "nosuch")
    one_error(cli(path, "playlists", "reverse", "8"), "history")
    one_error(cli(path, "playlists", "shuffle", "nosuchplaylist"))
    assert sha256(path) == before
