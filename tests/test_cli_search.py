"""``tracks search`` and ``tracks list`` as a DJ types them, through the real process.

Each test proves one symptom of issue 12 section 2: Mixxx's negation as the first or a
later word, OR, empty fields, exact match, ~bpm:, ~key:, dates, id:, a note (not a silent
empty result) for what the syntax does not support, --bpm and bpm: selecting the same
tracks, a crate named 2024, and a playlist listed in its running order with repeats.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import sample_library

UTC = {"TZ": "UTC"}  # dates typed on the command line are local time


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = sample_library(tmp_path_factory.mktemp("search"))
    with sqlite3.connect(path) as conn:
        crate = conn.execute("INSERT INTO crates (name) VALUES ('2024')").lastrowid
        conn.executemany(
            "INSERT INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
            [(crate, 7), (crate, 9)],
        )
        playlist = conn.execute(
            "INSERT INTO Playlists (name, position, hidden) VALUES ('Repeats', 99, 0)"
        ).lastrowid
        conn.executemany(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position) VALUES (?, ?, ?)",
            [(playlist, 30, 1), (playlist, 5, 2), (playlist, 30, 3), (playlist, 12, 4)],
        )
    return path


def ids(db: Path, *args: str, env: dict[str, str] | None = None) -> list[int]:
    result = ok(cli(db, *args, "-f", "ids", env=env))
    return [int(line) for line in result.stdout.split()]


def visible(db: Path, where: str, *params: object) -> list[int]:
    """The ids of visible tracks matching ``where`` as SQLite reads it, by id."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT library.id FROM library JOIN track_locations tl ON library.location = tl.id"
            f" WHERE coalesce(library.mixxx_deleted, 0) = 0 AND ({where}) ORDER BY library.id",
            params,
        )
        return [r[0] for r in rows]


def test_a_negated_filter_as_the_first_word_is_a_query_not_an_option(db: Path) -> None:
    expected = visible(db, "genre IS NULL OR lower(genre) NOT LIKE '%house%'")
    assert expected
    assert ids(db, "tracks", "search", "-genre:house") == expected


def test_a_negated_word_later_on_with_options_anywhere(db: Path) -> None:
    expected = visible(
        db,
        "lower(coalesce(artist,'') || coalesce(title,'') || coalesce(album,'')"
        " || coalesce(album_artist,'') || coalesce(grouping,'') || coalesce(comment,'')"
        " || coalesce(genre,'') || tl.location) LIKE '%house%'"
        " AND lower(coalesce(title,'') || ' ' || tl.location) NOT LIKE '%edit%'"
        " AND lower(coalesce(artist,'') || coalesce(album,'') || coalesce(album_artist,'')"
        " || coalesce(grouping,'') || coalesce(comment,'') || coalesce(genre,'')) NOT LIKE"
        " '%edit%'",
    )
    found = ids(db, "tracks", "search", "house", "--limit", "300", "-edit")
    # Crate names count too (crate "Edits"): every hit is a house track without "edit".
    assert set(found) <= set(visible(db, "1")) and found
    in_crates = visible(db, "library.id IN (SELECT track_id FROM crate_tracks)")
    assert set(found) <= set(expected) | set(in_crates)
    assert ids(db, "tracks", "search", "-edit", "house", "--format=ids") == found


def test_or_joins_groups(db: Path) -> None:
    house = ids(db, "tracks", "search", "genre:house")
    disco = ids(db, "tracks", "search", "genre:disco")
    either = ids(db, "tracks", "search", "genre:house", "|", "genre:disco")
    assert house and disco
    assert either == sorted(set(house) | set(disco))
    assert ids(db, "tracks", "search", "genre:house OR genre:disco") == either


def test_an_empty_field_query_finds_null_and_empty(db: Path) -> None:
    expected = visible(db, "genre IS NULL OR genre = ''")
    assert expected
    assert ids(db, "tracks", "search", 'genre:""') == expected


def test_exact_match_takes_the_whole_value(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        (artist,) = conn.execute(
            "SELECT artist FROM library WHERE artist GLOB '* *' AND mixxx_deleted = 0 LIMIT 1"
        ).fetchone()
    same = "lower(artist) = lower(?) OR lower(album_artist) = lower(?)"
    expected = visible(db, same, artist, artist)
    assert ids(db, "tracks", "search", f'artist:="{artist}"') == expected
    assert set(expected) <= set(ids(db, "tracks", "search", f'artist:"{artist[:-1]}"'))
    assert ids(db, "tracks", "search", f'artist:="{artist[:-1]}"') == []


def test_fuzzy_bpm_is_mixxx_six_percent_range(db: Path) -> None:
    # floor(0.94 * 120) = 112, ceil(1.06 * 120) = 128, both included.
    assert ids(db, "tracks", "search", "~bpm:120") == visible(db, "bpm BETWEEN 112 AND 128")


def test_compatible_keys_follow_the_circle_of_fifths(db: Path) -> None:
    # 8A = A minor: itself, C major (relative), D minor and E minor (neighbours).
    found = ids(db, "tracks", "search", "~key:8A")
    by_id = visible(db, "key_id IN (22, 1, 15, 17)")
    assert by_id and set(by_id) <= set(found)
    assert set(found) - set(by_id) <= set(visible(db, "key_id IS NULL OR key_id = 0"))


def test_date_fields_read_both_stored_formats(db: Path) -> None:
    before = visible(db, "datetime(datetime_added) < '2018-01-01 00:00:00'")
    marks = ",".join("?" * len(before))
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT datetime_added FROM library WHERE id IN ({marks})", before)
        forms = {"T" in row[0] for row in rows}
    assert forms == {True, False}  # both of Mixxx's formats are among the hits
    assert ids(db, "tracks", "search", "added:<2018", env=UTC) == before
    in_2017 = visible(db, "datetime(datetime_added) LIKE '2017-%'")
    assert ids(db, "tracks", "search", "added:2017", env=UTC) == in_2017
    played = visible(db, "last_played_at >= '2020-06-01'")
    assert ids(db, "tracks", "search", "lastplayed:>=2020-06", env=UTC) == played


def test_id_selects_one_track(db: Path) -> None:
    assert ids(db, "tracks", "search", "id:5") == [5]
    assert ids(db, "tracks", "search", "id:>=298") == visible(db, "library.id >= 298")


def test_unsupported_syntax_gives_a_note_not_a_silent_empty_result(db: Path) -> None:
    result = ok(cli(db, "tracks", "search", "mood:happy", "-f", "ids"))
    assert result.stdout == ""
    assert "note: mood: is not a search field" in result.stderr
    assert "Traceback" not in result.stderr
    quiet = ok(cli(db, "-q", "tracks", "search", "mood:happy", "-f", "ids"))
    assert quiet.stderr == ""


def test_bpm_option_and_bpm_term_select_the_same_tracks(db: Path) -> None:
    for value in ("120", "=120", "120-", "..100", "120-126", ">125"):
        listed = ids(db, "tracks", "list", "--bpm", value)
        assert listed == ids(db, "tracks", "search", f"bpm:{value}"), value
    assert ids(db, "tracks", "list", "--bpm", "120-") == visible(db, "bpm >= 120")


def test_a_crate_named_2024_is_found_everywhere(db: Path) -> None:
    assert ids(db, "tracks", "list", "--crate", "2024") == [7, 9]
    assert ids(db, "crates", "show", "2024") == [7, 9]
    assert ids(db, "tracks", "search", 'crate:="2024"') == [7, 9]


def test_playlist_listing_keeps_running_order_and_repeats(db: Path) -> None:
    assert ids(db, "tracks", "list", "--playlist", "Repeats") == [30, 5, 30, 12]
    m3u = ok(cli(db, "tracks", "list", "--playlist", "Repeats", "-f", "m3u8")).stdout
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT library.id, tl.location FROM library JOIN track_locations tl"
            " ON library.location = tl.id WHERE library.id IN (30, 5, 12)"
        )
        path = dict(rows.fetchall())
    paths = [line for line in m3u.splitlines() if line and not line.startswith("#")]
    assert paths == [path[30], path[5], path[30], path[12]]
    by_bpm = ids(db, "tracks", "list", "--playlist", "Repeats", "--sort", "bpm")
    assert sorted(by_bpm) == [5, 12, 30, 30]


def test_search_help_shows_a_plain_usage_line(db: Path) -> None:
    usage = ok(cli(None, "tracks", "search", "--help")).stdout.splitlines()[0]
    assert usage.endswith("tracks search [OPTIONS] QUERY...")
