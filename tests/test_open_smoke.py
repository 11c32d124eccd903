"""Smoke tests: every fixture opens; ``info`` and ``check`` on good and broken files."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import copy_fixture
from typer.testing import CliRunner

import mixxx_peewee
from mixxx_peewee import Track
from mixxx_peewee import Verdict
from mixxx_peewee.cli import app


def test_every_replayed_revision_opens_read_write(replay_db: Path) -> None:
    with mixxx_peewee.open_library(replay_db) as library:
        assert library.schema.verdict is Verdict.READ_WRITE
        assert library.schema.matched_revision == library.schema.version
        assert list(Track.select()) == []


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _sample(tmp_path: Path) -> Path:
    return copy_fixture("sample/mixxxdb.sqlite", tmp_path)


def test_info_on_the_sample_prints_the_summary_and_changes_nothing(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = _run("info", "--db", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    for words in ("schema_version", "39", "read-write", "journal_mode", "delete", "tracks"):
        assert words in result.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["mixxxdb.sqlite"]


def test_info_json_counts_visible_tracks_playlists_and_crates(tmp_path: Path) -> None:
    result = _run("info", "--db", str(_sample(tmp_path)), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "read-write"
    assert (data["schema_version"], data["matched_revision"]) == (39, 39)
    assert (data["tracks"], data["playlists"], data["crates"]) == (279, 6, 8)
    assert data["hidden_tracks"] == 21


def test_check_on_the_sample_exits_zero(tmp_path: Path) -> None:
    result = _run("check", "--db", str(_sample(tmp_path)))
    assert result.exit_code == 0
    assert "verdict: read-write" in result.stdout


def test_check_on_a_refused_file_reports_and_exits_one(tmp_path: Path) -> None:
    path = copy_fixture("schema-replay/rev39.sqlite", tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE settings SET value = '20' WHERE name = 'mixxx.schema.version'")
    conn.close()
    result = _run("check", "--db", str(path))
    assert result.exit_code == 1
    assert "verdict: refuse" in result.stdout
    assert result.stderr == ""


def test_check_on_a_newer_file_allows_limited_writes(tmp_path: Path) -> None:
    path = copy_fixture("schema-replay/rev40.sqlite", tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE settings SET value = '41' WHERE name = 'mixxx.schema.version'")
    conn.close()
    result = _run("check", "--db", str(path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["verdict"] == "limited-write"


@pytest.mark.parametrize("command", ["info", "check"])
@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", "no such file"),
        ("text", "not a SQLite database"),
        ("empty", "empty file"),
        ("other-program", "not a Mixxx database"),
    ],
)
def test_broken_files_give_one_error_line_and_exit_one(
    command: str, kind: str, words: str, tmp_path: Path
) -> None:
    path = tmp_path / "mixxxdb.sqlite"
    if kind == "text":
        path.write_text("hello\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other-program":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        conn.close()
    result = _run(command, "--db", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}") and words in lines[0]
