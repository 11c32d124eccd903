"""CLI start-up: --help lists every command without importing or building it (issue 6)."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from cli_support import run
from conftest import copy_fixture

from mixxx_peewee import cli

# Every cli module that registers commands (found on disk: a new one cannot be missed).
MODULES = tuple(
    sorted(
        p.stem
        for p in (Path(cli.__file__).parent).glob("*.py")
        if "\ndef register(" in p.read_text(encoding="utf-8")
    )
)


def registered() -> dict[str, str]:
    """Every top-level command the cli modules register, with its first help paragraph."""
    found: dict[str, str] = {}
    for module in MODULES:
        for name, command in cli.build_module_commands(module).items():
            found[name] = inspect.cleandoc(command.help or "").split("\n\n")[0]
    return found


def test_the_lazy_table_names_every_registered_command_with_its_help() -> None:
    table = {name: summary for name, (_module, summary) in cli._COMMANDS.items()}
    assert table == registered()


def test_each_command_is_built_by_the_module_the_table_names() -> None:
    for name, (module, _summary) in cli._COMMANDS.items():
        assert name in cli.build_module_commands(module)


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from mixxx_peewee.cli import main\n"
        "sys.argv = ['mixxx-peewee', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('mixxx_peewee.cli.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # Only the value conversion (which keeps --help's own option off pydantic): the state
    # (json, dataclasses of results) loads when a command runs, no command module ever.
    assert out.splitlines()[-1] == "['mixxx_peewee.cli.coercion']"


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from mixxx_peewee.cli import main\n"
        f"sys.argv = ['mixxx-peewee', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return set(ast.literal_eval(proc.stderr.splitlines()[-1]))


def test_commands_with_options_never_load_pydantic(tmp_path: Path) -> None:
    # Typer converts values through pydantic unless cli/coercion.py converts them (~60 ms).
    db = str(copy_fixture("sample/mixxxdb.sqlite", tmp_path))
    for argv in (
        ["--db", db, "--busy-timeout", "2", "--journal-mode", "keep", "info"],
        ["--db", db, "--readonly", "tracks", "list", "-f", "jsonl", "--limit", "2"],
        ["--db", db, "playlists", "list", "--format", "JSON"],
        ["--db", db, "tracks", "list", "--help"],
    ):
        loaded = _modules_after(*argv)
        assert "mixxx_peewee.cli.state" in loaded, argv
        assert not any(m.split(".")[0] == "pydantic" for m in loaded), argv
        # The beats/keys codec loads only where a blob is decoded.
        assert "mixxx_peewee.analysis.codec" not in loaded, argv


def test_help_lists_every_command_in_order() -> None:
    result = run(None, "--help")
    assert result.exit_code == 0
    rows = result.stdout.split("Commands:\n")[1].splitlines()
    # A command's row starts with two spaces; a long description wraps onto deeper lines.
    names = [row.split()[0] for row in rows if row.startswith("  ") and row[2] != " "]
    assert names == list(cli._COMMANDS)


def test_a_misspelt_command_suggests_the_lazy_names() -> None:
    result = run(None, "playlist")
    assert result.exit_code == 2
    assert "Did you mean 'playlists'?" in result.stderr


def test_help_from_the_table_equals_help_from_the_built_commands() -> None:
    from_table = run(None, "--help").stdout
    for module in MODULES:
        cli._BUILT.update(cli.build_module_commands(module))
    assert run(None, "--help").stdout == from_table
