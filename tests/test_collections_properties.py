"""Property tests: random playlist edits match a Python list, random crate edits a Python set."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import mixxx_peewee as m
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.testing import make_sample_library
from mixxx_peewee.trackset import crates
from mixxx_peewee.trackset import playlists

TRACKS = 6
FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example makes its own copy


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "mixxxdb.sqlite"
    make_sample_library(path, revision=32, tracks=TRACKS, seed=9, playlists=0, crates=0)
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(10**9))

    def make() -> list[int]:
        copy = tmp_path / f"db{next(counter)}.sqlite"
        shutil.copy2(template, copy)
        m.open_library(copy, journal_mode="keep")
        return [r[0] for r in m.db.execute_sql("SELECT id FROM library ORDER BY id")]

    return make


track_index = st.integers(0, TRACKS - 1)
playlist_ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.lists(track_index, max_size=4)),
        st.tuples(st.just("insert"), st.integers(1, 12), st.lists(track_index, max_size=4)),
        st.tuples(st.just("remove_track"), track_index),
        st.tuples(st.just("remove_positions"), st.lists(st.integers(1, 12), max_size=4)),
        st.tuples(st.just("move"), st.integers(1, 12), st.integers(1, 12)),
        st.tuples(st.just("clear")),
    ),
    max_size=12,
)


def stored_order(playlist_id: int) -> list[int]:
    rows = m.db.execute_sql(
        "SELECT position, track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position",
        (playlist_id,),
    ).fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    return [r[1] for r in rows]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=playlist_ops)
def test_random_playlist_edits_match_a_list_model(fresh, ops) -> None:  # type: ignore[no-untyped-def]
    ids = fresh()
    pid = m.create_playlist("Model").value
    model: list[int] = []
    for op in ops:
        kind = op[0]
        try:
            if kind == "append":
                tracks = [ids[i] for i in op[1]]
                m.add_tracks_to_playlist(pid, tracks)
                model.extend(tracks)
            elif kind == "insert":
                tracks = [ids[i] for i in op[2]]
                m.add_tracks_to_playlist(pid, tracks, position=op[1])
                model[op[1] - 1 : op[1] - 1] = tracks
            elif kind == "remove_track":
                m.remove_track_from_playlist(pid, ids[op[1]])
                model = [t for t in model if t != ids[op[1]]]
            elif kind == "remove_positions":
                m.remove_positions_from_playlist(pid, op[1])
                model = [t for i, t in enumerate(model, 1) if i not in set(op[1])]
            elif kind == "move":
                m.move_playlist_track(pid, op[1], op[2])
                model.insert(op[2] - 1, model.pop(op[1] - 1))
            else:
                m.clear_playlist(pid)
                model = []
        except m.ValidationError:
            # Only out-of-range positions are refused; the model agrees they are invalid.
            assert kind in ("insert", "remove_positions", "move")
            limit = len(model) + (1 if kind == "insert" else 0)
            asked = [op[1]] if kind == "insert" else (op[1] if kind != "move" else op[1:])
            assert any(not 1 <= p <= limit for p in asked)
        assert stored_order(pid) == model


crate_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(track_index, max_size=5)),
        st.tuples(st.just("remove"), st.lists(track_index, max_size=5)),
        st.tuples(st.just("clear")),
    ),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=crate_ops)
def test_random_crate_edits_match_a_set_model(fresh, ops) -> None:  # type: ignore[no-untyped-def]
    ids = fresh()
    cid = m.create_crate("Model").value
    model: set[int] = set()
    for op in ops:
        if op[0] == "add":
            tracks = {ids[i] for i in op[1]}
            result = m.add_tracks_to_crate(cid, [ids[i] for i in op[1]])
            assert result.counts == {"added": len(tracks - model), "already": len(tracks & model)}
            model |= tracks
        elif op[0] == "remove":
            tracks = {ids[i] for i in op[1]}
            assert m.remove_tracks_from_crate(cid, tracks).counts["removed"] == len(tracks & model)
            model -= tracks
        else:
            m.clear_crate(cid)
            model = set()
        rows = m.db.execute_sql(
            "SELECT track_id FROM crate_tracks WHERE crate_id = ?", (cid,)
        ).fetchall()
        assert len(rows) == len({r[0] for r in rows})  # a set: no track twice
        assert {r[0] for r in rows} == model


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=60))
def test_any_name_is_created_or_refused_cleanly(fresh, name) -> None:  # type: ignore[no-untyped-def]
    fresh()
    try:
        pid = m.create_playlist(name).value
    except m.ValidationError:
        assert (
            not name.strip()
            or name.strip() == "Auto DJ"  # Mixxx's own Auto DJ playlist owns that name
            or parse_id(name.strip()) is not None  # digits are read as an id: refused
            or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name)
        )
        return
    assert m.get_playlist(pid).name == name.strip()
    assert m.get_playlist(name.strip()).id == pid


# Modules whose statements are built with peewee on the models (issue 10).
MODEL_BUILT = ("trackset/playlists.py", "trackset/crates.py", "trackset/membership.py")
_SQL_STATEMENT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE)\b.*\b(FROM|INTO|SET|WHERE)\b")
# A hand-written statement stays only where a row of scripts/bench/bench.py needs it; its line
# (or the line before) names the row in a comment.
BENCH_ROWS = (
    "playlist of 10,000 entries in order",
    "crate of N tracks",
    "add 10,000 tracks to a crate",
    "insert 1,000 tracks at the top of a playlist",
    "remove a track mid-playlist",
)


@pytest.mark.parametrize("module", MODEL_BUILT)
def test_operations_write_no_sql_by_hand(module: str) -> None:
    path = Path(m.__file__).parent / module
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    by_hand = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        else:
            continue
        if not _SQL_STATEMENT.search(text):
            continue
        nearby = " ".join(lines[max(node.lineno - 2, 0) : node.lineno])
        if not any(row in nearby for row in BENCH_ROWS):
            by_hand.append(f"{module}:{node.lineno}: {text[:60]!r}")
    assert by_hand == []


def test_the_sql_check_finds_a_hand_written_statement() -> None:
    assert _SQL_STATEMENT.search("SELECT id FROM Playlists WHERE name = ?")
    assert _SQL_STATEMENT.search("DELETE FROM crate_tracks WHERE crate_id = ?")
    assert not _SQL_STATEMENT.search("CURRENT_TIMESTAMP")
    assert not _SQL_STATEMENT.search("delete a playlist and its entries")


@pytest.mark.parametrize("kind", ["playlist", "crate"])
def test_a_create_and_add_that_fails_midway_leaves_nothing(
    fresh, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ids = fresh()
    module = playlists if kind == "playlist" else crates
    insert = "insert_entries" if kind == "playlist" else "_insert_members"

    def broken(*args: object) -> None:
        raise RuntimeError("disk pulled out mid-write")

    monkeypatch.setattr(module, insert, broken)
    create = m.create_playlist if kind == "playlist" else m.create_crate
    with pytest.raises(RuntimeError):
        create("Half made", ids[:3])
    finder = m.get_playlist if kind == "playlist" else m.get_crate
    with pytest.raises(m.NotFoundError):
        finder("Half made")
