"""The one catalogue of a track's fields: which columns come with each, who uses it.

A *field* is what a user names (``restore --only tracks:bpm``, a line of a diff); its
*columns* are what changes with it in Mixxx's file (the first is its own). ``bpm`` comes
with the beat grid blob and its versions, ``key`` with the key map, ``timesplayed`` with
``last_played_at``, ``location`` with the path columns of ``track_locations``: Mixxx shows
the blob, so a BPM without its grid is no BPM (MIXXX_FACTS.md, "analysis blobs").

The diff compares the fields marked ``diffed`` (``beats`` and ``keys`` on their own, so a
re-analysed grid shows even when the BPM stays); a partial restore takes back the fields
marked ``restorable``, each with all its columns. Both read their lists from here, in
this order (the diff's report order).
"""

from __future__ import annotations

from dataclasses import dataclass

from mixxx_peewee.models import BEAT_COLUMNS
from mixxx_peewee.models import KEY_COLUMNS

__all__ = ["DIFF_FIELDS", "METADATA_FIELDS", "RESTORE_FIELDS", "TRACK_FIELDS", "TrackField"]


@dataclass(frozen=True)
class TrackField:
    """One field of a track: its name, the columns that come with it, who uses it."""

    name: str
    columns: tuple[str, ...]
    diffed: bool = True
    restorable: bool = True
    metadata: bool = False  # one of the tags the word ``metadata`` names


def _tag(name: str, *, diffed: bool = True) -> TrackField:
    return TrackField(name, (name,), diffed=diffed, metadata=True)


TRACK_FIELDS: tuple[TrackField, ...] = (
    _tag("artist"),
    _tag("title"),
    _tag("album"),
    _tag("album_artist"),
    _tag("genre"),
    _tag("composer"),
    _tag("grouping"),
    _tag("year"),
    _tag("comment"),
    _tag("url", diffed=False),
    _tag("tracknumber"),
    _tag("tracktotal", diffed=False),
    TrackField("bpm", ("bpm", *(c for c in BEAT_COLUMNS if c != "bpm"))),
    TrackField("key", ("key", *(c for c in KEY_COLUMNS if c != "key"))),
    # The blobs on their own: compared by content (a digest), restored with bpm and key.
    TrackField("beats", ("beats",), restorable=False),
    TrackField("keys", ("keys",), restorable=False),
    TrackField("bpm_lock", ("bpm_lock",), diffed=False),
    TrackField("rating", ("rating",)),
    TrackField("color", ("color",)),
    TrackField("timesplayed", ("timesplayed", "last_played_at")),
    TrackField("played", ("played",), restorable=False),
    TrackField("last_played_at", ("last_played_at",), restorable=False),
    TrackField("datetime_added", ("datetime_added",)),
    TrackField("mixxx_deleted", ("mixxx_deleted",), diffed=False),
    TrackField("replaygain", ("replaygain", "replaygain_peak"), diffed=False),
    TrackField(
        "coverart",
        (
            "coverart_source",
            "coverart_type",
            "coverart_location",
            "coverart_hash",
            "coverart_color",
            "coverart_digest",
        ),
        diffed=False,
    ),
    TrackField("location", ("location", "directory", "filename"), diffed=True),
    TrackField("duration", ("duration",), restorable=False),
)
"""Every field of a track either use knows, in report order."""

DIFF_FIELDS: tuple[str, ...] = tuple(f.name for f in TRACK_FIELDS if f.diffed)
"""The fields a diff compares (and a snapshot stores), in report order."""

RESTORE_FIELDS: dict[str, tuple[str, ...]] = {
    f.name: f.columns for f in TRACK_FIELDS if f.restorable
}
"""The fields ``restore_part`` takes back, each with the columns that come with it."""

METADATA_FIELDS: tuple[str, ...] = tuple(f.name for f in TRACK_FIELDS if f.metadata)
"""The tags the word ``metadata`` names in ``restore --only tracks:metadata``."""
