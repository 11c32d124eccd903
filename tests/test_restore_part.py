"""Partial restore (issue 13): take back crates, playlists, cues or track fields from a
backup, keeping everything Mixxx recorded since (play counts, history, new tracks).

Library tests on a copy of the sample library and a backup of it; a few command-line tests
through the real CLI process.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import sha256
from test_journal import rows_of

import mixxx_peewee as m
from mixxx_peewee import library as library_module
from mixxx_peewee.backups.restore import restore_part
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import CorruptDatabaseError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import NotAMixxxDatabaseError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.testing import make_sample_library

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE = FIXTURES / "sample" / "mixxxdb.sqlite"
BANGERS = 8  # an unlocked crate of the sample with members
CLASSICS = 7  # a locked crate


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    """A copy of the sample library, opened writable, and its backup beside it (``bk``)."""
    dest = tmp_path / "lib" / "mixxxdb.sqlite"
    dest.parent.mkdir()
    shutil.copy2(SAMPLE, dest)
    m.open_library(dest, auto_backup=False)
    m.backup(tmp_path / "bk.sqlite")
    return dest


def bk(lib: Path) -> Path:
    return lib.parent.parent / "bk.sqlite"


def sql(path: Path, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read or write a library file the way another program (Mixxx) would."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


def members(path: Path, crate: int) -> list[int]:
    rows = sql(path, "SELECT track_id FROM crate_tracks WHERE crate_id = ? ORDER BY 1", (crate,))
    return [r[0] for r in rows]


def entries(path: Path, playlist: int) -> list[tuple[Any, ...]]:
    return sql(
        path,
        "SELECT track_id, position, pl_datetime_added FROM PlaylistTracks"
        " WHERE playlist_id = ? ORDER BY position",
        (playlist,),
    )


# -- crates ---------------------------------------------------------------------------


def test_a_deleted_crate_comes_back_with_its_id_and_members_while_play_counts_stay(
    lib: Path,
) -> None:
    before = members(lib, BANGERS)
    m.delete_crate(BANGERS)
    sql(lib, "UPDATE library SET timesplayed = timesplayed + 3, played = 1 WHERE id <= 20")
    plays = sql(lib, "SELECT id, timesplayed, played FROM library ORDER BY id")

    result = restore_part(bk(lib), "crates")

    assert result.changes == [f"bring back crate 'Bangers' (id {BANGERS}) with 19 tracks"]
    assert result.counts == {"crates_back": 1, "memberships_added": 19}
    assert members(lib, BANGERS) == before
    assert sql(lib, "SELECT name FROM crates WHERE id = ?", (BANGERS,)) == [("Bangers",)]
    assert sql(lib, "SELECT id, timesplayed, played FROM library ORDER BY id") == plays


def test_a_changed_crate_gets_its_name_and_members_back_and_new_crates_stay(lib: Path) -> None:
    before = members(lib, 2)
    m.rename_crate(2, "Disco (old)")
    m.replace_crate_tracks(2, [1, 2, 3])
    m.create_crate("Made today", [4, 5])

    result = restore_part(bk(lib), ["crates"])

    assert members(lib, 2) == before
    assert sql(lib, "SELECT name FROM crates WHERE id = 2") == [("Disco",)]
    assert "Made today" in [c["name"] for c in m.list_crates()]
    assert "1 crate made since the backup left as they are" in result.unchanged


def test_a_crate_whose_name_was_taken_since_comes_back_under_another_name(lib: Path) -> None:
    m.delete_crate(BANGERS)
    m.create_crate("Bangers", [1])
    result = restore_part(bk(lib), "crates")
    assert sql(lib, "SELECT name FROM crates WHERE id = ?", (BANGERS,)) == [("Bangers (restored)",)]
    assert any("comes back as 'Bangers (restored)'" in n for n in result.notes)


def test_swapped_crate_names_are_swapped_back(lib: Path) -> None:
    m.rename_crate(2, "Swap")
    m.rename_crate(3, "Disco")
    m.rename_crate(2, "Edits")
    restore_part(bk(lib), "crates")
    assert sql(lib, "SELECT id, name FROM crates WHERE id IN (2, 3) ORDER BY id") == [
        (2, "Disco"),
        (3, "Edits"),
    ]


def test_names_limit_the_restore_to_those_crates(lib: Path) -> None:
    m.clear_crate(2)
    m.delete_crate(BANGERS)
    restore_part(bk(lib), "crates", names=["Bangers"])
    assert members(lib, BANGERS) and members(lib, 2) == []
    restore_part(bk(lib), "crates", names=["2"])  # an id of the backup
    assert members(lib, 2)


def test_a_crate_locked_now_is_left_alone_with_a_note(lib: Path) -> None:
    sql(lib, "DELETE FROM crate_tracks WHERE crate_id = ?", (CLASSICS,))
    result = restore_part(bk(lib), "crates")
    assert members(lib, CLASSICS) == []
    assert any("'Classics' (id 7) is locked" in n for n in result.notes)


# -- playlists --------------------------------------------------------------------------


def test_playlist_order_and_name_come_back_positions_one_to_n(lib: Path) -> None:
    before = entries(lib, 2)
    m.move_playlist_track(2, 1, 5)
    m.remove_positions_from_playlist(2, [3])
    m.rename_playlist(2, "Renamed")

    result = restore_part(bk(lib), "playlists")

    assert entries(lib, 2) == before
    assert [e[1] for e in entries(lib, 2)] == list(range(1, len(before) + 1))
    assert sql(lib, "SELECT name FROM Playlists WHERE id = 2") == [("Crowd pleasers",)]
    assert result.counts["playlists_changed"] == 1


def test_history_made_since_is_kept_when_it_took_a_deleted_playlists_id(lib: Path) -> None:
    # The sample's highest id is a history playlist: make a user playlist the highest,
    # back up, delete it, and let Mixxx start today's history (it takes the freed id).
    made = m.create_playlist("Friday set", [1, 2, 3]).id
    bk(lib).unlink()
    m.backup(bk(lib))
    m.delete_playlist(made)
    sql(
        lib,
        "INSERT INTO Playlists (name, position, hidden, date_created, date_modified)"
        " VALUES ('2026-11-29', 0, 2, '2026-11-29 20:00:00', '2026-11-29 20:00:00')",
    )
    assert sql(lib, "SELECT max(id) FROM Playlists") == [(made,)]
    sql(
        lib,
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, 9, 1)",
        (made,),
    )

    result = restore_part(bk(lib), "playlists")

    assert sql(lib, "SELECT name, hidden FROM Playlists WHERE id = ?", (made,)) == [
        ("2026-11-29", 2)
    ]
    assert entries(lib, made)[0][0] == 9  # today's history untouched
    (back,) = sql(lib, "SELECT id FROM Playlists WHERE name = 'Friday set'")
    assert back[0] > made and [e[0] for e in entries(lib, back[0])] == [1, 2, 3]
    assert "a new id" in result.changes[0]


def test_history_and_auto_dj_are_never_touched(lib: Path) -> None:
    sql(lib, "DELETE FROM PlaylistTracks WHERE playlist_id IN (1, 8)")
    restore_part(bk(lib), "playlists")
    assert entries(lib, 1) == [] and entries(lib, 8) == []


# -- cues and track fields ---------------------------------------------------------------


def cues_of(path: Path, track: int) -> list[tuple[Any, ...]]:
    return sql(path, "SELECT * FROM cues WHERE track_id = ? ORDER BY id", (track,))


def test_cues_come_back_with_their_ids_and_the_main_cue_column(lib: Path) -> None:
    before = {t: cues_of(lib, t) for t in (2, 6)}
    cuepoint = sql(lib, "SELECT cuepoint FROM library WHERE id = 6")
    m.set_hotcue(2, 3, 12.5)
    m.delete_cue(6, main=True)
    sql(lib, "UPDATE cues SET label = 'changed' WHERE track_id = 2")

    result = restore_part(bk(lib), ["cues"])

    assert {t: cues_of(lib, t) for t in (2, 6)} == before
    assert sql(lib, "SELECT cuepoint FROM library WHERE id = 6") == cuepoint
    assert result.counts["cues_removed"] == 1 and result.counts["cues_added"] == 1


def test_tracks_rating_and_color_come_back_and_nothing_else(lib: Path) -> None:
    before = sql(lib, "SELECT rating, color, comment FROM library WHERE id = 3")
    m.update_track(3, rating=1, color="#00FF00", comment="kept")
    result = restore_part(bk(lib), "tracks:rating,color")
    assert sql(lib, "SELECT rating, color FROM library WHERE id = 3") == [before[0][:2]]
    assert sql(lib, "SELECT comment FROM library WHERE id = 3") == [("kept",)]
    assert result.counts == {"rating": 1, "color": 1, "tracks_changed": 1}


def test_tracks_bpm_brings_the_beat_grid_and_key_the_key_map(lib: Path) -> None:
    columns = "bpm, beats, beats_version, beats_sub_version, key, key_id, keys, keys_version"
    before = sql(lib, f"SELECT {columns} FROM library WHERE id = 4")
    m.update_track(4, bpm=99, key="Am")
    assert sql(lib, f"SELECT {columns} FROM library WHERE id = 4") != before
    result = restore_part(bk(lib), "tracks:bpm,key")
    assert sql(lib, f"SELECT {columns} FROM library WHERE id = 4") == before
    assert "(with beats" in result.changes[0]


def test_location_comes_back_with_its_directory_and_filename(lib: Path) -> None:
    paths = "SELECT id, location, directory, filename FROM track_locations ORDER BY id"
    before = sql(lib, paths)
    m.relocate_tracks("/home/dj/Music/50% Off", "/elsewhere", allow_missing=True)
    restore_part(bk(lib), "tracks:location")
    assert sql(lib, paths) == before


def test_tracks_limits_cues_and_fields_to_those_tracks(lib: Path) -> None:
    m.update_track(3, rating=1)
    m.update_track(5, rating=1)
    result = restore_part(bk(lib), "tracks:rating", tracks=[3])
    assert sql(lib, "SELECT id, rating FROM library WHERE id IN (3, 5) ORDER BY id")[1] == (5, 1)
    assert result.counts == {"rating": 1, "tracks_changed": 1}
    with pytest.raises(TrackNotFoundError):
        restore_part(bk(lib), "cues", tracks=[999999])


def test_tracks_only_in_the_backup_are_skipped_with_a_note(lib: Path) -> None:
    gone = members(lib, BANGERS)[0]
    m.delete_crate(BANGERS)
    sql(lib, "DELETE FROM library WHERE id = ?", (gone,))
    result = restore_part(bk(lib), ["crates", "tracks:rating"])
    assert gone not in members(lib, BANGERS) and len(members(lib, BANGERS)) == 18
    assert result.counts["tracks_not_in_library"] == 1
    assert "1 track of the backup is no longer in the library: skipped" in result.notes


def test_tracks_added_since_the_backup_are_left_alone(lib: Path) -> None:
    sql(
        lib,
        "INSERT INTO library (artist, title, rating, location) VALUES ('New', 'Track', 5, NULL)",
    )
    restore_part(bk(lib), "tracks:rating")
    assert sql(lib, "SELECT rating FROM library WHERE artist = 'New'") == [(5,)]


# -- the write: dry run, nothing to do, undo, the guard ---------------------------------


def test_dry_run_reports_and_writes_nothing(lib: Path) -> None:
    m.delete_crate(BANGERS)
    m.update_track(3, rating=1)
    before = rows_of(lib)
    changes = len(m.list_changes())
    plan = restore_part(bk(lib), "crates,tracks:rating", dry_run=True)
    assert plan.dry_run and plan.counts == {
        "crates_back": 1, "memberships_added": 19, "rating": 1, "tracks_changed": 1,
    }  # fmt: skip
    assert rows_of(lib) == before and len(m.list_changes()) == changes


def test_a_restore_that_changes_nothing_says_so_and_records_nothing(lib: Path) -> None:
    changes = len(m.list_changes())
    result = restore_part(bk(lib), ["crates", "playlists", "cues", "tracks:metadata,bpm,key"])
    assert result.changes == [] and result.unchanged[-1].endswith(
        "as in the backup bk.sqlite already"
    )
    assert len(m.list_changes()) == changes


def test_undo_of_a_partial_restore_gives_back_the_rows_before_it(lib: Path) -> None:
    m.delete_crate(BANGERS)
    m.move_playlist_track(2, 1, 4)
    m.set_hotcue(2, 3, 12.5)
    m.update_track(4, bpm=99, rating=2)
    before = rows_of(lib)
    restore_part(bk(lib), "crates,playlists,cues,tracks:bpm,rating,location")
    after = rows_of(lib)
    assert m.list_changes()[0].operation == "restore_part"
    m.undo_change()
    assert rows_of(lib) == before
    m.undo_change(m.list_changes()[0].id)
    assert rows_of(lib) == after


def _refusing_guard(kind: str, path: Any = None, *, force: bool = False) -> list[str]:
    if kind == "track-data" and not force:
        raise MixxxRunningError("Mixxx is running (pid 4242): it would overwrite the change")
    return []


def test_cues_and_fields_follow_the_track_data_guard_crates_go_ahead(
    lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_module, "check_mixxx_guard", _refusing_guard)
    m.update_track(3, rating=1, force=True)
    m.delete_crate(BANGERS)
    before = rows_of(lib)
    with pytest.raises(MixxxRunningError):
        restore_part(bk(lib), "crates,tracks:rating")
    assert rows_of(lib) == before
    restore_part(bk(lib), "crates")
    assert members(lib, BANGERS)
    restore_part(bk(lib), "tracks:rating", force=True)
    assert m.list_changes()[0].guard == "track-data"


# -- bad input: one clear error, the library unchanged -----------------------------------


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ("bogus", "unknown part 'bogus'"),
        ("tracks:tempo", "unknown track field 'tempo'"),
        ("tracks", "tracks needs its fields"),
        ("", "nothing to restore"),
    ],
)
def test_bad_parts_are_refused(lib: Path, parts: str, message: str) -> None:
    before = rows_of(lib)
    with pytest.raises(ValidationError, match=message):
        restore_part(bk(lib), parts)
    assert rows_of(lib) == before


def test_companion_columns_name_their_field(lib: Path) -> None:
    m.update_track(4, bpm=99)
    assert restore_part(bk(lib), "tracks:beats", dry_run=True).counts["bpm"] == 1


def test_bad_backups_are_refused(lib: Path, tmp_path: Path) -> None:
    before = rows_of(lib)
    with pytest.raises(BackupError, match="no such file"):
        restore_part(tmp_path / "missing.sqlite", "crates")
    other = tmp_path / "other.sqlite"
    sql(other, "CREATE TABLE notes (x)")
    with pytest.raises(NotAMixxxDatabaseError):
        restore_part(other, "crates")
    with pytest.raises(ValidationError, match="open library itself"):
        restore_part(lib, "crates")
    torn = tmp_path / "torn.sqlite"
    torn.write_bytes(bk(lib).read_bytes()[:8192])
    with pytest.raises(CorruptDatabaseError, match="truncated"):
        restore_part(torn, "crates")
    assert rows_of(lib) == before


def test_names_must_be_in_the_backup_and_choose_crates_or_playlists(lib: Path) -> None:
    with pytest.raises(ValidationError, match="no crate or playlist 'Nope' in the backup"):
        restore_part(bk(lib), "crates,playlists", names=["Nope"])
    with pytest.raises(ValidationError, match="names choose crates and playlists"):
        restore_part(bk(lib), "cues", names=["Bangers"])


# -- the command line (real processes) -----------------------------------------------------


def test_cli_restore_only_a_crate_keeps_the_rest(lib: Path) -> None:
    m.delete_crate(BANGERS)
    m.update_track(3, rating=1)
    library_module.current_library().close()
    done = ok(cli(lib, "restore", str(bk(lib)), "--only", "crates", "--name", "Bangers", "--yes"))
    assert "bring back crate 'Bangers' (id 8) with 19 tracks" in done.stderr
    assert len(members(lib, BANGERS)) == 19
    assert sql(lib, "SELECT rating FROM library WHERE id = 3") == [(1,)]


def test_cli_dry_run_and_bad_input(lib: Path) -> None:
    m.update_track(3, rating=1)
    library_module.current_library().close()
    before = rows_of(lib)
    dry = ok(cli(lib, "restore", str(bk(lib)), "--only", "tracks:rating", "--dry-run"))
    assert "track 3: rating 1 -> 0" in dry.stdout
    one_error(cli(lib, "restore", str(bk(lib)), "--only", "bogus", "--yes"), "unknown part")
    one_error(cli(lib, "restore", str(bk(lib)), "--name", "Bangers", "--yes"), "--only")
    one_error(cli(lib, "restore", str(bk(lib)), "--only", "tracks:rating"), "--yes")
    assert rows_of(lib) == before


# -- whose backup it is, and what it is (issue 19) -------------------------------------------


@pytest.fixture
def gig(tmp_path: Path) -> Path:
    """Another library: 7 tracks of its own under /gig (none of the sample's paths)."""
    (tmp_path / "gig").mkdir()
    return make_sample_library(
        tmp_path / "gig" / "mixxxdb.sqlite", tracks=7, seed=5, music_root="/gig"
    )


def test_cli_restore_only_refuses_a_backup_of_another_library(lib: Path, gig: Path) -> None:
    library_module.current_library().close()
    before = sha256(gig)
    refused = cli(gig, "restore", str(bk(lib)), "--only", "tracks:title,rating", "--yes")
    one_error(refused, "none of its 300 tracks", "--other-library")
    one_error(cli(gig, "restore", str(bk(lib)), "--only", "tracks:rating", "--force", "--yes"),
              "--other-library")  # fmt: skip
    assert "force" not in refused.stderr
    assert sha256(gig) == before
    taken = ok(cli(gig, "restore", str(bk(lib)), "--only", "tracks:rating", "--other-library",
                   "--yes"))  # fmt: skip
    assert "0 of the backup's 300 tracks match the library by id and path" in taken.stderr
    assert sha256(gig) != before


def test_restore_part_refuses_another_librarys_backup_unless_told(lib: Path, gig: Path) -> None:
    library_module.current_library().close()
    m.open_library(gig, auto_backup=False)
    with pytest.raises(ValidationError, match=r"other_library=True"):
        restore_part(bk(lib), "crates", dry_run=True)
    plan = restore_part(bk(lib), "crates", dry_run=True, other_library=True)
    assert "0 of the backup's 300 tracks match the library by id and path" in plan.notes


def test_cli_restore_plan_says_how_many_tracks_match(lib: Path) -> None:
    sql(lib, "UPDATE track_locations SET location = location || '.moved' WHERE id IN "
             "(SELECT location FROM library WHERE id IN (3, 4))")  # fmt: skip
    library_module.current_library().close()
    dry = ok(cli(lib, "restore", str(bk(lib)), "--only", "crates", "--dry-run"))
    assert "note: 298 of the backup's 300 tracks match the library by id and path" in dry.stderr


def test_cli_restore_of_a_snapshot_says_it_is_one_for_diff(lib: Path, tmp_path: Path) -> None:
    library_module.current_library().close()
    snap = tmp_path / "state.snapshot"
    ok(cli(lib, "snapshot", str(snap)))
    before = sha256(lib)
    for only in ([], ["--only", "crates"]):
        one_error(cli(lib, "restore", str(snap), *only, "--yes"), "snapshot for diff",
                  "not a backup")  # fmt: skip
    assert sha256(lib) == before


def test_cli_restore_shows_colours_as_rrggbb_and_none(lib: Path) -> None:
    m.update_track(3, color="#00FF00")
    library_module.current_library().close()
    dry = ok(cli(lib, "restore", str(bk(lib)), "--only", "tracks:color", "--dry-run"))
    assert "track 3: color #00FF00 -> none" in dry.stdout
    ok(cli(lib, "restore", str(bk(lib)), "--only", "tracks:color", "--yes"))
    sql(bk(lib), "UPDATE library SET color = 255 WHERE id = 5")
    back = ok(cli(lib, "restore", str(bk(lib)), "--only", "tracks:color", "--dry-run"))
    assert "track 5: color none -> #0000FF" in back.stdout


def _schema_version(path: Path, value: str | None) -> None:
    sql(path, "DELETE FROM settings WHERE name = 'mixxx.schema.version'")
    if value is not None:
        sql(path, "INSERT INTO settings (name, value) VALUES ('mixxx.schema.version', ?)",
            (value,))  # fmt: skip


def test_cli_restore_of_another_schema_needs_any_schema_not_force(lib: Path) -> None:
    library_module.current_library().close()
    _schema_version(bk(lib), None)  # no revision: refused even for reading
    before = sha256(lib)
    part = cli(lib, "restore", str(bk(lib)), "--only", "crates", "--force", "--yes")
    one_error(part, "reads it anyway", "--any-schema")
    ok(cli(lib, "restore", str(bk(lib)), "--only", "crates", "--any-schema", "--dry-run"))
    _schema_version(bk(lib), "99")  # newer than this package knows: read, not written
    whole = cli(lib, "restore", str(bk(lib)), "--force", "--yes")
    one_error(whole, "restores it anyway", "--any-schema")
    assert "force" not in whole.stderr
    assert sha256(lib) == before
    ok(cli(lib, "restore", str(bk(lib)), "--any-schema", "--yes"))
