"""Issue 12, sections 1 and 4: listings stream in every format, and every value is shown
by one rule (widths, dates, colours, keys, numbers), through the real command line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import cli
from cli_support import jsonl
from cli_support import ok
from cli_support import on_a_terminal
from cli_support import parsed
from cli_support import sample_library

from mixxx_peewee.cli.display import format_duration
from mixxx_peewee.cli.display import iso_utc
from mixxx_peewee.cli.table import SAMPLE
from mixxx_peewee.cli.table import clip
from mixxx_peewee.cli.table import clip_path
from mixxx_peewee.cli.table import display_width
from mixxx_peewee.cli.table import print_table
from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import harmonic_rank


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return sample_library(tmp_path)


def _set(db: Path, track_id: int, **columns: Any) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for name, value in columns.items():
            conn.execute(f"UPDATE library SET {name} = ? WHERE id = ?", (value, track_id))
    conn.close()


def _ids(db: Path, count: int) -> list[int]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id FROM library WHERE mixxx_deleted = 0 ORDER BY id LIMIT ?", (count,)
    ).fetchall()
    conn.close()
    return [r[0] for r in rows]


# --- the renderer streams ---------------------------------------------------------------


def test_a_table_prints_rows_before_the_input_ends() -> None:
    """Rows after the first sample are printed as they come: the input fails later, yet
    everything before the failure is already written."""
    printed = io.StringIO()

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(SAMPLE + 50):
            yield {"id": i, "title": f"Track {i}"}
        raise RuntimeError("the reader stopped")

    with pytest.raises(RuntimeError):
        print_table(rows(), ["id", "title"], printed)
    lines = printed.getvalue().splitlines()
    assert len(lines) == 2 + SAMPLE + 50  # header, rule, every row before the failure
    assert lines[-1].split() == [str(SAMPLE + 49), "Track", str(SAMPLE + 49)]


def test_a_slow_first_row_does_not_shrink_the_sample_that_sizes_the_columns() -> None:
    """A sorted listing's first row comes after the sort: the widths still come from the
    first rows, not from the first one alone (a title cut to 'Space Ja…' on 150 columns)."""
    import time

    printed = io.StringIO()

    def rows() -> Iterator[dict[str, Any]]:
        time.sleep(0.3)  # the sort
        yield {"id": 1, "title": "Love"}
        yield {"id": 2, "title": "Soul Move Body (Remix)"}

    print_table(rows(), ["id", "title"], printed)
    assert "Soul Move Body (Remix)" in printed.getvalue()


def test_widths_are_display_widths_and_cuts_keep_the_extension() -> None:
    assert display_width("坂本龍一") == 8
    assert display_width("Cafe\u0301") == 4  # a combining accent takes no cell
    assert display_width(clip("坂本龍一 Tokyo Nights", 9)) <= 9
    cut = clip_path("/music/A very long folder name/and a long file name.flac", 30)
    assert display_width(cut) == 30 and cut.endswith(".flac") and "…" in cut
    assert format_duration(59.6) == "1:00" and format_duration(3725) == "1:02:05"
    assert format_duration(0) == format_duration(None) == ""
    assert iso_utc("2024-01-02 03:04:05") == "2024-01-02T03:04:05Z"
    assert iso_utc("2024-01-02T03:04:05.123Z") == "2024-01-02T03:04:05.123Z"
    assert iso_utc("not a date") == "not a date"


# --- through the real command line ------------------------------------------------------


def test_cjk_text_is_aligned_by_display_width(db: Path) -> None:
    first, second = _ids(db, 2)
    _set(db, first, artist="坂本龍一", title="Energy Flow")
    _set(db, second, artist="Bjork", title="Joga")
    out = ok(cli(db, "tracks", "list", "--columns", "id,artist,title", "--limit", "2")).stdout
    lines = out.splitlines()[2:]
    starts = [
        display_width(line[: line.index(t)])
        for line, t in zip(lines, ["Energy", "Joga"], strict=True)
    ]
    assert starts[0] == starts[1], out


def test_a_cut_path_keeps_its_extension_and_a_comment_stays_on_one_row(db: Path) -> None:
    first, second = _ids(db, 2)
    _set(db, first, comment="first line\nsecond line\r\nthird")
    out = ok(
        cli(db, "tracks", "list", "--columns", "id,comment,location", "--limit", "2", columns=60)
    ).stdout
    lines = out.splitlines()
    assert len(lines) == 4, out  # header, rule, two rows: the comment broke no row
    assert "first line↵second line↵third"[:10] in lines[2] and "↵" in lines[2]
    assert all(display_width(line) <= 60 for line in lines)
    conn = sqlite3.connect(db)
    ext = (
        conn.execute(
            "SELECT l.location FROM library t JOIN track_locations l ON l.id = t.location"
            " WHERE t.id = ?",
            (second,),
        )
        .fetchone()[0]
        .rsplit(".", 1)[1]
    )
    conn.close()
    assert "…" in lines[3] and lines[3].endswith("." + ext)


def test_csv_keeps_full_precision_and_writes_booleans_as_0_1(db: Path) -> None:
    (first,) = _ids(db, 1)
    _set(db, first, bpm=121.83740803351607)
    rows = list(
        csv.DictReader(io.StringIO(ok(cli(db, "tracks", "show", str(first), "-f", "csv")).stdout))
    )
    assert rows[0]["bpm"] == "121.83740803351607"
    listing = list(
        csv.DictReader(io.StringIO(ok(cli(db, "playlists", "list", "-f", "csv")).stdout))
    )
    assert listing and {r["locked"] for r in listing} <= {"0", "1"}


def test_dates_are_iso_utc_in_data_and_local_time_in_tables(db: Path) -> None:
    (first,) = _ids(db, 1)
    _set(db, first, datetime_added="2024-01-02 03:04:05")
    record = parsed(cli(db, "tracks", "show", str(first), "-f", "json"))
    assert record["datetime_added"] == "2024-01-02T03:04:05Z"
    shown = ok(cli(db, "tracks", "show", str(first), env={"TZ": "Asia/Tokyo"})).stdout
    line = next(x for x in shown.splitlines() if x.startswith("datetime_added"))
    assert line.split()[1:] == ["2024-01-02", "12:04"]  # Tokyo is UTC+9


def test_colours_are_rrggbb_and_bpm_blank_when_not_analysed(db: Path) -> None:
    first, second = _ids(db, 2)
    _set(db, first, color=0x00FF00, bpm=0)
    _set(db, second, bpm=127.96)
    record = parsed(cli(db, "tracks", "show", str(first), "-f", "json"))
    assert record["color"] == "#00FF00"
    assert "#00FF00" in ok(cli(db, "tracks", "show", str(first))).stdout
    edit = ok(cli(db, "tracks", "edit", str(first), "--color", "#ff8000", "--dry-run"))
    assert f"track {first}: color #00FF00 -> #FF8000" in edit.stdout + edit.stderr
    out = ok(cli(db, "tracks", "list", "--columns", "id,bpm", "--limit", "2")).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows == [[str(first)], [str(second), "128.0"]]


def test_keys_follow_the_chosen_notation_and_sort_harmonically(db: Path) -> None:
    ids = _ids(db, 3)
    # key_id: Am = 22 (8A), C = 1 (8B), Ebm = 16 (2A); the text is Mixxx's own, stale.
    for track, key_id, text in zip(ids, (22, 1, 16), ("Am", "C", "Ebm"), strict=True):
        _set(db, track, key_id=key_id, key=text)
    where = f"id:{ids[0]} | id:{ids[1]} | id:{ids[2]}"
    lancelot = ok(cli(db, "--key-notation", "lancelot", "tracks", "search", where, "-f", "jsonl",
                      "--columns", "id,key", "--sort", "key"))  # fmt: skip
    assert [json.loads(line) for line in lancelot.stdout.splitlines()] == [
        {"id": ids[2], "key": "2A"},
        {"id": ids[0], "key": "8A"},
        {"id": ids[1], "key": "8B"},
    ]
    env = ok(cli(db, "tracks", "search", where, "--sort", "key", "--columns", "id,key",
                 env={"MIXXX_PEEWEE_KEY_NOTATION": "openkey"}))  # fmt: skip
    assert [line.split()[1] for line in env.stdout.splitlines()[2:]] == ["7m", "1m", "1d"]


def test_text_sorts_ignore_case_and_accents(db: Path) -> None:
    ids = _ids(db, 4)
    for track, artist in zip(ids, ("zeta", "Émile", "alpha", "Beta"), strict=True):
        _set(db, track, artist=artist)
    where = " | ".join(f"id:{i}" for i in ids)
    out = ok(cli(db, "tracks", "search", where, "--sort", "artist", "-f", "csv",
                 "--columns", "artist"))  # fmt: skip
    assert out.stdout.split() == ["artist", "alpha", "Beta", "Émile", "zeta"]


def test_no_summary_line_when_piped(db: Path) -> None:
    out = ok(cli(db, "tracks", "list", "--limit", "3")).stdout
    lines = out.splitlines()
    assert len(lines) == 5 and not lines[-1].endswith("tracks")


# --- sorted listings and a playlist's entries stream too --------------------------------


def _open(db: Path) -> Any:
    import mixxx_peewee as mp

    return mp.open_library(db)


def test_a_sorted_listing_in_small_chunks_keeps_the_order_of_one_query(db: Path) -> None:
    import mixxx_peewee as mp

    with _open(db):
        for sort, desc in (("artist", False), ("key", True), ("bpm", False), ("title", True)):
            whole = [t.id for t in mp.query_tracks(sort=sort, descending=desc)]
            streamed = mp.iter_tracks(columns=["id"], sort=sort, descending=desc, chunk_size=3)
            assert [t["id"] for t in streamed] == whole
            limited = mp.iter_tracks(columns=["id"], sort=sort, descending=desc, limit=7)
            assert [t["id"] for t in limited] == whole[:7]


def test_a_track_deleted_while_a_sorted_listing_runs_is_left_out(db: Path) -> None:
    import mixxx_peewee as mp

    with _open(db):
        whole = [t.id for t in mp.query_tracks(sort="artist")]
        listing = mp.iter_tracks(columns=["id", "artist"], sort="artist", chunk_size=4)
        seen = [next(listing)["id"] for _ in range(4)]
        # No read transaction is open between chunks: another connection writes freely.
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("DELETE FROM library WHERE id = ?", (whole[6],))
        conn.close()
        seen += [t["id"] for t in listing]
    assert seen == [i for i in whole if i != whole[6]]


def test_a_playlists_entries_carry_their_position_and_repeats(db: Path) -> None:
    import mixxx_peewee as mp

    a, b, c = _ids(db, 3)
    with _open(db):
        pid = mp.create_playlist("Repeats", [b, a, b, c]).id
        rows = list(
            mp.iter_tracks(playlist=pid, columns=["position", "id", "entry_id"], chunk_size=2)
        )
        assert [(r["position"], r["id"]) for r in rows] == [(1, b), (2, a), (3, b), (4, c)]
        assert len({r["entry_id"] for r in rows}) == 4
        with pytest.raises(mp.ValidationError, match="only when listing a playlist"):
            mp.iter_tracks(columns=["id", "position"])
    out = ok(cli(db, "playlists", "show", "Repeats", "--format", "csv")).stdout
    shown = list(csv.DictReader(io.StringIO(out)))
    assert [(r["position"], r["id"]) for r in shown] == [
        ("1", str(b)), ("2", str(a)), ("3", str(b)), ("4", str(c))
    ]  # fmt: skip
    assert shown[0]["pl_datetime_added"].endswith("Z")
    table = ok(cli(db, "playlists", "show", "Repeats")).stdout.splitlines()
    assert table[0].split()[:2] == ["position", "id"] and len(table) == 2 + 4


def test_missing_reads_only_the_columns_asked_for(db: Path) -> None:
    import mixxx_peewee as mp

    with _open(db):
        everything = list(mp.missing_tracks(hidden=None))
        few = list(mp.missing_tracks(hidden=None, columns=["id", "title"]))
    assert everything and len(few) == len(everything)
    assert [(set(t), r) for t, r in few] == [({"id", "title"}, r) for _t, r in everything]
    assert [t["id"] for t, _ in few] == [t["id"] for t, _ in everything]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_track_listing_on_a_terminal_ends_with_a_summary_line() -> None:
    from mixxx_peewee.cli.output import emit_tracks

    rows = [{"id": i, "title": f"T{i}", "duration": 1800.4} for i in range(1, 4)]
    screen, pipe = _Terminal(), io.StringIO()
    emit_tracks(rows, "table", out=screen, columns=["id", "title", "duration"])
    emit_tracks(rows, "table", out=pipe, columns=["id", "title", "duration"])
    assert screen.getvalue().splitlines()[-1] == "3 tracks, 1:30:01"
    assert pipe.getvalue().splitlines() == screen.getvalue().splitlines()[:-1]


def test_sorting_by_key_follows_the_camelot_wheel_with_no_key_last(db: Path) -> None:
    import mixxx_peewee as mp

    with _open(db):
        rows = list(mp.iter_tracks(columns=["key_id", "key"], sort="key", chunk_size=7))
    ranks = [
        harmonic_rank(r["key_id"] if 1 <= (r["key_id"] or 0) <= 24 else guess_key_id(r["key"]))
        for r in rows
    ]
    assert ranks == sorted(ranks) and ranks[-1] == harmonic_rank(0)
    assert ranks[0] < harmonic_rank(0)


def test_tracks_without_a_value_come_last_in_either_direction(db: Path) -> None:
    """``--sort key --desc`` (and every other column) keeps keyless, NULL and empty last."""
    first, second = _ids(db, 2)
    _set(db, first, artist=None, bpm=None, year="")
    _set(db, second, artist="", genre=None)

    def empty(sort: str, row: dict[str, Any]) -> bool:
        if sort == "key":
            key_id = row["key_id"] if 1 <= (row["key_id"] or 0) <= 24 else guess_key_id(row["key"])
            return harmonic_rank(key_id) == harmonic_rank(0)
        return row[sort] is None or row[sort] == ""

    for sort in ("key", "artist", "genre", "year", "bpm"):
        for order in ([], ["--desc"]):
            out = ok(cli(db, "tracks", "list", "--sort", sort, *order, "-f", "jsonl",
                         "--columns", f"id,{sort},key_id"))  # fmt: skip
            flags = [empty(sort, json.loads(line)) for line in out.stdout.splitlines()]
            assert any(flags) and not all(flags), (sort, order)
            assert flags == sorted(flags), (sort, order)  # all with a value, then none


def test_grid_play_count_and_date_columns_follow_the_display_rules(db: Path) -> None:
    """grid_bpm as bpm, first_beat as a position (m:ss.mmm), play counts right-aligned,
    dates local and no wider than they are, on a wide terminal too."""
    from mixxx_peewee.tracks.cues import clock_text

    names = "id,grid_bpm,first_beat,timesplayed,datetime_added"
    data = jsonl(cli(db, "tracks", "list", "--columns", names, "-f", "jsonl"))
    track = next(t for t in data if t["grid_bpm"] and t["first_beat"] and t["timesplayed"])
    shown = ok(cli(db, "tracks", "search", f"id:{track['id']}", "--columns", names,
                   columns=220))  # fmt: skip
    _header, rule, row = shown.stdout.splitlines()[:3]
    assert [len(part) for part in rule.split("  ")] == [5, 8, 10, 11, 16]
    cells = row.split()
    assert cells[1:4] == [
        f"{track['grid_bpm']:.1f}",
        clock_text(track["first_beat"]),
        str(track["timesplayed"]),
    ]
    assert row[: -len(" ".join(cells[4:]))].endswith(f"{track['timesplayed']}  ")  # right
    assert len(" ".join(cells[4:])) == 16  # YYYY-MM-DD HH:MM, local time


def test_the_summary_adds_up_durations_the_columns_do_not_show(db: Path) -> None:
    conn = sqlite3.connect(db)
    count, seconds = conn.execute(
        "SELECT count(*), total(duration) FROM library WHERE coalesce(mixxx_deleted, 0) = 0"
    ).fetchone()
    (playlist, entries, in_playlist) = conn.execute(
        "SELECT p.id, count(*), total(l.duration) FROM PlaylistTracks pt JOIN Playlists p"
        " ON p.id = pt.playlist_id JOIN library l ON l.id = pt.track_id WHERE p.hidden = 0"
        " GROUP BY p.id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    conn.close()
    listed = on_a_terminal(db, "tracks", "list", "--columns", "id,title")
    assert listed[-1] == f"{count} tracks, {format_duration(seconds)}"
    assert "duration" not in listed[0]
    shown = on_a_terminal(db, "playlists", "show", str(playlist), "--columns", "id,title,bpm")
    assert shown[-1] == f"{entries} tracks, {format_duration(in_playlist)}"


def test_a_main_cue_without_a_sample_rate_shows_its_samples_never_an_exponent() -> None:
    from mixxx_peewee.cli.table import cell_text

    assert cell_text("cuepoint", 1308180.0, {}) == "1308180"
    assert cell_text("cuepoint", 81496.8, {"samplerate": 0}) == "81496.8"
    assert cell_text("cuepoint", 88200, {"samplerate": 44100}) == "0:01.000"
    assert cell_text("cuepoint", None, {"samplerate": 44100}) == ""
