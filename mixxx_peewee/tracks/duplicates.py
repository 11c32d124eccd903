"""Likely duplicate tracks: the same recording imported twice.

Two rules, each a sort of the library's rows read in one statement (no query per track):

- **artist and title**: the same artist and title, ignoring case, accents, spacing and an
  ``(Original Mix)``-style suffix, with durations within a tolerance. The suffix is the
  one label download stores add to a title that means "not a remix": ``Track`` and
  ``Track (Original Mix)`` are the same recording. Other mix names (``Extended Mix``,
  ``Radio Edit``, ``Dub``) name other recordings and are kept; their durations differ too.
  Tracks without a title are never matched by this rule (an empty title says nothing).
- **file size and duration**: the same number of bytes and durations within the
  tolerance: the same file copied under another name.

Tracks matched by either rule, directly or through a chain of matches, form one group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.sqlfunctions import fold_text
from mixxx_peewee.errors import ValidationError

__all__ = ["BY_NAME", "BY_SIZE", "DuplicateGroup", "find_duplicates", "match_key"]

BY_NAME = "artist+title"
BY_SIZE = "size+duration"

# "(Original Mix)", "[Original Version]", " - Original Mix" at the end of a title.
_ORIGINAL = re.compile(r"\s*(?:[(\[]\s*original(?: mix| version)?\s*[)\]]|-\s+original mix)\s*$")


@dataclass(frozen=True)
class DuplicateGroup:
    """Tracks that are likely the same recording: ``track_ids`` by id, and why."""

    group: int
    reasons: tuple[str, ...]
    track_ids: tuple[int, ...]

    @property
    def reason(self) -> str:
        """The rules that matched, as one text (``artist+title, size+duration``)."""
        return ", ".join(self.reasons)


def match_key(artist: str | None, title: str | None) -> tuple[str, str] | None:
    """``(artist, title)`` as the artist+title rule compares them; None without a title."""
    folded_title = " ".join(fold_text(title or "").split())
    if "original" in folded_title:
        folded_title = _ORIGINAL.sub("", folded_title).strip()
    if not folded_title:
        return None
    return " ".join(fold_text(artist or "").split()), folded_title


class _Groups:
    """Union-find over track ids, remembering which rule joined each set."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.reasons: dict[int, set[str]] = {}

    def find(self, item: int) -> int:
        parent = self.parent.setdefault(item, item)
        while parent != item:
            grand = self.parent.setdefault(parent, parent)
            self.parent[item] = grand
            item, parent = parent, grand
        return item

    def join(self, a: int, b: int, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            self.reasons.setdefault(ra, set()).update(self.reasons.pop(rb, set()))
        self.reasons.setdefault(ra, set()).add(reason)


def _chain(buckets: dict[Any, list[tuple[float, int]]], tolerance: float, reason: str,
           into: _Groups) -> None:  # fmt: skip
    """Join the tracks of each bucket whose durations are within ``tolerance`` in a row."""
    for rows in buckets.values():
        if len(rows) < 2:
            continue  # most buckets: one track, nothing to sort
        rows.sort()
        for (before, first), (after, second) in pairwise(rows):
            if after - before <= tolerance:
                into.join(first, second, reason)


def _duration(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


# One read of the few columns both rules need (bench row "tracks duplicates").
_ROWS_SQL = (
    "SELECT library.id, library.artist, library.title, library.duration, "
    "track_locations.filesize FROM library JOIN track_locations "
    "ON library.location = track_locations.id"
)


def find_duplicates(
    *,
    tolerance: float = 2.0,
    hidden: bool | None = False,
    rules: Iterable[str] = (BY_NAME, BY_SIZE),
) -> list[DuplicateGroup]:
    """Groups of likely duplicates (see the module docstring), by their first track id.

    ``tolerance``: seconds two durations may differ. ``hidden``: False (default) only
    visible tracks, True only hidden ones, None both. ``rules``: :data:`BY_NAME`,
    :data:`BY_SIZE` or both. Raises LibraryNotOpenError, ValidationError.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise ValidationError(f"tolerance must be a number of seconds, not {tolerance!r}")
    if not 0 <= tolerance < float("inf"):
        raise ValidationError(f"tolerance must be 0 or more seconds, not {tolerance!r}")
    chosen = set(rules)
    unknown = chosen - {BY_NAME, BY_SIZE}
    if unknown or not chosen:
        raise ValidationError(f"rules are {BY_NAME!r} and {BY_SIZE!r}, not {sorted(unknown)!r}")
    sql, params = _ROWS_SQL, []
    if hidden is not None:
        sql += " WHERE coalesce(library.mixxx_deleted, 0) = ?"
        params.append(1 if hidden else 0)
    # Buckets by key (a dict, not a sort of every row): only shared keys are compared.
    by_name: dict[Any, list[tuple[float, int]]] = {}
    by_size: dict[Any, list[tuple[float, int]]] = {}
    names, sizes = BY_NAME in chosen, BY_SIZE in chosen
    for track_id, artist, title, duration, filesize in execute(sql, params).fetchall():
        seconds = _duration(duration)
        if seconds is None:
            continue  # no length: nothing to compare
        if names:
            key = match_key(artist, title)
            if key is not None:
                by_name.setdefault(key, []).append((seconds, track_id))
        if sizes and isinstance(filesize, int) and filesize > 0:
            by_size.setdefault(filesize, []).append((seconds, track_id))
    groups = _Groups()
    _chain(by_name, tolerance, BY_NAME, groups)
    _chain(by_size, tolerance, BY_SIZE, groups)
    members: dict[int, list[int]] = {}
    for track_id in groups.parent:
        members.setdefault(groups.find(track_id), []).append(track_id)
    ordered = sorted((sorted(ids), root) for root, ids in members.items())
    order = (BY_NAME, BY_SIZE)
    return [
        DuplicateGroup(
            n, tuple(r for r in order if r in groups.reasons.get(root, set())), tuple(ids)
        )
        for n, (ids, root) in enumerate(ordered, 1)
    ]
