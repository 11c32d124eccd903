"""The positions of a playlist's entries: reading them in order, checking they are 1..n,
renumbering, making room and inserting at a position, removing entries and closing up.

Positions are 1..n after every playlist operation and the entries it does not touch keep
their order; a file whose positions have gaps or repeats (another tool's doing) is
renumbered in the stored order. Call these inside the operation's transaction.
"""

from __future__ import annotations

from typing import Any

from peewee import SQL
from peewee import Case
from peewee import fn

from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import chunked
from mixxx_peewee.journal.capture import bulk_update
from mixxx_peewee.models import PlaylistTrack

__all__ = [
    "NOW",
    "STORED_ORDER",
    "contiguous_count",
    "ensure_positions",
    "entries_among",
    "entries_of",
    "entry_tracks",
    "insert_entries",
    "remove_entries",
    "renumber",
    "set_positions",
]

_RANGE_SHIFTS = 50  # up to this many removed positions: one UPDATE per gap, else renumber all
_PAIRS_PER_UPDATE = 300  # 3 parameters a pair (CASE id WHEN ? THEN ?, IN ?)
NOW = SQL("CURRENT_TIMESTAMP")
STORED_ORDER = (PlaylistTrack.position.is_null(), PlaylistTrack.position, PlaylistTrack.id)


def entries_of(playlist_id: int) -> Any:
    """The entries of a playlist, in their stored order."""
    return PlaylistTrack.select().where(PlaylistTrack.playlist == playlist_id)


def renumber(playlist_id: int) -> None:
    """Set positions 1..n in the stored order, writing only the rows that change."""
    stored = entries_of(playlist_id).select(PlaylistTrack.id, PlaylistTrack.position)
    rows = stored_rows(stored.order_by(*STORED_ORDER))
    set_positions([(entry, i) for i, (entry, pos) in enumerate(rows, 1) if pos != i])


def set_positions(changes: list[tuple[int, int]]) -> None:
    """Give each entry of ``changes`` (``(entry id, new position)``) its position."""
    for part in chunked(changes, _PAIRS_PER_UPDATE):
        PlaylistTrack.update(position=Case(PlaylistTrack.id, part)).where(
            PlaylistTrack.id.in_([entry for entry, _ in part])
        ).execute()


def ensure_positions(playlist_id: int) -> bool:
    """Renumber a playlist's entries 1..n in stored order when they are not; whether it did.

    Call inside a write transaction (undo uses it after a partial revert).
    """
    if contiguous_count(playlist_id) is not None:
        return False
    renumber(playlist_id)
    return True


def insert_entries(playlist_id: int, ids: list[int], at: int) -> None:
    """Insert entries for ``ids`` at positions ``at``, ``at + 1``, … (the room is made)."""
    run_for_each(_new_entry, [(playlist_id, track, at + i) for i, track in enumerate(ids)])


def _new_entry(playlist_id: int, track_id: int, position: int) -> Any:
    return PlaylistTrack.insert(
        playlist=playlist_id, track=track_id, position=position, pl_datetime_added=NOW
    )


def entries_among(playlist_id: int, ids: list[int]) -> set[int]:
    """Those of ``ids`` that have an entry in the playlist already."""

    def entries(in_list: Any) -> Any:
        return PlaylistTrack.select(PlaylistTrack.track).where(
            (PlaylistTrack.playlist == playlist_id) & PlaylistTrack.track.in_(in_list)
        )

    return {track for (track,) in for_each_chunk(entries, sorted(set(ids)))}


def remove_entries(
    playlist_id: int, positions: list[int], doomed: list[int], total: int, contiguous: bool
) -> None:
    """Delete the entries ``doomed`` at the (sorted, unique) 1-based ``positions`` of ``total``
    and renumber the rest."""
    for_each_chunk(
        lambda in_list: PlaylistTrack.delete().where(PlaylistTrack.id.in_(in_list)), doomed
    )
    if not contiguous or len(positions) > _RANGE_SHIFTS:
        renumber(playlist_id)
        return
    # Rows between the i-th and (i+1)-th removed positions move up by i.
    bounds = [*positions, total + 1]
    for i in range(len(positions)):
        if bounds[i] + 1 < bounds[i + 1]:
            # Journalled set-wise (bench row "remove a track mid-playlist").
            bulk_update(
                "PlaylistTracks",
                {"position": f"position - {i + 1}"},
                "playlist_id = ? AND position > ? AND position < ?",
                (playlist_id, bounds[i], bounds[i + 1]),
                last=True,  # each gap's rows move once
            )


def contiguous_count(playlist_id: int) -> int | None:
    """The entry count when the stored positions are exactly the integers 1..n, else None."""
    position = PlaylistTrack.position
    query = entries_of(playlist_id).select(
        fn.COUNT(SQL("*")), fn.MIN(position), fn.MAX(position), fn.COUNT(position.distinct()),
        fn.TOTAL(fn.TYPEOF(position) == "integer"),
    )  # fmt: skip
    ((count, low, high, distinct, integers),) = stored_rows(query)
    if count and low == 1 and high == count == distinct == integers:
        return int(count)
    return None


def entry_tracks(playlist_id: int) -> list[tuple[int, int]]:
    """``(entry id, track id)`` in playlist order (index + 1 = position)."""
    query = entries_of(playlist_id).select(PlaylistTrack.id, PlaylistTrack.track)
    return [(r[0], r[1]) for r in stored_rows(query.order_by(*STORED_ORDER))]
