"""The original SQLAlchemy design's API, session first, on top of this package.

Code written for it moves over by changing one import line::

    from mixxx_peewee.compat import get_session, create_playlist, add_track_to_playlist

    with get_session("~/.mixxx/mixxxdb.sqlite") as session:
        playlist = create_playlist(session, "Friday")
        add_track_to_playlist(session, playlist.id, 42)
        session.commit()

Each function keeps its original signature (the session first) and return type (see the
README's migration table). The differences are honest ones: every call is its own short
``BEGIN IMMEDIATE`` transaction, committed when it returns, so ``session.commit()`` has
nothing left to do and ``session.rollback()`` cannot take a finished call back; and the
rows are this package's peewee models, whose fields have the same names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import open_library
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.models import Crate
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.tracks import edits as trackedits
from mixxx_peewee.tracks import locations
from mixxx_peewee.tracks import reads as trackreads
from mixxx_peewee.trackset import crates
from mixxx_peewee.trackset import playlists

__all__ = [
    "Session",
    "add_track_to_crate",
    "add_track_to_playlist",
    "create_crate",
    "create_playlist",
    "get_crate_tracks",
    "get_playlist_tracks",
    "get_session",
    "get_track_by_id",
    "get_track_by_location",
    "list_crates",
    "list_playlists",
    "query_tracks",
    "remove_track_from_crate",
    "remove_track_from_playlist",
    "update_track",
]


@dataclass
class Session:
    """The open library, in the shape of the original design's session."""

    library: MixxxLibrary

    def commit(self) -> None:
        """Nothing to do: every call committed its own transaction when it returned."""

    def rollback(self) -> None:
        """Nothing to do: a failed call already rolled back everything it began."""

    def close(self) -> None:
        """Close the library."""
        self.library.close()


@contextmanager
def get_session(db_path: str | os.PathLike[str] | None = None) -> Iterator[Session]:
    """Open the library at ``db_path`` (else ``$MIXXX_DB``, else Mixxx's) for the block."""
    library = open_library(db_path)
    try:
        yield Session(library)
    finally:
        library.close()


def query_tracks(
    session: Session,
    *,
    artist: str | None = None,
    title: str | None = None,
    album: str | None = None,
    genre: str | None = None,
    bpm_range: tuple[float | None, float | None] | None = None,
    key: str | int | None = None,
    limit: int | None = None,
) -> list[Track]:
    """Visible tracks matching every given filter (case- and accent-insensitive contains)."""
    return trackreads.query_tracks(
        artist=artist,
        title=title,
        album=album,
        genre=genre,
        bpm_range=bpm_range,
        key=key,
        limit=limit,
    )


def get_track_by_id(session: Session, track_id: int) -> Track | None:
    """The track with that id, or None."""
    try:
        return trackreads.get_track_by_id(track_id)
    except TrackNotFoundError:
        return None


def get_track_by_location(session: Session, location: str | os.PathLike[str]) -> Track | None:
    """The track stored at that path (symlinks unresolved, as Mixxx stores them), or None."""
    return locations.get_track_by_location(location)


def list_playlists(session: Session, *, include_hidden: bool = False) -> list[Playlist]:
    """User playlists in sidebar order; Auto DJ and history too with ``include_hidden``."""
    listed = playlists.list_playlists(include_hidden=include_hidden)
    return [get_playlist(row["id"]) for row in listed]


def get_playlist_tracks(session: Session, playlist_id: int) -> list[Any]:
    """The playlist's tracks in order (each with ``position`` and ``pl_datetime_added``)."""
    return list(playlists.get_playlist_tracks(playlist_id))


def list_crates(session: Session, *, include_hidden: bool = False) -> list[Crate]:
    """Every crate, by name."""
    return [get_crate(row["id"]) for row in crates.list_crates(include_hidden=include_hidden)]


def get_crate_tracks(session: Session, crate_id: int) -> list[Any]:
    """The crate's visible tracks, by id."""
    return list(crates.get_crate_tracks(crate_id))


def update_track(session: Session, track_id: int, **fields: Any) -> Track:
    """Set editable fields of a track and return it as stored now."""
    trackedits.update_track(track_id, **fields)
    return trackreads.get_track_by_id(track_id)


def create_playlist(session: Session, name: str) -> Playlist:
    """Create a playlist after the last one and return it."""
    return get_playlist(playlists.create_playlist(name).value)


def add_track_to_playlist(
    session: Session, playlist_id: int, track_id: int, position: int | None = None
) -> PlaylistTrack:
    """Append a track (or insert it at 1-based ``position``) and return the new entry."""
    playlists.add_track_to_playlist(playlist_id, track_id, position=position)
    entry: PlaylistTrack = (
        PlaylistTrack.select()
        .where((PlaylistTrack.playlist == playlist_id) & (PlaylistTrack.track == track_id))
        .order_by(PlaylistTrack.id.desc())
        .get()
    )
    return entry


def remove_track_from_playlist(session: Session, playlist_id: int, track_id: int) -> bool:
    """Remove every occurrence of the track; whether there was one."""
    return playlists.remove_track_from_playlist(playlist_id, track_id).counts["removed"] > 0


def create_crate(session: Session, name: str) -> Crate:
    """Create a crate and return it."""
    return get_crate(crates.create_crate(name).value)


def add_track_to_crate(session: Session, crate_id: int, track_id: int) -> bool:
    """Add a track to a crate; whether it was new there."""
    return crates.add_track_to_crate(crate_id, track_id).counts["added"] > 0


def remove_track_from_crate(session: Session, crate_id: int, track_id: int) -> bool:
    """Remove a track from a crate; whether it was a member."""
    return crates.remove_track_from_crate(crate_id, track_id).counts["removed"] > 0
