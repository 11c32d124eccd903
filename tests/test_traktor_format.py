"""Traktor NML ↔ the exchange form: a hand-written collection, round trips, hostile files."""

from __future__ import annotations

import dataclasses
import io
import math
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mixxx_peewee.errors import ExchangeFormatError
from mixxx_peewee.interop.model import CueKind
from mixxx_peewee.interop.model import ExchangeCue
from mixxx_peewee.interop.model import ExchangeFile
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTempo
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.traktor import TRAKTOR_COLORS
from mixxx_peewee.interop.traktor import location_of
from mixxx_peewee.interop.traktor import nearest_color_index
from mixxx_peewee.interop.traktor import path_of
from mixxx_peewee.interop.traktor import read_traktor
from mixxx_peewee.interop.traktor import write_traktor

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "traktor" / "collection.nml"

NIGHT = "Macintosh HD/:Users/:dj/:Music/:Deep House/:Night Drive (Extended Mix).mp3"
CAFE = "D:/:Music/:Latin/:Café Olé.flac"
SUB = "DJ USB/:Tracks/:2022/:sub-zero.wav"


def _close(actual: object, expected: object, where: str = "file") -> None:
    """Equal, floats within 1 µs (a millisecond position written with 6 decimals)."""
    if dataclasses.is_dataclass(actual) and not isinstance(actual, type):
        assert type(actual) is type(expected), where
        for field in dataclasses.fields(actual):
            _close(
                getattr(actual, field.name), getattr(expected, field.name), f"{where}.{field.name}"
            )
    elif isinstance(actual, list):
        assert isinstance(expected, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _close(a, e, f"{where}[{index}]")
    elif isinstance(actual, float) and isinstance(expected, float | int):
        assert math.isclose(actual, expected, abs_tol=1e-6), f"{where}: {actual} != {expected}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


# -- the hand-written collection -------------------------------------------------------


def test_the_hand_written_collection_reads_as_the_format_says() -> None:
    night = ExchangeTrack(
        key=NIGHT,
        path="/Users/dj/Music/Deep House/Night Drive (Extended Mix).mp3",  # system volume
        title="Night Drive",
        artist="Ana & Bo",
        album="After Hours",
        genre="Deep House",
        comment="warm-up",
        year="2019",  # RELEASE_DATE 2019/1/1: a year only
        track_number="3/12",
        label="Late Records",
        duration=371.853058,
        bitrate=320,  # 320000 bit/s
        size=14542 * 1024,  # FILESIZE is kB
        date_added=datetime(2021, 11, 5),
        last_played=datetime(2023, 3, 31),
        play_count=7,
        rating=4,  # RANKING 204 = 4 * 51
        color=TRAKTOR_COLORS[5],  # blue
        key_id=22,  # MUSICAL_KEY 21 (and Open Key 1m): A minor
        bpm=122.0,
        tempos=[ExchangeTempo(0.129687616, 122.0)],  # AutoGrid without GRID: TEMPO BPM
        cues=[
            ExchangeCue(CueKind.MEMORY, 0.129687616),  # HOTCUE -1, n.n.
            ExchangeCue(CueKind.HOTCUE, 0.129687616, number=0, name="Intro"),
            ExchangeCue(CueKind.HOTCUE, 63.082311, number=1, name="Break"),
            ExchangeCue(CueKind.LOOP, 94.5579, 94.5579 + 7.868852459, 2, "Vocal loop"),
            ExchangeCue(CueKind.LOOP, 188.0, 188.0 + 1.967213115),  # a memory loop
            ExchangeCue(CueKind.FADE_IN, 0.5),
            ExchangeCue(CueKind.FADE_OUT, 365.0),
            ExchangeCue(CueKind.LOAD, 1.0, name="Load here"),
        ],
    )
    cafe = ExchangeTrack(
        key=CAFE,
        path="D:/Music/Latin/Café Olé.flac",
        title="Café Olé",
        artist="Zoë",
        genre="Latin",
        year="2018-06-21",
        duration=245.0,  # PLAYTIME only
        bitrate=1411,
        size=30211 * 1024,
        date_added=datetime(2024, 1, 15),
        rating=1,
        key_id=10,  # MUSICAL_KEY 9: A major (Open Key 4d)
        bpm=124.5,
        tempos=[ExchangeTempo(0.0425, 124.5)],
        cues=[
            ExchangeCue(CueKind.HOTCUE, 30.8835, number=3, name="Drop", color=0xFF0000),
            ExchangeCue(CueKind.LOOP, 61.7265, 61.7265 + 15.421686747, 7),
        ],
    )
    sub = ExchangeTrack(
        key=SUB,
        path="/Volumes/DJ USB/Tracks/2022/sub-zero.wav",
        title="Sub: Zero",
        artist="Q",
        play_count=0,
        key_id=21,  # Open Key 6m only: G# minor
    )
    expected = ExchangeFile(
        tracks=[night, cafe, sub],
        playlists=[
            ExchangeNode("_LOOPS"),
            ExchangeNode(
                "Gigs",
                children=[
                    ExchangeNode(
                        "2023",
                        children=[
                            ExchangeNode(
                                "Club Nacht", entries=[CAFE, NIGHT, "E:/:Gone/:missing.mp3"]
                            )
                        ],
                    ),
                    ExchangeNode("Warm-up", entries=[SUB]),
                ],
            ),
        ],
        product="Traktor (NML 19)",
        warnings=[
            "SMARTLIST node 'Played in this session' skipped (only folders and playlists are read)",
            "playlist 'Club Nacht': 'E:/:Gone/:missing.mp3' is no track of the collection",
        ],
    )
    _close(read_traktor(FIXTURE), expected)


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("D:/Music/a.mp3", ("D:", "/:Music/:", "a.mp3")),
        ("c:/a.mp3", ("c:", "/:", "a.mp3")),
        ("/Volumes/USB/Music/a.mp3", ("USB", "/:Music/:", "a.mp3")),
        ("/Users/dj/a.mp3", ("Macintosh HD", "/:Users/:dj/:", "a.mp3")),
        ("/home/dj/:a b/x.mp3", ("Macintosh HD", "/:home/:dj/::a b/:", "x.mp3")),
        ("/Volumes/Macintosh HD/a.mp3", ("Macintosh HD", "/:Volumes/:Macintosh HD/:", "a.mp3")),
        ("/Volumes/E:/a.mp3", ("Macintosh HD", "/:Volumes/:E:/:", "a.mp3")),
    ],
)
def test_paths_split_into_volume_dir_and_file_and_back(
    path: str, location: tuple[str, str, str]
) -> None:
    assert location_of(path) == location
    assert path_of(*location) == path


def test_a_windows_location_reads_as_mixxx_builds_it() -> None:
    # traktorfeature.cpp (not macOS): VOLUME + DIR with "/:" as "/" + FILE
    assert path_of("D:", "/:Music/:Sub/:", "x.mp3") == "D:/Music/Sub/x.mp3"


@pytest.mark.parametrize("path", ["Music/a.mp3", "/music/", "", "D:a.mp3"])
def test_a_path_that_is_not_an_absolute_file_path_is_refused(path: str) -> None:
    with pytest.raises(ValueError):
        location_of(path)


def test_track_colours_go_to_the_nearest_traktor_index() -> None:
    assert nearest_color_index(0xE00010) == 1
    assert nearest_color_index(0xFFA500) == 2  # rekordbox orange
    assert nearest_color_index(0x25FDE9) == 4  # rekordbox aqua is nearer green than blue
    assert all(nearest_color_index(rgb) == index for index, rgb in TRAKTOR_COLORS.items())


# -- writing ---------------------------------------------------------------------------


def _written(
    tmp_path: Path, tracks: list[ExchangeTrack], nodes: list[ExchangeNode]
) -> tuple[Path, list[str]]:
    out = io.StringIO()
    warnings: list[str] = []
    write_traktor(
        out, iter(tracks), nodes, count=len(tracks), product_version="1.0", warnings=warnings
    )
    target = tmp_path / "out.nml"
    target.write_text(out.getvalue(), encoding="utf-8")
    return target, warnings


def test_what_traktor_cannot_hold_is_written_as_near_as_it_can_and_told(tmp_path: Path) -> None:
    track = ExchangeTrack(
        key=1,
        path="/music/a.mp3",
        tempos=[ExchangeTempo(-0.25, 120.0), ExchangeTempo(30.0, 121.0, beat_in_bar=3)],
        cues=[
            ExchangeCue(CueKind.HOTCUE, 5.0, number=9, name="ten"),
            ExchangeCue(CueKind.INTRO, 1.0, 16.0),
            ExchangeCue(CueKind.OUTRO, 200.0, 230.0),
            ExchangeCue(CueKind.MAIN, 2.0),
        ],
    )
    path, warnings = _written(
        tmp_path, [track, dataclasses.replace(track, key=2), ExchangeTrack(3, "rel.mp3")], []
    )
    read = read_traktor(path).tracks
    assert len(read) == 1
    assert [(t.start, t.bpm) for t in read[0].tempos] == [
        (0.25, 120.0),
        (30.0, 121.0),
    ]  # a beat later
    assert [(c.kind, c.start, c.number) for c in read[0].cues] == [
        (CueKind.MEMORY, 2.0, None),  # the main cue: the first memory cue
        (CueKind.MEMORY, 5.0, None),  # hot cue 10 has no Traktor slot
        (CueKind.FADE_IN, 1.0, None),  # the intro's start
        (CueKind.FADE_OUT, 230.0, None),  # the outro's end
    ]
    assert any("varying grid" in w for w in warnings)
    assert any("downbeat" in w for w in warnings)
    assert any("hot cue 10" in w for w in warnings)
    assert any("second track" in w for w in warnings)
    assert any("not an absolute path" in w for w in warnings)


def test_the_writer_streams_one_track_at_a_time() -> None:
    out = io.StringIO()
    seen: list[int] = []

    def tracks() -> Iterator[ExchangeTrack]:
        for number in range(3):
            seen.append(out.getvalue().count("</ENTRY>"))  # entries written before this one
            yield ExchangeTrack(number, f"/music/{number}.mp3")

    assert write_traktor(out, tracks(), [], count=3) == 3
    assert seen == [0, 1, 2]


def test_a_written_file_has_traktor_s_frame(tmp_path: Path) -> None:
    path, _ = _written(
        tmp_path, [ExchangeTrack(1, "D:/a.mp3", bitrate=320)], [ExchangeNode("P", entries=[1])]
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n')
    assert '<NML VERSION="19"><HEAD COMPANY="www.native-instruments.com" PROGRAM="Traktor">' in text
    assert '<COLLECTION ENTRIES="1">' in text and 'BITRATE="320000"' in text
    assert '<PRIMARYKEY TYPE="TRACK" KEY="D:/:a.mp3">' in text
    assert '<NODE TYPE="FOLDER" NAME="$ROOT"><SUBNODES COUNT="1">' in text


# -- round trip ------------------------------------------------------------------------

_COMPONENT_CHARS = st.sampled_from(
    [*"aZ09 -_.,;'\"&<>:()[]#%?*+=!~", "é", "e\u0301", "ß", "漢", "🎧", "\t", "ø", "Å", "A\u030a"]
)
_component = (
    st.lists(_COMPONENT_CHARS, min_size=1, max_size=8)
    .map("".join)
    .filter(lambda s: s not in (".", ".."))
)
_file = st.builds(
    lambda stem, ext: stem + ext, _component, st.sampled_from([".mp3", ".flac", ".wav", ""])
)


@st.composite
def _paths(draw: st.DrawFn) -> str:
    folders = draw(st.lists(_component, max_size=3))
    tail = "/".join([*folders, draw(_file)])
    form = draw(st.sampled_from(["system", "volume", "drive"]))
    if form == "drive":
        path = draw(st.sampled_from(["C", "D", "z"])) + ":/" + tail
    elif form == "volume":
        path = "/Volumes/" + draw(st.one_of(_component, st.just("Macintosh HD"))) + "/" + tail
    else:
        path = "/" + tail
    return (
        unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), path)
        if draw(st.booleans())
        else path
    )


_text = st.one_of(
    st.none(),
    st.lists(_COMPONENT_CHARS | st.sampled_from(["/", "\n", "\r"]), max_size=10).map("".join),
)
_seconds = st.floats(0, 3600).map(lambda s: round(s, 6))
_bpm = st.floats(40, 220).map(lambda b: round(b, 6))
_day = st.one_of(
    st.none(), st.dates(datetime(1990, 1, 1).date()).map(lambda d: datetime(d.year, d.month, d.day))
)
_name = st.lists(_COMPONENT_CHARS, max_size=6).map("".join).filter(lambda n: n != "n.n.")
_color = st.one_of(st.none(), st.integers(0, 0xFFFFFF))


@st.composite
def _cues(draw: st.DrawFn) -> ExchangeCue:
    kind = draw(st.sampled_from(list(CueKind)))
    start = draw(_seconds)
    end = None
    number = draw(st.one_of(st.none(), st.integers(0, 7)))
    if kind == CueKind.HOTCUE:
        number = draw(st.integers(0, 7))
    elif kind in (CueKind.MEMORY, CueKind.MAIN):
        number = None
    if kind in (CueKind.LOOP, CueKind.INTRO, CueKind.OUTRO):
        end = (
            round(start + draw(st.floats(0, 60)), 6)
            if kind == CueKind.LOOP or draw(st.booleans())
            else None
        )
    return ExchangeCue(kind, start, end, number, draw(_name), draw(_color))


@st.composite
def _tracks(draw: st.DrawFn, key: int, path: str) -> ExchangeTrack:
    starts = sorted(draw(st.lists(_seconds, max_size=3, unique=True)))
    tempos = [ExchangeTempo(start, draw(_bpm)) for start in starts]
    number = draw(st.one_of(st.none(), st.integers(1, 99).map(str), st.just("3/12")))
    return ExchangeTrack(
        key=key,
        path=path,
        title=draw(_text),
        artist=draw(_text),
        album=draw(_text),
        composer=draw(_text),
        genre=draw(_text),
        comment=draw(_text),
        year=draw(st.one_of(st.none(), st.sampled_from(["1999", "2024-02-29"]))),
        track_number=number,
        label=draw(_text),
        remixer=draw(_text),
        duration=draw(st.one_of(st.none(), _seconds)),
        bitrate=draw(st.one_of(st.none(), st.integers(32, 9216))),
        size=draw(st.one_of(st.none(), st.integers(0, 10**6).map(lambda k: k * 1024))),
        date_added=draw(_day),
        last_played=draw(_day),
        play_count=draw(st.one_of(st.none(), st.integers(0, 10**6))),
        rating=draw(st.one_of(st.none(), st.integers(0, 5))),
        color=draw(st.one_of(st.none(), st.sampled_from(list(TRAKTOR_COLORS.values())))),
        key_id=draw(st.one_of(st.none(), st.integers(1, 24))),
        bpm=tempos[0].bpm if tempos else draw(st.one_of(st.none(), _bpm)),
        tempos=tempos,
        cues=draw(st.lists(_cues(), max_size=6)),
    )


@st.composite
def _nodes(draw: st.DrawFn, keys: list[int], depth: int = 0) -> list[ExchangeNode]:
    nodes = []
    for name in draw(st.lists(_name, max_size=3)):
        if depth < 2 and draw(st.booleans()):
            nodes.append(ExchangeNode(name, children=draw(_nodes(keys, depth + 1))))
        else:
            entries: list[int | str] = (
                list(draw(st.lists(st.sampled_from(keys), max_size=4))) if keys else []
            )
            nodes.append(ExchangeNode(name, entries=entries))
    return nodes


@st.composite
def _libraries(draw: st.DrawFn) -> tuple[list[ExchangeTrack], list[ExchangeNode]]:
    paths = draw(st.lists(_paths(), max_size=5, unique=True))
    tracks = [draw(_tracks(key, path)) for key, path in enumerate(paths, start=1)]
    return tracks, draw(_nodes([t.key for t in tracks]))


def _as_read(track: ExchangeTrack) -> ExchangeTrack:
    """What the format keeps of a track: the rules of the module docstring, by hand."""
    kinds = {
        CueKind.MAIN: CueKind.MEMORY,
        CueKind.INTRO: CueKind.FADE_IN,
        CueKind.OUTRO: CueKind.FADE_OUT,
    }
    cues = []
    for cue in sorted(track.cues, key=lambda c: c.kind != CueKind.MAIN):
        start = cue.end if cue.kind == CueKind.OUTRO and cue.end is not None else cue.start
        end = cue.end if cue.kind == CueKind.LOOP else None
        cues.append(
            ExchangeCue(kinds.get(cue.kind, cue.kind), start, end, cue.number, cue.name, cue.color)
        )
    return dataclasses.replace(track, key="".join(location_of(track.path)), cues=cues)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_libraries())
def test_write_then_read_gives_back_every_track_cue_grid_and_playlist(
    tmp_path_factory: pytest.TempPathFactory,
    library: tuple[list[ExchangeTrack], list[ExchangeNode]],
) -> None:
    tracks, nodes = library
    path, warnings = _written(tmp_path_factory.mktemp("nml"), tracks, nodes)
    keys = {t.key: "".join(location_of(t.path)) for t in tracks}

    def keyed(node: ExchangeNode) -> ExchangeNode:
        if node.children is not None:
            return ExchangeNode(node.name, children=[keyed(child) for child in node.children])
        return ExchangeNode(node.name, entries=[keys[key] for key in node.entries])

    read = read_traktor(path)
    _close(read.tracks, [_as_read(t) for t in tracks], "tracks")
    _close(read.playlists, [keyed(node) for node in nodes], "playlists")
    assert read.warnings == []
    assert all("varying grid" in w for w in warnings)


# -- the independent reader ------------------------------------------------------------


def test_traktor_nml_utils_reads_our_file_as_we_do(tmp_path: Path) -> None:
    nml_utils = pytest.importorskip("traktor_nml_utils")
    source = read_traktor(FIXTURE)
    path, _ = _written(tmp_path, source.tracks, source.playlists)
    ours = read_traktor(path)
    theirs = nml_utils.TraktorCollection(path).nml
    entries = theirs.collection.entry
    assert len(entries) == len(ours.tracks)
    for entry, track in zip(entries, ours.tracks, strict=True):
        location = entry.location
        assert location.volume + location.dir + location.file == track.key
        assert path_of(location.volume, location.dir, location.file) == track.path
        assert (entry.tempo.bpm if entry.tempo else None) == track.bpm
        grid = [(c.start, c.grid.bpm) for c in entry.cue_v2 if c.type == 4]
        assert [x for pair in grid for x in pair] == pytest.approx(
            [x for t in track.tempos for x in (t.start * 1000, t.bpm)]
        )
        types = {CueKind.MEMORY: 0, CueKind.HOTCUE: 0, CueKind.LOOP: 5, CueKind.FADE_IN: 1}
        types |= {CueKind.FADE_OUT: 2, CueKind.LOAD: 3}
        cues = [(c.start, c.hotcue, c.type, c.name) for c in entry.cue_v2 if c.type != 4]
        assert cues == [
            (
                pytest.approx(c.start * 1000),
                -1 if c.number is None else c.number,
                types[c.kind],
                c.name or "n.n.",
            )
            for c in track.cues
        ]

    def entries_of(node: object) -> list[list[str]]:
        found = []
        for child in node.subnodes.node:  # type: ignore[attr-defined]
            if child.type == "FOLDER":
                found.extend(entries_of(child))
            else:
                found.append([e.primarykey.key for e in child.playlist.entry])
        return found

    def ours_of(nodes: list[ExchangeNode]) -> list[list[str]]:
        found: list[list[str]] = []
        for node in nodes:
            if node.children is not None:
                found.extend(ours_of(node.children))
            else:
                found.append([str(k) for k in node.entries])
        return found

    assert entries_of(theirs.playlists.node) == ours_of(ours.playlists)


# -- hostile files ---------------------------------------------------------------------

_GOOD_ENTRY = (
    '<ENTRY TITLE="x"><LOCATION DIR="/:" FILE="a.mp3" VOLUME="D:"></LOCATION>{cues}</ENTRY>'
)


def _nml(entry: str) -> str:
    head = '<?xml version="1.0" encoding="UTF-8"?><NML VERSION="19">'
    return f'{head}<COLLECTION ENTRIES="1">{entry}</COLLECTION></NML>'


def _cue(**attributes: str) -> str:
    values = {"NAME": "n.n.", "TYPE": "0", "START": "100", "LEN": "0", "HOTCUE": "-1"} | attributes
    return "<CUE_V2 " + " ".join(f'{k}="{v}"' for k, v in values.items()) + "></CUE_V2>"


HOSTILE = {
    "dtd": b'<?xml version="1.0"?><!DOCTYPE NML [<!ENTITY a "aaaa">]><NML VERSION="19">&a;</NML>',
    "external": b'<?xml version="1.0"?><!DOCTYPE NML SYSTEM "http://example.com/x.dtd"><NML/>',
    "truncated": FIXTURE.read_bytes()[:1500],
    "wrong encoding": _nml('<ENTRY TITLE="Caf\xe9"><LOCATION FILE="a"/></ENTRY>').encode("latin-1"),
    "rekordbox": b'<?xml version="1.0"?><DJ_PLAYLISTS Version="1.0.0"><COLLECTION Entries="0"/>'
    b"</DJ_PLAYLISTS>",
    "empty": b"",
    "no location": _nml('<ENTRY TITLE="x"><INFO GENRE="House"></INFO></ENTRY>').encode(),
    "hot cue 12": _nml(_GOOD_ENTRY.format(cues=_cue(HOTCUE="12"))).encode(),
    "negative loop": _nml(_GOOD_ENTRY.format(cues=_cue(TYPE="5", LEN="-2000"))).encode(),
    "negative start": _nml(_GOOD_ENTRY.format(cues=_cue(START="-5"))).encode(),
    "unknown type": _nml(_GOOD_ENTRY.format(cues=_cue(TYPE="9"))).encode(),
    "unreadable number": _nml(_GOOD_ENTRY.format(cues=_cue(START="12,5"))).encode(),
    "not finite": _nml(_GOOD_ENTRY.format(cues=_cue(START="nan"))).encode(),
    "unreadable date": _nml(
        _GOOD_ENTRY.format(cues='<INFO IMPORT_DATE="yesterday"></INFO>')
    ).encode(),
    "musical key 30": _nml(
        _GOOD_ENTRY.format(cues='<MUSICAL_KEY VALUE="30"></MUSICAL_KEY>')
    ).encode(),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_broken_file_is_refused_with_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "collection.nml"
    path.write_bytes(HOSTILE[case])
    with pytest.raises(ExchangeFormatError) as info:
        read_traktor(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message


def test_the_error_line_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "c.nml"
    path.write_bytes(HOSTILE["hot cue 12"])
    with pytest.raises(ExchangeFormatError, match=r"entry 1 \('x'\): HOTCUE 12 is outside -1..7"):
        read_traktor(path)
