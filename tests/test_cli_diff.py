"""``diff`` and ``snapshot`` through the real command line (and in-process for the formats)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

from cli_support import cli
from cli_support import jsonl
from cli_support import ok
from cli_support import one_error
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256


def rated_track(db: Path) -> int:
    """The first track with a rating (the one changed_copy resets)."""
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT min(id) FROM library WHERE rating > 0").fetchone()[0])
    finally:
        conn.close()


def changed_copy(tmp_path: Path) -> tuple[Path, Path]:
    """The sample library (``old``) and a copy with a rating reset, a crate renamed and a
    hotcue moved (``new``)."""
    old = sample_library(tmp_path)
    new = tmp_path / "new" / "mixxxdb.sqlite"
    new.parent.mkdir()
    shutil.copy2(old, new)
    conn = sqlite3.connect(new)
    with conn:
        conn.execute("UPDATE library SET rating = 0 WHERE id = ?", (rated_track(old),))
        conn.execute("UPDATE crates SET name = 'Renamed crate' WHERE id = 1")
        conn.execute("UPDATE cues SET position = position + 88200 WHERE id = 1")
    conn.close()
    return old, new


def test_diff_prints_counts_then_a_table_per_part_and_exits_0(tmp_path: Path) -> None:
    old, new = changed_copy(tmp_path)
    result = ok(cli(new, "diff", str(old)))
    lines = result.stdout.splitlines()
    assert lines[0] == f"old: {old}" and lines[1] == f"new: {new}"
    assert lines[2].startswith("tracks: ") and "changed" in lines[2]
    assert lines[4] == "crates: 1 renamed"
    assert "Renamed crate" in result.stdout and "rating" in result.stdout
    assert "\ntrack fields\n" in result.stdout  # field changes: a table of their own
    assert result.stderr == ""


def test_no_differences_is_said_and_is_exit_0(tmp_path: Path) -> None:
    old = sample_library(tmp_path)
    result = ok(cli(old, "diff", str(old)))
    assert result.stdout.splitlines()[-1] == "no differences"


def test_a_snapshot_then_a_diff_against_it_as_jsonl(tmp_path: Path) -> None:
    old, new = changed_copy(tmp_path)
    state = tmp_path / "state.sqlite"
    before = sha256(old)
    assert ok(cli(old, "snapshot", str(state))).stdout.strip() == str(state)
    assert sha256(old) == before
    assert state.stat().st_size < old.stat().st_size
    rows = jsonl(cli(new, "diff", str(state), "--format", "jsonl", "--only", "tracks,crates"))
    assert {r["table"] for r in rows} == {"tracks", "crates"}
    rating = next(r for r in rows if r.get("field") == "rating")
    assert (rating["id"], rating["new"]) == (rated_track(old), 0)
    name = sqlite3.connect(old).execute("SELECT name FROM crates WHERE id = 1").fetchone()[0]
    renamed = next(r for r in rows if r["kind"] == "renamed")
    assert renamed == {"table": "crates", "kind": "renamed", "id": 1, "name": "Renamed crate",
                       "field": "name", "old": name, "new": "Renamed crate"}  # fmt: skip


def test_bad_other_files_are_one_error_line(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    one_error(cli(db, "diff", str(tmp_path / "missing.sqlite")), "missing.sqlite", "no such file")
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    one_error(cli(db, "diff", str(text)), "notes.txt", "not a SQLite database")
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(db.read_bytes())
    data[8192:] = b"\xff" * (len(data) - 8192)
    damaged.write_bytes(bytes(data))
    one_error(cli(db, "diff", str(damaged)), "damaged.sqlite", "malformed")


def test_snapshot_refuses_to_replace_a_library(tmp_path: Path) -> None:
    old, new = changed_copy(tmp_path)
    before = sha256(old)
    one_error(cli(new, "snapshot", str(old)), str(old), "not replaced")
    assert sha256(old) == before


def test_json_csv_and_ids_formats(tmp_path: Path) -> None:
    old, new = changed_copy(tmp_path)
    data = parsed(run(new, "diff", str(old), "-f", "json"))
    assert data["counts"]["crates_changed"] == 1
    assert data["tracks"]["changed"]
    assert data["cues"][0]["changed"]
    only = parsed(run(new, "diff", str(old), "-f", "json", "--only", "cues"))
    assert "cues" in only and "tracks" not in only and "crates" not in only
    table = list(csv.DictReader(io.StringIO(ok(run(new, "diff", str(old), "-f", "csv")).stdout)))
    crate_row = next(r for r in table if r["table"] == "crates")
    assert (crate_row["kind"], crate_row["new"]) == ("renamed", "Renamed crate")
    crates_of = next(r for r in table if r["field"] == "crates")
    assert "Renamed crate" in json.loads(crates_of["new"])
    ids = [int(x) for x in ok(run(new, "diff", str(old), "-f", "ids")).stdout.split()]
    assert rated_track(old) in ids and ids == sorted(ids)
    cue_track = sqlite3.connect(old).execute("SELECT track_id FROM cues WHERE id = 1")
    assert cue_track.fetchone()[0] in ids


def test_only_takes_known_parts(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    result = run(db, "diff", str(db), "--only", "tracks,bogus")
    assert result.exit_code == 2
    assert "--only" in result.stderr
