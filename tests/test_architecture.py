"""The package's layers (ARCHITECTURE.md): every module imports only downward.

A module may import modules of earlier layers only, never its own layer or a later one;
the library never imports the command line (or typer, rich); and no library module hides
an import inside a function to dodge a cycle (the few lazy imports that keep start-up or
a plugin light are listed here with their reason).
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mixxx_peewee"

# Bottom first. A module imports only modules of earlier rows.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    # Each subpackage's __init__ is its docstring (what it holds, what it may import).
    ("core", "analysis", "journal", "tracks", "trackset", "backups", "diff", "interop"),
    ("core.results", "core.keys", "core.fields", "core.running", "core.values"),
    ("analysis.codec",),
    ("core.connection",),
    ("core.statements",),
    ("models",),
    ("core.schema", "core.trackfields"),
    ("backups.parts",),
    ("core.inspection",),
    ("journal.records",),
    ("journal.journalfile",),
    ("journal.operation",),
    ("core.sqlfunctions", "backups.copying", "journal.capture"),
    ("backups.backupfile",),
    ("backups.restoresets", "backups.restorefields"),
    ("library",),
    ("lookup",),
    ("tracks.locations",),
    ("analysis.grids",),
    ("analysis.report",),
    ("tracks.searchsyntax",),
    ("tracks.search",),
    ("tracks.filters",),
    ("tracks.reads",),
    ("trackset.membership",),
    ("trackset.positions",),
    ("tracks.edits",),
    (
        "tracks.relocate",
        "trackset.playlists",
        "trackset.crates",
        "tracks.cues",
        "backups.folder",
        "backups.restore",
        "tracks.stats",
        "tracks.duplicates",
        "tracks.usage",
        "tracks.nexttrack",
    ),
    ("tracks.merge",),
    ("tracks.relink",),
    ("diff.result",),
    ("diff.sides",),
    ("diff.compare", "diff.snapshots"),
    ("journal.history",),
    ("journal.undo",),
    ("trackset.m3u", "trackset.filling", "trackset.ordering"),
    ("trackset.exchange", "trackset.smartrules"),
    ("trackset.smart",),
    ("interop.model", "interop.xmlfile"),
    ("interop.rekordbox", "interop.traktor"),
    ("interop.pathmap", "interop.mp3offset"),
    ("interop.collect", "interop.cueplan"),
    ("interop.apply",),
    ("interop.transfer",),
    ("compat",),
    ("testing",),
    ("pytest_plugin",),
    ("cli.display", "cli.options", "cli.coercion", "cli.argv"),
    ("cli.table",),
    ("cli.output",),
    ("cli.state", "cli.resolve"),
    ("cli.tracktext", "cli.trackset"),
    ("cli.merge",),
    ("cli.relink",),
    ("cli.nexttrack",),
    (
        "cli.info",
        "cli.tracks",
        "cli.playlists",
        "cli.crates",
        "cli.cues",
        "cli.maintenance",
        "cli.history",
        "cli.interop",
    ),
    ("cli.collections",),
    ("cli.diff",),
    ("cli",),
    ("__init__", "__main__"),
)
LAYER = {name: index for index, row in enumerate(LAYERS) for name in row}

# Imports inside functions, each with why it is not at the top of its module.
LAZY_IMPORTS = {
    # pytest loads the plugin in every test session; peewee loads only when a fixture is used.
    ("pytest_plugin", "library"),
    # The beats/keys codec loads when a blob is first decoded (`import mixxx_peewee`, `info`
    # and plain listings never pay for it).
    ("models", "analysis.codec"),
    ("tracks.reads", "analysis.grids"),
    ("tracks.edits", "analysis.grids"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(imported module, inside a function)`` for every mixxx_peewee import of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            guarded = type_checking or (
                isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING"
            )
            names: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                # ``from mixxx_peewee.cli import coercion`` imports the submodule.
                names = [f"{child.module}.{alias.name}" for alias in child.names]
            elif isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            for name in names:
                if name.startswith("mixxx_peewee.") and not type_checking:
                    found.append((name.removeprefix("mixxx_peewee."), inner))
                elif name.split(".")[0] in ("typer", "rich", "click"):
                    found.append((name, inner))
            visit(child, inner, guarded)

    visit(tree, False, False)
    return found


def _target(name: str, modules: dict[str, Path]) -> str:
    """The module an imported dotted name belongs to (``errors.X`` style names allowed)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def test_every_module_has_a_layer() -> None:
    assert sorted(set(_modules()) - set(LAYER)) == []
    assert sorted(set(LAYER) - set(_modules())) == []


@pytest.mark.parametrize("module", sorted(_modules()))
def test_a_module_imports_only_downward(module: str) -> None:
    modules = _modules()
    upward = []
    for name, _ in _imports(modules[module]):
        if name.split(".")[0] in ("typer", "rich", "click"):
            if not module.startswith("cli"):
                upward.append(f"{name} (the library never loads the command line)")
            continue
        target = _target(name, modules)
        if target in LAYER and module not in ("__init__",) and LAYER[target] >= LAYER[module]:
            upward.append(f"{target} (layer {LAYER[target]} >= {LAYER[module]})")
    assert upward == []


@pytest.mark.parametrize(
    "module", sorted(m for m in _modules() if not m.startswith("cli") and m != "__init__")
)
def test_no_library_module_hides_an_import_in_a_function(module: str) -> None:
    modules = _modules()
    hidden = [
        _target(name, modules)
        for name, in_function in _imports(modules[module])
        if in_function and (module, _target(name, modules)) not in LAZY_IMPORTS
    ]
    assert hidden == []


def test_no_public_name_is_shadowed_by_a_module() -> None:
    import mixxx_peewee

    # ``mp.backup`` must stay the function even after ``import mixxx_peewee.backups``.
    clashes = sorted(set(mixxx_peewee.__all__) & {m.split(".")[0] for m in _modules()})
    assert clashes == []


def test_no_module_shadows_the_standard_library() -> None:
    import sys

    clashes = sorted(m for m in _modules() if m.split(".")[0] in sys.stdlib_module_names)
    assert clashes == []


def _drawing() -> list[list[str]]:
    """The module rows of ARCHITECTURE.md's drawing, bottom first, as dotted names.

    A row is ``label  modules  [what they hold]`` (columns apart by two spaces or more):
    the label is a subpackage (``tracks/``) whose modules the row names, or ``·`` for
    top-level modules; lines of ``─`` and lines without a label are not rows.
    """
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = text.split("```\n", 2)[1]
    rows: list[list[str]] = []
    for line in block.splitlines():
        columns = re.split(r"\s{2,}", line.strip())
        label = columns[0]
        if len(columns) < 2 or not (label == "·" or label.endswith("/")):
            continue
        prefix = "" if label == "·" else label.removesuffix("/").replace("/", ".") + "."
        rows.append(
            [
                prefix + name if name != "__init__" else prefix.rstrip(".") or name
                for name in columns[1].split()
            ]
        )
    return rows[::-1]


def test_the_architecture_drawing_names_every_module_of_the_layer_table() -> None:
    drawn = [name for row in _drawing() for name in row]
    assert sorted(set(drawn)) == sorted(LAYER)
    assert len(drawn) == len(set(drawn)), "a module drawn twice"


def test_the_architecture_drawing_keeps_the_layer_order() -> None:
    # Read upwards, the drawn lines climb the layer table: no module is drawn below a
    # module of an earlier layer row (lines of one row may follow each other).
    rows = _drawing()
    for lower, upper in itertools.pairwise(rows):
        assert max(LAYER[m] for m in lower) <= min(LAYER[m] for m in upper), (lower, upper)
