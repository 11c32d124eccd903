"""What playlists and crates share: names, lookups, locks, track ids, planning a write.

Playlists (ordered, repeats allowed) and crates (unordered sets) differ where Mixxx
differs; everything both need lives here: trimming and checking a name, resolving an
``id-or-name`` argument, refusing a locked object, checking that track ids exist, the
guard and transaction every write runs in, and reading track rows in bounded chunks.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

from mixxx_peewee.connection import execute
from mixxx_peewee.connection import read_transaction
from mixxx_peewee.errors import DuplicateNameError
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import MixxxRunningError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import Track
from mixxx_peewee.running import check_mixxx_guard
from mixxx_peewee.values import chunked
from mixxx_peewee.values import is_row_id
from mixxx_peewee.values import parse_track_ids

__all__ = [
    "check_free_name",
    "clean_name",
    "existing_track_ids",
    "guard_notes",
    "planned_write",
    "refuse_locked",
    "require_tracks",
    "track_dicts",
]


def clean_name(name: object, what: str) -> str:
    """``name`` trimmed as Mixxx's dialogs trim it; raises ValidationError if unusable."""
    if not isinstance(name, str):
        raise ValidationError(f"{what} name must be text, not {type(name).__name__}")
    trimmed = name.strip()
    if not trimmed:
        raise ValidationError(f"{what} name must not be empty")
    bad = sorted({f"U+{ord(c):04X}" for c in trimmed if unicodedata.category(c) == "Cc"})
    if bad:
        # Mixxx's sidebar shows one line per name: control characters would garble it.
        raise ValidationError(f"{what} name must not contain control characters ({', '.join(bad)})")
    return trimmed


def check_free_name(table: str, what: str, name: str, *, except_id: int | None = None) -> None:
    """Raise DuplicateNameError when another row of ``table`` already has ``name`` (exact)."""
    # ``table`` is one of our own constants (Playlists, crates), never user input.
    row = execute(
        f'SELECT id FROM "{table}" WHERE name = ? AND id IS NOT ?', (name, except_id)
    ).fetchone()
    if row is not None:
        raise DuplicateNameError(f"a {what} named {name!r} exists already (id {row[0]})")


def refuse_locked(row: Any, what: str) -> None:
    """Raise LockedError when the playlist or crate ``row`` is locked in Mixxx."""
    if row.locked:
        raise LockedError(f"{what} {row.name!r} (id {row.id}) is locked; unlock it in Mixxx first")


def existing_track_ids(track_ids: Iterable[int]) -> dict[int, bool]:
    """``{id: hidden}`` for those ids that have a ``library`` row (call inside a transaction)."""
    unique = sorted(i for i in set(track_ids) if is_row_id(i))
    found: dict[int, bool] = {}
    for part in chunked(unique):
        marks = ",".join("?" * len(part))
        cursor = execute(f"SELECT id, mixxx_deleted FROM library WHERE id IN ({marks})", part)
        found.update((row[0], row[1] == 1) for row in cursor)
    return found


def require_tracks(track_ids: Iterable[object]) -> tuple[list[int], int]:
    """The ids as ints and how many are hidden; raises TrackNotFoundError naming unknown ids.

    Call inside the operation's transaction, so the answer holds when it writes.
    """
    ids = parse_track_ids(track_ids)
    found = existing_track_ids(ids)
    unknown = sorted(set(ids) - set(found))
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise TrackNotFoundError(f"no track with id {shown}{more}")
    hidden = sum(1 for i in ids if found[i])
    return ids, hidden


def guard_notes(kind: str, *, force: bool, dry_run: bool) -> list[str]:
    """The running-Mixxx guard: notes to report; a dry run reports a refusal as a note."""
    library = current_library()
    try:
        return check_mixxx_guard(kind, library.path, force=force)
    except MixxxRunningError as exc:
        if dry_run:
            return [f"would be refused: {exc}"]
        raise


@contextmanager
def planned_write(dry_run: bool, touches: Iterable[tuple[str, str]] = ()) -> Iterator[MixxxLibrary]:
    """A read transaction for a dry run (works read-only), else one ``write_transaction``."""
    if dry_run:
        with read_transaction():
            yield current_library()
    else:
        with write_transaction(touches) as library:
            yield library


_LOCATION_COLUMNS = ("location", "filename", "directory", "filesize", "fs_deleted")


def track_dicts(track_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``{id: track dict}`` for ``track_ids``, read in bounded chunks, each its own short read.

    The keys are those :func:`mixxx_peewee.tracks.iter_tracks` yields: the file's
    ``library`` columns, ``location_id``, then the location's ``location`` (the path),
    ``filename``, ``directory``, ``filesize`` and ``fs_deleted``.
    """
    columns = [f.column_name for f in Track._meta.sorted_fields if f.column_name != "location"]
    names = [*columns, "location_id", *_LOCATION_COLUMNS]
    select = ", ".join([*(f'l."{c}"' for c in columns), "tl.id"])
    select += ", " + ", ".join(f'tl."{c}"' for c in _LOCATION_COLUMNS)
    unique = sorted(set(track_ids))
    rows: dict[int, dict[str, Any]] = {}
    for part in chunked(unique):
        marks = ",".join("?" * len(part))
        sql = (
            f"SELECT {select} FROM library AS l"
            f" JOIN track_locations AS tl ON tl.id = l.location WHERE l.id IN ({marks})"
        )
        # One complete statement per chunk: fetchall() ends its implicit read.
        for values in execute(sql, part).fetchall():
            track = dict(zip(names, values, strict=True))
            rows[track["id"]] = track
    return rows
