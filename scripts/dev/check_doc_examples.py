"""Type-check the Python examples of the README and ``docs/`` with ``mypy --strict``.

    python scripts/dev/check_doc_examples.py [README.md docs/*.md …]

As a user's editor would: every ```python block is written to its own module and checked
against the installed package (its ``py.typed`` and lazy exports must make
``mp.iter_tracks(…)`` known to mypy).
Exit 1 with mypy's report when any block does not type-check.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The contents of every ```python fenced block of a Markdown text."""
    return [match.group(1) for match in BLOCK.finditer(text)]


def doc_pages() -> list[Path]:
    """README.md and every page of ``docs/``."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def main(argv: list[str] | None = None) -> int:
    """Check every block of the given Markdown files (default: README.md and docs/*.md)."""
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or doc_pages()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for path in paths:
            for n, block in enumerate(python_blocks(path.read_text(encoding="utf-8")), 1):
                stem = re.sub(r"\W", "_", path.stem.lower())  # a module name mypy accepts
                target = Path(tmp) / f"{stem}_example_{n}.py"
                target.write_text(block, encoding="utf-8")
                files.append(target)
        if not files:
            print("error: no ```python blocks found", file=sys.stderr)
            return 1
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", *map(str, files)],
            capture_output=True,
            text=True,
        )
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
