"""``playlists`` and ``crates`` on the command line: one set of commands, two kinds."""

from __future__ import annotations

import json
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

KINDS = ["playlists", "crates"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


def _unlocked(db: Path, kind: str) -> dict:
    rows = parsed(run(db, kind, "list", "--format", "json"))
    return next(r for r in rows if not r["locked"] and r["track_count"] > 3)


def _ids(db: Path, kind: str, target: str) -> list[int]:
    return [t["id"] for t in parsed(run(db, kind, "show", target, "--format", "json"))]


@pytest.mark.parametrize("kind", KINDS)
def test_list_formats_agree(db: Path, kind: str) -> None:
    rows = parsed(run(db, kind, "list", "--format", "json"))
    assert rows and {"id", "name", "track_count", "locked"} <= set(rows[0])
    assert [r["id"] for r in jsonl(run(db, kind, "list", "--format", "jsonl"))] == [
        r["id"] for r in rows
    ]
    assert ok(run(db, kind, "list", "--format", "ids")).stdout.split() == [
        str(r["id"]) for r in rows
    ]
    assert ok(run(db, kind, "list", "--format", "csv")).stdout.startswith("id,name")
    assert rows[0]["name"] in ok(run(db, kind, "list")).stdout


def test_playlists_list_all_adds_auto_dj_and_history(db: Path) -> None:
    kinds = {r["kind"] for r in parsed(run(db, "playlists", "list", "--all", "--format", "json"))}
    assert {"normal", "autodj", "history"} <= kinds


@pytest.mark.parametrize("kind", KINDS)
def test_create_prints_the_id_and_search_pipes_into_add(db: Path, kind: str) -> None:
    new_id = int(ok(run(db, kind, "create", "Warm up")).stdout)
    found = ok(run(db, "tracks", "search", "bpm:120-126", "--format", "ids")).stdout
    result = ok(run(db, kind, "add", "Warm up", "-", input=found))
    assert result.stdout == "" and "add" in result.stderr
    members = _ids(db, kind, str(new_id))
    assert sorted(members) == sorted(int(i) for i in found.split())


@pytest.mark.parametrize("kind", KINDS)
def test_add_with_create_makes_a_missing_one_and_fills_an_existing_one(db: Path, kind: str) -> None:
    found = ok(run(db, "tracks", "search", "bpm:120-126", "--format", "ids")).stdout
    before = sha256(db)
    one_error(run(db, kind, "add", "Brand new", "-", input=found), "Brand new")
    assert sha256(db) == before  # without --create a missing name is an error
    ok(run(db, kind, "add", "Brand new", "-", "--create", "--dry-run", input=found))
    assert sha256(db) == before
    ok(run(db, kind, "add", "Brand new", "-", "--create", input=found))
    ok(run(db, kind, "add", "Brand new", "1", "--create"))  # exists now: only adds
    expected = [int(i) for i in found.split()]
    members = _ids(db, kind, "Brand new")
    assert sorted(set(members)) == sorted({*expected, 1})
    lists = parsed(run(db, kind, "list", "--format", "json"))
    assert [row["name"] for row in lists].count("Brand new") == 1


def test_playlist_add_at_position_move_and_remove_keep_order(db: Path) -> None:
    ok(run(db, "playlists", "create", "P"))
    ok(run(db, "playlists", "add", "P", "1", "2", "3"))
    ok(run(db, "playlists", "add", "P", "4", "--position", "2"))
    assert _ids(db, "playlists", "P") == [1, 4, 2, 3]
    ok(run(db, "playlists", "move", "P", "1", "4"))
    assert _ids(db, "playlists", "P") == [4, 2, 3, 1]
    ok(run(db, "playlists", "remove", "P", "2"))
    ok(run(db, "playlists", "remove", "P", "--position", "1"))
    shown = parsed(run(db, "playlists", "show", "P", "--format", "json"))
    assert [(t["position"], t["id"]) for t in shown] == [(1, 3), (2, 1)]


@pytest.mark.parametrize("kind", KINDS)
def test_rename_delete_and_clear(db: Path, kind: str) -> None:
    ok(run(db, kind, "create", "A"))
    ok(run(db, kind, "add", "A", "1", "2"))
    ok(run(db, kind, "rename", "A", "B"))
    one_error(run(db, kind, "show", "A"), "'A'")
    ok(run(db, kind, "clear", "B", "--yes"))
    assert _ids(db, kind, "B") == []
    ok(run(db, kind, "delete", "B", "--yes"))
    one_error(run(db, kind, "show", "B"), "'B'")


@pytest.mark.parametrize("kind", KINDS)
def test_destructive_commands_need_yes_off_a_terminal(db: Path, kind: str) -> None:
    target = _unlocked(db, kind)["name"]
    before = sha256(db)
    for command in ("delete", "clear"):
        one_error(run(db, kind, command, target), "--yes")
    assert sha256(db) == before


@pytest.mark.parametrize("kind", KINDS)
def test_dry_runs_leave_the_file_unchanged(db: Path, kind: str) -> None:
    target = _unlocked(db, kind)["name"]
    before = sha256(db)
    for args in (
        ("create", "New one"),
        ("rename", target, "Other"),
        ("add", target, "1", "2"),
        ("remove", target, str(_ids(db, kind, target)[0])),
        ("clear", target),
        ("delete", target),
    ):
        result = ok(run(db, kind, *args, "--dry-run"))
        assert result.stdout.strip(), args
        assert "nothing written" in result.stderr
    plan = parsed(run(db, kind, "delete", target, "--dry-run", "--json"))
    assert plan["dry_run"] is True and plan["changes"]
    assert sha256(db) == before


@pytest.mark.parametrize("kind", KINDS)
def test_export_import_round_trip_keeps_tracks_and_order(
    db: Path, kind: str, tmp_path: Path
) -> None:
    source = _unlocked(db, kind)
    wanted = _ids(db, kind, source["name"])
    out = tmp_path / "sets" / "exported.m3u8"
    out.parent.mkdir()
    ok(run(db, kind, "export", source["name"], "-o", str(out), "--relative"))
    text = out.read_text("utf-8")
    assert text.startswith("#EXTM3U\n#EXTINF:") and "\n/" not in text
    ok(run(db, kind, "import", str(out), "--name", "Round trip"))
    got = _ids(db, kind, "Round trip")
    assert got == wanted if kind == "playlists" else sorted(got) == sorted(wanted)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "ids", "m3u8"])
def test_export_to_stdout_in_every_format(db: Path, fmt: str) -> None:
    target = _unlocked(db, "playlists")["name"]
    result = ok(run(db, "playlists", "export", target, "--format", fmt))
    assert result.stdout and result.stderr == ""


def test_import_reports_entries_not_in_the_library(db: Path, tmp_path: Path) -> None:
    track = parsed(run(db, "tracks", "show", "1", "--format", "json"))
    playlist = tmp_path / "gig.m3u"
    playlist.write_text(f"#EXTM3U\n{track['location']}\n/not/here.mp3\n", "utf-8")
    result = ok(run(db, "crates", "import", str(playlist)))
    assert "not in library" in result.stderr and "/not/here.mp3" in result.stderr
    assert _ids(db, "crates", "gig") == [1]
    before = sha256(db)
    one_error(run(db, "crates", "import", str(playlist), "--name", "strict", "--strict"), "gig.m3u")
    assert sha256(db) == before


def test_import_dry_run_writes_nothing(db: Path, tmp_path: Path) -> None:
    track = parsed(run(db, "tracks", "show", "1", "--format", "json"))
    playlist = tmp_path / "x.m3u8"
    playlist.write_text(track["location"] + "\n", "utf-8")
    before = sha256(db)
    result = ok(run(db, "playlists", "import", str(playlist), "--dry-run"))
    assert "create playlist 'x'" in result.stdout
    assert sha256(db) == before


def test_import_of_a_binary_file_is_one_error(db: Path, tmp_path: Path) -> None:
    before = sha256(db)
    one_error(run(db, "playlists", "import", str(db)), str(db), "binary")
    one_error(run(db, "playlists", "import", str(tmp_path / "absent.m3u")), "absent.m3u")
    assert sha256(db) == before


def test_export_to_an_unwritable_place_is_one_error(db: Path, tmp_path: Path) -> None:
    target = _unlocked(db, "crates")["name"]
    one_error(run(db, "crates", "export", target, "-o", str(tmp_path / "no" / "x.m3u8")), "x.m3u8")


@pytest.mark.parametrize("kind", KINDS)
def test_locked_duplicate_and_empty_names_are_one_error_each(db: Path, kind: str) -> None:
    rows = parsed(run(db, kind, "list", "--format", "json"))
    locked = next(r for r in rows if r["locked"])
    other = next(r for r in rows if not r["locked"])
    before = sha256(db)
    one_error(run(db, kind, "add", locked["name"], "1"), locked["name"], "locked")
    one_error(run(db, kind, "create", other["name"]), other["name"])
    one_error(run(db, kind, "create", "  "), "empty")
    one_error(run(db, kind, "rename", other["name"], locked["name"]), locked["name"])
    one_error(run(db, kind, "add", other["name"], "99999"), "99999")
    one_error(run(db, kind, "show", "No such thing"), "No such thing")
    assert sha256(db) == before


def test_history_playlists_refuse_changes_unless_forced(db: Path) -> None:
    rows = parsed(run(db, "playlists", "list", "--all", "--format", "json"))
    history = next(r for r in rows if r["kind"] == "history")
    before = sha256(db)
    one_error(run(db, "playlists", "add", history["name"], "1"), history["name"], "history")
    assert sha256(db) == before
    ok(run(db, "playlists", "add", history["name"], "1", "--force-history"))
    with sqlite3.connect(db) as conn:
        n = conn.execute(
            "SELECT count(*) FROM PlaylistTracks WHERE playlist_id = ?", (history["id"],)
        ).fetchone()[0]
    assert n == history["entry_count"] + 1


@pytest.mark.parametrize("kind", KINDS)
def test_add_create_that_fails_leaves_no_new_one_behind(db: Path, kind: str) -> None:
    before = sha256(db)
    one_error(run(db, kind, "add", "Ghost", "1", "99999999", "--create"), "99999999")
    assert sha256(db) == before
    assert "Ghost" not in [r["name"] for r in parsed(run(db, kind, "list", "--format", "json"))]


@pytest.mark.parametrize("kind", KINDS)
def test_shown_tracks_print_exactly_as_tracks_list_does(db: Path, kind: str) -> None:
    listed = {t["id"]: t for t in jsonl(run(db, "tracks", "list", "--format", "jsonl"))}
    target = str(_unlocked(db, kind)["id"])
    shown = parsed(run(db, kind, "show", target, "--format", "json"))
    entry_keys = ("position", "pl_datetime_added", "entry_id") if kind == "playlists" else ()
    assert shown and all(set(entry_keys) <= set(t) for t in shown)
    for track in shown:
        plain = {k: v for k, v in track.items() if k not in entry_keys}
        if track["id"] in listed:  # visible tracks; same keys, same values, same JSON types
            assert json.dumps(plain) == json.dumps(listed[track["id"]])


@pytest.mark.parametrize(
    "args",
    [
        ("crates", "remove", "Bangers", "1", "--position", "2"),
        ("crates", "add", "Bangers", "1", "--position", "1"),
        ("crates", "list", "--all"),
        ("crates", "rename", "Bangers", "Other", "--force-history"),
        ("crates", "clear", "Bangers", "--force-history", "--yes"),
        ("crates", "import", "x.m3u8", "--force-history"),
    ],
)
def test_an_option_a_crate_command_does_not_support_is_a_usage_error(
    db: Path, args: tuple[str, ...]
) -> None:
    """Crates have no positions, kinds or history: the playlist-only options are refused."""
    before = sha256(db)
    result = run(db, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "No such option" in result.stderr
    assert sha256(db) == before


def test_a_script_imports_and_exports_as_the_commands_do(db: Path, tmp_path: Path) -> None:
    """import_m3u / export_m3u are what `playlists import` / `export` run."""
    import mixxx_peewee as m

    source = _unlocked(db, "playlists")
    by_cli, by_script = tmp_path / "cli.m3u8", tmp_path / "script.m3u8"
    ok(run(db, "playlists", "export", str(source["id"]), "-o", str(by_cli)))
    m.open_library(db)
    try:
        done = m.export_m3u(by_script, playlist=source["id"])
        assert done.written == len(m.get_playlist_tracks(source["id"]))
        assert by_script.read_text(encoding="utf-8") == by_cli.read_text(encoding="utf-8")
        with pytest.raises(m.ValidationError, match="exists already"):
            m.export_m3u(by_script, playlist=source["id"])
        result = m.import_m3u(by_script, crate="From script")
        assert result.operation == "import_crate" and result.counts["created"] == 1
        with pytest.raises(m.ValidationError, match="exists already"):
            m.import_m3u(by_script, crate="From script")
        again = m.import_m3u(by_script, crate="From script", existing="replace")
        assert again.counts["added"] == 0
        script_members = {t.id for t in m.get_crate_tracks("From script", include_hidden=True)}
    finally:
        m.current_library().close()
    ok(run(db, "crates", "import", str(by_cli), "--name", "From cli"))
    m.open_library(db)
    try:
        cli_members = {t.id for t in m.get_crate_tracks("From cli", include_hidden=True)}
    finally:
        m.current_library().close()
    assert cli_members == script_members
