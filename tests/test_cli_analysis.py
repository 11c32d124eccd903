"""``check --analysis`` / ``check --fix``: columns that disagree with the grid and key map."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cli_support import FIXTURES
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import run
from cli_support import sample_library
from cli_support import sha256

ANALYSED = FIXTURES / "real-mixxx-analysis" / "2.3.3" / "mixxxdb.sqlite"


def _edited_behind_the_grid(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(ANALYSED, path)
    conn = sqlite3.connect(path)
    track_id = conn.execute("SELECT min(id) FROM library WHERE beats IS NOT NULL").fetchone()[0]
    conn.execute("UPDATE library SET bpm = 99.5 WHERE id = ?", (track_id,))
    conn.commit()
    conn.close()
    return path, track_id


def test_check_analysis_lists_a_column_that_disagrees_and_exits_1(tmp_path: Path) -> None:
    path, track_id = _edited_behind_the_grid(tmp_path)
    result = run(path, "check", "--analysis")
    assert result.exit_code == 1
    assert f"track {track_id}: bpm 99.5" in result.stdout
    as_json = run(path, "check", "--analysis", "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert [m["track_id"] for m in data["analysis_mismatches"]] == [track_id]


def test_the_sample_library_is_consistent(tmp_path: Path) -> None:
    # Its key maps say "Bb" where the column said "B♭": one key, and now one spelling.
    result = ok(cli(sample_library(tmp_path), "check", "--analysis"))
    assert "analysis: 0 bpm/key column(s) disagree" in result.stdout


def test_check_fix_dry_run_writes_nothing(tmp_path: Path) -> None:
    path, track_id = _edited_behind_the_grid(tmp_path)
    before = sha256(path)
    result = ok(run(path, "check", "--fix", "--dry-run"))
    assert f"track {track_id}: bpm 99.5 -> " in result.stdout
    assert sha256(path) == before


def test_check_fix_makes_the_column_follow_the_grid(tmp_path: Path) -> None:
    path, track_id = _edited_behind_the_grid(tmp_path)
    ok(run(path, "check", "--fix"))
    ok(run(path, "check", "--analysis"))
    conn = sqlite3.connect(path)
    bpm = conn.execute("SELECT bpm FROM library WHERE id = ?", (track_id,)).fetchone()[0]
    conn.close()
    assert bpm != 99.5


def test_plain_check_does_not_decode_blobs(tmp_path: Path) -> None:
    path, _ = _edited_behind_the_grid(tmp_path)
    assert ok(run(path, "check")).stdout.count("analysis") == 0


def _analysed_copy(tmp_path: Path, version: str = "2.5.0") -> Path:
    path = tmp_path / "mixxxdb.sqlite"
    shutil.copy2(FIXTURES / "real-mixxx-analysis" / version / "mixxxdb.sqlite", path)
    return path


def test_tracks_show_prints_the_grid_and_the_key_map(tmp_path: Path) -> None:
    path = _analysed_copy(tmp_path)
    shown = ok(run(path, "tracks", "show", "1")).stdout
    assert "grid 120 BPM, first beat at 0.488 s" in shown
    assert "Am from analyzer" in shown
    data = json.loads(ok(run(path, "tracks", "show", "1", "--format", "json")).stdout)
    assert data["grid"]["bpm"] == 120.0 and data["grid"]["kind"] == "grid"
    assert data["keymap"]["key_id"] == 22


def test_tracks_bpm_scale_dry_run_shows_old_and_new_and_writes_nothing(tmp_path: Path) -> None:
    path = _analysed_copy(tmp_path)
    before = sha256(path)
    result = ok(run(path, "tracks", "bpm", "1", "2", "--scale", "double", "--dry-run"))
    assert "track 1: bpm 120 -> 240" in result.stdout
    assert "track 2: bpm 128 -> 256" in result.stdout
    assert sha256(path) == before


def test_tracks_bpm_scale_rewrites_the_grid_mixxx_loads(tmp_path: Path) -> None:
    path = _analysed_copy(tmp_path, "2.3.3")
    before = json.loads(ok(run(path, "tracks", "show", "2", "--format", "json")).stdout)
    ok(run(path, "tracks", "bpm", "2", "--scale", "3/4"))
    data = json.loads(ok(run(path, "tracks", "show", "2", "--format", "json")).stdout)
    assert data["grid"]["bpm"] == before["grid"]["bpm"] * 3 / 4 == data["bpm"]
    assert data["grid"]["first_beat_frame"] == before["grid"]["first_beat_frame"]


def test_tracks_bpm_refuses_a_factor_mixxx_does_not_offer(tmp_path: Path) -> None:
    path = _analysed_copy(tmp_path)
    before = sha256(path)
    result = run(path, "tracks", "bpm", "1", "--scale", "5")
    assert result.exit_code == 1 and "x2, 1/2" in result.stderr
    assert sha256(path) == before


def test_tracks_edit_bpm_rewrites_the_grid_too(tmp_path: Path) -> None:
    path = _analysed_copy(tmp_path)
    ok(run(path, "tracks", "edit", "1", "--bpm", "126.5"))
    data = json.loads(ok(run(path, "tracks", "show", "1", "--format", "json")).stdout)
    assert data["grid"]["bpm"] == 126.5 and data["bpm"] == 126.5


def test_iter_tracks_decodes_grid_columns_only_when_asked(tmp_path: Path) -> None:
    import mixxx_peewee as mp

    path = _analysed_copy(tmp_path)
    with mp.open_library(path, readonly=True):
        rows = list(mp.iter_tracks(columns=["id", "grid_bpm", "first_beat", "key_source"]))
        plain = next(mp.iter_tracks())
    assert [r["grid_bpm"] for r in rows] == [120.0, 128.0, 87.0, 100.0]
    assert rows[0]["first_beat"] > 0 and rows[3]["key_source"] == "file tags"
    assert list(rows[0]) == ["id", "grid_bpm", "first_beat", "key_source"]
    assert "grid_bpm" not in plain and "beats" in plain


@pytest.mark.parametrize(
    "blob",
    [b"\x0a", b"\xff" * 40, b"\x0a\x09\x09" + b"\x00" * 3, bytes(range(256))],
    ids=["truncated", "garbage", "short-double", "random"],
)
def test_a_broken_grid_is_shown_refused_and_reported_never_a_traceback(
    tmp_path: Path, blob: bytes
) -> None:
    path = _analysed_copy(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE library SET beats = ?, keys = ? WHERE id = 1", (blob, blob))
    conn.commit()
    conn.close()
    before = _library_rows(path)
    shown = ok(run(path, "tracks", "show", "1")).stdout
    assert "beat grid               none (" in shown
    for args in (("tracks", "edit", "1", "--bpm", "130"), ("tracks", "edit", "1", "--key", "Am")):
        refused = run(path, *args)
        assert refused.exit_code == 1, refused.stdout
        assert refused.stderr.count("\n") == 1 and "replace-invalid" in refused.stderr.replace(
            "_", "-"
        )
    one_error(run(path, "tracks", "bpm", "1", "--scale", "double"), "does not decode")
    assert _library_rows(path) == before
    listed = ok(run(path, "tracks", "list", "--columns", "id,grid_bpm", "--format", "jsonl"))
    assert '{"id": 1, "grid_bpm": null}' in listed.stdout
    ok(run(path, "tracks", "edit", "1", "--bpm", "130", "--replace-invalid"))
    data = json.loads(ok(run(path, "tracks", "show", "1", "--format", "json")).stdout)
    assert data["grid"]["bpm"] == 130.0


def _library_rows(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM library ORDER BY id").fetchall()
    finally:
        conn.close()


def _row(path: Path, sql: str, track_id: int) -> tuple[object, ...]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(sql, (track_id,)).fetchone())
    finally:
        conn.close()


_GRID_SQL = "SELECT beats, beats_version, beats_sub_version, bpm FROM library WHERE id = ?"
_KEY_SQL = "SELECT keys, keys_version, keys_sub_version, key, key_id FROM library WHERE id = ?"


def test_scaling_a_bpm_without_a_grid_makes_the_grid_editing_makes(tmp_path: Path) -> None:
    # Track 3 of the sample: bpm 85.18, no beats blob.
    scaled = sample_library(tmp_path / "scaled")
    typed = sample_library(tmp_path / "typed")
    result = ok(cli(scaled, "tracks", "bpm", "3", "--scale", "double"))
    assert "track 3: bpm 85.18 -> 170.36" in result.stdout + result.stderr
    ok(cli(typed, "tracks", "edit", "3", "--bpm", str(85.18 * 2)))
    assert _row(scaled, _GRID_SQL, 3) == _row(typed, _GRID_SQL, 3)
    assert _row(scaled, _GRID_SQL, 3)[1] == "BeatGrid-2.0"


def test_a_scale_that_cannot_be_made_is_one_error_and_changes_nothing(tmp_path: Path) -> None:
    path = sample_library(tmp_path)  # track 2: no beats and no BPM
    before = sha256(path)
    one_error(cli(path, "tracks", "bpm", "2", "--scale", "double"), "nothing to scale", "no BPM")
    assert sha256(path) == before


def test_a_locked_bpm_names_unlock_never_force(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    ok(cli(path, "tracks", "edit", "1", "--bpm-lock"))
    before = sha256(path)
    line = one_error(cli(path, "tracks", "edit", "1", "--bpm", "130"), "locked", "--unlock")
    assert "force" not in line
    line = one_error(cli(path, "tracks", "bpm", "1", "--scale", "double"), "--unlock")
    assert "force" not in line
    assert sha256(path) == before
    ok(cli(path, "tracks", "edit", "1", "--bpm", "130", "--unlock"))
    ok(cli(path, "tracks", "bpm", "1", "7", "--scale", "double", "--unlock"))
    assert _row(path, _GRID_SQL, 1)[3] == 260.0


def test_tracks_edit_bpm_empty_clears_the_bpm_and_the_grid(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    assert _row(path, _GRID_SQL, 1)[0] is not None
    said = ok(cli(path, "tracks", "edit", "1", "--bpm", "")).stderr
    assert _row(path, _GRID_SQL, 1) == (None, None, None, 0.0)
    # The change lines say what is stored now: no blob, not an empty one.
    assert "beats_version 'BeatGrid-2.0' -> none" in said and "bytes> -> none" in said
    shown = json.loads(ok(cli(path, "tracks", "show", "1", "--format", "json")).stdout)
    assert shown["grid"] is None and shown["bpm"] == 0.0
    one_error(cli(path, "tracks", "edit", "1", "--bpm", "fast"), "bpm must be a number")


def test_tracks_edit_key_empty_clears_the_key_and_the_key_map(tmp_path: Path) -> None:
    path = sample_library(tmp_path)
    assert _row(path, _KEY_SQL, 1)[0] is not None
    ok(cli(path, "tracks", "edit", "1", "--key", ""))
    assert _row(path, _KEY_SQL, 1) == (None, None, None, "", 0)
    shown = json.loads(ok(cli(path, "tracks", "show", "1", "--format", "json")).stdout)
    assert shown["keymap"] is None


def test_tracks_show_prints_the_main_cue_as_a_time(tmp_path: Path) -> None:
    # Track 19 of the sample: cuepoint 1393383.6 engine samples at 44.1 kHz = 15.798 s.
    shown = ok(cli(sample_library(tmp_path), "tracks", "show", "19")).stdout
    line = next(line for line in shown.splitlines() if line.startswith("cuepoint "))
    assert line.split() == ["cuepoint", "0:15.798"]


def test_tracks_list_shows_the_main_cue_as_a_time_without_the_rate_column(
    tmp_path: Path,
) -> None:
    # The sample rate that makes the cue a time is read, not shown.
    table = ok(cli(sample_library(tmp_path), "tracks", "search", "id:19", "--columns",
                   "id,cuepoint", "-f", "table")).stdout  # fmt: skip
    assert table.splitlines()[0].split() == ["id", "cuepoint"]
    assert table.splitlines()[2].split() == ["19", "0:15.798"]
