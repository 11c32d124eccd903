"""A playlist's order changed in place: sort by track columns, shuffle, reverse, dedupe.

Each is one journalled transaction that rewrites positions to 1..n (only the entries
whose position changes are written) and keeps every entry (its id, its
``pl_datetime_added``), except :func:`dedupe_playlist`, which removes the later entries
of a track that is in the playlist more than once and keeps its first. Positions that
were not 1..n (another tool's doing) are read in the stored order, as every playlist
write does. What Mixxx does beside it, following :mod:`mixxx_peewee.trackset.playlists`:

- Mixxx re-reads a playlist's entries when it shows them, so a running Mixxx is no
  reason to refuse (like ``move_playlist_track``): no running-Mixxx guard.
- A history playlist (``hidden = 2``) records what was played, in the order it was
  played: reordering or deduplicating it falsifies that record, so it is refused unless
  ``force_history=True`` (the rule of every playlist change). Auto DJ (``hidden = 1``)
  is a queue: reordering it is what a DJ wants, so it is allowed.
- A locked playlist is refused (LockedError).

Sorting uses the collation of every listing (:func:`mixxx_peewee.tracks.filters.sort_order`:
text case- and accent-insensitive, keys harmonically, tracks without a value last) and
is stable: entries with equal keys keep their current order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from collections.abc import Sequence

from peewee import JOIN

from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.filters import order_terms
from mixxx_peewee.tracks.filters import sort_order
from mixxx_peewee.trackset.membership import planned_write
from mixxx_peewee.trackset.playlists import _ENTRY_TOUCHES
from mixxx_peewee.trackset.playlists import _label
from mixxx_peewee.trackset.playlists import _writable
from mixxx_peewee.trackset.positions import STORED_ORDER
from mixxx_peewee.trackset.positions import entry_tracks
from mixxx_peewee.trackset.positions import set_positions

__all__ = ["dedupe_playlist", "reverse_playlist", "shuffle_playlist", "sort_playlist"]

PlaylistLike = int | str | Playlist
Entries = list[tuple[int, int]]  # (entry id, track id) in playlist order


def _reorder(
    operation: str,
    playlist: PlaylistLike,
    new_order: Callable[[int, Entries], Entries],
    *,
    force_history: bool,
    dry_run: bool,
    dedupe: bool = False,
) -> WriteResult[int]:
    """Give the playlist's entries the order ``new_order(playlist id, entries)`` returns
    (with ``dedupe``, a subset of them: the rest are removed), positions 1..n, in one
    write."""
    result: WriteResult[int] = WriteResult(operation, dry_run)
    with planned_write(dry_run, _ENTRY_TOUCHES):
        row = _writable(playlist, force_history)
        query = PlaylistTrack.select(PlaylistTrack.id, PlaylistTrack.position).where(
            PlaylistTrack.playlist == row.id
        )
        stored = dict(stored_rows(query))  # entry id -> its stored position
        entries = entry_tracks(row.id)
        ordered = new_order(row.id, entries)
        kept = {entry for entry, _ in ordered}
        if not dedupe and (len(ordered) != len(entries) or len(kept) != len(entries)):
            # A reorder never loses an entry (a join that dropped one would).
            raise ValidationError(f"{_label(row)}: the new order lost entries; nothing written")
        removed = [(at, e, t) for at, (e, t) in enumerate(entries, 1) if e not in kept]
        was = {entry: at for at, (entry, _) in enumerate(entries, 1)}
        moves = [(e, t, at) for at, (e, t) in enumerate(ordered, 1) if stored[e] != at]
        if not dry_run:
            for_each_chunk(
                lambda in_list: PlaylistTrack.delete().where(PlaylistTrack.id.in_(in_list)),
                [e for _, e, _ in removed],
            )
            set_positions([(e, at) for e, _, at in moves])
    label = _label(row)
    for at, _, track in removed:
        result.add(f"{label}: remove track {track} at position {at} (a repeat)")
    for entry, track, at in [] if dedupe else moves:
        if was[entry] != at:
            result.add(f"{label}: track {track} position {was[entry]} -> {at}")
    if moves and not dedupe and len(result.changes) == len(removed):
        result.add(f"{label}: renumber the entries 1..{len(ordered)} (they were not), in order")
    result.value = int(row.id)
    if removed:
        result.count("removed", len(removed))
    moved = 0 if dedupe else sum(1 for entry, _, at in moves if was[entry] != at)
    if moved:
        result.count("moved", moved)
    if not result.changes:
        already = "has no repeats" if dedupe else "is in this order already"
        result.keep(f"{label} {already} ({plural(len(entries), 'entry')})")
    return result


def _sorted_entries(playlist_id: int, by: str | Sequence[str], descending: bool) -> Entries:
    """The playlist's entries ordered by ``by`` (track columns), equal keys as they are."""
    sorting = sort_order(by, descending)
    keys = sorting.keys or [(Track.id, sorting.descending)]
    query = (
        PlaylistTrack.select(PlaylistTrack.id, PlaylistTrack.track)
        .join(Track, JOIN.LEFT_OUTER, on=(PlaylistTrack.track == Track.id))
        .join(TrackLocation, JOIN.LEFT_OUTER, on=(Track.location == TrackLocation.id))
        .where(PlaylistTrack.playlist == playlist_id)
    )
    # Stable: after the keys, the current (stored) order.
    terms = order_terms(keys, PlaylistTrack.id, tie_descending=False)[:-1]
    return [(r[0], r[1]) for r in stored_rows(query.order_by(*terms, *STORED_ORDER))]


@journalled
def sort_playlist(
    playlist: PlaylistLike,
    by: str | Sequence[str],
    *,
    descending: bool = False,
    force_history: bool = False,
    dry_run: bool = False,
) -> WriteResult[int]:
    """Sort a playlist's entries by track columns, in place (positions 1..n).

    ``by``: one column, several (``"bpm,-rating"`` or ``["bpm", "-rating"]``: a leading
    ``-`` sorts that key descending), with the collation of every listing; entries with
    equal keys keep their order. ``descending`` turns every key round. Raises
    PlaylistNotFoundError, LockedError (locked or history), ValidationError (a sort key).
    """
    sort_order(by, descending)  # a bad key is an error before anything is read
    if isinstance(by, str) and not by.strip():
        raise ValidationError("give a sort key, e.g. bpm or bpm,-rating")
    return _reorder(
        "sort_playlist",
        playlist,
        lambda playlist_id, _: _sorted_entries(playlist_id, by, descending),
        force_history=force_history,
        dry_run=dry_run,
    )


@journalled
def shuffle_playlist(
    playlist: PlaylistLike,
    *,
    seed: int | None = None,
    force_history: bool = False,
    dry_run: bool = False,
) -> WriteResult[int]:
    """Shuffle a playlist's entries in place; the same ``seed`` gives the same order.

    Raises PlaylistNotFoundError, LockedError (locked or history), ValidationError.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValidationError(f"seed must be a whole number, not {seed!r}")

    def shuffled(_: int, entries: Entries) -> Entries:
        order = list(entries)
        random.Random(seed).shuffle(order)
        return order

    return _reorder(
        "shuffle_playlist", playlist, shuffled, force_history=force_history, dry_run=dry_run
    )


@journalled
def reverse_playlist(
    playlist: PlaylistLike, *, force_history: bool = False, dry_run: bool = False
) -> WriteResult[int]:
    """Reverse a playlist's order in place. Raises PlaylistNotFoundError, LockedError."""
    return _reorder(
        "reverse_playlist",
        playlist,
        lambda _, entries: entries[::-1],
        force_history=force_history,
        dry_run=dry_run,
    )


@journalled
def dedupe_playlist(
    playlist: PlaylistLike, *, force_history: bool = False, dry_run: bool = False
) -> WriteResult[int]:
    """Remove the repeats of a playlist: each track keeps its first entry, the rest close up.

    Raises PlaylistNotFoundError, LockedError (locked or history).
    """

    def firsts(_: int, entries: Entries) -> Entries:
        seen: set[int] = set()
        kept = []
        for entry, track in entries:
            if track not in seen:
                seen.add(track)
                kept.append((entry, track))
        return kept

    return _reorder(
        "dedupe_playlist",
        playlist,
        firsts,
        force_history=force_history,
        dry_run=dry_run,
        dedupe=True,
    )
