"""The Mixxx invariants every write must keep, checked with raw sqlite3 (shared by tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def check_invariants(path: Path) -> None:
    """Integrity and the Mixxx invariants every write must keep."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        bad = conn.execute(
            "SELECT playlist_id FROM PlaylistTracks GROUP BY playlist_id "
            "HAVING min(position) != 1 OR max(position) != count(*) "
            "OR count(DISTINCT position) != count(*)"
        ).fetchall()
        assert bad == [], f"playlists with broken positions: {bad}"
        assert (
            conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM crate_tracks "
                "GROUP BY crate_id, track_id HAVING count(*) > 1)"
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM library LEFT JOIN track_locations "
                "ON library.location = track_locations.id WHERE track_locations.id IS NULL"
            ).fetchone()[0]
            == 0
        )
        # The three path columns move together.
        assert (
            conn.execute(
                "SELECT count(*) FROM track_locations"
                " WHERE location != directory || '/' || filename"
            ).fetchone()[0]
            == 0
        )
    finally:
        conn.close()
