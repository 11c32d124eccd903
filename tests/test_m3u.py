"""M3U/M3U8 files: writing listings, reading entries back, and clear errors for bad files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.trackset.m3u import format_extinf
from mixxx_peewee.trackset.m3u import parse_m3u
from mixxx_peewee.trackset.m3u import read_m3u
from mixxx_peewee.trackset.m3u import write_m3u8

ROWS = [
    {"location": "/music/Björk/Joga.flac", "artist": "Björk", "title": "Jóga", "duration": 305.4},
    {"location": "/music/misc/untitled.mp3", "artist": None, "title": None, "duration": None},
]


def test_written_m3u8_has_header_extinf_and_absolute_paths() -> None:
    out = io.StringIO()
    assert write_m3u8(ROWS, out) == 2
    assert out.getvalue().splitlines() == [
        "#EXTM3U",
        "#EXTINF:305,Björk - Jóga",
        "/music/Björk/Joga.flac",
        "#EXTINF:-1,untitled.mp3",
        "/music/misc/untitled.mp3",
    ]


def test_relative_paths_are_relative_to_the_given_folder() -> None:
    out = io.StringIO()
    write_m3u8(ROWS, out, relative_to="/music/misc")
    lines = out.getvalue().splitlines()
    assert lines[2] == "../Björk/Joga.flac"
    assert lines[4] == "untitled.mp3"


def test_extinf_never_spans_lines() -> None:
    assert format_extinf({"location": "/a.mp3", "artist": "A\nB", "title": "T"}) == (
        "#EXTINF:-1,A B - T"
    )


def test_relative_entries_resolve_against_the_playlist_folder(tmp_path: Path) -> None:
    playlist = tmp_path / "sets" / "set.m3u8"
    playlist.parent.mkdir()
    playlist.write_text("#EXTM3U\n#EXTINF:61,A - B\n../music/a.mp3\n/abs/b.mp3\n", "utf-8")
    entries = read_m3u(playlist)
    assert [e.location for e in entries] == [str(tmp_path / "music" / "a.mp3"), "/abs/b.mp3"]
    assert entries[0].duration == 61 and entries[0].title == "A - B"
    assert entries[1].duration is None and entries[1].title is None
    assert entries[0].line == 3


def test_symlinked_folders_are_not_resolved(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    playlist = tmp_path / "link" / "p.m3u"
    playlist.write_text("x.mp3\n", "utf-8")
    assert read_m3u(playlist)[0].location == str(tmp_path / "link" / "x.mp3")


def test_file_urls_bom_and_latin1_are_read(tmp_path: Path) -> None:
    entries = parse_m3u("file:///music/Caf%C3%A9/x.mp3\nhttp://radio.example/stream\n")
    assert entries[0].location == "/music/Café/x.mp3"
    assert entries[1].is_url
    bom = tmp_path / "bom.m3u8"
    bom.write_bytes(b"\xef\xbb\xbf#EXTM3U\n/music/a.mp3\n")
    assert [e.location for e in read_m3u(bom)] == ["/music/a.mp3"]
    latin = tmp_path / "old.m3u"
    latin.write_bytes("/music/Café.mp3\n".encode("latin-1"))
    assert read_m3u(latin)[0].location == "/music/Café.mp3"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"SQLite format 3\x00\x10\x00", "binary data"),
        (b"#EXTM3U\n/music/\xff\xfe.mp3\n", "not valid UTF-8"),
    ],
)
def test_bad_playlist_files_give_one_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.m3u8"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message) as info:
        read_m3u(path)
    assert str(path) in str(info.value)


def test_unreadable_or_absent_playlist_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        read_m3u(tmp_path / "absent.m3u8")
    with pytest.raises(ValidationError, match="is a directory"):
        read_m3u(tmp_path)
    if os.geteuid() != 0:
        locked = tmp_path / "locked.m3u8"
        locked.write_text("/a.mp3\n")
        locked.chmod(0)
        with pytest.raises(ValidationError, match="cannot read"):
            read_m3u(locked)


def test_written_file_reads_back_to_the_same_locations(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "out.m3u8"
    path.parent.mkdir()
    with open(path, "w", encoding="utf-8") as out:
        write_m3u8(ROWS, out, relative_to=path.parent)
    assert [e.location for e in read_m3u(path)] == [r["location"] for r in ROWS]


def test_a_windows_1252_m3u_keeps_its_dashes_and_quotes(tmp_path: Path) -> None:
    old = tmp_path / "winamp.m3u"
    old.write_bytes("/music/Artist – “Title”.mp3\n".encode("cp1252"))
    assert read_m3u(old)[0].location == "/music/Artist – “Title”.mp3"
    odd = tmp_path / "odd.m3u"
    odd.write_bytes(b"/music/a\x81b.mp3\n")  # unassigned in Windows-1252: read as Latin-1
    assert read_m3u(odd)[0].location == "/music/a\x81b.mp3"


def test_matching_a_long_playlist_scans_the_library_once(tmp_path: Path) -> None:
    """Mixxx indexes no ``library.location``: a read of tracks by location scans the whole
    table, so matching 1,500 entries reads it in one statement, not one per chunk (an M3U
    of 100,000 entries took ~20 s that way; bench row "process: playlists import")."""
    import mixxx_peewee as mp
    from mixxx_peewee.core.connection import raw_connection
    from mixxx_peewee.trackset.m3u import match_entries

    path = mp.testing.make_sample_library(tmp_path / "mixxxdb.sqlite", tracks=1500, seed=3)
    with mp.open_library(path):
        sql = "SELECT l.id, t.location FROM library l JOIN track_locations t ON t.id = l.location"
        rows = raw_connection().execute(sql).fetchall()
        text = "\n".join(location for _, location in reversed(rows)) + "\n/nowhere.mp3\n"
        statements: list[str] = []
        raw_connection().set_trace_callback(statements.append)
        try:
            matched = match_entries(parse_m3u(text))
        finally:
            raw_connection().set_trace_callback(None)
    assert matched.track_ids == [track_id for track_id, _ in reversed(rows)]
    assert [str(e) for e in matched.missing] == [f"line {len(rows) + 1}: /nowhere.mp3"]
    reads = [s for s in statements if '"library"' in s and s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, reads
