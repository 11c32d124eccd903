"""``export`` and ``import`` as a DJ runs them: real processes on the sample library.

Bad input goes through the real command (a subprocess): every hostile file gives one
``error:`` line on stderr, exit 1, and a library byte-identical to before. The happy paths
run in process (CliRunner) where a process proves nothing more.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import cli
from cli_support import run
from cli_support import sample_library

FORMATS = {"rekordbox": "xml", "traktor": "nml"}


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    for p in (path, Path(f"{path}-wal")):
        if p.exists():
            digest.update(p.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_library(tmp_path_factory.mktemp("interop-sample"))


@pytest.fixture
def db(sample: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "mixxxdb.sqlite"
    dest.write_bytes(sample.read_bytes())
    return dest


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_writes_every_visible_track_and_says_so(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{FORMATS[fmt]}"
    result = run(db, "export", fmt, str(out))
    assert result.exit_code == 0, result.stderr
    visible = _count(db, "SELECT count(*) FROM library WHERE coalesce(mixxx_deleted, 0) = 0")
    assert f"{visible:,} tracks" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("<TRACK " if fmt == "rekordbox" else "<ENTRY ") >= visible


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_keeps_an_existing_file_without_force(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{FORMATS[fmt]}"
    out.write_text("mine", encoding="utf-8")
    result = run(db, "export", fmt, str(out))
    assert result.exit_code == 1
    assert "exists already" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "mine"
    assert run(db, "export", fmt, str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") != "mine"


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_of_its_own_export_is_a_dry_run_then_one_undoable_write(
    db: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"out.{FORMATS[fmt]}"
    assert run(db, "export", fmt, str(out)).exit_code == 0
    before = _sha(db)
    dry = run(db, "import", fmt, str(out), "--dry-run", "--cues", "replace")
    assert dry.exit_code == 0, dry.stderr
    assert _sha(db) == before
    refused = run(db, "import", fmt, str(out), "--cues", "replace")  # not a terminal, no --yes
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    assert _sha(db) == before
    done = run(db, "import", fmt, str(out), "--yes", "--json")
    assert done.exit_code == 0, done.stderr
    history = run(db, "history", "--format", "json")
    assert history.exit_code == 0
    assert json.loads(history.stdout)[0]["operation"] == f"import_{fmt}"


def _hostile(tmp: Path, fmt: str) -> dict[str, Path]:
    root = "DJ_PLAYLISTS" if fmt == "rekordbox" else "NML"
    other = "NML" if fmt == "rekordbox" else "DJ_PLAYLISTS"
    if fmt == "rekordbox":

        def track(inner: str, attrs: str = 'Location="file://localhost/music/a.mp3"') -> str:
            return (f'<?xml version="1.0" encoding="UTF-8"?><DJ_PLAYLISTS Version="1.0.0">'
                    f'<COLLECTION Entries="1"><TRACK TrackID="1" TotalTime="30" {attrs}>'
                    f"{inner}</TRACK></COLLECTION></DJ_PLAYLISTS>")  # fmt: skip

        cases = {
            "missing-location": track("", attrs=""),
            "hot-cue-12": track('<POSITION_MARK Name="" Type="0" Start="1.0" Num="12"/>'),
            "negative-loop": track(
                '<POSITION_MARK Name="" Type="4" Start="5.0" End="2.0" Num="-1"/>'
            ),
            "unknown-type": track('<POSITION_MARK Name="" Type="9" Start="1.0" Num="-1"/>'),
        }
    else:

        def track(inner: str, location: bool = True) -> str:
            loc = '<LOCATION DIR="/:music/:" FILE="a.mp3" VOLUME="" VOLUMEID=""/>'
            return (f'<?xml version="1.0" encoding="UTF-8"?><NML VERSION="19"><COLLECTION '
                    f'ENTRIES="1"><ENTRY TITLE="a">{loc if location else ""}{inner}'
                    f"</ENTRY></COLLECTION></NML>")  # fmt: skip

        cases = {
            "missing-location": track("", location=False),
            "hot-cue-12": track('<CUE_V2 NAME="" TYPE="0" START="1000" LEN="0" HOTCUE="12"/>'),
            "negative-loop": track('<CUE_V2 NAME="" TYPE="5" START="5000" LEN="-10" HOTCUE="-1"/>'),
            "unknown-type": track('<CUE_V2 NAME="" TYPE="9" START="1000" LEN="0" HOTCUE="-1"/>'),
        }
    cases.update(
        {
            "entity-bomb": f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY a0 "lol">'
            + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
            + f"]><{root}>&a9;</{root}>",
            "external-entity": f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM '
            f'"file:///etc/passwd">]><{root}>&x;</{root}>',
            "truncated": f'<?xml version="1.0"?><{root}><COLLECTION',
            "other-program": f'<?xml version="1.0"?><{other}></{other}>',
            "m3u": "#EXTM3U\n/music/a.mp3\n",
        }
    )
    out = {}
    for name, text in cases.items():
        path = tmp / f"{name}.{FORMATS[fmt]}"
        path.write_text(text, encoding="utf-8")
        out[name] = path
    latin = tmp / f"latin1.{FORMATS[fmt]}"
    latin.write_bytes(
        f'<?xml version="1.0" encoding="UTF-8"?><{root} N="caf\xe9"/>'.encode("latin-1")
    )
    out["wrong-encoding"] = latin
    big = tmp / f"big-attribute.{FORMATS[fmt]}"
    with big.open("w", encoding="utf-8") as f:
        f.write(f'<{root}><X A="')
        chunk = "a" * (1024 * 1024)
        for _ in range(100):
            f.write(chunk)
        f.write(f'"/></{root}>')
    out["100MB-attribute"] = big
    out["missing-file"] = tmp / f"nowhere.{FORMATS[fmt]}"
    out["a-directory"] = tmp
    return out


HOSTILE = ["missing-location", "hot-cue-12", "negative-loop", "unknown-type", "entity-bomb",
           "external-entity", "truncated", "other-program", "m3u", "wrong-encoding",
           "100MB-attribute", "missing-file", "a-directory"]  # fmt: skip


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hostile_file_is_one_error_line_and_the_library_unchanged(
    db: Path, tmp_path: Path, fmt: str, kind: str
) -> None:
    path = _hostile(tmp_path, fmt)[kind]
    before = _sha(db)
    result = cli(db, "import", fmt, str(path), "--yes")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1, (kind, result.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), (kind, lines[:5])
    assert "Traceback" not in result.stderr
    assert _sha(db) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_option_is_a_usage_error(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{FORMATS[fmt]}"
    assert run(db, "export", fmt, str(out)).exit_code == 0
    for args in (["--cues", "sometimes"], ["--only", "cues,colours"], ["--map", "nothing"]):
        result = run(db, "import", fmt, str(out), "--yes", *args)
        assert result.exit_code in (1, 2), (args, result.stderr)
        assert "Traceback" not in result.stderr
