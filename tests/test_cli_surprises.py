"""Issue 12, section 3: no silent surprises — through the real command line (a process)."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

NFD = "NFD"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


def _sql(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    with conn:
        rows = conn.execute(sql, args).fetchall()
    conn.close()
    return rows


def _unlocked_crate(db: Path) -> tuple[int, str]:
    cid, name = _sql(db, "SELECT id, name FROM crates WHERE locked = 0 ORDER BY id LIMIT 1")[0]
    return int(cid), str(name)  # type: ignore[call-overload]


# --- relocate ---------------------------------------------------------------------------


def test_relocate_to_a_folder_without_the_files_is_refused(db: Path, tmp_path: Path) -> None:
    """A typo in the new prefix would make every track "missing": refused, file unchanged."""
    (count,) = _sql(
        db, "SELECT COUNT(*) FROM track_locations WHERE location LIKE '/home/dj/Music/%'"
    )[0]
    before = sha256(db)
    refused = cli(db, "relocate", "/home/dj/Music", str(tmp_path / "Musik"), "--yes")
    one_error(refused, f"{count} of {count} target files do not exist", "--allow-missing")
    assert sha256(db) == before
    plan = ok(cli(db, "relocate", "/home/dj/Music", str(tmp_path / "Musik"), "--dry-run"))
    assert "targets on disk 0" in plan.stderr and sha256(db) == before


def test_relocate_finds_a_prefix_typed_in_the_other_unicode_form(db: Path) -> None:
    _sql(db, "UPDATE track_locations SET location = replace(location, '/home/dj/Music',"
             " '/home/dj/Música')")  # fmt: skip
    typed = unicodedata.normalize(NFD, "/home/dj/Música")
    plan = ok(cli(db, "relocate", typed, "/mnt/music", "--dry-run"))
    assert plan.stdout.count(" -> /mnt/music/") > 100


# --- names in other Unicode forms and cases ---------------------------------------------


def test_names_match_across_unicode_forms_and_case_gets_a_hint(db: Path) -> None:
    created = ok(cli(db, "crates", "create", "Café Classics")).stdout.strip()
    decomposed = unicodedata.normalize(NFD, "Café Classics")
    shown = ok(cli(db, "crates", "show", decomposed, "-f", "ids"))
    assert shown.exit_code == 0
    before = sha256(db)
    one_error(cli(db, "crates", "create", decomposed), "exists already", f"id {created}")
    one_error(cli(db, "crates", "show", "café classics"), "did you mean 'Café Classics'")
    assert sha256(db) == before


def test_a_name_of_digits_is_refused(db: Path) -> None:
    """Digits are ids in every other command: a new or renamed name of digits is refused."""
    cid, _ = _unlocked_crate(db)
    before = sha256(db)
    one_error(cli(db, "playlists", "create", "2024"), "digits only", "id")
    one_error(cli(db, "crates", "rename", str(cid), "2024"), "digits only")
    assert sha256(db) == before


def test_a_mixed_form_path_is_found(db: Path) -> None:
    (loc,) = _sql(db, "SELECT MIN(location) FROM library")[0]
    folder, name = "/music/Café", unicodedata.normalize(NFD, "Été à Paris.mp3")
    _sql(db, "UPDATE track_locations SET location = ?, directory = ?, filename = ? WHERE id = ?",
         f"{folder}/{name}", folder, name, loc)  # fmt: skip
    for form in ("NFC", NFD):
        typed = unicodedata.normalize(form, f"{folder}/{name}")
        assert ok(cli(db, "tracks", "show", typed, "-f", "ids")).stdout.strip()


# --- cues --------------------------------------------------------------------------------


def test_cue_positions_are_checked_and_loops_need_replace(db: Path) -> None:
    (track,) = _sql(db, "SELECT id FROM library WHERE duration > 100 LIMIT 1")[0]
    before = sha256(db)
    one_error(cli(db, "cues", "set", str(track), "99:00", "--hotcue", "2"), "beyond the end")
    _sql(db, "INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
             " VALUES (?, 4, 44100, 88200, 2, 'Loop', 0)", track)  # fmt: skip
    looped = sha256(db)
    one_error(cli(db, "cues", "set", str(track), "1:00.250", "--hotcue", "3"), "loop", "--replace")
    assert sha256(db) == looped != before
    done = ok(cli(db, "cues", "set", str(track), "1:00.250", "--hotcue", "3", "--replace"))
    assert "replace the loop on hotcue 3" in done.stderr and "1:00.250" in done.stderr
    rows = _sql(db, "SELECT type FROM cues WHERE track_id = ? AND hotcue = 2", track)
    assert rows == [(1,)]


# --- export and import -------------------------------------------------------------------


def test_export_never_overwrites_and_follows_the_extension(db: Path, tmp_path: Path) -> None:
    cid, _ = _unlocked_crate(db)
    out = tmp_path / "set.m3u"
    ok(cli(db, "crates", "export", str(cid), "-o", str(out)))
    first = out.read_bytes()
    assert first.startswith(b"#EXTM3U")
    one_error(cli(db, "crates", "export", str(cid), "-o", str(out)), "exists", "--overwrite")
    # --force means only "even though Mixxx is running": it overwrites no file.
    refused = cli(db, "crates", "export", str(cid), "-o", str(out), "--force")
    assert refused.exit_code == 2 and "No such option: --force" in refused.stderr
    ok(cli(db, "crates", "export", str(cid), "-o", str(out), "--overwrite"))
    one_error(cli(db, "crates", "export", str(cid), "-o", str(tmp_path / "set.pls")), "PLS")
    one_error(cli(db, "crates", "export", str(cid), "-o", str(tmp_path / "set.xspf")), "--format")
    assert not (tmp_path / "set.pls").exists() and not (tmp_path / "set.xspf").exists()


def test_import_into_an_existing_playlist_asks_append_or_replace(db: Path, tmp_path: Path) -> None:
    (pid,) = _sql(db, "SELECT id FROM Playlists WHERE hidden = 0 AND locked = 0 LIMIT 1")[0]
    tracks = [r[0] for r in _sql(db, "SELECT id FROM library WHERE mixxx_deleted = 0 LIMIT 3")]
    listing = tmp_path / "three.m3u8"
    listing.write_text(ok(cli(db, "tracks", "search", " | ".join(f"id:{t}" for t in tracks),
                              "-f", "m3u8")).stdout)  # fmt: skip
    before = sha256(db)
    one_error(
        cli(db, "playlists", "import", str(listing), "--to", str(pid)), "--append", "--replace"
    )
    assert sha256(db) == before
    ok(cli(db, "playlists", "import", str(listing), "--to", str(pid), "--replace"))
    entries = _sql(db, "SELECT track_id, position FROM PlaylistTracks WHERE playlist_id = ?"
                       " ORDER BY position", pid)  # fmt: skip
    assert entries == [(t, i + 1) for i, t in enumerate(sorted(tracks))]
    again = ok(cli(db, "playlists", "import", str(listing), "--to", str(pid), "--replace"))
    assert "nothing changed" in again.stderr


# --- every write says what it did ---------------------------------------------------------


def test_a_write_that_changes_nothing_says_so_and_opens_nothing_writable(db: Path) -> None:
    cid, name = _unlocked_crate(db)
    members = [r[0] for r in _sql(db, "SELECT track_id FROM crate_tracks WHERE crate_id = ?"
                                      " LIMIT 2", cid)]  # fmt: skip
    before = sha256(db)
    same = ok(cli(db, "crates", "add", str(cid), *map(str, members)))
    assert f"2 tracks already in crate {name!r}" in same.stderr
    assert "nothing changed" in same.stderr
    assert sha256(db) == before  # not even switched to WAL: never opened writable
    quiet = ok(cli(db, "-q", "crates", "add", str(cid), *map(str, members)))
    assert quiet.stderr == ""


def test_counts_are_pluralised(db: Path) -> None:
    cid, _ = _unlocked_crate(db)
    (outside,) = _sql(db, "SELECT id FROM library WHERE id NOT IN (SELECT track_id FROM"
                          " crate_tracks WHERE crate_id = ?) LIMIT 1", cid)[0]  # fmt: skip
    added = ok(cli(db, "crates", "add", str(cid), str(outside)))
    assert "add 1 track to" in added.stderr and "1 tracks" not in added.stderr


def test_relocate_counts_the_targets_on_disk_and_keeps_the_stored_file_names(
    db: Path, tmp_path: Path
) -> None:
    """The plan says how many targets exist; --allow-missing relocates anyway, and the
    part of each path after the prefix keeps its stored (here decomposed) form."""
    (loc,) = _sql(db, "SELECT id FROM track_locations ORDER BY id LIMIT 1")[0]
    name = unicodedata.normalize(NFD, "Été.mp3")
    _sql(db, "UPDATE track_locations SET location = ?, filename = ? WHERE id = ?",
         f"/home/dj/Music/{name}", name, loc)  # fmt: skip
    (total,) = _sql(db, "SELECT COUNT(*) FROM track_locations"
                        " WHERE location LIKE '/home/dj/Music/%'")[0]  # fmt: skip
    new = tmp_path / "Música"
    new.mkdir()
    (new / name).write_bytes(b"")
    plan = ok(cli(db, "relocate", "/home/dj/Music", str(new), "-n"))
    assert "targets on disk 1" in plan.stderr and f"{total - 1:,} of {total:,}" in plan.stderr
    done = ok(cli(db, "relocate", "/home/dj/Music", str(new), "--yes", "--allow-missing"))
    assert "relocate tracks" in done.stderr
    assert _sql(db, "SELECT location, filename FROM track_locations WHERE id = ?", loc) == [
        (f"{new}/{name}", name)
    ]


def test_relocate_one_file_onto_an_existing_file_needs_no_allow_missing(
    db: Path, tmp_path: Path
) -> None:
    """OLD and NEW are files (spaces, Unicode typed decomposed, stored composed): the
    target exists, so the relocate goes through; a missing target file is still refused."""
    (loc, location) = _sql(db, "SELECT id, location FROM track_locations ORDER BY id LIMIT 1")[0]
    folder = tmp_path / "New Dir ü"
    folder.mkdir()
    target = folder / unicodedata.normalize("NFC", "Été ✓ 01.mp3")
    target.write_bytes(b"")
    before = sha256(db)
    gone = one_error(cli(db, "relocate", str(location), str(folder / "nope.mp3"), "--yes"))
    assert "1 of 1 target files do not exist" in gone and sha256(db) == before
    typed = unicodedata.normalize(NFD, str(target))
    plan = ok(cli(db, "relocate", str(location), typed, "--dry-run"))
    assert "targets on disk 1" in plan.stderr and "do not exist" not in plan.stderr
    ok(cli(db, "relocate", str(location), typed, "--yes"))
    assert _sql(db, "SELECT location, directory, filename FROM track_locations WHERE id = ?",
                loc) == [(str(target), str(folder), target.name)]  # fmt: skip


# --- in-process edge cases (CliRunner: the same app, no process start) --------------------


def _crate_with(db: Path, name: str, *tracks: int) -> int:
    cid = int(ok(run(db, "crates", "create", name)).stdout.strip())
    if tracks:
        ok(run(db, "crates", "add", str(cid), *map(str, tracks)))
    return cid


def test_every_no_op_says_what_was_so_already(db: Path) -> None:
    cid = _crate_with(db, "Tech", 1, 2)
    (outsider,) = _sql(db, "SELECT id FROM library WHERE mixxx_deleted = 0 AND id NOT IN"
                           " (SELECT track_id FROM crate_tracks WHERE crate_id = ?)"
                           " LIMIT 1", cid)[0]  # fmt: skip
    before = sha256(db)
    said = {
        ("crates", "remove", str(cid), str(outsider)): "1 track not in crate 'Tech'",
        ("crates", "rename", str(cid), "Tech"): "has that name already",
        ("crates", "rename", str(cid), unicodedata.normalize(NFD, "Tech ")): "has that name",
    }
    for args, text in said.items():
        out = ok(run(db, *args))
        assert f"{text}" in out.stderr and out.stderr.rstrip().endswith("nothing changed"), args
    assert sha256(db) == before
    ok(run(db, "crates", "clear", str(cid), "--yes"))
    empty = ok(run(db, "crates", "clear", str(cid), "--yes"))
    assert "is empty already; nothing changed" in empty.stderr
    ok(run(db, "tracks", "hide", str(outsider)))
    again = ok(run(db, "tracks", "hide", str(outsider)))
    assert again.stderr.strip() == "1 track already hidden; nothing changed"


def test_quiet_silences_notes_not_errors(db: Path) -> None:
    cid = _crate_with(db, "Tech", 1)
    assert ok(run(db, "-q", "crates", "add", str(cid), "1", "2")).stderr == ""
    assert ok(run(db, "-q", "crates", "create", "tech")).stderr == ""
    one_error(run(db, "-q", "crates", "create", "Tech"), "exists already")


def test_a_name_equal_but_for_case_is_allowed_with_a_note(db: Path) -> None:
    _crate_with(db, "Tech")
    made = ok(run(db, "crates", "create", "TECH"))
    assert "note: a crate named 'Tech'" in made.stderr and "only by case" in made.stderr
    hint = one_error(run(db, "crates", "show", "tech"), "did you mean")
    assert "'Tech'" in hint and "'TECH'" in hint


def test_renaming_to_another_crates_name_in_another_form_is_refused(db: Path) -> None:
    _crate_with(db, "Café")
    other = _crate_with(db, "Bar")
    before = sha256(db)
    one_error(run(db, "crates", "rename", str(other), unicodedata.normalize(NFD, "Café")),
              "exists already", "another Unicode form")  # fmt: skip
    one_error(run(db, "playlists", "rename", "Set 2024-05 Berlin", "007"), "digits only")
    assert sha256(db) == before


def test_playlist_remove_is_one_renumbered_change(db: Path) -> None:
    pid = int(ok(run(db, "playlists", "create", "Set")).stdout.strip())
    ok(run(db, "playlists", "add", str(pid), "1", "2", "3", "1", "4"))
    gone = ok(run(db, "playlists", "remove", str(pid), "1", "-p", "3"))
    assert "at positions 1 and 4" in gone.stderr and "at position 3" in gone.stderr
    rows = _sql(db, "SELECT track_id, position FROM PlaylistTracks WHERE playlist_id = ?"
                    " ORDER BY position", pid)  # fmt: skip
    assert rows == [(2, 1), (4, 2)]
    absent = ok(run(db, "playlists", "remove", str(pid), "1"))
    assert "track 1 is not in playlist 'Set'" in absent.stderr
    assert "nothing changed" in absent.stderr


def test_adding_a_track_a_playlist_has_says_it_is_listed_again(db: Path) -> None:
    pid = int(ok(run(db, "playlists", "create", "Set")).stdout.strip())
    ok(run(db, "playlists", "add", str(pid), "1", "2"))
    again = ok(run(db, "playlists", "add", str(pid), "2", "3"))
    assert "1 track already in playlist 'Set' (id " in again.stderr
    assert "listed again" in again.stderr
    assert "add 2 tracks" in again.stderr


def test_membership_writes_carry_no_sidebar_note_while_mixxx_runs(db: Path) -> None:
    """Mixxx re-reads members when a crate is opened: only create/rename/delete get a note."""
    from mixxx_peewee.core.running import MixxxProcess
    from mixxx_peewee.core.running import set_mixxx_detector

    previous = set_mixxx_detector(lambda path: [MixxxProcess(4242, True)])
    try:
        made = ok(run(db, "crates", "create", "Tech"))
        assert "Mixxx is running" in made.stderr
        added = ok(run(db, "crates", "add", "Tech", "1"))
        assert "Mixxx is running" not in added.stderr
        same = ok(run(db, "crates", "add", "Tech", "1"))
        assert "note:" not in same.stderr
    finally:
        set_mixxx_detector(previous)


def test_import_refusal_comes_before_any_note(db: Path, tmp_path: Path) -> None:
    listing = tmp_path / "Tech.m3u8"
    listing.write_text("#EXTM3U\n/not/in/library.mp3\n", encoding="utf-8")
    _crate_with(db, "Tech")
    refused = run(db, "crates", "import", str(listing))
    one_error(refused, "exists already", "--append")
    assert refused.stderr.count("\n") == 1


def test_export_leaves_out_tracks_without_a_path_and_says_so(db: Path, tmp_path: Path) -> None:
    cid = _crate_with(db, "Tech", 1, 2)
    _sql(db, "UPDATE track_locations SET location = NULL"
             " WHERE id = (SELECT location FROM library WHERE id = 2)")  # fmt: skip
    out = ok(run(db, "crates", "export", str(cid), "-o", str(tmp_path / "t.m3u8")))
    assert "1 track without a file path left out" in out.stderr
    assert "exported 1 track to" in out.stderr


def test_cue_set_where_it_is_says_so(db: Path) -> None:
    (track,) = _sql(db, "SELECT id FROM library WHERE duration > 100 AND samplerate > 0"
                        " LIMIT 1")[0]  # fmt: skip
    ok(run(db, "cues", "set", str(track), "1:00.250", "-c", "4", "--color", "#00ff00"))
    before = sha256(db)
    same = ok(run(db, "cues", "set", str(track), "60.25", "-c", "4"))
    assert "hotcue 4 (#00FF00)" in same.stderr and "already; nothing changed" in same.stderr
    assert sha256(db) == before
    renamed = ok(run(db, "cues", "set", str(track), "0:01:00.250", "-c", "4", "--label", "Drop"))
    assert "change hotcue 4 'Drop' (#00FF00)" in renamed.stderr
    gone = ok(run(db, "cues", "delete", str(track), "-c", "4"))
    assert "(at 1:00.250)" in gone.stderr


def test_plural_and_series_read_right() -> None:
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.core.results import series

    assert [plural(n, "track") for n in (0, 1, 2, 1000)] == [
        "0 tracks", "1 track", "2 tracks", "1,000 tracks"
    ]  # fmt: skip
    assert plural(1, "entry") == "1 entry" and plural(3, "entry") == "3 entries"
    assert [series(v) for v in ([], [2], [2, 5], [2, 5, 7])] == ["", "2", "2 and 5", "2, 5 and 7"]
    assert series(list(range(25)), limit=3) == "0, 1, 2 and 22 more"


# --- the rest of each class (issue12-surprises delta) ------------------------------------


def test_relocate_writes_the_folder_in_its_form_on_disk(db: Path, tmp_path: Path) -> None:
    """Typed decomposed, the folder on disk composed (Linux keeps bytes): stored composed."""
    composed = tmp_path / unicodedata.normalize("NFC", "Música")
    (loc, location) = _sql(db, "SELECT id, location FROM track_locations ORDER BY id LIMIT 1")[0]
    tail = str(location).rsplit("/", 1)[1]
    composed.mkdir()
    (composed / tail).write_bytes(b"")
    old = str(location).rsplit("/", 1)[0]
    typed = unicodedata.normalize(NFD, str(composed))
    done = ok(cli(db, "relocate", old, typed, "--yes", "--allow-missing"))
    assert "the Unicode form of its name on disk" in done.stderr
    (stored,) = _sql(db, "SELECT location FROM track_locations WHERE id = ?", loc)[0]
    assert stored == f"{composed}/{tail}"


def test_a_name_of_digits_is_accepted_with_allow_digits(db: Path) -> None:
    made = ok(cli(db, "playlists", "create", "2024", "--allow-digits")).stdout.strip()
    assert ok(cli(db, "playlists", "show", "2024", "-f", "ids")).exit_code == 0
    ok(cli(db, "crates", "rename", "Disco", "1999", "--allow-digits"))
    assert _sql(db, "SELECT name FROM Playlists WHERE id = ?", int(made)) == [("2024",)]
    assert _sql(db, "SELECT COUNT(*) FROM crates WHERE name = '1999'") == [(1,)]


def test_export_to_m3u_says_its_encoding_when_it_matters(db: Path, tmp_path: Path) -> None:
    (pid,) = _sql(db, "SELECT id FROM Playlists WHERE name LIKE '%late night%'")[0]
    out = tmp_path / "late.m3u"
    done = ok(cli(db, "playlists", "export", str(pid), "-o", str(out)))
    assert "written in UTF-8" in done.stderr
    out.read_bytes().decode("utf-8")  # the same bytes an .m3u8 gets
    plain = ok(cli(db, "playlists", "export", str(pid), "-o", str(tmp_path / "late.m3u8")))
    assert "UTF-8" not in plain.stderr
    pls = tmp_path / "set.pls"
    pls.write_text("[playlist]\nFile1=/music/a.mp3\n")
    before = sha256(db)
    one_error(cli(db, "playlists", "import", str(pls)), "PLS is not supported")
    assert sha256(db) == before


def test_deleting_a_loop_by_its_hotcue_number_says_it_is_a_loop(db: Path) -> None:
    (track,) = _sql(db, "SELECT id FROM library WHERE duration > 100 LIMIT 1")[0]
    _sql(db, "INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
             " VALUES (?, 4, 44100, 88200, 2, 'Loop', 0)", track)  # fmt: skip
    gone = ok(cli(db, "cues", "delete", str(track), "--hotcue", "3"))
    assert "delete the loop on hotcue 3" in gone.stderr


def test_quiet_silences_library_warnings_too(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library warning (a skipped daily backup) reaches the user as a note, not under -q."""
    import warnings

    from mixxx_peewee.trackset import crates

    real = crates.create_crate

    def warning_create(*args: object, **kwargs: object) -> object:
        warnings.warn("daily backup skipped", stacklevel=1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(crates, "create_crate", warning_create)
    loud = run(db, "crates", "create", "Loud")
    assert loud.exit_code == 0 and "note: daily backup skipped" in loud.stderr
    quiet = run(db, "-q", "crates", "create", "Quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
