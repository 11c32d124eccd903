"""scripts/examples/annex_metadata_sync.py against the real git-annex: locked and unlocked
repositories.

Each repository kind is built once per module (a dozen tiny annexed files, the tracks of a
generated library); a scenario test walks the changes a DJ makes and checks, after each
sync, that ``git annex metadata --json`` holds exactly what Mixxx holds.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

import mixxx_peewee
from mixxx_peewee.testing import make_sample_library

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "examples" / "annex_metadata_sync.py"
needs_annex = pytest.mark.skipif(
    shutil.which("git-annex") is None,
    reason="git-annex is not installed (Debian: apt-get install git-annex; .ci/run does)",
)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("annex_metadata_sync", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["annex_metadata_sync"] = module
    spec.loader.exec_module(module)
    return module


sync = _load()
runner = CliRunner()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def _run(repo: Path, db: Path, *args: str) -> Any:
    """The script in this process (exit code, stdout, stderr apart)."""
    return runner.invoke(sync.app, [str(repo), "--db", str(db), *args])


class World:
    """A library whose visible tracks are annexed files of ``repo``."""

    def __init__(self, folder: Path, unlocked: bool) -> None:
        self.repo, self.db = folder / "repo", folder / "mixxxdb.sqlite"
        self.repo.mkdir(parents=True)
        make_sample_library(
            self.db, tracks=10, music_root=str(self.repo), seed=5, hidden_fraction=0,
            missing_fraction=0, beats_fraction=0, crates=3, playlists=0,
            history_playlists=0, auto_dj=False, cues_per_track=0,
        )  # fmt: skip
        for track_id, location in self.locations().items():
            Path(location).parent.mkdir(parents=True, exist_ok=True)
            Path(location).write_text(f"track {track_id}\n")  # one annex key per file
        _git(self.repo, "init", "-q", "-b", "main")
        _git(self.repo, "config", "user.email", "test@example.com")
        _git(self.repo, "config", "user.name", "test")
        _git(self.repo, "annex", "init", "-q", "test")
        _git(self.repo, "annex", "add", "-q", ".")
        _git(self.repo, "commit", "-q", "-m", "tracks")
        if unlocked:
            _git(self.repo, "annex", "adjust", "--unlock")

    def locations(self) -> dict[int, str]:
        with mixxx_peewee.open_library(self.db, readonly=True):
            return {
                r["id"]: r["location"] for r in mixxx_peewee.iter_tracks(columns=["id", "location"])
            }

    def file(self, track_id: int) -> str:
        return self.locations()[track_id][len(str(self.repo)) + 1 :]

    def expected(self) -> dict[str, dict[str, list[str]]]:
        """What Mixxx holds, as git-annex fields, for each track file in the repository."""
        with mixxx_peewee.open_library(self.db, readonly=True):
            rows = list(mixxx_peewee.iter_tracks())
            crates = mixxx_peewee.track_crate_names()
        found: dict[str, dict[str, list[str]]] = {}
        for r in rows:
            rel = r["location"][len(str(self.repo)) + 1 :]
            inside = r["location"].startswith(f"{self.repo}/")
            if not inside or not os.path.lexists(self.repo / rel):
                continue
            key = mixxx_peewee.key_to_text(r["key_id"] or 0, "lancelot")
            values = {
                "rating": [str(r["rating"])] if r["rating"] else [],
                "bpm": [f"{r['bpm']:.2f}"] if r["bpm"] else [],
                "key": [key] if key else [],
                "color": [f"#{r['color']:06X}"] if r["color"] is not None else [],
                "crate": sorted(crates.get(r["id"], [])),
                **{
                    n: [" ".join(r[n].split())] if r[n] and r[n].strip() else []
                    for n in ("artist", "title", "album", "genre", "year", "comment")
                },
            }
            found[rel] = {k: v for k, v in values.items() if v}
        return found

    def stored(self) -> dict[str, dict[str, list[str]]]:
        """Every annexed file's metadata, read back with ``git annex metadata --json``."""
        found = {}
        for line in _git(self.repo, "annex", "metadata", "--json").splitlines():
            reply = json.loads(line)
            fields = reply["fields"]
            found[reply["file"]] = {
                k: sorted(v) for k, v in fields.items() if not k.endswith("lastchanged")
            }
        return found

    def assert_in_sync(self) -> None:
        expected, stored = self.expected(), self.stored()
        assert {f: stored.get(f) for f in expected} == expected

    def branch(self) -> str:
        return _git(self.repo, "rev-parse", "git-annex").strip()

    def state_files(self) -> list[str]:
        folder = self.repo / ".git" / "mixxx-peewee"
        return sorted(p.name for p in folder.glob("*.snapshot")) if folder.exists() else []


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("locked"), unlocked=False)


@pytest.fixture(scope="module")
def unlocked(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("unlocked"), unlocked=True)


def _edit(world: World, action: Any) -> None:
    with mixxx_peewee.open_library(world.db, auto_backup=False, change_journal=False):
        action()


@needs_annex
def test_locked_repository_follows_every_change(locked: World) -> None:
    w = locked
    ids = sorted(w.locations())
    branch = w.branch()
    # Before the first sync: one track in a crate the DJ will take it out of.
    a, b, c, d, e, f, g = ids[:7]
    _edit(w, lambda: mixxx_peewee.create_crate("Warm-up picks", [d]))
    # A dry run first: it lists what it would set and writes nothing at all.
    plan = _run(w.repo, w.db, "--dry-run")
    assert plan.exit_code == 0, plan.stderr
    assert f"{w.file(ids[0])}\n" in plan.stdout and "  title: (none) → " in plan.stdout
    assert w.branch() == branch and w.state_files() == []
    assert not list((w.repo / ".git" / "annex" / "journal").glob("*"))

    # The first sync, as a real process: every field of every track.
    first = subprocess.run(
        [sys.executable, str(SCRIPT), str(w.repo), "--db", str(w.db)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "MIXXX_PEEWEE_AUTO_BACKUP": "0"},
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert f"synced {len(ids)} files" in first.stderr
    assert w.branch() != branch and len(w.state_files()) == 1
    w.assert_in_sync()

    # A DJ's day: a rating, a reset, crates in and out, a colour, a move, a drop, an exile.
    rating = 4 if w.expected()[w.file(a)].get("rating") == ["5"] else 5
    _git(w.repo, "annex", "drop", "--force", "-q", w.file(g))
    moved_from = str(Path(w.locations()[f]).parent)
    moved_to = f"{moved_from} (moved)"
    _git(w.repo, "mv", moved_from, moved_to)
    _git(w.repo, "commit", "-q", "-m", "move")

    def day() -> None:
        mixxx_peewee.update_track(a, rating=rating)
        mixxx_peewee.update_track(b, rating=0, color="#00FF7F")
        mixxx_peewee.create_crate("Bangers", [c])
        mixxx_peewee.remove_tracks_from_crate("Warm-up picks", [d])
        mixxx_peewee.update_track(e, color=None, comment="first line\nsecond\tline")
        mixxx_peewee.relocate_tracks(moved_from, moved_to)

    _edit(w, day)
    plan = _run(w.repo, w.db, "--dry-run")
    assert plan.exit_code == 0, plan.stderr
    assert "  rating: " in plan.stdout and f" → {rating}\n" in plan.stdout
    crates = [
        ln.split(": ", 1)[1].split(" → ") for ln in plan.stdout.splitlines() if "crate:" in ln
    ]
    assert any("Bangers" not in old and "Bangers" in new for old, new in crates)
    assert any("Warm-up picks" in old and "Warm-up picks" not in new for old, new in crates)
    assert "  comment: " in plan.stdout and "→ first line second line\n" in plan.stdout
    assert f"{w.file(g)}\n" not in plan.stdout  # dropped content: nothing changed in Mixxx
    done = _run(w.repo, w.db)
    assert done.exit_code == 0, done.stderr
    w.assert_in_sync()
    assert w.stored()[w.file(g)] == w.expected()[w.file(g)]  # no content, still metadata

    # A track moved out of the repository is counted, listed with --verbose, never dropped.
    outside = w.repo.parent / "elsewhere"
    album = Path(w.locations()[a]).parent
    shutil.copytree(album, outside / "album", symlinks=True)
    _edit(w, lambda: mixxx_peewee.relocate_tracks(album, outside / "album", allow_missing=True))
    listed = _run(w.repo, w.db, "--verbose")
    assert listed.exit_code == 0, listed.stderr
    assert f"outside: {outside / 'album'}/" in listed.stdout
    assert "outside " in listed.stderr and "skipped: " in listed.stderr

    # Nothing left to do: the next run sends nothing, the branch does not move.
    branch = w.branch()
    again = _run(w.repo, w.db)
    assert again.exit_code == 0 and "no changes" in again.stderr
    assert w.branch() == branch


@needs_annex
def test_an_interrupted_run_resumes_without_losing_or_repeating(
    locked: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = locked
    _run(w.repo, w.db)  # whatever an earlier test left
    ids = sorted(i for i, loc in w.locations().items() if loc.startswith(f"{w.repo}/"))[:3]
    _edit(w, lambda: [mixxx_peewee.update_track(i, genre=f"Interrupted {i}") for i in ids])
    calls = 0
    real_ask_many = sync.AnnexMetadata.ask_many

    def interrupted_on_the_second_batch(self: Any, requests: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # Ctrl-C while git-annex works on the second batch
        yield from real_ask_many(self, requests)

    monkeypatch.setattr(sync.AnnexMetadata, "ask_many", interrupted_on_the_second_batch)
    stopped = _run(w.repo, w.db, "--batch-size", "1")
    assert stopped.exit_code == 130 and "interrupted" in stopped.stderr
    monkeypatch.undo()
    resumed = _run(w.repo, w.db)
    assert resumed.exit_code == 0, resumed.stderr
    assert "synced 2 files" in resumed.stderr  # the first one was committed and recorded
    w.assert_in_sync()


@needs_annex
def test_a_run_limited_to_paths_records_only_those_tracks(locked: World) -> None:
    w = locked
    _run(w.repo, w.db)
    inside = {i: loc for i, loc in w.locations().items() if loc.startswith(f"{w.repo}/")}
    by_folder = {str(Path(loc).parent): i for i, loc in sorted(inside.items())}
    (folder, first), (_, other) = list(by_folder.items())[:2]
    _edit(w, lambda: [mixxx_peewee.update_track(i, genre="Limited") for i in (first, other)])
    limited = _run(w.repo, w.db, folder)
    assert limited.exit_code == 0 and "synced 1 file" in limited.stderr
    rest = _run(w.repo, w.db)
    assert rest.exit_code == 0 and "synced 1 file" in rest.stderr
    w.assert_in_sync()


@needs_annex
def test_unlocked_adjusted_repository(unlocked: World) -> None:
    w = unlocked
    assert _git(w.repo, "branch", "--show-current").startswith("adjusted/")
    done = _run(w.repo, w.db)
    assert done.exit_code == 0, done.stderr
    w.assert_in_sync()
    ids = sorted(w.locations())
    _git(w.repo, "annex", "drop", "--force", "-q", w.file(ids[1]))
    _edit(w, lambda: [mixxx_peewee.update_track(i, rating=3, key="8A") for i in ids[:2]])
    done = _run(w.repo, w.db, "--all")
    assert done.exit_code == 0 and f"synced {len(ids)} files" in done.stderr
    w.assert_in_sync()
    assert w.stored()[w.file(ids[1])]["key"] == ["8A"]  # content dropped: a pointer file


@needs_annex
def test_not_a_git_annex_repository_is_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "mixxxdb.sqlite"
    make_sample_library(db)
    (tmp_path / "plain").mkdir()
    _git(tmp_path / "plain", "init", "-q")
    result = _run(tmp_path / "plain", db)
    assert result.exit_code == 2 and "not a git-annex repository" in result.stderr
    assert _run(tmp_path, db).exit_code == 2  # not a git repository at all


def test_bad_arguments_are_exit_2(tmp_path: Path) -> None:
    for args in (["--fields", "rating,mood"], ["--batch-size", "0"], ["--key-notation", "x"]):
        result = _run(tmp_path, tmp_path / "none.sqlite", *args)
        assert result.exit_code == 2 and result.stderr.startswith("error: "), args


def test_values_are_one_clean_line_and_empty_means_removed() -> None:
    row = {
        "rating": 0, "bpm": 127.456, "key": "", "key_id": 22, "color": 0xFF00FF12,
        "artist": " A\x00B\r\n C ", "title": None, "album": "", "genre": "\x1f",
        "year": "2019", "comment": "one\ntwo",
    }  # fmt: skip
    values = sync.annex_values(row, ["Dub", "\tHouse", ""], sync.FIELDS, "openkey")
    assert values == {
        "rating": [], "bpm": ["127.46"], "key": ["1m"], "color": ["#00FF12"],
        "artist": ["A B C"], "title": [], "album": [], "genre": [], "year": ["2019"],
        "comment": ["one two"], "crate": ["Dub", "House"],
    }  # fmt: skip
    assert sync.annex_values({"key": "Am", "key_id": 0}, [], ["key"], "lancelot") == {"key": ["8A"]}


def test_changed_fields_follow_the_diff() -> None:
    assert sync.changed_fields({"rating", "timesplayed"}, sync.FIELDS) == ["rating"]
    assert sync.changed_fields({"crates", "key_id"}, ["key", "crate"]) == ["key", "crate"]
    assert sync.changed_fields({"timesplayed"}, sync.FIELDS) == []
    assert sync.changed_fields({"location"}, ["rating", "crate"]) == ["rating", "crate"]


def test_paths_map_without_resolving_links_in_either_unicode_form(tmp_path: Path) -> None:
    top = tmp_path / "music"
    (top / "Café").mkdir(parents=True)
    (top / "Café" / "a b 'c'.mp3").symlink_to("../.git/annex/objects/xx/KEY/KEY")  # dangling
    repo = sync.Repo(top, top, top / ".git", [])
    nfd = unicodedata.normalize("NFD", f"{top}/Café/a b 'c'.mp3")
    assert repo.file_of(nfd) == ("Café/a b 'c'.mp3", "")
    assert repo.file_of(f"{top}/Café/gone.mp3") == (None, "missing")
    assert repo.file_of(f"{tmp_path}/musicals/x.mp3") == (None, "outside")
    assert repo.file_of(f"{top}/.git/annex/objects/xx/KEY/KEY") == (None, "not annexed")
    scoped = sync.Repo(top, top, top / ".git", ["Café"])
    assert scoped.in_scope("Café/x.mp3") and not scoped.in_scope("Caféx/x.mp3")


def test_track_crate_names_reads_every_tracks_crates_at_once(tmp_path: Path) -> None:
    db = make_sample_library(tmp_path / "mixxxdb.sqlite", tracks=60, crates=4)
    with mixxx_peewee.open_library(db, readonly=True):
        want: dict[int, list[str]] = {}
        for crate in mixxx_peewee.list_crates(include_hidden=True):
            for track in mixxx_peewee.get_crate_tracks(crate["id"], include_hidden=True):
                want.setdefault(track.id, []).append(crate["name"])
        want = {k: sorted(v) for k, v in want.items()}
        assert want and mixxx_peewee.track_crate_names() == want
        some = [*sorted(want)[:3], 10**9]
        assert mixxx_peewee.track_crate_names(some) == {k: want[k] for k in some if k in want}
