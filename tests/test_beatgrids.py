"""analysis.grids: BPM and key edits Mixxx really uses, and columns checked against blobs.

Ground truth: the grids and key maps real Mixxx 2.3.3 and 2.5.0 wrote
(fixtures/real-mixxx-analysis/); bigger libraries are sample libraries whose placeholder
``beats`` are replaced by real grid blobs first.
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture
from doc_pages import doc_text

import mixxx_peewee
from mixxx_peewee.analysis.codec import BEAT_GRID_1
from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import BEAT_MAP
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import SOURCE_USER
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import BeatMap
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.codec import encode_beat_grid
from mixxx_peewee.analysis.codec import encode_beat_map
from mixxx_peewee.analysis.codec import encode_key_map
from mixxx_peewee.analysis.grids import bpm_edit
from mixxx_peewee.analysis.grids import key_edit
from mixxx_peewee.analysis.grids import mixxx_generation
from mixxx_peewee.analysis.grids import parse_scale_factor
from mixxx_peewee.analysis.grids import scale_bpm
from mixxx_peewee.analysis.report import analysis_report
from mixxx_peewee.analysis.report import repair_analysis
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.lookup import tracks_by_ids
from mixxx_peewee.models import Track
from mixxx_peewee.testing import make_sample_library
from mixxx_peewee.tracks.edits import update_track

GENERATIONS = {"2.3.3": (32, "2.3"), "2.5.0": (39, "2.4")}
# Track ids in the fixtures: 2.3.3 1 tagged, 2 120, 3 87, 4 128; 2.5.0 1 120, 2 128, 3 87, 4 tagged.
GRID_TRACK = {"2.3.3": 2, "2.5.0": 1}  # the 120 BPM analysed grid
TAG_TRACK = {"2.3.3": 1, "2.5.0": 4}
FIRST_BEAT = {"2.3.3": 21518, "2.5.0": 21519}
SUB_VERSION = "rounding=V4|vamp_plugin_id=qm-tempotracker:0"


@pytest.fixture(autouse=True)
def _no_mixxx() -> Iterator[None]:
    """No Mixxx is running, whatever runs on this machine (tests set one when they need it)."""
    previous = set_mixxx_detector(lambda path: [])
    yield
    set_mixxx_detector(previous)


def mixxx_is_running() -> None:
    set_mixxx_detector(lambda path: [MixxxProcess(4242, True)])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path: Path, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def open_db(path: Path) -> None:
    mixxx_peewee.open_library(path, journal_mode="keep", auto_backup=False)


@pytest.fixture(params=sorted(GENERATIONS))
def real(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """Each real-Mixxx analysis fixture, copied and opened (journal mode kept)."""
    label = request.param
    path = copy_fixture(f"real-mixxx-analysis/{label}/mixxxdb.sqlite", tmp_path)
    open_db(path)
    return label, path


def track(track_id: int) -> Track:
    return tracks_by_ids([track_id])[track_id]


def with_columns(track_id: int, **columns: Any) -> Track:
    """The track, with some columns changed in memory (the planners are pure)."""
    found = track(track_id)
    for name, value in columns.items():
        setattr(found, name, value)
    return found


# --- reading ------------------------------------------------------------------------------


def test_the_file_revision_picks_the_generation(real: tuple[str, Path]) -> None:
    label, _ = real
    revision, generation = GENERATIONS[label]
    assert mixxx_peewee.current_library().schema.version == revision
    assert mixxx_generation() == generation
    assert mixxx_generation(24) == "2.3" and mixxx_generation(33) == "2.4"


def test_grids_and_key_maps_of_the_fixture_tracks(real: tuple[str, Path]) -> None:
    label, _ = real
    analysed = track(GRID_TRACK[label])
    grid = analysed.grid
    assert isinstance(grid, BeatGrid)
    assert (grid.bpm, grid.first_beat_frame) == (120.0, FIRST_BEAT[label])
    keymap = analysed.keymap
    assert keymap is not None and keymap.key_id == 22  # Am
    assert keymap.global_key_text == (None if label == "2.3.3" else "Am")


@pytest.mark.parametrize(
    ("version", "blob", "reason"),
    [
        (None, None, "no beats blob"),
        (BEAT_GRID_2, b"", "no beats blob"),
        (BEAT_GRID_2, b"\x0a\xff", "not a BeatGrid message"),
        ("BeatGrid-3.0", encode_beat_grid(120, 0), "unknown beats_version"),
    ],
)
def test_an_absent_or_corrupt_grid_gives_a_reason(
    real: tuple[str, Path], version: str | None, blob: bytes | None, reason: str
) -> None:
    decoded = with_columns(1, beats_version=version, beats=blob).decoded_grid()
    assert decoded.value is None and reason in decoded.reason


def test_a_track_without_analysis_columns_loaded_decodes_as_absent() -> None:
    bare = Track(id=5)
    assert not bare.decoded_grid() and not bare.decoded_keymap()


# --- typing a BPM -------------------------------------------------------------------------


def test_typing_a_bpm_keeps_the_first_beat_and_the_sub_version(real: tuple[str, Path]) -> None:
    label, _ = real
    values = bpm_edit(track(GRID_TRACK[label]), 126.5)
    assert set(values) == {"beats", "beats_version", "beats_sub_version", "bpm"}
    assert values["beats_version"] == BEAT_GRID_2
    assert values["beats_sub_version"] == SUB_VERSION  # Beats::trySetBpm keeps m_subVersion
    assert values["bpm"] == 126.5
    grid = decode_beats(BEAT_GRID_2, values["beats"]).value  # type: ignore[arg-type]
    assert grid == BeatGrid(126.5, FIRST_BEAT[label])


def test_typing_a_bpm_in_23_keeps_fields_another_writer_set(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-analysis/2.3.3/mixxxdb.sqlite", tmp_path)
    sourced = BeatGrid(120.0, 500, bpm_source=SOURCE_USER).encode()
    raw(path, "UPDATE library SET beats = ? WHERE id = 2", (sourced,))
    open_db(path)
    grid = decode_beats(BEAT_GRID_2, bpm_edit(track(2), 90.0)["beats"])  # type: ignore[arg-type]
    assert grid.value is not None and grid.value.source == SOURCE_USER  # type: ignore[union-attr]
    fresh = bpm_edit(track(2), 90.0, revision=39)["beats"]
    assert fresh == encode_beat_grid(90.0, 500)  # 2.4+ writes a fresh message


def test_a_track_without_beats_gets_a_grid_at_its_main_cue(real: tuple[str, Path]) -> None:
    bare = with_columns(1, beats=None, beats_version=None, beats_sub_version=None, cuepoint=88201.0)
    values = bpm_edit(bare, 128)
    assert values["beats"] == encode_beat_grid(128.0, 44100)  # cuepoint is stereo samples
    assert values["beats_sub_version"] == ""
    no_cue = with_columns(1, beats=None, beats_version=None, cuepoint=None)
    assert bpm_edit(no_cue, 128)["beats"] == encode_beat_grid(128.0, 0)


def test_a_new_grid_needs_a_sample_rate(real: tuple[str, Path]) -> None:
    bare = with_columns(1, beats=None, beats_version=None, samplerate=0)
    with pytest.raises(ValidationError, match="sample rate"):
        bpm_edit(bare, 128)


def test_a_beat_map_becomes_a_grid_at_its_first_beat_in_24_only(real: tuple[str, Path]) -> None:
    label, _ = real
    mapped = with_columns(2, beats=encode_beat_map([1000, 23050, 45100]), beats_version=BEAT_MAP)
    if label == "2.3.3":
        with pytest.raises(ValidationError, match=r"2\.3 cannot set its BPM"):
            bpm_edit(mapped, 120)
        values = bpm_edit(mapped, 120, convert_map=True)
    else:
        values = bpm_edit(mapped, 120)
    assert values["beats"] == encode_beat_grid(120.0, 1000)
    assert values["beats_version"] == BEAT_GRID_2


def test_a_locked_bpm_is_refused_unless_unlocked(real: tuple[str, Path]) -> None:
    locked = with_columns(2, bpm_lock=1)
    with pytest.raises(LockedError, match="locked") as refused:
        bpm_edit(locked, 100)
    assert "unlock=True changes it" in str(refused.value) and "force" not in str(refused.value)
    assert bpm_edit(locked, 100, unlock=True)["bpm"] == 100.0
    # Nothing to protect without beats: the typed BPM makes the first grid.
    assert bpm_edit(with_columns(2, bpm_lock=1, beats=None, beats_version=None), 100)


@pytest.mark.parametrize(
    ("version", "blob"),
    [
        (BEAT_GRID_2, b"\x0a\xff\xff"),  # corrupt
        (BEAT_GRID_2, os.urandom(0) + bytes(range(7, 40))),  # random bytes
        ("BeatGrid-9.9", encode_beat_grid(120, 0)),  # wrong version
        (None, encode_beat_grid(120, 0)),  # no version
    ],
)
def test_an_undecodable_grid_is_refused_unless_replaced(
    real: tuple[str, Path], version: str | None, blob: bytes
) -> None:
    if decode_beats(version, blob):
        pytest.skip("these bytes happen to decode")
    bad = with_columns(2, beats=blob, beats_version=version, cuepoint=0.0)
    with pytest.raises(ValidationError, match="replace_invalid"):
        bpm_edit(bad, 100)
    assert bpm_edit(bad, 100, replace_invalid=True)["beats"] == encode_beat_grid(100.0, 0)


def test_an_empty_blob_is_no_grid(real: tuple[str, Path]) -> None:
    empty = with_columns(2, beats=b"", cuepoint=0.0)
    assert bpm_edit(empty, 100)["beats"] == encode_beat_grid(100.0, 0)


@pytest.mark.parametrize("bpm", [0, -5, math.nan, math.inf, 501, "120", True, None])
def test_a_bpm_must_be_a_positive_number(real: tuple[str, Path], bpm: Any) -> None:
    with pytest.raises(ValidationError, match="bpm"):
        bpm_edit(track(2), bpm)


def test_a_grid_with_an_invalid_bpm(real: tuple[str, Path]) -> None:
    label, _ = real
    zero = with_columns(2, beats=encode_beat_grid(0.0, 777), cuepoint=0.0)
    first = 777 if label == "2.3.3" else 0  # 2.4+ does not load it: a new grid at the cue
    assert bpm_edit(zero, 100)["beats"] == encode_beat_grid(100.0, first)


# --- typing a key -------------------------------------------------------------------------


def test_typing_a_key_writes_a_user_key_map_per_generation(real: tuple[str, Path]) -> None:
    label, _ = real
    values = key_edit(track(2), "F#m")
    assert values["keys_version"] == KEY_MAP and values["keys_sub_version"] == ""
    assert values["key_id"] == 19
    keymap = decode_keys(KEY_MAP, values["keys"]).value  # type: ignore[arg-type]
    assert keymap is not None and keymap.key_id == 19 and keymap.source == SOURCE_USER
    assert keymap.key_changes == ()
    if label == "2.3.3":
        assert keymap.global_key_text is None and values["key"] == "F♯m"
    else:
        assert keymap.global_key_text == "F#m" and values["key"] == "F#m"


def test_23_writes_the_key_in_the_notation_the_column_shows(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-analysis/2.3.3/mixxxdb.sqlite", tmp_path)
    open_db(path)
    assert key_edit(with_columns(2, key="8A"), "Dm")["key"] == "7A"  # Lancelot
    assert key_edit(with_columns(2, key="1m"), "Dm")["key"] == "12m"  # OpenKey
    assert key_edit(with_columns(2, key=None), "Dm")["key"] == "Dm"


def test_a_bad_key_or_corrupt_key_map_is_refused(real: tuple[str, Path]) -> None:
    with pytest.raises(ValidationError, match="not a musical key"):
        key_edit(track(2), "H minor-ish")
    bad = with_columns(2, keys=b"\x0a\xff", keys_version=KEY_MAP)
    with pytest.raises(ValidationError, match="replace_invalid"):
        key_edit(bad, "Am")
    assert key_edit(bad, "Am", replace_invalid=True)["key_id"] == 22
    unknown = with_columns(2, keys_version="KeyMap-2.0")
    with pytest.raises(ValidationError, match="unknown keys_version"):
        key_edit(unknown, "Am")


# --- writing one track --------------------------------------------------------------------


def test_editing_a_track_writes_what_the_planners_say(real: tuple[str, Path]) -> None:
    label, path = real
    tid = GRID_TRACK[label]
    planned = {**bpm_edit(track(tid), 99.5), **key_edit(track(tid), "Eb")}
    result = update_track(tid, bpm=99.5, key="Eb")
    assert result.counts["changed"] >= 4
    mixxx_peewee.current_library().close()
    row = raw(
        path,
        "SELECT beats, beats_version, beats_sub_version, bpm, keys, keys_version,"
        " keys_sub_version, key, key_id FROM library WHERE id = ?",
        (tid,),
    )[0]
    names = ("beats", "beats_version", "beats_sub_version", "bpm", "keys", "keys_version",
             "keys_sub_version", "key", "key_id")  # fmt: skip
    assert dict(zip(names, row, strict=True)) == planned


def test_a_failed_or_dry_edit_leaves_the_file_unchanged(real: tuple[str, Path]) -> None:
    label, path = real
    before = digest(path)
    update_track(GRID_TRACK[label], bpm=90, dry_run=True)
    for call in (
        lambda: update_track(999, bpm=90),
        lambda: update_track(GRID_TRACK[label], bpm=-1),
        lambda: update_track(GRID_TRACK[label], key="nope"),
        lambda: update_track(GRID_TRACK[label]),
    ):
        with pytest.raises((TrackNotFoundError, ValidationError)):
            call()
    mixxx_is_running()
    with pytest.raises(MixxxRunningError):
        update_track(GRID_TRACK[label], bpm=90)
    dry = update_track(GRID_TRACK[label], bpm=90, dry_run=True)
    assert any("would be refused" in n for n in dry.notes)
    assert digest(path) == before


# --- scaling many tracks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "name"),
    [("x2", "double"), (2, "double"), ("double", "double"), ("1/2", "halve"), (0.5, "halve"),
     ("½", "halve"), ("2/3", "two_thirds"), (2 / 3, "two_thirds"), ("3/4", "three_fourths"),
     ("4/3", "four_thirds"), (4 / 3, "four_thirds"), ("3/2", "three_halves"), (1.5, "three_halves"),
     ("three-halves", "three_halves")],
)  # fmt: skip
def test_the_track_menu_factors_by_name_and_number(given: Any, name: str) -> None:
    assert parse_scale_factor(given) == name


@pytest.mark.parametrize("factor", [3, 0.6667, "triple", "", True, 1, -2, math.nan])
def test_other_factors_are_refused(factor: Any) -> None:
    with pytest.raises(ValidationError, match="only by"):
        parse_scale_factor(factor)


def grid_library(tmp_path: Path, *, revision: int = 39, tracks: int = 60) -> Path:
    """A sample library whose tracks hold real blobs: grids, some maps, locked, none, corrupt."""
    path = make_sample_library(
        tmp_path / "mixxxdb.sqlite", revision=revision, tracks=tracks, seed=3
    )
    conn = sqlite3.connect(path)
    with conn:
        rows = []
        for (tid,) in conn.execute("SELECT id FROM library ORDER BY id").fetchall():
            bpm = 100.0 + tid
            kind = tid % 10
            if kind == 1:
                blob, version = encode_beat_map([1000, 23050, 45100]), BEAT_MAP
            elif kind == 2:
                blob, version = None, None
            elif kind == 3:
                blob, version = b"\x0a\xff", BEAT_GRID_2
            else:
                blob, version = encode_beat_grid(bpm, 100 * tid), BEAT_GRID_2
            keys = encode_key_map(tid % 24 + 1, 0)
            rows.append((blob, version, bpm, int(kind == 4), keys, KEY_MAP, tid % 24 + 1, tid))
        conn.executemany(
            "UPDATE library SET beats = ?, beats_version = ?, bpm = ?, bpm_lock = ?, keys = ?,"
            " keys_version = ?, key_id = ? WHERE id = ?",
            rows,
        )
        conn.execute("UPDATE library SET key = NULL")
    conn.close()
    # Key text as Mixxx writes it, so the library starts consistent.
    open_db(path)
    repair_analysis()
    mixxx_peewee.current_library().close()
    return path


def test_scaling_many_tracks_in_one_go(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    open_db(path)
    ids = list(range(1, 61))
    result = scale_bpm(ids, "x2")
    # Tracks with a BPM and no beats (id % 10 == 2) get a grid, as typing the BPM makes.
    assert result.counts == {
        "scaled": 42, "skipped_locked": 6, "skipped_map": 6, "skipped_invalid": 6,
    }  # fmt: skip
    assert "track 5: bpm 105 -> 210" in result.changes
    assert any("locked" in n for n in result.notes)
    mixxx_peewee.current_library().close()
    rows = dict(
        (r[0], r[1:]) for r in raw(path, "SELECT id, bpm, beats_version, beats FROM library")
    )
    assert rows[5][0] == 210.0 and decode_beats(BEAT_GRID_2, rows[5][2]).value == BeatGrid(
        210.0, 500
    )
    assert rows[4][0] == 104.0  # locked: untouched
    assert rows[11][1] == BEAT_MAP  # map: untouched


def test_unlock_scales_locked_tracks_too(tmp_path: Path) -> None:
    path = grid_library(tmp_path, revision=32)
    open_db(path)
    result = scale_bpm([4, 14, 5], 0.5, unlock=True)
    assert result.counts == {"scaled": 3}
    assert result.changes[0] == "track 4: bpm 104 -> 52"


def test_scaling_a_bpm_without_beats_makes_the_grid_typing_it_makes(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    open_db(path)
    tid = 12  # kind 2: bpm 112, no beats
    typed = bpm_edit(track(tid), 224.0)
    assert scale_bpm([tid], "double").counts == {"scaled": 1}
    mixxx_peewee.current_library().close()
    row = raw(path, "SELECT beats, beats_version, beats_sub_version, bpm FROM library"
                    " WHERE id = ?", (tid,))[0]  # fmt: skip
    assert row == (typed["beats"], BEAT_GRID_2, "", 224.0)


def test_a_scale_that_can_change_nothing_is_an_error(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    raw(path, "UPDATE library SET bpm = 0 WHERE id = 22")  # no beats and no BPM
    before = digest(path)
    open_db(path)
    with pytest.raises(LockedError, match="unlock=True"):
        scale_bpm([4, 14], "x2")
    for ids in ([11], [13], [22], [11, 13, 22]):  # a map, a corrupt grid, nothing at all
        with pytest.raises(ValidationError, match="nothing to scale"):
            scale_bpm(ids, "x2", dry_run=True)
    assert digest(path) == before


def test_the_locked_note_names_the_unlock_keyword(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    open_db(path)
    notes = scale_bpm([4, 5], "x2", dry_run=True).notes
    assert "skipped 1 track: their BPM is locked (unlock=True scales them too)" in notes
    assert not any("force" in n for n in notes)


def test_clearing_the_bpm_removes_the_grid_as_mixxx_does(real: tuple[str, Path]) -> None:
    label, path = real
    tid = GRID_TRACK[label]
    result = update_track(tid, bpm=None)
    assert not result.notes or not any("only the" in n for n in result.notes)
    mixxx_peewee.current_library().close()
    assert raw(path, "SELECT beats, beats_version, beats_sub_version, bpm FROM library"
               " WHERE id = ?", (tid,)) == [(None, None, None, 0.0)]  # fmt: skip


def test_clearing_a_locked_bpm_needs_unlock(real: tuple[str, Path]) -> None:
    label, path = real
    tid = GRID_TRACK[label]
    update_track(tid, bpm_lock=True)
    before = digest(path)
    with pytest.raises(LockedError, match="unlock=True clears it"):
        update_track(tid, bpm=None)
    assert digest(path) == before
    update_track(tid, bpm=None, unlock=True)
    assert track(tid).grid is None and track(tid).bpm_lock == 1


@pytest.mark.parametrize("cleared", [None, ""])
def test_clearing_the_key_removes_the_key_map_as_mixxx_does(
    real: tuple[str, Path], cleared: Any
) -> None:
    label, path = real
    tid = GRID_TRACK[label]
    assert track(tid).keymap is not None
    update_track(tid, key=cleared)
    mixxx_peewee.current_library().close()
    assert raw(path, "SELECT keys, keys_version, keys_sub_version, key, key_id FROM library"
               " WHERE id = ?", (tid,)) == [(None, None, None, "", 0)]  # fmt: skip


def test_unknown_ids_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    before = digest(path)
    open_db(path)
    with pytest.raises(TrackNotFoundError, match="no track with id 9001, 9002"):
        scale_bpm([5, 9001, 6, 9002], "x2")
    # A word that is no id is a path (TrackLike); no track has it.
    with pytest.raises(TrackNotFoundError, match="five: no track with that location"):
        scale_bpm([5, "five"], "x2")
    with pytest.raises(ValidationError):
        scale_bpm([5, 2.5], "x2")  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        scale_bpm([5], "x3")
    assert digest(path) == before


def test_a_dry_run_scale_reports_and_writes_nothing(tmp_path: Path) -> None:
    path = grid_library(tmp_path)
    before = digest(path)
    open_db(path)
    result = scale_bpm(range(1, 61), "3/4", dry_run=True)
    assert result.dry_run and result.counts["scaled"] == 42
    mixxx_is_running()
    with pytest.raises(MixxxRunningError):
        scale_bpm([5], "x2")
    assert any("would be refused" in n for n in scale_bpm([5], "x2", dry_run=True).notes)
    assert digest(path) == before
    assert scale_bpm([5], "x2", force=True).counts == {"scaled": 1}


def test_scale_takes_tracks_as_models_ids_or_paths(tmp_path: Path) -> None:
    import mixxx_peewee as mp

    open_db(grid_library(tmp_path))
    tracks = [mp.get_track_by_id(5), mp.get_track_by_id(6)]
    by_id = scale_bpm([5, 6], "x2", dry_run=True).changes
    assert scale_bpm(tracks, "x2", dry_run=True).changes == by_id
    assert scale_bpm([t.path for t in tracks], "x2", dry_run=True).changes == by_id
    assert scale_bpm(tracks[0], "x2", dry_run=True).changes == by_id[:1]


def test_a_grid_changed_by_someone_else_meanwhile_fails_the_whole_scale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mixxx_peewee.analysis.grids as beatgrids

    path = grid_library(tmp_path)
    open_db(path)
    reader = beatgrids._scale_rows

    def then_mixxx_saves(ids: list[int]) -> Any:
        rows = reader(ids)
        raw(path, "UPDATE library SET beats = ? WHERE id = 6", (encode_beat_grid(1.0, 0),))
        return rows

    monkeypatch.setattr(beatgrids, "_scale_rows", then_mixxx_saves)
    before_5 = raw(path, "SELECT bpm, beats FROM library WHERE id = 5")
    with pytest.raises(ValidationError, match="changed while scaling"):
        scale_bpm([5, 6], "x2")
    assert raw(path, "SELECT bpm, beats FROM library WHERE id = 5") == before_5


# --- columns against blobs ----------------------------------------------------------------


def test_a_library_mixxx_wrote_is_consistent(real: tuple[str, Path]) -> None:
    assert analysis_report() == []


def test_columns_edited_behind_the_blobs_back_are_reported_and_repaired(
    real: tuple[str, Path],
) -> None:
    label, path = real
    tid = GRID_TRACK[label]
    mixxx_peewee.current_library().close()
    raw(path, "UPDATE library SET bpm = 140, key = '8A', key_id = 5 WHERE id = ?", (tid,))
    open_db(path)
    found = analysis_report()
    expected = {(tid, "bpm", 120.0), (tid, "key_id", 22)}  # "8A" is Am in Lancelot: fine
    assert {(m.track_id, m.column, m.expected) for m in found} == expected
    assert str(found[0]) == f"track {tid}: bpm 140.0, BeatGrid-2.0 blob says 120.0"
    before = digest(path)
    dry = repair_analysis(dry_run=True)
    assert dry.changes and digest(path) == before
    result = repair_analysis()
    assert result.counts["bpm"] == 1 and result.counts["key_id"] == 1
    assert analysis_report() == []
    mixxx_peewee.current_library().close()
    assert raw(path, "SELECT bpm, key_id FROM library WHERE id = ?", (tid,)) == [(120.0, 22)]


@pytest.mark.parametrize("text", ["1m", "8A", "A minor", "am"])
def test_key_text_naming_the_key_maps_key_in_any_spelling_is_consistent(
    real: tuple[str, Path], text: str
) -> None:
    label, path = real
    mixxx_peewee.current_library().close()
    raw(path, "UPDATE library SET key = ? WHERE id = ?", (text, GRID_TRACK[label]))
    open_db(path)
    assert analysis_report() == []


def test_a_flat_written_as_a_sign_is_the_id3v2_flat(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-analysis/2.5.0/mixxxdb.sqlite", tmp_path)
    raw(path, "UPDATE library SET keys = ?, key = 'B♭', key_id = 11 WHERE id = 1",
        (encode_key_map(11, 0),))  # fmt: skip
    open_db(path)
    assert analysis_report() == []
    raw(path, "UPDATE library SET key = 'B' WHERE id = 1")
    assert [(m.column, m.stored, m.expected) for m in analysis_report()] == [("key", "B", "Bb")]


def test_report_and_repair_of_a_bigger_library(tmp_path: Path) -> None:
    path = grid_library(tmp_path, tracks=3000)
    raw(path, "UPDATE library SET bpm = bpm + 1 WHERE id % 7 = 0")
    raw(path, "UPDATE library SET key = 'C', key_id = 1 WHERE id % 11 = 0 AND key_id != 1")
    open_db(path)
    found = analysis_report()
    bpm_ids = {m.track_id for m in found if m.column == "bpm"}
    # id % 7 == 0 with a usable grid (not map, none, corrupt): the 2.4+ map BPM is compared too
    expected = {i for i in range(7, 3001, 7) if i % 10 not in (2, 3)}
    assert bpm_ids == expected
    assert {m.track_id for m in found if m.column == "key_id"} == {
        i for i in range(11, 3001, 11) if i % 24 + 1 != 1
    }
    repair_analysis()
    assert analysis_report() == []


def test_a_failed_repair_leaves_the_file_unchanged(real: tuple[str, Path]) -> None:
    label, path = real
    mixxx_peewee.current_library().close()
    raw(path, "UPDATE library SET bpm = 1 WHERE id = ?", (GRID_TRACK[label],))
    before = digest(path)
    open_db(path)
    mixxx_is_running()
    with pytest.raises(MixxxRunningError):
        repair_analysis()
    assert digest(path) == before


def test_a_map_reports_the_bpm_24_derives(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-analysis/2.5.0/mixxxdb.sqlite", tmp_path)
    frames = [1000 + 22050 * i for i in range(40)]  # 120 BPM at 44.1 kHz
    raw(path, "UPDATE library SET beats = ?, beats_version = ?, bpm = 99 WHERE id = 1",
        (encode_beat_map(frames), BEAT_MAP))  # fmt: skip
    open_db(path)
    assert [(m.column, m.expected) for m in analysis_report()] == [("bpm", 120.0)]
    assert isinstance(track(1).grid, BeatMap)


def test_a_tracks_map_and_grid_answer_bpm_and_first_beat_alike(tmp_path: Path) -> None:
    # Code written from the README (track.grid.bpm) works on a 2.4 library's beat map.
    path = copy_fixture("real-mixxx-analysis/2.5.0/mixxxdb.sqlite", tmp_path)
    frames = [1000 + 22050 * i for i in range(40)]  # 120 BPM at 44.1 kHz
    raw(path, "UPDATE library SET beats = ?, beats_version = ? WHERE id = 1",
        (encode_beat_map(frames), BEAT_MAP))  # fmt: skip
    open_db(path)
    mapped, gridded = track(1), track(2)
    assert isinstance(mapped.grid, BeatMap) and isinstance(gridded.grid, BeatGrid)
    assert mapped.grid.bpm == 120.0 and gridded.grid.bpm == 128.0
    assert mapped.grid.first_beat() == pytest.approx(1000 / mapped.samplerate)
    first = gridded.grid.first_beat()
    assert first == pytest.approx(gridded.grid.first_beat_frame / gridded.samplerate)
    assert mapped.grid.bpm * 2 == 240.0  # a number, not a method


def test_legacy_grids_are_scaled_to_beatgrid_2(tmp_path: Path) -> None:
    path = copy_fixture("real-mixxx-analysis/2.3.3/mixxxdb.sqlite", tmp_path)
    import struct

    raw(path, "UPDATE library SET beats = ?, beats_version = ? WHERE id = 2",
        (struct.pack("<dd", 120.0, 500.0), BEAT_GRID_1))  # fmt: skip
    open_db(path)
    assert scale_bpm([2], "x2").counts == {"scaled": 1}
    mixxx_peewee.current_library().close()
    version, blob = raw(path, "SELECT beats_version, beats FROM library WHERE id = 2")[0]
    assert version == BEAT_GRID_2 and decode_beats(version, blob).value == BeatGrid(240.0, 500)


def test_the_readme_says_what_update_track_writes_for_a_key(tmp_path: Path) -> None:
    # README (or docs/): mp.update_track(42, key="F#m", …)  # key "F#m" (2.4+ files), key_id 19, …
    line = next(x for x in doc_text().splitlines() if 'mp.update_track(42, key="F#m"' in x)
    written, key_id = line.split('# key "')[1].split('"')[0], int(line.split("key_id ")[1][:2])
    path = make_sample_library(tmp_path / "mixxxdb.sqlite", revision=39, tracks=3, seed=1)
    open_db(path)
    update_track(1, key="F#m")
    assert (track(1).key, track(1).key_id) == (written, key_id)
    assert track(1).keymap is not None and track(1).keymap.global_key_text == written
