"""The ``mixxx-peewee`` command line: a thin Typer layer over the library.

Parse, call one library function, format. Every error the library raises on purpose
becomes one ``error: …`` line on stderr and exit status 1 (``-v`` shows the traceback);
usage errors are Typer's own (exit 2).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
import warnings
from collections.abc import Iterator
from collections.abc import MutableMapping
from typing import TYPE_CHECKING
from typing import Any

import typer
from typer import _click
from typer._click.exceptions import NoSuchOption
from typer.core import TyperArgument
from typer.core import TyperCommand
from typer.core import TyperGroup
from typer.core import TyperOption

from mixxx_peewee.cli import coercion
from mixxx_peewee.errors import MixxxPeeweeError
from mixxx_peewee.errors import cli_wording

if TYPE_CHECKING:
    from mixxx_peewee.cli.state import CliState

__all__ = ["app", "main"]


# Top-level commands in --help order: name -> (module of cli that registers it, first help
# paragraph). --help lists these without importing or building the commands (issue 6);
# tests/test_cli_startup.py checks this table against what the modules register.
_COMMANDS: dict[str, tuple[str, str]] = {
    "info": (
        "info",
        "Path, schema version, matched revision, journal mode, verdict and row counts.",
    ),
    "check": ("info", "Compare the file with Mixxx's schema; exit 0 only when writing is allowed."),
    "stats": (
        "info",
        "Tracks, hours, genres, BPM and key spread, missing, hidden and analysed tracks.",
    ),
    "relocate": (
        "tracks",
        "Point every track under OLD_PREFIX to NEW_PREFIX (files moved outside Mixxx).",
    ),
    "backup": (
        "maintenance",
        "Back the library up with SQLite's online backup API (safe while Mixxx runs).",
    ),
    "restore": (
        "maintenance",
        "Replace the library with a backup (the current content is backed up first).",
    ),
    "tracks": ("tracks", "List, search, show and edit tracks; hide them; find missing files."),
    "playlists": (
        "collections",
        "List, show and change playlists; export and import them as M3U8.",
    ),
    "crates": ("collections", "List, show and change crates; export and import them as M3U8."),
    "cues": ("cues", "A track's cues: list them, set a hotcue or the main cue, delete one."),
    "export": (
        "interop",
        "Write the library (or part of it) as a rekordbox XML or Traktor NML file.",
    ),
    "import": (
        "interop",
        "Bring a rekordbox XML or Traktor NML file's cues, grids and playlists in.",
    ),
    "history": (
        "history",
        "The changes mixxx-peewee made to this library, newest first (see `undo`).",
    ),
    "undo": (
        "history",
        "Take back one change mixxx-peewee made (see `history`); an undo can be undone.",
    ),
    "diff": (
        "diff",
        "What changed from OTHER (a backup or snapshot) to the library; exit 0 either way.",
    ),
    "snapshot": (
        "diff",
        "Save the library's compact state for a later `diff` (a fraction of a backup's size).",
    ),
}

# Commands built so far, shared by every root group (tests build one per invocation).
_BUILT: dict[str, _click.Command] = {}


def build_module_commands(module: str) -> dict[str, _click.Command]:
    """The click commands that ``mixxx_peewee.cli.<module>.register`` adds, built as the root
    app would build them."""
    sub = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
        suggest_commands=app.suggest_commands,
    )
    importlib.import_module(f"mixxx_peewee.cli.{module}").register(sub)
    commands = dict(typer.main.get_group(sub).commands)
    for command in commands.values():
        coercion.install(command)
        plain_help(command)
    return commands


# Typer's own placeholders ({track}, <str>, <list[int]>) read like code: help shows what to type.
_TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "int range": "INTEGER",
               "float range": "NUMBER", "path": "PATH", "file": "FILE", "directory": "DIR",
               "list[str]": "TEXT", "list[int]": "INTEGER", "list[float]": "NUMBER"}  # fmt: skip


class _PlainArgument(TyperArgument):
    """An argument shown as ``TRACK``, ``[DEST]`` or ``TRACK...`` (click's convention)."""

    def _plain_name(self) -> str:
        return (self.metavar or self.name or "ARG").removesuffix("...").upper()

    def _usage_display_name(self) -> str:
        name = self._plain_name()
        name = name if self.required else f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name

    def _rich_display_name(self) -> str:
        return self._plain_name() + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: _click.Context) -> str:
        """No type after an argument's name: its help says what it is."""
        return ""


class _PlainOption(TyperOption):
    """An option's value shown as ``TEXT``, ``INTEGER``, ``PATH`` or ``[a|b|c]``."""

    def display_type_rich(self, ctx: _click.Context) -> str:
        """``TEXT`` for Typer's ``<str>``, ``[table|json]`` for a choice."""
        label = super().display_type_rich(ctx) or ""
        label = label.removeprefix("<").removesuffix(">")
        if label in _TYPE_WORDS:
            return _TYPE_WORDS[label]
        if label.startswith("["):
            return label  # a metavar that already reads [a|b|c]
        return f"[{label}]" if "|" in label else label.upper()


class _FullHelpGroup(TyperGroup):
    """A command group listing its commands with their whole first help line."""

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """``name  help`` rows, the help wrapped, never cut off with "..."."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                text = inspect.cleandoc(command.short_help or command.help or "")
                rows.append((name, text.split("\n\n")[0].replace("\n", " ")))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def plain_help(command: _click.Command, *, recursive: bool = True) -> None:
    """Give ``command`` (and its sub-commands) plain placeholders, uncut command lists, and
    the ``Example:`` of its docstring when ``help=`` replaced the docstring."""
    doc = inspect.getdoc(command.callback) if command.callback is not None else None
    if doc and "Example:" in doc and command.help and "Example:" not in command.help:
        example = doc[doc.index("Example:") :]
        command.help = f"{command.help}\n\n{' '.join(example.split())}"
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = _PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = _PlainOption
    if type(command) is TyperGroup:
        command.__class__ = _FullHelpGroup
    if recursive and isinstance(command, TyperGroup):
        for sub in command.commands.values():
            plain_help(sub)


class _LazyCommands(MutableMapping[str, _click.Command]):
    """The root's sub-commands: every name is known, each module is imported and built on
    first use."""

    def __init__(self) -> None:
        self._extra: dict[str, _click.Command] = {}
        self.listing = False

    def __getitem__(self, name: str) -> _click.Command:
        if name in self._extra:
            return self._extra[name]
        if name not in _COMMANDS:
            raise KeyError(name)
        module, summary = _COMMANDS[name]
        if name not in _BUILT and self.listing:
            return TyperCommand(name=name, help=summary)
        if name not in _BUILT:
            _BUILT.update(build_module_commands(module))
        return _BUILT[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._extra[name] = command

    def __delitem__(self, name: str) -> None:
        del self._extra[name]

    def __iter__(self) -> Iterator[str]:
        yield from _COMMANDS
        yield from (n for n in self._extra if n not in _COMMANDS)

    def __len__(self) -> int:
        return len(_COMMANDS) + sum(1 for n in self._extra if n not in _COMMANDS)


class _ErrorsToOneLine(_FullHelpGroup):
    """Root group: library errors become one ``error:`` line and exit 1."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._late_params_done = False
        lazy = _LazyCommands()
        lazy.update(self.commands)
        self.commands = lazy

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        """Keep the command line: a root option given after a command gets a hint."""
        ctx.meta[_ARGV] = list(args)
        if not self._late_params_done:
            # Typer appends --install/--show-completion after building the group: now all
            # the root options are there for plain conversion (cli/coercion.py) and help.
            self._late_params_done = True
            coercion.install(self, recursive=False)
            plain_help(self, recursive=False)  # its commands are built on first use
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: _click.Context, incomplete: str) -> list[Any]:
        """Complete command names from the lazy table (their help without building them)."""
        lazy = self.commands
        assert isinstance(lazy, _LazyCommands)
        lazy.listing = True  # called for the root's own words only: names and root options
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            lazy.listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """The command names in --help order, without building the commands."""
        return list(self.commands)

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """List the commands from their one-line help, without building them."""
        lazy = self.commands
        assert isinstance(lazy, _LazyCommands)
        lazy.listing = True
        try:
            super().format_commands(ctx, formatter)  # the one-line help of _COMMANDS
        finally:
            lazy.listing = False

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; translate our errors at the edge."""
        try:
            with warnings.catch_warnings():
                # Library warnings (a skipped automatic backup) reach the user as notes.
                warnings.showwarning = lambda message, *_: _warning_as_note(ctx, message)
                return super().invoke(ctx)
        except NoSuchOption as exc:
            hint = _root_option_hint(self, ctx, exc.option_name)
            if hint:
                exc.message = f"{exc.message}; {hint}"
                exc.possibilities = None  # click's guesses among the command's own options
            raise
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            # Ctrl-C: a write transaction under way rolled back on its way out.
            typer.echo(_interrupted(_state(ctx)), err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader (head, less) has gone: stop quietly, as Unix tools do.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:
            if not _is_user_error(exc):
                raise
            state = _state(ctx)
            if state is not None and state.verbose:
                traceback.print_exc()
            message = _one_line(exc, state)
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(1) from None
        finally:
            state = _state(ctx)
            if state is not None:
                state.note_journal_switch()
                _note_backups(state)
                state.close()


_ARGV = "mixxx_peewee.argv"  # ctx.meta key: the root's own arguments


def _root_option_hint(group: _click.Command, ctx: _click.Context, name: str) -> str:
    """``put --db before the command: mixxx-peewee --db X tracks list`` when ``name`` is a
    root option given after a command (click only knows it is no option of the command)."""
    # Only on this error path: `--help` and every command start without the argv module.
    from mixxx_peewee.cli.argv import option_arities
    from mixxx_peewee.cli.argv import split_options

    takes_value = option_arities(p for p in group.params if p.expose_value)
    if name not in takes_value:
        return ""
    argv: list[str] = ctx.meta.get(_ARGV, [])
    first = next((i for i, w in enumerate(argv) if w in _COMMANDS), None)
    if first is None:
        return f"put {name} before the command"
    before = argv[:first]
    moved, rest, after = split_options(argv[first:], takes_value)
    if after is not None:
        rest = [*rest, "--", *after]
    import shlex

    line = shlex.join([*before, *moved, *rest])
    return f"put {name} before the command: {ctx.info_name or 'mixxx-peewee'} {line}"


def _complete_key_notation(incomplete: str) -> list[str]:
    """Shell completion of ``--key-notation``'s value."""
    return [n for n in ("traditional", "openkey", "lancelot") if n.startswith(incomplete)]


def _complete_journal_mode(incomplete: str) -> list[str]:
    """Shell completion of ``--journal-mode``'s value."""
    return [m for m in ("wal", "delete", "keep") if m.startswith(incomplete)]


def _show_version(value: bool) -> None:
    if value:
        from mixxx_peewee import __version__

        typer.echo(f"mixxx-peewee {__version__}")
        raise typer.Exit()


def _interrupted(state: CliState | None) -> str:
    """The one line for Ctrl-C: whether a write of this command was already committed."""
    library = state.library if state is not None else None
    if library is not None and library.writes_committed:
        return "interrupted after the write was saved"
    return "interrupted; nothing written"


def _state(ctx: _click.Context) -> CliState | None:
    """The invocation's state, or None before the root callback made it."""
    # cli.state loads only when a command runs (the root callback): --help stays fast.
    module = sys.modules.get("mixxx_peewee.cli.state")
    return ctx.obj if module is not None and isinstance(ctx.obj, module.CliState) else None


def _note_backups(state: CliState) -> None:
    """``note: daily backup made: PATH`` once, for the write that made it (-q silences it)."""
    library = state.library
    if library is not None:
        for path in library.backups_made:
            state.note(f"note: daily backup made: {path}")
        library.backups_made.clear()


def _warning_as_note(ctx: Any, message: Warning | str) -> None:
    state = _state(ctx)
    if state is not None and state.quiet:
        return  # -q silences notes
    typer.echo(f"note: {' '.join(str(message).split())}", err=True)


def _is_database_error(exc: BaseException) -> bool:
    # sqlite3 and peewee are imported only if a command used them: --help stays fast.
    sqlite3 = sys.modules.get("sqlite3")
    peewee = sys.modules.get("peewee")
    return (sqlite3 is not None and isinstance(exc, sqlite3.Error)) or (
        peewee is not None and isinstance(exc, peewee.PeeweeException)
    )


def _is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, (MixxxPeeweeError, OSError)) or _is_database_error(exc)


def _one_line(exc: BaseException, state: CliState | None) -> str:
    if isinstance(exc, MixxxPeeweeError):
        text = str(exc)
    elif _is_database_error(exc):
        from mixxx_peewee.core.connection import translate_sqlite_error

        text = str(translate_sqlite_error(exc, state.path_hint if state else None))
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or exc}"
    else:
        text = str(exc) or type(exc).__name__
    return cli_wording(" ".join(text.split())) or type(exc).__name__


app = typer.Typer(
    cls=_ErrorsToOneLine,
    name="mixxx-peewee",
    help="Read and change a Mixxx library (mixxxdb.sqlite) safely, even while Mixxx runs.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion (Typer's own)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: loading rich would double --help's start-up time
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="MIXXX_DB",
        help="Path to mixxxdb.sqlite (default: $MIXXX_DB, then Mixxx's own location).",
        show_envvar=False,
    ),
    readonly: bool = typer.Option(False, "--readonly", help="Open read-only: change nothing."),
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, show_default=False, help="More detail; tracebacks."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only data and errors."),
    journal_mode: str = typer.Option(
        "wal",
        "--journal-mode",
        metavar="[wal|delete|keep]",
        autocompletion=_complete_journal_mode,
        help="Journal mode a write asks for: wal (stored in the file), delete, or keep.",
        envvar="MIXXX_PEEWEE_JOURNAL_MODE",
        show_envvar=False,
    ),
    busy_timeout: float = typer.Option(
        5.0, "--busy-timeout", help="Seconds to wait for Mixxx's lock before giving up.", min=0
    ),
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        expose_value=True,
        help="Print the package version and exit.",
    ),
    key_notation: str = typer.Option(
        "traditional",
        "--key-notation",
        envvar="MIXXX_PEEWEE_KEY_NOTATION",
        metavar="[traditional|openkey|lancelot]",
        autocompletion=_complete_key_notation,
        help="Show keys as traditional (Am), openkey (1m) or lancelot (8A), in every format; "
        "--sort key is harmonic (Camelot order) in any notation "
        "(default: $MIXXX_PEEWEE_KEY_NOTATION, else traditional).",
        show_envvar=False,
        show_default=False,
    ),
) -> None:
    """Read and change a Mixxx library safely, even while Mixxx runs."""
    mode = journal_mode.lower()
    if mode not in ("wal", "delete", "keep"):
        raise typer.BadParameter("must be wal, delete or keep", param_hint="--journal-mode")
    notation = key_notation.strip().lower()
    if notation not in ("traditional", "openkey", "lancelot"):
        raise typer.BadParameter(
            "must be traditional, openkey or lancelot", param_hint="--key-notation"
        )
    from mixxx_peewee.cli.display import set_key_notation
    from mixxx_peewee.cli.state import CliState

    set_key_notation(notation)
    ctx.obj = CliState(
        db=db,
        readonly=readonly,
        verbose=verbose,
        quiet=quiet,
        journal_mode=mode,
        busy_timeout_ms=int(busy_timeout * 1000),
        key_notation=notation,
    )


def main() -> None:
    """Entry point of the ``mixxx-peewee`` console script."""
    app(prog_name="mixxx-peewee")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
