"""History: the changes the change journal recorded, and the journal's state and retention.

:func:`list_changes` and :func:`get_change` read the journal file
(:mod:`mixxx_peewee.journal.journalfile`); :func:`journal_status` says where it is and what
it holds (a :class:`JournalStatus`); :func:`journal_retention` reads or sets how much it
keeps. Taking a change back is :mod:`mixxx_peewee.journal.undo`. Imports ``library`` and the
journal modules below it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mixxx_peewee.core.results import plural
from mixxx_peewee.errors import ChangeJournalError
from mixxx_peewee.errors import ChangeNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.journalfile import DEFAULT_KEEP_CHANGES
from mixxx_peewee.journal.journalfile import DEFAULT_KEEP_DAYS
from mixxx_peewee.journal.journalfile import ChangeJournal
from mixxx_peewee.journal.journalfile import JournalUnavailable
from mixxx_peewee.journal.records import Change
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import settle_journal

__all__ = [
    "JournalStatus",
    "get_change",
    "journal_retention",
    "journal_status",
    "list_changes",
    "opened_journal",
]

_TURNED_OFF = "MIXXX_PEEWEE_CHANGE_JOURNAL=0 or change_journal=False"


@dataclass(frozen=True)
class JournalStatus:
    """Where the change journal is and what it holds, or why it is off.

    ``path``: the journal file (None when turned off by the setting); ``off``: why it is
    off for this open (None when on); ``changes``: how many changes it holds; ``newest``:
    when the newest was made (ISO 8601 UTC, None when none). ``str()`` is the one line
    ``info`` shows.
    """

    path: Path | None
    off: str | None = None
    changes: int = 0
    newest: str | None = None

    @property
    def on(self) -> bool:
        """Whether the journal records this open's writes."""
        return self.off is None

    def __str__(self) -> str:
        """``…/mixxxdb.changes.sqlite (3 changes, newest 2026-01-02T03:04:05Z)``, or why off."""
        if self.off is not None:
            return f"off ({self.off})"
        if not self.changes or self.newest is None:
            return f"{self.path} (no change recorded yet)"
        return f"{self.path} ({plural(self.changes, 'change')}, newest {self.newest[:19]}Z)"


@contextmanager
def opened_journal(library: MixxxLibrary, *, write: bool) -> Iterator[ChangeJournal]:
    """The library's change journal: the open's own when writing, else a read-only look."""
    try:
        if write and not library.readonly:
            yield library.open_journal()
            return
        # A read-only open of the library still writes our own file when asked to (keep).
        journal = library.open_journal(create=write)
    except JournalUnavailable as exc:
        raise ChangeJournalError(str(exc)) from None
    try:
        yield journal
    finally:
        if journal is not library._journal:
            journal.close()


def list_changes(*, limit: int | None = None) -> list[Change]:
    """The recorded changes of the open library, newest first (empty when none yet)."""
    library = current_library()
    where = library.journal_file()
    if where is None or not where.exists():
        return []
    settle_journal(library)  # a writable open settles what a killed process left pending
    with opened_journal(library, write=False) as journal:
        return journal.changes(limit=limit)


def journal_status() -> JournalStatus:
    """Where the change journal is and how many changes it holds (or why it is off); reads
    only. ``str()`` of it is the line ``info`` shows."""
    library = current_library()
    where = library.journal_file()
    if where is None:
        return JournalStatus(None, off=_TURNED_OFF)
    if library.journal_off is not None:
        return JournalStatus(where, off=library.journal_off)
    if not where.exists():
        return JournalStatus(where)
    try:
        with opened_journal(library, write=False) as journal:
            changes = journal.changes()
    except ChangeJournalError as exc:
        return JournalStatus(where, off=str(exc))
    if not changes:
        return JournalStatus(where)
    return JournalStatus(where, changes=len(changes), newest=changes[0].made)


def get_change(number: int) -> Change:
    """Change ``number`` with the rows it touched (``rows``); raises ChangeNotFoundError."""
    library = current_library()
    with opened_journal(library, write=False) as journal:
        try:
            return journal.get(int(number))
        except KeyError:
            raise ChangeNotFoundError(f"no change {number} in {journal.path}") from None


def journal_retention(
    keep_changes: int | None = None, keep_days: int | None = None
) -> tuple[int, int]:
    """The change journal's retention ``(changes, days)``; with arguments, set it first."""
    for value, what in ((keep_changes, "changes to keep"), (keep_days, "days to keep")):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValidationError(f"{what} must be a whole number of at least 1, not {value!r}")
    library = current_library()
    changing = keep_changes is not None or keep_days is not None
    where = library.journal_file()
    if not changing and (where is None or not where.exists()):
        return DEFAULT_KEEP_CHANGES, DEFAULT_KEEP_DAYS  # the rule a new journal starts with
    with opened_journal(library, write=changing) as journal:
        if changing:
            return journal.set_retention(keep_changes, keep_days)
        return journal.retention()
