"""Finding tracks by file path, the way Mixxx stores paths.

Mixxx stores a path as it found it: symlinks unresolved (git-annex libraries are symlink
farms), ``/`` separators on every OS, in whatever Unicode normalisation the file system
gave. So a path is tried exactly as given, then as an absolute path, in NFC and NFD, as its
resolved target, and finally as the target of a stored symlink.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from typing import Any

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.lookup import joined_tracks
from mixxx_peewee.lookup import run_query
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.values import chunked
from mixxx_peewee.values import is_sqlite_text

__all__ = ["get_track_by_location", "get_tracks_by_locations"]


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


def _lookup_many(candidates: Iterable[str]) -> dict[str, Track]:
    """``{stored location: Track}`` for those candidates that are stored, in chunked reads."""
    wanted = [c for c in dict.fromkeys(candidates) if is_sqlite_text(c)]  # Mixxx writes UTF-8
    found: dict[str, Track] = {}
    for chunk in chunked(wanted):
        query = joined_tracks().where(TrackLocation.location.in_(list(chunk)))
        found.update((t.path, t) for t in _read(query))
    return found


def _first_found(candidates: list[str], found: dict[str, Track]) -> Track | None:
    return next((found[c] for c in candidates if c in found), None)


def get_track_by_location(path: str | os.PathLike[str]) -> Track | None:
    """The track stored at ``path``, or None.

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
    texts = [t for t in dict.fromkeys(os.fspath(p) for p in paths) if isinstance(t, str)]
    result: dict[str, Track | None] = dict.fromkeys(texts)
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
        for text, track in mixed.items():
            result[text] = track
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
    return result


def _by_file_name(paths: list[str]) -> dict[str, Track]:
    """``{path: Track}`` for paths stored in a mixed Unicode form: the rows with that file
    name in either form whose location equals the path once both are composed (NFC)."""
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
    found: dict[str, Track] = {}
    for chunk in chunked(sorted(forms)):
        query = joined_tracks().where(TrackLocation.filename.in_(list(chunk)))
        for track in _read(query):
            asked = wanted.get(unicodedata.normalize("NFC", track.path or ""))
            if asked is not None and asked not in found:
                found[asked] = track
    return found


def _stored_links_by_target() -> dict[str, Track]:
    """``{resolved target: Track}`` for every stored location that is a symlink (git-annex)."""
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
    tracks: dict[int, Track] = {}
    ids = list(set(link_ids.values()))
    for chunk in chunked(ids):
        query = joined_tracks().where(TrackLocation.id.in_(list(chunk)))
        tracks.update((t.location.id, t) for t in _read(query))
    return {target: tracks[i] for target, i in link_ids.items() if i in tracks}
