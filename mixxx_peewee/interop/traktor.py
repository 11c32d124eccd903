"""Traktor NML (``collection.nml``) ↔ the exchange form, both ways and streamed.

A track is an ``ENTRY`` whose ``LOCATION`` splits the path into ``VOLUME`` (a Windows
drive ``D:``, a macOS volume name, or the system volume for every other absolute path),
``DIR`` (``/:Music/:Sub/:``: each ``/`` written ``/:``) and ``FILE``; its primary key
(what playlists name) is ``VOLUME + DIR + FILE``. Cue points are ``CUE_V2`` in
milliseconds: TYPE 0 cue (``HOTCUE`` 0-7 or -1), 1 fade-in, 2 fade-out, 3 load, 4 grid
marker, 5 loop (``LEN``). The grid is ``TEMPO BPM`` anchored at the TYPE 4 marker; each
marker also carries its own ``GRID BPM`` (as Traktor 3 and 4 write it), so a varying grid
survives our own round trip, though Traktor itself plays one BPM per track.

Not carried (no place in NML): album artist, grouping, sample rate, file type, a
marker's bar position (a Traktor grid marker is a downbeat), the intro's end and the
outro's start. Carried with a loss: dates (day only), ``FILESIZE`` (Traktor counts kB),
the track colour (Traktor's seven colour indexes, nearest by RGB), the composer (as
Traktor's producer). Cue colours are written as ``COLOR="#RRGGBB"`` (Traktor 4 reads
it; Traktor 3 has no cue colours). Paths are kept byte for byte in their Unicode form.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TextIO
from xml.etree.ElementTree import Element

from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.errors import ExchangeFormatError
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
    "SYSTEM_VOLUME",
    "TRAKTOR_COLORS",
    "location_of",
    "nearest_color_index",
    "path_of",
    "read_traktor",
    "write_traktor",
]

SYSTEM_VOLUME = "Macintosh HD"  # what Traktor names the volume mounted at "/"
WHAT = "Traktor NML file"

# Traktor's track colour index -> the RGB shown for it (red, orange, yellow, green, blue,
# violet, magenta); 0 or no COLOR is "no colour".
TRAKTOR_COLORS = {
    1: 0xFF0000,
    2: 0xFF8000,
    3: 0xFFFF00,
    4: 0x00FF00,
    5: 0x0000FF,
    6: 0x8000FF,
    7: 0xFF00FF,
}

_DRIVE = re.compile(r"^[A-Za-z]:$")
_DRIVE_PATH = re.compile(r"^([A-Za-z]:)(/.*)$")
_SPECIAL = re.compile('[&<>"\n\r\t]')
_NO_NAME = "n.n."
_TYPE_CUE, _TYPE_FADE_IN, _TYPE_FADE_OUT, _TYPE_LOAD, _TYPE_GRID, _TYPE_LOOP = range(6)
_MARKER_KIND = {
    _TYPE_FADE_IN: CueKind.FADE_IN,
    _TYPE_FADE_OUT: CueKind.FADE_OUT,
    _TYPE_LOAD: CueKind.LOAD,
}


# -- paths -----------------------------------------------------------------------------


def location_of(path: str, system_volume: str = SYSTEM_VOLUME) -> tuple[str, str, str]:
    """``(VOLUME, DIR, FILE)`` of an absolute path; raises ValueError for another path.

    ``D:/Music/a.mp3`` -> ``("D:", "/:Music/:", "a.mp3")``; ``/Volumes/USB/a.mp3`` ->
    ``("USB", "/:", "a.mp3")``; any other absolute path is on the system volume with its
    whole directory (``/home/dj/a.mp3`` -> ``("Macintosh HD", "/:home/:dj/:", "a.mp3")``).
    """
    drive = _DRIVE_PATH.match(path)
    if drive:
        volume, rest = drive.group(1), drive.group(2)
    elif path.startswith("/"):
        volume, rest = system_volume, path
        parts = path.split("/", 3)  # "", "Volumes", name, rest
        if (
            len(parts) == 4
            and parts[1] == "Volumes"
            and parts[2]
            and parts[2] != system_volume
            and not _DRIVE.match(parts[2])
        ):
            volume, rest = parts[2], "/" + parts[3]
    else:
        raise ValueError(f"not an absolute path: {path!r}")
    folder, _, file = rest.rpartition("/")
    if not file:
        raise ValueError(f"not a file path (it ends with '/'): {path!r}")
    return volume, folder.replace("/", "/:") + "/:", file


def path_of(volume: str, folder: str, file: str, system_volume: str = SYSTEM_VOLUME) -> str:
    """The absolute path of a ``LOCATION`` (the inverse of :func:`location_of`)."""
    rest = folder.replace("/:", "/") + file  # as Mixxx's traktorfeature.cpp reads DIR
    if not rest.startswith("/"):
        rest = "/" + rest
    if _DRIVE.match(volume):
        return volume + rest
    if volume in ("", system_volume):
        return rest
    return "/Volumes/" + volume + rest


# -- writing ---------------------------------------------------------------------------


def _escape(value: str) -> str:
    return value.translate(ATTRIBUTE_ESCAPES) if _SPECIAL.search(value) else value


def _attributes(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(
        f' {name}="{_escape(value) if isinstance(value, str) else value}"'
        for name, value in pairs
        if value is not None
    )


def _text(value: str | None, what: str, warnings: list[str]) -> str | None:
    if value is None or not NOT_XML.search(value):
        return value
    warnings.append(f"{what}: characters XML cannot hold were left out")
    return NOT_XML.sub("", value)


def _day(value: datetime | None) -> str | None:
    return None if value is None else f"{value.year}/{value.month}/{value.day}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000.0:.6f}"


def _release_date(year: str | None) -> str | None:
    if year is None:
        return None
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})-(\d{2}))?", year)
    if not match:
        return None
    y, m, d = match.groups()
    return f"{y}/1/1" if m is None else f"{y}/{int(m)}/{int(d)}"


def _track_number(number: str | None) -> tuple[str | None, str | None]:
    match = re.fullmatch(r"(\d+)(?:/(\d+))?", number or "")
    return (match.group(1), match.group(2)) if match else (None, None)


def nearest_color_index(rgb: int) -> int:
    """Traktor's colour index (1-7) nearest to ``0xRRGGBB`` (squared RGB distance)."""

    def distance(other: int) -> int:
        return sum(((rgb >> s & 255) - (other >> s & 255)) ** 2 for s in (16, 8, 0))

    return min(TRAKTOR_COLORS, key=lambda index: distance(TRAKTOR_COLORS[index]))


def _cue_element(
    type_: int, start: float, length: float, hotcue: int, name: str, color: int | None
) -> str:
    colour = "" if color is None else f' COLOR="#{color:06X}"'
    return (
        f'<CUE_V2 NAME="{_escape(name or _NO_NAME)}" DISPL_ORDER="0" TYPE="{type_}"'
        f' START="{_ms(start)}" LEN="{_ms(length)}" REPEATS="-1" HOTCUE="{hotcue}"{colour}>'
        "</CUE_V2>\n"
    )


def _grid_elements(track: ExchangeTrack, what: str, warnings: list[str]) -> Iterator[str]:
    if len({tempo.bpm for tempo in track.tempos}) > 1:
        warnings.append(f"{what}: a varying grid; Traktor plays one BPM ({track.tempos[0].bpm:g})")
    moved = False
    for tempo in track.tempos:
        if not (math.isfinite(tempo.bpm) and tempo.bpm > 0 and math.isfinite(tempo.start)):
            warnings.append(f"{what}: a tempo of {tempo.bpm!r} BPM was left out")
            continue
        start = tempo.start
        if start < 0:  # the same grid, anchored at its first beat at or after 0 s
            beat = 60.0 / tempo.bpm
            start += math.ceil(-start / beat - 1e-9) * beat
        if tempo.beat_in_bar != 1 and not moved:  # one note per track, not per marker
            moved = True
            warnings.append(
                f"{what}: a grid marker is a downbeat in Traktor (beat {tempo.beat_in_bar} moved)"
            )
        yield (
            f'<CUE_V2 NAME="AutoGrid" DISPL_ORDER="0" TYPE="{_TYPE_GRID}"'
            f' START="{_ms(start)}" LEN="{_ms(0.0)}" REPEATS="-1" HOTCUE="-1">'
            f'<GRID BPM="{tempo.bpm:.6f}"></GRID></CUE_V2>\n'
        )


def _cue_elements(track: ExchangeTrack, what: str, warnings: list[str]) -> Iterator[str]:
    cues = sorted(track.cues, key=lambda cue: cue.kind != CueKind.MAIN)  # main first, stable
    for cue in cues:
        name = _text(cue.name, what, warnings) or ""
        hotcue = -1 if cue.number is None else cue.number
        if not 0 <= hotcue <= 7:
            if cue.number is not None:
                warnings.append(
                    f"{what}: hot cue {cue.number + 1} has no Traktor slot (written without one)"
                )
            hotcue = -1
        position = cue.start
        if cue.kind == CueKind.OUTRO and cue.end is not None:
            position = cue.end  # Traktor's fade-out marks where the outro ends
        if not math.isfinite(position) or position < 0:
            warnings.append(f"{what}: a {cue.kind} at {position!r} s was left out")
            continue
        length = 0.0
        if cue.kind in (CueKind.HOTCUE, CueKind.MEMORY, CueKind.MAIN):
            type_ = _TYPE_CUE
            if cue.kind == CueKind.MAIN:
                hotcue = -1
        elif cue.kind == CueKind.LOOP:
            type_ = _TYPE_LOOP
            if cue.end is None or not cue.end >= cue.start:
                warnings.append(
                    f"{what}: a loop at {cue.start:g} s without a valid end was left out"
                )
                continue
            length = cue.end - cue.start
        elif cue.kind in (CueKind.INTRO, CueKind.FADE_IN):
            type_ = _TYPE_FADE_IN
        elif cue.kind in (CueKind.OUTRO, CueKind.FADE_OUT):
            type_ = _TYPE_FADE_OUT
        else:
            type_ = _TYPE_LOAD
        yield _cue_element(type_, position, length, hotcue, name, cue.color)


def _entry(track: ExchangeTrack, location: tuple[str, str, str], warnings: list[str]) -> str:
    what = track.path

    def text(value: str | None) -> str | None:
        return _text(value, what, warnings)

    volume, folder, file = location
    number, of_tracks = _track_number(track.track_number)
    info = [
        ("BITRATE", None if track.bitrate is None else track.bitrate * 1000),
        ("GENRE", text(track.genre)),
        ("LABEL", text(track.label)),
        ("COMMENT", text(track.comment)),
        ("REMIXER", text(track.remixer)),
        ("PRODUCER", text(track.composer)),
        ("KEY", key_to_text(track.key_id, "openkey") if track.key_id else None),
        ("PLAYCOUNT", track.play_count),
        ("PLAYTIME", None if track.duration is None else round(track.duration)),
        ("PLAYTIME_FLOAT", None if track.duration is None else f"{track.duration:.6f}"),
        ("RANKING", None if track.rating is None else track.rating * 51),
        ("IMPORT_DATE", _day(track.date_added)),
        ("LAST_PLAYED", _day(track.last_played)),
        ("RELEASE_DATE", _release_date(track.year)),
        ("FILESIZE", None if track.size is None else round(track.size / 1024)),
        ("COLOR", None if track.color is None else nearest_color_index(track.color)),
    ]
    head = [
        ("MODIFIED_DATE", _day(datetime.now(UTC))),
        ("TITLE", text(track.title)),
        ("ARTIST", text(track.artist)),
    ]
    where = [("DIR", folder), ("FILE", file), ("VOLUME", volume), ("VOLUMEID", volume)]
    parts = [f"<ENTRY{_attributes(head)}>", f"<LOCATION{_attributes(where)}></LOCATION>\n"]
    if track.album is not None or number is not None:
        album = [("TITLE", text(track.album)), ("TRACK", number), ("OF_TRACKS", of_tracks)]
        parts.append(f"<ALBUM{_attributes(album)}></ALBUM>\n")
    parts.append(f"<INFO{_attributes(info)}></INFO>\n")
    bpm = (
        track.tempos[0].bpm if track.tempos else track.bpm
    )  # the grid's tempo, as Traktor plays it
    if bpm is not None and math.isfinite(bpm) and bpm > 0:
        parts.append(f'<TEMPO BPM="{bpm:.6f}" BPM_QUALITY="100.000000"></TEMPO>\n')
    if track.key_id:
        parts.append(f'<MUSICAL_KEY VALUE="{track.key_id - 1}"></MUSICAL_KEY>\n')
    parts.extend(_grid_elements(track, what, warnings))
    parts.extend(_cue_elements(track, what, warnings))
    parts.append("</ENTRY>\n")
    return "".join(parts)


def _write_nodes(
    out: TextIO, nodes: Sequence[ExchangeNode], keys: dict[int | str, str], warnings: list[str]
) -> None:
    for node in nodes:
        name = _escape(_text(node.name, f"playlist {node.name!r}", warnings) or "")
        if node.children is not None:
            out.write(
                f'<NODE TYPE="FOLDER" NAME="{name}"><SUBNODES COUNT="{len(node.children)}">\n'
            )
            _write_nodes(out, node.children, keys, warnings)
            out.write("</SUBNODES>\n</NODE>\n")
            continue
        entries = [keys[key] for key in node.entries if key in keys]
        if len(entries) < len(node.entries):
            warnings.append(
                f"playlist {node.name!r}: {len(node.entries) - len(entries)} entries"
                " name no written track"
            )
        out.write(
            f'<NODE TYPE="PLAYLIST" NAME="{name}">'
            f'<PLAYLIST ENTRIES="{len(entries)}" TYPE="LIST" UUID="{uuid.uuid4().hex}">\n'
        )
        for key in entries:
            out.write(
                f'<ENTRY><PRIMARYKEY TYPE="TRACK" KEY="{_escape(key)}"></PRIMARYKEY>\n</ENTRY>\n'
            )
        out.write("</PLAYLIST>\n</NODE>\n")


def write_traktor(
    out: TextIO,
    tracks: Iterable[ExchangeTrack],
    playlists: Sequence[ExchangeNode],
    *,
    count: int,
    product_version: str = "",
    system_volume: str = SYSTEM_VOLUME,
    warnings: list[str] | None = None,
) -> int:
    """Write an NML collection of ``tracks`` (``count`` of them) and ``playlists``; tracks written.

    Streamed: one track at a time, only a key -> primary key dict kept for the playlists.
    What cannot be written (a path that is not absolute or holds characters XML cannot
    hold, a second track at one path, a hot cue beyond slot 8, a varying grid) is told in
    ``warnings`` when given.
    """
    notes: list[str] = warnings if warnings is not None else []
    out.write('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n')
    version = re.sub(r"-+", "-", product_version).strip(" -")  # a comment holds no "--"
    out.write(f"<!-- written by mixxx_peewee {version} -->\n".replace("  ", " "))
    out.write(
        '<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" PROGRAM="Traktor"></HEAD>\n'
    )
    out.write("<MUSICFOLDERS></MUSICFOLDERS>\n")
    out.write(f'<COLLECTION ENTRIES="{count}">\n')
    keys: dict[int | str, str] = {}
    written: set[str] = set()
    for track in tracks:
        if NOT_XML.search(track.path):
            notes.append(
                f"{track.path!r}: the path holds characters XML cannot hold; track left out"
            )
            continue
        try:
            location = location_of(track.path, system_volume)
        except ValueError as exc:
            notes.append(f"{exc}; track left out")
            continue
        primary = "".join(location)
        if primary in written:
            notes.append(f"{track.path}: a second track at this path was left out")
            continue
        written.add(primary)
        keys[track.key] = primary
        out.write(_entry(track, location, notes))
    out.write("</COLLECTION>\n")
    out.write('<SETS ENTRIES="0"></SETS>\n')
    out.write(f'<PLAYLISTS><NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="{len(playlists)}">\n')
    _write_nodes(out, playlists, keys, notes)
    out.write("</SUBNODES>\n</NODE>\n</PLAYLISTS>\n</NML>\n")
    if len(written) != count:
        notes.append(f"{len(written)} tracks written, {count} announced")
    return len(written)


# -- reading ---------------------------------------------------------------------------


class _Entry:
    """Where a value came from, for one error line."""

    def __init__(self, path: Path, number: int, element: Element) -> None:
        self.path = path
        self.label = f"entry {number}"
        title = element.get("TITLE")
        if title:
            self.label += f" ({title[:60]!r})"

    def error(self, message: str) -> ExchangeFormatError:
        return ExchangeFormatError(f"{self.path}: {self.label}: {message}")

    def number(self, element: Element, name: str) -> float | None:
        text = element.get(name)
        if text is None or text.strip() == "":
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.error(f"{element.tag} {name}={text!r} is not a number")
        return value

    def integer(self, element: Element, name: str) -> int | None:
        value = self.number(element, name)
        if value is None:
            return None
        if value != int(value):
            raise self.error(f"{element.tag} {name}={element.get(name)!r} is not a whole number")
        return int(value)

    def day(self, element: Element, name: str) -> datetime | None:
        text = element.get(name)
        if not text:
            return None
        try:
            return datetime.strptime(text, "%Y/%m/%d")
        except ValueError:
            raise self.error(f"INFO {name}={text!r} is not a date (yyyy/m/d)") from None


def _year(text: str | None) -> str | None:
    if not text:
        return text
    match = re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", text)
    if not match:
        return text
    y, m, d = match.groups()
    return y if (m, d) == ("1", "1") else f"{y}-{int(m):02d}-{int(d):02d}"


def _cue_color(text: str | None) -> int | None:
    match = re.fullmatch(r"#([0-9A-Fa-f]{6})", text or "")
    return int(match.group(1), 16) if match else None


def _read_cues(entry: Element, where: _Entry, track: ExchangeTrack) -> None:
    for cue in entry.iterfind("CUE_V2"):
        type_ = where.integer(cue, "TYPE")
        start = where.number(cue, "START") or 0.0
        length = where.number(cue, "LEN") or 0.0
        hotcue = where.integer(cue, "HOTCUE")
        hotcue = -1 if hotcue is None else hotcue
        if start < 0 or length < 0:
            raise where.error(f"a cue point has a negative {'START' if start < 0 else 'LEN'}")
        if not -1 <= hotcue <= 7:
            raise where.error(f"HOTCUE {hotcue} is outside -1..7 (Traktor has 8 hot cues)")
        name = cue.get("NAME", "")
        name = "" if name == _NO_NAME else name
        number = None if hotcue < 0 else hotcue
        color = _cue_color(cue.get("COLOR"))
        if type_ == _TYPE_GRID:
            grid = cue.find("GRID")
            bpm = None if grid is None else where.number(grid, "BPM")
            if bpm is None:
                bpm = track.bpm
            if bpm is not None and bpm > 0:
                track.tempos.append(ExchangeTempo(start / 1000.0, bpm))
        elif type_ == _TYPE_CUE:
            kind = CueKind.MEMORY if number is None else CueKind.HOTCUE
            track.cues.append(ExchangeCue(kind, start / 1000.0, None, number, name, color))
        elif type_ == _TYPE_LOOP:
            end = (start + length) / 1000.0
            track.cues.append(ExchangeCue(CueKind.LOOP, start / 1000.0, end, number, name, color))
        elif type_ in _MARKER_KIND:
            kind = _MARKER_KIND[type_]
            track.cues.append(ExchangeCue(kind, start / 1000.0, None, number, name, color))
        else:
            raise where.error(f"a cue point has an unknown TYPE {cue.get('TYPE')!r} (0-5)")


def _read_entry(entry: Element, where: _Entry, system_volume: str) -> ExchangeTrack:
    location = entry.find("LOCATION")
    if location is None or location.get("FILE") is None:
        raise where.error("no LOCATION (every collection entry names its file)")
    volume = location.get("VOLUME", "")
    folder = location.get("DIR", "/:")
    file = location.get("FILE", "")
    track = ExchangeTrack(
        key=volume + folder + file,
        path=path_of(volume, folder, file, system_volume),
        title=entry.get("TITLE"),
        artist=entry.get("ARTIST"),
    )
    album = entry.find("ALBUM")
    if album is not None:
        track.album = album.get("TITLE")
        number, of_tracks = where.integer(album, "TRACK"), where.integer(album, "OF_TRACKS")
        if number is not None:
            track.track_number = str(number) if of_tracks is None else f"{number}/{of_tracks}"
    info = entry.find("INFO")
    if info is not None:
        bitrate = where.integer(info, "BITRATE")
        track.bitrate = None if bitrate is None else bitrate // 1000
        track.genre = info.get("GENRE")
        track.label = info.get("LABEL")
        track.comment = info.get("COMMENT")
        track.remixer = info.get("REMIXER")
        track.composer = info.get("PRODUCER")
        track.key_id = guess_key_id(info.get("KEY")) or None
        track.play_count = where.integer(info, "PLAYCOUNT")
        playtime = where.number(info, "PLAYTIME_FLOAT")
        track.duration = playtime if playtime is not None else where.number(info, "PLAYTIME")
        ranking = where.integer(info, "RANKING")
        track.rating = None if ranking is None else max(0, min(5, ranking // 51))
        track.date_added = where.day(info, "IMPORT_DATE")
        track.last_played = where.day(info, "LAST_PLAYED")
        track.year = _year(info.get("RELEASE_DATE"))
        size = where.integer(info, "FILESIZE")
        track.size = None if size is None else size * 1024
        color = where.integer(info, "COLOR")
        track.color = TRAKTOR_COLORS.get(color) if color is not None else None
    tempo = entry.find("TEMPO")
    if tempo is not None:
        track.bpm = where.number(tempo, "BPM")
    musical_key = entry.find("MUSICAL_KEY")
    if musical_key is not None:
        value = where.integer(musical_key, "VALUE")
        if value is not None:
            if not 0 <= value <= 23:
                raise where.error(f"MUSICAL_KEY VALUE {value} is outside 0..23")
            track.key_id = value + 1
    _read_cues(entry, where, track)
    return track


def read_traktor(path: Path, *, system_volume: str = SYSTEM_VOLUME) -> ExchangeFile:
    """The tracks and playlist tree of a Traktor NML file; raises ExchangeFormatError."""
    result = ExchangeFile(tracks=[], playlists=[])
    stack: list[str] = []
    parents: list[Element] = []
    nodes: list[ExchangeNode | None] = []  # open NODEs under $ROOT (None: skipped)
    in_root = False
    playlist_keys: list[tuple[str, str]] = []
    entries = 0
    for event, element in iter_xml(path, root="NML", what=WHAT):
        tag = element.tag
        if event == "start":
            if tag == "HEAD":
                program = element.get("PROGRAM", "")
                result.product = f"{program} (NML {parents[0].get('VERSION', '?')})".strip()
            elif tag == "NODE" and stack[-1:] in (["PLAYLISTS"], ["SUBNODES"]):
                if not in_root:
                    in_root = element.get("TYPE") == "FOLDER" and element.get("NAME") == "$ROOT"
                    nodes.append(None)
                else:
                    _open_node(element, nodes, result)
            stack.append(tag)
            parents.append(element)
            continue
        stack.pop()
        parents.pop()
        parent = stack[-1] if stack else ""
        if tag == "ENTRY" and parent == "COLLECTION":
            entries += 1
            result.tracks.append(
                _read_entry(element, _Entry(path, entries, element), system_volume)
            )
            parents[-1].remove(element)  # memory stays flat: the entry is consumed
        elif tag == "PRIMARYKEY" and parent == "ENTRY" and "PLAYLIST" in stack[-2:-1]:
            node = nodes[-1] if nodes else None
            key = element.get("KEY")
            if node is not None and key is not None:
                node.entries.append(key)
                playlist_keys.append((node.name, key))
        elif tag == "ENTRY" and parent == "PLAYLIST":
            parents[-1].remove(element)
        elif tag == "NODE" and nodes and stack[-1:] in (["PLAYLISTS"], ["SUBNODES"]):
            nodes.pop()
            if not nodes:
                in_root = False
    known = {track.key for track in result.tracks}
    if len(known) < len(result.tracks):
        result.warnings.append(
            f"{len(result.tracks) - len(known)} collection entries repeat a location"
        )
    for playlist, key in playlist_keys:
        if key not in known:
            result.warnings.append(f"playlist {playlist!r}: {key!r} is no track of the collection")
    return result


def _open_node(element: Element, nodes: list[ExchangeNode | None], result: ExchangeFile) -> None:
    kind = element.get("TYPE")
    name = element.get("NAME", "")
    parent = nodes[-1]
    skipped = parent is None and len(nodes) > 1
    node: ExchangeNode | None = None
    if skipped:
        pass
    elif kind == "FOLDER":
        node = ExchangeNode(name, children=[])
    elif kind == "PLAYLIST":
        node = ExchangeNode(name)
    else:
        result.warnings.append(
            f"{kind or 'untyped'} node {name!r} skipped (only folders and playlists are read)"
        )
    if node is not None:
        siblings = result.playlists if parent is None else parent.children
        if siblings is not None:
            siblings.append(node)
    nodes.append(node)
