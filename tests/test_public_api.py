"""The public API: every lazy export is visible to type checkers and resolves at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mixxx_peewee

INIT = Path(mixxx_peewee.__file__)


def _type_checking_imports() -> dict[str, str]:
    """``{name: module}`` imported in ``__init__``'s ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.body:
                assert isinstance(child, ast.ImportFrom) and child.module
                for alias in child.names:
                    found[alias.asname or alias.name] = child.module.removeprefix("mixxx_peewee.")
    return found


def test_every_lazy_export_is_imported_for_type_checkers() -> None:
    assert _type_checking_imports() == mixxx_peewee._LAZY


def test_all_is_built_from_the_same_table() -> None:
    from mixxx_peewee import errors

    assert sorted(mixxx_peewee.__all__) == sorted([*errors.__all__, *mixxx_peewee._LAZY])


def test_every_export_resolves_to_what_its_module_defines() -> None:
    import importlib

    for name, module in mixxx_peewee._LAZY.items():
        value = getattr(importlib.import_module(f"mixxx_peewee.{module}"), name)
        assert getattr(mixxx_peewee, name) is value, name


def test_the_readme_examples_type_check() -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "check_readme_examples.py"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
