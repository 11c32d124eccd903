"""What a partial restore takes back: the parts, the track fields, and reading ``--only``.

:data:`PARTS` (crates, playlists, cues) and :data:`TRACK_FIELDS` (the track fields
:func:`mixxx_peewee.restore_part` takes back, each with the columns that come with it:
this is their one home in ``backups``) and :func:`parse_parts`, which reads
``crates,tracks:rating,color`` into a :class:`PartSpec`.

May import: ``errors``, ``models``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.models import BEAT_COLUMNS
from mixxx_peewee.models import KEY_COLUMNS

__all__ = ["PARTS", "PATH_COLUMNS", "TRACK_FIELDS", "PartSpec", "parse_parts"]

PARTS = ("crates", "playlists", "cues")  # and tracks:FIELD[,FIELD…]

_METADATA = (
    "artist", "title", "album", "album_artist", "composer", "genre", "grouping", "comment",
    "url", "year", "tracknumber", "tracktotal",
)  # fmt: skip

TRACK_FIELDS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in _METADATA},
    # What Mixxx shows is the blob: the columns are caches it writes from it.
    "bpm": ("bpm", *(c for c in BEAT_COLUMNS if c != "bpm")),
    "key": ("key", *(c for c in KEY_COLUMNS if c != "key")),
    "bpm_lock": ("bpm_lock",),
    "rating": ("rating",),
    "color": ("color",),
    "timesplayed": ("timesplayed", "last_played_at"),
    "datetime_added": ("datetime_added",),
    "mixxx_deleted": ("mixxx_deleted",),
    "replaygain": ("replaygain", "replaygain_peak"),
    "coverart": (
        "coverart_source",
        "coverart_type",
        "coverart_location",
        "coverart_hash",
        "coverart_color",
        "coverart_digest",
    ),
    "location": ("location", "directory", "filename"),  # track_locations: the path columns
}
"""Track fields :func:`mixxx_peewee.restore_part` takes back, each with its columns."""

_FIELD_WORDS = {"metadata": _METADATA}
# A column that comes with a field names that field (``beats`` is ``bpm``).
_COMPANIONS = {c: name for name, cols in TRACK_FIELDS.items() for c in cols if c != name}
PATH_COLUMNS = TRACK_FIELDS["location"]  # the path columns of track_locations


@dataclass(frozen=True)
class PartSpec:
    """What a partial restore takes back."""

    crates: bool = False
    playlists: bool = False
    cues: bool = False
    fields: tuple[str, ...] = ()

    @property
    def track_data(self) -> bool:
        """Whether it takes back cues or track fields (the TRACK_DATA guard)."""
        return self.cues or bool(self.fields)

    @property
    def structure(self) -> bool:
        """Whether it takes back crates or playlists (the STRUCTURE guard)."""
        return self.crates or self.playlists

    def text(self) -> str:
        """``crates, tracks:rating,color``: the parts as ``--only`` names them."""
        words = [p for p in PARTS if getattr(self, p)]
        if self.fields:
            words.append("tracks:" + ",".join(self.fields))
        return ", ".join(words)


def parse_parts(parts: str | Iterable[str]) -> PartSpec:
    """``crates``, ``playlists``, ``cues``, ``tracks:rating,color`` (repeated or comma lists:
    words after ``tracks:`` are its fields until the next part); raises ValidationError."""
    words = [parts] if isinstance(parts, str) else list(parts)
    found: set[str] = set()
    fields: list[str] = []
    in_tracks = False
    for word in words:
        if not isinstance(word, str):
            raise ValidationError(f"a part must be text, not {word!r}")
        for token in (t.strip() for t in word.split(",")):
            lower = token.lower()
            if not token:
                continue
            if lower in PARTS:
                found.add(lower)
                in_tracks = False
            elif lower == "tracks" or lower.startswith("tracks:"):
                in_tracks = True
                found.add("tracks")
                if lower != "tracks" and lower[7:].strip():
                    fields.extend(_track_field(lower[7:].strip()))
            elif in_tracks:
                fields.extend(_track_field(lower))
            else:
                raise ValidationError(
                    f"unknown part {token!r}: restore takes crates, playlists, cues or "
                    "tracks:FIELD[,FIELD…]"
                )
    if "tracks" in found and not fields:
        raise ValidationError(f"tracks needs its fields: tracks:FIELD[,FIELD…] ({_field_list()})")
    if not found:
        raise ValidationError("nothing to restore: give crates, playlists, cues or tracks:FIELDS")
    ordered = tuple(name for name in TRACK_FIELDS if name in fields)
    return PartSpec("crates" in found, "playlists" in found, "cues" in found, ordered)


def _field_list() -> str:
    return f"fields: {', '.join(TRACK_FIELDS)}; metadata is {', '.join(_METADATA)}"


def _track_field(word: str) -> tuple[str, ...]:
    if word in TRACK_FIELDS:
        return (word,)
    if word in _FIELD_WORDS:
        return _FIELD_WORDS[word]
    if word in _COMPANIONS:
        return (_COMPANIONS[word],)
    raise ValidationError(f"unknown track field {word!r} ({_field_list()})")
