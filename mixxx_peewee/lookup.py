"""Finding rows: tracks by id (with their location), playlists and crates by id or name.

One rule for every "id or name" argument of the package (functions, filters, commands):
an int, or a string of digits, is an id first; when no row has that id, a string is looked
up as an exact name. Playlists that are not a user's (2.5's ``historyPlaceholder``, hidden
= -1) are never found.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

import peewee

from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.connection import translate_sqlite_error
from mixxx_peewee.core.values import chunked
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import CrateNotFoundError
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import PlaylistNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import current_library
from mixxx_peewee.models import Crate
from mixxx_peewee.models import MixxxModel
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation

__all__ = [
    "PLAYLIST_KINDS",
    "get_crate",
    "get_playlist",
    "joined_tracks",
    "resolve",
    "run_query",
    "tracks_by_ids",
]

# Playlists.hidden -> kind; other values (2.5's placeholder, -1) are no user playlist.
PLAYLIST_KINDS = {0: "normal", 1: "autodj", 2: "history"}

M = TypeVar("M", bound=MixxxModel)
R = TypeVar("R")


def run_query(action: Callable[[], R]) -> R:
    """Run a peewee read, its SQLite errors translated to our one-line errors."""
    library = current_library()
    try:
        return action()
    except peewee.OperationalError as exc:
        raise translate_sqlite_error(exc, library.path) from None


def resolve(
    model: type[M],
    id_or_name: object,
    error: type[NotFoundError],
    what: str,
    visible: Callable[[M], bool] = lambda row: True,
) -> M:
    """The row of ``model`` with that id (int or digits) or exact name; raises ``error``.

    Digits are an id first; when no row has that id they are looked up as a name.
    """
    if isinstance(id_or_name, model):
        id_or_name = id_or_name.id
    row_id = parse_id(id_or_name)
    with read_transaction():
        row = None
        if row_id is not None and is_row_id(row_id):
            row = model.get_or_none(model.id == row_id)
        hint = ""
        if row is None and isinstance(id_or_name, str):
            # Digits that are no id may still be a name ("2024").
            row = model.select().where(model.name == id_or_name).order_by(model.id).first()
            if row is None:
                row, hint = _by_other_form(model, id_or_name, visible)
        elif row_id is None:
            raise ValidationError(f"{what} must be an id or a name, not {id_or_name!r}")
    if row is None or not visible(row):
        raise error(f"no {what} {id_or_name!r}{hint}")
    return row


def _by_other_form(model: type[M], name: str, visible: Callable[[M], bool]) -> tuple[M | None, str]:
    """The row whose name is ``name`` in another Unicode form (NFC/NFD), or None and a
    "did you mean" hint for names equal but for case."""
    wanted = unicodedata.normalize("NFC", name)
    folded = wanted.casefold()
    same, alike = [], []
    for row in model.select().order_by(model.id):
        if not isinstance(row.name, str) or not visible(row):
            continue
        composed = unicodedata.normalize("NFC", row.name)
        if composed == wanted:
            same.append(row)
        elif composed.casefold() == folded:
            alike.append(row)
    if same:
        return same[0], ""
    if alike:
        names = " or ".join(repr(r.name) for r in alike[:3])
        return None, f"; did you mean {names}? (names are case-sensitive)"
    return None, ""


def _is_user_playlist(row: Playlist) -> bool:
    return row.hidden in PLAYLIST_KINDS


def get_playlist(id_or_name: int | str | Playlist) -> Playlist:
    """The playlist with that id (int or digits) or exact name; raises PlaylistNotFoundError."""
    return resolve(Playlist, id_or_name, PlaylistNotFoundError, "playlist", _is_user_playlist)


def get_crate(id_or_name: int | str | Crate) -> Crate:
    """The crate with that id (int or digits) or exact name; raises CrateNotFoundError."""
    return resolve(Crate, id_or_name, CrateNotFoundError, "crate")


def joined_tracks() -> Any:
    """``Track`` select with its ``track_locations`` row joined (``track.path`` is free)."""
    return Track.select(Track, TrackLocation).join(
        TrackLocation, on=(Track.location == TrackLocation.id), attr="location"
    )


def tracks_by_ids(track_ids: Sequence[int]) -> dict[int, Track]:
    """``{id: Track}`` (location joined) for those ids that exist, in bounded chunked reads."""
    unique = sorted({i for i in track_ids if is_row_id(i)})
    found: dict[int, Track] = {}
    for part in chunked(unique):
        query = joined_tracks().where(Track.id.in_(list(part)))
        # One complete statement per chunk: each read ends before the next begins.
        rows: list[Track] = run_query(lambda q=query: list(q))  # type: ignore[misc]
        found.update((t.id, t) for t in rows)
    return found
