"""mixxx_peewee.analysis.codec: Mixxx's beat grid, beat map and key map blobs.

The ground truth is what real Mixxx programs wrote (fixtures/real-mixxx-*/) and the blobs
MIXXX_FACTS.md §8 records from real libraries.
"""

from __future__ import annotations

import math
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mixxx_peewee.analysis.codec import BEAT_GRID_1
from mixxx_peewee.analysis.codec import BEAT_GRID_2
from mixxx_peewee.analysis.codec import BEAT_MAP
from mixxx_peewee.analysis.codec import KEY_MAP
from mixxx_peewee.analysis.codec import SCALE_FACTORS
from mixxx_peewee.analysis.codec import SOURCE_ANALYZER
from mixxx_peewee.analysis.codec import SOURCE_FILE_METADATA
from mixxx_peewee.analysis.codec import SOURCE_USER
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import BeatMap
from mixxx_peewee.analysis.codec import KeyMap
from mixxx_peewee.analysis.codec import beat_map
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.codec import encode_beat_grid
from mixxx_peewee.analysis.codec import encode_beat_map
from mixxx_peewee.analysis.codec import encode_key_map
from mixxx_peewee.analysis.codec import grid_from_map
from mixxx_peewee.analysis.codec import scale_beats
from mixxx_peewee.analysis.codec import set_bpm
from mixxx_peewee.analysis.codec import user_key_map
from mixxx_peewee.core.keys import guess_key_id

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ANALYSIS_23 = FIXTURES / "real-mixxx-analysis" / "2.3.3" / "mixxxdb.sqlite"
ANALYSIS_25 = FIXTURES / "real-mixxx-analysis" / "2.5.0" / "mixxxdb.sqlite"
# Databases a real Mixxx wrote (the sample fixture's blobs are random placeholder bytes).
MIXXX_WRITTEN = sorted(
    p for p in FIXTURES.glob("**/*.sqlite") if p.relative_to(FIXTURES).parts[0].startswith("real-")
)
ALL_FIXTURES = sorted(FIXTURES.glob("**/*.sqlite"))

ROW_SQL = """
    SELECT l.id, l.bpm, l.beats_version, l.beats, l.key, l.key_id, l.keys_version, l.keys,
           l.samplerate, l.duration
    FROM library l
    WHERE l.beats IS NOT NULL OR l.keys IS NOT NULL
"""


def analysis_rows(db: Path) -> list[dict[str, Any]]:
    """The library rows of ``db`` that have a beats or keys blob."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        try:
            return [dict(r) for r in con.execute(ROW_SQL)]
        except sqlite3.OperationalError:  # a schema-replay file without these columns
            return []
    finally:
        con.close()


def grid_blob(bpm: float, frame: int) -> bytes:
    """A BeatGrid-2.0 blob built by hand, field by field."""
    position = b"\x08" + varint(frame)
    return b"\x0a\x09\x09" + struct.pack("<d", bpm) + b"\x12" + bytes([len(position)]) + position


def varint(value: int) -> bytes:
    value %= 2**64
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


# --- every blob a real Mixxx wrote -------------------------------------------------------


def test_the_real_mixxx_fixtures_hold_analysis_blobs() -> None:
    assert ANALYSIS_23.exists()
    assert sum(len(analysis_rows(db)) for db in MIXXX_WRITTEN) >= 10


@pytest.mark.parametrize("db", MIXXX_WRITTEN, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_beats_blob_mixxx_wrote_decodes_to_its_bpm_and_reencodes_identically(
    db: Path,
) -> None:
    for row in analysis_rows(db):
        if row["beats"] is None:
            continue
        decoded = decode_beats(row["beats_version"], row["beats"])
        assert decoded, (row["id"], decoded.reason)
        beats = decoded.value
        assert beats is not None
        assert beats.encode() == row["beats"]
        if isinstance(beats, BeatGrid):
            assert beats.bpm == pytest.approx(row["bpm"], abs=1e-9)
        else:
            assert beats.bpm_at(row["samplerate"], row["duration"]) == pytest.approx(
                row["bpm"], abs=0.005
            )


@pytest.mark.parametrize("db", MIXXX_WRITTEN, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_keys_blob_mixxx_wrote_decodes_to_its_key_and_reencodes_identically(
    db: Path,
) -> None:
    for row in analysis_rows(db):
        if not row["keys"]:  # Mixxx saves "no keys" as an empty blob (and key_id 0)
            assert not decode_keys(row["keys_version"], row["keys"])
            assert not row["key_id"]
            continue
        decoded = decode_keys(row["keys_version"], row["keys"])
        assert decoded, (row["id"], decoded.reason)
        keys = decoded.value
        assert keys is not None
        assert keys.encode() == row["keys"]
        assert keys.key_id == row["key_id"]
        # 2.3 writes the key in the user's notation (its traditional one has "D♯m/E♭m");
        # 2.4+ copies global_key_text
        assert guess_key_id(row["key"]) == keys.key_id
        if keys.global_key_text is not None:
            assert row["key"] == keys.global_key_text


@pytest.mark.parametrize("db", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_blob_in_any_fixture_makes_decoding_raise(db: Path) -> None:
    for row in analysis_rows(db):
        for decoded in (
            decode_beats(row["beats_version"], row["beats"]),
            decode_keys(row["keys_version"], row["keys"]),
        ):
            assert decoded.value is not None or decoded.reason


def test_mixxx_233_analysed_the_click_tracks() -> None:
    rows = {r["id"]: r for r in analysis_rows(ANALYSIS_23)}
    found = {}
    for row in rows.values():
        beats = decode_beats(row["beats_version"], row["beats"]).value
        keys = decode_keys(row["keys_version"], row["keys"]).value
        assert isinstance(beats, BeatGrid) and keys is not None
        found[round(beats.bpm)] = (beats, keys)
    assert set(found) == {87, 100, 120, 128}  # Mixxx halved 174
    tag_grid, tag_keys = found[100]
    assert tag_grid.first_beat_frame == 0 and tag_keys.source == SOURCE_FILE_METADATA
    assert tag_keys.text == "Gm" and tag_keys.key_changes == ()
    for bpm, key in ((120, "Am"), (128, "C"), (87, "Fm")):
        grid, keys = found[bpm]
        assert grid.first_beat_frame > 0 and grid.is_valid
        assert 0 < grid.first_beat(44100) < 60 / bpm  # the first click is at 0 s
        assert keys.text == key and keys.source == SOURCE_ANALYZER
        assert keys.global_key_text is None and len(keys.key_changes) >= 1


def test_mixxx_250_writes_id3v2_key_text() -> None:
    if not ANALYSIS_25.exists():
        pytest.skip(
            "no 2.5.0 analysis fixture (scripts/fixtures/make_analysis_fixture.py --mixxx 2.5)"
        )
    for row in analysis_rows(ANALYSIS_25):
        keys = decode_keys(row["keys_version"], row["keys"]).value
        if keys is not None and keys.is_valid:
            assert keys.global_key_text == row["key"]


# --- the blobs MIXXX_FACTS.md §8 records --------------------------------------------------


def test_tag_grid_blob() -> None:
    blob = bytes.fromhex("0a09") + b"\x09" + struct.pack("<d", 124.0) + bytes.fromhex("12020800")
    grid = decode_beats(BEAT_GRID_2, blob).value
    assert grid == BeatGrid(124.0, 0)
    assert grid.kind == "grid" and grid.source is None
    assert encode_beat_grid(124.0, 0) == blob


def test_grid_whose_first_beat_is_int32_min() -> None:
    blob = bytes.fromhex("120B0880808080F8FFFFFFFF01")
    grid = decode_beats(BEAT_GRID_2, blob).value
    assert isinstance(grid, BeatGrid)
    assert grid.first_beat_frame == -(2**31)
    assert grid.bpm == 0.0 and not grid.is_valid
    assert grid.encode() == blob


@pytest.mark.parametrize(
    ("hex_blob", "key_id", "text", "global_text", "source", "changes"),
    [
        ("08102001", 16, "E♭m", None, SOURCE_FILE_METADATA, 0),
        ("08121202466D2001", 18, "Fm", "Fm", SOURCE_FILE_METADATA, 0),
        ("080D1A0608808001100D2000", 13, "Cm", None, SOURCE_ANALYZER, 1),
    ],
)
def test_observed_key_maps(
    hex_blob: str, key_id: int, text: str, global_text: str | None, source: int, changes: int
) -> None:
    blob = bytes.fromhex(hex_blob)
    keys = decode_keys(KEY_MAP, blob).value
    assert keys is not None
    assert (keys.key_id, keys.text, keys.global_key_text, keys.source) == (
        key_id,
        text,
        global_text,
        source,
    )
    assert len(keys.key_changes) == changes
    assert keys.encode() == blob


# --- bad input: None plus a reason, never an exception ------------------------------------


@pytest.mark.parametrize(
    ("version", "blob"),
    [
        (BEAT_GRID_2, None),
        (BEAT_GRID_2, b""),
        (None, grid_blob(120.0, 0)),
        ("", grid_blob(120.0, 0)),
        ("BeatGrid-3.0", grid_blob(120.0, 0)),
        (BEAT_GRID_2, grid_blob(120.0, 0)[:-1]),  # truncated varint
        (BEAT_GRID_2, grid_blob(120.0, 0)[:5]),  # length runs past the end
        (BEAT_GRID_2, b"\x0f\x00"),  # wire type 7
        (BEAT_GRID_2, b"\x00\x01"),  # field number 0
        (BEAT_MAP, b"\x0a\x05\x08"),
        (BEAT_GRID_1, b"\xff" * 15),
    ],
)
def test_bad_beats_give_none_and_a_reason(version: str | None, blob: bytes | None) -> None:
    decoded = decode_beats(version, blob)
    assert decoded.value is None and not decoded
    assert decoded.reason and "\n" not in decoded.reason


@pytest.mark.parametrize(
    ("version", "blob"),
    [
        (KEY_MAP, None),
        (KEY_MAP, b""),
        (None, b"\x08\x16"),
        ("KeyMap-2.0", b"\x08\x16"),
        (KEY_MAP, b"\x08"),
        (KEY_MAP, b"\x12\x05Am"),
        (KEY_MAP, b"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"),  # 11-byte varint
    ],
)
def test_bad_keys_give_none_and_a_reason(version: str | None, blob: bytes | None) -> None:
    decoded = decode_keys(version, blob)
    assert decoded.value is None and decoded.reason


@settings(max_examples=400, deadline=None)
@given(
    version=st.sampled_from([BEAT_GRID_1, BEAT_GRID_2, BEAT_MAP, KEY_MAP, "junk", None]),
    blob=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_random_bytes_never_raise(version: str | None, blob: bytes | None) -> None:
    for decoded in (decode_beats(version, blob), decode_keys(version, blob)):
        assert (decoded.value is None) == bool(decoded.reason)
        if decoded.value is not None:
            decoded.value.encode()  # whatever parsed can be written again


@settings(max_examples=200, deadline=None)
@given(
    frames=st.lists(st.integers(-(2**31), 2**31 - 1), max_size=20),
    bpm=st.floats(allow_nan=True, allow_infinity=True),
    key_id=st.integers(0, 24),
)
def test_what_we_encode_decodes_to_the_same_value(
    frames: list[int], bpm: float, key_id: int
) -> None:
    beats = decode_beats(BEAT_MAP, encode_beat_map(frames)).value if frames else None
    assert beats is None or beats == BeatMap(tuple(frames))
    first = frames[0] if frames else 0
    grid = decode_beats(BEAT_GRID_2, encode_beat_grid(bpm, first)).value
    assert isinstance(grid, BeatGrid) and grid.first_beat_frame == first
    assert grid.bpm == bpm or (math.isnan(bpm) and math.isnan(grid.bpm))
    for generation in ("2.3", "2.4"):
        keys = decode_keys(KEY_MAP, encode_key_map(key_id, generation=generation)).value
        assert keys is not None and keys.key_id == key_id


# --- degenerate values are values ---------------------------------------------------------


def test_nan_and_zero_bpm_grids_decode_as_invalid_values() -> None:
    for bpm in (0.0, math.nan, -1.0, math.inf):
        grid = decode_beats(BEAT_GRID_2, grid_blob(bpm, 0)).value
        assert isinstance(grid, BeatGrid) and not grid.is_valid
    assert decode_beats(BEAT_GRID_2, grid_blob(0.5, 0)).value.is_valid  # type: ignore[union-attr]


def test_a_map_with_one_beat_decodes_but_is_not_valid() -> None:
    beats = decode_beats(BEAT_MAP, encode_beat_map([1000])).value
    assert isinstance(beats, BeatMap)
    assert beats.frames == (1000,) and beats.first_beat_frame == 1000
    assert not beats.is_valid and beats.bpm_at(44100) == 0.0


def test_negative_frames_are_ten_byte_varints() -> None:
    blob = encode_beat_grid(120.0, -1)
    assert blob.endswith(b"\x12\x0b\x08" + b"\xff" * 9 + b"\x01")


def test_legacy_raw_beatgrid_10() -> None:
    blob = struct.pack("<dd", 128.0, 441.0)
    grid = decode_beats(BEAT_GRID_1, blob).value
    assert isinstance(grid, BeatGrid)
    assert (grid.bpm, grid.first_beat_frame) == (128.0, 441)
    assert grid.encode() == blob
    # as protobuf under the legacy name, protobuf is tried first
    assert decode_beats(BEAT_GRID_1, grid_blob(99.0, 5)).value == BeatGrid(99.0, 5)


def test_fields_mixxx_never_writes_survive_a_round_trip() -> None:
    bpm_with_source = b"\x0a\x0b\x09" + struct.pack("<d", 100.0) + b"\x10\x02"
    beat_with_extras = b"\x12\x06\x08\x05\x10\x00\x18\x01"
    unknown = b"\x28\x07"  # field 5, skipped on read (and not written again)
    grid = decode_beats(BEAT_GRID_2, bpm_with_source + beat_with_extras).value
    assert isinstance(grid, BeatGrid)
    assert grid.source == SOURCE_USER and grid.first_beat_enabled is False
    assert grid.encode() == bpm_with_source + beat_with_extras
    assert decode_beats(BEAT_GRID_2, bpm_with_source + unknown).value == BeatGrid(100.0, 0)


# --- beat maps: Mixxx 2.4+'s BPM ----------------------------------------------------------


def test_a_constant_map_has_the_bpm_of_its_beat_length() -> None:
    beats = beat_map(range(1000, 1000 + 22050 * 40, 22050))
    assert beats.kind == "map" and beats.is_valid
    assert beats.bpm_at(44100) == 120.0
    assert beats.beat_times(44100)[:2] == (1000 / 44100, 23050 / 44100)


def test_a_map_reports_the_tempo_that_covers_most_of_the_track() -> None:
    slow = [i * 22050 for i in range(10)]  # 120 BPM for 4.5 s
    fast = [slow[-1] + i * 20000 for i in range(1, 40)]  # 132.3 BPM for ~17.7 s
    beats = beat_map(slow + fast)
    assert beats.bpm_at(44100) == 132.3
    assert beats.bpm_at(44100, duration=500.0) == 132.3  # the rest runs at the last tempo


# --- user edits ---------------------------------------------------------------------------


def test_typing_a_bpm_keeps_the_first_beat_and_stores_the_double_as_typed() -> None:
    grid = BeatGrid(128.0, 20133)
    edited = set_bpm(grid, 127.53)
    assert edited == BeatGrid(127.53, 20133)
    assert edited.encode() == encode_beat_grid(127.53, 20133)
    assert set_bpm(grid, 127.53, "2.3") == edited


def test_typing_a_bpm_in_23_keeps_fields_another_writer_set() -> None:
    blob = b"\x0a\x0b\x09" + struct.pack("<d", 100.0) + b"\x10\x01" + b"\x12\x02\x08\x00"
    grid = decode_beats(BEAT_GRID_2, blob).value
    assert isinstance(grid, BeatGrid)
    assert set_bpm(grid, 101.0, "2.3").encode() == blob.replace(
        struct.pack("<d", 100.0), struct.pack("<d", 101.0)
    )
    assert set_bpm(grid, 101.0, "2.4").encode() == encode_beat_grid(101.0, 0)


def test_typing_a_bpm_on_a_map_makes_a_grid_at_its_first_beat_in_24() -> None:
    beats = beat_map([500, 22550, 44600])
    assert set_bpm(beats, 126.0) == BeatGrid(126.0, 500) == grid_from_map(beats, 126.0)
    with pytest.raises(ValueError):
        set_bpm(beats, 126.0, "2.3")


@pytest.mark.parametrize("bpm", [0.0, -5.0, math.nan, math.inf])
def test_an_invalid_typed_bpm_is_refused(bpm: float) -> None:
    with pytest.raises(ValueError):
        set_bpm(BeatGrid(120.0, 0), bpm)


@pytest.mark.parametrize(
    ("factor", "expected"),
    [
        ("double", 240.0),
        ("halve", 60.0),
        ("two_thirds", 120.0 * (2.0 / 3)),
        ("three_fourths", 90.0),
        ("four_thirds", 120.0 * (4.0 / 3)),
        ("three_halves", 180.0),
    ],
)
def test_scaling_a_grid_multiplies_by_mixxx_doubles(factor: str, expected: float) -> None:
    scaled = scale_beats(BeatGrid(120.0, 777), factor)
    assert scaled == BeatGrid(expected, 777)
    assert scale_beats(BeatGrid(120.0, 777), SCALE_FACTORS[factor]) == scaled


def test_scaling_refuses_other_factors_and_maps() -> None:
    with pytest.raises(ValueError):
        scale_beats(BeatGrid(120.0, 0), 1.5001)
    with pytest.raises(ValueError):
        scale_beats(beat_map([0, 100, 200]), "double")


def test_user_key_maps_per_generation() -> None:
    assert user_key_map(22, "2.3").encode() == bytes.fromhex("08162002")
    assert user_key_map(22) == KeyMap(22, "Am", (), SOURCE_USER)
    assert user_key_map(22).encode() == bytes.fromhex("08161202416d2002")
    assert user_key_map(11).global_key_text == "Bb"
    assert user_key_map(19).global_key_text == "F#m"
    assert encode_key_map(4, SOURCE_FILE_METADATA) == bytes.fromhex("0804120245622001")
