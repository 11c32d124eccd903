"""The ``mixxx-peewee`` command line: a thin Typer layer over the library.

Parse, call one library function, format. Every error the library raises on purpose
becomes one ``error: …`` line on stderr and exit status 1 (``-v`` shows the traceback);
usage errors are Typer's own (exit 2).
"""

from __future__ import annotations

import sys
import traceback
import warnings
from typing import Any

import typer
from typer.core import TyperGroup

from mixxx_peewee.cli.state import CliState
from mixxx_peewee.errors import MixxxPeeweeError

__all__ = ["app", "main"]


class _ErrorsToOneLine(TyperGroup):
    """Root group: library errors become one ``error:`` line and exit 1."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; translate our errors at the edge."""
        try:
            with warnings.catch_warnings():
                # Library warnings (a skipped automatic backup) reach the user as notes.
                warnings.showwarning = _warning_as_note
                return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            # The reader (head, less) has gone: stop quietly, as Unix tools do.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:
            if not _is_user_error(exc):
                raise
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
            if state is not None and state.verbose:
                traceback.print_exc()
            message = _one_line(exc, state)
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(1) from None
        finally:
            if isinstance(ctx.obj, CliState):
                ctx.obj.close()


def _warning_as_note(message: Warning | str, *args: Any, **kwargs: Any) -> None:
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
        from mixxx_peewee.database import translate_sqlite_error

        text = str(translate_sqlite_error(exc, state.path_hint if state else None))
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or exc}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split()) or type(exc).__name__


app = typer.Typer(
    cls=_ErrorsToOneLine,
    name="mixxx-peewee",
    help="Read and change a Mixxx library (mixxxdb.sqlite) safely, even while Mixxx runs.",
    no_args_is_help=True,
    add_completion=False,
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
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail; tracebacks."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only data and errors."),
    journal_mode: str = typer.Option(
        "wal",
        "--journal-mode",
        help="Journal mode a write asks for: wal (stored in the file), delete, or keep.",
        envvar="MIXXX_PEEWEE_JOURNAL_MODE",
        show_envvar=False,
    ),
    busy_timeout: float = typer.Option(
        5.0, "--busy-timeout", help="Seconds to wait for Mixxx's lock before giving up.", min=0
    ),
) -> None:
    """Read and change a Mixxx library safely, even while Mixxx runs."""
    mode = journal_mode.lower()
    if mode not in ("wal", "delete", "keep"):
        raise typer.BadParameter("must be wal, delete or keep", param_hint="--journal-mode")
    ctx.obj = CliState(
        db=db,
        readonly=readonly,
        verbose=verbose,
        quiet=quiet,
        journal_mode=mode,
        busy_timeout_ms=int(busy_timeout * 1000),
    )


def _register() -> None:
    from mixxx_peewee.cli import collections
    from mixxx_peewee.cli import cues
    from mixxx_peewee.cli import info
    from mixxx_peewee.cli import maintenance
    from mixxx_peewee.cli import tracks

    info.register(app)
    tracks.register(app)
    collections.register(app)
    cues.register(app)
    maintenance.register(app)


_register()


def main() -> None:
    """Entry point of the ``mixxx-peewee`` console script."""
    app(prog_name="mixxx-peewee")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
