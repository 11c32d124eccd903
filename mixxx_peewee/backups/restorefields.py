"""A partial restore of cues and track fields: the rows that differ, written set-wise.

Cues are matched by id (AUTOINCREMENT: the same cue in both files), track fields by the
track's id; a path is taken back only where no other track has it now. Each
``restore_*`` function plans, and with ``write`` makes, its part's changes (see
:mod:`mixxx_peewee.backups.restore`).

May import: ``core``, ``models``, ``journal.capture``, ``backups.parts``,
``backups.backupfile``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mixxx_peewee.backups.backupfile import TEMPORARY_NAME
from mixxx_peewee.backups.backupfile import BackupData
from mixxx_peewee.backups.backupfile import RestoreJob
from mixxx_peewee.backups.backupfile import fields_of
from mixxx_peewee.backups.parts import PATH_COLUMNS
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.trackfields import RESTORE_FIELDS
from mixxx_peewee.core.values import change_text
from mixxx_peewee.journal.capture import bulk_write
from mixxx_peewee.journal.capture import known_updates
from mixxx_peewee.journal.records import same_row
from mixxx_peewee.journal.records import same_value
from mixxx_peewee.models import Cue
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation

__all__ = ["restore_cues", "restore_tracks"]

# -- cues --


def _rows_by_track(
    query: Callable[[], Any], where: Callable[[Any], Any], tracks: list[int], every: bool
) -> list[tuple[Any, ...]]:
    """The rows of ``query()`` for ``tracks``: one scan when they are every track, else by
    chunks of ids (``where(in_list)`` narrows the query)."""
    if every:
        return stored_rows(query())
    return for_each_chunk(lambda in_list: query().where(where(in_list)), tracks)


def restore_cues(job: RestoreJob, live_tracks: set[int], result: WriteResult, write: bool) -> None:
    """Plan (with ``write``, make) the cues' part: each track's cues and cuepoint as backed up."""
    backup = job.backup
    columns = backup.cue_columns
    at = columns.index("track_id")
    wanted = job.cue_tracks if job.cue_tracks is not None else set(backup.cues)
    job.absent.update(t for t in backup.cues if t not in live_tracks and t in wanted)
    tracks = sorted(t for t in backup.cues if t in live_tracks and t in wanted)
    every = job.cue_tracks is None
    live: dict[int, dict[int, tuple[Any, ...]]] = {t: {} for t in tracks}
    owner: dict[int, int] = {}  # cue id -> its track, live
    for row in _rows_by_track(
        lambda: Cue.select(*fields_of(Cue, columns)), Cue.track.in_, tracks, every
    ):
        owner[row[0]] = row[at]
        if row[at] in live:
            live[row[at]][row[0]] = row
    if not every:
        wanted_ids = sorted(r[0] for t in tracks for r in backup.cues[t])
        owner.update(for_each_chunk(
            lambda in_list: Cue.select(Cue.id, Cue.track).where(Cue.id.in_(in_list)), wanted_ids
        ))  # fmt: skip
    cuepoints = dict(
        _rows_by_track(lambda: Track.select(Track.id, Track.cuepoint), Track.id.in_, tracks, every)
    )
    changed_tracks = 0
    deletes: list[int] = []
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    moved: list[tuple[Any, ...]] = []  # cues whose id another track's cue has now
    points: list[tuple[Any, int]] = []
    for track in tracks:
        stored = {r[0]: r for r in backup.cues[track]}
        now = live[track]
        gone = [i for i in now if i not in stored]
        changed = [r for i, r in stored.items() if i in now and not same_row(now[i], r)]
        made = [r for i, r in stored.items() if i not in now]
        point = backup.cuepoints.get(track)
        pieces = [f"+{len(made)}" if made else "", f"~{len(changed)}" if changed else "",
                  f"-{len(gone)}" if gone else ""]  # fmt: skip
        if not same_value(cuepoints.get(track), point):
            points.append((point, track))
            pieces.append(f"cuepoint {change_text('cuepoint', cuepoints.get(track))} -> {point!r}")
        if not any(pieces):
            continue
        result.add(f"track {track}: cues as in the backup ({' '.join(p for p in pieces if p)})")
        changed_tracks += 1
        job.changed["cues"].add(track)
        result.count("cues_added", len(made))
        result.count("cues_changed", len(changed))
        result.count("cues_removed", len(gone))
        deletes.extend(gone)
        updates.extend(changed)
        for row in made:
            (moved if owner.get(row[0], track) != track else inserts).append(row)
    if tracks and not changed_tracks:
        result.keep(f"the cues of {plural(len(tracks), 'track')} are as in the backup already")
    if not write:
        return
    for_each_chunk(lambda in_list: Cue.delete().where(Cue.id.in_(in_list)), deletes)
    fields = fields_of(Cue, columns)
    run_for_each(
        lambda i, *values: Cue.update(dict(zip(fields[1:], values, strict=True))).where(
            Cue.id == i
        ),
        updates,
    )
    run_for_each(lambda *values: Cue.insert(dict(zip(fields, values, strict=True))), inserts)
    run_for_each(lambda *values: Cue.insert(dict(zip(fields[1:], values, strict=True))),
                 [r[1:] for r in moved])  # fmt: skip
    run_for_each(
        lambda point, i: Track.update({Track.cuepoint: point}).where(Track.id == i), points
    )


# -- track fields --


def restore_tracks(
    job: RestoreJob, live_tracks: set[int], result: WriteResult, write: bool
) -> None:
    """Plan (with ``write``, make) the track fields' part: columns and paths as backed up."""
    backup = job.backup
    every = job.field_tracks is None
    wanted = set(backup.tracks) if job.field_tracks is None else job.field_tracks
    known = set(backup.values) | set(backup.paths)
    job.absent.update(t for t in known if t not in live_tracks and t in wanted)
    tracks = sorted(t for t in known if t in live_tracks and t in wanted)
    changed: set[int] = set()
    if backup.track_columns:
        changed.update(_restore_columns(backup, tracks, every, result, write))
    if "location" in job.spec.fields:
        changed.update(_restore_paths(backup, tracks, every, result, write))
    result.count("tracks_changed", len(changed))
    job.changed["fields"].update(changed)
    if tracks and not changed:
        fields = ", ".join(job.spec.fields)
        result.keep(f"{fields} of {plural(len(tracks), 'track')} as in the backup already")


def _restore_columns(
    backup: BackupData, tracks: list[int], every: bool, result: WriteResult, write: bool
) -> set[int]:
    """The library columns of the asked fields; the tracks changed."""
    columns = backup.track_columns
    groups = [
        (name, [columns.index(c) for c in cols if c in columns])
        for name, cols in RESTORE_FIELDS.items()
        if name != "location" and cols[0] in columns
    ]
    query = Track.select(Track.id, *fields_of(Track, columns))
    live = {r[0]: r[1:] for r in _rows_by_track(lambda: query, Track.id.in_, tracks, every)}
    by_shape: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    changed = set()
    for track in tracks:
        old, new = live[track], backup.values[track]
        if same_row(old, new):
            continue
        shape: list[int] = []
        for name, at in groups:
            differs = [i for i in at if not same_value(old[i], new[i])]
            if not differs:
                continue
            lead = at[0]
            line = (
                f"track {track}: {name} {change_text(columns[lead], old[lead])} -> "
                + change_text(columns[lead], new[lead])
            )
            others = [columns[i] for i in differs if i != lead]
            if others:
                line += f" (with {', '.join(others)})"
            result.add(line)
            result.count(name)
            shape.extend(at)
        if shape:
            changed.add(track)
            by_shape.setdefault(tuple(shape), []).append((*(new[i] for i in shape), track))
    if write and changed:
        # Journalled set-wise: the images are the values read and written here (a row
        # trigger on the wide library table cost ~1 s of lock for 7,000 BPMs).
        known = known_updates(
            "library", columns, ((t, live[t], backup.values[t]) for t in sorted(changed))
        )
        with bulk_write("library", known=known):
            for columns_at, rows in by_shape.items():
                fields = fields_of(Track, [columns[i] for i in columns_at])
                run_for_each(
                    lambda *values, fields=fields: Track.update(
                        dict(zip(fields, values[:-1], strict=True))
                    ).where(Track.id == values[-1]),
                    rows,
                )
    return changed


def _restore_paths(
    backup: BackupData, tracks: list[int], every: bool, result: WriteResult, write: bool
) -> set[int]:
    """The path columns of the tracks' ``track_locations`` rows; the tracks changed.

    The track keeps its location row (its id); a path another track has now is left alone.
    """
    query = Track.select(Track.id, TrackLocation.id, *fields_of(TrackLocation, PATH_COLUMNS)).join(
        TrackLocation, on=(Track.location == TrackLocation.id)
    )
    live = {r[0]: r[1:] for r in _rows_by_track(lambda: query, Track.id.in_, tracks, every)}
    moves: dict[int, tuple[int, tuple[Any, ...], tuple[Any, ...]]] = {}  # location id -> …
    unplaced = 0
    for track in tracks:
        new = backup.paths.get(track)
        if new is None:
            continue  # no location row in the backup: nothing to take back
        now = live.get(track)
        if now is None:
            unplaced += 1
            continue
        if not same_row(now[1:], new):
            moves[now[0]] = (track, now[1:], new)
    targets: list[Any] = sorted({m[2][0] for m in moves.values() if isinstance(m[2][0], str)})
    holders: dict[Any, int] = dict(
        for_each_chunk(
            lambda in_list: TrackLocation.select(TrackLocation.location, TrackLocation.id).where(
                TrackLocation.location.in_(in_list)
            ),
            targets,
        )
    )
    taken: list[tuple[int, int, Any, int]] = []
    while True:  # a row left where it is may hold the path another move wanted: again
        blocked = [
            (i, m[0], m[2][0], holder)
            for i, m in moves.items()
            if (holder := holders.get(m[2][0])) is not None and holder != i and holder not in moves
        ]
        if not blocked:
            break
        taken.extend(blocked)
        for location_id, *_ in blocked:
            del moves[location_id]
    # Paths swapped between rows that both move: two steps keep UNIQUE(location) (below).
    swapped = any(holders.get(m[2][0], i) != i for i, m in moves.items())
    for track, old, new in sorted(moves.values()):
        result.add(f"track {track}: location {old[0]} -> {new[0]}")
        result.count("location")
    if taken:
        first = taken[0]
        result.notes.append(
            f"{plural(len(taken), 'track')} left at {'its' if len(taken) == 1 else 'their'} "
            f"current path: the backup's path is another track's now (e.g. track {first[1]}: "
            f"{first[2]} is location id {first[3]})"
        )
    if unplaced:
        result.notes.append(f"{plural(unplaced, 'track')} without a location row left alone")
    if write and moves:
        update = fields_of(TrackLocation, PATH_COLUMNS)

        def statement(*values: Any) -> Any:
            return TrackLocation.update(dict(zip(update, values[:-1], strict=True))).where(
                TrackLocation.id == values[-1]
            )

        known = known_updates(
            "track_locations", PATH_COLUMNS, ((i, old, new) for i, (_, old, new) in moves.items())
        )
        with bulk_write("track_locations", known=known):  # as relocate_tracks journals
            if swapped:  # UNIQUE(location) holds at every statement: first out of the way
                run_for_each(
                    lambda path, i: TrackLocation.update({TrackLocation.location: path}).where(
                        TrackLocation.id == i
                    ),
                    [(TEMPORARY_NAME.format(i), i) for i in moves],
                )
            run_for_each(statement, [(*new, i) for i, (_, _, new) in moves.items()])
    return {m[0] for m in moves.values()}
