"""Help text: plain placeholders, uncut command lists, and every example in it and in the
README and ``docs/`` pages runs (against a copy of the sample library)."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import ODD_PLACEHOLDER
from cli_support import cli
from cli_support import run
from cli_support import sample_library
from doc_pages import doc_text

from mixxx_peewee import cli as cli_module


def _helps(path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """``(command words, --help text)`` of the root and every command under it."""
    result = run(None, *path, "--help", env={"COLUMNS": "80"})
    assert result.exit_code == 0, (path, result.stdout, result.stderr)
    yield path, result.stdout
    if "Commands:" in result.stdout:
        for line in result.stdout.split("Commands:\n", 1)[1].splitlines():
            if line.startswith("  ") and line[2] != " ":
                yield from _helps((*path, line.split()[0]))


HELPS = dict(_helps())


def test_every_command_has_help() -> None:
    names = {" ".join(path) for path in HELPS}
    assert {"tracks duplicates", "stats", "playlists show", "crates show"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("path", sorted(HELPS), ids=lambda p: " ".join(p) or "root")
def test_help_has_no_odd_placeholders(path: tuple[str, ...]) -> None:
    text = HELPS[path]
    assert not ODD_PLACEHOLDER.findall(text), ODD_PLACEHOLDER.findall(text)


def test_top_level_descriptions_are_not_cut_off() -> None:
    text = " ".join(HELPS[()].split("Commands:\n", 1)[1].split())
    for name, (_module, summary) in cli_module._COMMANDS.items():
        assert f"{name} {summary}" in text
    for path, help_text in HELPS.items():
        if "Commands:" in help_text:
            rows = help_text.split("Commands:\n", 1)[1]
            assert "..." not in rows, path


def help_examples() -> list[str]:
    """Every example command line in every command's help."""
    found = []
    for text in HELPS.values():
        joined = " ".join(text.split())  # an example may wrap
        ends = r"(?=$| Example:| Options:| Arguments:)"
        for match in re.finditer(rf"Example: (mixxx-peewee .*?){ends}", joined):
            found.append(match.group(1).strip())
    return sorted(set(found))


def _prepare(db: Path, example: list[str]) -> None:
    """Make the playlist or crate an example names (not the new name of a rename, not the
    one a create or import makes), with eight tracks, in the library copy ``db``; for
    ``undo`` and ``history show``, three recorded changes to take back or show."""
    if example[0] == "undo" or example[:2] == ["history", "show"]:
        for name in ("Prep A", "Prep B", "Prep C"):
            assert run(db, "crates", "create", name).exit_code == 0
        return
    if len(example) < 3 or example[0] not in ("playlists", "crates"):
        if "--playlist" in example:
            example = ["playlists", "show", example[example.index("--playlist") + 1]]
        else:
            return
    group, command, target = example[0], example[1], example[2]
    if command in ("create", "import", "list") or "--create" in example:
        return
    ids = ["12", "15", "20", "25", "30", "35", "40", "45"]
    assert run(db, group, "add", target, *ids, "--create").exit_code == 0


def _words(line: str) -> list[str]:
    words = shlex.split(line)
    assert words[0] == "mixxx-peewee"
    words = words[1:]
    if "--db" in words:  # a placeholder path: the copy is given instead
        at = words.index("--db")
        del words[at : at + 2]
    return words


def test_help_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = help_examples()
    assert len(examples) > 25
    base = sample_library(tmp_path / "base")
    failures = []
    for n, example in enumerate(examples):
        where = tmp_path / f"ex{n}"
        where.mkdir()
        db = where / "mixxxdb.sqlite"
        shutil.copy2(base, db)
        _prepare(db, _words(example))
        monkeypatch.chdir(where)
        # Files an import example reads.
        for name in ("friday.m3u8", "peak.m3u8"):
            (where / name).write_text("#EXTM3U\n/music/nowhere.mp3\n", encoding="utf-8")
        if " export " in f" {example} ":
            for name in ("friday.m3u8", "peak.csv"):
                (where / name).unlink(missing_ok=True)
        words = _words(example)
        if words[0] == "import" and words[1] in ("rekordbox", "traktor"):
            # the file an import example reads: the library's own export
            assert run(db, "export", words[1], words[2]).exit_code == 0
        result = run(db, *words)
        if result.exit_code != 0:
            failures.append((example, result.exit_code, result.stdout[-300:], result.stderr))
    assert not failures


def _shell_blocks(text: str) -> Iterator[list[str]]:
    """The lines of each fenced block that is not ```python (shell, console, plain)."""
    block: list[str] | None = None
    language = ""
    for line in text.splitlines():
        if line.startswith("```"):
            if block is None:
                block, language = [], line[3:].strip()
            else:
                if language != "python":
                    yield block
                block = None
        elif block is not None:
            block.append(line)


def readme_examples() -> list[tuple[str, bool]]:
    """``(command line, expected to fail)`` of each ``$ mixxx-peewee`` line in the blocks of
    the README and the ``docs/`` pages, in order (a tour: later lines use what earlier ones
    made)."""
    text = doc_text()
    found = []
    for lines in _shell_blocks(text):
        for i, line in enumerate(lines):
            if not line.startswith("$ mixxx-peewee"):
                continue
            output = []
            for after in lines[i + 1 :]:
                if after.startswith("$ "):
                    break
                output.append(after)
            failing = any(o.startswith("error:") for o in output)
            found.append((line[2:].split("  #", 1)[0].strip(), failing))
    return found


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = readme_examples()
    assert len(examples) >= 10
    db = sample_library(tmp_path)
    monkeypatch.chdir(tmp_path)
    failures = []
    for line, failing in examples:
        stdin = None
        if "< /dev/null" in line:
            line = line.replace("< /dev/null", "")
            stdin = ""
        out = None
        for part in line.split(" | "):
            result = run(db, *_words(part), input=out if out is not None else stdin)
            out = result.stdout
        assert result is not None
        if result.exit_code != (1 if failing else 0):
            failures.append((line, result.exit_code, result.stdout[-300:], result.stderr))
    assert not failures


def test_an_example_runs_as_a_real_process(tmp_path: Path) -> None:
    db = sample_library(tmp_path)
    result = cli(db, *_words('mixxx-peewee playlists show "Crowd pleasers" --limit 2'))
    assert result.exit_code == 0, result.stderr


def _completions(words: str, shell: str = "bash") -> list[str]:
    """What the real ``mixxx-peewee`` offers to complete the last of ``words`` in ``shell``."""
    env = {"_MIXXX_PEEWEE_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": words}
    if shell == "bash":
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env.update(COMP_WORDS=words, COMP_CWORD=str(cword))
    result = cli(None, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def test_root_option_values_complete_through_typers_completion() -> None:
    notations = ["traditional", "openkey", "lancelot"]
    assert _completions("mixxx-peewee --key-notation ") == notations
    assert _completions("mixxx-peewee --db x.sqlite --key-notation o") == ["openkey"]
    assert _completions("mixxx-peewee --journal-mode d") == ["delete"]
    zsh = " ".join(_completions("mixxx-peewee --key-notation ", "zsh"))
    assert all(f'"{n}"' in zsh for n in notations), zsh


def test_only_info_and_check_take_db_after_the_command(tmp_path: Path) -> None:
    db = str(sample_library(tmp_path))
    leaves = [path for path, text in HELPS.items() if path and "Commands:" not in text]
    assert len(leaves) > 40
    for path in leaves:
        result = run(None, *path, "--db", db)
        if path in (("info",), ("check",)):
            assert result.exit_code == 0, (path, result.stderr)
        else:
            assert result.exit_code == 2, (path, result.stdout, result.stderr)
            assert f"put --db before the command: mixxx-peewee --db {db} {' '.join(path)}" in (
                result.stderr
            ), path
    # Among a command's free words (a search) too: a hint, not a word to search for.
    words = run(None, "tracks", "search", "genre:house", "--readonly", "--db", db)
    assert words.exit_code == 2
    assert f"put --readonly before the command: mixxx-peewee --readonly --db {db}" in words.stderr
