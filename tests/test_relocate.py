"""Relocating tracks: a real path-prefix match that moves location, directory and filename."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_tracks import fill
from test_tracks import sha256

import mixxx_peewee as mp
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.library import prepare_write
from mixxx_peewee.tracks import relocate
from mixxx_peewee.tracks.relocate import RelocateCollisionError

TRACKS = [
    ("/old_music/a.mp3", {"title": "a"}),
    ("/old_music/Ünï %/b_c.flac", {"title": "b"}),
    ("/old_music/sub/deep/c.mp3", {"title": "c"}),
    ("/old_musicX/not-me.mp3", {"title": "lookalike"}),  # shares the text prefix only
    ("/oldXmusic/not-me-either.mp3", {"title": "wildcard"}),  # "_" is no wildcard
    ("/elsewhere/d.mp3", {"title": "d"}),
]


@pytest.fixture
def library(replay_db: Path) -> mp.MixxxLibrary:
    fill(replay_db, TRACKS)
    conn = sqlite3.connect(replay_db)
    conn.executemany(
        "INSERT INTO directories (directory) VALUES (?)",
        [("/old_music",), ("/old_music/sub",), ("/old_musicX",)],
    )
    conn.commit()
    conn.close()
    return mp.open_library(replay_db)


def locations() -> dict[str, tuple[str, str, str]]:
    rows = mp.db.execute_sql(
        "SELECT l.title, t.location, t.directory, t.filename FROM library l"
        " JOIN track_locations t ON t.id = l.location"
    ).fetchall()
    return {title: (loc, d, f) for title, loc, d, f in rows}


def directories() -> set[str]:
    return {d for (d,) in mp.db.execute_sql("SELECT directory FROM directories").fetchall()}


def test_relocate_moves_every_track_under_the_folder_and_nothing_else(
    library: mp.MixxxLibrary,
) -> None:
    result = mp.relocate_tracks("/old_music/", "/new music", allow_missing=True)
    assert result.counts == {"tracks": 3, "targets on disk": 0, "collisions": 0, "directories": 2}
    now = locations()
    assert now["a"] == ("/new music/a.mp3", "/new music", "a.mp3")
    assert now["b"] == ("/new music/Ünï %/b_c.flac", "/new music/Ünï %", "b_c.flac")
    assert now["c"] == ("/new music/sub/deep/c.mp3", "/new music/sub/deep", "c.mp3")
    assert now["lookalike"][0] == "/old_musicX/not-me.mp3"
    assert now["wildcard"][0] == "/oldXmusic/not-me-either.mp3"
    assert directories() == {"/new music", "/new music/sub", "/old_musicX"}


def test_dry_run_returns_the_plan_and_writes_nothing(library: mp.MixxxLibrary) -> None:
    before = sha256(library.path)
    result = mp.relocate_tracks("/old_music", "/new", dry_run=True, allow_missing=True)
    plan = result.value
    assert [(old, new) for _, old, new in plan.moves] == [
        ("/old_music/a.mp3", "/new/a.mp3"),
        ("/old_music/Ünï %/b_c.flac", "/new/Ünï %/b_c.flac"),
        ("/old_music/sub/deep/c.mp3", "/new/sub/deep/c.mp3"),
    ]
    assert result.to_dict()["value"]["collisions"] == []
    mp.current_library().close()
    assert sha256(library.path) == before


def test_collisions_are_all_reported_and_nothing_is_written(library: mp.MixxxLibrary) -> None:
    conn = mp.db.connection()
    for path in ("/elsewhere/a.mp3", "/elsewhere/sub/deep/c.mp3"):
        conn.execute(
            "INSERT INTO track_locations (location, filename, directory, fs_deleted,"
            " needs_verification) VALUES (?, '', '', 0, 0)",
            (path,),
        )
    before = locations()
    planned = mp.relocate_tracks("/old_music", "/elsewhere", dry_run=True, allow_missing=True)
    assert [c[2] for c in planned.value.collisions] == [
        "/elsewhere/a.mp3",
        "/elsewhere/sub/deep/c.mp3",
    ]
    with pytest.raises(RelocateCollisionError, match="2 track") as caught:
        mp.relocate_tracks("/old_music", "/elsewhere", allow_missing=True)
    assert len(caught.value.plan.collisions) == 2
    assert locations() == before


def test_a_failure_inside_the_transaction_leaves_the_file_unchanged(
    library: mp.MixxxLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first write asks for WAL before its transaction (a header change no rollback
    # takes back, said in its note): the file as the transaction found it is the baseline.
    prepare_write(library)
    before = sha256(library.path)
    real_connection = relocate.raw_connection
    real_transaction = relocate.write_transaction
    written = []

    class Boom(Exception):
        pass

    class FailingCursor:
        """Writes the track rows, then fails on the directories update."""

        def __init__(self) -> None:
            self.inner = real_connection().cursor()
            self.rowcount = 0

        def executemany(self, sql: str, rows: list[tuple[object, ...]]) -> None:
            self.inner.executemany(sql, rows)
            self.rowcount = self.inner.rowcount
            written.append(self.rowcount)

        def execute(self, sql: str, params: object = ()) -> object:
            if "directories" in sql:
                raise Boom("injected")
            if sql.startswith("UPDATE track_locations") and "RETURNING" in sql:
                returned = self.inner.execute(sql, params).fetchall()
                written.append(len(returned))
                return type("Fetched", (), {"fetchall": lambda _self: returned})()
            return self.inner.execute(sql, params)

    @contextmanager
    def failing_transaction(touches: object) -> Iterator[object]:
        with real_transaction(touches) as lib:
            failing = type("Failing", (), {"cursor": lambda _self: FailingCursor()})()
            monkeypatch.setattr(relocate, "raw_connection", lambda: failing)
            yield lib

    monkeypatch.setattr(relocate, "write_transaction", failing_transaction)
    with pytest.raises(Boom):
        mp.relocate_tracks("/old_music", "/new", allow_missing=True)
    monkeypatch.undo()
    assert written == [3]  # the failure came after the track rows were written
    assert locations()["a"][0] == "/old_music/a.mp3"
    mp.current_library().close()
    assert sha256(library.path) == before


def test_relocate_is_refused_while_mixxx_runs_unless_forced(library: mp.MixxxLibrary) -> None:
    previous = set_mixxx_detector(lambda path: [MixxxProcess(99, True)])
    try:
        with pytest.raises(mp.MixxxRunningError):
            mp.relocate_tracks("/old_music", "/new", allow_missing=True)
        assert (
            mp.relocate_tracks("/old_music", "/new", force=True, allow_missing=True).counts[
                "tracks"
            ]
            == 3
        )
    finally:
        set_mixxx_detector(previous)


def test_relocating_a_single_file_path_renames_it(library: mp.MixxxLibrary) -> None:
    mp.relocate_tracks("/elsewhere/d.mp3", "/elsewhere/renamed ✓.mp3", allow_missing=True)
    assert locations()["d"] == ("/elsewhere/renamed ✓.mp3", "/elsewhere", "renamed ✓.mp3")


def test_bad_prefixes_are_refused(library: mp.MixxxLibrary) -> None:
    with pytest.raises(mp.ValidationError):
        mp.relocate_tracks("", "/x", allow_missing=True)
    with pytest.raises(mp.ValidationError):
        mp.relocate_tracks("/old_music/", "/old_music", allow_missing=True)


def test_relocate_on_a_read_only_open_is_refused_but_plans(replay_db: Path) -> None:
    fill(replay_db, TRACKS)
    mp.open_library(replay_db, readonly=True)
    assert (
        mp.relocate_tracks("/old_music", "/n", dry_run=True, allow_missing=True).counts["tracks"]
        == 3
    )
    with pytest.raises(mp.ReadOnlyError):
        mp.relocate_tracks("/old_music", "/n", allow_missing=True)


def test_relocating_many_paths_is_one_short_transaction(tmp_path: Path) -> None:
    path = mp.testing.make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39)
    fill(path, [(f"/lib/{i // 100}/t{i}.mp3", {"title": str(i)}) for i in range(5000)])
    mp.open_library(path)
    result = mp.relocate_tracks("/lib", "/mnt/lib", allow_missing=True)
    assert result.counts["tracks"] == 5000
    assert mp.get_track_by_location("/mnt/lib/49/t4999.mp3") is not None
    assert mp.get_track_by_location("/lib/49/t4999.mp3") is None


def test_relocate_moves_only_paths_under_the_folder_around_its_sort_neighbours(
    tmp_path: Path,
) -> None:
    path = mp.testing.make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39)
    neighbours = ["/m-x/a.mp3", "/m.x/b.mp3", "/m0/c.mp3", "/m/d.mp3", "/m/e/f.mp3", "/m"]
    fill(path, [(p, {"title": p}) for p in neighbours])
    mp.open_library(path)
    result = mp.relocate_tracks("/m", "/n", allow_missing=True)
    assert result.counts["tracks"] == 3
    now = locations()
    assert now["/m/d.mp3"] == ("/n/d.mp3", "/n", "d.mp3")
    assert now["/m/e/f.mp3"] == ("/n/e/f.mp3", "/n/e", "f.mp3")
    assert now["/m"] == ("/n", "", "n")
    for untouched in ("/m-x/a.mp3", "/m.x/b.mp3", "/m0/c.mp3"):
        assert now[untouched][0] == untouched


def test_a_track_added_under_the_folder_after_planning_aborts_the_relocation(
    library: mp.MixxxLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan = relocate._plan_relocation

    def plan_then_add(old: str, new: str) -> relocate.RelocationPlan:
        plan = real_plan(old, new)
        conn = sqlite3.connect(library.path)
        conn.execute(
            "INSERT INTO track_locations (location, directory, filename) VALUES (?, ?, ?)",
            ("/old_music/late.mp3", "/old_music", "late.mp3"),
        )
        conn.commit()
        conn.close()
        return plan

    monkeypatch.setattr(relocate, "_plan_relocation", plan_then_add)
    with pytest.raises(mp.ValidationError, match="changed while planning"):
        mp.relocate_tracks("/old_music", "/new", allow_missing=True)
    assert locations()["a"][0] == "/old_music/a.mp3"
    assert directories() == {"/old_music", "/old_music/sub", "/old_musicX"}


def test_relocate_rewrites_a_directory_that_disagreed_with_its_location(
    library: mp.MixxxLibrary,
) -> None:
    mp.db.execute_sql(
        "UPDATE track_locations SET directory = 'stale' WHERE location = '/old_music/a.mp3'"
    )
    mp.relocate_tracks("/old_music", "/new", allow_missing=True)
    assert locations()["a"] == ("/new/a.mp3", "/new", "a.mp3")
    assert locations()["c"] == ("/new/sub/deep/c.mp3", "/new/sub/deep", "c.mp3")


def test_a_missing_new_folder_answers_for_every_target_with_one_stat(
    library: mp.MixxxLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo in the new prefix: one stat of the folder, not one per track."""
    stats: list[str] = []
    real = relocate.os.path.exists
    monkeypatch.setattr(relocate.os.path, "exists", lambda p: stats.append(p) or real(p))
    plan = mp.relocate_tracks("/old_music", tmp_path / "typo", dry_run=True).value
    assert plan.targets_present == 0 and len(plan.missing_targets) == 3 and stats == []
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.mp3").write_bytes(b"")
    plan = mp.relocate_tracks("/old_music", tmp_path / "real", dry_run=True).value
    assert plan.targets_present == 1 and len(stats) == 3


def test_nothing_under_the_old_prefix_says_so(library: mp.MixxxLibrary) -> None:
    result = mp.relocate_tracks("/nowhere", "/else")
    assert result.changes == [] and result.unchanged == ["no track or folder is under /nowhere"]


def test_a_new_prefix_is_stored_in_the_form_mixxx_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed = unicodedata.normalize("NFC", "Café Tunes")
    decomposed = unicodedata.normalize("NFD", composed)
    (tmp_path / composed / "sub").mkdir(parents=True)
    typed = f"{tmp_path}/{decomposed}/sub"
    assert relocate._as_mixxx_stores(typed) == f"{tmp_path}/{composed}/sub"  # found on disk
    absent = f"{tmp_path}/{decomposed}/nowhere/{decomposed}"
    assert relocate._as_mixxx_stores(absent) == f"{tmp_path}/{composed}/nowhere/{decomposed}"
    monkeypatch.setattr(relocate.sys, "platform", "darwin")  # Qt composes every name there
    assert relocate._as_mixxx_stores(absent) == unicodedata.normalize("NFC", absent)


def test_a_relative_new_prefix_is_made_absolute(
    library: mp.MixxxLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mp.relocate_tracks("/elsewhere", "moved", allow_missing=True)
    assert locations()["d"][0] == f"{tmp_path}/moved/d.mp3"
