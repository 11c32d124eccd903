"""Where a track is used: its crates and its playlist entries (with running positions).

``tracks show`` lists these beside the track's columns and cues. Positions are the entry's
place in the playlist's running order (as ``playlists show`` numbers them), found by one
window query over the playlists that hold the track, never a read of each playlist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import peewee
from peewee import fn

from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.lookup import PLAYLIST_KINDS
from mixxx_peewee.lookup import run_query
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_id_of

__all__ = ["PlaylistUse", "TrackUsage", "track_crate_names", "track_usage"]


@dataclass(frozen=True)
class PlaylistUse:
    """A playlist holding the track: its id, name, kind and the track's 1-based positions."""

    id: int
    name: str
    kind: str
    positions: tuple[int, ...]


@dataclass(frozen=True)
class TrackUsage:
    """The crates (``(id, name)``, by name) and playlists (by name) that hold a track."""

    crates: list[tuple[int, str]] = field(default_factory=list)
    playlists: list[PlaylistUse] = field(default_factory=list)


def track_usage(track: TrackLike) -> TrackUsage:
    """The crates and playlists (Auto DJ and history too) that hold ``track``.

    ``track``: a Track, an id or a path as Mixxx stores it (:data:`TrackLike`). A track in a
    playlist twice has two positions. Raises LibraryNotOpenError, TrackNotFoundError (a path
    no track has).
    """
    track_id = track_id_of(track)
    crates = (
        Crate.select(Crate.id, Crate.name)
        .join(CrateTrack, on=(CrateTrack.crate == Crate.id))
        .where(CrateTrack.track == track_id)
        .order_by(fn.LOWER(Crate.name), Crate.id)
    )
    holding = PlaylistTrack.select(PlaylistTrack.playlist).where(PlaylistTrack.track == track_id)
    # Mixxx's stored order (position, none last, then entry id), numbered 1..n.
    running = fn.ROW_NUMBER().over(
        partition_by=[PlaylistTrack.playlist],
        order_by=[fn.COALESCE(PlaylistTrack.position, 2**62), PlaylistTrack.id],
    )
    entries = PlaylistTrack.select(
        PlaylistTrack.playlist.alias("playlist_id"),
        PlaylistTrack.track.alias("track_id"),
        running.alias("n"),
    ).where(PlaylistTrack.playlist.in_(holding))
    numbered = entries.cte("numbered")
    places = (
        Playlist.select(Playlist.id, Playlist.name, Playlist.hidden, numbered.c.n)
        .join(numbered, on=(numbered.c.playlist_id == Playlist.id))
        .where(numbered.c.track_id == track_id)
        .order_by(fn.LOWER(Playlist.name), Playlist.id, numbered.c.n)
        .with_cte(numbered)
    )

    def read() -> tuple[list[tuple[int, str]], list[tuple[int, str, int, int]]]:
        with read_transaction():
            return [tuple(r) for r in crates.tuples()], [tuple(r) for r in places.tuples()]

    crate_rows, place_rows = run_query(read)
    playlists: dict[int, PlaylistUse] = {}
    for playlist_id, name, hidden, position in place_rows:
        if hidden not in PLAYLIST_KINDS:
            continue  # 2.5's history placeholder: no user playlist
        found = playlists.get(playlist_id)
        positions = (*found.positions, position) if found else (position,)
        playlists[playlist_id] = PlaylistUse(playlist_id, name, PLAYLIST_KINDS[hidden], positions)
    return TrackUsage(crates=crate_rows, playlists=list(playlists.values()))


def track_crate_names(track_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """``{track id: the names of its crates, sorted}`` for ``track_ids`` (None: every track).

    One statement for all the tracks (the ids travel as one JSON parameter), so a script
    that exports thousands of tracks' crates never queries track by track. Tracks in no
    crate are left out. Raises LibraryNotOpenError.
    """
    query = (
        CrateTrack.select(CrateTrack.track, Crate.name)
        .join(Crate, on=(CrateTrack.crate == Crate.id))
        .order_by(CrateTrack.track, Crate.name)
    )
    if track_ids is not None:
        listed = json.dumps(sorted({int(i) for i in track_ids}))
        query = query.where(
            CrateTrack.track.in_(peewee.SQL("(SELECT value FROM json_each(?))", [listed]))
        )
    names: dict[int, list[str]] = {}
    for track_id, name in run_query(lambda: stored_rows(query)):
        names.setdefault(track_id, []).append(name)
    return names
