"""The real Mixxx, 2.3.3 and 2.5.0: our CLI beside a running Mixxx, then Mixxx re-reads it all.

Each variant is one round trip (tests/real_mixxx_support.py): Mixxx scans a generated music
folder (with a git-annex-style symlink); while it runs the CLI lists, searches, looks a track
up by its symlink path, fills a crate and a playlist, is refused a track edit and exports the
playlist; Mixxx is closed cleanly, started again and closed again. The tests below judge what
was recorded. Variants: 2.3.3 with the CLI's writes (its writable open switches the file to
WAL while Mixxx runs), 2.3.3 with the file kept in Mixxx's rollback-journal mode (writes
through the library, ``journal_mode="keep"``), and 2.5.0 from a Debian trixie chroot.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from real_mixxx_support import CRATE_NAME
from real_mixxx_support import EDITED_TITLE
from real_mixxx_support import PLACEHOLDER_NAME
from real_mixxx_support import PLAYLIST_NAME
from real_mixxx_support import RoundTrip
from real_mixxx_support import Variant
from real_mixxx_support import fx
from real_mixxx_support import prepare_settings
from real_mixxx_support import raw_rows
from real_mixxx_support import run_cli
from real_mixxx_support import run_round_trip
from real_mixxx_support import skip_reason

pytestmark = pytest.mark.mixxx


def _variant(name: str, mixxx: str, writes: str) -> Any:
    reason = skip_reason(mixxx)
    marks = [pytest.mark.skipif(reason is not None, reason=f"Mixxx {mixxx}: {reason}")]
    return pytest.param(Variant(name, mixxx, writes), id=name, marks=marks)


VARIANTS = [
    _variant("2.3.3-wal", "2.3", "cli"),
    _variant("2.3.3-rollback-journal", "2.3", "api-keep"),
    _variant("2.5.0-wal", "2.5", "cli"),
]


def _say(request: pytest.FixtureRequest, line: str) -> None:
    """A line on the terminal even while pytest captures output (timings for the CI log)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """The generated music folder (sine tones, awkward names, annex symlinks), made once."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg to generate the music folder")
    folder = tmp_path_factory.mktemp("real-mixxx") / "Music"
    return folder, fx.generate_music_folder(folder)


@pytest.fixture(scope="module")
def prepared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    music: tuple[Path, list[Any]],
) -> Iterator[Callable[[Variant], Path]]:
    """Settings made by each Mixxx's first run (database created, folder added), once per
    version; the variants of a version start from copies of it."""
    made: dict[str, Path] = {}

    def settings_for(variant: Variant) -> Path:
        if variant.mixxx not in made:
            settings = tmp_path_factory.mktemp(f"settings-{variant.mixxx}") / "mixxx"
            timings = prepare_settings(settings, music[0], variant)
            _say(request, f"\n[real Mixxx {variant.mixxx}] first run (creates the db): {timings}")
            made[variant.mixxx] = settings
        return made[variant.mixxx]

    yield settings_for


@pytest.fixture(scope="module", params=VARIANTS)
def trip(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    music: tuple[Path, list[Any]],
    prepared: Callable[[Variant], Path],
) -> RoundTrip:
    """One recorded round trip per variant, shared by the tests of that variant."""
    variant: Variant = request.param
    t0 = time.monotonic()
    base = prepared(variant)
    work = tmp_path_factory.mktemp(f"trip-{variant.name}")
    rt = run_round_trip(variant, music[0], music[1], base, work)
    _say(request, f"\n[real Mixxx {variant.name}] {time.monotonic() - t0:.1f} s: {rt.timings}")
    return rt


# --------------------------------------------------------------------------------------
# While Mixxx runs
# --------------------------------------------------------------------------------------


def test_listing_while_mixxx_runs_shows_every_scanned_file_and_the_annex_link(
    trip: RoundTrip,
) -> None:
    expected = {trip.path_of(m.relpath) for m in trip.manifest if m.expect_in_library}
    assert trip.scanned == len(expected)
    assert trip.cli["tracks_list"].returncode == 0, trip.cli["tracks_list"].stderr
    assert set(trip.tracks_by_path) == expected
    assert trip.path_of("annex/Missing.mp3") not in trip.tracks_by_path


def test_search_while_mixxx_runs_matches_accents_and_literal_percent(trip: RoundTrip) -> None:
    assert trip.cli["search_artist"].returncode == 0, trip.cli["search_artist"].stderr
    assert {t["title"] for t in trip.json_of("search_artist")} == {"Ça va", "Déjà vu", "Naïve"}
    assert trip.cli["search_percent"].returncode == 0, trip.cli["search_percent"].stderr
    assert [t["title"] for t in trip.json_of("search_percent")] == ["100% pure_underscore"]


def test_a_track_is_found_by_its_git_annex_symlink_path(trip: RoundTrip) -> None:
    shown = trip.cli["show_symlink"]
    assert shown.returncode == 0, shown.stderr
    track = trip.json_of("show_symlink")
    assert track["title"] == "Annexed Track"
    # Mixxx stores the link itself, not its target in .git/annex/objects
    assert track["location"] == trip.path_of("annex/Track.flac")


def test_crate_and_playlist_writes_succeed_while_mixxx_runs(trip: RoundTrip) -> None:
    steps = ["crate_create", "crate_add", "playlist_create", "playlist_add", "playlist_insert"]
    for step in steps if trip.variant.writes == "cli" else []:
        assert trip.cli[step].returncode == 0, f"{step}: {trip.cli[step].stderr}"
    assert trip.api_error == ""
    assert trip.crate_id is not None and trip.playlist_id is not None
    assert trip.cli["playlist_show"].returncode == 0, trip.cli["playlist_show"].stderr
    assert [t["id"] for t in trip.json_of("playlist_show")] == trip.expected_playlist
    assert trip.cli["crate_show"].returncode == 0, trip.cli["crate_show"].stderr
    assert {t["id"] for t in trip.json_of("crate_show")} == trip.expected_crate


def test_a_track_edit_is_refused_while_mixxx_runs(trip: RoundTrip) -> None:
    refused = trip.cli["edit_refused"]
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), refused.stderr
    assert "mixxx" in lines[0].lower()
    assert "Traceback" not in refused.stderr
    title = raw_rows(trip.db, "SELECT title FROM library WHERE id = ?", (trip.edited_track,))
    assert title == [("Jóga",)] and title[0][0] != EDITED_TITLE


def test_the_running_check_finds_the_mixxx_of_this_run_by_its_pid(trip: RoundTrip) -> None:
    # Whatever else runs on the machine, only this run's Mixxx holds this run's file ...
    assert [p.pid for p in trip.detected_running if p.holds_file] == [trip.mixxx_pid]
    # ... the refused edit names it ...
    named = re.search(r"\(pid ([\d, ]+)\)", trip.cli["edit_refused"].stderr)
    assert named is not None, trip.cli["edit_refused"].stderr
    assert str(trip.mixxx_pid) in named.group(1).split(", ")
    # ... and once it has stopped, it is no longer seen.
    assert trip.mixxx_pid not in [p.pid for p in trip.detected_stopped]


def test_playlist_export_writes_the_paths_in_playlist_order(trip: RoundTrip) -> None:
    assert trip.cli["export"].returncode == 0, trip.cli["export"].stderr
    assert trip.export_path is not None
    text = trip.export_path.read_text(encoding="utf-8")
    paths = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    by_id = {t["id"]: path for path, t in trip.tracks_by_path.items()}
    assert paths == [by_id[i] for i in trip.expected_playlist]


def test_playlist_list_shows_our_playlist_and_no_history_placeholder(trip: RoundTrip) -> None:
    listed = trip.cli["playlists_list_all"]  # --all: Auto DJ and history too
    assert listed.returncode == 0, listed.stderr
    names = [p["name"] for p in trip.json_of("playlists_list_all")]
    assert PLAYLIST_NAME in names and "Auto DJ" in names
    assert PLACEHOLDER_NAME not in names
    assert all(p["hidden"] in (0, 1, 2) for p in trip.json_of("playlists_list_all"))


def test_mixxx_2_5_history_placeholder_is_left_untouched(trip: RoundTrip) -> None:
    # 2.5.0 keeps one (hidden=-1, locked=1) while it runs; 2.3.3 has none
    expected = [(PLACEHOLDER_NAME, -1, 1)] if trip.variant.mixxx == "2.5" else []
    assert [(r[1], r[3], r[4]) for r in trip.placeholder_before] == expected
    assert trip.placeholder_after == trip.placeholder_before


# --------------------------------------------------------------------------------------
# After Mixxx was stopped, restarted (it re-read everything) and stopped again
# --------------------------------------------------------------------------------------


def test_mixxx_stopped_cleanly_both_times(trip: RoundTrip) -> None:
    assert trip.stops == ["clean", "clean"]


def test_our_crate_survives_mixxx_restart_with_its_members(trip: RoundTrip) -> None:
    crates = raw_rows(trip.db, "SELECT id, name FROM crates")
    assert crates == [(trip.crate_id, CRATE_NAME)]
    members = raw_rows(trip.db, "SELECT track_id FROM crate_tracks WHERE crate_id = ?",
                       (trip.crate_id,))  # fmt: skip
    assert {m[0] for m in members} == trip.expected_crate


def test_our_playlist_survives_mixxx_restart_with_positions_1_to_n(trip: RoundTrip) -> None:
    rows = raw_rows(trip.db, "SELECT name, hidden, locked FROM Playlists WHERE id = ?",
                    (trip.playlist_id,))  # fmt: skip
    assert rows == [(PLAYLIST_NAME, 0, 0)]
    entries = raw_rows(
        trip.db,
        "SELECT position, track_id FROM PlaylistTracks WHERE playlist_id = ? ORDER BY position",
        (trip.playlist_id,),
    )
    assert [p for p, _t in entries] == list(range(1, len(trip.expected_playlist) + 1))
    assert [t for _p, t in entries] == trip.expected_playlist


def test_the_file_is_intact_after_the_round_trip(trip: RoundTrip) -> None:
    assert raw_rows(trip.db, "PRAGMA integrity_check") == [("ok",)]
    assert fx.sql_errors_in_log(trip.settings) == []
    checked = run_cli(trip.db, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_journal_mode_is_wal_only_when_our_cli_wrote(trip: RoundTrip) -> None:
    assert trip.journal_before_writes == "delete"  # Mixxx itself never switches
    info = trip.json_of("info_running")
    assert info["journal_mode"] == trip.variant.expected_journal
    # The mode is stored in the file: Mixxx ran (and restarted) on it, as checked above.
    assert raw_rows(trip.db, "PRAGMA journal_mode") == [(trip.variant.expected_journal,)]
    if trip.variant.expected_journal == "delete":
        assert not os.path.exists(f"{trip.db}-wal")
