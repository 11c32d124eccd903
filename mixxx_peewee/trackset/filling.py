"""Create a playlist or crate from tracks, or fill the one that exists already.

What ``playlists add --create``, ``crates add --create`` and both ``import`` commands do,
as library functions: when no playlist (crate) has the id or name ``target``, one named
``target`` is created holding the tracks; when one exists, ``existing`` says what to do —
``"refuse"`` (ValidationError, nothing written), ``"append"`` (add the tracks) or
``"replace"`` (make it hold exactly them). Each is one library call, one transaction: a
failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import Literal

from mixxx_peewee.core.results import CreateResult
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.models import Crate
from mixxx_peewee.models import Playlist
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.trackset import crates
from mixxx_peewee.trackset import playlists

__all__ = [
    "EXISTING",
    "Existing",
    "SetKind",
    "fill_crate",
    "fill_playlist",
    "fill_set",
    "playlist_kind",
]

# What to do with a playlist or crate that exists already.
Existing = Literal["refuse", "append", "replace"]
EXISTING: tuple[Existing, ...] = ("refuse", "append", "replace")


@dataclass(frozen=True)
class SetKind:
    """The operations of one kind of track set (playlist or crate) a fill calls."""

    noun: str
    find: Callable[[Any], Any]
    create: Callable[..., WriteResult]
    add: Callable[..., WriteResult]
    replace: Callable[..., WriteResult]


def playlist_kind(position: int | None, force_history: bool) -> SetKind:
    """The playlist operations a fill calls (adds at ``position``; history playlists only
    with ``force_history``)."""

    def add(row: Playlist, ids: list[int], *, dry_run: bool) -> WriteResult:
        return playlists.add_tracks_to_playlist(
            row, ids, position=position, force_history=force_history, dry_run=dry_run
        )

    def replace(row: Playlist, ids: list[int], *, dry_run: bool) -> WriteResult:
        return playlists.replace_playlist_tracks(
            row, ids, force_history=force_history, dry_run=dry_run
        )

    return SetKind("playlist", get_playlist, playlists.create_playlist, add, replace)


CRATE_KIND = SetKind(
    "crate", get_crate, crates.create_crate, crates.add_tracks_to_crate, crates.replace_crate_tracks
)


def fill_set(
    kind: SetKind,
    target: Any,
    tracks: Iterable[TrackLike] | TrackLike,
    *,
    existing: Existing,
    label: str,
    allow_digits: bool,
    dry_run: bool,
) -> WriteResult[int | None]:
    """The fill of :func:`fill_playlist` and :func:`fill_crate`; a result that created the
    set (or, appending nothing, changed nothing) is labelled ``label``."""
    if existing not in EXISTING:
        raise ValidationError(f"existing must be one of {', '.join(EXISTING)}, not {existing!r}")
    ids = track_ids_of(tracks)
    try:
        row: Any = kind.find(target)
    except NotFoundError:
        row = None
    if row is None:
        result = kind.create(target, ids, dry_run=dry_run, allow_digits=allow_digits)
        if isinstance(result, CreateResult):
            result.operation = label
        return result
    if existing == "refuse":
        raise ValidationError(
            f"{row.name!r} (id {row.id}) exists already: --append adds the file's "
            "tracks to it, --replace makes it hold exactly the file's tracks"
        )
    if existing == "replace":
        return kind.replace(row.id, ids, dry_run=dry_run)
    if not ids:
        return WriteResult(label, dry_run=dry_run)
    return kind.add(row.id, ids, dry_run=dry_run)


@journalled
def fill_playlist(
    playlist: int | str | Playlist,
    tracks: Iterable[TrackLike] | TrackLike,
    *,
    existing: Existing = "refuse",
    position: int | None = None,
    force_history: bool = False,
    allow_digits: bool = False,
    dry_run: bool = False,
) -> WriteResult[int | None]:
    """Create the playlist ``playlist`` (a name) holding ``tracks``, or fill the one with that
    id or name as ``existing`` says (``"refuse"``, ``"append"`` at ``position``, ``"replace"``).

    Returns the create's ``CreateResult`` (operation ``fill_playlist``) or the add's or
    replace's result. Raises ValidationError (an existing one with ``"refuse"``, a bad
    name), DuplicateNameError, TrackNotFoundError, LockedError (nothing written).
    """
    kind = playlist_kind(position, force_history)
    return fill_set(kind, playlist, tracks, existing=existing, label="fill_playlist",
                    allow_digits=allow_digits, dry_run=dry_run)  # fmt: skip


@journalled
def fill_crate(
    crate: int | str | Crate,
    tracks: Iterable[TrackLike] | TrackLike,
    *,
    existing: Existing = "refuse",
    allow_digits: bool = False,
    dry_run: bool = False,
) -> WriteResult[int | None]:
    """Create the crate ``crate`` (a name) holding ``tracks``, or fill the one with that id
    or name as ``existing`` says (``"refuse"``, ``"append"``, ``"replace"``).

    Returns the create's ``CreateResult`` (operation ``fill_crate``) or the add's or
    replace's result. Raises ValidationError, DuplicateNameError, TrackNotFoundError,
    LockedError (nothing written).
    """
    return fill_set(CRATE_KIND, crate, tracks, existing=existing, label="fill_crate",
                    allow_digits=allow_digits, dry_run=dry_run)  # fmt: skip
