"""Build the API reference (HTML, from the docstrings) with pdoc; any warning is an error.

    python scripts/build_docs.py [--output docs/api]

Documents the package and every library module (the command line, ``mixxx_peewee.cli``,
is documented by its ``--help``). CI runs it; ``docs/api/`` is not committed.
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.render

import mixxx_peewee

ROOT = Path(__file__).resolve().parent.parent


def library_modules() -> list[str]:
    """``mixxx_peewee`` and its library modules, the command line left out."""
    names = ["mixxx_peewee"]
    for info in pkgutil.iter_modules(mixxx_peewee.__path__, "mixxx_peewee."):
        if info.name not in ("mixxx_peewee.cli", "mixxx_peewee.__main__"):
            names.append(info.name)
    return names


def main(argv: list[str] | None = None) -> int:
    """Render the reference into ``--output``; exit 1 on the first warning."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "api")
    args = parser.parse_args(argv)
    pdoc.render.configure(docformat="restructuredtext", show_source=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            pdoc.pdoc(*library_modules(), output_directory=args.output)
        except Warning as warning:
            print(f"error: API reference: {warning}", file=sys.stderr)
            return 1
    print(f"API reference: {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
