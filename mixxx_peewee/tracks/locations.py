"""Finding tracks by file path, the way Mixxx stores paths.

Mixxx stores a path as it found it: symlinks unresolved (git-annex libraries are symlink
farms), ``/`` separators on every OS, in whatever Unicode normalisation the file system
gave. So a path is tried exactly as given, then as an absolute path, in NFC and NFD, as its
resolved target, and finally as the target of a stored symlink.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection
from collections.abc import Iterable
from typing import Any

from mixxx_peewee.core.values import CHUNK
from mixxx_peewee.core.values import chunked
from mixxx_peewee.core.values import is_sqlite_text
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.lookup import run_query
from mixxx_peewee.lookup import tracks_by_ids
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation

__all__ = [
    "TrackLike",
    "get_track_by_location",
    "get_track_ids_by_locations",
    "get_tracks_by_locations",
    "track_id_of",
    "track_ids_of",
]

# How every function that takes tracks names one: the model, its id, or its path as Mixxx
# stores it (found the way get_track_by_location finds it). A string of digits is an id.
TrackLike = Track | int | str


def _location_candidates(path: str) -> list[str]:
    bases = [path]
    if not os.path.isabs(path):
        bases.append(os.path.abspath(path))
    candidates: list[str] = []
    for base in bases:
        for form in (base, unicodedata.normalize("NFC", base), unicodedata.normalize("NFD", base)):
            for text in (form, form.replace(os.sep, "/")):
                if text not in candidates:
                    candidates.append(text)
    return candidates


def _read(query: Any) -> list[Any]:
    """Every row of ``query``: one complete statement, SQLite errors translated."""
    return run_query(lambda: list(query))


def _stored(condition: Any) -> list[tuple[str, int]]:
    """``(location, id)`` of the track_locations rows where ``condition`` holds."""
    query = TrackLocation.select(TrackLocation.location, TrackLocation.id).where(condition)
    return _read(query.tuples())


def _track_ids_at(location_ids: Collection[int]) -> dict[int, int]:
    """``{location id: track id}`` in one statement. Mixxx indexes no ``library.location``:
    every read of it by location scans the library, so a batch is mapped in one scan (a
    join per chunk scanned it 200 times for an M3U of 100,000 entries: bench row
    "playlists import")."""
    if not location_ids:
        return {}
    query = Track.select(Track.location, Track.id)
    if len(location_ids) <= CHUNK:
        query = query.where(Track.location.in_(list(location_ids)))
    return dict(_read(query.tuples()))


def _lookup_many(candidates: Iterable[str]) -> dict[str, int]:
    """``{stored location: location id}`` for those candidates that are stored, in chunked
    reads of the UNIQUE(location) index."""
    wanted = [c for c in dict.fromkeys(candidates) if is_sqlite_text(c)]  # Mixxx writes UTF-8
    found: dict[str, int] = {}
    for chunk in chunked(wanted):
        found.update(_stored(TrackLocation.location.in_(list(chunk))))
    return found


def _first_found(candidates: list[str], found: dict[str, int]) -> int | None:
    return next((found[c] for c in candidates if c in found), None)


def get_track_by_location(path: str | os.PathLike[str]) -> Track | None:
    """The track stored at ``path``, or None.

    The rule for lookups: by path returns None ("is this file in the library?" is a
    question); by id (:func:`~mixxx_peewee.tracks.reads.get_track_by_id`) raises
    TrackNotFoundError, because an id comes from the library.

    Tries the path exactly as given (Mixxx stores symlinks unresolved), then the
    absolute form of a relative path, NFC/NFD variants, the input's resolved path, and
    finally a stored symlink that resolves to the input (git-annex).
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ValidationError(f"path must be non-empty text, not {path!r}")
    return get_tracks_by_locations([text])[text]


def get_tracks_by_locations(paths: Iterable[str | os.PathLike[str]]) -> dict[str, Track | None]:
    """Look many paths up at once, as :func:`get_track_by_location` does: ``{path: Track}``.

    A few chunked queries for the whole batch (M3U imports of thousands of entries), and at
    most one pass over stored symlinks for the paths still not found.
    """
    ids = get_track_ids_by_locations(paths)
    tracks = tracks_by_ids([i for i in ids.values() if i is not None])
    return {path: None if i is None else tracks.get(i) for path, i in ids.items()}


def get_track_ids_by_locations(paths: Iterable[str | os.PathLike[str]]) -> dict[str, int | None]:
    """``{path: track id}``, found as :func:`get_tracks_by_locations` finds them, reading
    no track's other columns (what an M3U import needs)."""
    texts = [t for t in dict.fromkeys(os.fspath(p) for p in paths) if isinstance(t, str)]
    result: dict[str, int | None] = dict.fromkeys(texts)  # path -> location id, then track id
    direct = {t: _location_candidates(t) for t in texts if t}
    found = _lookup_many(c for cands in direct.values() for c in cands)
    # A NUL byte is in no file name: stop before the file system refuses it.
    pending = [t for t in direct if "\x00" not in t]
    for text in direct:
        result[text] = _first_found(direct[text], found)
    pending = [t for t in pending if result[t] is None]
    if pending:
        # A path whose parts are in different Unicode forms (a composed folder, a file
        # name decomposed by macOS): found by its file name, compared composed.
        mixed = _by_file_name(pending)
        for text, location_id in mixed.items():
            result[text] = location_id
        pending = [t for t in pending if result[t] is None]
    targets = {t: os.path.realpath(t) for t in pending}
    resolved = {
        t: [c for c in _location_candidates(targets[t]) if c not in direct[t]] for t in pending
    }
    found = _lookup_many(c for cands in resolved.values() for c in cands)
    for text in pending:
        result[text] = _first_found(resolved[text], found)
    linked = [t for t in pending if result[t] is None and os.path.exists(targets[t])]
    if linked:
        links = _stored_links_by_target()
        for text in linked:
            result[text] = links.get(os.path.normcase(targets[text]))
    tracks = _track_ids_at({i for i in result.values() if i is not None})
    return {path: None if i is None else tracks.get(i) for path, i in result.items()}


def _by_file_name(paths: list[str]) -> dict[str, int]:
    """``{path: location id}`` for paths stored in a mixed Unicode form: the rows with that
    file name in either form whose location equals the path once both are composed (NFC)."""
    names: set[str] = set()
    wanted: dict[str, str] = {}  # a candidate, composed -> the path asked for
    for text in paths:
        for candidate in _location_candidates(text):
            wanted.setdefault(unicodedata.normalize("NFC", candidate), text)
            names.add(candidate.rsplit("/", 1)[-1])
    forms = {
        form
        for name in names
        for form in (unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name))
        if is_sqlite_text(form)
    }
    found: dict[str, int] = {}
    for chunk in chunked(sorted(forms)):
        for location, location_id in _stored(TrackLocation.filename.in_(list(chunk))):
            asked = wanted.get(unicodedata.normalize("NFC", location or ""))
            if asked is not None and asked not in found:
                found[asked] = location_id
    return found


def _stored_links_by_target() -> dict[str, int]:
    """``{resolved target: location id}`` for every stored location that is a symlink
    (git-annex)."""
    link_ids: dict[str, int] = {}
    last_id = 0
    while True:
        query = (
            TrackLocation.select(TrackLocation.id, TrackLocation.location)
            .where(TrackLocation.id > last_id)
            .order_by(TrackLocation.id)
            .limit(5000)
        )
        rows = _read(query.tuples())
        if not rows:
            break
        for location_id, location in rows:
            if isinstance(location, str) and os.path.islink(location):
                link_ids.setdefault(os.path.normcase(os.path.realpath(location)), location_id)
        last_id = rows[-1][0]
    return link_ids


def track_ids_of(tracks: Iterable[TrackLike] | TrackLike) -> list[int]:
    """The track ids of ``tracks`` (models, ids or paths; one of them alone), in order.

    Paths are looked up together (one batch); a path no track has raises TrackNotFoundError.
    Ids are not checked here: the operation checks them inside its transaction.
    """
    if isinstance(tracks, (Track, int, str)):
        items: list[object] = [tracks]
    elif isinstance(tracks, Iterable):
        items = list(tracks)
    else:
        raise ValidationError(
            f"a track is a Track, an id or a path as Mixxx stores it, not {tracks!r}"
        )
    ids: list[int | str] = []
    for item in items:
        if isinstance(item, Track):
            ids.append(int(item.id))
            continue
        number = parse_id(item)
        if number is not None:
            ids.append(number)
        elif isinstance(item, str) and item.strip():
            ids.append(item)
        else:
            raise ValidationError(
                f"a track is a Track, an id or a path as Mixxx stores it, not {item!r}"
            )
    paths = [i for i in ids if isinstance(i, str)]
    if not paths:
        return [i for i in ids if isinstance(i, int)]
    for path in paths:
        if "\x00" in path:
            raise ValidationError(f"{path!r}: a path cannot contain a NUL character")
    found = get_track_ids_by_locations(paths)
    missing = [p for p in paths if found.get(p) is None]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise TrackNotFoundError(f"{missing[0]}: no track with that location in the library{more}")
    return [i if isinstance(i, int) else int(found[i]) for i in ids]  # type: ignore[arg-type]


def track_id_of(track: TrackLike) -> int:
    """The id of one track (a Track, an id or a path as Mixxx stores it); see track_ids_of."""
    if isinstance(track, bool) or not isinstance(track, (Track, int, str)):
        raise ValidationError(
            f"a track is a Track, an id or a path as Mixxx stores it, not {track!r}"
        )
    return track_ids_of(track)[0]
