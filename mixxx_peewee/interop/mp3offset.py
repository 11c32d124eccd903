"""Mixxx's MP3 timing rule: how far rekordbox's positions of an ``.mp3`` file sit from Mixxx's.

Decoders disagree on whether an encoder's first frame is audio, so one cue lands a frame
apart in two programs. Mixxx's rekordbox import (``rekordboxfeature.cpp``,
``timingOffsetForFile``) corrects positions by a per-file offset in milliseconds chosen by
mp3guessenc's *timing shift case* of the file and by the decoder Mixxx was built with:

========= ======= ======= ======= =======
decoder   case A  case B  case C  case D
========= ======= ======= ======= =======
mad       26      0       0       26       (Linux builds)
ffmpeg    0       0       0       26
coreaudio 12      13      26      50       (macOS builds)
========= ======= ======= ======= =======

The case (mp3guessenc's ``check_timing_shift_case``), read from the first valid MPEG
frame after any ID3v2 tags: no Xing/Info/VBRI tag in it (the frame is audio) → A; a VBRI
tag → D; a Xing/Info tag without a LAME tag, or whose encoder string starts ``Lavc``
(FFmpeg) → B; a LAME tag whose CRC-16 does not verify → C; else → D. The frame is read
here (no tag library: mutagen exposes neither the tag's encoder string placement rules
nor its CRC check). Mixxx position = other program's position - offset; an export adds
it, an import subtracts it, so the two round-trip exactly.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DECODERS", "mp3_offset_seconds", "timing_shift_case"]

# Milliseconds Mixxx shifts by, per decoder and case (rekordboxfeature.cpp).
DECODERS: dict[str, dict[str, int]] = {
    "mad": {"A": 26, "D": 26},
    "ffmpeg": {"D": 26},
    "coreaudio": {"A": 12, "B": 13, "C": 26, "D": 50},
}
_SCAN = 256 * 1024  # how far past the tags a first frame is looked for
_LAME_TAG = 36  # bytes of the LAME tag from its encoder string to its CRC

_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _crc16(data: bytes) -> int:
    """CRC-16/ARC (reflected 0x8005, init 0): the LAME tag's CRC."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _header(data: bytes, at: int) -> tuple[int, int, int, int, int, int, bool] | None:
    """(version id, layer, bitrate index, rate, padding, channel mode, crc) of a header."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version = (data[at + 1] >> 3) & 3
    layer = 4 - ((data[at + 1] >> 1) & 3)
    bitrate = data[at + 2] >> 4
    rate_index = (data[at + 2] >> 2) & 3
    if version == 1 or layer == 4 or rate_index == 3 or data[at + 3] & 3 == 2:
        return None
    padding = (data[at + 2] >> 1) & 1
    mode = data[at + 3] >> 6
    protected = not data[at + 1] & 1
    return version, layer, bitrate, _RATES[version][rate_index], padding, mode, protected


def _frame_size(version: int, layer: int, bitrate: int, rate: int, padding: int) -> int:
    """Bytes of one frame; 0 for a free-format or invalid bitrate index."""
    if bitrate in (0, 15):
        return 0
    kbps = _BITRATES[(1 if version == 3 else 2, layer)][bitrate]
    if layer == 1:
        return (12 * kbps * 1000 // rate + padding) * 4
    per = 144 if layer == 2 or version == 3 else 72
    return per * kbps * 1000 // rate + padding


def _skip_tags(data: bytes) -> int:
    """Where the audio starts: past every ID3v2 tag at the start of the file."""
    at = 0
    while data[at : at + 3] == b"ID3" and at + 10 <= len(data):
        size = 0
        for byte in data[at + 6 : at + 10]:
            size = (size << 7) | (byte & 0x7F)
        footer = 10 if data[at + 5] & 0x10 else 0
        at += 10 + size + footer
    return at


def _first_frame(data: bytes, start: int) -> int | None:
    """Offset of the first frame header whose next frame follows where its size says."""
    end = min(len(data) - 4, start + _SCAN)
    at = start
    while at <= end:
        at = data.find(b"\xff", at, end + 4)
        if at < 0:
            return None
        head = _header(data, at)
        if head is not None:
            version, layer, bitrate, rate, padding, _mode, _crc = head
            size = _frame_size(version, layer, bitrate, rate, padding)
            if size == 0:
                if layer == 3:
                    return at  # a tag frame of an old LAME with a bad bitrate index
            else:
                following = _header(data, at + size)
                if at + size + 4 > len(data) or (
                    following is not None and following[:2] == head[:2] and following[3] == rate
                ):
                    return at
        at += 1
    return None


def _case_of_frame(frame: bytes, head: tuple[int, int, int, int, int, int, bool]) -> str:
    version, layer, _bitrate, _rate, _padding, mode, protected = head
    if layer != 3:
        return "A"
    if frame[36:40] == b"VBRI":
        return "D"
    mono = mode == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    at = 4 + (2 if protected else 0) + side
    if frame[at : at + 4] not in (b"Xing", b"Info"):
        return "A"
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4)
    lame += 4 * bool(flags & 8)
    tag = frame[lame : lame + _LAME_TAG]
    if len(tag) < 9 or tag[0] == 0 or not all(32 < b < 127 for b in tag[:4]):
        return "B"  # no LAME tag
    text = tag[:9]
    if (
        text[1:2] == b"A" and text[4:6] == b"3." and text[6:7].isdigit() and text[6] < ord("9")
        and text[7:8].isdigit() and not text[8:9].isdigit()
    ):  # fmt: skip
        return "B"  # an old LAME's plain string, no tag (mp3guessenc keeps none)
    if text[:4].lower() == b"lavc":
        return "B"
    if len(tag) < _LAME_TAG:
        return "C"
    stored = int.from_bytes(tag[_LAME_TAG - 2 :], "big")
    verified = _crc16(frame[: lame + _LAME_TAG - 2]) == stored
    return "D" if verified else "C"


def timing_shift_case(path: str) -> str | None:
    """mp3guessenc's timing shift case of the MPEG file at ``path``: "A", "B", "C" or "D".

    None when the file cannot be read or holds no MPEG frame near its start.
    """
    try:
        with open(path, "rb") as file:
            data = file.read(64 * 1024)
            start = _skip_tags(data)
            if start + _SCAN + 8192 > len(data):
                file.seek(0)
                data = file.read(start + _SCAN + 8192)
    except OSError:
        return None
    at = _first_frame(data, start)
    if at is None:
        return None
    head = _header(data, at)
    if head is None:
        return None
    return _case_of_frame(data[at : at + 4096], head)


def mp3_offset_seconds(path: str, decoder: str = "mad") -> float | None:
    """The seconds Mixxx (built with ``decoder``) shifts other programs' positions of ``path``.

    0.0 for a file that is no ``.mp3`` (checked by name, as Mixxx does) or whose case
    needs no correction; None when the ``.mp3`` file is absent or unreadable (unchecked).
    Raises ValueError for an unknown decoder.
    """
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, not {decoder!r}")
    if not path.lower().endswith(".mp3"):
        return 0.0
    if not Path(path).is_file():
        return None
    case = timing_shift_case(path)
    if case is None:
        return 0.0  # no frame found: mp3guessenc reports no case, Mixxx shifts nothing
    return DECODERS[decoder].get(case, 0) / 1000.0
