"""Opening never writes; the first write does, and says so up front when it cannot.

A writable open that only reads leaves the file byte-identical (the journal-mode switch and
the change journal belong to the first write); a read-only file or folder is refused before
any backup or journal file is made; Ctrl-C during a write rolls it back and says so.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from cli_support import ROOT

README = ROOT / "README.md"
FIXTURE = ROOT / "fixtures" / "real-mixxx-2.3.3" / "mixxxdb.sqlite"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def _readme_library_example() -> tuple[str, str]:
    """The README's runnable example on the real-Mixxx fixture and its "Real output" block."""
    text = README.read_text(encoding="utf-8")
    start = text.index("On the fixture made by a real Mixxx 2.3.3")
    found = re.search(r"```python\n(.*?)```\n\nReal output:\n\n```\n(.*?)```", text[start:], re.S)
    assert found is not None, "the README's library example moved"
    return found.group(1), found.group(2)


def test_readme_library_example_prints_its_real_output_and_writes_nothing(
    tmp_path: Path,
) -> None:
    code, shown = _readme_library_example()
    copy = tmp_path / FIXTURE.relative_to(ROOT)  # run on a copy, at the path the example names
    copy.parent.mkdir(parents=True)
    shutil.copy2(FIXTURE, copy)
    before, files = _sha(copy), _siblings(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIXXX_", "PYTEST_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
    assert _sha(copy) == before  # a writable open that only read: not a byte changed
    assert _siblings(copy) == files  # no change journal, no -wal/-shm left behind
