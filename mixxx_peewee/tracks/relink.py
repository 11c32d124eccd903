"""Finding moved files: each missing track searched for by name and size in given folders.

A track is missing here when no file and no link is at its path (``missing_tracks``'s
``file-gone``; a link whose target is absent is a git-annex file not fetched, not a moved
one). Each folder is walked once (symlinks followed, each real folder entered once, so a
link loop ends) into an index by file name, composed (NFC) and, with ``ignore_case``,
casefolded. A candidate has the track's file name and its ``filesize``; a dangling link
is none. Among several, the one whose duration (read from the file's header with mutagen)
is nearest the library's, then the one whose path ends most like the old one; a tie is
reported, never guessed. The path stored is the path as found, through links, in the
Unicode form on disk (composed on macOS) — as Mixxx's scanner stores it. Mixxx's own
rescan finds moved files only inside its watched folders. TRACK_DATA for the
running-Mixxx guard, as relocate.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import NamedTuple

import peewee

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.tracks.edits import require_columns
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.tracks.reads import MISSING_FILE_GONE
from mixxx_peewee.tracks.reads import missing_tracks
from mixxx_peewee.tracks.relocate import _CHANGED_WHILE_PLANNING
from mixxx_peewee.tracks.relocate import _as_mixxx_stores
from mixxx_peewee.tracks.relocate import _normalise_prefix
from mixxx_peewee.tracks.relocate import _split

__all__ = ["RelinkMove", "RelinkPlan", "RelinkUnresolved", "relink_tracks"]

_PARAMS_PER_STATEMENT = 900  # paths per IN (...) list: below SQLite's oldest limit (999)
_COLUMNS = ["id", "location_id", "location", "filesize", "duration"]


class RelinkMove(NamedTuple):
    """One track found elsewhere: its id, the path it had and the path found."""

    track_id: int
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.old} -> {self.new}"


class RelinkUnresolved(NamedTuple):
    """One missing track left as it is, and why."""

    track_id: int
    path: str
    reason: str

    def __str__(self) -> str:
        return f"track {self.track_id} {self.path}: {self.reason}"


@dataclass
class RelinkPlan:
    """What :func:`relink_tracks` found: the moves (old -> new) and the unresolved tracks."""

    folders: list[str]
    moves: list[RelinkMove] = field(default_factory=list)
    unresolved: list[RelinkUnresolved] = field(default_factory=list)
    files_seen: int = 0  # files in the walked folders (links included)
    location_ids: dict[int, int] = field(default_factory=dict, repr=False)  # track -> location

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "folders": list(self.folders),
            "moves": [m._asdict() for m in self.moves],
            "unresolved": [u._asdict() for u in self.unresolved],
            "files_seen": self.files_seen,
        }


def _name_key(name: str, ignore_case: bool) -> str:
    """A file name as the index knows it: composed, casefolded on request."""
    key = unicodedata.normalize("NFC", name)
    return unicodedata.normalize("NFC", key.casefold()) if ignore_case else key


def _storable(path: str) -> bool:
    try:
        path.encode("utf-8")  # an undecodable name (surrogate escapes) has no text to store
    except UnicodeEncodeError:
        return False
    return True


def _check_folder(folder: str | os.PathLike[str]) -> str:
    """The folder as Mixxx would store paths under it; raises ValidationError when it is none."""
    text = _normalise_prefix(folder, "folder")
    if not text.startswith("/") and os.sep == "/":
        text = os.path.abspath(text)  # not resolved: a link in the path stays as typed
    path = _as_mixxx_stores(text)
    if not os.path.isdir(path):
        what = "is not a folder" if os.path.lexists(path) else "does not exist"
        raise ValidationError(f"folder {path} {what}")
    return path


def _index_folder(
    folder: str, wanted: set[str], ignore_case: bool, index: dict[str, list[str]]
) -> int:
    """Walk ``folder`` once, adding the paths of files whose name key is ``wanted`` to
    ``index``; returns how many files it saw. Links are followed; a real folder reached
    twice (a link loop, a link to a folder seen already) is entered once, at the first path
    found (in each folder real folders before links, each in name order: the same every run).

    ``os.scandir`` rather than ``os.walk``: a folder's identity comes from its entry (inode
    and type are in the listing), so only a link costs a ``stat`` (bench row "relink").
    """
    try:
        info = os.stat(folder)
    except OSError:
        return 0
    entered = {(info.st_dev, info.st_ino)}
    pending = [(folder.rstrip("/"), info.st_dev)]
    seen = 0
    while pending:
        base, device = pending.pop()
        try:
            with os.scandir(base or "/") as listing:
                entries = sorted(listing, key=lambda e: (e.is_symlink(), e.name))
        except OSError:
            continue  # unreadable: nothing found there
        below = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # through a link; a dangling link is no folder
                link = entry.is_symlink()
                if is_folder and link:
                    target = os.stat(entry.path)
                    ident = (target.st_dev, target.st_ino)
                elif is_folder:
                    ident = (device, entry.inode())
            except OSError:
                continue
            if is_folder:
                if ident not in entered:
                    entered.add(ident)
                    below.append((f"{base}/{entry.name}", ident[0]))
                continue
            seen += 1
            key = _name_key(entry.name, ignore_case)
            if key in wanted:
                index.setdefault(key, []).append(f"{base}/{entry.name}")
        pending.extend(reversed(below))  # popped in the listing's order
    return seen


def _regular_size(path: str) -> int | None:
    """The size of the regular file at ``path`` (through links); None for a dangling link."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _header_durations(paths: list[str]) -> dict[str, float | None]:
    """Each file's duration in seconds from its header (None when mutagen cannot read it)."""
    # Imported here: only a tie on name and size reads a header, and `import mixxx_peewee`
    # stays light (mutagen is the tags library of this one feature).
    import mutagen

    found: dict[str, float | None] = {}
    for path in paths:
        try:
            audio = mutagen.File(path)
            length = getattr(getattr(audio, "info", None), "length", None)
        except Exception:  # any header mutagen cannot parse: no duration, not an error
            length = None
        found[path] = float(length) if isinstance(length, (int, float)) and length > 0 else None
    return found


def _tail_match(old: str, new: str, ignore_case: bool) -> int:
    """How many trailing path components ``old`` and ``new`` share (the file name included)."""
    count = 0
    for a, b in zip(reversed(old.split("/")), reversed(new.split("/")), strict=False):
        if _name_key(a, ignore_case) != _name_key(b, ignore_case):
            break
        count += 1
    return count


def _choose(track: dict[str, Any], found: list[str], ignore_case: bool) -> tuple[str | None, str]:
    """The path among ``found`` (same name) that is the track's file, or None and why."""
    filename = track["location"].rpartition("/")[2]
    size = track["filesize"]
    if not found:
        return None, f"no file named {filename} in the folders"
    if not isinstance(size, int) or size < 0:
        return None, "the library has no file size for it"
    sized = [p for p in found if _regular_size(p) == size]
    if not sized:
        return None, (
            f"{plural(len(found), 'file')} named {filename}, none a file of {size:,} bytes"
        )
    if len(sized) > 1:
        duration = track["duration"]
        if isinstance(duration, (int, float)) and duration > 0:
            lengths = _header_durations(sized)
            gaps = {
                p: round(abs(v - duration), 3) if v is not None else float("inf")
                for p, v in lengths.items()
            }
            nearest = min(gaps.values())
            sized = [p for p in sized if gaps[p] == nearest]
    if len(sized) > 1:
        tails = {p: _tail_match(track["location"], p, ignore_case) for p in sized}
        longest = max(tails.values())
        sized = [p for p in sized if tails[p] == longest]
    if len(sized) > 1:
        return None, f"{len(sized)} equal candidates: {', '.join(sorted(sized))}"
    return sized[0], ""


def _already_stored(paths: list[str]) -> dict[str, int]:
    """``{path: track id}`` of the paths another track has already."""
    taken: dict[str, int] = {}
    for chunk in chunked(paths, _PARAMS_PER_STATEMENT):
        marks = ",".join("?" * len(chunk))
        rows = execute(
            "SELECT tl.location, l.id FROM track_locations tl LEFT JOIN library l"
            f" ON l.location = tl.id WHERE tl.location IN ({marks})",
            chunk,
        ).fetchall()
        taken.update((p, i) for p, i in rows if i is not None)
    return taken


def _plan_relink(
    folders: list[str], ignore_case: bool, wanted_ids: set[int] | None, result: WriteResult[Any]
) -> RelinkPlan:
    plan = RelinkPlan(folders)
    missing: list[dict[str, Any]] = []
    reasons: dict[int, str] = {}
    for track, reason in missing_tracks(hidden=None, columns=_COLUMNS):
        if wanted_ids is not None and track["id"] not in wanted_ids:
            continue
        reasons[track["id"]] = reason
        if reason == MISSING_FILE_GONE and isinstance(track["location"], str):
            missing.append(track)
    for track_id in sorted((wanted_ids or set()) - {t["id"] for t in missing}):
        why = reasons.get(track_id)
        result.keep(
            f"track {track_id}: its file is there" if why is None
            else f"track {track_id}: not relinked ({why})"
        )  # fmt: skip
    keys = {_name_key(t["location"].rpartition("/")[2], ignore_case) for t in missing}
    index: dict[str, list[str]] = {}
    if missing:
        for folder in folders:
            plan.files_seen += _index_folder(folder, keys, ignore_case, index)
    chosen: dict[int, str] = {}
    for track in missing:
        key = _name_key(track["location"].rpartition("/")[2], ignore_case)
        found = [p for p in dict.fromkeys(index.get(key, [])) if _storable(p)]
        path, why = _choose(track, found, ignore_case)
        if path is None:
            plan.unresolved.append(RelinkUnresolved(track["id"], track["location"], why))
        else:
            # As found on disk; on macOS composed, as Qt gives Mixxx every name (relocate's rule).
            chosen[track["id"]] = _as_mixxx_stores(path)
    taken = _already_stored(list(chosen.values()))
    claims: dict[str, list[int]] = {}
    for track_id, path in chosen.items():
        claims.setdefault(path, []).append(track_id)
    for track in missing:
        path = chosen.get(track["id"])
        if path is None:
            continue
        others = [i for i in claims[path] if i != track["id"]]
        if path in taken:
            why = f"{path} is already in the library as id {taken[path]}"
        elif others:
            why = f"{path} is the file found for track {others[0]} too"
        else:
            plan.moves.append(RelinkMove(track["id"], track["location"], path))
            plan.location_ids[track["id"]] = track["location_id"]
            continue
        plan.unresolved.append(RelinkUnresolved(track["id"], track["location"], why))
    plan.unresolved.sort(key=lambda u: u.track_id)
    return plan


@journalled
def relink_tracks(
    folders: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    ignore_case: bool = False,
    tracks: Iterable[TrackLike] | TrackLike | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult[RelinkPlan]:
    """Find missing tracks' files in ``folders`` by name and size; ``value`` is the plan.

    ``tracks`` limits the search to these tracks (default: every track whose file is gone).
    Rewrites ``location``, ``directory`` and ``filename`` together and clears ``fs_deleted``
    for each track found; a track with no single best candidate stays as it is, listed
    with the reason in ``value.unresolved``. Raises ValidationError (a folder that does not
    exist), TrackNotFoundError, MixxxRunningError, ReadOnlyError, DatabaseBusyError.
    """
    library = current_library()
    given = [folders] if isinstance(folders, (str, os.PathLike)) else list(folders)
    if not given:
        raise ValidationError("give at least one folder to search")
    checked = list(dict.fromkeys(_check_folder(f) for f in given))
    wanted_ids = None if tracks is None else set(track_ids_of(tracks))
    touches = [("track_locations", c) for c in ("location", "directory", "filename", "fs_deleted")]
    require_columns(library, touches)
    result: WriteResult[RelinkPlan] = WriteResult("relink-tracks", dry_run=dry_run)
    plan = _plan_relink(checked, ignore_case, wanted_ids, result)
    result.value = plan
    result.counts = {"found": len(plan.moves), "unresolved": len(plan.unresolved),
                     "files searched": plan.files_seen}  # fmt: skip
    result.changes = [str(m) for m in plan.moves]
    for unresolved in plan.unresolved:  # left as they are: listed with why
        result.keep(f"unresolved: {unresolved}")
    if not plan.moves and not plan.unresolved and not result.unchanged:
        result.keep("no track's file is missing")
    result.notes.extend(guard_notes(TRACK_DATA, force=force, dry_run=dry_run))
    if dry_run or not plan.moves:
        return result
    rows = [(m.new, *_split(m.new), plan.location_ids[m.track_id], m.old) for m in plan.moves]
    listed = json.dumps([r[3] for r in rows])
    try:
        with write_transaction(touches):
            cursor = raw_connection().cursor()
            # One executemany instead of a peewee UPDATE per row: the bench row "relink
            # 10,000 missing tracks" (rows_writes) keeps the lock short with it.
            with bulk_write("track_locations", "id IN (SELECT value FROM json_each(?))", (listed,)):
                cursor.executemany(
                    "UPDATE track_locations SET location = ?, directory = ?, filename = ?,"
                    " fs_deleted = 0 WHERE id = ? AND location = ?",
                    rows,
                )
                if cursor.rowcount != len(rows):
                    raise ValidationError(_CHANGED_WHILE_PLANNING)
    except (peewee.IntegrityError, sqlite3.IntegrityError) as exc:
        raise ValidationError(f"relink refused by the database ({exc}); nothing written") from None
    return result
