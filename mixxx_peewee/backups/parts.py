"""What a partial restore takes back: the parts, the track fields, and reading ``--only``.

:data:`PARTS` (crates, playlists, cues), the track fields of the one catalogue
(``core.trackfields.RESTORE_FIELDS``: each with the columns that come with it) and
:func:`parse_parts`, which reads ``crates,tracks:rating,color`` into a :class:`PartSpec`.

May import: ``errors``, ``core``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mixxx_peewee.core.trackfields import METADATA_FIELDS
from mixxx_peewee.core.trackfields import RESTORE_FIELDS
from mixxx_peewee.errors import ValidationError

__all__ = ["PARTS", "PATH_COLUMNS", "PartSpec", "parse_parts"]

PARTS = ("crates", "playlists", "cues")  # and tracks:FIELD[,FIELD…]

_FIELD_WORDS = {"metadata": METADATA_FIELDS}
# A column that comes with a field names that field (``beats`` is ``bpm``).
_COMPANIONS = {c: name for name, cols in RESTORE_FIELDS.items() for c in cols if c != name}
PATH_COLUMNS = RESTORE_FIELDS["location"]  # the path columns of track_locations


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
    ordered = tuple(name for name in RESTORE_FIELDS if name in fields)
    return PartSpec("crates" in found, "playlists" in found, "cues" in found, ordered)


def _field_list() -> str:
    return f"fields: {', '.join(RESTORE_FIELDS)}; metadata is {', '.join(METADATA_FIELDS)}"


def _track_field(word: str) -> tuple[str, ...]:
    if word in RESTORE_FIELDS:
        return (word,)
    if word in _FIELD_WORDS:
        return _FIELD_WORDS[word]
    if word in _COMPANIONS:
        return (_COMPANIONS[word],)
    raise ValidationError(f"unknown track field {word!r} ({_field_list()})")
