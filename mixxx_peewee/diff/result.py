"""A diff's result: plain data of what changed between two states of a library.

:class:`LibraryDiff` holds tracks added, removed, hidden and unhidden (:class:`TrackRef`),
per track the fields that changed (:class:`TrackChange`) and the cues that changed
(:class:`CueChange`), and the crates and playlists that changed (:class:`CollectionChanges`
of :class:`CollectionRef`, :class:`CollectionRename` and :class:`MembershipChange`). It
turns itself into JSON-ready data (``to_dict``) and one flat row per change (``rows``).

Imports nothing of the package: the comparison (``diff.compare``) fills it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

__all__ = [
    "CollectionChanges",
    "CollectionRef",
    "CollectionRename",
    "CueChange",
    "LibraryDiff",
    "MembershipChange",
    "TrackChange",
    "TrackRef",
    "cue_name",
]


@dataclass(frozen=True)
class TrackRef:
    """A track by id, with its path (in the newer state when it has one)."""

    id: int
    location: str | None


@dataclass(frozen=True)
class TrackChange:
    """The fields of one track that differ: field name -> (old, new), as users see them."""

    id: int
    location: str | None
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class CueChange:
    """One track's cues that differ: added, removed, and changed ones as (old, new) pairs.

    A cue is a dict: ``id``, ``type`` (name), ``hotcue`` (from 1, or None), ``position`` and
    ``length`` in seconds (None without a samplerate), ``position_samples``,
    ``length_samples`` (as stored), ``label``, ``color`` (``#RRGGBB`` or None). Hotcues are
    matched by number, the main cue, intro and outro by type, other cues by id.
    """

    id: int
    location: str | None
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class CollectionRef:
    """A crate or playlist that only one side has, with its number of entries."""

    id: int
    name: str | None
    tracks: int


@dataclass(frozen=True)
class CollectionRename:
    """A crate or playlist whose name changed."""

    id: int
    old_name: str | None
    new_name: str | None


@dataclass(frozen=True)
class MembershipChange:
    """Entries of a crate or playlist (on both sides) added or removed, by track id.

    ``order_changed``: the tracks a playlist kept are in another order.
    """

    id: int
    name: str | None
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    order_changed: bool = False


@dataclass
class CollectionChanges:
    """What changed among the crates, or among the playlists."""

    added: list[CollectionRef] = field(default_factory=list)
    removed: list[CollectionRef] = field(default_factory=list)
    renamed: list[CollectionRename] = field(default_factory=list)
    membership: list[MembershipChange] = field(default_factory=list)

    def count(self) -> int:
        """How many crates (or playlists) differ in any way."""
        ids = {c.id for c in self.added} | {c.id for c in self.removed}
        ids |= {c.id for c in self.renamed} | {c.id for c in self.membership}
        return len(ids)


@dataclass
class LibraryDiff:
    """What changed from the ``old`` state to the ``new`` one (plain data).

    ``fields``: the track fields compared (those both sides have: ``last_played_at`` only
    from revision 35 on, ``color`` from 31).
    """

    old: str
    new: str
    fields: tuple[str, ...] = ()
    tracks_added: list[TrackRef] = field(default_factory=list)
    tracks_removed: list[TrackRef] = field(default_factory=list)
    tracks_hidden: list[TrackRef] = field(default_factory=list)
    tracks_unhidden: list[TrackRef] = field(default_factory=list)
    track_changes: list[TrackChange] = field(default_factory=list)
    cue_changes: list[CueChange] = field(default_factory=list)
    crates: CollectionChanges = field(default_factory=CollectionChanges)
    playlists: CollectionChanges = field(default_factory=CollectionChanges)

    def changed_track_ids(self) -> set[int]:
        """Tracks whose fields, cues or crates changed, plus those added, hidden or unhidden.

        Removed tracks are not in it (see ``tracks_removed``).
        """
        ids = {c.id for c in self.track_changes} | {c.id for c in self.cue_changes}
        for refs in (self.tracks_added, self.tracks_hidden, self.tracks_unhidden):
            ids.update(r.id for r in refs)
        return ids

    def is_empty(self) -> bool:
        """Whether the two states are the same in everything a diff compares."""
        return not any(self.counts().values())

    def counts(self) -> dict[str, int]:
        """How many of each kind of change: tracks added, fields changed, crates changed..."""
        return {
            "tracks_added": len(self.tracks_added),
            "tracks_removed": len(self.tracks_removed),
            "tracks_hidden": len(self.tracks_hidden),
            "tracks_unhidden": len(self.tracks_unhidden),
            "tracks_changed": len(self.track_changes),
            "cues_changed": len(self.cue_changes),
            "crates_changed": self.crates.count(),
            "playlists_changed": self.playlists.count(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole diff as JSON-ready data (tuples as lists)."""

        def refs(items: Iterable[Any]) -> list[dict[str, Any]]:
            return [dict(vars(i)) for i in items]

        def collections(changes: CollectionChanges) -> dict[str, Any]:
            return {
                "added": refs(changes.added),
                "removed": refs(changes.removed),
                "renamed": refs(changes.renamed),
                "membership": refs(changes.membership),
            }

        return {
            "old": self.old,
            "new": self.new,
            "fields": list(self.fields),
            "counts": self.counts(),
            "tracks": {
                "added": refs(self.tracks_added),
                "removed": refs(self.tracks_removed),
                "hidden": refs(self.tracks_hidden),
                "unhidden": refs(self.tracks_unhidden),
                "changed": [
                    {
                        "id": c.id,
                        "location": c.location,
                        "fields": {k: [_json(o), _json(n)] for k, (o, n) in c.fields.items()},
                    }
                    for c in self.track_changes
                ],
            },
            "cues": [
                {
                    "id": c.id,
                    "location": c.location,
                    "added": c.added,
                    "removed": c.removed,
                    "changed": [[old, new] for old, new in c.changed],
                }
                for c in self.cue_changes
            ],
            "crates": collections(self.crates),
            "playlists": collections(self.playlists),
        }

    def rows(self) -> Iterator[dict[str, Any]]:
        """One flat dict per change (for JSON lines), each with ``table`` and ``kind``.

        Tracks: ``added``/``removed``/``hidden``/``unhidden`` (``id``, ``location``) and
        ``changed`` (one row per field: ``field``, ``old``, ``new``). Cues: ``added``,
        ``removed`` (``old``/``new`` is the cue) and ``changed`` (one row per field) with
        the track in ``track_id``. Crates and playlists: ``added``/``removed`` (``id``,
        ``name``, ``tracks``), ``renamed`` (``old``, ``new``), ``track added``/``track
        removed`` (``track_id``) and, for playlists, ``order changed``.
        """
        for kind, refs in (
            ("added", self.tracks_added),
            ("removed", self.tracks_removed),
            ("hidden", self.tracks_hidden),
            ("unhidden", self.tracks_unhidden),
        ):
            for ref in refs:
                yield {"table": "tracks", "kind": kind, "id": ref.id, "location": ref.location}
        for change in self.track_changes:
            for name, (old, new) in change.fields.items():
                yield {"table": "tracks", "kind": "changed", "id": change.id,
                       "location": change.location, "field": name,
                       "old": _json(old), "new": _json(new)}  # fmt: skip
        for cues in self.cue_changes:
            where = {"track_id": cues.id, "location": cues.location}
            for cue in cues.removed:
                yield {"table": "cues", "kind": "removed", "id": cue["id"], "name": cue_name(cue),
                       **where, "old": cue, "new": None}  # fmt: skip
            for cue in cues.added:
                yield {"table": "cues", "kind": "added", "id": cue["id"], "name": cue_name(cue),
                       **where, "old": None, "new": cue}  # fmt: skip
            for old, new in cues.changed:
                for name in old:
                    if name in ("position_samples", "length_samples"):
                        seconds = name.removesuffix("_samples")
                        if old[seconds] is not None or new[seconds] is not None:
                            continue  # the seconds say it (samples only without a samplerate)
                    if name != "id" and old[name] != new[name]:
                        yield {"table": "cues", "kind": "changed", "id": new["id"],
                               "name": cue_name(new), **where, "field": name,
                               "old": old[name], "new": new[name]}  # fmt: skip
        for table, changes in (("crates", self.crates), ("playlists", self.playlists)):
            for kind, collections in (("added", changes.added), ("removed", changes.removed)):
                for c in collections:
                    yield {"table": table, "kind": kind, "id": c.id, "name": c.name,
                           "tracks": c.tracks}  # fmt: skip
            for r in changes.renamed:
                yield {"table": table, "kind": "renamed", "id": r.id, "name": r.new_name,
                       "field": "name", "old": r.old_name, "new": r.new_name}  # fmt: skip
            for m in changes.membership:
                for kind, ids in (("track added", m.added), ("track removed", m.removed)):
                    for track_id in ids:
                        yield {"table": table, "kind": kind, "id": m.id, "name": m.name,
                               "track_id": track_id}  # fmt: skip
                if m.order_changed:
                    yield {"table": table, "kind": "order changed", "id": m.id, "name": m.name}


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def cue_name(cue: dict[str, Any]) -> str:
    """``hotcue 3``, ``main``, ``loop``: how a user names a cue."""
    return f"hotcue {cue['hotcue']}" if cue.get("hotcue") else str(cue["type"])
