"""What the root options decided, shared by every command of one invocation."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from mixxx_peewee.database import MixxxLibrary

__all__ = ["CliState"]


@dataclass
class CliState:
    """Root options plus the library this invocation opened (closed at the end)."""

    db: str | None = None
    readonly: bool = False
    verbose: int = 0
    quiet: bool = False
    library: MixxxLibrary | None = field(default=None, repr=False)

    @property
    def path_hint(self) -> str | None:
        """The path to name in error messages."""
        if self.library is not None:
            return str(self.library.path)
        return self.db

    def open(self, *, write: bool = False, strict: bool = True) -> MixxxLibrary:
        """Open the library once (read-only unless a write needs it and --readonly is off)."""
        from mixxx_peewee.database import open_library

        if self.library is None:
            readonly = self.readonly or not write
            self.library = open_library(self.db, readonly=readonly, strict=strict)
        return self.library

    def note(self, message: str) -> None:
        """A remark for the user on stderr (suppressed by -q)."""
        if not self.quiet:
            typer.echo(message, err=True)

    def close(self) -> None:
        """Close the library if this invocation opened one."""
        if self.library is not None:
            self.library.close()
            self.library = None
