"""``history`` and ``undo`` as a DJ uses them (issue 13): through the real process for the
main paths, in-process for the edge cases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli_support import cli
from cli_support import jsonl
from cli_support import ok
from cli_support import on_a_terminal
from cli_support import one_error
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

from mixxx_peewee.journal.journalfile import journal_path


def test_a_wrong_crates_clear_is_taken_back(tmp_path: Path) -> None:
    """The DJ's flow, as real processes: clear the wrong crate, look, undo, it is back."""
    db = sample_library(tmp_path)
    ok(cli(db, "crates", "create", "Warm-up"))
    ok(cli(db, "crates", "add", "Warm-up", "12", "15", "20"))
    ok(cli(db, "crates", "clear", "Warm-up", "--yes"))
    changes = jsonl(cli(db, "history", "-f", "jsonl"))
    assert [c["operation"] for c in changes] == [
        "clear_crate",
        "add_tracks_to_crate",
        "create_crate",
    ]
    assert changes[0]["touched"] == "crate_tracks -3" and changes[0]["state"] == "done"
    plan = ok(cli(db, "undo", "--dry-run"))
    assert "put back crate membership" in plan.stdout and "nothing written" in plan.stderr
    done = ok(cli(db, "undo"))
    assert "undo change 3 (clear_crate" in done.stderr
    members = jsonl(cli(db, "crates", "show", "Warm-up", "-f", "jsonl"))
    assert [t["id"] for t in members] == [12, 15, 20]
    newest = jsonl(cli(db, "history", "-f", "jsonl"))[0]
    assert (newest["operation"], newest["state"]) == ("undo_change", "undo of 3")


def _mixxx_sets(db: Path, sql: str) -> None:
    """A write by Mixxx (or another tool) meanwhile, straight into the file."""
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_undo_names_the_rows_mixxx_changed_since_and_changes_nothing(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    ok(cli(db, "tracks", "edit", "1", "--rating", "5"))
    _mixxx_sets(db, "UPDATE library SET rating = 2 WHERE id = 1")
    before = sha256(db)
    one_error(cli(db, "undo"), "track 1 (rating) changed since", "--partial")
    assert sha256(db) == before
    partial = ok(cli(db, "undo", "--partial"))
    assert "left as they are" in partial.stderr


def test_undo_names_only_the_columns_changed_since_and_partial_puts_back_the_others(
    tmp_path: Path,
) -> None:
    """Issue 19: Mixxx changed the rating only; the genre the change set goes back."""
    db = sample_library(tmp_path)
    genre = jsonl(cli(db, "tracks", "show", "12", "-f", "jsonl"))[0]["genre"]
    ok(cli(db, "tracks", "edit", "12", "--genre", "Dub Techno", "--rating", "5"))
    _mixxx_sets(db, "UPDATE library SET rating = 2 WHERE id = 12")
    before = sha256(db)
    error = one_error(cli(db, "undo"), "track 12 (rating) changed since", "--partial")
    assert "genre" not in error and "force" not in error
    one_error(cli(db, "undo", "--force"), "track 12 (rating) changed since")  # only Mixxx
    assert sha256(db) == before
    done = ok(cli(db, "undo", "--partial"))
    assert "track 12 (rating) changed since" in done.stderr
    track = jsonl(cli(db, "tracks", "show", "12", "-f", "jsonl"))[0]
    assert (track["genre"], track["rating"]) == (genre, 2)


def test_undo_shows_colours_as_hex(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    ok(cli(db, "tracks", "edit", "12", "--color", "#FF8000"))
    plan = ok(cli(db, "undo", "--dry-run")).stdout
    assert "color #FF8000 -> " in plan, plan
    shown = plan.split("color #FF8000 -> ")[1].split(",")[0].split()[0]
    assert shown == "none" or (shown.startswith("#") and len(shown) == 7), plan


def test_undo_says_one_count_of_the_rows_it_reverted(tmp_path: Path) -> None:
    """Issue 19: `reverted 20 (-v lists all 21 changes)` said two numbers for one thing."""
    db = sample_library(tmp_path)
    ok(cli(db, "crates", "create", "Big"))
    ok(cli(db, "crates", "add", "Big", *[str(i) for i in range(1, 21)]))
    done = ok(cli(db, "undo"))
    assert "undo change 2 (add_tracks_to_crate" in done.stderr
    assert "undo change: rows reverted 20 (-v lists all 20 changes)" in done.stderr, done.stderr


def test_history_summary_is_the_changes_headline_not_its_first_row(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    ok(cli(db, "tracks", "hide", "3", "4", "5"))
    (change,) = jsonl(cli(db, "history", "-f", "jsonl"))
    assert change["summary"] == "hide tracks: changed 3, already 0", change


def test_history_show_gives_every_row_before_and_after(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    ok(run(db, "tracks", "edit", "1", "--rating", "4", "--bpm", "128"))
    data = parsed(run(db, "history", "show", "1", "-f", "json"))
    assert data["operation"] == "update_track"
    assert data["arguments"]["track"] == 1
    (row,) = data["rows"]
    assert row["table"] == "library" and row["kind"] == "update"
    pairs = zip(row["before"], row["after"], strict=True)
    values = dict(zip(row["columns"], pairs, strict=True))
    assert values["rating"] == (0, 4)
    assert values["bpm"][1] == 128.0
    assert set(values["beats"][1]) == {"hex"}  # the grid went with the BPM
    table = ok(run(db, "history", "show", "1")).stdout
    assert "change 1: update_track (done)" in table and "rating" in table


def test_a_damaged_journal_leaves_writes_working_with_one_note(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    journal_path(db).write_bytes(b"garbage" * 50)
    result = ok(cli(db, "crates", "create", "Still"))
    notes = [line for line in result.stderr.splitlines() if "change journal off" in line]
    assert len(notes) == 1 and "damaged" in notes[0]
    one_error(cli(db, "undo"), "damaged")
    one_error(run(db, "history"), "damaged")


def test_history_when_nothing_was_recorded_and_bad_numbers(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    empty = ok(run(db, "history"))
    assert empty.stdout == "" and "no changes recorded yet" in empty.stderr
    one_error(run(db, "undo"), "no change recorded yet")
    ok(run(db, "crates", "create", "A"))
    one_error(run(db, "undo", "7"), "no change 7")
    one_error(run(db, "history", "show", "7"), "no change 7")
    ok(run(db, "undo"))
    one_error(run(db, "undo", "1"), "undone already", "undo 2")


def test_history_keep_sets_the_retention(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    assert "newest 100 changes, none older than 30 days" in ok(run(db, "history", "keep")).stdout
    out = ok(run(db, "history", "keep", "--changes", "2", "--days", "7")).stdout
    assert "newest 2 changes, none older than 7 days" in out
    for name in ("A", "B", "C"):
        ok(run(db, "crates", "create", name))
    assert len(jsonl(run(db, "history", "-f", "jsonl"))) == 2


def test_history_table_keeps_the_time_column_as_wide_as_its_times(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    ok(cli(db, "tracks", "edit", "1", "--rating", "3"))
    header, rule = on_a_terminal(db, "history")[:2]
    assert header.split()[:2] == ["id", "made"]
    assert len(rule.split()[1]) == len("2026-12-07 18:27:50")  # no padding on a wide screen
