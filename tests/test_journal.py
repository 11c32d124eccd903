"""The change journal, history and undo (issue 13), through the library.

Every write operation: do → undo gives back the byte-identical rows of every table (same
rowids, same stored types), and undoing the undo gives back the change. Conflicts with
rows changed since are refused (named) or, forced, left and reported. A journal that
cannot be used turns itself off with one warning and the write goes ahead.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import shutil
import sqlite3
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mixxx_peewee
import mixxx_peewee as m
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.journalfile import ChangeJournal
from mixxx_peewee.journal.journalfile import ChangeJournalWarning
from mixxx_peewee.journal.journalfile import journal_path
from mixxx_peewee.journal.operation import journalled_functions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE = FIXTURES / "sample" / "mixxxdb.sqlite"


def rows_of(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (rowid first), each value with its stored type.

    ``sqlite_sequence`` (SQLite's AUTOINCREMENT counters) is left out: a row made and
    removed again leaves its counter higher, as it does when Mixxx does the same.
    """
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name != 'sqlite_sequence' ORDER BY name"
            )
        ]
        return {
            t: [
                tuple((type(v).__name__, v) for v in row)
                for row in conn.execute(f'SELECT rowid, * FROM "{t}" ORDER BY rowid')
            ]
            for t in tables
        }
    finally:
        conn.close()


def digest(path: Path) -> str:
    """One hash of :func:`rows_of`."""
    return hashlib.sha256(repr(rows_of(path)).encode()).hexdigest()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the sample library, opened writable (the journal beside it)."""
    dest = tmp_path / "lib" / "mixxxdb.sqlite"
    dest.parent.mkdir()
    shutil.copy2(SAMPLE, dest)
    m.open_library(dest, auto_backup=False)
    return dest


def _first_playlist() -> int:
    return int(next(p["id"] for p in m.list_playlists() if p["track_count"] >= 5))


def _unlocked_crate() -> int:
    return int(next(c["id"] for c in m.list_crates() if not c["locked"] and c["track_count"]))


def _prefix() -> str:
    return os.path.dirname(os.path.dirname(m.get_track_by_id(1).path))


def _entry(playlist: int) -> int:
    return int(m.get_playlist_tracks(playlist)[1].id)


# Every write operation of the package, as a call on the open sample library.
OPERATIONS: dict[str, Callable[[], Any]] = {
    "create_crate": lambda: m.create_crate("Journal"),
    "rename_crate": lambda: m.rename_crate(_unlocked_crate(), "Renamed"),
    "delete_crate": lambda: m.delete_crate(_unlocked_crate()),
    "add_tracks_to_crate": lambda: m.add_tracks_to_crate(_unlocked_crate(), range(1, 30)),
    "remove_tracks_from_crate": lambda: m.remove_tracks_from_crate(
        _unlocked_crate(), [t.id for t in m.get_crate_tracks(_unlocked_crate())[:3]]
    ),
    "replace_crate_tracks": lambda: m.replace_crate_tracks(_unlocked_crate(), [1, 2, 3]),
    "clear_crate": lambda: m.clear_crate(_unlocked_crate()),
    "create_playlist": lambda: m.create_playlist("Journal"),
    "rename_playlist": lambda: m.rename_playlist(_first_playlist(), "Renamed"),
    "delete_playlist": lambda: m.delete_playlist(_first_playlist()),
    "add_tracks_to_playlist (top)": lambda: m.add_tracks_to_playlist(
        _first_playlist(), [5, 6, 7], position=1
    ),
    "add_tracks_to_playlist (end)": lambda: m.add_tracks_to_playlist(_first_playlist(), [5, 6]),
    "remove_tracks_from_playlist (singular form)": lambda: m.remove_track_from_playlist(
        _first_playlist(), m.get_playlist_tracks(_first_playlist())[0].id
    ),
    "remove_positions_from_playlist": lambda: m.remove_positions_from_playlist(
        _first_playlist(), [1, 3]
    ),
    "remove_tracks_from_playlist": lambda: m.remove_tracks_from_playlist(
        _first_playlist(), [m.get_playlist_tracks(_first_playlist())[2].id]
    ),
    "move_playlist_track": lambda: m.move_playlist_track(_first_playlist(), 1, 4),
    "replace_playlist_tracks": lambda: m.replace_playlist_tracks(_first_playlist(), [9, 8, 7]),
    "clear_playlist": lambda: m.clear_playlist(_first_playlist()),
    "sort_playlist": lambda: m.sort_playlist(_first_playlist(), "bpm,-rating"),
    "shuffle_playlist": lambda: m.shuffle_playlist(_first_playlist(), seed=22),
    "reverse_playlist": lambda: m.reverse_playlist(_first_playlist()),
    "fill_playlist": lambda: m.fill_playlist("Filled", [1, 2]),
    "fill_crate": lambda: m.fill_crate(_unlocked_crate(), range(1, 30), existing="append"),
    "import_m3u": lambda: m.import_m3u(m.M3UMatch([3, 1, 3], []), playlist="Imported"),
    "update_track (metadata)": lambda: m.update_track(
        2, artist="Someone Else", rating=5, color="#FF0000", comment="new\\nline"
    ),
    "update_track (bpm, key)": lambda: m.update_track(1, bpm=128.5, key="Am"),
    "update_track (clear bpm, key)": lambda: m.update_track(1, bpm=None, key=None),
    "update_tracks (metadata)": lambda: m.update_tracks(
        range(1, 30), genre="Bulk", rating=4, comment="it's \x00 here"
    ),
    "update_tracks (bpm, key)": lambda: m.update_tracks([1, 2, 3], bpm=126.0, key="8A"),
    "update_tracks (clear bpm, key)": lambda: m.update_tracks([1, 2], bpm=None, key=None),
    "hide_tracks": lambda: m.hide_tracks([3, 4]),
    "set_hotcue": lambda: m.set_hotcue(2, 3, 12.5),
    "set_main_cue": lambda: m.set_main_cue(2, 1.25),
    "delete_cue": lambda: m.delete_cue(1, cue_id=_a_hotcue(1)),
    "delete_cue (main)": lambda: m.delete_cue(1, main=True),
    "scale_bpm": lambda: m.scale_bpm(list(range(1, 40)), 2),
    "create_smart_crate": lambda: m.create_smart_crate("Smart", "genre:house bpm:110-130"),
    "relocate_tracks": lambda: m.relocate_tracks(_prefix(), "/elsewhere", allow_missing=True),
    "merge_tracks": lambda: m.merge_tracks(2, [218, 149]),
    "merge_tracks (purge, cues from)": lambda: m.merge_tracks(
        2, [218, 149], purge=True, cues_from=149
    ),
}


def _a_hotcue(track: int) -> int:
    return int(next(c["id"] for c in m.list_cues(track) if c["type_name"] == "hotcue"))


def _outside(crate: int) -> int:
    members = {t.id for t in m.get_crate_tracks(crate)}
    return next(i for i in range(1, 100) if i not in members)


def _own_function(singular: str, plural: str) -> bool:
    """Whether ``singular`` is a journalled function of its own (not an alias of ``plural``,
    nor a plain function calling it: then the plural's case covers it)."""
    function = getattr(m, singular)
    return function is not getattr(m, plural) and function in journalled_functions()


# The singular forms, while they are functions of their own (see _own_function).
SINGULAR: dict[str, tuple[str, Callable[[], Any]]] = {
    "add_track_to_crate": (
        "add_tracks_to_crate",
        lambda: m.add_track_to_crate(_unlocked_crate(), _outside(_unlocked_crate())),
    ),
    "remove_track_from_crate": (
        "remove_tracks_from_crate",
        lambda: m.remove_track_from_crate(
            _unlocked_crate(), m.get_crate_tracks(_unlocked_crate())[0].id
        ),
    ),
    "add_track_to_playlist": (
        "add_tracks_to_playlist",
        lambda: m.add_track_to_playlist(_first_playlist(), 5, position=2),
    ),
}
OPERATIONS.update(
    {name: call for name, (plural, call) in SINGULAR.items() if _own_function(name, plural)}
)


def _hidden_five(sample: Path) -> Callable[[], Any]:
    m.hide_tracks([5])
    return lambda: m.unhide_tracks([5])


def _analysis_behind_the_grid(sample: Path) -> Callable[[], Any]:
    conn = sqlite3.connect(sample)  # another tool edits the bpm behind the beat grid's back
    conn.execute("UPDATE library SET bpm = bpm + 7 WHERE id = 1 AND beats IS NOT NULL")
    conn.commit()
    conn.close()
    assert m.analysis_report(), "the sample's track 1 has a beat grid"
    return lambda: m.repair_analysis()


def _rating_since_a_backup(sample: Path) -> Callable[[], Any]:
    saved = m.backup(sample.parent / "before.sqlite")
    m.update_track(1, rating=m.get_track_by_id(1).rating % 5 + 1)
    return lambda: m.restore_part(saved, "tracks:rating")


def _a_flac_copy_of_five(sample: Path) -> Callable[[], Any]:
    conn = sqlite3.connect(sample)  # a second import of track 5, as a lossless file
    location = conn.execute(
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) VALUES ('/music/copies/5.flac', '5.flac', '/music/copies', 9, 0, 0)"
    ).lastrowid
    conn.execute(
        "INSERT INTO library (artist, title, duration, samplerate, filetype, bitrate, location,"
        " mixxx_deleted) SELECT artist, title, duration, samplerate, 'flac', 900, ?, 0"
        " FROM library WHERE id = 5",
        (location,),
    )
    conn.commit()
    conn.close()
    return lambda: m.merge_duplicates(purge=True)


def _moved_files(sample: Path) -> Callable[[], Any]:
    moved = sample.parent / "moved"  # three tracks' files, found elsewhere with their sizes
    for track_id in (1, 2, 3):
        track = m.get_track_by_id(track_id)
        path = moved / str(track_id) / os.path.basename(track.path)
        path.parent.mkdir(parents=True)
        with open(path, "wb") as f:
            f.truncate(track.location.filesize or 0)
    return lambda: m.relink_tracks([moved], tracks=[1, 2, 3])


def _smart_crate_changed_by_hand(sample: Path) -> Callable[[], Any]:
    crate = m.create_smart_crate("Smart house", "genre:house").id
    members = [t.id for t in m.get_crate_tracks(crate)]
    m.remove_tracks_from_crate(crate, members[:2])  # by hand: --replace-manual puts them back
    m.add_tracks_to_crate(crate, [_outside(crate)])  # by hand: --replace-manual takes it out
    return lambda: m.refresh_smart_crates(manual="replace")


def _repeats(sample: Path) -> Callable[[], Any]:
    playlist = _first_playlist()
    m.add_tracks_to_playlist(playlist, [t.id for t in m.get_playlist_tracks(playlist)[:3]])
    return lambda: m.dedupe_playlist(playlist)


def _own_export(fmt: str) -> Callable[[Path], Callable[[], Any]]:
    """The library's own rekordbox/Traktor export, imported back after some cues went."""

    def prepare(sample: Path) -> Callable[[], Any]:
        dest = sample.parent / f"own.{fmt}"
        export = m.export_rekordbox if fmt == "rekordbox" else m.export_traktor
        export(dest, force=True)
        conn = sqlite3.connect(sample)
        conn.execute("DELETE FROM cues WHERE track_id <= 40")
        conn.commit()
        conn.close()
        back = m.import_rekordbox if fmt == "rekordbox" else m.import_traktor
        return lambda: back(dest, cues="replace", force=True)

    return prepare


# Write operations that need the library set up first (the setup is not what is undone):
# each returns the call.
PREPARED: dict[str, Callable[[Path], Callable[[], Any]]] = {
    "dedupe_playlist": _repeats,
    "unhide_tracks": _hidden_five,
    "repair_analysis": _analysis_behind_the_grid,
    "restore_part": _rating_since_a_backup,
    "merge_duplicates": _a_flac_copy_of_five,
    "relink_tracks": _moved_files,
    "import_rekordbox": _own_export("rekordbox"),
    "import_traktor": _own_export("traktor"),
    "refresh_smart_crates": _smart_crate_changed_by_hand,
}

# Journalled functions whose do → undo is a test of its own in this file.
OWN_TESTS = {
    # undo replaces the whole library, only with replace_library=True
    "restore": "test_a_restore_is_recorded_and_its_undo_puts_back_the_library_before_it",
    # every case undoes its undo (the redo)
    "undo_change": "test_do_undo_gives_back_identical_rows_and_redo_the_change",
}


@pytest.mark.parametrize("name", [*OPERATIONS, *PREPARED])
def test_do_undo_gives_back_identical_rows_and_redo_the_change(sample: Path, name: str) -> None:
    """do → undo: every table byte-identical (same ids); undo of the undo: the change again."""
    call = PREPARED[name](sample) if name in PREPARED else OPERATIONS[name]
    before = rows_of(sample)
    result = call()
    after = rows_of(sample)
    assert after != before, f"{name} changed nothing"
    newest = m.list_changes()[0]
    assert newest.operation == name.split(" ")[0]
    assert newest.state == "done"
    assert newest.summary[0] == result.summary()  # the headline `history` shows
    assert newest.summary[1:2] == result.changes[:1]
    undone = m.undo_change()
    assert undone.value == newest.id
    assert rows_of(sample) == before, f"undo of {name} left differences"
    redo = m.list_changes()[0]
    assert redo.undoes == newest.id and m.get_change(newest.id).undone_by == redo.id
    m.undo_change(redo.id)  # undo the undo: the change again
    assert rows_of(sample) == after


def test_every_journalled_function_has_a_do_undo_case() -> None:
    """The promise: every @journalled function of the package (an alias is the function it
    names) has a case above, or a do → undo test of its own (OWN_TESTS)."""
    for module in pkgutil.walk_packages(mixxx_peewee.__path__, "mixxx_peewee."):
        importlib.import_module(module.name)
    cases = {name.split(" ")[0] for name in [*OPERATIONS, *PREPARED]}
    functions = {f"{f.__module__}.{f.__name__}": f.__name__ for f in journalled_functions()}
    assert "mixxx_peewee.trackset.crates.add_tracks_to_crate" in functions  # the walk worked
    missing = sorted(path for path, name in functions.items() if name not in cases | set(OWN_TESTS))
    assert not missing, f"journalled functions without a do → undo case: {', '.join(missing)}"
    assert all(callable(globals().get(test)) for test in OWN_TESTS.values())


def test_a_deleted_crate_comes_back_with_its_id_and_members(sample: Path) -> None:
    crate = _unlocked_crate()
    members = [t.id for t in m.get_crate_tracks(crate)]
    m.delete_crate(crate)
    m.undo_change()
    assert [t.id for t in m.get_crate_tracks(crate)] == members


def test_a_generator_of_tracks_is_read_once_for_the_record_and_the_write(sample: Path) -> None:
    # The journal records the arguments before the function runs: a one-pass argument must
    # reach the function whole (it once reached it empty, and nothing was written).
    house = m.search_tracks("genre:house")[:3]
    result = m.hide_tracks(t for t in house)
    assert result.counts["changed"] == 3
    crate = m.create_crate("From a generator").id
    assert m.add_tracks_to_crate(crate, (t.id for t in house)).counts["added"] == 3
    assert m.list_changes()[0].arguments["tracks"] == [t.id for t in house]


def test_nothing_is_recorded_for_dry_runs_and_writes_that_change_nothing(sample: Path) -> None:
    m.add_tracks_to_crate(_unlocked_crate(), [1], dry_run=True)
    m.update_track(1, rating=m.get_track_by_id(1).rating)  # the value it has
    m.hide_tracks([1], dry_run=True)
    assert m.list_changes() == []


def test_history_records_operation_arguments_and_what_it_touched(sample: Path) -> None:
    m.create_crate("Late Night")
    m.add_tracks_to_crate("Late Night", [1, 2, 3])
    newest, first = m.list_changes()
    assert (first.operation, first.arguments) == ("create_crate", {"name": "Late Night"})
    assert newest.arguments == {"crate": "Late Night", "tracks": [1, 2, 3]}
    assert newest.touched == {"crate_tracks": {"inserted": 3}}
    change = m.get_change(newest.id)
    assert [(r.table, r.kind, r.after[1:]) for r in change.rows or []] == [
        ("crate_tracks", "insert", (1,)),
        ("crate_tracks", "insert", (2,)),
        ("crate_tracks", "insert", (3,)),
    ]


def test_undo_refuses_rows_changed_since_and_names_them(sample: Path) -> None:
    m.update_track(1, rating=5)
    m.update_track(2, rating=4)
    last = m.list_changes()[0]
    conn = sqlite3.connect(sample)
    conn.execute("UPDATE library SET rating = 1 WHERE id = 2")  # Mixxx, meanwhile
    conn.commit()
    conn.close()
    before = digest(sample)
    with pytest.raises(m.UndoConflictError, match=r"track 2 \(rating\) changed since"):
        m.undo_change(last.id)
    assert digest(sample) == before
    forced = m.undo_change(last.id, partial=True)
    assert forced.counts["changed since"] == 1 and "track 2" in forced.notes[-1]
    assert m.get_track_by_id(2).rating == 1  # left as Mixxx set it


def test_undo_compares_column_by_column_and_partial_puts_back_the_rest(sample: Path) -> None:
    """Issue 19: only the columns changed since are named, and left; the others go back."""
    genre = m.get_track_by_id(12).genre
    m.update_track(12, genre="Dub Techno", rating=5)
    conn = sqlite3.connect(sample)
    conn.execute("UPDATE library SET rating = 2 WHERE id = 12")  # Mixxx, meanwhile
    conn.commit()
    conn.close()
    before = digest(sample)
    for refused in ({}, {"force": True}):  # force: only "even though Mixxx is running"
        with pytest.raises(m.UndoConflictError, match=r"track 12 \(rating\) changed since") as e:
            m.undo_change(**refused)
        assert "genre" not in str(e.value) and "partial=True" in str(e.value)
    assert digest(sample) == before
    done = m.undo_change(partial=True)
    assert done.counts == {"rows reverted": 1, "changed since": 1}
    assert done.changes == [f"track 12: genre 'Dub Techno' -> {genre!r}"]
    track = m.get_track_by_id(12)
    assert (track.genre, track.rating) == (genre, 2)
    m.undo_change(m.list_changes()[0].id)  # the partial undo undone: the genre again
    assert m.get_track_by_id(12).genre == "Dub Techno"


def test_a_column_put_back_since_is_no_conflict_and_the_undo_is_exact(sample: Path) -> None:
    """Mixxx set the rating back as it was: the undo sets back the genre alone, and its own
    undo (the redo) changes the genre alone."""
    track = m.get_track_by_id(12)
    m.update_track(12, genre="Dub Techno", rating=5)
    conn = sqlite3.connect(sample)
    conn.execute("UPDATE library SET rating = ? WHERE id = 12", (track.rating,))
    conn.commit()
    conn.close()
    done = m.undo_change()
    assert done.counts == {"rows reverted": 1} and done.changes[0].startswith("track 12: genre")
    assert "rating" not in done.changes[0]
    assert (m.get_track_by_id(12).genre, m.get_track_by_id(12).rating) == (
        track.genre,
        track.rating,
    )
    redo = m.get_change(m.list_changes()[0].id)
    assert [(r.table, r.rowid, r.columns) for r in redo.rows or []] == [("library", 12, ("genre",))]


def test_a_write_between_the_plan_and_the_lock_is_caught_under_the_lock(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compare runs again under the write lock: Mixxx's write just before it counts."""
    from mixxx_peewee.journal import undo

    genre = m.get_track_by_id(12).genre
    m.update_track(12, genre="Dub Techno", rating=5)
    planned = undo.write_transaction

    def mixxx_writes_first(*args: Any, **kwargs: Any) -> Any:
        conn = sqlite3.connect(sample)
        conn.execute("UPDATE library SET rating = 1 WHERE id = 12")
        conn.commit()
        conn.close()
        return planned(*args, **kwargs)

    monkeypatch.setattr(undo, "write_transaction", mixxx_writes_first)
    with pytest.raises(m.UndoConflictError, match=r"track 12 \(rating\) changed since"):
        m.undo_change()
    assert (m.get_track_by_id(12).genre, m.get_track_by_id(12).rating) == ("Dub Techno", 1)
    done = m.undo_change(partial=True)  # the plan and the lock agree now
    assert done.counts == {"rows reverted": 1, "changed since": 1}
    assert (m.get_track_by_id(12).genre, m.get_track_by_id(12).rating) == (genre, 1)


def test_a_path_taken_since_is_a_clash_and_partial_undo_skips_that_row(sample: Path) -> None:
    """After a relocate another tool adds a file at an old path: UNIQUE(location) refuses
    putting that track back; ``partial`` puts back every other one and names it."""
    old, prefix = m.get_track_by_id(1).path, _prefix()
    other = next(
        t["id"] for t in m.iter_tracks() if t["id"] != 1 and t["location"].startswith(prefix + "/")
    )
    m.relocate_tracks(prefix, "/elsewhere", allow_missing=True)
    conn = sqlite3.connect(sample)
    conn.execute("INSERT INTO track_locations (location) VALUES (?)", (old,))
    conn.commit()
    conn.close()
    before = digest(sample)
    with pytest.raises(m.UndoConflictError, match="would clash"):
        m.undo_change()
    assert digest(sample) == before
    done = m.undo_change(partial=True)
    assert "could not be put back" in done.notes[-1] and "track location" in done.notes[-1]
    assert m.get_track_by_id(other).path.startswith(prefix + "/")
    assert m.get_track_by_id(1).path.startswith("/elsewhere/")


def test_partial_undo_keeps_playlist_positions_one_to_n(sample: Path) -> None:
    playlist = _first_playlist()
    m.add_tracks_to_playlist(playlist, [5, 6, 7], position=1)
    change = m.list_changes()[0]
    conn = sqlite3.connect(sample)
    conn.execute(  # another tool moves one entry the change made
        "UPDATE PlaylistTracks SET track_id = 8 WHERE playlist_id = ? AND position = 2",
        (playlist,),
    )
    conn.commit()
    conn.close()
    result = m.undo_change(change.id, partial=True)
    assert result.counts["changed since"] == 1
    positions = [t.position for t in m.get_playlist_tracks(playlist)]
    assert positions == list(range(1, len(positions) + 1))


def test_undo_without_a_number_walks_back_and_says_when_nothing_is_left(sample: Path) -> None:
    m.create_crate("One")
    m.create_crate("Two")
    m.undo_change()
    m.undo_change()
    assert {c["name"] for c in m.list_crates()} & {"One", "Two"} == set()
    with pytest.raises(m.ChangeNotFoundError, match="nothing to undo"):
        m.undo_change()
    with pytest.raises(m.ChangeNotFoundError, match="no change 99"):
        m.undo_change(99)


def test_undo_dry_run_writes_nothing(sample: Path) -> None:
    m.update_track(1, rating=5)
    before = digest(sample)
    plan = m.undo_change(dry_run=True)
    assert plan.dry_run and "rating 5 -> 0" in plan.changes[0]
    assert digest(sample) == before
    assert m.list_changes()[0].undone_by is None


def test_undo_follows_the_running_mixxx_guard_of_the_change(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m.update_track(1, rating=5)
    assert m.list_changes()[0].guard == "track-data"
    from mixxx_peewee import library

    monkeypatch.setattr(library, "check_mixxx_guard", _refusing_guard)
    before = digest(sample)
    with pytest.raises(m.MixxxRunningError):
        m.undo_change()
    assert digest(sample) == before


def _refusing_guard(kind: str, path: Any = None, *, force: bool = False) -> list[str]:
    if kind == "track-data" and not force:
        raise m.MixxxRunningError("Mixxx is running (pid 4242): it would overwrite the change")
    return []


def test_retention_keeps_the_newest_changes(sample: Path) -> None:
    assert m.journal_retention() == (100, 30)
    assert m.journal_retention(3, 10) == (3, 10)
    for n in range(5):
        m.create_crate(f"Kept {n}")
    assert [c.arguments["name"] for c in m.list_changes()] == ["Kept 4", "Kept 3", "Kept 2"]
    with pytest.raises(m.ValidationError):
        m.journal_retention(0)


def test_a_pending_change_whose_write_never_happened_is_dropped(sample: Path) -> None:
    journal = ChangeJournal(journal_path(sample), sample).open()
    fake = known_updates("library", ("rating",), [(1, (m.get_track_by_id(1).rating,), (5,))])
    journal.record([fake], operation="update_track", arguments={}, guard=None)
    journal.close()
    assert m.list_changes() == []  # settled: the library never got it


def test_a_pending_change_the_library_has_is_kept(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChangeJournal, "confirm", lambda self, numbers, summary=None: None)
    m.update_track(1, rating=5)  # committed, never confirmed (as if killed right then)
    monkeypatch.undo()
    assert [(c.operation, c.state) for c in m.list_changes()] == [("update_track", "done")]


# -- a journal that cannot be used --------------------------------------------------


def _open_noting(path: Path) -> list[str]:
    """Open ``path`` writable and write; the warnings the first write gave (the journal's
    note: the journal is set up by the first write, never by the open)."""
    m.open_library(path, auto_backup=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _write_still_works()
    return [str(w.message) for w in seen]


def _write_still_works() -> None:
    m.create_crate("Still written")
    assert "Still written" in {c["name"] for c in m.list_crates()}


def test_a_damaged_journal_turns_itself_off_and_the_write_goes_ahead(tmp_path: Path) -> None:
    dest = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(SAMPLE, dest)
    journal_path(dest).write_bytes(b"not a journal at all" * 100)
    assert any("damaged" in note for note in _open_noting(dest))
    with pytest.raises(m.ChangeJournalError, match="damaged"):
        m.undo_change()
    assert journal_path(dest).read_bytes() == b"not a journal at all" * 100  # never replaced


def test_a_journal_of_another_library_is_not_used(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "mixxxdb.sqlite", tmp_path / "b" / "mixxxdb.sqlite"
    for path in (first, second):
        path.parent.mkdir()
        shutil.copy2(SAMPLE, path)
    with m.open_library(first, auto_backup=False):
        m.create_crate("In A")
    shutil.copy2(journal_path(first), journal_path(second))
    assert any("belongs to another library" in note for note in _open_noting(second))
    m.create_crate("In B")
    assert "In B" in {c["name"] for c in m.list_crates()}


def test_a_journal_that_cannot_be_created_turns_itself_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(SAMPLE, dest)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MIXXX_PEEWEE_CHANGE_JOURNAL", str(blocker / "journal.sqlite"))
    assert any("change journal off" in note for note in _open_noting(dest))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_a_read_only_journal_turns_itself_off(tmp_path: Path) -> None:
    dest = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(SAMPLE, dest)
    with m.open_library(dest, auto_backup=False):
        m.create_crate("First")
    journal_path(dest).chmod(0o444)
    m.open_library(dest, auto_backup=False)
    with pytest.warns(ChangeJournalWarning, match="read-only"):
        m.create_crate("Second")


def test_journal_status_is_a_value_and_says_the_line_info_shows(sample: Path) -> None:
    status = m.journal_status()
    assert status == m.JournalStatus(journal_path(sample)) and status.on
    assert str(status) == f"{journal_path(sample)} (no change recorded yet)"
    m.create_crate("Counted")
    status = m.journal_status()
    assert (status.changes, status.newest) == (1, m.list_changes()[0].made)
    assert str(status) == f"{journal_path(sample)} (1 change, newest {status.newest[:19]}Z)"


def test_the_journal_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(SAMPLE, dest)
    monkeypatch.setenv("MIXXX_PEEWEE_CHANGE_JOURNAL", "0")
    m.open_library(dest, auto_backup=False)
    m.create_crate("Unrecorded")
    assert not journal_path(dest).exists()
    assert m.list_changes() == []
    status = m.journal_status()
    assert (status.path, status.on) == (None, False)
    assert str(status) == "off (MIXXX_PEEWEE_CHANGE_JOURNAL=0 or change_journal=False)"


def test_the_library_file_gets_no_object_of_ours(sample: Path) -> None:
    m.update_track(1, rating=5)
    m.undo_change()
    conn = sqlite3.connect(sample)
    try:
        kinds = conn.execute("SELECT type, name FROM sqlite_master WHERE name LIKE '%peewee%'")
        assert kinds.fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_a_restore_is_recorded_and_its_undo_puts_back_the_library_before_it(
    sample: Path, tmp_path: Path
) -> None:
    saved = m.backup(tmp_path / "before.sqlite")
    m.update_track(1, rating=5)
    changed = rows_of(sample)
    m.restore(saved)
    assert m.get_track_by_id(1).rating != 5
    change = m.list_changes()[0]
    assert change.operation == "restore" and change.backup and "before-restore" in change.backup
    assert change.touched_text() == "whole library"
    for refused in ({}, {"force": True}):  # force: only "even though Mixxx is running"
        with pytest.raises(m.ValidationError, match=r"whole library.*replace_library=True"):
            m.undo_change(**refused)
    m.undo_change(replace_library=True)
    assert rows_of(sample) == changed


def test_a_scripts_own_sql_outside_a_write_is_not_taken_for_the_next_change(
    sample: Path,
) -> None:
    m.db.execute_sql("UPDATE library SET rating = 3 WHERE id = 7")  # autocommitted, unjournalled
    m.update_track(1, rating=5)
    (change,) = m.list_changes()
    assert [(r.table, r.rowid) for r in m.get_change(change.id).rows or []] == [("library", 1)]
