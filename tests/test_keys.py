"""Musical keys: Mixxx's key_id and the traditional, OpenKey and Lancelot notations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.core.keys import parse_key
from mixxx_peewee.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "key_id"),
    [
        ("C", 1), ("Db", 2), ("C#", 2), ("D♭", 2), ("F#", 7), ("F♯/G♭", 7), ("B", 12),
        ("Cm", 13), ("c", 13), ("C#m", 14), ("Ebm", 16), ("D♯m/E♭m", 16), ("F#m", 19),
        ("Am", 22), ("a minor", 22), ("A major", 10), ("bb", 23), ("Bbm", 23), ("Bm", 24),
        ("1d", 1), ("1m", 22), ("4m", 19), ("11d", 11), ("12M", 15),
        ("8B", 1), ("8A", 22), ("11A", 19), ("6B", 11), ("1a", 21),
        ("1d (C)", 1), (" 8A ", 22),
    ],
)  # fmt: skip
def test_every_notation_parses_like_mixxx(text: str, key_id: int) -> None:
    assert guess_key_id(text) == key_id


@pytest.mark.parametrize("text", ["", "H", "13d", "0A", "INVALID", "C#x", "Am7"])
def test_text_that_is_no_key_gives_zero(text: str) -> None:
    assert guess_key_id(text) == 0
    with pytest.raises(ValidationError):
        parse_key(text)


def test_parse_key_takes_a_key_id() -> None:
    assert parse_key(5) == 5
    assert parse_key("24") == 24
    with pytest.raises(ValidationError):
        parse_key(0)
    with pytest.raises(ValidationError):
        parse_key(True)


def test_key_text_in_each_notation() -> None:
    assert [key_to_text(19, n) for n in ("traditional", "openkey", "lancelot")] == [
        "F♯m",
        "4m",
        "11A",
    ]
    assert key_to_text(1, "lancelot") == "8B"
    assert key_to_text(0) == ""
    with pytest.raises(ValidationError):
        key_to_text(1, "german")


@given(st.integers(1, 24), st.sampled_from(["traditional", "openkey", "lancelot"]))
def test_every_key_round_trips_through_every_notation(key_id: int, notation: str) -> None:
    assert guess_key_id(key_to_text(key_id, notation)) == key_id


@given(st.integers(1, 12))
def test_openkey_and_lancelot_are_the_same_wheel_turned_by_five(number: int) -> None:
    lancelot = (number - 6) % 12 + 1
    assert guess_key_id(f"{number}d") == guess_key_id(f"{lancelot}B")
    assert guess_key_id(f"{number}m") == guess_key_id(f"{lancelot}A")


@given(st.text(max_size=20))
def test_any_text_gives_a_key_id_or_zero(text: str) -> None:
    assert 0 <= guess_key_id(text) <= 24
