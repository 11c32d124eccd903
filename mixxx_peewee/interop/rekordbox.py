"""rekordbox XML (``DJ_PLAYLISTS``) ↔ the exchange form, both ways, as a stream.

Knows only :mod:`mixxx_peewee.interop.model` and the file: Pioneer's published attribute
list (``TRACK``, ``TEMPO``, ``POSITION_MARK``, ``NODE``) plus the ``Red``/``Green``/
``Blue`` cue colours rekordbox itself writes. Writing emits each ``TRACK`` as it comes
(memory flat); reading goes through :func:`~mixxx_peewee.interop.xmlfile.iter_xml` and
clears every element it consumed. Where the form and the format differ (the mapping):

- cues: a hot cue is ``Type 0`` with ``Num`` 0-7 (A-H); a memory cue and Mixxx's main cue
  are ``Type 0 Num -1`` (the main cue first, so it is the file's first memory cue); a loop
  is ``Type 4`` with ``End`` (``Num`` its slot, -1 a memory loop); Mixxx's intro start is
  the fade-in mark (``Type 1``), its outro end the fade-out mark (``Type 2``); ``Type 3``
  is the load mark. Read back, ``Type 1``/``2`` are ``FADE_IN``/``FADE_OUT`` and every
  ``Num -1`` cue a ``MEMORY`` cue in file order (which one is the main cue is the
  importer's policy). A hot cue or loop on a slot past H is written without a slot.
- ``Location`` is ``file://localhost/`` + the path percent-encoded as UTF-8 (bytes a
  path could not encode are carried by ``surrogateescape``), ``/`` and a drive's ``:``
  kept; the path's Unicode form is kept as it is, never normalised.
- Text that XML 1.0 cannot hold (control characters other than tab, newline and carriage
  return, lone surrogates) is dropped from attributes rather than refusing the export.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import quote
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.errors import ExchangeFormatError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.model import CueKind
from mixxx_peewee.interop.model import ExchangeCue
from mixxx_peewee.interop.model import ExchangeFile
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTempo
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.xmlfile import ATTRIBUTE_ESCAPES
from mixxx_peewee.interop.xmlfile import NOT_XML
from mixxx_peewee.interop.xmlfile import iter_xml

__all__ = [
    "KEY_NOTATIONS",
    "TRACK_COLOURS",
    "location_to_path",
    "path_to_location",
    "read_rekordbox",
    "write_rekordbox",
]

WHAT = "rekordbox XML file"
KEY_NOTATIONS = ("classic", "camelot", "openkey")
# rekordbox's eight track colours (Rose, Red, Orange, Lemon, Green, Turquoise, Blue, Violet).
TRACK_COLOURS = (0xFF007F, 0xFF0000, 0xFFA500, 0xFFFF00, 0x00FF00, 0x25FDE9, 0x0000FF, 0x660099)
# The spelling rekordbox's "Classic" key display uses (the Camelot wheel's names:
# flats for Db Eb Ab Bb, F# for the tritone), indexed by Mixxx's key_id.
_CLASSIC = (
    "",
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
    "Cm", "Dbm", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "Abm", "Am", "Bbm", "Bm",
)  # fmt: skip
_STARS = (0, 51, 102, 153, 204, 255)
_KINDS = {
    "mp3": "MP3 File",
    "m4a": "M4A File",
    "mp4": "M4A File",
    "aac": "AAC File",
    "wav": "WAV File",
    "aif": "AIFF File",
    "aiff": "AIFF File",
    "flac": "FLAC File",
    "ogg": "OGG File",
    "alac": "ALAC File",
}
_KIND_WORDS = {"mp3", "m4a", "mp4", "aac", "wav", "aiff", "aif", "flac", "ogg", "alac"}
_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_PREFIXES = ("file://localhost/", "file:///")
_DRIVE = re.compile(r"^[A-Za-z]:[/\\]")
_PLAIN = re.compile('[^\x00-\x1f&<>"\ud800-\udfff\ufffe\uffff]*\\Z')
_TYPE_OF = {
    "0": None,  # a cue: hot or memory, decided by Num
    "1": CueKind.FADE_IN,
    "2": CueKind.FADE_OUT,
    "3": CueKind.LOAD,
    "4": CueKind.LOOP,
}


# --- small conversions, both ways -------------------------------------------------------


def path_to_location(path: str) -> str:
    """The ``file://localhost/`` URL of an absolute path (POSIX, macOS or ``D:/`` Windows)."""
    if _DRIVE.match(path):
        head, rest = path[:2], path[2:]
    elif path.startswith("/"):
        head, rest = "", path[1:]
    else:
        raise ValidationError(f"not an absolute path, so no rekordbox Location: {path!r}")
    return "file://localhost/" + head + quote(rest, safe="/", errors="surrogateescape")


def location_to_path(location: str) -> str | None:
    """The path of a ``file://localhost/…`` or ``file:///…`` Location; None if not a file URL."""
    for prefix in _PREFIXES:
        if location.startswith(prefix):
            rest = location[len(prefix) :]
            break
    else:
        return None
    path = unquote(rest, errors="surrogateescape")
    if _DRIVE.match(path):
        return path
    return "/" + path.lstrip("/")  # pyrekordbox writes "localhost//Users/…"


def _attr(value: object) -> str:
    """A double-quoted XML attribute value, escaped; characters XML forbids dropped."""
    text = str(value)
    if _PLAIN.match(text):  # most values: nothing to escape or drop
        return '"' + text + '"'
    return '"' + NOT_XML.sub("", text).translate(ATTRIBUTE_ESCAPES) + '"'


def _tempo_bpm(bpm: float) -> str:
    """A TEMPO's BPM: two decimals as rekordbox writes them, more when the grid has them
    (up to six), so a grid comes back within 0.001 BPM."""
    text = f"{bpm:.6f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def _seconds(value: float) -> str:
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _nearest_colour(rgb: int) -> int:
    """The rekordbox track colour nearest to ``rgb`` (RGB distance; the first on a tie)."""
    r, g, b = rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF

    def distance(colour: int) -> int:
        return (
            ((colour >> 16) - r) ** 2 + ((colour >> 8 & 0xFF) - g) ** 2 + ((colour & 0xFF) - b) ** 2
        )

    return min(TRACK_COLOURS, key=distance)


def _tonality(key_id: int | None, notation: str) -> str:
    if not key_id:
        return ""
    if notation == "classic":
        return _CLASSIC[key_id]
    return key_to_text(key_id, "lancelot" if notation == "camelot" else "openkey")


def _leading_int(text: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else None


# --- writing ------------------------------------------------------------------------------


def _track_tag(track: ExchangeTrack, notation: str) -> str:
    kind = _KINDS.get(
        (track.kind or "").lower(), f"{track.kind.upper()} File" if track.kind else ""
    )
    pairs: list[tuple[str, object]] = [
        ("TrackID", track.key),
        ("Name", track.title or ""),
        ("Artist", track.artist or ""),
        ("Composer", track.composer or ""),
        ("Album", track.album or ""),
        ("Grouping", track.grouping or ""),
        ("Genre", track.genre or ""),
        ("Kind", kind),
    ]
    if track.size is not None:
        pairs.append(("Size", track.size))
    if track.duration is not None:
        pairs.append(("TotalTime", math.floor(track.duration + 0.5)))
    pairs.append(("TrackNumber", _leading_int(track.track_number) or 0))
    pairs.append(("Year", _leading_int(track.year) or 0))
    pairs.append(("AverageBpm", f"{track.bpm or 0:.2f}"))
    if track.date_added is not None:
        pairs.append(("DateAdded", track.date_added.strftime("%Y-%m-%d")))
    if track.bitrate is not None:
        pairs.append(("BitRate", track.bitrate))
    if track.samplerate is not None:
        pairs.append(("SampleRate", track.samplerate))
    pairs.append(("Comments", track.comment or ""))
    if track.play_count is not None:
        pairs.append(("PlayCount", track.play_count))
    if track.last_played is not None:
        pairs.append(("LastPlayed", track.last_played.strftime("%Y-%m-%d")))
    if track.rating is not None:
        pairs.append(("Rating", _STARS[max(0, min(5, track.rating))]))
    pairs.append(("Location", path_to_location(track.path)))
    pairs.append(("Remixer", track.remixer or ""))
    pairs.append(("Tonality", _tonality(track.key_id, notation)))
    pairs.append(("Label", track.label or ""))
    pairs.append(("Mix", ""))
    if track.color is not None:
        pairs.append(("Colour", f"0x{_nearest_colour(track.color):06X}"))
    return " ".join(f"{name}={_attr(value)}" for name, value in pairs)


def _mark(cue: ExchangeCue, kind: str, start: float, num: int | None, end: float | None) -> str:
    if start < -0.0005 or (end is not None and end < -0.0005):
        raise ValidationError(f"a {cue.kind} at {start:.3f} s: rekordbox has no negative positions")
    text = f'<POSITION_MARK Name={_attr(cue.name)} Type="{kind}" Start="{_seconds(start)}"'
    if end is not None:
        text += f' End="{_seconds(end)}"'
    if num is not None:
        text += f' Num="{num}"'
    if cue.color is not None:
        rgb = cue.color
        text += f' Red="{rgb >> 16 & 0xFF}" Green="{rgb >> 8 & 0xFF}" Blue="{rgb & 0xFF}"'
    return text + "/>"


def _slot(number: int | None) -> int:
    return number if number is not None and 0 <= number <= 7 else -1


def _marks(cues: Sequence[ExchangeCue]) -> list[str]:
    ordered = [c for c in cues if c.kind is CueKind.MAIN] + [
        c for c in cues if c.kind is not CueKind.MAIN
    ]
    marks: list[str] = []
    for cue in ordered:
        if cue.kind in (CueKind.HOTCUE, CueKind.MEMORY, CueKind.MAIN):
            num = _slot(cue.number) if cue.kind is CueKind.HOTCUE else -1
            marks.append(_mark(cue, "0", cue.start, num, None))
        elif cue.kind is CueKind.LOOP:
            end = cue.end if cue.end is not None else cue.start
            marks.append(_mark(cue, "4", cue.start, _slot(cue.number), end))
        elif cue.kind in (CueKind.INTRO, CueKind.FADE_IN):
            marks.append(_mark(cue, "1", cue.start, -1, None))
        elif cue.kind in (CueKind.OUTRO, CueKind.FADE_OUT):
            at = cue.end if cue.kind is CueKind.OUTRO and cue.end is not None else cue.start
            marks.append(_mark(cue, "2", at, -1, None))
        elif cue.kind is CueKind.LOAD:
            marks.append(_mark(cue, "3", cue.start, -1, None))
    return marks


def _write_track(out: TextIO, track: ExchangeTrack, notation: str) -> None:
    head = f"    <TRACK {_track_tag(track, notation)}"
    try:
        marks = _marks(track.cues)
    except ValidationError as exc:
        raise ValidationError(f"TrackID {track.key}: {exc}") from None
    if not track.tempos and not marks:
        out.write(head + "/>\n")
        return
    lines = [head + ">"]
    for tempo in track.tempos:
        lines.append(
            f'      <TEMPO Inizio="{_seconds(tempo.start)}" Bpm="{_tempo_bpm(tempo.bpm)}"'
            f' Metro={_attr(tempo.meter)} Battito="{tempo.beat_in_bar}"/>'
        )
    lines.extend("      " + mark for mark in marks)
    lines.append("    </TRACK>\n")
    out.write("\n".join(lines))


def _write_nodes(out: TextIO, nodes: Sequence[ExchangeNode], depth: int) -> None:
    pad = "  " * depth
    for node in nodes:
        if node.children is not None:
            out.write(
                f'{pad}<NODE Type="0" Name={_attr(node.name)} Count="{len(node.children)}">\n'
            )
            _write_nodes(out, node.children, depth + 1)
            out.write(f"{pad}</NODE>\n")
        else:
            out.write(
                f'{pad}<NODE Name={_attr(node.name)} Type="1" KeyType="0"'
                f' Entries="{len(node.entries)}">\n'
            )
            for key in node.entries:
                out.write(f"{pad}  <TRACK Key={_attr(key)}/>\n")
            out.write(f"{pad}</NODE>\n")


def write_rekordbox(
    out: TextIO,
    tracks: Iterable[ExchangeTrack],
    playlists: Sequence[ExchangeNode],
    *,
    count: int,
    key_notation: str = "classic",
    product_version: str = "",
) -> int:
    """Write a rekordbox XML file to ``out``, one TRACK at a time; returns tracks written.

    ``count`` is the COLLECTION's ``Entries`` (written before the tracks); raises
    ValidationError for an unknown notation, a relative path, a negative position, or
    a ``count`` that differs from the tracks written.
    """
    if key_notation not in KEY_NOTATIONS:
        raise ValidationError(
            f"key notation must be one of {', '.join(KEY_NOTATIONS)}, not {key_notation!r}"
        )
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n\n<DJ_PLAYLISTS Version="1.0.0">\n')
    out.write(
        f'  <PRODUCT Name="mixxx-peewee" Version={_attr(product_version)}'
        ' Company="mixxx-peewee"/>\n'
    )
    out.write(f'  <COLLECTION Entries="{count}">\n')
    written = 0
    for track in tracks:
        _write_track(out, track, key_notation)
        written += 1
    out.write("  </COLLECTION>\n  <PLAYLISTS>\n")
    out.write(f'    <NODE Type="0" Name="ROOT" Count="{len(playlists)}">\n')
    _write_nodes(out, playlists, 3)
    out.write("    </NODE>\n  </PLAYLISTS>\n</DJ_PLAYLISTS>\n")
    if written != count:
        raise ValidationError(f"COLLECTION Entries said {count} tracks, {written} were written")
    return written


# --- reading ------------------------------------------------------------------------------


class _Reader:
    """The state of one read: the file's name for messages, what was seen so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.keys: set[int | str] = set()
        self.by_path: dict[str, int | str] = {}
        self.skipped: set[int | str] = set()
        self.unknown_keys: set[str] = set()
        self.bad_numbers = 0

    def fail(self, message: str) -> ExchangeFormatError:
        return ExchangeFormatError(f"{self.path}: {message}")

    def number(self, element: Element, name: str, owner: str, *, required: bool) -> float | None:
        text = element.get(name)
        if text is None or not text.strip():
            if required:
                raise self.fail(f"a {element.tag} of {owner} has no {name}")
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"{element.tag} {name}={text!r} of {owner} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise self.fail(f"{element.tag} {name}={text!r} of {owner} is not a position")
        return value

    def loose_int(self, element: Element, name: str) -> int | None:
        """A TRACK's count or size; a value that is not a number is left out (and counted)."""
        text = (element.get(name) or "").strip()
        if not text:
            return None
        try:
            return int(float(text))
        except (ValueError, OverflowError):
            self.bad_numbers += 1
            return None


def _text(element: Element, name: str) -> str | None:
    return element.get(name) or None


def _date(text: str | None) -> datetime | None:
    match = _DATE.match(text or "")
    if match is None:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2021-02-30
        return None


def _kind(text: str | None, path: str) -> str | None:
    for word in re.split(r"[^0-9a-z]+", (text or "").lower()):
        if word in _KIND_WORDS:
            return "aiff" if word == "aif" else word
    suffix = path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return suffix if suffix in _KIND_WORDS else None


def _track_key(text: str) -> int | str:
    stripped = text.strip()
    return int(stripped) if re.fullmatch(r"-?\d+", stripped) else stripped


def _cue(reader: _Reader, mark: Element, owner: str) -> ExchangeCue:
    kind_text = (mark.get("Type") or "").strip()
    if kind_text not in _TYPE_OF:
        raise reader.fail(f"POSITION_MARK Type={kind_text!r} of {owner} is not a rekordbox type")
    start = reader.number(mark, "Start", owner, required=True)
    assert start is not None
    end = reader.number(mark, "End", owner, required=kind_text == "4")
    if end is not None and end < start:
        raise reader.fail(f"a POSITION_MARK of {owner} ends ({end}) before it starts ({start})")
    num_text = (mark.get("Num") or "-1").strip()
    try:
        num = int(num_text)
    except ValueError:
        raise reader.fail(f"POSITION_MARK Num={num_text!r} of {owner} is not a number") from None
    if not -1 <= num <= 7:
        raise reader.fail(f"hot cue number {num} of {owner}: rekordbox has A-H (0-7) and -1")
    color = None
    rgb = [mark.get(name) for name in ("Red", "Green", "Blue")]
    if all(part is not None and part.strip().isdigit() for part in rgb):
        red, green, blue = (min(255, int(part or 0)) for part in rgb)
        color = red << 16 | green << 8 | blue
    kind = _TYPE_OF[kind_text]
    if kind is None:
        kind = CueKind.HOTCUE if num >= 0 else CueKind.MEMORY
    number = num if num >= 0 and kind in (CueKind.HOTCUE, CueKind.LOOP) else None
    return ExchangeCue(kind, start, end, number, mark.get("Name") or "", color)


def _tempo(reader: _Reader, element: Element, owner: str) -> ExchangeTempo:
    start = reader.number(element, "Inizio", owner, required=True)
    bpm = reader.number(element, "Bpm", owner, required=True)
    assert start is not None and bpm is not None
    beat = _leading_int(element.get("Battito")) or 1
    return ExchangeTempo(start, bpm, beat, element.get("Metro") or "4/4")


def _track(reader: _Reader, element: Element, ordinal: int) -> ExchangeTrack | None:
    id_text = element.get("TrackID")
    if id_text is None or not id_text.strip():
        raise reader.fail(f"TRACK number {ordinal} of the COLLECTION has no TrackID")
    key = _track_key(id_text)
    owner = f"TrackID {key}"
    if key in reader.keys or key in reader.skipped:
        raise reader.fail(f"{owner} is in the COLLECTION twice")
    location = (element.get("Location") or "").strip()
    if not location:
        raise reader.fail(f"{owner} has no Location")
    path = location_to_path(location)
    if path is None:  # a streaming service's track: no file to match
        reader.skipped.add(key)
        reader.warnings.append(f"{owner} is not a file ({location[:60]}); left out")
        return None
    reader.keys.add(key)
    reader.by_path.setdefault(path, key)
    tonality = (element.get("Tonality") or "").strip()
    key_id = guess_key_id(tonality) or None
    if tonality and key_id is None:
        reader.unknown_keys.add(tonality)
    colour = (element.get("Colour") or "").strip()
    year = _leading_int(element.get("Year")) or None
    track_number = _leading_int(element.get("TrackNumber")) or None
    rating = reader.loose_int(element, "Rating")
    bpm = reader.number(element, "AverageBpm", owner, required=False) or None
    duration = reader.number(element, "TotalTime", owner, required=False)
    tempos: list[ExchangeTempo] = []
    cues: list[ExchangeCue] = []
    for child in element:
        if child.tag == "TEMPO":
            tempos.append(_tempo(reader, child, owner))
        elif child.tag == "POSITION_MARK":
            cues.append(_cue(reader, child, owner))
    return ExchangeTrack(
        key=key,
        path=path,
        title=_text(element, "Name"),
        artist=_text(element, "Artist"),
        composer=_text(element, "Composer"),
        album=_text(element, "Album"),
        grouping=_text(element, "Grouping"),
        genre=_text(element, "Genre"),
        comment=_text(element, "Comments"),
        year=str(year) if year else None,
        track_number=str(track_number) if track_number else None,
        label=_text(element, "Label"),
        remixer=_text(element, "Remixer"),
        kind=_kind(element.get("Kind"), path),
        duration=duration,
        bitrate=reader.loose_int(element, "BitRate"),
        samplerate=reader.loose_int(element, "SampleRate"),
        size=reader.loose_int(element, "Size"),
        date_added=_date(element.get("DateAdded")),
        last_played=_date(element.get("LastPlayed")),
        play_count=reader.loose_int(element, "PlayCount"),
        rating=None if rating is None else max(0, min(5, math.floor(rating / 51 + 0.5))),
        color=int(colour.removeprefix("#"), 16)
        if re.fullmatch(r"(0x|#)?[0-9A-Fa-f]{1,6}", colour)
        else None,
        key_id=key_id,
        bpm=bpm,
        tempos=tempos,
        cues=cues,
    )


def _resolve_entries(reader: _Reader, pending: list[tuple[ExchangeNode, str, list[str]]]) -> None:
    """Turn each playlist's raw Keys into track keys (TrackIDs, or Locations' TrackIDs)."""
    for node, key_type, raw in pending:
        for text in raw:
            if key_type == "1":
                path = location_to_path(text.strip()) or text
                node.entries.append(reader.by_path.get(path, path))
                continue
            key = _track_key(text)
            if key in reader.keys:
                node.entries.append(key)
            elif key not in reader.skipped:
                reader.warnings.append(
                    f"playlist {node.name!r} names TrackID {key}, which is not in the"
                    " COLLECTION; left out"
                )


def read_rekordbox(path: Path) -> ExchangeFile:
    """Read a rekordbox XML file as a stream; raises ExchangeFormatError (one line) if bad."""
    reader = _Reader(path)
    tracks: list[ExchangeTrack] = []
    top: list[ExchangeNode] = []
    stack: list[ExchangeNode] = []  # the open NODEs under ROOT
    pending: list[tuple[ExchangeNode, str, list[str]]] = []
    open_elements: list[Element] = []  # from the root to the element being read
    product = ""
    entries_said: int | None = None
    in_root_node = False
    for event, element in iter_xml(path, root="DJ_PLAYLISTS", what=WHAT):
        tag = element.tag
        if event == "start":
            parent = open_elements[-1].tag if open_elements else ""
            open_elements.append(element)
            if tag == "PRODUCT" and parent == "DJ_PLAYLISTS":
                product = " ".join(p for p in (element.get("Name"), element.get("Version")) if p)
            elif tag == "COLLECTION" and parent == "DJ_PLAYLISTS":
                entries_said = _leading_int(element.get("Entries"))
            elif tag == "NODE" and parent == "PLAYLISTS":
                in_root_node = True
            elif tag == "NODE" and in_root_node:
                name = element.get("Name") or ""
                node_type = (element.get("Type") or "").strip()
                if node_type == "0":
                    node = ExchangeNode(name, children=[])
                elif node_type == "1":
                    node = ExchangeNode(name)
                    pending.append((node, (element.get("KeyType") or "0").strip(), []))
                else:
                    raise reader.fail(f"NODE {name!r} has Type={node_type!r}, not 0 or 1")
                if stack:
                    container = stack[-1].children
                    if container is None:
                        raise reader.fail(f"playlist {stack[-1].name!r} holds a NODE")
                    container.append(node)
                else:
                    top.append(node)
                stack.append(node)
            continue
        open_elements.pop()
        parent = open_elements[-1].tag if open_elements else ""
        if tag == "TRACK" and parent == "COLLECTION":
            track = _track(reader, element, len(tracks) + len(reader.skipped) + 1)
            if track is not None:
                tracks.append(track)
            open_elements[-1].clear()  # the COLLECTION lets go of the TRACK (read, so flat)
        elif tag == "TRACK" and stack and parent == "NODE":
            if pending and pending[-1][0] is stack[-1]:
                key_text = element.get("Key")
                if key_text is not None:
                    pending[-1][2].append(key_text)
            open_elements[-1].clear()  # the playlist's attributes were read at its start
        elif tag == "NODE" and stack:
            stack.pop()
            element.clear()
        elif tag == "NODE" and in_root_node and parent == "PLAYLISTS":
            in_root_node = False
            element.clear()
    _resolve_entries(reader, pending)
    read = len(tracks) + len(reader.skipped)
    if entries_said is not None and entries_said != read:
        reader.warnings.append(f"the COLLECTION says {entries_said} tracks and holds {read}")
    if reader.unknown_keys:
        shown = ", ".join(sorted(reader.unknown_keys)[:5])
        reader.warnings.append(f"Tonality not read as a key: {shown}")
    if reader.bad_numbers:
        reader.warnings.append(f"{reader.bad_numbers} TRACK numbers were not numbers; left out")
    return ExchangeFile(tracks=tracks, playlists=top, product=product, warnings=reader.warnings)
