"""Merging duplicate tracks: one kept track takes over what the others carry.

What moves to the kept track (Mixxx has no merge; this is what a DJ expects of one):

- **playlist entries** point to it in place (same playlist, same position), in every
  playlist: Auto DJ and history too — history records what was played, and the file
  played is now the kept one;
- **crate memberships**: the union (``crate_tracks`` is UNIQUE per crate and track: a
  crate holding both keeps one row);
- **play count**: the sum of ``timesplayed`` (the others' become 0, so merging again
  adds nothing); **last played**: the latest
  ``last_played_at`` (files of revision 35 and later);
- **rating** and **colour**: the kept track's, unless it has none (0 / NULL): then the
  first other's that has one;
- **cues, loops and grid**: the kept track's, unless it has none (no cue rows; no
  ``beats`` blob; no ``keys`` blob — each decided apart): then the first other's that has
  them. ``cues_from`` names the track whose cues, main cue, grid and key map are taken,
  whatever they are. Cue positions are engine samples: they are rescaled when the two
  files' sample rates differ; a grid or key map (frame positions) is then not taken
  (Mixxx analyses the track again) and a note says so.

The others are then hidden (``mixxx_deleted = 1``, Mixxx's "remove", as
:func:`~mixxx_peewee.tracks.edits.hide_tracks`), keeping their own cues and grid,
or with ``purge`` deleted as Mixxx's purge does (``TrackCollection::purgeTracks``: their
``library`` and ``track_locations`` rows, cues, crate and playlist rows, ``track_analysis``
rows, and ``LibraryHashes.hash = -2`` for their folders so Mixxx's next scan looks again: a
purged file still on disk comes back then, as after Mixxx's own purge).

:func:`best_of` is the rule ``tracks duplicates --merge`` keeps a copy by: lossless first,
then the higher bit rate, then the larger file, then the lower id.

Running-Mixxx guard: TRACK_DATA (Mixxx writes cached tracks' play counts and cues back).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import peewee

from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.results import series
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import MixxxLibrary
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.lookup import run_query
from mixxx_peewee.models import BEAT_COLUMNS
from mixxx_peewee.models import KEY_COLUMNS
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Cue
from mixxx_peewee.models import LibraryHash
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackAnalysis
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.duplicates import BY_NAME
from mixxx_peewee.tracks.duplicates import BY_SIZE
from mixxx_peewee.tracks.duplicates import find_duplicates
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_id_of
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.trackset.membership import existing_track_ids
from mixxx_peewee.trackset.membership import planned_write

__all__ = ["LOSSLESS", "best_of", "merge_duplicates", "merge_tracks"]

# File types without loss, as Mixxx's library names them (library.filetype).
LOSSLESS = frozenset({"flac", "wav", "wave", "aif", "aiff", "aifc", "alac", "ape", "wv", "tta"})

_BEATS = (*BEAT_COLUMNS, "bpm_lock")
_KEYS = KEY_COLUMNS
_SCALAR = ("timesplayed", "last_played_at", "rating", "color", "samplerate", "cuepoint")
_CHOICE = ("filetype", "bitrate", "location", "mixxx_deleted")


@dataclass
class _Copy:
    """One track as the merge reads it: the live columns' stored values, its cue count."""

    id: int
    values: dict[str, Any]
    cues: int = 0
    directory: str | None = None
    filesize: int | None = None

    def rate(self) -> float | None:
        rate = self.values.get("samplerate")
        return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


@dataclass
class _Plan:
    """One merge, planned: the kept track, the others, and what the kept track gets."""

    keep: _Copy
    others: list[_Copy]
    updates: dict[str, Any] = field(default_factory=dict)  # library columns of the kept track
    cues_from: _Copy | None = None  # whose cues replace the kept track's (None: its own)
    scale: float = 1.0  # the kept rate / the source rate, for the cue positions
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (blob, track) not taken
    taken: list[tuple[str, int]] = field(default_factory=list)  # (blob, track) taken


def _columns(library: MixxxLibrary) -> list[str]:
    wanted = ("location", *_CHOICE, *_SCALAR, *_BEATS, *_KEYS)
    return [c for c in dict.fromkeys(wanted) if library.schema.has_column("library", c)]


def _read(ids: Sequence[int], columns: list[str]) -> dict[int, _Copy]:
    """The tracks ``ids`` as :class:`_Copy`, with their file size, folder and cue count."""
    found: dict[int, _Copy] = {}
    names = ", ".join(f"library.{c}" for c in columns)
    for chunk in chunked(list(ids)):
        marks = ", ".join("?" * len(chunk))
        rows = execute(
            f"SELECT library.id, track_locations.filesize, track_locations.directory, {names}"
            " FROM library LEFT JOIN track_locations ON library.location = track_locations.id"
            f" WHERE library.id IN ({marks})",
            list(chunk),
        ).fetchall()
        for track_id, size, folder, *values in rows:
            found[track_id] = _Copy(
                track_id, dict(zip(columns, values, strict=True)), 0, folder, size
            )
    counts = for_each_chunk(
        lambda chunk: Cue.select(Cue.track, peewee.fn.COUNT(peewee.SQL("*")))
        .where(Cue.track.in_(chunk))
        .group_by(Cue.track),
        list(found),
    )  # fmt: skip
    for track_id, count in counts:
        found[track_id].cues = count
    return found


def _has(copy: _Copy, blob: str) -> bool:
    value = copy.values.get(blob)
    return isinstance(value, (bytes, bytearray, memoryview)) and len(value) > 0


def _resolve(keep: TrackLike, others: Iterable[TrackLike] | TrackLike) -> tuple[int, list[int]]:
    keep_id = track_id_of(keep)
    other_ids = list(dict.fromkeys(track_ids_of(others)))
    if not other_ids:
        raise ValidationError("give at least one track to merge into the kept one")
    if keep_id in other_ids:
        if other_ids == [keep_id]:
            raise ValidationError(f"cannot merge track {keep_id} into itself")
        raise ValidationError(f"track {keep_id} is the one kept: it cannot be among the others")
    wanted = [keep_id, *other_ids]
    found = run_query(lambda: existing_track_ids(wanted))  # before any write is prepared
    absent = [i for i in wanted if i not in found]
    if absent:
        raise TrackNotFoundError(f"no track with id {series(absent)}")
    return keep_id, other_ids


def _rates_differ(one: _Copy, other: _Copy) -> bool:
    """Whether both sample rates are known and differ (positions then do not carry over)."""
    rates = one.rate(), other.rate()
    return bool(rates[0] and rates[1] and rates[0] != rates[1])


def _plan(keep_id: int, other_ids: list[int], cues_from: int | None, columns: list[str]) -> _Plan:
    copies = _read([keep_id, *other_ids], columns)
    absent = [i for i in [keep_id, *other_ids] if i not in copies]
    if absent:
        raise TrackNotFoundError(f"no track with id {series(absent)}")
    keep = copies[keep_id]
    others = [copies[i] for i in other_ids]
    plan = _Plan(keep, others)
    every = [keep, *others]
    values = keep.values
    if "timesplayed" in values:
        counts = [c.values["timesplayed"] for c in every]
        plan.updates["timesplayed"] = sum(n for n in counts if isinstance(n, int) and n > 0)
    if "last_played_at" in values:
        played = [v for c in every if isinstance(v := c.values["last_played_at"], str) and v]
        if played:
            plan.updates["last_played_at"] = max(played)
    for column, unset in (("rating", (None, 0)), ("color", (None,))):
        if column in values and values[column] in unset:
            given = next((c.values[column] for c in others if c.values[column] not in unset), None)
            if given is not None:
                plan.updates[column] = given
    chosen = copies.get(cues_from) if cues_from is not None else None
    cue_source = chosen or (keep if keep.cues else next((c for c in others if c.cues), keep))
    if cue_source is not keep:
        plan.cues_from = cue_source
        if "cuepoint" in values:
            plan.updates["cuepoint"] = cue_source.values["cuepoint"]
        if _rates_differ(keep, cue_source):
            plan.scale = (keep.rate() or 1.0) / (cue_source.rate() or 1.0)
    for blob, group in (("beats", _BEATS), ("keys", _KEYS)):
        if blob not in values:
            continue
        source = chosen or (
            keep if _has(keep, blob) else next((c for c in others if _has(c, blob)), keep)
        )
        if source is not keep and _rates_differ(keep, source):
            plan.skipped.append((blob, source.id))
        elif source is not keep:
            taken = {c: source.values[c] for c in group if c in values}
            if any(values[c] != v for c, v in taken.items()):
                plan.updates.update(taken)
                plan.taken.append((blob, source.id))
    return plan


def _describe(plan: _Plan, result: WriteResult[Any], notes: list[str]) -> None:
    """The plan's lines: per track what changes."""
    keep = plan.keep
    for column, value in plan.updates.items():
        if column in _BEATS or column in _KEYS or column == "cuepoint":
            continue
        if keep.values.get(column) != value:
            result.add(f"track {keep.id}: {column} {keep.values.get(column)!r} -> {value!r}")
    for blob, track in plan.taken:
        what = "grid and BPM" if blob == "beats" else "key map and key"
        result.add(f"track {keep.id}: takes the {what} of track {track}")
    if plan.cues_from is not None:
        source = plan.cues_from
        scaled = f", positions rescaled x{plan.scale:.6g}" if plan.scale != 1.0 else ""
        result.add(
            f"track {keep.id}: {plural(keep.cues, 'cue')} replaced by the "
            f"{plural(source.cues, 'cue')} of track {source.id}{scaled}"
        )
    for blob, track in plan.skipped:
        notes.append(
            f"the {'grid' if blob == 'beats' else 'key map'} of track {track} is not taken: "
            f"its sample rate differs from track {keep.id}'s "
            f"(Mixxx analyses track {keep.id} when it has none)"
        )


def _retire_lines(plan: _Plan, result: WriteResult[Any], purge: bool) -> None:
    keep, others = plan.keep, [c.id for c in plan.others]
    verb = "deleted (purged)" if purge else "hidden"
    for other in plan.others:
        if purge or other.values.get("mixxx_deleted") != 1:
            result.add(f"track {other.id}: merged into track {keep.id}, {verb}")
        else:
            result.add(f"track {other.id}: merged into track {keep.id} (hidden already)")
    result.count("merged", len(others))


def _entries(plan: _Plan, result: WriteResult[Any], write: bool) -> None:
    """Playlist entries of the others point to the kept track, in place."""
    others = [c.id for c in plan.others]
    query = PlaylistTrack.select(PlaylistTrack.id).where(PlaylistTrack.track.in_(others))
    moved = query.count()
    if moved:
        result.add(f"track {plan.keep.id}: takes over {plural(moved, 'entry')} in playlists")
        result.count("entries moved", moved)
        if write:
            PlaylistTrack.update({PlaylistTrack.track: plan.keep.id}).where(
                PlaylistTrack.track.in_(others)
            ).execute()


def _crates(plan: _Plan, result: WriteResult[Any], write: bool) -> None:
    """Crate memberships: the union, one row per crate."""
    keep, others = plan.keep.id, [c.id for c in plan.others]
    rows: Any = CrateTrack.select(CrateTrack.crate, CrateTrack.track).where(
        CrateTrack.track.in_([keep, *others])
    )
    members: dict[int, list[int]] = {}
    for crate, track in rows.tuples():
        members.setdefault(crate, []).append(track)
    joined = [crate for crate, ids in members.items() if keep not in ids]
    if joined:
        result.add(f"track {keep}: joins {plural(len(joined), 'crate')}")
        result.count("crates joined", len(joined))
    if not write:
        return
    for crate, ids in members.items():
        if keep not in ids:
            first = next(i for i in others if i in ids)
            CrateTrack.update({CrateTrack.track: keep}).where(
                (CrateTrack.crate == crate) & (CrateTrack.track == first)
            ).execute()
    CrateTrack.delete().where(CrateTrack.track.in_(others)).execute()


def _write_kept(plan: _Plan, library: MixxxLibrary) -> None:
    """The kept track's columns and, where taken from another copy, its cues."""
    if plan.updates:
        update = {Track._meta.fields[c]: v for c, v in plan.updates.items()}
        Track.update(update).where(Track.id == plan.keep.id).execute()
    if plan.cues_from is None:
        return
    Cue.delete().where(Cue.track == plan.keep.id).execute()
    copied = [c for c in library.schema.live_columns("cues") if c not in ("id", "track_id")]
    # Engine samples scale with the sample rate; a position of -1 (none) stays -1.
    scaled = {
        "position": "CASE WHEN position < 0 THEN position ELSE position * ? END",
        "length": "length * ?",
    }
    chosen = ", ".join(scaled.get(c, c) for c in copied)
    params: list[Any] = [plan.keep.id]
    params += [plan.scale for c in copied if c in scaled]
    params.append(plan.cues_from.id)
    execute(
        f"INSERT INTO cues (track_id, {', '.join(copied)})"
        f" SELECT ?, {chosen} FROM cues WHERE track_id = ? ORDER BY id",
        params,
    )


def _retire(plan: _Plan, library: MixxxLibrary, purge: bool) -> None:
    """Hide the others, or purge them as Mixxx's purge does (tables present in the file)."""
    others = [c.id for c in plan.others]
    if not purge:
        hidden: dict[Any, Any] = {Track.mixxx_deleted: 1}
        if library.schema.has_column("library", "timesplayed"):
            hidden[Track.timesplayed] = 0  # the plays moved: merging again adds nothing
        Track.update(hidden).where(Track.id.in_(others)).execute()
        return
    Cue.delete().where(Cue.track.in_(others)).execute()
    PlaylistTrack.delete().where(PlaylistTrack.track.in_(others)).execute()  # none left: moved
    CrateTrack.delete().where(CrateTrack.track.in_(others)).execute()
    if library.schema.has_column("track_analysis", "track_id"):
        TrackAnalysis.delete().where(TrackAnalysis.track.in_(others)).execute()
    locations = [c.values["location"] for c in plan.others if c.values.get("location")]
    Track.delete().where(Track.id.in_(others)).execute()
    TrackLocation.delete().where(TrackLocation.id.in_(locations)).execute()
    folders = sorted({c.directory for c in plan.others if c.directory})
    if folders and library.schema.has_column("LibraryHashes", "hash"):
        LibraryHash.update({LibraryHash.hash: -2}).where(
            LibraryHash.directory_path.in_(folders)
        ).execute()


def _touches(library: MixxxLibrary) -> list[tuple[str, str]]:
    touches = [("library", c) for c in _columns(library) if c not in _CHOICE]
    touches += [("library", "mixxx_deleted"), ("PlaylistTracks", "track_id")]
    touches += [("crate_tracks", "track_id"), ("cues", "track_id")]
    return touches


def _run(
    make_plans: Callable[[], list[_Plan]], result: WriteResult[Any], purge: bool, dry_run: bool
) -> list[_Plan]:
    """Plan inside the transaction that writes (so the plan holds), describe, write."""
    library = current_library()
    notes: list[str] = []
    with planned_write(dry_run, _touches(library)) as lib:
        plans = make_plans()
        for plan in plans:
            if plan.keep.values.get("mixxx_deleted") == 1:
                notes.append(f"the kept track {plan.keep.id} is hidden: it stays hidden")
            _describe(plan, result, notes)
            _entries(plan, result, not dry_run)
            _crates(plan, result, not dry_run)
            _retire_lines(plan, result, purge)
            if not dry_run:
                _write_kept(plan, lib)
                _retire(plan, lib, purge)
    result.notes.extend(notes)
    return plans


def _checked_cues_from(cues_from: TrackLike | None, keep: int, others: list[int]) -> int | None:
    if cues_from is None:
        return None
    source = track_id_of(cues_from)
    if source != keep and source not in others:
        raise ValidationError(f"--cues-from {source}: not one of the tracks merged")
    return source


@journalled
def merge_tracks(
    keep: TrackLike,
    others: Iterable[TrackLike] | TrackLike,
    *,
    purge: bool = False,
    cues_from: TrackLike | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult[list[int]]:
    """Merge ``others`` into ``keep`` (see the module docstring); ``value``: the merged ids.

    ``keep``/``others``/``cues_from``: Tracks, ids or paths as Mixxx stores them
    (:data:`TrackLike`). Raises ValidationError (a track into itself, ``keep`` among the
    others, ``cues_from`` not one of them), TrackNotFoundError, MixxxRunningError (unless
    ``force``), ReadOnlyError.
    """
    keep_id, other_ids = _resolve(keep, others)
    source = _checked_cues_from(cues_from, keep_id, other_ids)
    library = current_library()
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    result: WriteResult[list[int]] = WriteResult("merge-tracks", dry_run, notes=notes)
    columns = _columns(library)
    _run(lambda: [_plan(keep_id, other_ids, source, columns)], result, purge, dry_run)
    result.value = other_ids
    return result


def best_of(tracks: Sequence[Any]) -> Any:
    """The copy to keep of ``tracks`` (Track models or dicts with ``id``, ``filetype``,
    ``bitrate``, ``filesize``): lossless first (:data:`LOSSLESS`), then the higher bit rate,
    then the larger file, then the lower id. Raises ValidationError for an empty group."""
    if not tracks:
        raise ValidationError("an empty group has no best copy")

    def get(track: Any, name: str) -> Any:
        return track.get(name) if isinstance(track, dict) else getattr(track, name, None)

    def number(value: Any) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else 0.0

    def rank(track: Any) -> tuple[int, float, float, int]:
        kind = str(get(track, "filetype") or "").lower().lstrip(".")
        lossless = 0 if kind in LOSSLESS else 1
        return (
            lossless,
            -number(get(track, "bitrate")),
            -number(get(track, "filesize")),
            int(get(track, "id")),
        )

    return min(tracks, key=rank)


@journalled
def merge_duplicates(
    *,
    tolerance: float = 2.0,
    hidden: bool | None = False,
    rules: Iterable[str] = (BY_NAME, BY_SIZE),
    purge: bool = False,
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult[dict[int, list[int]]]:
    """Merge every group :func:`~mixxx_peewee.tracks.duplicates.find_duplicates` finds into
    its :func:`best_of` copy, in one transaction; ``value``: ``{kept id: merged ids}``.

    Raises ValidationError, MixxxRunningError (unless ``force``), ReadOnlyError.
    """
    rules = tuple(rules)
    library = current_library()
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    result: WriteResult[dict[int, list[int]]] = WriteResult(
        "merge-duplicates", dry_run, notes=notes
    )
    columns = _columns(library)

    def make_plans() -> list[_Plan]:
        plans = []
        for group in find_duplicates(tolerance=tolerance, hidden=hidden, rules=rules):
            copies = _read(group.track_ids, columns)
            rows = [
                {"id": c.id, "filetype": c.values.get("filetype"),
                 "bitrate": c.values.get("bitrate"), "filesize": c.filesize}
                for c in copies.values()
            ]  # fmt: skip
            keep = int(best_of(rows)["id"])
            plans.append(_plan(keep, [i for i in group.track_ids if i != keep], None, columns))
        return plans

    plans = _run(make_plans, result, purge, dry_run)
    result.value = {p.keep.id: [c.id for c in p.others] for p in plans}
    if not plans:
        result.keep("no duplicates found")
    return result
