"""Typed errors of mixxx_peewee.

Every error carries a one-line message that names the path, id or name involved, so the
command line can print ``error: <message>`` and nothing else.

A message that tells the user how to override a refusal names the keyword argument, as
``unlock=True`` (a flag) or ``added_after=DATE`` (a value in capitals): what an API caller
types. The command line shows the same text through :func:`cli_wording`, which turns
those into the option names a shell user types (``--unlock``, ``--added-after DATE``), so
one message serves both and neither sees the other's spelling.
"""

from __future__ import annotations

import re

__all__ = [
    "BackupError",
    "ChangeJournalError",
    "ChangeNotFoundError",
    "ColumnNotInFileError",
    "CorruptDatabaseError",
    "CrateNotFoundError",
    "DatabaseBusyError",
    "DatabaseConnectionError",
    "DatabaseNotFoundError",
    "DuplicateNameError",
    "ExchangeFormatError",
    "LibraryNotOpenError",
    "LockedError",
    "MixxxPeeweeError",
    "MixxxRunningError",
    "NotAMixxxDatabaseError",
    "NotFoundError",
    "PlaylistNotFoundError",
    "ReadOnlyError",
    "SchemaVersionError",
    "TrackNotFoundError",
    "UndoConflictError",
    "ValidationError",
    "cli_wording",
]

# ``name=True`` or ``name=VALUE`` (VALUE in capitals, a placeholder), not inside a word.
_KEYWORD = re.compile(r"(?<![\w./\\-])([a-z][a-z0-9_]*)=(True\b|[A-Z][A-Z_]*\b)")


def cli_wording(text: str) -> str:
    """A message's keyword arguments as command-line options: ``unlock=True`` → ``--unlock``."""

    def option(match: re.Match[str]) -> str:
        name = "--" + match.group(1).replace("_", "-")
        value = match.group(2)
        return name if value == "True" else f"{name} {value}"

    return _KEYWORD.sub(option, text)


class MixxxPeeweeError(Exception):
    """Base of every error this package raises on purpose."""


class DatabaseNotFoundError(MixxxPeeweeError, FileNotFoundError):
    """No database file at the given path, or none in any default location."""


class DatabaseConnectionError(MixxxPeeweeError):
    """The file exists but cannot be opened as a database (directory, permissions, …)."""


class NotAMixxxDatabaseError(DatabaseConnectionError):
    """The file is not a Mixxx library database (empty, not SQLite, another program's)."""


class CorruptDatabaseError(DatabaseConnectionError):
    """The file is a damaged or truncated SQLite database."""


class SchemaVersionError(MixxxPeeweeError):
    """The file's schema forbids this operation (too old, core columns missing, …)."""


class ColumnNotInFileError(SchemaVersionError, AttributeError):
    """A column the model knows is absent from (or mismatched in) the open file."""


class ReadOnlyError(MixxxPeeweeError):
    """A write was attempted on a library opened read-only."""


class DatabaseBusyError(MixxxPeeweeError):
    """Another program (usually Mixxx) held the database lock beyond the busy timeout."""


class BackupError(MixxxPeeweeError):
    """A backup or restore could not be made (disk full, read-only folder, file exists, …)."""


class LibraryNotOpenError(MixxxPeeweeError):
    """An operation needs an open library; call ``open_library()`` first."""


class MixxxRunningError(MixxxPeeweeError):
    """Mixxx is running and would overwrite (or be disturbed by) this operation."""


class ValidationError(MixxxPeeweeError, ValueError):
    """An argument is out of range or malformed; nothing was written."""


class DuplicateNameError(ValidationError):
    """A playlist or crate with that name exists already."""


class LockedError(MixxxPeeweeError):
    """The playlist or crate is locked (or is a history playlist) and refuses changes."""


class NotFoundError(MixxxPeeweeError, LookupError):
    """Base of the not-found errors for library objects."""


class TrackNotFoundError(NotFoundError):
    """No track with that id or location."""


class PlaylistNotFoundError(NotFoundError):
    """No playlist with that id or name."""


class CrateNotFoundError(NotFoundError):
    """No crate with that id or name."""


class ChangeNotFoundError(NotFoundError):
    """No change with that number in the change journal."""


class ChangeJournalError(MixxxPeeweeError):
    """The change journal cannot be read or used (missing, damaged, another library's)."""


class UndoConflictError(MixxxPeeweeError):
    """Rows a change touched were changed since by Mixxx or another tool; nothing undone.

    ``conflicts`` names them (one line each).
    """

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        super().__init__(message)
        self.conflicts = conflicts or []


class ExchangeFormatError(MixxxPeeweeError, ValueError):
    """Another program's library file (rekordbox XML, Traktor NML) cannot be read or used."""
