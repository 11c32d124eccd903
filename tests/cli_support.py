"""Helpers of the command-line tests: a sample library copy, running the app, checking errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from typer.testing import Result

from mixxx_peewee.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE = FIXTURES / "sample" / "mixxxdb.sqlite"

runner = CliRunner()

# Typer's placeholders that read like code ({repo}, <str>, <list[Path]>, [[...]]): no help
# shows them (tests/test_cli_help.py, tests/test_cli_scripts.py).
ODD_PLACEHOLDER = re.compile(r"\{[^}]*\}|<[a-z][^>]*>|\[\[|\]\]|\[default: 0\]")


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


ROOT = FIXTURES.parent


@dataclass
class Ran:
    """What a real ``mixxx-peewee`` process did (the fields ``ok``/``one_error`` read)."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def child_env() -> dict[str, str]:
    """The environment of a Python process a test starts: this checkout's package first on
    the path, UTF-8 output, none of the user's MIXXX_* settings or pytest's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXXX_", "PYTEST_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PYTHONIOENCODING="utf-8",
    )
    return env


def cli(
    db: Path | None,
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    columns: int = 120,
    prefix: Sequence[str] = (),
) -> Ran:
    """Run ``python -m mixxx_peewee [--db db] args…`` as a real process (not a terminal:
    stdout and stderr are pipes) with this checkout's package first on the path; ``prefix``
    runs it through another command (``setpriv --reuid …``, ``unshare -m …``)."""
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    base = child_env()
    base.update(MIXXX_PEEWEE_AUTO_BACKUP="0", COLUMNS=str(columns))
    base.update(env or {})  # env may override the defaults above (MIXXX_PEEWEE_AUTO_BACKUP)
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "mixxx_peewee", *argv],
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=base,
        timeout=120,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def ok(result: Result | Ran) -> Result | Ran:
    """Assert success (showing stderr otherwise)."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
    return result


def sha256(path: Path) -> str:
    """The file's content hash (unchanged files keep it)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error(result: Result | Ran, *expected: str) -> str:
    """Assert exit 1 with exactly one ``error:`` line on stderr mentioning each expected text."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def parsed(result: Result | Ran) -> Any:
    """The JSON on stdout."""
    return json.loads(ok(result).stdout)


def jsonl(result: Result | Ran) -> list[Any]:
    """The JSON lines on stdout."""
    return [json.loads(line) for line in ok(result).stdout.splitlines()]


def on_a_terminal(db: Path, *args: str) -> list[str]:
    """The lines a command prints with stdout a terminal (a pseudo-terminal)."""
    import pty

    screen, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MIXXX_PEEWEE_AUTO_BACKUP": "0"}
    command = [sys.executable, "-m", "mixxx_peewee", "--db", str(db), *args]
    with subprocess.Popen(command, stdout=terminal, stderr=subprocess.PIPE, env=env) as proc:
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(screen, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            output += chunk
        assert proc.wait(timeout=60) == 0
    os.close(screen)
    return output.decode().splitlines()
