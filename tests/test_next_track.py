"""The next track: compatible keys (Mixxx's ~key rule), tempo within a range, closest first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import jsonl
from cli_support import ok
from cli_support import one_error
from cli_support import sample_library

import mixxx_peewee as m
from mixxx_peewee.tracks.nexttrack import key_relation
from mixxx_peewee.tracks.searchsyntax import compatible_keys

# id: (key text, key_id, bpm, last played); the seed is 1 (Am = 8A, 124 BPM).
TRACKS = {
    1: ("Am", 22, 124.0, None),
    2: ("Am", 22, 124.0, "2024-01-01 20:00:00"),  # same key and tempo, played
    3: ("Am", 22, 124.0, None),  # same key and tempo, never played: before 2
    4: ("Am", 22, 62.5, None),  # half tempo
    5: ("C", 1, 126.0, None),  # relative major
    6: ("Em", 17, 124.0, None),  # +1 on the wheel
    7: ("Dm", 15, 130.0, None),  # -1 on the wheel, +4.8 %
    8: ("F#m", 19, 124.0, None),  # 11A: not compatible
    9: ("Am", 22, 140.0, None),  # too fast
    10: ("9A", 0, 124.0, None),  # key_id 0: the key text counts, as in a search
    11: ("", 0, 124.0, None),  # no key
    12: ("Am", 22, 0.0, None),  # no BPM
}
AMONG = list(TRACKS)


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIXXX_PEEWEE_AUTO_BACKUP", "0")
    path = sample_library(tmp_path)
    conn = sqlite3.connect(path)
    for track_id, (key, key_id, bpm, played) in TRACKS.items():
        conn.execute(
            "UPDATE library SET key = ?, key_id = ?, bpm = ?, last_played_at = ?, "
            "mixxx_deleted = 0 WHERE id = ?",
            (key, key_id, bpm, played, track_id),
        )
    conn.commit()
    conn.close()
    m.open_library(path)
    return path


def test_compatible_keys_rank_by_key_then_tempo_then_the_oldest_play(library: Path) -> None:
    rows = m.suggest_next(1, among=AMONG, limit=None)
    assert [r["id"] for r in rows] == [3, 2, 4, 6, 10, 5, 7]
    reasons = {r["id"]: r["reason"] for r in rows}
    assert reasons[3] == "same key, same BPM"
    assert reasons[4] == "same key, half tempo, +0.8 %"
    assert reasons[5] == "relative major, +1.6 % BPM"
    assert reasons[6] == "+1 on the wheel, same BPM"
    assert reasons[7] == "-1 on the wheel, +4.8 % BPM"
    assert {r["id"]: r["tempo"] for r in rows}[4] == "half"


def test_the_key_modes(library: Path) -> None:
    assert [r["id"] for r in m.suggest_next(1, among=AMONG, key_mode="same")] == [3, 2, 4]
    anything = m.suggest_next(1, among=AMONG, key_mode="any", limit=None)
    assert {8, 11} <= {r["id"] for r in anything}
    assert [r["id"] for r in anything][-2:] == [8, 11]  # 3 away on the wheel, then no key
    assert {r["id"]: r["reason"] for r in anything}[8] == "11A, 3 from 8A on the wheel, same BPM"


def test_bpm_range_and_limit(library: Path) -> None:
    assert 9 not in {r["id"] for r in m.suggest_next(1, among=AMONG, limit=None)}
    assert 9 in {r["id"] for r in m.suggest_next(1, among=AMONG, bpm_range=13, limit=None)}
    assert [r["id"] for r in m.suggest_next(1, among=AMONG, bpm_range=0)] == [3, 2, 6, 10]
    assert len(m.suggest_next(1, among=AMONG, limit=2)) == 2


def test_the_compatible_set_is_mixxx_s_one_definition(library: Path) -> None:
    for key_id in range(1, 25):
        near = {k for k in range(1, 25) if key_relation(key_id, k)[0] <= 1}
        assert near == set(compatible_keys(key_id))


def test_a_track_without_key_or_bpm_is_refused_not_an_empty_list(library: Path) -> None:
    with pytest.raises(m.ValidationError, match="has no key"):
        m.suggest_next(11)
    with pytest.raises(m.ValidationError, match="has no BPM"):
        m.suggest_next(12)
    assert m.suggest_next(11, key_mode="any", among=AMONG)  # no key needed for any key
    with pytest.raises(m.TrackNotFoundError):
        m.suggest_next(999_999)
    with pytest.raises(m.ValidationError, match="key mode"):
        m.suggest_next(1, key_mode="near")  # type: ignore[arg-type]


def test_suggest_from_a_crate(library: Path) -> None:
    crate = m.create_crate("Next up", [2, 6, 8]).id
    assert [r["id"] for r in m.suggest_next(1, crate=crate)] == [2, 6]


def test_the_command_line_gives_data_in_every_format(library: Path) -> None:
    m.create_crate("Next up", [2, 6, 8])
    rows = jsonl(cli(library, "tracks", "next", "1", "--crate", "Next up", "--format", "jsonl"))
    assert [(r["id"], r["reason"]) for r in rows] == [
        (2, "same key, same BPM"), (6, "+1 on the wheel, same BPM"),
    ]  # fmt: skip
    ids = ok(cli(library, "tracks", "next", "1", "--crate", "Next up", "-f", "ids")).stdout
    assert ids.split() == ["2", "6"]
    header = ok(cli(library, "tracks", "next", "1", "--crate", "Next up", "-f", "csv")).stdout
    assert header.splitlines()[0].endswith("reason")
    table = ok(cli(library, "tracks", "next", "1", "--limit", "3")).stdout
    assert "same key" in table


def test_the_command_line_refuses_a_track_without_bpm(library: Path) -> None:
    one_error(cli(library, "tracks", "next", "12"), "track 12 has no BPM")
    one_error(cli(library, "tracks", "next", "11"), "track 11 has no key")
