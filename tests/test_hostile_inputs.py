"""Hostile input for every command that takes one: a clean result or one error line, never a crash.

Each case runs a CLI command (in process with typer's CliRunner; non-UTF-8 argv through a
real subprocess) on a fresh copy of a sample library and accepts exactly:

- exit 0 (a clean result), or
- exit 1 with exactly one stderr line, starting with ``error:``, or
- exit 2, Typer's own usage error (a value of the wrong type for an option),

never a traceback, and the database file byte-for-byte unchanged (sha256) when the command
failed. A case whose command is missing from the CLI fails (a renamed command must not turn
into silence), naming the command and the case. Hypothesis fuzzes names,
search queries and import-file contents. A tally of cases tried and passed is printed at the
end (``pytest -s``) for the reliability section of docs/safety.md.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mixxx_peewee.cli import app
from mixxx_peewee.testing import make_sample_library

TALLY: Counter[str] = Counter()
RUNNER = CliRunner()

NAMES = {
    "empty": "",
    "whitespace": " \t ",
    "10k-chars": "x" * 10_000,
    "control-chars": "bad\x07name\x1b[31m",
    "newline": "two\nlines",
    "nul": "nul\x00byte",
    "nfc": "Caf\u00e9 del Mar",
    "nfd": "Cafe\u0301 del Mar",
    "sql": "'; DROP TABLE library; --",
    "sql-quote": 'Rock "n" Roll\'s',
    "percent-underscore": "100%_off",
    "rtl-override": "\u202egnp.exe",
    "emoji": "🎧 Warm up",
    "dash": "-",
    "option-like": "--yes",
}
PATHS = {
    "relative": "music/track.mp3",
    "dotdot": "../../../etc/passwd",
    "root": "/",
    "empty": "",
    "nul": "/music/a\x00b.mp3",
    "surrogate-escape": os.fsdecode(b"/music/\xff\xfe.mp3"),
    "trailing-slash": "/music/",
    "dot": ".",
}
IDS = {
    "zero": "0",
    "negative": "-1",
    "2**63": str(2**63),
    "2**64": str(2**64),
    "huge-negative": str(-(2**63) - 1),
    "non-numeric": "abc",
    "float": "1.5",
    "hex": "0x10",
    "spaces": " 1 ",
    "exponent": "1e3",
}
QUERIES = {
    "unbalanced-quote": '"never closed',
    "single-quote": "'",
    "unknown-field": "nosuchfield:x",
    "empty-field": "artist:",
    "bpm-text": "bpm:abc",
    "bpm-op-only": "bpm:>",
    "bpm-reversed": "bpm:200-100",
    "bpm-huge": "bpm:1e400",
    "only-minus": "-",
    "empty-quotes": '""',
    "percent": "%",
    "underscore": "_",
    "backslash": "\\",
    "parens": "((",
    "bad-key": "key:Zm",
    "rating-9": "rating:9",
    "sql": "'; DROP TABLE library; --",
    "crate-missing": "crate:nosuchcrate",
    "playlist-empty": "playlist:",
    "nul": "a\x00b",
}


# ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_auto_backup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case writes a fresh copy: a daily backup per case would only cost time here."""
    monkeypatch.setenv("MIXXX_PEEWEE_AUTO_BACKUP", "0")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled sample library (120 tracks, crates, playlists, cues) built once."""
    return make_sample_library(
        tmp_path_factory.mktemp("hostile") / "mixxxdb.sqlite", tracks=120, seed=5
    )


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    for p in (path, Path(f"{path}-wal")):
        if p.exists():
            digest.update(p.read_bytes())
    return digest.hexdigest()


_COMMANDS: dict[tuple[str, ...], bool] = {}


def require_command(args: list[str], label: str) -> None:
    """Fail the case when the CLI has no (sub)command that ``args`` starts with.

    A missing command is a renamed or removed one: the case must say so, not skip.
    """
    words = tuple(a for a in args[:2] if not a.startswith("-"))
    head = words[:1] if words[:1] in {("relocate",), ("backup",), ("restore",), ("info",),
                                       ("check",)} else words  # fmt: skip
    if head not in _COMMANDS:
        result = RUNNER.invoke(app, [*head, "--help"])
        _COMMANDS[head] = result.exit_code == 0
    if not _COMMANDS[head]:
        pytest.fail(
            f"{label}: the CLI has no command {' '.join(head)!r} (`{' '.join(head)} --help`"
            " fails): was it renamed? Update this case to the new name.",
            pytrace=False,
        )


def check_clean(
    exit_code: int, stdout: str, stderr: str, exception: BaseException | None, label: str
) -> str:
    """Assert the outcome is clean; return its kind (ok, error, usage)."""
    assert "Traceback" not in stdout + stderr, f"{label}: traceback\n{stderr[-2000:]}"
    if exception is not None and not isinstance(exception, SystemExit):
        raise AssertionError(f"{label}: raised {exception!r}") from exception
    if exit_code == 0:
        return "ok"
    if exit_code == 1:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"{label}: want one error line, got {lines[:5]}"
        assert lines[0].startswith("error: "), f"{label}: {lines[0]!r}"
        return "error"
    assert exit_code == 2, f"{label}: exit {exit_code}\n{stderr}"
    assert "Usage:" in stderr, f"{label}: exit 2 without a usage message: {stderr!r}"
    return "usage"


def run_case(db: Path, args: list[str], label: str, *, write: bool) -> str:
    """Run one CLI invocation on ``db``; assert it is clean and the file intact on failure."""
    require_command(args, label)
    before = _sha(db)
    result = RUNNER.invoke(app, ["--db", str(db), *args], catch_exceptions=True)
    kind = check_clean(result.exit_code, result.stdout, result.stderr, result.exception, label)
    if kind != "ok" or not write:
        assert _sha(db) == before, f"{label}: file changed although the command {kind}"
    return kind


def _tally(group: str, func: Callable[[], str]) -> None:
    TALLY[f"{group}:tried"] += 1
    kind = func()
    TALLY[f"{group}:passed"] += 1
    TALLY[f"{group}:{kind}"] += 1


@pytest.fixture
def db(sample: Path, tmp_path: Path) -> Path:
    """A fresh copy of the sample library for one case."""
    dest = tmp_path / "mixxxdb.sqlite"
    shutil.copyfile(sample, dest)
    return dest


# ---------------------------------------------------------------------------------------
# Table-driven cases
# ---------------------------------------------------------------------------------------

NAME_COMMANDS: list[tuple[str, list[str], bool]] = [
    ("crates create", ["crates", "create", "{}"], True),
    ("crates rename", ["crates", "rename", "1", "{}"], True),
    ("crates show", ["crates", "show", "{}"], False),
    ("crates add", ["crates", "add", "{}", "1"], True),
    ("crates delete", ["crates", "delete", "{}", "--yes"], True),
    ("crates smart", ["crates", "smart", "{}", "genre:house"], True),
    ("crates refresh", ["crates", "refresh", "{}"], True),
    ("playlists create", ["playlists", "create", "{}"], True),
    ("playlists rename", ["playlists", "rename", "1", "{}"], True),
    ("playlists show", ["playlists", "show", "{}"], False),
    ("playlists add", ["playlists", "add", "{}", "1"], True),
    ("tracks list --artist", ["tracks", "list", "--artist", "{}"], False),
    ("tracks list --crate", ["tracks", "list", "--crate", "{}"], False),
    ("tracks list --key", ["tracks", "list", "--key", "{}"], False),
    ("tracks list --sort", ["tracks", "list", "--sort", "{}"], False),
    ("tracks list --bpm", ["tracks", "list", "--bpm", "{}"], False),
    ("tracks list --added-after", ["tracks", "list", "--added-after", "{}"], False),
    ("tracks edit --title", ["tracks", "edit", "1", "--title", "{}", "--force"], True),
    ("tracks edit --key", ["tracks", "edit", "1", "--key", "{}", "--force"], True),
    ("tracks edit --color", ["tracks", "edit", "1", "--color", "{}", "--force"], True),
    ("tracks edit --year", ["tracks", "edit", "1", "--year", "{}", "--force"], True),
    ("tracks edit --search", ["tracks", "edit", "--search", "{}", "--genre", "x", "--yes"], True),
    ("playlists show --sort", ["playlists", "show", "1", "--sort", "{}"], False),
    ("playlists sort --by", ["playlists", "sort", "1", "--by", "{}"], True),
    ("playlists reverse", ["playlists", "reverse", "{}"], True),
    ("playlists dedupe", ["playlists", "dedupe", "{}"], True),
]
PATH_COMMANDS: list[tuple[str, list[str], bool]] = [
    ("tracks show", ["tracks", "show", "{}"], False),
    ("relocate old", ["relocate", "{}", "/elsewhere", "--yes", "--force", "--allow-missing"], True),
    ("relocate new", ["relocate", "/music", "{}", "--yes", "--force", "--allow-missing"], True),
    ("backup", ["backup", "{}"], False),
    ("restore", ["restore", "{}", "--yes"], True),
    ("crates add", ["crates", "add", "1", "{}"], True),
    ("playlists import", ["playlists", "import", "{}"], True),
    ("playlists export", ["playlists", "export", "1", "--output", "{}"], False),
    ("tracks merge keep path", ["tracks", "merge", "{}", "5", "--yes", "--force"], True),
]
ID_COMMANDS: list[tuple[str, list[str], bool]] = [
    ("tracks show", ["tracks", "show", "{}"], False),
    ("tracks hide", ["tracks", "hide", "{}"], True),
    ("tracks unhide", ["tracks", "unhide", "{}"], True),
    ("tracks edit", ["tracks", "edit", "{}", "--title", "x", "--force"], True),
    ("tracks edit --rating", ["tracks", "edit", "1", "--rating", "{}", "--force"], True),
    ("tracks edit --bpm", ["tracks", "edit", "1", "--bpm", "{}", "--force"], True),
    ("tracks edit many", ["tracks", "edit", "1", "2", "{}", "--genre", "x", "--force"], True),
    ("playlists shuffle --seed", ["playlists", "shuffle", "1", "--seed", "{}"], True),
    ("playlists sort", ["playlists", "sort", "{}", "--by", "bpm"], True),
    ("tracks list --limit", ["tracks", "list", "--limit", "{}"], False),
    ("tracks list --rating", ["tracks", "list", "--rating", "{}"], False),
    ("crates show", ["crates", "show", "{}"], False),
    ("crates add track", ["crates", "add", "1", "{}"], True),
    ("crates remove track", ["crates", "remove", "1", "{}"], True),
    ("crates delete", ["crates", "delete", "{}", "--yes"], True),
    ("playlists add track", ["playlists", "add", "1", "{}"], True),
    ("playlists remove track", ["playlists", "remove", "1", "{}"], True),
    ("playlists move from", ["playlists", "move", "1", "{}", "1"], True),
    ("playlists move to", ["playlists", "move", "1", "1", "{}"], True),
    ("playlists add --position", ["playlists", "add", "1", "1", "--position", "{}"], True),
    ("cues list", ["cues", "list", "{}"], False),
    ("tracks next", ["tracks", "next", "{}"], False),
    ("tracks next --limit", ["tracks", "next", "5", "--limit", "{}"], False),
    ("tracks next --bpm-range", ["tracks", "next", "5", "--bpm-range", "{}"], False),
    ("tracks next --crate", ["tracks", "next", "5", "--crate", "{}"], False),
    ("cues set", ["cues", "set", "{}", "--hotcue", "1", "--at", "1.0", "--force"], True),
    ("cues set hotcue", ["cues", "set", "1", "--hotcue", "{}", "--at", "1.0", "--force"], True),
    ("cues set at", ["cues", "set", "1", "--hotcue", "1", "--at", "{}", "--force"], True),
    ("cues delete", ["cues", "delete", "1", "--hotcue", "{}", "--force"], True),
    ("tracks merge keep", ["tracks", "merge", "{}", "5", "--yes", "--force"], True),
    ("tracks merge other", ["tracks", "merge", "5", "{}", "--yes", "--force"], True),
    ("tracks merge itself", ["tracks", "merge", "{}", "{}", "--yes", "--force"], True),
    (
        "tracks merge --cues-from",
        ["tracks", "merge", "5", "6", "--cues-from", "{}", "--yes", "--force"],
        True,
    ),
    (
        "tracks duplicates --tolerance",
        ["tracks", "duplicates", "--merge", "--tolerance", "{}", "--yes"],
        True,
    ),
]


def _cases(table: list[tuple[str, list[str], bool]], values: dict[str, str]) -> Iterator[Any]:
    for label, template, write in table:
        for value_id, value in values.items():
            yield pytest.param(label, template, write, value, id=f"{label}|{value_id}")


def _fill(template: list[str], value: str) -> list[str]:
    return [value if word == "{}" else word for word in template]


@pytest.mark.parametrize(
    ("label", "template", "write", "value"), list(_cases(NAME_COMMANDS, NAMES))
)
def test_hostile_names(db: Path, label: str, template: list[str], write: bool, value: str) -> None:
    """Names: empty, whitespace, huge, control characters, Unicode forms, SQL, wildcards."""
    _tally(
        "names",
        lambda: run_case(db, _fill(template, value), f"{label} {value[:40]!r}", write=write),
    )


@pytest.mark.parametrize(
    ("label", "template", "write", "value"), list(_cases(PATH_COMMANDS, PATHS))
)
def test_hostile_paths(
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    label: str,
    template: list[str],
    write: bool,
    value: str,
) -> None:
    """Paths: relative, ``..``, root, empty, NUL, undecodable bytes."""
    monkeypatch.chdir(tmp_path)  # relative paths land in the test's own folder
    _tally("paths", lambda: run_case(db, _fill(template, value), f"{label} {value!r}", write=write))


@pytest.mark.parametrize("label", ["tracks show", "backup", "relocate old", "playlists import"])
def test_symlink_loop_paths(db: Path, tmp_path: Path, label: str) -> None:
    """A symlink loop given as a path is an error line, not a hang or a traceback."""
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    template = dict((lbl, tpl) for lbl, tpl, _ in PATH_COMMANDS)[label]
    write = dict((lbl, w) for lbl, _, w in PATH_COMMANDS)[label]
    target = str(loop / "x.mp3") if label != "tracks show" else str(loop)
    _tally("paths", lambda: run_case(db, _fill(template, target), f"{label} loop", write=write))


# Folders to search (every hostile path but "/", which would walk the whole disk).
RELINK_FOLDERS = {
    **{k: v for k, v in PATHS.items() if k != "root"},
    "does-not-exist": "/no/such/folder",
    "a-file": "{db}",
    "symlink-loop": "{loop}",
}


@pytest.mark.parametrize("value_id", list(RELINK_FOLDERS))
def test_hostile_relink_folders(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value_id: str
) -> None:
    """tracks relink FOLDER: a folder that is none is one error line, the library unchanged."""
    monkeypatch.chdir(tmp_path)
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    value = RELINK_FOLDERS[value_id].format(db=db, loop=loop)
    args = ["tracks", "relink", value, "--yes", "--force"]
    kind = run_case(db, args, f"tracks relink {value!r}", write=True)
    if value_id in ("does-not-exist", "a-file", "symlink-loop", "nul", "empty"):
        assert kind == "error", value_id
    TALLY["paths:tried"] += 1
    TALLY["paths:passed"] += 1
    TALLY[f"paths:{kind}"] += 1


@pytest.mark.parametrize(("label", "template", "write", "value"), list(_cases(ID_COMMANDS, IDS)))
def test_hostile_ids(db: Path, label: str, template: list[str], write: bool, value: str) -> None:
    """Ids and numbers: 0, negative, 2**63, 2**64, non-numeric, float, hex."""
    _tally("ids", lambda: run_case(db, _fill(template, value), f"{label} {value!r}", write=write))


@pytest.mark.parametrize("value", list(QUERIES.values()), ids=list(QUERIES))
def test_hostile_search_queries(db: Path, value: str) -> None:
    """Search queries: unbalanced quotes, unknown fields, bad ranges, wildcards."""
    _tally(
        "queries",
        lambda: run_case(db, ["tracks", "search", value], f"search {value!r}", write=False),
    )


@pytest.mark.parametrize("value", list(QUERIES.values()), ids=list(QUERIES))
def test_hostile_smart_crate_queries(db: Path, value: str) -> None:
    """A smart crate's query: what the search syntax cannot read is refused, never stored."""
    _tally(
        "queries",
        lambda: run_case(db, ["crates", "smart", "Smart", value], f"smart {value!r}", write=True),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["crates", "smart", "Smart", "bpm:abc"],  # does not parse
        ["crates", "smart", "Smart", "nosuchfield:x"],  # not a search field
        ["crates", "smart", "Smart", "  "],  # no query
        ["crates", "refresh", "No such crate"],  # unknown crate
        ["crates", "refresh", "1"],  # a crate that is not smart
        ["tracks", "next", "{no bpm}"],
        ["tracks", "next", "{no key}"],
        ["tracks", "next", "999999"],  # no such track
        ["tracks", "next", "5", "--crate", "No such crate"],
    ],
    ids=lambda args: " ".join(args),
)
def test_smart_crate_and_next_track_refusals_are_one_line(db: Path, args: list[str]) -> None:
    """Each: one clear line, exit 1, the library and its rules file unchanged."""
    conn = sqlite3.connect(db)
    wanted = {
        "{no bpm}": "COALESCE(bpm, 0) = 0",
        "{no key}": "bpm > 0 AND COALESCE(key_id, 0) = 0 AND COALESCE(key, '') = ''",
    }
    found = {
        word: str(conn.execute(f"SELECT min(id) FROM library WHERE {where}").fetchone()[0])
        for word, where in wanted.items()
    }
    conn.close()
    assert "None" not in found.values(), found
    args = [found.get(word, word) for word in args]
    kind = run_case(db, args, " ".join(args), write=False)
    assert kind == "error"
    assert not (db.parent / "mixxxdb.smart-crates.json").exists()


# ---------------------------------------------------------------------------------------
# Undecodable bytes in argv: only a real process can receive them
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [b"tracks", b"show", b"/music/\xff\xfe.mp3"],
        [b"tracks", b"search", b"artist:\xc3\x28"],
        [b"relocate", b"/music/\xe9", b"/new", b"--yes", b"--force", b"--allow-missing"],
        [b"backup", b"/nonexistent-\xff/backup.sqlite"],
    ],
    ids=["show", "search", "relocate", "backup"],
)
def test_non_utf8_argv_in_a_real_process(db: Path, args: list[bytes]) -> None:
    """Bytes that are not UTF-8 in argv (as a shell passes them) fail cleanly or work."""
    require_command([a.decode("latin-1") for a in args], f"non-UTF-8 argv {args[:2]!r}")

    def run() -> str:
        before = _sha(db)
        env = {k: v for k, v in os.environ.items() if k != "MIXXX_DB"}
        proc = subprocess.run(
            [os.fsencode(sys.executable), b"-m", b"mixxx_peewee", b"--db", os.fsencode(db), *args],
            capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        kind = check_clean(proc.returncode, out, err, None, repr(args))
        if kind != "ok" or args[0] != b"relocate":
            assert _sha(db) == before
        return kind

    _tally("paths", run)


# ---------------------------------------------------------------------------------------
# Import files
# ---------------------------------------------------------------------------------------


def _import_files(tmp: Path) -> dict[str, Path]:
    rng = random.Random(7)
    files = {
        "binary": bytes(rng.randrange(256) for _ in range(4096)),
        "empty": b"",
        # 8 MB, mostly comments: big to read, few lookups (20,000 entries take ~55 s today).
        "huge": b"#EXTM3U\n"
        + b"".join(b"# %s\n" % (b"z" * 8000) for _ in range(1000))
        + b"".join(b"/music/nowhere/%07d.mp3\n" % i for i in range(300)),
        "mixed-encodings": "#EXTM3U\n/music/Café.mp3\n".encode()
        + "/music/Café.mp3\n".encode("latin-1")
        + "/music/Кино.mp3\n".encode("cp1251")
        + b"\xef\xbb\xbf/music/bom.mp3\n",
        "utf16": "#EXTM3U\n/music/a.mp3\n".encode("utf-16"),
        "nul-bytes": b"#EXTM3U\n/music/a\x00b.mp3\n",
        "long-line": b"/music/" + b"x" * 1_000_000 + b".mp3\n",
        "crlf-relative": b"#EXTM3U\r\n#EXTINF:-1,A - B\r\n../x.mp3\r\n..\\y.mp3\r\n",
        "bad-extinf": b"#EXTINF:abc,\n#EXTINF:\n#EXTINF:99999999999999999999,\n/music/a.mp3\n",
        "urls": b"file:///music/a.mp3\nhttp://example.com/x.mp3\n",
    }
    out = {}
    for name, data in files.items():
        path = tmp / f"{name}.m3u8"
        path.write_bytes(data)
        out[name] = path
    out["directory"] = tmp
    out["missing"] = tmp / "does-not-exist.m3u8"
    return out


IMPORT_KINDS = ["binary", "empty", "huge", "mixed-encodings", "utf16", "nul-bytes", "long-line",
                "crlf-relative", "bad-extinf", "urls", "directory", "missing"]  # fmt: skip


@pytest.mark.parametrize("group", ["playlists", "crates"])
@pytest.mark.parametrize("kind", IMPORT_KINDS)
def test_hostile_import_files(db: Path, tmp_path: Path, group: str, kind: str) -> None:
    """Import files: binary, huge, mixed encodings, NUL bytes, a directory, a missing file."""
    path = _import_files(tmp_path)[kind]
    _tally(
        "import-files",
        lambda: run_case(db, [group, "import", str(path)], f"{group} import {kind}", write=True),
    )


# ---------------------------------------------------------------------------------------
# Database files
# ---------------------------------------------------------------------------------------


def _database_files(tmp: Path, sample: Path) -> dict[str, Path]:
    data = sample.read_bytes()
    rng = random.Random(3)
    files: dict[str, Path] = {}

    def put(name: str, content: bytes) -> None:
        files[name] = tmp / f"{name}.sqlite"
        files[name].write_bytes(content)

    put("empty", b"")
    put("truncated-header", data[:50])
    put("truncated-half", data[: len(data) // 2])
    put("random-bytes", bytes(rng.randrange(256) for _ in range(8192)))
    put("header-then-garbage", data[:100] + bytes(rng.randrange(256) for _ in range(8192)))
    put("text-file", b"this is not a database\n")
    corrupt = bytearray(data)
    for offset in range(4096 + 200, len(corrupt), 4096):  # scribble into every page but the first
        corrupt[offset : offset + 64] = bytes(64)
    put("zeroed-pages", bytes(corrupt))
    newer = tmp / "newer-41.sqlite"
    make_sample_library(newer, revision=40, tracks=10, seed=2)
    conn = sqlite3.connect(newer, isolation_level=None)
    conn.execute("ALTER TABLE library ADD COLUMN future_column TEXT DEFAULT 'x'")
    conn.execute("UPDATE settings SET value = '41' WHERE name LIKE 'mixxx.schema.%version'")
    conn.execute(
        "UPDATE settings SET value = '3' WHERE name = 'mixxx.schema.min_compatible_version'"
    )
    conn.close()
    files["newer-schema-41"] = newer
    other = tmp / "places.sqlite"
    conn = sqlite3.connect(other, isolation_level=None)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://mixxx.org')")
    conn.close()
    files["other-program"] = other
    files["directory"] = tmp
    files["missing"] = tmp / "nope.sqlite"
    loop = tmp / "loop.sqlite"
    os.symlink(loop, loop)
    files["symlink-loop"] = loop
    return files


DB_KINDS = ["empty", "truncated-header", "truncated-half", "random-bytes", "header-then-garbage",
            "text-file", "zeroed-pages", "newer-schema-41", "other-program", "directory",
            "missing", "symlink-loop"]  # fmt: skip
DB_COMMANDS = {
    "info": (["info"], False),
    "check": (["check", "--integrity"], False),
    "tracks list": (["tracks", "list", "--format", "jsonl"], False),
    "tracks hide": (["tracks", "hide", "1"], True),
    "crates create": (["crates", "create", "new crate"], True),
    "backup": (["backup", "{backup}"], False),
}


@pytest.mark.parametrize("command", list(DB_COMMANDS))
@pytest.mark.parametrize("kind", DB_KINDS)
def test_hostile_database_files(tmp_path: Path, sample: Path, kind: str, command: str) -> None:
    """Database files: empty, truncated, random, corrupt, newer schema, another program's."""
    path = _database_files(tmp_path, sample)[kind]
    template, write = DB_COMMANDS[command]
    args = [a.replace("{backup}", str(tmp_path / "out" / "b.sqlite")) for a in template]
    label = f"{command} on {kind}"

    def run() -> str:
        require_command(args, label)
        is_file = path.is_file() and not path.is_symlink()
        before = _sha(path) if is_file else None
        result = RUNNER.invoke(app, ["--db", str(path), *args], catch_exceptions=True)
        kind_ = check_clean(result.exit_code, result.stdout, result.stderr, result.exception, label)
        if is_file and (kind_ != "ok" or not write):
            assert _sha(path) == before, f"{label}: file changed"
        if kind not in ("newer-schema-41",) and command in ("tracks hide", "crates create"):
            assert kind_ != "ok", f"{label}: a write on a broken file succeeded"
        return kind_

    _tally("database-files", run)


# ---------------------------------------------------------------------------------------
# Hypothesis
# ---------------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(name=st.text(max_size=80))
def test_fuzzed_crate_and_playlist_names(db: Path, name: str) -> None:
    """Any text as a crate or playlist name: created exactly as cleaned, or one error line."""
    for group in ("crates", "playlists"):
        _tally(
            "fuzz-names",
            lambda g=group: run_case(db, [g, "create", name], f"{g} {name!r}", write=True),
        )


@FUZZ
@given(query=st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.from_regex(
    r'(-?(artist|title|bpm|key|genre|crate|playlist|year|rating|nosuch)'
    r':?"?[\w%_.<>=-]{0,8}"? ?){1,4}',
    fullmatch=True))  # fmt: skip
def test_fuzzed_search_queries(db: Path, query: str) -> None:
    """Any text as a search query: results or one error line, never a SQL error."""
    _tally(
        "fuzz-queries",
        lambda: run_case(db, ["tracks", "search", query], f"search {query!r}", write=False),
    )


@FUZZ
@given(content=st.binary(max_size=2000) | st.lists(
    st.one_of(st.text(max_size=40).map(str.encode), st.sampled_from(
        [b"#EXTM3U", b"#EXTINF:-1,x", b"/music/a.mp3", b"\xff\xfe", b"../b.mp3", b"\x00"])),
    max_size=20).map(b"\n".join))  # fmt: skip
def test_fuzzed_import_files(db: Path, tmp_path: Path, content: bytes) -> None:
    """Any bytes as an M3U file: imported, or one error line with the library unchanged."""
    path = tmp_path / "fuzz.m3u8"
    path.write_bytes(content)
    _tally(
        "fuzz-imports",
        lambda: run_case(db, ["playlists", "import", str(path)], "import fuzz", write=True),
    )


def test_zz_print_tally() -> None:
    """Not a check: print cases tried/passed per group (docs/safety.md's reliability numbers)."""
    groups = sorted({k.split(":")[0] for k in TALLY})
    lines = []
    for group in groups:
        lines.append(
            f"{group:15} tried {TALLY[f'{group}:tried']:4}  passed {TALLY[f'{group}:passed']:4}"
            f"  (ok {TALLY[f'{group}:ok']}, error {TALLY[f'{group}:error']}, "
            f"usage {TALLY[f'{group}:usage']})"
        )
    tried = sum(TALLY[f"{g}:tried"] for g in groups)
    passed = sum(TALLY[f"{g}:passed"] for g in groups)
    lines.append(f"{'total':15} tried {tried:4}  passed {passed:4}")
    print("\nhostile-input tally:\n" + "\n".join(lines))


def test_a_case_whose_command_is_missing_fails_and_says_which() -> None:
    """A renamed command turns its cases into failures naming it, never into skips."""
    with pytest.raises(pytest.fail.Exception, match="no command 'crates frobnicate'"):
        require_command(["crates", "frobnicate", "x"], "crates frobnicate on x")
    require_command(["crates", "list"], "crates list")  # present: no failure
