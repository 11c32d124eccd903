"""Helpers of the command-line tests: a sample library copy, running the app, checking errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from typer.testing import Result

from mixxx_peewee.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE = FIXTURES / "sample" / "mixxxdb.sqlite"

runner = CliRunner()


def sample_library(tmp_path: Path) -> Path:
    """A private copy of the sample library (made on the fly until the fixture exists)."""
    dest = tmp_path / "lib" / "mixxxdb.sqlite"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if SAMPLE.exists():
        shutil.copy2(SAMPLE, dest)
    else:
        from mixxx_peewee.testing import make_sample_library

        make_sample_library(dest, revision=39, tracks=40, seed=7)
    return dest


def run(db: Path | None, *args: str, input: str | None = None, env: Any = None) -> Result:
    """Invoke ``mixxx-peewee [--db db] args…`` and return the result (stdout/stderr apart)."""
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    env = {"MIXXX_PEEWEE_AUTO_BACKUP": "0", **(env or {})}
    return runner.invoke(app, argv, input=input, env=env)


def ok(result: Result) -> Result:
    """Assert success (showing stderr otherwise)."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
    return result


def sha256(path: Path) -> str:
    """The file's content hash (unchanged files keep it)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error(result: Result, *expected: str) -> str:
    """Assert exit 1 with exactly one ``error:`` line on stderr mentioning each expected text."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def parsed(result: Result) -> Any:
    """The JSON on stdout."""
    return json.loads(ok(result).stdout)


def jsonl(result: Result) -> list[Any]:
    """The JSON lines on stdout."""
    return [json.loads(line) for line in ok(result).stdout.splitlines()]
