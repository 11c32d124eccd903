"""Build the documentation: the README and ``docs/`` pages and the API reference (pdoc).

    python scripts/dev/build_docs.py [--output docs/api]

Every warning is an error: a relative link between the README and the ``docs/`` pages
that points at no file, or at an anchor (a heading) the page does not have, and any pdoc
warning. The API reference documents the package and every library module (the command
line, ``mixxx_peewee.cli``, is documented by its ``--help``) into ``--output``
(``index.html``); the pages are rendered with markdown2 (pdoc's own Markdown renderer)
into ``--output``/``manual/`` (``README.html``, ``docs/NAME.html``). CI runs it;
``docs/api/`` is not committed.
"""

from __future__ import annotations

import argparse
import html
import os
import pkgutil
import re
import sys
import warnings
from pathlib import Path

import markdown2
import pdoc
import pdoc.render

import mixxx_peewee

ROOT = Path(__file__).resolve().parent.parent.parent
BUILT = ROOT / "docs" / "api"  # made by this build: links into it need no file in the tree
LINK = re.compile(r"\]\(([^()\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^```")
HTML_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
HREF = re.compile(r'href="([^":#]+)\.md(#[^"]*)?"')
BUILT_HREF = re.compile(r'href="([^":#"]*api/[^"]*)"')


def library_modules() -> list[str]:
    """``mixxx_peewee`` and its library modules, the command line left out."""
    names = ["mixxx_peewee"]
    for info in pkgutil.iter_modules(mixxx_peewee.__path__, "mixxx_peewee."):
        if info.name not in ("mixxx_peewee.cli", "mixxx_peewee.__main__"):
            names.append(info.name)
    return names


def doc_pages() -> list[Path]:
    """README.md, then every ``docs/*.md`` page: first in the README's order, then the rest."""
    readme = ROOT / "README.md"
    linked = []
    for target in LINK.findall(_outside_code(readme.read_text(encoding="utf-8"))):
        path = (ROOT / target.split("#", 1)[0]).resolve()
        if path.parent == ROOT / "docs" and path.suffix == ".md" and path not in linked:
            linked.append(path)
    rest = [p for p in sorted((ROOT / "docs").glob("*.md")) if p not in linked]
    return [readme, *(p for p in linked if p.exists()), *rest]


def _outside_code(text: str) -> str:
    """``text`` with fenced blocks and inline code blanked out (their links are no links)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else re.sub(r"`[^`]*`", "``", line))
    return "\n".join(lines)


def slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file (repeated headings get ``-1``, ``-2``, …)."""
    found: set[str] = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            base = name = slug(match.group(2))
            n = 0
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def link_errors(pages: list[Path]) -> list[str]:
    """One message per relative link of ``pages`` to a missing file or heading."""
    errors = []
    for page in pages:
        text = _outside_code(page.read_text(encoding="utf-8"))
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
                continue
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            name = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
            where = f"{name}: link {target!r}"
            if dest.is_relative_to(BUILT):
                continue
            if not dest.exists():
                errors.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                errors.append(f"{where}: no heading with anchor #{anchor}")
    return errors


def render_page(page: Path, out: Path, api: Path) -> Path:
    """Render one Markdown page to HTML under ``out`` (links to pages become ``.html``, links
    into ``docs/api/`` point at the reference built in ``api``)."""
    body = markdown2.markdown(
        page.read_text(encoding="utf-8"), extras=["fenced-code-blocks", "tables", "cuddled-lists"]
    )
    used: set[str] = set()

    def heading(match: re.Match[str]) -> str:
        base = name = slug(match.group(2))
        n = 0
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        return f'<h{match.group(1)} id="{name}">{match.group(2)}</h{match.group(1)}>'

    target = out / page.relative_to(ROOT).with_suffix(".html")

    def into_reference(match: re.Match[str]) -> str:
        dest = (page.parent / match.group(1)).resolve()
        if not dest.is_relative_to(BUILT):
            return match.group(0)
        built = (api / dest.relative_to(BUILT)).resolve()
        return f'href="{os.path.relpath(built, target.parent.resolve())}"'

    body = HTML_HEADING.sub(heading, body)
    body = HREF.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    body = BUILT_HREF.sub(into_reference, body)
    title = page.stem if page.stem != "README" else "mixxx-peewee"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title></head>\n<body>\n{body}</body></html>\n",
        encoding="utf-8",
    )
    return target


def main(argv: list[str] | None = None) -> int:
    """Check the pages' links, render them and the API reference; exit 1 on any warning."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BUILT)
    args = parser.parse_args(argv)
    pages = doc_pages()
    errors = link_errors(pages)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 1
    pdoc.render.configure(docformat="restructuredtext", show_source=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            pdoc.pdoc(*library_modules(), output_directory=args.output)
            for page in pages:
                render_page(page, args.output / "manual", args.output)
        except Warning as warning:
            print(f"error: documentation: {warning}", file=sys.stderr)
            return 1
    print(f"API reference: {args.output / 'index.html'}")
    print(f"pages: {args.output / 'manual' / 'README.html'} and {len(pages) - 1} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
