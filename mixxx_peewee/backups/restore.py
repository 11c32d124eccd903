"""Restore: replace the open library's content with a backup, or take back parts of it.

:func:`restore` replaces everything, in one transaction. The current content is backed up
first (:mod:`mixxx_peewee.backups.copying`); the backup is checked (a Mixxx library,
undamaged, a schema this package writes) before anything changes. Never while Mixxx
runs: it would write its cached state over the restored file.

:func:`restore_part` takes back only crates, playlists, cues or some track fields, leaving
everything else as it is now (today's play counts, history, new tracks). The backup is
checked the same way and read through its own read-only connection before the library's
write lock is taken; the library is planned against it in a read transaction (a restore
that changes nothing takes no lock), then changed in one ``write_transaction``. The
backup must be of this library (an earlier state of the same file): tracks, crates,
playlists and cues are matched by id, and a backup none of whose tracks has the same id
and path as one of the library's is refused (``other_library=True`` takes it anyway).

The partial restore's seams are modules of their own: what may be taken back
(:mod:`~mixxx_peewee.backups.parts`), reading the backup
(:mod:`~mixxx_peewee.backups.backupfile`), crates and playlists
(:mod:`~mixxx_peewee.backups.restoresets`), cues and track fields
(:mod:`~mixxx_peewee.backups.restorefields`); this module is the two operations.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from mixxx_peewee.backups.backupfile import BackupData
from mixxx_peewee.backups.backupfile import BackupReader
from mixxx_peewee.backups.backupfile import RestoreJob
from mixxx_peewee.backups.backupfile import inspect_backup
from mixxx_peewee.backups.backupfile import read_backup
from mixxx_peewee.backups.copying import BACKUP_DIRNAME
from mixxx_peewee.backups.copying import BEFORE_RESTORE
from mixxx_peewee.backups.copying import Busy
from mixxx_peewee.backups.copying import copy_library
from mixxx_peewee.backups.copying import restore_pages
from mixxx_peewee.backups.parts import PATH_COLUMNS
from mixxx_peewee.backups.parts import PartSpec
from mixxx_peewee.backups.parts import parse_parts
from mixxx_peewee.backups.restorefields import restore_cues
from mixxx_peewee.backups.restorefields import restore_tracks
from mixxx_peewee.backups.restoresets import chosen_ids
from mixxx_peewee.backups.restoresets import restore_crates
from mixxx_peewee.backups.restoresets import restore_playlists
from mixxx_peewee.core.connection import db
from mixxx_peewee.core.connection import open_read_only
from mixxx_peewee.core.connection import raw_connection
from mixxx_peewee.core.connection import why
from mixxx_peewee.core.inspection import Verdict
from mixxx_peewee.core.inspection import inspect_schema
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.results import series
from mixxx_peewee.core.running import EXCLUSIVE
from mixxx_peewee.core.running import STRUCTURE
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.running import check_mixxx_guard
from mixxx_peewee.core.schema import cue_color_encoding
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import parse_track_ids
from mixxx_peewee.errors import BackupError
from mixxx_peewee.errors import DatabaseBusyError
from mixxx_peewee.errors import DatabaseConnectionError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.errors import SchemaVersionError
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.journal.operation import note_guard
from mixxx_peewee.library import check_file_writable
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import whole_library_change
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import Track
from mixxx_peewee.models import adapt_models
from mixxx_peewee.tracks.edits import require_columns
from mixxx_peewee.trackset.membership import existing_track_ids

__all__ = ["part_guard", "restore", "restore_part"]


@journalled
def restore(
    src: str | os.PathLike[str],
    *,
    force: bool = False,
    any_schema: bool = False,
    dry_run: bool = False,
) -> WriteResult:
    """Replace the open library's content with the backup ``src`` (Mixxx must not run).

    The current content is backed up first. ``any_schema`` allows a backup whose schema
    this package only reads; ``force`` never overrides the running-Mixxx check here.
    Raises MixxxRunningError, ReadOnlyError, NotAMixxxDatabaseError, SchemaVersionError,
    BackupError, DatabaseConnectionError (the backup cannot be opened).
    """
    library = current_library()
    source_path = Path(os.path.expanduser(os.fspath(src)))
    result = WriteResult("restore", dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    if not dry_run:
        check_file_writable(library)  # before the copy of the current library is made
    note_guard(EXCLUSIVE)
    result.notes += check_mixxx_guard(EXCLUSIVE, library.path, force=force)
    if source_path.exists() and os.path.samefile(source_path, library.path):
        raise ValidationError(f"{source_path}: is the open library itself")
    revision, verdict, tracks = inspect_backup(source_path)
    if verdict != Verdict.READ_WRITE.value and not any_schema:
        raise SchemaVersionError(
            f"{source_path}: schema is {verdict} for this package (revision {revision}); "
            "any_schema=True restores it anyway"
        )
    result.counts["tracks"] = tracks
    result.add(f"back up the current library to {library.path.parent / BACKUP_DIRNAME}/")
    result.add(
        f"replace the library with {source_path} (revision {revision}, {plural(tracks, 'track')})"
    )
    if dry_run:
        return result
    if db.in_transaction():
        raise BackupError(f"{library.path}: cannot restore inside a transaction")
    saved = copy_library(library, None, BEFORE_RESTORE)
    result.changes[0] = f"backed up the current library to {saved}"
    result.value = str(saved)  # JSON-ready, like every WriteResult value
    live = raw_connection()
    try:
        source = open_read_only(source_path)
        try:
            with whole_library_change(saved):
                restore_pages(source, live, library.busy_timeout_ms)
        finally:
            source.close()
    except (sqlite3.Error, Busy, DatabaseConnectionError, DatabaseBusyError) as exc:
        raise BackupError(
            f"{library.path}: restore failed ({why(exc)}); the library is as before "
            f"(its backup: {saved})"
        ) from None
    report = inspect_schema(live)
    adapt_models(report.live)
    library.schema = report
    result.changes[1] = f"replaced the library with {source_path} (revision {revision})"
    return result


def part_guard(parts: str | Iterable[str]) -> str:
    """The running-Mixxx guard kind a partial restore of ``parts`` follows (TRACK_DATA for
    cues and track fields, else STRUCTURE); raises ValidationError for a bad part."""
    return TRACK_DATA if parse_parts(parts).track_data else STRUCTURE


def _part_touches(spec: PartSpec, backup: BackupData) -> list[tuple[str, str]]:
    """The ``(table, column)`` pairs the restore writes (each must exist in the live file)."""
    touches: list[tuple[str, str]] = []
    if spec.crates:
        touches += [("crates", c) for c in backup.crate_columns]
        touches += [("crate_tracks", "crate_id"), ("crate_tracks", "track_id")]
    if spec.playlists:
        touches += [("Playlists", c) for c in backup.playlist_columns]
        touches += [("PlaylistTracks", c) for c in PlaylistTrack._meta.columns]
    if spec.cues:
        touches += [("cues", c) for c in backup.cue_columns] + [("library", "cuepoint")]
    touches += [("library", c) for c in backup.track_columns]
    if "location" in spec.fields:
        touches += [("track_locations", c) for c in PATH_COLUMNS]
    return touches


def _live_tracks(job: RestoreJob) -> set[int]:
    """The ids of the library's tracks: all, or (a narrowed job) those the job may name."""
    spec, backup = job.spec, job.backup
    if not job.narrow:
        return {t for (t,) in stored_rows(Track.select(Track.id))}
    ids = set(job.cue_tracks or ()) | set(job.field_tracks or ())
    for crate_id in job.crate_ids if spec.crates else ():
        ids.update(backup.crate_members.get(crate_id, ()))
    for playlist_id in job.playlist_ids if spec.playlists else ():
        ids.update(t for _, t, _ in backup.entries[playlist_id])
    return set(existing_track_ids(ids))


def _take_back(job: RestoreJob, result: WriteResult, write: bool) -> None:
    """Plan (and with ``write``, make) every part's changes; call inside a transaction to
    write."""
    live_tracks = _live_tracks(job)
    spec = job.spec
    for wanted, part in (
        (spec.crates, restore_crates),
        (spec.playlists, restore_playlists),
        (spec.cues, restore_cues),
        (bool(spec.fields), restore_tracks),
    ):
        if wanted:
            part(job, live_tracks, result, write)


def _check_tracks(only: set[int], backup: BackupData, result: WriteResult) -> None:
    """Raise TrackNotFoundError for asked tracks the library lacks; note those the backup
    lacks."""
    unknown = sorted(only - set(existing_track_ids(only)))
    if unknown:
        raise TrackNotFoundError(f"no track with id {series(unknown)}")
    outside = sorted(only - backup.tracks)
    if outside:
        many = len(outside) > 1
        result.notes.append(
            f"track{'s' if many else ''} {series(outside)} {'are' if many else 'is'} not in "
            f"the backup: left as {'they are' if many else 'it is'}"
        )


@journalled
def restore_part(
    src: str | os.PathLike[str],
    parts: str | Iterable[str],
    *,
    names: Iterable[str | int] | None = None,
    tracks: Iterable[int] | None = None,
    dry_run: bool = False,
    force: bool = False,
    other_library: bool = False,
    any_schema: bool = False,
) -> WriteResult:
    """Take back parts of the library from the backup ``src``, leaving the rest as it is now.

    ``parts``: ``"crates"``, ``"playlists"``, ``"cues"``, ``"tracks:FIELD[,FIELD…]"`` (a
    list, or one comma list; fields in
    :data:`mixxx_peewee.core.trackfields.RESTORE_FIELDS`, or ``metadata``). ``names``
    limits crates and playlists to those ids or names of the backup; ``tracks`` limits
    cues and track fields to those track ids. One write transaction; tracks are matched by
    id. A backup none of whose tracks is this library's (the same id and path) is refused
    unless ``other_library``; the plan notes how many match. ``force`` writes cues and
    track fields while Mixxx runs; ``any_schema`` reads a backup whose schema this package
    refuses. Raises ValidationError (a bad part, field or name; another library's backup),
    BackupError, NotAMixxxDatabaseError, SchemaVersionError, TrackNotFoundError,
    MixxxRunningError, ReadOnlyError, DatabaseConnectionError (the backup cannot be opened).
    """
    library = current_library()
    spec = parse_parts(parts)
    wanted = None if names is None else [str(n).strip() for n in names]
    if wanted is not None and not spec.structure:
        raise ValidationError("names choose crates and playlists: restore crates or playlists")
    only = None if tracks is None else set(parse_track_ids(tracks))
    if only is not None and not spec.track_data:
        raise ValidationError("tracks choose cues and track fields: restore cues or tracks:FIELDS")
    source_path = Path(os.path.expanduser(os.fspath(src)))
    if source_path.exists() and os.path.samefile(source_path, library.path):
        raise ValidationError(f"{source_path}: is the open library itself")
    revision, verdict, _ = inspect_backup(source_path)
    if verdict == Verdict.REFUSE.value and not any_schema:
        raise SchemaVersionError(
            f"{source_path}: schema is {verdict} for this package (revision {revision}); "
            "any_schema=True reads it anyway"
        )
    if spec.cues and library.schema.has_column("cues", "color"):
        live_revision = library.schema.matched_revision or library.schema.version or 0
        # A backup that records no revision (read with any_schema) counts as palette ids.
        colours = cue_color_encoding(revision or 0)
        if colours != cue_color_encoding(live_revision):
            raise ValidationError(
                f"{source_path}: its cue colours are stored as "
                f"{'0xRRGGBB' if colours == 'rgb' else 'palette ids'} "
                f"(revision {revision}), the library's are not: cues not restored"
            )
    source = BackupReader(source_path)
    try:
        match = source.match()
        if match.other_library and not other_library:
            raise ValidationError(
                f"{source_path}: none of its {plural(match.tracks, 'track')} is one of this "
                "library's (the same id and path): a backup of another library? "
                "other_library=True takes it back anyway"
            )
        backup = read_backup(source, spec, revision, only)
    finally:
        source.close()
    matched: set[str] = set()
    crate_ids = chosen_ids(backup.crates, wanted, matched) if spec.crates else []
    playlist_ids = chosen_ids(backup.playlists, wanted, matched) if spec.playlists else []
    if wanted is not None:
        unknown = [n for n in wanted if n not in matched]
        if unknown:
            kinds = " or ".join(k for k, on in (("crate", spec.crates),
                                                ("playlist", spec.playlists)) if on)  # fmt: skip
            raise ValidationError(
                f"no {kinds} {', '.join(repr(n) for n in unknown)} in the backup {source_path}"
            )
    touches = _part_touches(spec, backup)
    require_columns(library, touches)
    notes: list[str] = []
    if spec.track_data:  # the stricter guard first: it is the one the journal keeps
        notes += guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    if spec.structure:
        notes += guard_notes(STRUCTURE, force=False, dry_run=dry_run)
    if not dry_run and library.readonly:
        raise ReadOnlyError(f"{library.path}: opened read-only")
    job = RestoreJob(
        backup, spec, crate_ids, playlist_ids, backup.cue_tracks, backup.field_tracks,
        wanted is not None, absent=set(backup.absent),
    )  # fmt: skip
    notes.append(match.text())
    plan = WriteResult("restore_part", dry_run=dry_run, notes=list(dict.fromkeys(notes)))
    plan.value = spec.text()
    if only is not None:
        _check_tracks(only, backup, plan)
    # The plan: plain reads, each its own short statement (no read transaction holding
    # Mixxx's commits up); what they find is checked again under the write lock.
    _take_back(job, plan, write=False)
    if job.absent:
        plan.counts["tracks_not_in_library"] = len(job.absent)
        plan.notes.append(
            f"{plural(len(job.absent), 'track')} of the backup "
            f"{'is' if len(job.absent) == 1 else 'are'} no longer in the library: skipped"
        )
    plan.counts = {k: n for k, n in plan.counts.items() if n}
    if not plan.changes:
        plan.keep(f"{spec.text()}: as in the backup {source_path.name} already")
    if dry_run or not plan.changes:
        return plan  # a restore that changes nothing takes no lock
    result = WriteResult("restore_part", notes=[], value=plan.value)
    with write_transaction(touches):
        _take_back(job.narrowed(), result, write=True)
    result.notes = list(dict.fromkeys([*plan.notes, *result.notes]))
    result.unchanged = plan.unchanged
    result.counts = {k: n for k, n in result.counts.items() if n}
    if job.absent:
        result.counts["tracks_not_in_library"] = len(job.absent)
    return result
