"""The original design's API (mixxx_peewee.compat) runs a script written for it unchanged."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import copy_fixture

SCRIPT = Path(__file__).with_name("original_api_script.py")


def test_a_script_written_for_the_original_api_runs(tmp_path: Path) -> None:
    db_path = copy_fixture("sample/mixxxdb.sqlite", tmp_path)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MIXXX_PEEWEE_AUTO_BACKUP": "0", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    house = [row[0] for row in report["house"]]
    assert len(house) == 5
    assert all(120 <= row[2] <= 130 for row in report["house"])
    assert report["by_location"] == house[0]
    assert report["unknown_id"] is None
    assert report["entry"] == [1, house[3]]
    assert report["playlist"] == [[1, house[3]], [2, house[0]], [3, house[1]], [4, house[2]]]
    assert report["removed"] is True
    assert report["removed_again"] is False
    assert report["playlist_after"] == [[1, house[3]], [2, house[1]], [3, house[2]]]
    assert "Friday set" in report["playlists"]
    assert report["crate_added"] == [True] * 5
    assert report["crate_again"] is False
    assert report["crate_removed"] is True
    assert sorted(report["crate_tracks"]) == sorted(set(house) - {house[1]})
    assert "Peak time" in report["crates"]
    assert report["updated"] == [house[0], 5, "warm-up"]

    conn = sqlite3.connect(db_path)
    positions = conn.execute(
        "SELECT pt.position FROM PlaylistTracks pt JOIN Playlists p ON p.id = pt.playlist_id"
        " WHERE p.name = 'Friday set' ORDER BY pt.position"
    ).fetchall()
    assert [p[0] for p in positions] == [1, 2, 3]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
