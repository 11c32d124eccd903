"""``tracks`` and ``relocate`` on the command line: formats, filters, edits, dry runs."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from cli_support import jsonl
from cli_support import ok
from cli_support import one_error
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


def _visible_ids(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id FROM library WHERE coalesce(mixxx_deleted, 0) = 0 ORDER BY id"
        ).fetchall()
    return [r[0] for r in rows]


def test_list_json_has_one_object_per_visible_track_with_path_location(db: Path) -> None:
    tracks = parsed(run(db, "tracks", "list", "--format", "json"))
    assert [t["id"] for t in tracks] == _visible_ids(db)
    first = tracks[0]
    assert isinstance(first["location"], str) and first["location"].startswith("/")
    assert "beats" not in first and "artist" in first and "bpm" in first


def test_every_listing_format_agrees_on_the_tracks(db: Path) -> None:
    wanted = _visible_ids(db)[:7]
    args = ("tracks", "list", "--limit", "7", "--format")
    assert [t["id"] for t in jsonl(run(db, *args, "jsonl"))] == wanted
    assert ok(run(db, *args, "ids")).stdout.split() == [str(i) for i in wanted]
    rows = list(csv.DictReader(io.StringIO(ok(run(db, *args, "csv")).stdout)))
    assert [int(r["id"]) for r in rows] == wanted and "location" in rows[0]
    m3u = ok(run(db, *args, "m3u8")).stdout.splitlines()
    assert m3u[0] == "#EXTM3U" and len([x for x in m3u if x.startswith("/")]) == 7
    table = ok(run(db, *args, "table"))
    assert "artist" in table.stdout and table.stderr == ""


def test_columns_choose_and_order_what_a_listing_shows(db: Path) -> None:
    wanted = _visible_ids(db)[:5]
    args = ("tracks", "list", "--limit", "5", "--columns", "title, id,beats")
    rows = jsonl(run(db, *args, "--format", "jsonl"))
    assert [list(r) for r in rows] == [["title", "id", "beats"]] * 5
    assert [r["id"] for r in rows] == wanted
    table = list(csv.reader(io.StringIO(ok(run(db, *args, "--format", "csv")).stdout)))
    assert table[0] == ["title", "id", "beats"] and len(table) == 6
    shown = ok(run(db, *args, "--format", "table")).stdout
    assert "title" in shown and "artist" not in shown
    found = jsonl(run(db, "tracks", "search", "bpm:>0", "--columns", "bpm", "-f", "jsonl"))
    assert found and all(list(r) == ["bpm"] and r["bpm"] > 0 for r in found)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--columns", "id,nope", "--format", "json"), "unknown track column 'nope'"),
        (("--columns", " , ", "--format", "csv"), "--columns names no column"),
        (("--columns", "id", "--format", "ids"), "does not apply to the ids format"),
    ],
)
def test_bad_columns_are_one_error_and_print_nothing(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(db, "tracks", "list", *args)
    assert result.exit_code == 1 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bpm_filter_and_search_return_only_matching_tracks(db: Path) -> None:
    tracks = parsed(run(db, "tracks", "list", "--bpm", "120-126", "--format", "json"))
    assert tracks and all(120 <= t["bpm"] <= 126 for t in tracks)
    found = parsed(run(db, "tracks", "search", "bpm:120-126", "--format", "json"))
    assert {t["id"] for t in found} == {t["id"] for t in tracks}


@pytest.mark.parametrize("bad", ["abc", "130-120", "1-2-3"])
def test_bad_bpm_range_is_one_error(db: Path, bad: str) -> None:
    one_error(run(db, "tracks", "list", "--bpm", bad), repr(bad))


def test_show_by_id_and_by_path_give_the_same_track(db: Path) -> None:
    track = parsed(run(db, "tracks", "show", "3", "--format", "json"))
    again = parsed(run(db, "tracks", "show", track["location"], "--format", "json"))
    assert again == track and track["id"] == 3


def test_show_finds_a_track_through_a_symlinked_folder(db: Path, tmp_path: Path) -> None:
    music = tmp_path / "Music"
    (music / "Artist").mkdir(parents=True)
    song = music / "Artist" / "song.mp3"
    song.write_bytes(b"")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE track_locations SET location = ?, directory = ?, filename = ? WHERE id = "
            "(SELECT location FROM library WHERE id = 5)",
            (str(song), str(song.parent), song.name),
        )
    link = tmp_path / "link"
    link.symlink_to(music)
    track = parsed(run(db, "tracks", "show", str(link / "Artist" / "song.mp3"), "--format", "json"))
    assert track["id"] == 5


def test_unknown_track_is_one_error_naming_it(db: Path) -> None:
    one_error(run(db, "tracks", "show", "99999"), "99999")
    one_error(run(db, "tracks", "show", "/no/such/file.mp3"), "/no/such/file.mp3")


def test_edit_changes_fields_and_dry_run_changes_nothing(db: Path) -> None:
    before = sha256(db)
    plan = ok(run(db, "tracks", "edit", "3", "--genre", "Disco", "--rating", "4", "--dry-run"))
    assert "genre" in plan.stdout and "nothing written" in plan.stderr
    assert sha256(db) == before
    ok(run(db, "tracks", "edit", "3", "--genre", "Disco", "--rating", "4", "--key", "8A"))
    track = parsed(run(db, "tracks", "show", "3", "--format", "json"))
    assert (track["genre"], track["rating"], track["key_id"]) == ("Disco", 4, 22)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--rating", "9"), "rating"),
        (("--bpm", "-5"), "bpm"),
        (("--key", "X#"), "X#"),
        (("--color", "red"), "red"),
    ],
)
def test_bad_edit_values_are_one_error_and_change_nothing(
    db: Path, args: tuple[str, ...], text: str
) -> None:
    before = sha256(db)
    one_error(run(db, "tracks", "edit", "3", *args), text)
    assert sha256(db) == before


def test_edit_without_fields_is_a_usage_error(db: Path) -> None:
    assert run(db, "tracks", "edit", "3").exit_code == 2


@pytest.mark.parametrize("bpm", ["128", "120-126", "120-", ">125", "..100", "<=100", "127.5"])
def test_bpm_option_and_bpm_search_select_the_same_tracks(db: Path, bpm: str) -> None:
    with sqlite3.connect(db) as conn:  # tracks on and around the whole-beat edges
        conn.execute("UPDATE library SET bpm = 128.0 WHERE id = 3")
        conn.execute("UPDATE library SET bpm = 128.6 WHERE id = 4")
        conn.execute("UPDATE library SET bpm = 129.0 WHERE id = 5")
        conn.execute("UPDATE library SET bpm = 127.5 WHERE id = 7")
    listed = jsonl(run(db, "tracks", "list", "--bpm", bpm, "--columns", "id,bpm", "-f", "jsonl"))
    found = jsonl(run(db, "tracks", "search", f"bpm:{bpm}", "--columns", "id,bpm", "-f", "jsonl"))
    assert listed and listed == found


def test_a_whole_bpm_option_means_that_whole_beat(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE library SET bpm = 128.0 WHERE id = 3")
        conn.execute("UPDATE library SET bpm = 128.6 WHERE id = 4")
    # "=128" is what shows as 128 (Mixxx 2.4's bpm:=128); plain 128 adds half/double tempo.
    listed = jsonl(run(db, "tracks", "list", "--bpm", "=128", "--columns", "bpm", "-f", "jsonl"))
    assert {128.0, 128.6} <= {t["bpm"] for t in listed}
    assert all(127.95 <= t["bpm"] < 129 for t in listed)


def test_a_crate_named_2024_is_found_by_tracks_list_and_crates_show(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        crate = conn.execute("INSERT INTO crates (name) VALUES ('2024')").lastrowid
        conn.execute("INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, 3)", (crate,))
    assert crate != 2024
    listed = parsed(run(db, "tracks", "list", "--crate", "2024", "--format", "json"))
    shown = parsed(run(db, "crates", "show", "2024", "--format", "json"))
    assert [t["id"] for t in listed] == [3] == [t["id"] for t in shown]


def test_the_history_placeholder_is_no_playlist_to_list_tracks_of(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        pl = conn.execute(
            "INSERT INTO Playlists (name, position, hidden, locked)"
            " VALUES ('historyPlaceholder', 99, -1, 1)"
        ).lastrowid
        conn.execute(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, 3, 1)", (pl,)
        )
    for name in ("historyPlaceholder", str(pl)):
        one_error(run(db, "tracks", "list", "--playlist", name), "no playlist")
        one_error(run(db, "playlists", "show", name), "no playlist")


def test_show_gives_what_list_gives_for_the_same_track(db: Path) -> None:
    for track_id in _visible_ids(db)[:5]:
        shown = parsed(run(db, "tracks", "show", str(track_id), "--format", "json"))
        listed = parsed(run(db, "tracks", "list", "--format", "json"))
        # show adds the decoded grid and key map (and why they did not decode), and where
        # the track is used (tests/test_cli_features.py checks those)
        analysis = {"grid", "grid_problem", "keymap", "keymap_problem", "crates", "playlists",
                    "cues"}  # fmt: skip
        assert {k: v for k, v in shown.items() if k not in analysis} == next(
            t for t in listed if t["id"] == track_id
        )
        assert {"grid", "keymap"} <= set(shown)


def test_edit_has_one_option_per_editable_field() -> None:
    from mixxx_peewee import cli
    from mixxx_peewee.cli.tracks import edit_options
    from mixxx_peewee.tracks.edits import EDITABLE_FIELDS

    edit = cli.build_module_commands("tracks")["tracks"].commands["edit"]  # type: ignore[attr-defined]
    options = {p.name: p.opts[0] for p in edit.params if p.name in EDITABLE_FIELDS}
    assert options == edit_options()
    assert list(options) == list(EDITABLE_FIELDS)
    common = {p.name for p in edit.params} - set(EDITABLE_FIELDS)
    assert common == {
        "tracks", "search", "dry_run", "yes", "force", "as_json", "unlock", "convert_map",
        "replace_invalid",
    }  # fmt: skip
    helps = {p.name: p.help for p in edit.params if p.name in EDITABLE_FIELDS}
    assert helps == {name: field.help for name, field in EDITABLE_FIELDS.items()}


def test_edit_sets_url_tracktotal_and_bpm_lock(db: Path) -> None:
    ok(run(db, "tracks", "edit", "3", "--url", "https://x.invalid/a", "--tracktotal", "12",
           "--bpm-lock", "--color", "#00FF00"))  # fmt: skip
    track = parsed(run(db, "tracks", "show", "3", "--format", "json"))
    assert (track["url"], track["tracktotal"], track["bpm_lock"]) == (
        "https://x.invalid/a",
        "12",
        1,
    )
    assert track["color"] == "#00FF00"  # colours are #RRGGBB in every format
    ok(run(db, "tracks", "edit", "3", "--no-bpm-lock", "--url", "", "--color", "none"))
    track = parsed(run(db, "tracks", "show", "3", "--format", "json"))
    assert (track["url"], track["bpm_lock"], track["color"]) == (None, 0, None)


def test_hide_reads_ids_from_stdin_and_unhide_brings_them_back(db: Path) -> None:
    ids = _visible_ids(db)[:3]
    ok(run(db, "tracks", "hide", "-", input="".join(f"{i}\n" for i in ids)))
    hidden = parsed(run(db, "tracks", "list", "--hidden", "--format", "json"))
    assert set(ids) <= {t["id"] for t in hidden}
    ok(run(db, "tracks", "unhide", *map(str, ids)))
    assert set(ids) <= set(_visible_ids(db))


def test_missing_lists_reasons(db: Path) -> None:
    rows = parsed(run(db, "tracks", "missing", "--format", "json"))
    assert rows and all(
        r["reason"] in {"file-gone", "link-target-absent", "fs-deleted"} for r in rows
    )


def test_relocate_dry_run_lists_paths_and_writes_nothing(db: Path) -> None:
    before = sha256(db)
    result = ok(run(db, "relocate", "/home/dj/Music", "/mnt/music", "--dry-run"))
    assert " -> /mnt/music/" in result.stdout
    assert sha256(db) == before


def test_relocate_needs_yes_off_a_terminal_then_moves_every_path(db: Path) -> None:
    before = sha256(db)
    one_error(run(db, "relocate", "/home/dj/Music", "/mnt/music", "--allow-missing"), "--yes")
    assert sha256(db) == before
    ok(run(db, "relocate", "/home/dj/Music", "/mnt/music", "--yes", "--allow-missing"))
    paths = [t["location"] for t in parsed(run(db, "tracks", "list", "--all", "--format", "json"))]
    assert paths and not any(p.startswith("/home/dj/Music/") for p in paths)


def test_relocate_onto_existing_tracks_is_one_error(db: Path) -> None:
    tracks = parsed(run(db, "tracks", "list", "--all", "--format", "json"))
    first = tracks[0]["location"]
    folder, name = first.rsplit("/", 1)
    other = tracks[1]["directory"]
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
            " needs_verification) VALUES (?, ?, ?, 0, 0, 0)",
            (f"{other}/{name}", name, other),
        )
    before = sha256(db)
    one_error(run(db, "relocate", folder, other, "--yes"), "collide")
    assert sha256(db) == before
