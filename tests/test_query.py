"""Mixxx's search-bar syntax: parsing, compiling, and searching a library."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_fixture
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from test_tracks import SAMPLE
from test_tracks import fill

import mixxx_peewee as mp
from mixxx_peewee.core.sqlfunctions import fold_text
from mixxx_peewee.core.values import NumberRange
from mixxx_peewee.core.values import parse_range
from mixxx_peewee.tracks.searchsyntax import Term
from mixxx_peewee.tracks.searchsyntax import parse_query
from mixxx_peewee.tracks.searchsyntax import parse_search


def test_free_words_fields_phrases_and_negation_parse() -> None:
    assert parse_query('house -deep artist:"daft punk" bpm:120-130 rating:>=4 key:8A') == [
        Term(None, "contains", "house"),
        Term(None, "contains", "deep", negate=True),
        Term("artist", "contains", "daft punk"),
        Term("bpm", "range", NumberRange(120.0, 130.0)),
        Term("rating", "range", NumberRange(4.0, None)),
        Term("key", "key", 22),
    ]


def test_field_with_a_space_takes_the_next_word_like_mixxx() -> None:
    assert parse_query("artist: bjork") == [Term("artist", "contains", "bjork")]


def test_unknown_field_or_bad_number_is_searched_as_text() -> None:
    assert parse_query("foo:bar bpm:fast") == [
        Term(None, "contains", "foo:bar"),
        Term(None, "contains", "bpm:fast"),
    ]


def test_unbalanced_quote_runs_to_the_end() -> None:
    assert parse_query('title:"one more') == [Term("title", "contains", "one more")]
    assert parse_query('"') == []


def test_durations_take_minutes_and_seconds() -> None:
    assert parse_query("duration:>3:30") == [
        Term("duration", "range", NumberRange(210.0, None, include_low=False))
    ]


def test_folding_drops_accents_and_case() -> None:
    assert fold_text("Björk – JÓGA") == "bjork – joga"
    assert fold_text("Straße") == "strasse"


@pytest.fixture
def library(replay_db: Path) -> mp.MixxxLibrary:
    fill(replay_db, SAMPLE)
    return mp.open_library(replay_db)


def titles(query: str, **kwargs: object) -> set[str]:
    return {t.title for t in mp.search_tracks(query, **kwargs)}


def test_every_free_word_must_match_somewhere(library: mp.MixxxLibrary) -> None:
    assert titles("daft discovery") == {"One More Time"}
    assert titles("daft homogenic") == set()
    assert titles("JOGA") == {"Jóga"}
    assert titles("pure_underscore") == {"under_score"}  # the file name is searched too


def test_field_filters(library: mp.MixxxLibrary) -> None:
    assert titles("genre:house") == {"One More Time", "under_score"}
    assert titles('genre:"deep house"') == {"under_score"}
    assert titles("bpm:120-130") == {"One More Time", "under_score"}
    assert titles("bpm:>125") == {"under_score"}
    assert titles("bpm:122") == {"One More Time"}
    assert titles("rating:>=4") == {"One More Time", "Jóga"}
    assert titles("year:<2000") == {"Jóga"}
    assert titles("type:flac") == {"Jóga"}
    assert titles("location:/music/misc") == {"under_score", "Null deleted flag"}
    assert titles("key:Bm") == {"Jóga"}
    assert titles("key:8a") == {"under_score"}  # key_id 0: matched by its text
    assert titles('comment:"say') == {"under_score"}


def test_negation_keeps_rows_whose_column_is_empty(library: mp.MixxxLibrary) -> None:
    assert titles("-house") == {"Jóga", "Null deleted flag"}
    assert titles("-genre:pop") == {"One More Time", "under_score", "Null deleted flag"}


def test_percent_and_underscore_are_literal(library: mp.MixxxLibrary) -> None:
    assert titles("%") == {"under_score"}
    assert titles("_") == {"under_score"}
    assert titles("a%b") == set()


def test_hidden_tracks_only_on_request(library: mp.MixxxLibrary) -> None:
    assert titles("ghost") == set()
    assert titles("ghost", hidden=True) == {"Hidden"}


def test_crate_and_playlist_terms_match_names(library: mp.MixxxLibrary) -> None:
    conn = mp.db.connection()
    conn.execute("INSERT INTO crates (name) VALUES ('Peak Time')")
    conn.execute("INSERT INTO crate_tracks (crate_id, track_id) SELECT id, 1 FROM crates")
    conn.execute("INSERT INTO Playlists (name, position, hidden) VALUES ('Sunday Set', 1, 0)")
    conn.execute(
        "INSERT INTO PlaylistTracks (playlist_id, track_id, position)"
        " SELECT id, 2, 1 FROM Playlists"
    )
    assert titles("crate:peak") == {"One More Time"}
    assert titles('playlist:"sunday set"') == {"Jóga"}
    assert titles("-crate:peak") == {"Jóga", "under_score", "Null deleted flag"}


def test_text_columns_holding_other_storage_classes_are_searched_safely(
    library: mp.MixxxLibrary,
) -> None:
    # Mixxx's columns are loosely typed: a number, a blob, text with a NUL, NULL.
    conn = mp.db.connection()
    conn.execute("UPDATE library SET comment = 1997 WHERE title = 'Jóga'")
    conn.execute("UPDATE library SET grouping = x'c3a97a7a' WHERE title = 'One More Time'")
    conn.execute("UPDATE library SET album = 'Caf' || char(233) || char(0) || 'x' WHERE id = 3")
    assert titles("1997") == {"Jóga"}  # the number (and the year "1997-09-22")
    assert titles("cafe") == {"under_score"}  # accent folded, NUL kept in the text
    assert titles("zz") == titles("ezz") == set()  # a blob is not text: never matched
    assert titles("-cafe") == {"One More Time", "Jóga", "Null deleted flag"}


def test_accent_folded_search_agrees_with_python(library: mp.MixxxLibrary) -> None:
    words = ["bjork", "BJÖRK", "joga", "JÓGA", "ógá", "Straße", "strasse", "f♯", "ﬁ"]
    mp.update_track(3, artist="Straße ﬁne", force=True)
    for word in words:
        expected = {
            t.title
            for t in mp.query_tracks()
            if any(
                fold_text(word) in fold_text(v)
                for v in (t.artist, t.title, t.album, t.genre, t.comment, t.path)
                if isinstance(v, str)
            )
        }
        assert titles(word) == expected, word


def test_long_search_words_fold_accents_without_the_cache(library: mp.MixxxLibrary) -> None:
    mp.update_track(3, title="Ré" * 200 + " end", force=True)
    assert titles("re" * 200) == {"Ré" * 200 + " end"}  # 400 characters: the uncached path
    assert titles("re" * 100) == {"Ré" * 200 + " end"}  # 200: the cached one
    assert titles("re" * 201) == set()


def test_search_streams_through_iter_tracks(library: mp.MixxxLibrary) -> None:
    rows = list(mp.iter_tracks(search="bpm:>100", sort="bpm", chunk_size=1))
    assert [r["title"] for r in rows] == ["One More Time", "under_score"]


_ALPHABET = "ab:\"-<>=%_\\ '*[]()bpm.k/é0123456789"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.text(alphabet=st.sampled_from(list(_ALPHABET))) | st.text())
def test_any_query_text_never_raises_anything_but_validation_error(
    query: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    global _searchable
    if _searchable is None:
        path = copy_fixture("schema-replay/rev39.sqlite", tmp_path_factory.mktemp("q"))
        fill(path, SAMPLE)
        _searchable = path
    if mp.library._current is None:
        mp.open_library(_searchable, readonly=True)
    try:
        mp.search_tracks(query)
        mp.search_tracks("artist:" + query)
        mp.search_tracks("bpm:" + query)
    except mp.ValidationError:
        pass


_searchable: Path | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("128", NumberRange(128.0, 129.0, include_high=False)),
        ("=128", NumberRange(128.0, 129.0, include_high=False)),
        ("127.5", NumberRange(127.5, 127.5)),
        ("120-126", NumberRange(120.0, 126.0)),
        ("120..126", NumberRange(120.0, 126.0)),
        ("120-", NumberRange(120.0, None)),
        ("..130", NumberRange(None, 130.0)),
        ("-130", NumberRange(None, 130.0)),
        (">125", NumberRange(125.0, None, include_low=False)),
        (">=125", NumberRange(125.0, None)),
        ("<125", NumberRange(None, 125.0, include_high=False)),
        ("<=125", NumberRange(None, 125.0)),
    ],
)
def test_numeric_fields_take_the_one_range_syntax(text: str, expected: NumberRange) -> None:
    assert parse_query(f"bitrate:{text}") == [Term("bitrate", "range", expected)]
    assert parse_range(text) == expected


def test_ranges_from_numbers_and_pairs() -> None:
    assert parse_range(128) == parse_range("128")
    assert parse_range((128, 128)) == NumberRange(128.0, 128.0)
    assert parse_range((None, 5)) == NumberRange(None, 5.0)
    assert parse_range("3:20", duration=True) == NumberRange(200.0, 201.0, include_high=False)
    for bad in ("abc", "130-120", "1-2-3", "-", "", "3:20", True, (1, "a"), [1, 2, 3]):
        with pytest.raises(mp.ValidationError):
            parse_range(bad)


# Cases from Mixxx's own parser tests (src/test/searchqueryparsertest.cpp), our code.


def any_of(*groups: list[Term]) -> list[Term]:
    return [Term(None, "any", tuple(tuple(g) for g in groups))]


def words(*texts: str) -> list[Term]:
    return [Term(None, "contains", t) for t in texts]


def test_or_splits_groups_outside_quotes_only() -> None:
    assert parse_query("house|  funk | big room") == any_of(
        words("house"), words("funk"), words("big", "room")
    )
    assert parse_query("a OR b") == any_of(words("a"), words("b"))
    assert parse_query('title:"a | x|y" house | techno') == any_of(
        [Term("title", "contains", "a | x|y"), *words("house")], words("techno")
    )
    assert parse_query("duration:<39|duration:>=2:00")[0].op == "any"


def test_or_needs_a_capital_word_with_boundaries() -> None:
    assert parse_query("aOR") == words("aOR")
    assert parse_query("ORa") == words("ORa")
    assert parse_query("or") == words("or")
    assert parse_query('"OR"') == words("OR")


def test_an_empty_or_matches_nothing_with_a_note() -> None:
    for text in ("|", "OR"):
        parsed = parse_search(text)
        assert parsed.terms == [Term(None, "any", ())]
        assert parsed.notes


def test_exact_match_needs_a_closed_quote() -> None:
    assert parse_query('comment:="asdf"') == [Term("comment", "equals", "asdf")]
    assert parse_query('comment:="asdf') == [Term("comment", "contains", "asdf")]


def test_empty_values() -> None:
    assert parse_query("comment:") == []
    assert parse_query("bitrate:") == []
    assert parse_query('genre:""') == [Term("genre", "empty", None)]
    assert parse_query('crate:""') == [Term("crate", "empty", None)]
    assert parse_query('played:""') == [Term("played", "empty", None)]
    for text in ('bpm:""', "bpm:-", "bpm:0", "bpm:00.0"):
        assert parse_query(text) == [Term("bpm", "empty", None)], text


def test_quotes_keep_spaces_and_negation_applies_to_filters() -> None:
    assert parse_query('comment:"asdf "') == [Term("comment", "contains", "asdf ")]
    assert parse_query("-comment: asdf") == [Term("comment", "contains", "asdf", negate=True)]
    assert parse_query("-bitrate:127") == [
        Term("bitrate", "range", NumberRange(127.0, 128.0, include_high=False), negate=True)
    ]
    assert parse_query("-") == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1:30", 90.0), ("1m30s", 90.0), ("1m30", 90.0), ("90", 90.0), ("90s", 90.0), ("2m", 120.0)],
)
def test_duration_forms(text: str, seconds: float) -> None:
    (term,) = parse_query(f"duration:{text}")
    assert term.value.low == seconds


def test_bpm_modes_follow_mixxx_2_4() -> None:
    from mixxx_peewee.tracks.searchsyntax import tempo_ranges as _tempo_ranges

    assert parse_query("bpm:126") == [Term("bpm", "tempo", "126")]
    assert _tempo_ranges("126", True) == (
        NumberRange(125.95, 127.0, True, False),
        NumberRange(62.95, 64.0, True, False),
        NumberRange(251.95, 254.0, True, False),
    )
    assert _tempo_ranges("127", True)[1] == NumberRange(62.95, 64.5, True, False)
    assert _tempo_ranges("127", False) == (NumberRange(127.0, 128.0, True, False),)
    assert [r.low for r in _tempo_ranges("127.12", True)] == pytest.approx(
        [127.115, 63.555, 254.235]
    )
    assert parse_query("bpm:=127.12") == [
        Term("bpm", "bpm", (NumberRange(pytest.approx(127.115), pytest.approx(127.125)),))
    ]
    assert parse_query("~bpm:100") == [Term("bpm", "bpm", (NumberRange(94.0, 106.0),))]
    assert parse_query("bpm:127.12-129") == [Term("bpm", "range", NumberRange(127.12, 129.0))]
    invalid = parse_search("~bpm:=106")
    assert invalid.terms == [Term("bpm", "bpm", ())] and invalid.notes


def test_compatible_keys_match_mixxx_key_utils() -> None:
    from mixxx_peewee.tracks.searchsyntax import compatible_keys

    assert compatible_keys(22) == (1, 15, 17, 22)  # Am: C, Dm, Em, Am
    assert compatible_keys(6) == (1, 6, 11, 15)  # F: C, F, B♭, Dm
    assert parse_query("~key:8A") == [Term("key", "keys", (1, 15, 17, 22))]
    assert parse_query("key:foo") == [Term("key", "contains", "foo")]


def test_dates_name_local_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        assert parse_query("added:2024-05") == [
            Term("datetime_added", "date", ("2024-05-01 00:00:00", "2024-06-01 00:00:00"))
        ]
        assert parse_query("dateadded:>2024") == [
            Term("datetime_added", "date", ("2025-01-01 00:00:00", None))
        ]
        assert parse_query("last_played:<=2024-02-29") == [
            Term("last_played_at", "date", (None, "2024-03-01 00:00:00"))
        ]
        assert parse_query("added:12:07") == [Term("datetime_added", "contains", "12:07")]
        (week,) = parse_query("lastplayed:lastweek")
        assert week.op == "date" and week.value[1] is None
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_what_no_filter_reads_is_text_with_a_note() -> None:
    for text in ("mood:happy", "~genre:house", "bpm:fast", "year:soon"):
        parsed = parse_search(text)
        assert parsed.terms == [Term(None, "contains", text)], text
        assert len(parsed.notes) == 1, text


def test_or_exact_empty_and_crates_on_a_library(library: mp.MixxxLibrary) -> None:
    assert titles("genre:pop | genre:house") == titles("genre:pop") | titles("genre:house")
    assert titles('title:="joga"') == {"Jóga"}  # accents and case folded
    assert titles('title:="jog"') == set()
    conn = mp.db.connection()
    conn.execute("INSERT INTO crates (name) VALUES ('Peak Time')")
    conn.execute("INSERT INTO crate_tracks (crate_id, track_id) SELECT id, 1 FROM crates")
    assert titles("peak") == {"One More Time"}  # free words find crate names (Mixxx)
    assert "One More Time" not in titles('crate:""')
    assert titles("id:2") == {"Jóga"}


def test_search_notes_name_columns_the_file_lacks(library: mp.MixxxLibrary) -> None:
    from mixxx_peewee.tracks.search import search_notes

    assert search_notes("house") == []
    assert search_notes("mood:x") == ["mood: is not a search field; searched as the text 'mood:x'"]


def test_every_term_kind_has_one_compile_function() -> None:
    from typing import get_args

    from mixxx_peewee.tracks import search
    from mixxx_peewee.tracks.searchsyntax import TERM_KINDS
    from mixxx_peewee.tracks.searchsyntax import TermKind

    assert set(get_args(TermKind)) == set(TERM_KINDS) == set(search._COMPILERS)
