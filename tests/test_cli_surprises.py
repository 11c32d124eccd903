"""Issue 12, section 3: no silent surprises — through the real command line (a process)."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
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
    one_error(cli(db, "crates", "export", str(cid), "-o", str(out)), "exists", "--force")
    ok(cli(db, "crates", "export", str(cid), "-o", str(out), "--force"))
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
