"""Option values are converted without pydantic (cli/coercion.py), with Typer's meaning;
words read from standard input (``-``) become ids or paths (cli/resolve.py); dates read
as the search bar reads them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library

from mixxx_peewee.cli import coercion


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--busy-timeout", "soon", "info"], "'soon' is not a valid float."),
        (["--busy-timeout", "-1", "info"], "-1.0 is not in the range x>=0."),
        (["--busy-timeout", "nan", "info"], "'nan' is not a valid float."),
        (["tracks", "list", "--limit", "-3"], "-3 is not in the range x>=0."),
        (["tracks", "list", "--limit", "2.5"], "'2.5' is not a valid integer."),
        (["tracks", "list", "--limit", "9" * 30 + "x"], "is not a valid integer."),
        (["tracks", "list", "-f", "xml"], "'xml' is not one of 'table', 'json',"),
        (["cues", "set", "1", "later", "--hotcue", "1"], "'later' is not seconds or m:ss.mmm"),
        (["cues", "set", "1", "2.5", "--hotcue", "one"], "'one' is not a valid integer."),
        (["playlists", "remove", "1", "-p", "2", "-p", "x"], "'x' is not a valid integer."),
    ],
)
def test_bad_values_are_usage_errors_naming_the_option(
    db: Path, argv: list[str], message: str
) -> None:
    result = run(db, *argv)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.stderr
    assert message in " ".join(result.stderr.split())


def test_values_reach_the_commands_converted(db: Path) -> None:
    listed = run(db, "--busy-timeout", "0.5", "tracks", "list", "-f", "JSONL", "--limit", " 2 ")
    assert listed.exit_code == 0, listed.output
    assert len(listed.stdout.splitlines()) == 2
    ids = run(db, "tracks", "list", "-f", "ids", "--limit", "3")
    assert ids.exit_code == 0 and len(ids.stdout.split()) == 3


def test_every_parameter_of_every_command_gets_a_plain_converter() -> None:
    from mixxx_peewee import cli

    missing = []
    for module in ("info", "tracks", "maintenance", "collections", "cues"):
        for name, command in cli.build_module_commands(module).items():
            stack = [(name, command)]
            while stack:
                path, current = stack.pop()
                for param in current.params:
                    if type(getattr(param, "_runtime_param", None)).__name__ != "_Plain":
                        missing.append(f"{path} {param.name}")
                for sub, child in getattr(current, "commands", {}).items():
                    stack.append((f"{path} {sub}", child))
    assert missing == []


def test_numbers_keep_typer_semantics() -> None:
    whole = coercion._number(int, 0, 10, clamp=False)
    assert whole("7", None, None) == 7 and whole(7.0, None, None) == 7
    clamped = coercion._number(float, 0, 1, clamp=True)
    assert clamped("5", None, None) == 1.0 and clamped("-2", None, None) == 0.0
    assert coercion._flag("yes", None, None) is True and coercion._flag("0", None, None) is False


def test_stdin_takes_ids_separated_by_spaces_and_one_path_per_line(db: Path) -> None:
    conn = sqlite3.connect(db)
    (path,) = conn.execute(
        "SELECT location FROM track_locations WHERE id = (SELECT location FROM library"
        " WHERE id = 2)"
    ).fetchone()
    assert " " in path  # a path with spaces stays one word
    piped = f"12 15\t20\n# a comment\n{path}\n"
    ok(cli(db, "playlists", "add", "Piped", "-", "--create", input=piped))
    ok(cli(db, "crates", "add", "Piped", "-", "--create", input=piped))
    ok(cli(db, "tracks", "hide", "-", input="12 15 20\n"))
    entries = conn.execute(
        "SELECT track_id FROM PlaylistTracks JOIN Playlists p ON p.id = playlist_id"
        " WHERE p.name = 'Piped' ORDER BY PlaylistTracks.position"
    ).fetchall()
    assert [t for (t,) in entries] == [12, 15, 20, 2]
    members = conn.execute(
        "SELECT track_id FROM crate_tracks JOIN crates c ON c.id = crate_id WHERE c.name = 'Piped'"
    ).fetchall()
    assert sorted(t for (t,) in members) == [2, 12, 15, 20]
    hidden = conn.execute("SELECT id FROM library WHERE mixxx_deleted = 1 AND id IN (12, 15, 20)")
    assert len(hidden.fetchall()) == 3
    conn.close()
    # A line that is not all ids is one path.
    one_error(cli(db, "crates", "add", "Piped", "-", input="12 x15\n"), "12 x15: no track")


def test_added_after_reads_dates_as_the_search_term_added_does(db: Path) -> None:
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE library SET datetime_added = ? WHERE id IN (3, 7)", (recent,))
    conn.close()

    def ids(*argv: str) -> list[str]:
        return ok(cli(db, "tracks", *argv, "-f", "ids")).stdout.split()

    assert ids("list", "--added-after", "lastweek") == ["3", "7"]
    assert ids("search", "added:lastweek") == ["3", "7"]
    assert ids("list", "--added-after", "lastyear") == ids("search", "added:lastyear")
    for date in ("2024", "2024-05", "2024-05-17"):
        after, before = ids("list", "--added-after", date), ids("list", "--added-before", date)
        assert after == ids("search", f"added:>={date}"), date
        assert before == ids("search", f"added:<{date}"), date
        assert after and before, date
    one_error(cli(db, "tracks", "list", "--added-after", "soon"), "--added-after DATE", "'soon'")
