"""Relocating tracks: files moved outside Mixxx, their stored paths moved with them.

A real path-prefix match (``/music/a`` never touches ``/music/ab``, never ``LIKE``):
``location``, ``directory`` and ``filename`` change together, and ``directories`` is
updated like Mixxx's own relocate does; ``LibraryHashes`` is left alone (the scanner
re-hashes the new folders on its next scan). TRACK_DATA for the running-Mixxx guard
(refused unless forced: Mixxx's scanner and cached tracks keep using the old paths).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import peewee

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import large_page_cache
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.values import check_text
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.tracks.edits import require_columns

__all__ = [
    "RelocateCollisionError",
    "RelocateMissingTargetsError",
    "RelocationPlan",
    "relocate_tracks",
]

_PARAMS_PER_STATEMENT = 900  # target paths per IN (...) list: below SQLite's oldest limit (999)


@dataclass
class RelocationPlan:
    """What :func:`relocate_tracks` moves: (location id, old, new) and collisions."""

    old_prefix: str
    new_prefix: str
    moves: list[tuple[int, str, str]] = field(default_factory=list)
    collisions: list[tuple[int, str, str]] = field(default_factory=list)
    directories: list[tuple[str, str]] = field(default_factory=list)
    # How many target files exist on disk now (a typo in the new prefix: none do).
    targets_present: int = 0
    missing_targets: list[str] = field(default_factory=list, repr=False)
    # Every moved row's directory/filename match its location: the range UPDATE's premise.
    consistent: bool = field(default=True, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "old_prefix": self.old_prefix,
            "new_prefix": self.new_prefix,
            "moves": [list(m) for m in self.moves],
            "collisions": [list(c) for c in self.collisions],
            "directories": [list(d) for d in self.directories],
            "targets_present": self.targets_present,
            "targets_missing": len(self.missing_targets),
        }


_DRIVE = re.compile(r"[A-Za-z]:/")  # a Windows path is absolute on every OS


class RelocateMissingTargetsError(ValidationError):
    """Relocating would point tracks at files that do not exist; nothing was written."""

    def __init__(self, message: str, plan: RelocationPlan) -> None:
        super().__init__(message)
        self.plan = plan


class RelocateCollisionError(ValidationError):
    """Relocating would put tracks on paths other tracks already have; nothing was written."""

    def __init__(self, message: str, plan: RelocationPlan) -> None:
        super().__init__(message)
        self.plan = plan


def _normalise_prefix(prefix: str | os.PathLike[str], name: str) -> str:
    text = os.fspath(prefix)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{name} must be a non-empty path")
    check_text(text, name)
    text = text.replace("\\", "/") if os.sep == "\\" else text
    stripped = text.rstrip("/")
    return stripped or "/"


def _as_mixxx_stores(prefix: str) -> str:
    """The new prefix as Mixxx would store it: on macOS composed (NFC; Qt composes every
    file name it reads there), elsewhere each folder in the form it has on disk (Linux
    keeps a name's bytes: a folder typed decomposed is found composed, and vice versa)."""
    if sys.platform == "darwin":
        return unicodedata.normalize("NFC", prefix)
    if prefix.isascii() or os.path.exists(prefix):
        return prefix
    parts = prefix.split("/")
    built = parts[0]  # '' for an absolute path, else a drive ("C:")
    for at, part in enumerate(parts[1:], 1):
        candidate = f"{built}/{part}"
        if not os.path.exists(candidate):
            wanted = unicodedata.normalize("NFC", part)
            try:
                names = os.listdir(built or "/")
            except OSError:
                names = []
            found = [n for n in names if unicodedata.normalize("NFC", n) == wanted]
            if len(found) != 1:
                return "/".join([built, *parts[at:]])  # not on disk (or ambiguous): as typed
            candidate = f"{built}/{found[0]}"
        built = candidate
    return built


def _split(location: str) -> tuple[str, str]:
    directory, _, filename = location.rpartition("/")
    return directory, filename


def _under(prefix: str) -> tuple[str, str, int]:
    slash = prefix if prefix.endswith("/") else prefix + "/"
    return prefix, slash, len(slash)


def _plan_relocation(old: str, new: str) -> RelocationPlan:
    plan = RelocationPlan(old, new)
    new_base = "" if new == "/" and old != "/" else new
    # The prefix as typed, else in the other Unicode form (macOS types decomposed names;
    # Linux stores what it was given): the folder the user means, however it is stored.
    forms = list(dict.fromkeys([old, *(unicodedata.normalize(f, old) for f in ("NFC", "NFD"))]))
    matched: list[str] = []
    for form in forms:
        exact, slash, width = _under(form)
        cut = len(form) if form != "/" else 0
        rows = execute(
            "SELECT id, location, directory, filename FROM track_locations"
            " WHERE location = ? OR substr(location, 1, ?) = ? ORDER BY id",
            (exact, width, slash),
        ).fetchall()
        if rows:
            matched.append(form)
        for location_id, location, directory, filename in rows:
            plan.moves.append((location_id, location, new_base + location[cut:]))
            if (directory, filename) != _split(location):
                plan.consistent = False
        if form == old and rows:
            break  # found as typed: the other forms are other folders
    if len(matched) == 1:
        plan.old_prefix = matched[0]  # the stored form: the range update goes by it
    elif len(matched) > 1:
        plan.consistent = False  # rows in several forms: updated one by one
    old = plan.old_prefix
    exact, slash, width = _under(old)
    cut = len(old) if old != "/" else 0
    targets = [m[2] for m in plan.moves]
    plan.missing_targets = _missing_on_disk(new, targets)
    plan.targets_present = len(targets) - len(plan.missing_targets)
    taken: dict[str, int] = {}
    for chunk in chunked(targets, _PARAMS_PER_STATEMENT):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT location, id FROM track_locations WHERE location IN ({marks})"
        taken.update(execute(sql, chunk).fetchall())
    if taken:
        plan.collisions = [m for m in plan.moves if m[2] in taken and taken[m[2]] != m[0]]
    dirs = execute(
        "SELECT directory FROM directories WHERE directory = ? OR substr(directory, 1, ?) = ?",
        (exact, width, slash),
    ).fetchall()
    plan.directories = [(d, new_base + d[cut:] or "/") for (d,) in dirs]
    return plan


def _missing_on_disk(new_prefix: str, targets: list[str]) -> list[str]:
    """The targets that are no file on disk, checked before any transaction (never while
    holding Mixxx up): one stat when the new folder itself is missing (a typo), else one
    per target (about 0.3 s for 100,000 on a warm disk). A new prefix that is no folder
    can only be a file itself (one file relocated to another): that one target is checked."""
    if targets and not os.path.isdir(new_prefix):
        return [t for t in targets if t != new_prefix or not os.path.isfile(t)]
    exists = os.path.exists
    return [t for t in targets if not exists(t)]


_CHANGED_WHILE_PLANNING = "the library changed while planning; nothing written, retry"


def _relocate_by_range(
    cursor: Any, plan: RelocationPlan, planned: set[int], exact_rows: list[tuple[Any, ...]]
) -> None:
    """Move the children of ``plan.old_prefix`` with one range UPDATE, the exact path per row.

    '/' sorts just before '0', so ``[old + '/', old + '0')`` is exactly the paths under old/.
    ``planned`` are the ids under old/, ``exact_rows`` the updates of a track at old itself
    (both made before the transaction, to keep it short). Raises ValidationError when the
    rows changed differ from the plan (the caller rolls back).
    """
    old = plan.old_prefix
    new_base = "" if plan.new_prefix == "/" else plan.new_prefix
    returned = cursor.execute(
        "UPDATE track_locations SET location = ?1 || substr(location, ?2),"
        " directory = ?1 || substr(directory, ?2)"
        " WHERE location >= ?3 AND location < ?4 RETURNING id",
        (new_base, len(old) + 1, old + "/", old + "0"),
    ).fetchall()
    if len(returned) != len(planned) or not planned.issuperset(r[0] for r in returned):
        raise ValidationError(_CHANGED_WHILE_PLANNING)
    for row in exact_rows:
        cursor.execute(
            "UPDATE track_locations SET location = ?, directory = ?, filename = ?"
            " WHERE id = ? AND location = ?",
            row,
        )
        if cursor.rowcount != 1:
            raise ValidationError(_CHANGED_WHILE_PLANNING)


@journalled
def relocate_tracks(
    old_prefix: str | os.PathLike[str],
    new_prefix: str | os.PathLike[str],
    *,
    dry_run: bool = False,
    force: bool = False,
    allow_missing: bool = False,
) -> WriteResult[RelocationPlan]:
    """Move every track under the folder ``old_prefix`` to ``new_prefix``; ``value`` is the plan.

    Rewrites ``location``, ``directory`` and ``filename`` together and updates
    ``directories``. A target path that another track has already is a collision: a dry
    run lists them; a real run raises RelocateCollisionError and writes nothing. A target
    file that does not exist (a typo in ``new_prefix`` makes every track "missing") is
    refused with RelocateMissingTargetsError unless ``allow_missing``; the plan counts the
    targets on disk. Raises ValidationError, MixxxRunningError, ReadOnlyError,
    DatabaseBusyError.
    """
    library = current_library()
    old = _normalise_prefix(old_prefix, "old prefix")
    typed = _normalise_prefix(new_prefix, "new prefix")
    if not typed.startswith("/") and not _DRIVE.match(typed):
        typed = os.path.abspath(typed).replace(os.sep, "/")  # Mixxx stores absolute paths
    new = _as_mixxx_stores(typed)
    if old == new:
        raise ValidationError(f"old and new prefix are the same: {old}")
    touches = [("track_locations", c) for c in ("location", "directory", "filename")]
    touches.append(("directories", "directory"))
    require_columns(library, touches)
    plan = _plan_relocation(old, new)
    result = WriteResult("relocate-tracks", dry_run=dry_run, value=plan)
    result.counts = {"tracks": len(plan.moves), "targets on disk": plan.targets_present,
                     "collisions": len(plan.collisions),
                     "directories": len(plan.directories)}  # fmt: skip
    result.changes = [f"{o} -> {n}" for _, o, n in plan.moves]
    result.changes += [f"directory {o} -> {n}" for o, n in plan.directories]
    if not result.changes:
        result.keep(f"no track or folder is under {old}")
    elif new != typed:
        result.notes.append(f"{typed} is written as {new}: the Unicode form of its name on disk")
    if plan.collisions:
        taken = len(plan.collisions)
        result.notes.append(
            f"{plural(taken, 'target path')} {'belongs' if taken == 1 else 'belong'} to other "
            "tracks already; relocation refused"
        )
    missing = plan.missing_targets
    if missing:
        result.notes.append(
            f"{len(missing):,} of {len(plan.moves):,} target files do not exist, e.g. "
            f"{missing[0]}" + ("" if allow_missing else "; --allow-missing relocates anyway")
        )
    result.notes.extend(guard_notes(TRACK_DATA, force=force, dry_run=dry_run))
    if dry_run:
        return result
    if missing and not allow_missing:
        raise RelocateMissingTargetsError(
            f"{len(missing):,} of {len(plan.moves):,} target files do not exist (e.g. "
            f"{missing[0]}): is {new} right? Nothing written; --allow-missing relocates anyway",
            plan,
        )
    if plan.collisions:
        first = plan.collisions[0]
        raise RelocateCollisionError(
            f"{plural(len(plan.collisions), 'track')} would collide with tracks already at the "
            "target, "
            f"e.g. {first[1]} -> {first[2]}; nothing written",
            plan,
        )
    if not plan.moves and not plan.directories:
        return result
    # In old-path order: a prefix swap keeps that order, so the UNIQUE(location) index is
    # updated page by page instead of at random (about 3x shorter lock at 100,000 paths).
    rows = sorted(((n, *_split(n), i, o) for i, o, n in plan.moves), key=lambda r: r[4])
    # One UPDATE over the UNIQUE(location) index range instead of 100,000 single-row updates.
    by_range = plan.consistent and old != "/" and sqlite3.sqlite_version_info >= (3, 35)
    existing_dirs = {
        d for (d,) in execute("SELECT directory FROM directories").fetchall()
    } if plan.directories else set()  # fmt: skip
    planned = {r[3] for r in rows if r[4] != plan.old_prefix} if by_range else set()
    exact_rows = [r for r in rows if r[4] == plan.old_prefix] if by_range else []
    in_list = "id IN (SELECT value FROM json_each(?))"
    known = known_updates(
        "track_locations",
        ("location", "directory", "filename"),
        ((i, (o, *_split(o)), (n, *_split(n))) for i, o, n in plan.moves),
    ) if by_range else None  # fmt: skip
    try:
        with large_page_cache(), write_transaction(touches):
            cursor = raw_connection().cursor()
            # Journalled set-wise: the range's images come from the plan (its rows are
            # consistent: directory and filename follow location); else a copy by id.
            listed = json.dumps([r[3] for r in rows])
            with bulk_write("track_locations", in_list, (listed,), known=known):
                if by_range:
                    _relocate_by_range(cursor, plan, planned, exact_rows)
                else:
                    cursor.executemany(
                        "UPDATE track_locations SET location = ?, directory = ?, filename = ?"
                        " WHERE id = ? AND location = ?",
                        rows,
                    )
                    if cursor.rowcount != len(rows):
                        raise ValidationError(_CHANGED_WHILE_PLANNING)
            for old_dir, new_dir in plan.directories:
                if new_dir in existing_dirs:
                    cursor.execute("DELETE FROM directories WHERE directory = ?", (old_dir,))
                else:
                    cursor.execute(
                        "UPDATE directories SET directory = ? WHERE directory = ?",
                        (new_dir, old_dir),
                    )
    except (peewee.IntegrityError, sqlite3.IntegrityError) as exc:
        raise ValidationError(
            f"relocation refused by the database ({exc}); nothing written"
        ) from None
    return result
