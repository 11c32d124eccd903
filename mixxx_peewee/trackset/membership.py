"""What playlists and crates share: names, locks, track ids, the write guard, member tracks.

Playlists (ordered, repeats allowed) and crates (unordered sets) differ where Mixxx
differs; everything both need lives here: trimming and checking a name, refusing a
locked object, checking that track ids exist, the guard and transaction every write runs
in, and reading member tracks as :class:`~mixxx_peewee.models.Track` models with their
location joined.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import peewee

from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.fields import BlobField
from mixxx_peewee.core.fields import LooseIntegerField
from mixxx_peewee.core.fields import LooseTextField
from mixxx_peewee.core.fields import MixxxDateTimeField
from mixxx_peewee.core.fields import SampleField
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import DuplicateNameError
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import MixxxModel
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of

__all__ = [
    "check_free_name",
    "clean_name",
    "existing_track_ids",
    "hidden_note",
    "member_tracks",
    "planned_write",
    "refuse_digits",
    "refuse_locked",
    "rename_set",
    "require_tracks",
    "same_name",
    "track_builder",
]


def clean_name(name: object, what: str) -> str:
    """``name`` trimmed as Mixxx's dialogs trim it; raises ValidationError if unusable."""
    if not isinstance(name, str):
        raise ValidationError(f"{what} name must be text, not {type(name).__name__}")
    trimmed = name.strip()
    if not trimmed:
        raise ValidationError(f"{what} name must not be empty")
    bad = sorted({f"U+{ord(c):04X}" for c in trimmed if unicodedata.category(c) == "Cc"})
    if bad:
        # Mixxx's sidebar shows one line per name: control characters would garble it.
        raise ValidationError(f"{what} name must not contain control characters ({', '.join(bad)})")
    return trimmed


def same_name(stored: object, name: str) -> bool:
    """Whether ``stored`` is ``name``, also in another Unicode form (NFC/NFD)."""
    if not isinstance(stored, str):
        return False
    return unicodedata.normalize("NFC", stored) == unicodedata.normalize("NFC", name)


def hidden_note(hidden: int) -> str:
    """The note for hidden tracks among those a write adds."""
    if hidden == 1:
        return "1 of them is a hidden track: Mixxx does not show it"
    return f"{hidden:,} of them are hidden tracks: Mixxx does not show them"


def refuse_digits(name: str, what: str, *, allow_digits: bool = False) -> None:
    """Raise ValidationError for a new name of digits only (unless ``allow_digits``): every
    command reads digits as an id first, so ``crates show 2024`` would find the crate with
    id 2024, not this one (while no crate has that id, the name finds it)."""
    if parse_id(name) is not None and not allow_digits:
        raise ValidationError(
            f"a {what} name of digits only ({name!r}) is refused: every command reads digits "
            f"as a {what} id; add a word (e.g. 'Set {name}'), or --allow-digits"
        )


def check_free_name(
    model: type[MixxxModel], what: str, name: str, *, except_id: int | None = None
) -> list[str]:
    """Raise DuplicateNameError when another row of ``model`` has ``name``, also when the two
    differ only by Unicode normalisation (``Café`` typed decomposed on macOS); notes naming
    rows whose names differ from it only by case (allowed, as in Mixxx, but easy to confuse)."""
    wanted = unicodedata.normalize("NFC", name)
    folded = wanted.casefold()
    query = model.select(model.id, model.name).order_by(model.id)
    if except_id is not None:
        query = query.where(model.id != except_id)
    alike = []
    for row_id, existing in query.tuples():  # type: ignore[attr-defined]
        if not isinstance(existing, str):
            continue
        composed = unicodedata.normalize("NFC", existing)
        if composed == wanted:
            same = "" if existing == name else " (the same name in another Unicode form)"
            raise DuplicateNameError(
                f"a {what} named {existing!r} exists already (id {row_id}){same}"
            )
        if composed.casefold() == folded:
            alike.append(f"{existing!r} (id {row_id})")
    if not alike:
        return []
    return [f"a {what} named {alike[0]} differs from {name!r} only by case"]


def refuse_locked(row: Any, what: str) -> None:
    """Raise LockedError when the playlist or crate ``row`` is locked in Mixxx."""
    if row.locked:
        raise LockedError(f"{what} {row.name!r} (id {row.id}) is locked; unlock it in Mixxx first")


def existing_track_ids(track_ids: Iterable[int]) -> dict[int, bool]:
    """``{id: hidden}`` for those ids that have a ``library`` row (call inside a transaction)."""
    unique = sorted(i for i in set(track_ids) if is_row_id(i))
    rows = for_each_chunk(
        lambda ids: Track.select(Track.id, Track.mixxx_deleted).where(Track.id.in_(ids)), unique
    )
    return {track_id: deleted == 1 for track_id, deleted in rows}


def require_tracks(tracks: Iterable[TrackLike] | TrackLike) -> tuple[list[int], int]:
    """The track ids of ``tracks`` (models, ids or paths: :data:`TrackLike`) in order and how
    many are hidden; raises TrackNotFoundError naming unknown ids or paths.

    Call inside the operation's transaction, so the answer holds when it writes.
    """
    ids = track_ids_of(tracks)
    found = existing_track_ids(ids)
    unknown = sorted(set(ids) - set(found))
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise TrackNotFoundError(f"no track with id {shown}{more}")
    hidden = sum(1 for i in ids if found[i])
    return ids, hidden


def rename_set(
    result: Any,
    row: Any,
    new_name: str,
    *,
    label: str,
    check_new_name: Callable[..., list[str]],
    dry_run: bool,
) -> None:
    """Rename the playlist or crate ``row`` to the cleaned ``new_name`` (the one rename of
    both): nothing when it has that name already (in any Unicode form), else the name is
    checked (digits, taken, alike but for case) and written; ``result`` says which."""
    result.value = row.id
    if same_name(row.name, new_name):
        result.keep(f"{label} has that name already")
        return
    result.notes.extend(check_new_name(new_name, except_id=row.id))
    if not dry_run:
        model = type(row)
        model.update(name=new_name).where(model.id == row.id).execute()
    result.add(f"rename {label} to {new_name!r}")
    result.count("renamed")


@contextmanager
def planned_write(dry_run: bool, touches: Iterable[tuple[str, str]] = ()) -> Iterator[MixxxLibrary]:
    """A read transaction for a dry run (works read-only), else one ``write_transaction``."""
    if dry_run:
        with read_transaction():
            yield current_library()
    else:
        with write_transaction(touches) as library:
            yield library


# Values these fields hold are converted when an attribute is read (fields.ReadOnAccess),
# or need no conversion: the builder below stores what SQLite returned.
_AS_STORED = (
    LooseTextField, BlobField, MixxxDateTimeField, LooseIntegerField, SampleField,
    peewee.AutoField, peewee.ForeignKeyField,
)  # fmt: skip


def _builder(model: type[MixxxModel]) -> Callable[[Sequence[Any]], Any]:
    """A function making a ``model`` instance from its ``sorted_fields`` values, as read.

    It sets what peewee's constructor sets (``__data__``, no dirty fields, no relations)
    without peewee's per-field ``setattr`` and ``python_value``: our fields convert when an
    attribute is read (``fields.ReadOnAccess``). On the benchmark row "playlist of 10,000
    entries in order" peewee's own construction is ~4x raw sqlite3; this costs about what a
    dict per row costs.
    """
    fields = model._meta.sorted_fields
    names = [f.name for f in fields]
    converted = [(f.name, f.python_value) for f in fields if not isinstance(f, _AS_STORED)]
    new = object.__new__

    def build(values: Sequence[Any]) -> Any:
        data = dict(zip(names, values, strict=False))  # a joined row: our columns lead
        for name, python_value in converted:
            if data[name] is not None:
                data[name] = python_value(data[name])
        instance = new(model)
        attributes = instance.__dict__
        attributes["__data__"] = data
        attributes["_dirty"] = set()
        attributes["__rel__"] = {}
        return instance

    return build


def track_builder() -> Callable[[Sequence[Any]], Track]:
    """A function making a ``Track``, its location joined (``track.path``), from a row of
    :func:`~mixxx_peewee.lookup.joined_tracks` (``Track``'s fields, then the location's)."""
    build_track, build_location = _builder(Track), _builder(TrackLocation)
    location_at = len(Track._meta.sorted_fields)

    def build(row: Sequence[Any]) -> Track:
        track: Track = build_track(row)  # zip stops at the track's own fields
        track.__rel__["location"] = build_location(row[location_at:])
        return track

    return build


def member_tracks(query: Any) -> list[Track]:
    """The ``Track`` models (location joined) of a :func:`~mixxx_peewee.lookup.joined_tracks`
    query: one complete statement, ``fetchall()`` ends its read before any building."""
    build = track_builder()
    return [build(row) for row in stored_rows(query)]
