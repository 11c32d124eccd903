"""What DJs expect from a library tool (issue 12, section 5), through the real process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cli_support import cli
from cli_support import jsonl
from cli_support import ok
from cli_support import on_a_terminal
from cli_support import parsed
from cli_support import run
from cli_support import sample_library

import mixxx_peewee


def test_version_prints_the_package_version() -> None:
    result = ok(cli(None, "--version"))
    assert result.stdout.strip() == f"mixxx-peewee {mixxx_peewee.__version__}"


def test_a_root_option_after_the_command_gets_a_hint_to_put_it_first(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    result = cli(None, "tracks", "list", "--db", str(db), "--limit", "2")
    assert result.exit_code == 2
    assert f"put --db before the command: mixxx-peewee --db {db} tracks list --limit 2" in (
        result.stderr
    )
    assert "Possible options" not in result.stderr
    quiet = cli(db, "playlists", "list", "-q")
    assert quiet.exit_code == 2
    assert f"put -q before the command: mixxx-peewee --db {db} -q playlists list" in quiet.stderr


def test_show_completion_prints_a_script_for_the_shell() -> None:
    # Typer detects the shell from the parent processes: run it from a bash (not exec'd
    # away by `; exit`), whatever started the test run.
    result = ok(cli(None, "--show-completion", prefix=("bash", "-c", '"$@"; exit $?', "bash")))
    assert "_MIXXX_PEEWEE_COMPLETE" in result.stdout


def test_playlists_show_sorts_limits_and_chooses_columns(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    running = parsed(cli(db, "playlists", "show", "Crowd pleasers", "-f", "json"))
    assert [r["position"] for r in running] == list(range(1, len(running) + 1))
    first = parsed(cli(db, "playlists", "show", "Crowd pleasers", "--limit", "3", "-f", "json",
                       "--columns", "id,title"))  # fmt: skip
    assert first == [{"position": r["position"], "id": r["id"], "title": r["title"]}
                     for r in running[:3]]  # fmt: skip
    by_bpm = jsonl(cli(db, "playlists", "show", "2", "--sort", "bpm", "--desc", "--limit", "4",
                       "--columns", "id,bpm", "-f", "jsonl"))  # fmt: skip
    # Sorted, each entry still says where it stands in the running order.
    assert [set(r) for r in by_bpm] == [{"position", "id", "bpm"}] * 4
    assert {r["position"] for r in by_bpm} <= {r["position"] for r in running}
    bpms = [r["bpm"] for r in by_bpm]
    assert bpms == sorted(bpms, reverse=True)
    assert bpms[0] == max(r["bpm"] for r in running)


def test_crates_show_sorts_limits_and_chooses_columns(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    table = ok(cli(db, "crates", "show", "Bangers", "--sort", "title", "--limit", "2",
                   "--columns", "id,title"))  # fmt: skip
    header = table.stdout.splitlines()[0].split()
    assert header == ["id", "title"]
    rows = parsed(cli(db, "crates", "show", "Bangers", "--sort", "title", "-f", "json"))
    assert len(table.stdout.splitlines()) == 2 + 2  # header, rule, two rows
    assert rows[0]["id"] == int(table.stdout.splitlines()[2].split()[0])


def test_tracks_show_lists_crates_playlists_and_cues(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    # A track in a playlist twice, and one with cues and a crate.
    track, playlist = conn.execute(
        "SELECT track_id, playlist_id FROM PlaylistTracks GROUP BY track_id, playlist_id "
        "HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    cued = conn.execute("SELECT track_id FROM cues GROUP BY track_id HAVING count(*) > 2 "
                        "AND track_id IN (SELECT track_id FROM crate_tracks) LIMIT 1"
                        ).fetchone()[0]  # fmt: skip
    crates = {r[0] for r in conn.execute(
        "SELECT crates.name FROM crates JOIN crate_tracks ON crate_id = id WHERE track_id = ?",
        (cued,))}  # fmt: skip
    n_cues = conn.execute("SELECT count(*) FROM cues WHERE track_id = ?", (cued,)).fetchone()[0]
    conn.close()
    shown = parsed(cli(db, "tracks", "show", str(track), "-f", "json"))
    entries = [p for p in shown["playlists"] if p["id"] == playlist]
    assert len(entries) == 1 and len(entries[0]["positions"]) >= 2
    order = [r["id"] for r in parsed(cli(db, "playlists", "show", str(playlist), "-f", "json"))]
    assert [i + 1 for i, t in enumerate(order) if t == track] == entries[0]["positions"]
    cued_json = parsed(cli(db, "tracks", "show", str(cued), "-f", "json"))
    assert {c["name"] for c in cued_json["crates"]} == crates
    assert len(cued_json["cues"]) == n_cues
    for cue in cued_json["cues"]:
        assert cue["color"] is None or (cue["color"].startswith("#") and len(cue["color"]) == 7)
        minutes, seconds = cue["time"].split(":")
        assert abs(int(minutes) * 60 + float(seconds) - cue["position"]) < 0.001
    table = ok(cli(db, "tracks", "show", str(cued))).stdout
    assert any(line.startswith("crates") and all(c in line for c in crates)
               for line in table.splitlines())  # fmt: skip
    assert sum(line.startswith("cue ") for line in table.splitlines()) == n_cues


def test_duplicates_are_found_and_given_as_data(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    original = conn.execute(
        "SELECT library.id, artist, title, duration, filesize FROM library JOIN track_locations "
        "ON library.location = track_locations.id WHERE mixxx_deleted = 0 AND title != '' "
        "AND title NOT LIKE '%original%' AND duration > 60 ORDER BY library.id LIMIT 1"
    ).fetchone()
    track_id, artist, title, duration, _size = original
    # A second copy: same artist and title in capitals with (Original Mix), 1 s longer.
    conn.execute(
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted, "
        "needs_verification) VALUES ('/music/copy/dup.mp3', 'dup.mp3', '/music/copy', 1, 0, 0)"
    )
    loc = conn.execute("SELECT max(id) FROM track_locations").fetchone()[0]
    conn.execute(
        "INSERT INTO library (artist, title, duration, location, mixxx_deleted) "
        "VALUES (?, ?, ?, ?, 0)",
        (artist.upper(), f"{title} (Original Mix)", duration + 1.0, loc),
    )
    copy_id = conn.execute("SELECT max(id) FROM library").fetchone()[0]
    conn.commit()
    conn.close()
    rows = parsed(cli(db, "tracks", "duplicates", "-f", "json"))
    groups = {r["group"] for r in rows if r["id"] in (track_id, copy_id)}
    assert len(groups) == 1
    mine = [r for r in rows if r["group"] in groups]
    assert {r["id"] for r in mine} >= {track_id, copy_id}
    assert all("artist+title" in r["reason"] for r in mine)
    tight = parsed(cli(db, "tracks", "duplicates", "--tolerance", "0.5", "-f", "json"))
    assert copy_id not in {r["id"] for r in tight}
    csv = ok(cli(db, "tracks", "duplicates", "-f", "csv")).stdout.splitlines()
    assert csv[0].startswith("group,reason,id,")
    ids = ok(run(db, "tracks", "duplicates", "-f", "ids")).stdout.split()
    assert [int(i) for i in ids] == [r["id"] for r in rows]


def test_stats_equal_independent_sqlite_counts(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    join = "FROM library JOIN track_locations ON library.location = track_locations.id"
    visible = "coalesce(mixxx_deleted, 0) = 0"  # NULL is visible, as in Mixxx's views
    tracks, seconds, grids, keys, flagged, bpms = conn.execute(
        "SELECT count(*), total(max(duration, 0)), total(beats IS NOT NULL AND bpm > 0), "
        f"total(key_id BETWEEN 1 AND 24), total(fs_deleted = 1), total(bpm > 0) {join} "
        f"WHERE {visible}"
    ).fetchone()
    hidden = conn.execute("SELECT count(*) FROM library WHERE mixxx_deleted = 1").fetchone()[0]
    top = conn.execute(
        f"SELECT count(*) {join} WHERE {visible} AND trim(genre) != '' "
        "GROUP BY lower(trim(genre)) ORDER BY 1 DESC LIMIT 1"
    ).fetchone()[0]
    per_key = dict(conn.execute(
        f"SELECT key_id, count(*) {join} WHERE {visible} AND key_id BETWEEN 1 AND 24 "
        "GROUP BY key_id").fetchall())  # fmt: skip
    conn.close()
    data = parsed(cli(db, "stats", "--format", "json", "--top", "3"))
    assert data["tracks"] == tracks and data["hidden"] == hidden
    assert abs(data["seconds"] - seconds) < 1e-6
    assert (data["with_grid"], data["with_key"], data["flagged_missing"]) == (grids, keys, flagged)
    assert len(data["genres"]) == 3 and data["genres"][0]["tracks"] == top
    assert {k["key_id"]: k["tracks"] for k in data["keys"]} == per_key
    # The BPM spread counts what tracks list shows: every BPM, with a grid or not.
    assert sum(b["tracks"] for b in data["bpm_buckets"]) == bpms == data["with_bpm"] > grids
    assert "missing_files" not in data
    files = parsed(cli(db, "stats", "-f", "json", "--files"))
    assert files["missing_files"] == tracks  # the sample's paths are not on this disk
    table = ok(cli(db, "--key-notation", "lancelot", "stats")).stdout
    assert f"tracks        {tracks:,} in the library, {hidden:,} more hidden" in table
    assert f"with a BPM    {int(bpms):,} (" in table and f"of {int(bpms):,} tracks" in table
    assert "(lancelot, Camelot order)" in table and "  8A " in table


def test_backup_list_shows_date_size_and_track_count(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    made = Path(ok(cli(db, "backup")).stdout.strip())
    rows = parsed(cli(db, "backup", "--list", "-f", "json"))
    assert [r["path"] for r in rows] == [str(made)]
    conn = sqlite3.connect(db)
    tracks = conn.execute("SELECT count(*) FROM library").fetchone()[0]
    conn.close()
    assert rows[0]["tracks"] == tracks
    assert rows[0]["size"] == made.stat().st_size
    assert rows[0]["modified"].endswith("Z") and rows[0]["kind"] == "manual"
    table = ok(cli(db, "backup", "--list")).stdout.splitlines()
    assert table[0].split() == ["modified", "size", "tracks", "kind", "path"]


def test_the_daily_backup_is_named_once(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    daily = {"MIXXX_PEEWEE_AUTO_BACKUP": ""}  # unset: the library's default, daily
    first = ok(cli(db, "crates", "create", "First", env=daily))
    notes = [line for line in first.stderr.splitlines() if "daily backup made" in line]
    assert len(notes) == 1
    path = Path(notes[0].split("daily backup made: ", 1)[1])
    assert path.is_file() and path.parent == db.parent / "backups"
    second = ok(cli(db, "crates", "create", "Second", env=daily))
    assert "backup" not in second.stderr
    quiet = sample_library(tmp_path / "q")
    assert "backup" not in ok(cli(quiet, "-q", "crates", "create", "Third", env=daily)).stderr
    assert json.loads(ok(cli(db, "backup", "--list", "-f", "json")).stdout)[0]["kind"] == "auto"


# In-process edge cases (CliRunner: no process start-up each).


def test_a_root_option_among_search_words_gets_the_hint_not_a_query(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    result = run(None, "tracks", "search", "house", "--db", str(db))
    assert result.exit_code == 2
    assert f"put --db before the command: mixxx-peewee --db {db} tracks search house" in (
        result.stderr
    )
    spelled = run(db, "tracks", "search", "house", "--key-notation=openkey")
    assert "put --key-notation before the command" in spelled.stderr
    # -q stays Mixxx's negation of the word q, as the search bar reads it.
    assert run(db, "tracks", "search", "house", "-q", "-f", "ids").exit_code == 0


def test_backup_list_without_backups_says_where_it_looked(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    table = ok(run(db, "backup", "--list"))
    assert table.stdout == ""
    assert f"no backups in {db.parent / 'backups'}" in table.stderr
    assert parsed(run(db, "backup", "--list", "-f", "json")) == []
    elsewhere = run(db, "backup", "--list", str(tmp_path / "nowhere"))
    assert elsewhere.exit_code == 1
    assert elsewhere.stderr.startswith(f"error: {tmp_path / 'nowhere'}: no such folder")


def test_stats_pads_wide_genre_names_by_display_width(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE library SET genre = '深夜ハウス' WHERE id <= 60")
        conn.execute("UPDATE library SET genre = 'House' WHERE id > 60 AND id <= 100")
    conn.close()
    lines = ok(run(db, "stats", "--top", "2")).stdout.splitlines()
    wide = next(line for line in lines if "深夜ハウス" in line)
    narrow = next(line for line in lines if line.startswith("  House "))
    # The counts end in the same terminal column: 深夜ハウス is 10 cells wide, not 5.
    cells = len(wide) + len("深夜ハウス")
    assert cells - len(wide.split()[-1]) == len(narrow) - len(narrow.split()[-1])
    # Keys in traditional notation lead with their Camelot code: the list's order.
    header = next(i for i, line in enumerate(lines) if line.startswith("keys "))
    assert lines[header].endswith("tracks by key (traditional, Camelot order)")
    keys = lines[header + 1 :]
    assert [line.split()[0] for line in keys[:3]] == ["1A", "1B", "2A"]


def test_crates_and_playlists_lists_end_with_totals_on_a_terminal(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    crates, tracks, seconds = conn.execute(
        "SELECT (SELECT count(*) FROM crates), count(*), total(library.duration) "
        "FROM crate_tracks JOIN library ON library.id = crate_tracks.track_id "
        "WHERE library.mixxx_deleted = 0"  # the counts of Mixxx's sidebar: visible tracks
    ).fetchone()
    conn.close()
    last = on_a_terminal(db, "crates", "list")[-1]  # stdout a terminal, as a DJ runs it
    hours, rest = divmod(round(seconds), 3600)
    assert last == f"{crates} crates, {tracks} tracks, {hours}:{rest // 60:02}:{rest % 60:02}"
    piped = ok(run(db, "crates", "list")).stdout.splitlines()
    assert "crates," not in piped[-1]


def test_tracks_show_says_none_for_no_crates_playlists_or_cues(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    lonely = conn.execute(
        "SELECT id FROM library WHERE id NOT IN (SELECT track_id FROM crate_tracks) "
        "AND id NOT IN (SELECT track_id FROM PlaylistTracks) "
        "AND id NOT IN (SELECT track_id FROM cues) LIMIT 1"
    ).fetchone()
    if lonely is None:  # the sample changed: make one
        lonely = conn.execute("SELECT max(id) FROM library").fetchone()
        with conn:
            for table in ("crate_tracks", "PlaylistTracks", "cues"):
                conn.execute(f"DELETE FROM {table} WHERE track_id = ?", lonely)
    conn.close()
    lines = ok(run(db, "tracks", "show", str(lonely[0]))).stdout.splitlines()
    for name in ("crates", "playlists", "cues"):
        assert any(line.split() == [name, "(none)"] for line in lines), name
    data = parsed(run(db, "tracks", "show", str(lonely[0]), "-f", "json"))
    assert (data["crates"], data["playlists"], data["cues"]) == ([], [], [])


def test_completion_offers_commands_and_root_option_values() -> None:
    def complete(words: str) -> list[str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {"_MIXXX_PEEWEE_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(cword)}  # fmt: skip
        return cli(None, env=env).stdout.split()

    assert complete("mixxx-peewee tracks d") == ["duplicates"]
    assert complete("mixxx-peewee --key-notation ") == ["traditional", "openkey", "lancelot"]


def test_stats_of_an_empty_library_says_none(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM library")
    conn.close()
    lines = ok(run(db, "stats")).stdout.splitlines()
    assert lines[0] == "tracks        0 in the library, 0 more hidden"
    assert "BPM           no track has a BPM" in lines and lines[-1] == "keys          none"


def test_duplicates_table_shows_what_tells_the_copies_apart(tmp_path: Path) -> None:
    """File type, bit rate, size, duration and path: what one chooses a copy by."""
    db = sample_library(tmp_path)
    conn = sqlite3.connect(db)
    track_id, loc = conn.execute(
        "SELECT id, location FROM library WHERE mixxx_deleted = 0 AND duration > 60"
        " AND filetype = 'mp3' ORDER BY id LIMIT 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO track_locations (location, filename, directory, filesize, fs_deleted,"
        " needs_verification) SELECT '/music/copy/dup.flac', 'dup.flac', '/music/copy',"
        " filesize, 0, 0 FROM track_locations WHERE id = ?",
        (loc,),
    )
    conn.execute(
        "INSERT INTO library (artist, title, duration, location, mixxx_deleted, filetype,"
        " bitrate) SELECT artist, title, duration, (SELECT max(id) FROM track_locations), 0,"
        " 'flac', 1411 FROM library WHERE id = ?",
        (track_id,),
    )
    conn.commit()
    conn.close()
    table = ok(cli(db, "tracks", "duplicates", columns=200)).stdout.splitlines()
    assert table[0].split() == ["group", "reason", "id", "artist", "title", "duration",
                                "filetype", "bitrate", "filesize", "location"]  # fmt: skip
    copy = next(line for line in table if line.endswith("/music/copy/dup.flac"))
    assert "  flac  " in copy and " 1411  " in copy
