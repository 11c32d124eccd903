"""Cues: seconds <-> engine samples, 1-based hotcues, colours per revision, guard, atomicity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import mixxx_peewee as m
from mixxx_peewee.core.running import MixxxProcess
from mixxx_peewee.core.running import set_mixxx_detector


def stored(track_id: int) -> list[tuple]:
    cursor = m.db.execute_sql(
        "SELECT type, position, length, hotcue, label FROM cues WHERE track_id = ? ORDER BY id",
        (track_id,),
    )
    return [tuple(r) for r in cursor]


def has_color() -> bool:
    return m.current_library().schema.has_column("cues", "color")


def revision() -> int:
    schema = m.current_library().schema
    return schema.matched_revision or schema.version or 0


def test_hotcue_is_stored_in_engine_samples_0_based(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    track = ids[0]
    rate = m.db.execute_sql("SELECT samplerate FROM library WHERE id = ?", (track,)).fetchone()[0]
    m.set_hotcue(track, 1, 1.23456789, label="Drop")
    (row,) = stored(track)
    assert row == (1, 1.23456789 * rate * 2, 0, 0, "Drop")
    (cue,) = m.list_cues(track)
    assert cue["hotcue"] == 1 and cue["type_name"] == "hotcue"
    assert cue["position"] == pytest.approx(1.23456789, abs=1e-12)
    assert cue["position_samples"] == 1.23456789 * rate * 2  # never truncated


def test_setting_a_hotcue_again_replaces_its_row(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    first = m.set_hotcue(ids[0], 4, 1.0, label="A").value
    second = m.set_hotcue(ids[0], 4, 2.0).value
    assert first == second
    (cue,) = m.list_cues(ids[0])
    assert (cue["hotcue"], cue["position"], cue["label"]) == (4, 2.0, "A")


def test_main_cue_sets_its_row_and_cuepoint(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    m.set_main_cue(ids[1], 0.5)
    m.set_main_cue(ids[1], 0.75)
    (cue,) = m.list_cues(ids[1])
    assert (cue["type_name"], cue["hotcue"], cue["position"]) == ("main", None, 0.75)
    cuepoint = m.db.execute_sql("SELECT cuepoint FROM library WHERE id = ?", (ids[1],)).fetchone()
    assert cuepoint[0] == cue["position_samples"]


def test_colours_are_rgb_from_revision_32_and_a_palette_before(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    if not has_color():
        with pytest.raises(m.ValidationError):
            m.set_hotcue(ids[0], 1, 1.0, color="#C50A08")
        assert m.set_hotcue(ids[0], 1, 1.0).counts == {"set": 1}
        assert m.list_cues(ids[0])[0]["color"] is None
        return
    m.set_hotcue(ids[0], 1, 1.0, color="#C50A08")  # in Mixxx's hotcue palette
    assert m.list_cues(ids[0])[0]["color"] == "#C50A08"
    raw = m.db.execute_sql("SELECT color FROM cues WHERE track_id = ?", (ids[0],)).fetchone()[0]
    assert raw == (0xC50A08 if revision() >= 32 else 1)
    if revision() >= 32:
        m.set_hotcue(ids[0], 2, 2.0, color=0x123456)
        assert m.list_cues(ids[0])[1]["color"] == "#123456"
    else:
        with pytest.raises(m.ValidationError, match="palette"):
            m.set_hotcue(ids[0], 2, 2.0, color=0x123456)


def test_stored_alpha_is_masked_when_reading(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    if not has_color() or revision() < 32:
        pytest.skip("RGB cue colours start at revision 32")
    m.db.execute_sql(
        "INSERT INTO cues (track_id, type, position, length, hotcue, label, color)"
        " VALUES (?, 1, 100.5, 0, 0, '', 4294901760)",
        (ids[0],),
    )
    (cue,) = m.list_cues(ids[0])
    assert cue["color"] == "#FF0000" and cue["position_samples"] == 100.5


def test_unknown_samplerate_gives_samples_only_and_refuses_seconds(
    opened: tuple[Path, list[int]],
) -> None:
    _path, ids = opened
    m.db.execute_sql("UPDATE library SET samplerate = 0 WHERE id = ?", (ids[2],))
    m.db.execute_sql(
        "INSERT INTO cues (track_id, type, position, length, hotcue, label)"
        " VALUES (?, 2, 88200, 0, -1, '')",
        (ids[2],),
    )
    (cue,) = m.list_cues(ids[2])
    assert cue["position"] is None and cue["position_samples"] == 88200.0
    with pytest.raises(m.ValidationError, match="samplerate"):
        m.set_hotcue(ids[2], 1, 1.0)


def test_delete_by_hotcue_cue_id_or_main(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    track = ids[0]
    m.set_hotcue(track, 1, 1.0)
    two = m.set_hotcue(track, 2, 2.0).value
    m.set_main_cue(track, 0.25)
    m.delete_cue(track, hotcue=1)
    m.delete_cue(track, cue_id=two)
    m.delete_cue(track, main=True)
    assert m.list_cues(track) == []
    with pytest.raises(m.NotFoundError):
        m.delete_cue(track, hotcue=1)
    with pytest.raises(m.ValidationError):
        m.delete_cue(track, hotcue=1, cue_id=two)


@pytest.mark.parametrize(
    ("number", "seconds"), [(0, 1.0), (37, 1.0), (1, -0.5), (1, float("nan")), (1, "1")]
)
def test_bad_numbers_and_positions_are_refused(
    opened: tuple[Path, list[int]], number: int, seconds: float
) -> None:
    _path, ids = opened
    with pytest.raises(m.ValidationError):
        m.set_hotcue(ids[0], number, seconds)


def test_unknown_track_is_named(opened: tuple[Path, list[int]]) -> None:
    with pytest.raises(m.TrackNotFoundError, match="9999"):
        m.list_cues(9999)
    with pytest.raises(m.TrackNotFoundError, match="9999"):
        m.set_hotcue(9999, 1, 1.0)


def test_cue_writes_are_refused_while_mixxx_runs_unless_forced(
    opened: tuple[Path, list[int]],
) -> None:
    path, ids = opened
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    previous = set_mixxx_detector(lambda p: [MixxxProcess(1234, True)])
    try:
        with pytest.raises(m.MixxxRunningError):
            m.set_hotcue(ids[0], 1, 1.0)
        planned = m.set_main_cue(ids[0], 1.0, dry_run=True)
        assert any("refused" in n for n in planned.notes)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        forced = m.set_hotcue(ids[0], 1, 1.0, force=True)
    finally:
        set_mixxx_detector(previous)
    assert any("forced" in n for n in forced.notes)


def test_a_failure_mid_write_leaves_the_file_unchanged(
    opened: tuple[Path, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = opened
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    from mixxx_peewee.tracks import cues

    real = cues._write_cue

    def write_then_fail(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        raise RuntimeError("injected")

    monkeypatch.setattr(cues, "_write_cue", write_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        m.set_main_cue(ids[0], 1.0)
    m.current_library().close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00.000"), (59.9996, "1:00.000"), (95.5, "1:35.500"), (3723.25, "1:02:03.250")],
)
def test_clock_text_rounds_once_and_reads_back(seconds: float, text: str) -> None:
    from mixxx_peewee.core.values import parse_seconds
    from mixxx_peewee.tracks.cues import clock_text

    assert clock_text(seconds) == text
    assert parse_seconds(text) == pytest.approx(round(seconds, 3))


def test_setting_a_cue_where_it_is_changes_nothing(opened: tuple[Path, list[int]]) -> None:
    _path, ids = opened
    m.set_hotcue(ids[0], 2, 1.5, label="Drop")
    again = m.set_hotcue(ids[0], 2, 1.5)
    assert again.changes == [] and "is at 0:01.500 already" in again.unchanged[0]
    m.set_main_cue(ids[0], 1.0)
    assert m.set_main_cue(ids[0], 1.0).changes == []
