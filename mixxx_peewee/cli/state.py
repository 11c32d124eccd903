"""What the root options decided, shared by every command of one invocation.

Besides opening the library once, the state owns the conventions every command shares:
notes go to stderr (``-q`` silences them), destructive commands ask on a terminal and
need ``--yes`` elsewhere, write results are printed the same way everywhere, and
progress bars appear only on a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from typing import TypeVar

import typer

from mixxx_peewee.core.results import plural
from mixxx_peewee.errors import cli_wording

if TYPE_CHECKING:
    from mixxx_peewee.core.results import WriteResult
    from mixxx_peewee.library import MixxxLibrary

__all__ = ["CliState", "fail", "is_terminal"]

T = TypeVar("T")

_SHOWN_CHANGES = 10  # a real write lists its changes on stderr up to this many


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal (a pipe or CliRunner buffer is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def fail(message: str) -> NoReturn:
    """Print one ``error:`` line on stderr and exit 1 (nothing was changed)."""
    typer.echo(f"error: {cli_wording(' '.join(message.split()))}", err=True)
    raise typer.Exit(1)


@dataclass
class CliState:
    """Root options plus the library this invocation opened (closed at the end)."""

    db: str | None = None
    readonly: bool = False
    verbose: int = 0
    quiet: bool = False
    journal_mode: str = "wal"
    busy_timeout_ms: int = 5000
    key_notation: str = "traditional"  # --key-notation: how every listing shows keys
    library: MixxxLibrary | None = field(default=None, repr=False)
    _shown_notes: set[str] = field(default_factory=set, repr=False)  # shown before a question
    _journal_noted: bool = field(default=False, repr=False)  # the journal-mode switch was told

    @property
    def path_hint(self) -> str | None:
        """The path to name in error messages."""
        if self.library is not None:
            return str(self.library.path)
        return self.db

    def open(self, *, write: bool = False, strict: bool = True) -> MixxxLibrary:
        """Open the library once (read-only unless a write needs it and --readonly is off).

        Asking for ``write`` after a read-only open reopens the file writable.
        """
        from mixxx_peewee.library import open_library

        want_readonly = self.readonly or not write
        if self.library is not None and self.library.readonly and not want_readonly:
            self.close()
        if self.library is None:
            self.library = open_library(
                self.db,
                readonly=want_readonly,
                strict=strict,
                journal_mode=self.journal_mode,
                busy_timeout_ms=self.busy_timeout_ms,
            )
            self.db = str(self.library.path)
            if self.verbose:
                self.note(f"{self.library.path}: journal {self.library.journal_note}")
        return self.library

    def note_journal_switch(self) -> None:
        """Say once that a write switched the file's journal mode (it is stored in the file)."""
        library = self.library
        if library is not None and "switched" in library.journal_note and not self._journal_noted:
            self._journal_noted = True  # never change a user's journal mode without saying so
            self.note(f"note: {library.path}: journal mode {library.journal_note}")

    def write(
        self,
        operation: Callable[[bool], WriteResult],
        *,
        dry_run: bool,
        guard: str | None = None,
        force: bool = False,
        confirm: str | Callable[[WriteResult], str] | None = None,
        yes: bool = False,
        as_json: bool = False,
        check: Callable[[WriteResult], None] | None = None,
    ) -> WriteResult:
        """Run ``operation(dry_run)`` the safe way and report it.

        The plan is computed first on a read-only open: every validation error, a refused
        confirmation or the running-Mixxx guard (``guard`` kind) stops the command before
        the file is opened for writing, so an error leaves every byte of it unchanged.
        """
        self.open()
        plan = operation(True)
        if dry_run:
            self.report(plan, as_json=as_json)
            return plan
        if not plan.changes:
            # Nothing to change: say so, and never open the file writable for nothing (a
            # writable open may switch its journal mode).
            from dataclasses import replace

            self.report(replace(plan, dry_run=False), as_json=as_json)
            return plan
        library = self.open()
        if self.readonly:
            from mixxx_peewee.errors import ReadOnlyError

            raise ReadOnlyError(f"{library.path}: opened with --readonly; nothing written")
        from mixxx_peewee.library import check_file_writable

        check_file_writable(library)  # before a question, a backup or a journal file
        if check is not None:
            check(plan)
        if guard is not None:
            from mixxx_peewee.core.running import check_mixxx_guard

            check_mixxx_guard(guard, library.path, force=force)
        if confirm is not None:
            question = confirm(plan) if callable(confirm) else confirm
            if not yes and is_terminal(sys.stdin):
                # The plan before the question: its notes (a missing target, Mixxx running)
                # and its first changes, so the answer is an informed one.
                for note in plan.notes:
                    self.note(f"note: {note}")
                self._shown_notes.update(plan.notes)
                for line in plan.changes[:_SHOWN_CHANGES]:
                    self.note(f"  {line}")
                if len(plan.changes) > _SHOWN_CHANGES:
                    self.note(f"  … and {len(plan.changes) - _SHOWN_CHANGES:,} more")
            self.confirm(question, yes=yes)
        self.open(write=True)
        result = operation(False)
        self.note_journal_switch()
        self.report(result, as_json=as_json)
        return result

    def note(self, message: str) -> None:
        """A remark for the user on stderr (suppressed by -q)."""
        if not self.quiet:
            typer.echo(cli_wording(message), err=True)

    def confirm(self, question: str, *, yes: bool) -> None:
        """Ask before a destructive change: on a terminal ask, elsewhere require ``--yes``."""
        if yes:
            return
        if not is_terminal(sys.stdin):
            fail(f"{question.rstrip('?')}: refusing without --yes (not on a terminal)")
        if not typer.confirm(question, default=False, err=True):
            self.note("aborted: nothing changed")
            raise typer.Exit(1)

    def report(self, result: WriteResult, *, as_json: bool = False) -> None:
        """Print a write's outcome: a dry run's changes on stdout, a real one's on stderr.

        A dry run's plan is the data the user asked for; after a real write stdout stays
        free for the value the command made (a new id), printed by the command itself.
        """
        for note in result.notes:
            # A write that changes nothing needs no running-Mixxx caveat (the guard's notes,
            # running.check_mixxx_guard); a note on why nothing changed still shows.
            if note in self._shown_notes or (not result.changes and _is_guard_note(note)):
                continue
            self.note(f"note: {note}")
        if as_json:
            sys.stdout.write(json.dumps(_jsonable(result.to_dict()), ensure_ascii=False) + "\n")
            return
        if result.dry_run:
            for line in result.changes or ["nothing to change"]:
                typer.echo(line)
            for line in result.unchanged:
                self.note(line)
            summary = result.summary()
            self.note(
                f"dry run: {summary}; nothing written" if summary else "dry run: nothing written"
            )
            return
        if not result.changes:
            # Say what was so already, then that nothing changed ("2 tracks already in …").
            said = result.unchanged or [_operation(result)]
            for line in said[:-1]:
                self.note(line)
            self.note(f"{said[-1]}; nothing changed")
            return
        summary = result.summary()
        if self.verbose or len(result.changes) <= _SHOWN_CHANGES:
            for line in result.changes:
                self.note(line)
            if summary and len(result.changes) > 1:
                self.note(summary)
        else:
            self.note(f"{summary} (-v lists all {plural(len(result.changes), 'change')})")
        for line in result.unchanged:
            self.note(line)

    def progress(self, items: Iterable[T], *, total: int | None, label: str) -> Iterator[T]:
        """Iterate ``items``, with a progress bar on stderr only when it is a terminal."""
        if self.quiet or not is_terminal(sys.stderr):
            yield from items
            return
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr_console()) as bar:
            task = bar.add_task(label, total=total)
            for item in items:
                yield item
                bar.advance(task)

    @contextmanager
    def progress_callback(self, label: str) -> Iterator[Callable[[int, int], None] | None]:
        """A ``report(done, total)`` callback drawing a bar on a terminal; None when piped."""
        if self.quiet or not is_terminal(sys.stderr):
            yield None
            return
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr_console()) as bar:
            task = bar.add_task(label, total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield report

    def close(self) -> None:
        """Close the library if this invocation opened one."""
        if self.library is not None:
            self.library.close()
            self.library = None


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)


def _is_guard_note(note: str) -> bool:
    return note.startswith(("Mixxx is running", "would be refused: Mixxx is running"))


def _operation(result: WriteResult) -> str:
    """The operation's name as words: ``add tracks to crate``."""
    return result.operation.replace("_", " ").replace("-", " ")


def _jsonable(value: Any) -> Any:
    from mixxx_peewee.cli.output import jsonable

    return jsonable(value)
