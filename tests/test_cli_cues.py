"""``cues`` and ``info``/``check`` on the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from cli_support import ok
from cli_support import one_error
from cli_support import parsed
from cli_support import run
from cli_support import sample_library
from cli_support import sha256


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


def test_set_list_and_delete_a_hotcue_in_seconds(db: Path) -> None:
    ok(
        run(
            db, "cues", "set", "3", "12.5", "--hotcue", "4", "--label", "Drop", "--color", "#FF0000"
        )
    )
    cues = parsed(run(db, "cues", "list", "3", "--format", "json"))
    cue = next(c for c in cues if c["hotcue"] == 4)
    assert (cue["position"], cue["label"], cue["color"], cue["type_name"]) == (
        12.5, "Drop", "#FF0000", "hotcue",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(ok(run(db, "cues", "list", "3", "-f", "csv")).stdout)))
    assert any(r["label"] == "Drop" for r in rows)
    assert "Drop" in ok(run(db, "cues", "list", "3")).stdout
    ok(run(db, "cues", "delete", "3", "--hotcue", "4"))
    assert all(c["hotcue"] != 4 for c in parsed(run(db, "cues", "list", "3", "-f", "json")))


def test_main_cue_dry_run_changes_nothing(db: Path) -> None:
    before = sha256(db)
    result = ok(run(db, "cues", "set", "3", "1.25", "--main", "--dry-run"))
    assert result.stdout.strip() and sha256(db) == before


def test_bad_hotcue_number_is_one_error(db: Path) -> None:
    before = sha256(db)
    one_error(run(db, "cues", "set", "3", "1", "--hotcue", "99"), "99")
    one_error(run(db, "cues", "list", "99999"), "99999")
    assert sha256(db) == before


def test_info_and_check_as_json(db: Path) -> None:
    info = parsed(run(db, "info", "--format", "json"))
    assert info["verdict"] == "read-write" and info["tracks"] > 0
    check = parsed(run(db, "check", "--format", "json"))
    assert check["path"] == str(db)


def test_help_of_every_group_works(db: Path) -> None:
    for group in ("", "tracks", "playlists", "crates", "cues"):
        result = ok(run(None, *([group] if group else []), "--help"))
        assert "Usage" in result.stdout


def test_an_option_set_does_not_use_is_an_error(db: Path) -> None:
    """--replace is for hotcues: with --main it is refused, not ignored (issue 20)."""
    result = run(db, "cues", "set", "3", "1.25", "--main", "--replace")
    assert result.exit_code == 2 and "--replace applies to hotcues only" in result.stderr
