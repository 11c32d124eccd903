"""The Mixxx side of an import: an exchange file's tracks matched, planned and written.

:func:`run_import` matches each track of an :class:`~mixxx_peewee.interop.model.ExchangeFile`
to the library by path (after the path map's reverse, as stored, NFC or NFD; no symlink
resolved: Mixxx stores the path the scanner found), optionally adds files that exist but
are not in the library (the rows Mixxx's ``TrackDAO`` inserts for a new file, with
``header_parsed = 0`` so Mixxx reads the file's tags on its next load), then plans per
track what changes — cues (:mod:`mixxx_peewee.interop.cueplan`), the grid, the key (the
key map, as :func:`mixxx_peewee.analysis.grids.key_edit` writes it), rating, play count —
and playlists (a node's folder path joined by the separator becomes one playlist name,
filled through :func:`mixxx_peewee.trackset.filling.fill_playlist`). Everything is written
in one ``write_transaction``; a dry run reads in one read transaction and takes no write
lock. Files are read (existence, MP3 headers) before the transaction.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.grids import key_edit
from mixxx_peewee.analysis.grids import mixxx_generation
from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.values import chunked
from mixxx_peewee.errors import LockedError
from mixxx_peewee.errors import NotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.collect import cue_color_mode
from mixxx_peewee.interop.cueplan import CuePlan
from mixxx_peewee.interop.cueplan import plan_cues
from mixxx_peewee.interop.cueplan import plan_grid
from mixxx_peewee.interop.model import ExchangeFile
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.model import folder_names
from mixxx_peewee.interop.mp3offset import mp3_offset_seconds
from mixxx_peewee.interop.pathmap import PathMap
from mixxx_peewee.library import current_library
from mixxx_peewee.library import guard_notes
from mixxx_peewee.models import Cue
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.cues import PALETTE
from mixxx_peewee.trackset.filling import fill_crate
from mixxx_peewee.trackset.filling import fill_playlist
from mixxx_peewee.trackset.membership import planned_write

__all__ = ["ONLY", "ImportOptions", "ImportReport", "run_import"]

ONLY = frozenset({"cues", "grids", "keys", "ratings", "playcounts", "playlists"})
_CUE_POLICIES = ("keep", "merge", "replace")
_GRID_POLICIES = ("keep", "replace")
_MEMORY = ("slots", "skip")
_ROW_COLUMNS = (
    "samplerate", "duration", "bpm_lock", "beats", "beats_version", "beats_sub_version",
    "bpm", "keys", "keys_version", "keys_sub_version", "key", "key_id", "rating",
    "timesplayed",
)  # fmt: skip
_NEW_TRACK_TEXT = {
    "artist": "artist", "title": "title", "album": "album", "album_artist": "album_artist",
    "composer": "composer", "grouping": "grouping", "genre": "genre", "comment": "comment",
    "year": "year", "tracknumber": "track_number",
}  # fmt: skip


@dataclass
class ImportOptions:
    """What an import carries and how it treats what Mixxx has already."""

    path_map: PathMap | None = None
    add_missing: bool = False
    cues: str = "merge"  # keep | merge | replace
    grids: str = "replace"  # keep | replace
    memory_cues: str = "slots"  # slots | skip
    only: frozenset[str] | None = None  # of ONLY; None: everything
    offset: bool = True
    separator: str = " / "
    playlist_prefix: str = ""
    # The folders an export of ours puts playlists and crates in: what is under the crate
    # folder comes back as crates, what is under the playlist folder as playlists, each
    # named without the folder; anything else is a playlist named by its whole path.
    playlist_folder: str = "Mixxx/Playlists"
    crate_folder: str = "Mixxx/Crates"

    def wants(self, part: str) -> bool:
        """Whether ``part`` (one of :data:`ONLY`) is imported."""
        return self.only is None or part in self.only


@dataclass
class ImportReport:
    """What an import matched, added and wrote (or, in a dry run, would write)."""

    matched: int = 0
    added: int = 0
    not_found: list[str] = field(default_factory=list)
    cues_written: int = 0
    loops_as_hotcues: int = 0
    grids: int = 0
    grids_refused: list[str] = field(default_factory=list)
    keys: int = 0
    ratings: int = 0
    playcounts: int = 0
    playlists: int = 0
    crates: int = 0
    mp3_corrected: int = 0
    mp3_unchecked: int = 0
    per_track: list[dict[str, Any]] = field(default_factory=list)  # track_id, path, changes
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return dict(self.__dict__)


def _check_options(options: ImportOptions) -> None:
    if options.cues not in _CUE_POLICIES:
        raise ValidationError(
            f"cues must be one of {', '.join(_CUE_POLICIES)}, not {options.cues!r}"
        )
    if options.grids not in _GRID_POLICIES:
        raise ValidationError(f"grids must be keep or replace, not {options.grids!r}")
    if options.memory_cues not in _MEMORY:
        raise ValidationError(f"memory_cues must be slots or skip, not {options.memory_cues!r}")
    if options.only is not None:
        unknown = sorted(set(options.only) - ONLY)
        if unknown:
            raise ValidationError(f"only takes {', '.join(sorted(ONLY))}, not {', '.join(unknown)}")


def _forms(path: str) -> list[str]:
    return list(dict.fromkeys([path, unicodedata.normalize("NFC", path),
                               unicodedata.normalize("NFD", path)]))  # fmt: skip


def _locate(paths: Iterable[str]) -> dict[str, int]:
    """Library track id per stored location, for those of ``paths`` in the library."""
    wanted = list(dict.fromkeys(paths))

    def statement(marks: Any) -> Any:
        return (
            Track.select(TrackLocation.location, Track.id)
            .join(TrackLocation, on=(Track.location == TrackLocation.id))
            .where(TrackLocation.location.in_(marks))
        )

    rows = for_each_chunk(statement, wanted)  # type: ignore[arg-type]  # chunks of any value
    return {location: track_id for location, track_id in rows}


@dataclass
class _Match:
    track: ExchangeTrack
    location: str  # as Mixxx stores it (or will)
    track_id: int | None  # None: to be added
    offset: float = 0.0


def _match(file: ExchangeFile, options: ImportOptions, report: ImportReport) -> list[_Match]:
    """The file's tracks matched to library locations (or, with add_missing, files to add)."""
    wanted = [
        options.path_map.to_library(t.path) if options.path_map is not None else t.path
        for t in file.tracks
    ]
    with read_transaction():
        found = _locate(form for path in wanted for form in _forms(path))
    matches: list[_Match] = []
    seen: set[str] = set()
    for track, path in zip(file.tracks, wanted, strict=True):
        location = next((f for f in _forms(path) if f in found), None)
        if location is None and options.add_missing:
            location = next((f for f in _forms(path) if os.path.isfile(f)), None)
        if location is None:
            report.not_found.append(track.path)
            continue
        if location in seen:
            report.warnings.append(f"{track.path}: given twice in the file, first kept")
            continue
        seen.add(location)
        matches.append(_Match(track, location, found.get(location)))
    return matches


def _offsets(matches: list[_Match], options: ImportOptions, report: ImportReport) -> None:
    """Each match's MP3 offset, read from its file (before any lock is taken)."""
    for match in matches:
        if not options.offset or not (match.track.cues or match.track.tempos):
            continue
        if not match.location.lower().endswith(".mp3"):
            continue
        found = mp3_offset_seconds(match.location)
        if found is None:
            report.mp3_unchecked += 1
        elif found:
            match.offset = found
            report.mp3_corrected += 1


def _track_rows(ids: list[int]) -> dict[int, dict[str, Any]]:
    library = current_library()
    columns = [c for c in _ROW_COLUMNS if library.schema.has_column("library", c)]
    fields = [getattr(Track, c) for c in columns]

    def statement(marks: Any) -> Any:
        return Track.select(Track.id, *fields).where(Track.id.in_(marks))

    return {r[0]: dict(zip(columns, r[1:], strict=True)) for r in for_each_chunk(statement, ids)}


def _cue_rows(ids: list[int], mode: str) -> dict[int, list[tuple[Any, ...]]]:
    color = Cue.color if mode != "none" else Cue.id  # a stand-in column: no colours here
    fields = [Cue.track, Cue.id, Cue.type, Cue.position, Cue.length, Cue.hotcue, Cue.label, color]

    def statement(marks: Any) -> Any:
        return Cue.select(*fields).where(Cue.track.in_(marks)).order_by(Cue.id)

    out: dict[int, list[tuple[Any, ...]]] = {}
    for row in for_each_chunk(statement, ids):
        values = row[1:] if mode != "none" else (*row[1:-1], None)
        out.setdefault(row[0], []).append(tuple(values))
    return out


def _stored_color(rgb: int, mode: str) -> int | None:
    if mode == "none":
        return None
    if mode == "rgb":
        return rgb & 0xFFFFFF

    def distance(item: tuple[int, int]) -> int:
        other = item[1]
        return sum((((rgb >> s) & 255) - ((other >> s) & 255)) ** 2 for s in (0, 8, 16))

    return min(PALETTE.items(), key=distance)[0]  # the nearest colour of the palette


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _now_text() -> Any:
    return Track.datetime_added.db_value(datetime.now(UTC).replace(tzinfo=None))


def _add_track(match: _Match) -> int:
    """The rows Mixxx's TrackDAO inserts for a new file; tags from the exchange file."""
    library = current_library()
    path = match.location
    directory, _, filename = path.rpartition("/")
    location_id = TrackLocation.insert(
        location=path, filename=filename, directory=directory or "/",
        filesize=Path(path).stat().st_size, fs_deleted=0, needs_verification=0,
    ).execute()  # fmt: skip
    track = match.track
    values: dict[str, Any] = {"location": location_id}
    for column, name in _NEW_TRACK_TEXT.items():
        text = getattr(track, name)
        if isinstance(text, str) and text:
            values[column] = text
    values["title"] = values.get("title") or Path(filename).stem
    values.update(
        filetype=Path(filename).suffix.lstrip(".").lower() or "?",
        datetime_added=_now_text(), mixxx_deleted=0, header_parsed=0, played=0,
        timesplayed=0, rating=0,
    )  # fmt: skip
    for column, number in (("duration", track.duration), ("samplerate", track.samplerate),
                           ("bitrate", track.bitrate)):  # fmt: skip
        if _number(number):
            values[column] = number
    present = {k: v for k, v in values.items() if library.schema.has_column("library", k)}
    return int(Track.insert({getattr(Track, k): v for k, v in present.items()}).execute())


def _plan_track(
    match: _Match, row: dict[str, Any], cues: list[tuple[Any, ...]], options: ImportOptions,
    report: ImportReport, mode: str, hot_loops: bool,
) -> tuple[CuePlan | None, dict[str, Any], list[str]]:  # fmt: skip
    """What changes for one track: its cue plan, its library columns, the change lines."""
    track = match.track
    where = f"track {match.track_id or match.location}"
    rate = _number(row.get("samplerate")) or _number(track.samplerate)
    duration = _number(row.get("duration")) or _number(track.duration)
    columns: dict[str, Any] = {}
    changes: list[str] = []
    plan: CuePlan | None = None
    if (
        options.wants("cues")
        and options.cues != "keep"
        and (track.cues or options.cues == "replace")
    ):
        if rate is None:
            report.warnings.append(f"{where}: no sample rate, its cues are not imported")
        else:
            plan = plan_cues(
                track.cues, rate=rate, offset=match.offset, duration=duration, existing=cues,
                policy=options.cues, memory_cues=options.memory_cues, hot_loops=hot_loops,
                where=where,
            )  # fmt: skip
            report.warnings.extend(plan.notes)
            changes.extend(plan.changes)
            if plan.delete and not plan.insert:
                changes.append(f"{len(plan.delete)} cues removed")
    if options.wants("grids") and options.grids == "replace" and track.tempos:
        locked = bool(row.get("bpm_lock")) and bool(row.get("beats"))
        grid = (
            "its BPM is locked (bpm_lock)"
            if locked
            else plan_grid(track.tempos, rate=rate, duration=duration, offset=match.offset)
        )
        if isinstance(grid, str):
            report.grids_refused.append(f"{where}: {grid}")
        elif (row.get("beats"), row.get("beats_version")) != (grid.beats, grid.version):
            columns.update(beats=grid.beats, beats_version=grid.version, beats_sub_version="",
                           bpm=grid.bpm)  # fmt: skip
            changes.append(grid.describe)
            report.grids += 1
    if options.wants("keys") and track.key_id is not None and 1 <= track.key_id <= 24:
        keymap = decode_keys(row.get("keys_version"), row.get("keys")).value
        current = keymap.key_id if keymap is not None else row.get("key_id")
        if current != track.key_id:
            model = Track(id=match.track_id, keys=row.get("keys"), key=row.get("key"),
                          keys_version=row.get("keys_version"))  # fmt: skip
            edit = key_edit(model, track.key_id, replace_invalid=True)
            columns.update(edit)
            changes.append(f"key {edit['key']}")
            report.keys += 1
    rating = track.rating
    if (
        options.wants("ratings") and rating is not None and 0 <= rating <= 5
        and row.get("rating") != rating and (rating or row.get("rating"))
    ):  # fmt: skip
        columns["rating"] = track.rating
        changes.append(f"rating {track.rating}")
        report.ratings += 1
    plays = track.play_count
    if (
        options.wants("playcounts") and plays is not None and plays >= 0
        and (row.get("timesplayed") or 0) != plays
    ):  # fmt: skip
        columns["timesplayed"] = track.play_count
        changes.append(f"play count {track.play_count}")
        report.playcounts += 1
    if plan is not None and plan.main_position is not None:
        columns["cuepoint"] = plan.main_position
    return plan, columns, changes


@dataclass
class _Writes:
    """Every row an import writes, gathered per track and written set-wise at the end."""

    mode: str
    deletes: list[int] = field(default_factory=list)
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = field(default_factory=dict)

    def cues(self, track_id: int, plan: CuePlan) -> None:
        self.deletes.extend(plan.delete)
        for r in plan.insert:
            row = (track_id, r.type, r.position, r.length, r.hotcue, r.label)
            color = _stored_color(r.color, self.mode)
            self.inserts.append(row if self.mode == "none" else (*row, color))

    def columns(self, track_id: int, columns: dict[str, Any]) -> None:
        names = tuple(sorted(columns))
        self.updates.setdefault(names, []).append((*(columns[n] for n in names), track_id))

    def flush(self) -> None:
        for part in chunked(self.deletes):
            Cue.delete().where(Cue.id.in_(list(part))).execute()
        mode = self.mode

        def insert(*v: Any) -> Any:
            data = {Cue.track: v[0], Cue.type: v[1], Cue.position: v[2], Cue.length: v[3],
                    Cue.hotcue: v[4], Cue.label: v[5]}  # fmt: skip
            if mode != "none":
                data[Cue.color] = v[6]
            return Cue.insert(data)

        run_for_each(insert, self.inserts)
        for names, rows in self.updates.items():

            def update(*v: Any, names: tuple[str, ...] = names) -> Any:
                values = {getattr(Track, n): v[i] for i, n in enumerate(names)}
                return Track.update(values).where(Track.id == v[-1])

            run_for_each(update, rows)


def _playlist_names(
    nodes: list[ExchangeNode], options: ImportOptions, trail: tuple[str, ...] = ()
) -> Iterable[tuple[str, str, ExchangeNode]]:
    """``(kind, name, node)`` of every playlist node: "crate" or "playlist", its Mixxx name."""
    crates, playlists = folder_names(options.crate_folder), folder_names(options.playlist_folder)
    for node in nodes:
        path = (*trail, node.name)
        if node.children is not None:
            yield from _playlist_names(node.children, options, path)
            continue
        kind, rest = "playlist", path
        for folder, which in ((crates, "crate"), (playlists, "playlist")):
            if folder and path[: len(folder)] == folder and len(path) > len(folder):
                kind, rest = which, path[len(folder) :]
                break
        yield kind, options.playlist_prefix + options.separator.join(rest), node


def _import_playlists(
    file: ExchangeFile, ids: dict[int | str, int], options: ImportOptions,
    report: ImportReport, result: WriteResult[ImportReport], dry_run: bool,
) -> None:  # fmt: skip
    for kind, name, node in _playlist_names(file.playlists, options):
        entries = [ids[k] for k in node.entries if k in ids]
        fill = fill_crate if kind == "crate" else fill_playlist
        try:
            filled = fill(name, entries, existing="replace", dry_run=dry_run)
        except (ValidationError, LockedError, NotFoundError) as exc:
            report.warnings.append(f"{kind} {name!r}: {exc}")
            continue
        if filled.changes or filled.counts or filled.object is not None:
            if kind == "crate":
                report.crates += 1
            else:
                report.playlists += 1
            result.add(f"{kind} {name!r}: {len(entries)} tracks")


def run_import(
    file: ExchangeFile, options: ImportOptions, *, dry_run: bool = False, force: bool = False
) -> WriteResult[ImportReport]:
    """Match ``file``'s tracks to the library and write what it carries, in one transaction.

    Raises ValidationError (bad options, a mark that is no position of its track: nothing
    written), MixxxRunningError (unless ``force``; a dry run notes it), ReadOnlyError.
    """
    _check_options(options)
    notes = guard_notes(TRACK_DATA, force=force, dry_run=dry_run)
    report = ImportReport(warnings=list(file.warnings))
    result: WriteResult[ImportReport] = WriteResult("import", dry_run, notes=notes, value=report)
    matches = _match(file, options, report)
    _offsets(matches, options, report)
    mode = cue_color_mode()
    hot_loops = mixxx_generation() != "2.3"
    library = current_library()
    touches = [("cues", c) for c in ("track_id", "type", "position", "length", "hotcue", "label")]
    touches += [("cues", "color")] if mode != "none" else []
    touches += [("library", c) for c in (*_ROW_COLUMNS, "cuepoint")
                if library.schema.has_column("library", c)]  # fmt: skip
    if options.add_missing:
        touches += [("track_locations", c) for c in ("location", "filename", "directory")]
    with planned_write(dry_run, touches):
        present = [m.track_id for m in matches if m.track_id is not None]
        rows = _track_rows(present)
        cues = _cue_rows(present, mode)
        ids: dict[int | str, int] = {}
        writes = _Writes(mode)
        for match in matches:
            if match.track_id is None:
                report.added += 1
                if dry_run:
                    report.per_track.append({"track_id": None, "path": match.location,
                                             "changes": ["add to the library"]})  # fmt: skip
                    result.add(f"add {match.location}")
                    continue
                match.track_id = _add_track(match)
                result.add(f"add track {match.track_id}: {match.location}")
                row: dict[str, Any] = {}
            else:
                report.matched += 1
                row = rows.get(match.track_id, {})
            ids[match.track.key] = match.track_id
            plan, columns, changes = _plan_track(
                match, row, cues.get(match.track_id, []), options, report, mode, hot_loops
            )
            if plan is not None:
                report.loops_as_hotcues += plan.loops_as_hotcues
                report.cues_written += len(plan.insert)
            if not changes and not columns:
                continue
            report.per_track.append(
                {"track_id": match.track_id, "path": match.location, "changes": changes}
            )
            result.add(f"track {match.track_id}: {', '.join(changes)}")
            if dry_run:
                continue
            if plan is not None:
                writes.cues(match.track_id, plan)
            if columns:
                writes.columns(match.track_id, columns)
        if not dry_run:
            writes.flush()
        if options.wants("playlists") and file.playlists:
            _import_playlists(file, ids, options, report, result, dry_run)
    for key in ("matched", "added", "cues_written", "grids", "keys", "ratings", "playcounts",
                "playlists", "crates"):  # fmt: skip
        if getattr(report, key):
            result.count(key, getattr(report, key))
    if report.not_found:
        result.count("not_found", len(report.not_found))
    result.notes.extend(report.warnings[:20])
    return result
