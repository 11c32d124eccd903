"""Smart crates: a crate filled by a Mixxx search, its rule in a file beside the library."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import ok
from cli_support import one_error
from cli_support import parsed
from cli_support import sample_library
from cli_support import sha256

import mixxx_peewee as m
from mixxx_peewee.trackset.smartrules import rules_path

QUERY = "genre:house bpm:110-130"


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MIXXX_PEEWEE_AUTO_BACKUP", "0")
    path = sample_library(tmp_path)
    m.open_library(path)
    return path


def members(crate: int) -> set[int]:
    return {t.id for t in m.get_crate_tracks(crate, include_hidden=True)}


def found(query: str) -> set[int]:
    return {t.id for t in m.search_tracks(query)}


def test_a_smart_crate_holds_what_the_search_finds_and_its_rule_lives_beside_the_library(
    sample: Path,
) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    assert members(crate) == found(QUERY) != set()
    rules = json.loads(rules_path(sample).read_text(encoding="utf-8"))
    assert rules_path(sample).name == "mixxxdb.smart-crates.json"
    assert rules["crates"][str(crate)]["query"] == QUERY
    assert set(rules["crates"][str(crate)]["members"]) == found(QUERY)
    conn = sqlite3.connect(sample)  # Mixxx's file has no table or column of ours
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not any("smart" in t for t in tables)
    assert m.smart_crates()[0] | {"refreshed": ""} == {
        "id": crate, "name": "Smart house", "query": QUERY, "members": len(found(QUERY)),
        "refreshed": "", "gone": False,
    }  # fmt: skip


def test_reads_never_create_the_rules_file(sample: Path) -> None:
    assert m.smart_crates() == []
    m.create_smart_crate("Smart house", QUERY, dry_run=True)
    m.refresh_smart_crates(dry_run=True)
    assert not rules_path(sample).exists()
    assert "Smart house" not in {c["name"] for c in m.list_crates()}


def test_refresh_reports_what_joined_and_left(sample: Path) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    leaving = sorted(found(QUERY))[0]
    joining = next(t.id for t in m.search_tracks("bpm:110-130 -genre:house"))
    m.update_track(leaving, genre="Polka")
    m.update_track(joining, genre="Deep House")
    result = m.refresh_smart_crates()
    assert result.value == [{
        "id": crate, "name": "Smart house", "query": QUERY, "joined": [joining], "left": [leaving],
        "kept": [], "kept_out": [],
    }]  # fmt: skip
    assert result.counts == {"joined": 1, "left": 1}
    assert members(crate) == found(QUERY)
    assert m.refresh_smart_crates().counts == {"joined": 0, "left": 0}


def test_hand_changes_are_kept_by_default_and_replaced_on_request(sample: Path) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    outsider = next(t.id for t in m.search_tracks("-genre:house"))
    taken_out = sorted(found(QUERY))[0]
    m.add_tracks_to_crate(crate, [outsider])
    m.remove_tracks_from_crate(crate, [taken_out])
    kept = m.refresh_smart_crates("Smart house")
    assert (kept.value[0]["kept"], kept.value[0]["kept_out"]) == ([outsider], [taken_out])
    assert members(crate) == found(QUERY) - {taken_out} | {outsider}
    # the second refresh still knows both were changed by hand
    assert m.refresh_smart_crates(crate).counts == {"joined": 0, "left": 0}
    replaced = m.refresh_smart_crates([crate], manual="replace")
    assert (replaced.value[0]["joined"], replaced.value[0]["left"]) == ([taken_out], [outsider])
    assert members(crate) == found(QUERY)


def test_a_renamed_crate_keeps_its_rule_and_a_deleted_one_is_reported_then_dropped(
    sample: Path,
) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    other = m.create_smart_crate("Techno", "genre:techno").id
    m.rename_crate(crate, "Warm-up")
    assert m.refresh_smart_crates("Warm-up").value[0]["name"] == "Warm-up"
    m.delete_crate(other)
    assert [r["gone"] for r in m.smart_crates()] == [True, False]  # "Techno", "Warm-up"
    result = m.refresh_smart_crates()
    assert any("'Techno'" in line and "gone" in line for line in result.changes)
    assert [r["name"] for r in m.smart_crates()] == ["Warm-up"]


def test_refusals_write_nothing(sample: Path) -> None:
    m.create_smart_crate("Smart house", QUERY)
    before, rules = sha256(sample), rules_path(sample).read_bytes()
    with pytest.raises(m.ValidationError, match="does not parse"):
        m.create_smart_crate("Broken", "bpm:fast")
    with pytest.raises(m.ValidationError, match="needs a query"):
        m.create_smart_crate("Empty", "  ")
    with pytest.raises(m.DuplicateNameError):
        m.create_smart_crate("Smart house", QUERY)
    with pytest.raises(m.ValidationError, match="not a smart crate"):
        m.refresh_smart_crates("Bangers")
    with pytest.raises(m.CrateNotFoundError):
        m.refresh_smart_crates("No such crate")
    with pytest.raises(m.ValidationError, match="manual"):
        m.refresh_smart_crates(manual="merge")  # type: ignore[arg-type]
    assert (sha256(sample), rules_path(sample).read_bytes()) == (before, rules)


def test_undo_of_a_smart_crate_takes_the_crate_and_so_its_rule(sample: Path) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    m.undo_change()
    assert [(r["id"], r["gone"]) for r in m.smart_crates()] == [(crate, True)]
    m.refresh_smart_crates()
    assert m.smart_crates() == []


def test_hidden_tracks_leave_a_smart_crate_as_the_search_leaves_them_out(sample: Path) -> None:
    crate = m.create_smart_crate("Smart house", QUERY).id
    hidden = sorted(found(QUERY))[0]
    m.hide_tracks([hidden])
    assert m.refresh_smart_crates().value[0]["left"] == [hidden]
    assert hidden not in members(crate)


def test_the_command_line_creates_refreshes_and_lists_smart_crates(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    new_id = int(ok(cli(db, "crates", "smart", "Smart house", QUERY)).stdout)
    listed = {c["name"]: c for c in parsed(cli(db, "crates", "list", "--format", "json"))}
    assert (listed["Smart house"]["smart"], listed["Bangers"]["smart"]) == (QUERY, "")
    assert listed["Smart house"]["id"] == new_id
    assert "smart" in ok(cli(db, "crates", "list", "--format", "csv")).stdout.splitlines()[0]
    assert QUERY in ok(cli(db, "crates", "list")).stdout
    ran = parsed(cli(db, "crates", "refresh", "--replace-manual", "--json"))
    assert ran["counts"] == {"joined": 0, "left": 0}
    assert ran["value"][0]["name"] == "Smart house"


def test_a_query_that_does_not_parse_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    before = sha256(db)
    one_error(cli(db, "crates", "smart", "Broken", "bpm:fast"), "does not parse")
    assert sha256(db) == before
    assert not rules_path(db).exists()


def test_a_refresh_that_only_drops_a_gone_rule_writes_the_rules_file(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    new_id = ok(cli(db, "crates", "smart", "Smart house", QUERY)).stdout.strip()
    ok(cli(db, "crates", "delete", new_id, "--yes"))
    assert json.loads(rules_path(db).read_text(encoding="utf-8"))["crates"]
    ran = ok(cli(db, "crates", "refresh"))
    assert "the crate is gone" in ran.stderr
    assert json.loads(rules_path(db).read_text(encoding="utf-8"))["crates"] == {}
