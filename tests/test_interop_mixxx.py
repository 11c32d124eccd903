"""The Mixxx side of rekordbox/Traktor interop: path maps, the MP3 offset, collect and apply."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import mixxx_peewee as m
from mixxx_peewee.analysis.codec import BEAT_MAP
from mixxx_peewee.analysis.codec import encode_beat_map
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.apply import ImportOptions
from mixxx_peewee.interop.apply import run_import
from mixxx_peewee.interop.collect import ExportReport
from mixxx_peewee.interop.collect import collect_sets
from mixxx_peewee.interop.collect import collect_tracks
from mixxx_peewee.interop.model import CueKind
from mixxx_peewee.interop.model import ExchangeCue
from mixxx_peewee.interop.model import ExchangeFile
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTempo
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.mp3offset import _crc16
from mixxx_peewee.interop.mp3offset import mp3_offset_seconds
from mixxx_peewee.interop.mp3offset import timing_shift_case
from mixxx_peewee.interop.pathmap import PathMap
from mixxx_peewee.library import current_library
from mixxx_peewee.testing import make_sample_library
from mixxx_peewee.tracks.locations import track_id_of

# --------------------------------------------------------------------------------------
# PathMap
# --------------------------------------------------------------------------------------


def test_pathmap_longest_prefix_on_whole_components() -> None:
    pm = PathMap({"/home/dj/Music": "D:/Music", "/home/dj/Music/Vinyl": "E:/Rips"})
    assert pm.to_target("/home/dj/Music/a b.mp3") == "D:/Music/a b.mp3"
    assert pm.to_target("/home/dj/Music/Vinyl/x.flac") == "E:/Rips/x.flac"
    assert pm.to_target("/home/dj/Musicbox/x.mp3") == "/home/dj/Musicbox/x.mp3"
    assert pm.to_library("D:/Music/a b.mp3") == "/home/dj/Music/a b.mp3"
    assert pm.to_library("d:\\Music\\a.mp3") == "/home/dj/Music/a.mp3"
    assert pm.to_library("E:/Rips/x.flac") == "/home/dj/Music/Vinyl/x.flac"
    assert pm.to_library("/elsewhere/x.mp3") == "/elsewhere/x.mp3"


def test_pathmap_pairs_as_text_and_normalisation() -> None:
    pm = PathMap(["/music=/Volumes/USB/Music/"], normalize="nfd")
    composed = unicodedata.normalize("NFC", "/music/Café/Björk.mp3")
    out = pm.to_target(composed)
    assert out == unicodedata.normalize("NFD", "/Volumes/USB/Music/Café/Björk.mp3")
    assert unicodedata.normalize("NFC", pm.to_library(out)) == composed
    assert PathMap(["/=/"]).to_target("/a/b") == "/a/b"


@pytest.mark.parametrize("bad", [["nothing"], ["=D:/x"], ["/a="], ["/a=b", "/a/=c"]])
def test_pathmap_refuses_malformed_pairs(bad: list[str]) -> None:
    with pytest.raises(ValidationError):
        PathMap(bad)


def test_pathmap_refuses_unknown_normalisation() -> None:
    with pytest.raises(ValidationError):
        PathMap({}, normalize="nfkc")


# --------------------------------------------------------------------------------------
# The MP3 offset
# --------------------------------------------------------------------------------------

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def _ffmpeg_mp3(path: Path, xing: bool) -> Path:
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=1", "-ar", "44100", "-ac", "2", "-b:a", "128k",
         "-write_xing", "1" if xing else "0", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _as_lame(source: Path, dest: Path, *, good_crc: bool) -> Path:
    """FFmpeg's Info frame with a LAME encoder string: case D (CRC fixed) or C (not)."""
    data = bytearray(source.read_bytes())
    at = data.index(b"Lavc")
    frame = data.rindex(b"\xff\xfb", 0, at)
    data[at : at + 9] = b"LAME3.100"
    if good_crc:
        crc = _crc16(bytes(data[frame : at + 34]))
        data[at + 34 : at + 36] = crc.to_bytes(2, "big")
    dest.write_bytes(bytes(data))
    return dest


@needs_ffmpeg
def test_timing_shift_cases_of_generated_files(tmp_path: Path) -> None:
    plain = _ffmpeg_mp3(tmp_path / "plain.mp3", xing=False)
    info = _ffmpeg_mp3(tmp_path / "info.mp3", xing=True)
    lame = _as_lame(info, tmp_path / "lame.mp3", good_crc=True)
    broken = _as_lame(info, tmp_path / "broken.mp3", good_crc=False)
    assert [timing_shift_case(str(p)) for p in (plain, info, broken, lame)] == list("ABCD")
    # Mixxx's Linux builds (libmad): cases A and D shift 26 ms; FFmpeg: only D.
    assert [mp3_offset_seconds(str(p)) for p in (plain, info, broken, lame)] == [
        0.026, 0.0, 0.0, 0.026,
    ]  # fmt: skip
    assert mp3_offset_seconds(str(plain), "ffmpeg") == 0.0
    assert mp3_offset_seconds(str(lame), "ffmpeg") == 0.026
    assert mp3_offset_seconds(str(broken), "coreaudio") == 0.026
    data = bytearray(plain.read_bytes())  # a VBRI tag in the first frame (Fraunhofer): D
    frame = data.index(b"\xff\xfb")
    data[frame + 36 : frame + 40] = b"VBRI"
    vbri = tmp_path / "vbri.mp3"
    vbri.write_bytes(bytes(data))
    assert timing_shift_case(str(vbri)) == "D"


def test_mp3_offset_of_absent_and_other_files(tmp_path: Path) -> None:
    assert mp3_offset_seconds(str(tmp_path / "gone.mp3")) is None
    assert mp3_offset_seconds(str(tmp_path / "gone.flac")) == 0.0
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not an mpeg file at all" * 100)
    assert timing_shift_case(str(junk)) is None
    assert mp3_offset_seconds(str(junk)) == 0.0
    with pytest.raises(ValueError):
        mp3_offset_seconds(str(junk), "gstreamer")


# --------------------------------------------------------------------------------------
# Export and import on generated libraries
# --------------------------------------------------------------------------------------


KINDS = (1, 2, 4, 6, 7)


def _close() -> None:
    try:
        current_library().close()
    except m.LibraryNotOpenError:
        pass


def _build(path: Path, *, revision: int = 39, seed: int = 5, tracks: int = 30) -> Path:
    """A sample library with every kind of cue, loop and grid (a map with a tempo change)."""
    make_sample_library(path, revision=revision, tracks=tracks, seed=seed, cues_per_track=4,
                        beats_fraction=1.0, crates=2, playlists=3)  # fmt: skip
    conn = sqlite3.connect(path)
    ids = [r[0] for r in conn.execute("SELECT id FROM library ORDER BY id")]
    rate = conn.execute("SELECT samplerate FROM library WHERE id = ?", (ids[0],)).fetchone()[0]
    frames = [int(rate * 0.25) + round(i * rate * 0.5) for i in range(32)]  # 120 BPM
    frames += [frames[-1] + round((i + 1) * rate * 0.48) for i in range(40)]  # 125 BPM
    conn.execute(
        "UPDATE library SET beats = ?, beats_version = ?, beats_sub_version = '' WHERE id = ?",
        (encode_beat_map(frames), BEAT_MAP, ids[0]),
    )
    color = ", color" if revision >= 27 else ""
    values = ", ?" if revision >= 27 else ""
    for track_id, kind, position, length in (
        (ids[1], 7, 100 * rate * 2.0, 20 * rate * 2.0),  # an outro range
        (ids[2], 7, -1, 150 * rate * 2.0),  # an outro with only an end
    ):
        conn.execute(
            f"INSERT INTO cues (track_id, type, position, length, hotcue, label{color})"
            f" VALUES (?, ?, ?, ?, -1, ''{values})",
            (track_id, kind, position, length, *([0x32BE44] if color else [])),
        )
    conn.commit()
    conn.close()
    return path


def _strip(path: Path) -> None:
    """What the import must bring back: removed from a copy."""
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM cues")
    conn.execute(
        "UPDATE library SET beats = NULL, beats_version = NULL, beats_sub_version = NULL,"
        " keys = NULL, keys_version = NULL, key = NULL, key_id = 0, rating = 0,"
        " timesplayed = 0, cuepoint = 0"
    )
    conn.execute("DELETE FROM PlaylistTracks WHERE playlist_id IN"
                 " (SELECT id FROM Playlists WHERE hidden = 0)")  # fmt: skip
    conn.execute("DELETE FROM Playlists WHERE hidden = 0")
    conn.commit()
    conn.close()


def _ids() -> list[int]:
    return [r[0] for r in m.db.execute_sql("SELECT id FROM library ORDER BY id")]


def _export(path: Path, **kwargs: object) -> tuple[ExchangeFile, ExportReport]:
    m.open_library(path, readonly=True)
    try:
        report = ExportReport()
        ids = _ids()
        tracks = list(collect_tracks(ids, report=report, **kwargs))  # type: ignore[arg-type]
        return ExchangeFile(tracks, collect_sets(ids)), report
    finally:
        _close()


def _cue_rows(path: Path) -> dict[int, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT c.track_id, c.type, c.hotcue, c.label, c.color, c.position / 2.0 / l.samplerate,"
        " c.length / 2.0 / l.samplerate FROM cues c JOIN library l ON l.id = c.track_id"
        f" WHERE c.type IN {KINDS} ORDER BY c.track_id, c.type, c.hotcue, c.position"
    ).fetchall()
    conn.close()
    out: dict[int, list[tuple[object, ...]]] = {}
    for track, *rest in rows:
        out.setdefault(track, []).append(tuple(rest))
    return out


def _same_cues(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x[:4] != y[:4]:
            return False
        for p, q in ((x[4], y[4]), (x[5], y[5])):
            if p is None or q is None:
                if p != q:
                    return False
            elif abs(float(p) - float(q)) > 0.001 and not (float(p) < 0 and float(q) < 0):  # type: ignore[arg-type]
                return False
    return True


def _playlists(path: Path) -> dict[str, list[int]]:
    conn = sqlite3.connect(path)
    out: dict[str, list[int]] = {}
    for name, pid in conn.execute("SELECT name, id FROM Playlists WHERE hidden = 0"):
        out[name] = [r[0] for r in conn.execute(
            "SELECT track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position", (pid,)
        )]  # fmt: skip
    conn.close()
    return out


def _crates(path: Path) -> dict[str, list[int]]:
    conn = sqlite3.connect(path)
    out = {name: [r[0] for r in conn.execute(
        "SELECT track_id FROM crate_tracks WHERE crate_id = ? ORDER BY track_id", (cid,))]
        for name, cid in conn.execute("SELECT name, id FROM crates WHERE locked = 0")}  # fmt: skip
    conn.close()
    return out


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    source = _build(tmp_path / "source.sqlite")
    target = tmp_path / "target.sqlite"
    shutil.copy2(source, target)
    _strip(target)
    yield source, target
    _close()


def _tracks_equal(a: ExchangeTrack, b: ExchangeTrack) -> None:
    assert (a.key_id, a.rating, a.play_count) == (b.key_id, b.rating, b.play_count), a.key
    assert len(a.tempos) == len(b.tempos), a.key
    for x, y in zip(a.tempos, b.tempos, strict=True):
        assert abs(x.bpm - y.bpm) < 0.001 and abs(x.start - y.start) < 0.001, a.key
        assert x.beat_in_bar == y.beat_in_bar, a.key


def test_round_trip_gives_back_every_cue_grid_key_rating_playcount_playlist(
    pair: tuple[Path, Path],
) -> None:
    source, target = pair
    exported, report = _export(source)
    assert report.hot_cues and report.loops and report.memory_cues and report.markers
    assert sum(len(t.tempos) > 1 for t in exported.tracks) == 1  # the beat map: 2 tempos
    m.open_library(target, journal_mode="keep")
    result = run_import(exported, ImportOptions(), force=True)
    imported = result.value
    assert imported.matched == len(exported.tracks) and not imported.not_found
    assert imported.grids == sum(bool(t.tempos) for t in exported.tracks)
    _close()
    before, after = _cue_rows(source), _cue_rows(target)
    assert before.keys() == after.keys()
    for track in before:
        assert _same_cues(before[track], after[track]), (track, before[track], after[track])
    again, _ = _export(target)
    for a, b in zip(exported.tracks, again.tracks, strict=True):
        _tracks_equal(a, b)
    originals = _playlists(source)
    lists = _playlists(target)
    for name, entries in originals.items():
        assert lists[name] == entries  # under the export's playlist folder: the name alone
    assert _crates(target) == _crates(source)  # under its crate folder: crates again


def test_second_import_changes_nothing_and_dry_run_writes_nothing(pair: tuple[Path, Path]) -> None:
    source, target = pair
    exported, _ = _export(source)
    before = target.read_bytes()
    m.open_library(target, journal_mode="keep")
    planned = run_import(exported, ImportOptions(), dry_run=True)
    _close()
    assert target.read_bytes() == before
    assert planned.dry_run and planned.value.per_track and planned.value.cues_written
    m.open_library(target, journal_mode="keep")
    run_import(exported, ImportOptions(), force=True)
    again = run_import(exported, ImportOptions(cues="replace"), force=True)
    assert not again.value.per_track and again.value.cues_written == 0


def _one_track(path: str, cues: list[ExchangeCue], **kw: object) -> ExchangeFile:
    return ExchangeFile([ExchangeTrack(key=1, path=path, cues=cues, **kw)], [])  # type: ignore[arg-type]


def _first(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT l.id, t.location FROM library l JOIN track_locations t"
                       " ON l.location = t.id ORDER BY l.id LIMIT 1").fetchone()  # fmt: skip
    conn.close()
    return int(row[0]), str(row[1])


def test_memory_cues_main_cue_and_duplicates(pair: tuple[Path, Path]) -> None:
    _source, target = pair
    track_id, location = _first(target)
    cues = [
        ExchangeCue(CueKind.HOTCUE, 10.0, number=0, name="A", color=0xFF0000),
        ExchangeCue(CueKind.MEMORY, 10.0),  # repeats hot cue A: nothing
        ExchangeCue(CueKind.MEMORY, 30.0, name="later"),
        ExchangeCue(CueKind.MEMORY, 5.0),  # the first memory cue: the main cue
        ExchangeCue(CueKind.LOOP, 40.0, 44.0),  # a memory loop: a free slot
        ExchangeCue(CueKind.LOOP, 10.0, 12.0, number=3),
        ExchangeCue(CueKind.LOOP, 10.0, 12.0),  # repeats hot loop 4: nothing
        ExchangeCue(CueKind.FADE_IN, 1.0),
        ExchangeCue(CueKind.FADE_OUT, 100.0),
    ]
    m.open_library(target, journal_mode="keep")
    run_import(_one_track(location, cues), ImportOptions(), force=True)
    _close()
    rows = [(r[0], r[1], r[2], round(float(r[4]), 3)) for r in _cue_rows(target)[track_id]]  # type: ignore[arg-type]
    assert rows == [
        (1, 0, "A", 10.0), (1, 4, "later", 30.0), (2, -1, "", 5.0), (4, 3, "", 10.0),
        (4, 5, "", 40.0), (6, -1, "", 1.0), (7, -1, "", -0.0),
    ]  # fmt: skip
    conn = sqlite3.connect(target)
    cuepoint, rate = conn.execute("SELECT cuepoint, samplerate FROM library WHERE id = ?",
                                  (track_id,)).fetchone()  # fmt: skip
    outro = conn.execute("SELECT position, length FROM cues WHERE type = 7").fetchone()
    conn.close()
    assert cuepoint == 5.0 * rate * 2 and outro == (-1, 100.0 * rate * 2)


def test_policies_keep_merge_replace(pair: tuple[Path, Path]) -> None:
    _source, target = pair
    track_id, location = _first(target)
    m.open_library(target, journal_mode="keep")
    m.set_hotcue(track_id, 1, 3.0, label="mine", force=True)
    file = _one_track(location, [ExchangeCue(CueKind.HOTCUE, 7.0, number=0, name="theirs"),
                                 ExchangeCue(CueKind.HOTCUE, 9.0, number=1)])  # fmt: skip
    kept = run_import(file, ImportOptions(cues="keep"), force=True)
    assert kept.value.cues_written == 0
    run_import(file, ImportOptions(cues="merge"), force=True)
    cues = {(c["hotcue"], c["label"], round(c["position"], 3)) for c in m.list_cues(track_id)}
    assert cues == {(1, "mine", 3.0), (2, "", 9.0)}
    run_import(file, ImportOptions(cues="replace"), force=True)
    cues = {(c["hotcue"], c["label"], round(c["position"], 3)) for c in m.list_cues(track_id)}
    assert cues == {(1, "theirs", 7.0), (2, "", 9.0)}
    only = run_import(file, ImportOptions(cues="replace", only=frozenset({"ratings"})), force=True)
    assert only.value.cues_written == 0
    gridded = ExchangeFile(
        [ExchangeTrack(key=1, path=location, tempos=[ExchangeTempo(0.5, 128.0)])], []
    )
    assert run_import(gridded, ImportOptions(grids="keep"), force=True).value.grids == 0
    assert run_import(gridded, ImportOptions(), force=True).value.grids == 1
    [summary] = m.db.execute_sql("SELECT bpm FROM library WHERE id = ?", (track_id,)).fetchone()
    assert summary == 128.0


def test_refused_while_mixxx_runs_unless_forced(pair: tuple[Path, Path]) -> None:
    source, target = pair
    exported, _ = _export(source)
    m.open_library(target, journal_mode="keep")
    previous = set_mixxx_detector(lambda p: [MixxxProcess(1234, True)])
    try:
        with pytest.raises(m.MixxxRunningError):
            run_import(exported, ImportOptions())
        assert run_import(exported, ImportOptions(), dry_run=True).notes
    finally:
        set_mixxx_detector(previous)


def test_bad_marks_and_options_are_refused_with_nothing_written(pair: tuple[Path, Path]) -> None:
    _source, target = pair
    _track_id, location = _first(target)
    before = target.read_bytes()
    m.open_library(target, journal_mode="keep")
    for cue in (ExchangeCue(CueKind.HOTCUE, 99999.0, number=0),
                ExchangeCue(CueKind.LOOP, 10.0, 5.0, number=1),
                ExchangeCue(CueKind.HOTCUE, float("nan"), number=2)):  # fmt: skip
        with pytest.raises(ValidationError):
            run_import(_one_track(location, [cue]), ImportOptions(), force=True)
    with pytest.raises(ValidationError):
        run_import(_one_track(location, []), ImportOptions(cues="all"))
    with pytest.raises(ValidationError):
        run_import(_one_track(location, []), ImportOptions(only=frozenset({"colours"})))
    _close()
    assert target.read_bytes() == before


def test_saved_loops_on_a_2_3_file_become_hot_cues(tmp_path: Path) -> None:
    source = _build(tmp_path / "s.sqlite", revision=32)
    exported, report = _export(source)
    assert report.loops
    target = tmp_path / "t.sqlite"
    shutil.copy2(source, target)
    _strip(target)
    m.open_library(target, journal_mode="keep")
    result = run_import(exported, ImportOptions(), force=True)
    _close()
    assert result.value.loops_as_hotcues == report.loops
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT count(*) FROM cues WHERE type = 4").fetchone()[0] == 0
    conn.close()


@needs_ffmpeg
def test_mp3_offset_both_ways_and_add_missing(pair: tuple[Path, Path], tmp_path: Path) -> None:
    _source, target = pair
    mp3 = _ffmpeg_mp3(tmp_path / "Ça va (Édit).mp3", xing=False)  # case A: 26 ms with libmad
    cue = ExchangeCue(CueKind.HOTCUE, 0.5, number=0, name="x")
    track = ExchangeTrack(key="k", path=unicodedata.normalize("NFD", str(mp3)), cues=[cue],
                          samplerate=44100, duration=1.0, title="Ça va", rating=3)  # fmt: skip
    absent = ExchangeTrack(key="gone", path=str(tmp_path / "gone.mp3"))
    file = ExchangeFile([track, absent], [ExchangeNode("Set", entries=["k", "gone"])])
    m.open_library(target, journal_mode="keep")
    result = run_import(file, ImportOptions(add_missing=True), force=True)
    report = result.value
    assert report.added == 1 and report.not_found == [str(tmp_path / "gone.mp3")]
    assert report.mp3_corrected == 1
    new_id = track_id_of(str(mp3))
    assert new_id is not None
    [stored] = m.list_cues(new_id)
    assert abs(stored["position"] - (0.5 - 0.026)) < 1e-6
    row = m.db.execute_sql(
        "SELECT l.header_parsed, l.mixxx_deleted, l.rating, l.title, t.fs_deleted, t.filesize,"
        " t.directory, t.filename FROM library l JOIN track_locations t ON l.location = t.id"
        " WHERE l.id = ?", (new_id,)
    ).fetchone()  # fmt: skip
    assert row == (0, 0, 3, "Ça va", 0, mp3.stat().st_size, str(tmp_path), mp3.name)
    assert _playlists(target)["Set"] == [new_id]
    out = ExportReport()
    [back] = list(collect_tracks([new_id], report=out))
    assert out.mp3_corrected == 1 and abs(back.cues[0].start - 0.5) < 1e-6
    _close()


# A library's tracks exported through a path map in either Unicode form, imported back.
FORMS = st.sampled_from([None, "nfc", "nfd"])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), form=FORMS, revision=st.sampled_from([33, 39]))
def test_property_round_trip_over_generated_libraries(
    tmp_path: Path, seed: int, form: str | None, revision: int
) -> None:
    folder = tmp_path / f"{seed}-{form}-{revision}"
    folder.mkdir()
    source = _build(folder / "s.sqlite", revision=revision, seed=seed, tracks=12)
    conn = sqlite3.connect(source)  # awkward paths: spaces, %, #, quotes, both forms
    for (track_id,) in conn.execute("SELECT id FROM track_locations").fetchall():
        name = unicodedata.normalize("NFD" if track_id % 2 else "NFC",
                                     f"/music/Ä dir %20/#{track_id} it's Café.mp3")  # fmt: skip
        conn.execute("UPDATE track_locations SET location = ? WHERE id = ?", (name, track_id))
    conn.commit()
    conn.close()
    target = folder / "t.sqlite"
    shutil.copy2(source, target)
    _strip(target)
    exported, _ = _export(source, path_map=PathMap({"/music": "D:/Música"}, normalize=form))
    assert all(t.path.startswith(("D:/Música", unicodedata.normalize("NFD", "D:/Música")))
               for t in exported.tracks)  # fmt: skip
    m.open_library(target, journal_mode="keep")
    try:
        result = run_import(exported, ImportOptions(path_map=PathMap({"/music": "D:/Música"})),
                            force=True)  # fmt: skip
    finally:
        _close()
    assert result.value.matched == len(exported.tracks) and not result.value.not_found
    before, after = _cue_rows(source), _cue_rows(target)
    assert before.keys() == after.keys()
    for track in before:
        assert _same_cues(before[track], after[track]), track
