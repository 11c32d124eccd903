"""Export to a rekordbox XML or Traktor NML file, import the file into a copy whose cues,
grids, keys, ratings, play counts and playlists were removed: everything comes back.

The whole way through the files and the public functions (``export_rekordbox`` …
``import_traktor``), on a library with every kind of cue, loop and grid (a constant grid
and a beat map with a tempo change), in both Unicode forms of its paths.
"""

from __future__ import annotations

import shutil
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from test_interop_mixxx import _build
from test_interop_mixxx import _close
from test_interop_mixxx import _cue_rows
from test_interop_mixxx import _export
from test_interop_mixxx import _playlists
from test_interop_mixxx import _same_cues
from test_interop_mixxx import _strip
from test_interop_mixxx import _tracks_equal

import mixxx_peewee as m

EXPORTS = {"rekordbox": m.export_rekordbox, "traktor": m.export_traktor}
IMPORTS = {"rekordbox": m.import_rekordbox, "traktor": m.import_traktor}


def _to_form(path: Path, form: str) -> None:
    """Every stored path of the library in Unicode ``form``."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, location, directory, filename FROM track_locations").fetchall()
    conn.executemany(
        "UPDATE track_locations SET location = ?, directory = ?, filename = ? WHERE id = ?",
        [(*(unicodedata.normalize(form, v) for v in r[1:]), r[0]) for r in rows],  # type: ignore[arg-type]
    )
    conn.commit()
    conn.close()


def _carried(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Cue rows as both formats can carry them: an intro is its start, an outro its end (a
    fade-in and a fade-out mark are single points; docs/interop.md)."""
    out = []
    for kind, hotcue, label, color, position, length in rows:  # type: ignore[misc]
        if kind == 6:
            length = 0.0
        elif kind == 7:
            end = float(position) + float(length) if float(position) >= 0 else float(length)  # type: ignore[arg-type]
            position, length = end, 0.0
        out.append((kind, hotcue, label, color, position, length))
    return out


def _visible(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    ids = {
        r[0] for r in conn.execute("SELECT id FROM library WHERE coalesce(mixxx_deleted, 0) = 0")
    }
    conn.close()
    return ids


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize("fmt", ["rekordbox", "traktor"])
def test_everything_comes_back_through_the_file(tmp_path: Path, fmt: str, form: str) -> None:
    source = _build(tmp_path / "source.sqlite")
    _to_form(source, form)
    target = tmp_path / "target.sqlite"
    shutil.copy2(source, target)
    _strip(target)
    exchange = tmp_path / f"library.{fmt}"
    with m.open_library(source, readonly=True):
        report = EXPORTS[fmt](exchange)
    assert report.tracks and report.hot_cues and report.loops and report.grids
    with m.open_library(target, journal_mode="keep", auto_backup=False):
        result = IMPORTS[fmt](exchange, cues="replace", force=True)
        imported = result.value
        assert imported.matched == report.tracks and not imported.not_found
    visible = _visible(source)  # an export takes the visible tracks
    before = {k: _carried(v) for k, v in _cue_rows(source).items() if k in visible}
    after = {k: _carried(v) for k, v in _cue_rows(target).items() if k in visible}
    assert before.keys() == after.keys()
    for track in before:
        assert _same_cues(before[track], after[track]), (fmt, track, before[track], after[track])
    exported, _ = _export(source)
    again, _ = _export(target)
    for a, b in zip(exported.tracks, again.tracks, strict=True):
        if a.key in visible:
            if fmt == "traktor":  # Traktor's grid marker has no place in the bar: a downbeat
                for tempo in (*a.tempos, *b.tempos):
                    tempo.beat_in_bar = 1
            _tracks_equal(a, b)
    lists = _playlists(target)
    for name, entries in _playlists(source).items():
        assert lists[name] == [t for t in entries if t in visible]
    _close()


def test_an_import_is_taken_back_by_undo(tmp_path: Path) -> None:
    source = _build(tmp_path / "source.sqlite")
    target = tmp_path / "target.sqlite"
    shutil.copy2(source, target)
    _strip(target)
    exchange = tmp_path / "library.xml"
    with m.open_library(source, readonly=True):
        m.export_rekordbox(exchange)
    stripped = _cue_rows(target)
    with m.open_library(target, journal_mode="keep", auto_backup=False):
        m.import_rekordbox(exchange, force=True)
        assert _cue_rows(target) != stripped
        change = m.list_changes()[0]
        assert change.operation == "import_rekordbox"
        m.undo_change(change.id, force=True)
    assert _cue_rows(target) == stripped
