"""The public API: every lazy export is visible to type checkers and resolves at run time."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
import sysconfig
import typing
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import mixxx_peewee

INIT = Path(mixxx_peewee.__file__)
ROOT = Path(__file__).resolve().parent.parent
CHECK_EXAMPLES = ROOT / "scripts" / "dev" / "check_doc_examples.py"


def _type_checking_blocks(path: Path) -> Iterator[ast.ImportFrom]:
    """The imports of a module's ``if TYPE_CHECKING:`` blocks (all ``from … import``)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.body:
                assert isinstance(child, ast.ImportFrom) and child.module
                yield child


def _type_checking_imports() -> dict[str, str]:
    """``{name: module}`` imported in ``__init__``'s ``if TYPE_CHECKING:`` block."""
    found: dict[str, str] = {}
    for child in _type_checking_blocks(INIT):
        for alias in child.names:
            assert child.module
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


def test_the_doc_examples_type_check() -> None:
    done = subprocess.run(
        [sys.executable, str(CHECK_EXAMPLES)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _user_script_checks(
    folder: Path, source: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``source`` (via check_doc_examples) from a user's own folder."""
    (folder / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # not the checkout's config
    (folder / "script.md").write_text(f"```python\n{source}```\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, str(CHECK_EXAMPLES), "script.md"],
        cwd=folder,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _editable_install_of_this_checkout() -> bool:
    purelib = sysconfig.get_path("purelib")
    for dist in importlib.metadata.distributions(name="mixxx-peewee", path=[purelib]):
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
        editable = direct.get("dir_info", {}).get("editable", False)
        url = str(direct.get("url", ""))
        here = url.startswith("file://") and Path(urllib.parse.urlparse(url).path).resolve() == ROOT
        return bool(editable and here)
    return False


def test_the_editable_install_is_a_path_mypy_follows_from_any_folder(tmp_path: Path) -> None:
    if not _editable_install_of_this_checkout():
        pytest.skip("the package is not installed editable (pip install -e) from this checkout")
    purelib = Path(sysconfig.get_path("purelib"))
    paths = {
        Path(line.strip()).resolve()
        for pth in purelib.glob("*.pth")
        for line in pth.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("import ", "import\t", "#"))
    }
    assert ROOT in paths, "no .pth path entry for the checkout: reinstall with pip install -e ."
    done = _user_script_checks(tmp_path, "import mixxx_peewee as mp\n\nprint(mp.__version__)\n")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_create_that_ran_has_an_int_id_to_mypy(tmp_path: Path) -> None:
    # The original design's idiom: the id of a create goes straight into a read.
    source = """from typing import assert_type

import mixxx_peewee as mp

with mp.open_library("mixxxdb.sqlite"):
    print(mp.get_playlist_tracks(mp.create_playlist("Friday").id))
    print(mp.get_crate_tracks(mp.create_crate("House", [1, 2]).id))
    assert_type(mp.create_playlist("Saturday", dry_run=False).object, mp.Playlist)
    assert_type(mp.create_crate("Techno").object, mp.Crate)
    assert_type(mp.create_playlist("Sunday", dry_run=True).id, int | None)
    assert_type(mp.create_crate("Disco", dry_run=bool(len("x"))).id, int | None)
"""
    # MYPYPATH: the checkout itself, however the package is installed.
    done = _user_script_checks(tmp_path, source, env={"MYPYPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_create_that_ran_returns_a_create_result_a_dry_run_a_plain_write_result(
    mixxx_library: object,
) -> None:
    made = mixxx_peewee.create_playlist("Friday", [1])
    assert isinstance(made, mixxx_peewee.CreateResult)
    assert isinstance(made, mixxx_peewee.WriteResult)
    assert made.id == made.value == made.object.id and isinstance(made.id, int)
    assert made.to_dict()["value"] == made.id
    crate = mixxx_peewee.create_crate("House")
    assert isinstance(crate, mixxx_peewee.CreateResult) and crate.object.name == "House"
    planned = mixxx_peewee.create_crate("Techno", dry_run=True)
    assert type(planned) is mixxx_peewee.WriteResult
    assert (planned.id, planned.object, planned.value) == (None, None, None)


def _type_checking_names(module: ModuleType) -> dict[str, object]:
    """What ``module`` imports only for type checkers, imported now (to resolve its hints)."""
    assert module.__file__
    return {
        alias.asname or alias.name: getattr(importlib.import_module(child.module), alias.name)
        for child in _type_checking_blocks(Path(module.__file__))
        if child.module
        for alias in child.names
    }


def _classes_in(hint: object) -> Iterator[type]:
    """Every class a type hint names: ``list[Track] | None`` → list, Track, NoneType."""
    if isinstance(hint, list | tuple):  # Callable's argument list
        for part in hint:
            yield from _classes_in(part)
    elif isinstance(hint, typing.TypeVar):
        yield from _classes_in([hint.__bound__, *hint.__constraints__])
    elif typing.get_origin(hint) is not typing.Literal:
        origin = typing.get_origin(hint)
        if isinstance(hint, type) and origin is None:
            yield hint
        if isinstance(origin, type):
            yield origin
        yield from _classes_in(list(typing.get_args(hint)))


def _public_signatures() -> Iterator[tuple[str, object, dict[str, object]]]:
    """``(label, function or class, namespace)`` for every exported function, every public
    method and property of an exported class, and the public fields of an exported class."""
    for name in mixxx_peewee.__all__:
        value = getattr(mixxx_peewee, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue  # db: the deferred database object
        module = sys.modules[value.__module__]
        names = _type_checking_names(module)
        if inspect.isfunction(value):
            for variant in [value, *typing.get_overloads(value)]:
                yield name, variant, names
            continue
        yield name, value, names  # its fields (dataclass, NamedTuple, model)
        for attr, member in vars(value).items():
            if attr.startswith("_"):
                continue
            function = getattr(member, "fget", None) or getattr(member, "__func__", member)
            # Defined in the class (not a field whose default is a module function).
            if inspect.isfunction(function) and function.__qualname__.startswith(f"{name}."):
                yield f"{name}.{attr}", function, names


def test_every_class_a_public_signature_names_is_exported() -> None:
    unexported: dict[str, set[str]] = {}
    for label, target, names in _public_signatures():
        hints = typing.get_type_hints(target, localns=names)
        if inspect.isclass(target):
            hints = {k: v for k, v in hints.items() if not k.startswith("_")}
        for cls in _classes_in(list(hints.values())):
            # A private class (``_Beat``) is private on purpose, wherever it shows.
            own = cls.__module__.startswith("mixxx_peewee") and not cls.__name__.startswith("_")
            if own and getattr(mixxx_peewee, cls.__name__, None) is not cls:
                unexported.setdefault(f"{cls.__module__}.{cls.__qualname__}", set()).add(label)
    assert not unexported, "named in public signatures but not exported: " + "; ".join(
        f"{cls} ({', '.join(sorted(labels))})" for cls, labels in sorted(unexported.items())
    )
