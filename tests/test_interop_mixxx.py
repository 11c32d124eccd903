"""The Mixxx side of rekordbox/Traktor interop: path maps, the MP3 offset, collect and apply."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.mp3offset import _crc16
from mixxx_peewee.interop.mp3offset import mp3_offset_seconds
from mixxx_peewee.interop.mp3offset import timing_shift_case
from mixxx_peewee.interop.pathmap import PathMap

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


def test_mp3_offset_of_absent_and_other_files(tmp_path: Path) -> None:
    assert mp3_offset_seconds(str(tmp_path / "gone.mp3")) is None
    assert mp3_offset_seconds(str(tmp_path / "gone.flac")) == 0.0
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not an mpeg file at all" * 100)
    assert timing_shift_case(str(junk)) is None
    assert mp3_offset_seconds(str(junk)) == 0.0
    with pytest.raises(ValueError):
        mp3_offset_seconds(str(junk), "gstreamer")
