"""A partial restore of crates and playlists: which ones, their names, rows and members.

Crates and playlists are matched by id (a playlist also by its creation date); one that
comes back takes its backup's name, or ``NAME (restored)`` when another has it now.
Locked ones are left as they are. Each ``restore_*`` function plans, and with ``write``
makes, its part's changes (see :mod:`mixxx_peewee.backups.restore`).

May import: ``core``, ``models``, ``journal.capture``, ``backups.backupfile``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import peewee

from mixxx_peewee.backups.backupfile import ENTRY_ORDER
from mixxx_peewee.backups.backupfile import TEMPORARY_NAME
from mixxx_peewee.backups.backupfile import BackupData
from mixxx_peewee.backups.backupfile import RestoreJob
from mixxx_peewee.backups.backupfile import fields_of
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.statements import for_each_chunk
from mixxx_peewee.core.statements import run_for_each
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.journal.records import same_value
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import MixxxModel
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack

__all__ = ["chosen_ids", "restore_crates", "restore_playlists"]


def _live_rows(model: type[MixxxModel], columns: Sequence[str]) -> dict[int, dict[str, Any]]:
    """Every row of the crates or playlists table now, by id, as ``{column: stored value}``
    (the shape the backup's rows are read in)."""
    rows = stored_rows(model.select(*fields_of(model, columns)))
    return {r[0]: dict(zip(columns, r, strict=True)) for r in rows}


def _raw(value: Any) -> Any:
    """A value written as it is (no field conversion: a restore gives back the bytes)."""
    return peewee.Value(value, converter=False)


def _nfc(name: Any) -> Any:
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


def _free_name(wanted: str, taken: dict[Any, str]) -> str:
    """``wanted``, or ``wanted (restored)``, ``… (restored 2)``: the first no row has."""
    name, n = wanted, 1
    while _nfc(name) in taken:
        name = f"{wanted} (restored)" if n == 1 else f"{wanted} (restored {n})"
        n += 1
    return name


def chosen_ids(
    rows: dict[int, dict[str, Any]], names: list[str] | None, matched: set[str]
) -> list[int]:
    """The ids of ``rows`` named (an id, or the exact name in any Unicode form); all without
    ``names``. Adds the names that matched to ``matched``."""
    if names is None:
        return sorted(rows)
    found = set()
    for name in names:
        row_id = parse_id(name)
        if row_id is not None and row_id in rows:
            found.add(row_id)
            matched.add(name)
            continue
        hits = [i for i, r in rows.items() if _nfc(r["name"]) == _nfc(name)]
        if hits:
            found.update(hits)
            matched.add(name)
    return sorted(found)


# -- crates --


_CRATE_ATTRIBUTES = ("name", "locked", "autodj_source")  # count, show: Mixxx never reads them


@dataclass
class _Collection:
    """One crate or playlist a partial restore changes."""

    id: int
    live: dict[str, Any] | None  # its live row (None: it comes back)
    changes: dict[str, Any]  # column -> the backup's value
    add: list[int] = field(default_factory=list)
    remove: list[int] = field(default_factory=list)
    entries: list[tuple[int, int, Any]] | None = None  # playlists: the backup's entries
    replace: bool = False  # playlists: its entries become the backup's
    had: int = 0  # playlists: how many entries it has now
    new_id: bool = False  # playlists: its id is another playlist's now
    name: str = ""


def _crate_label(row: dict[str, Any]) -> str:
    return f"crate {row['name']!r} (id {row['id']})"


def restore_crates(
    job: RestoreJob, live_tracks: set[int], result: WriteResult, write: bool
) -> None:
    """Plan (with ``write``, make) the crates' part: rows, names and members as backed up."""
    backup = job.backup
    live = _live_rows(Crate, backup.crate_columns)
    have: dict[int, set[int]] = {}
    for crate_id, track_id in for_each_chunk(
        lambda ids: CrateTrack.select(CrateTrack.crate, CrateTrack.track).where(
            CrateTrack.crate.in_(ids)
        ),
        job.crate_ids,
    ):
        have.setdefault(crate_id, set()).add(track_id)
    attributes = [c for c in _CRATE_ATTRIBUTES if c in backup.crate_columns]
    plans: list[_Collection] = []
    same = 0
    for crate_id in job.crate_ids:
        old = backup.crates[crate_id]
        members = backup.crate_members.get(crate_id, set())
        job.absent.update(members - live_tracks)
        want = members & live_tracks
        row = live.get(crate_id)
        current = have.get(crate_id, set())
        changes = {} if row is None else {
            c: old[c] for c in attributes if not same_value(row[c], old[c])
        }  # fmt: skip
        plan = _Collection(crate_id, row, changes, sorted(want - current), sorted(current - want))
        if row is not None and not (changes or plan.add or plan.remove):
            same += 1
        elif row is not None and row.get("locked"):
            result.notes.append(
                f"{_crate_label(row)} is locked: left as it is (unlock it in Mixxx to restore it)"
            )
        else:
            plans.append(plan)
    _name_collections(plans, live, {p.id: backup.crates[p.id] for p in plans}, "crate", result)
    for plan in plans:
        _report_crate(plan, backup.crates[plan.id], result)
    plans = [p for p in plans if p.live is None or p.changes or p.add or p.remove]
    job.changed["crates"].update(p.id for p in plans)
    if same:
        result.keep(f"{plural(same, 'crate')} as in the backup already")
    made_since = sorted(set(live) - set(backup.crates))
    if made_since and not job.names_given:
        result.keep(f"{plural(len(made_since), 'crate')} made since the backup left as they are")
    if write and plans:
        _write_crates(plans, backup)


def _name_collections(
    plans: list[_Collection],
    live: dict[int, dict[str, Any]],
    wanted: dict[int, dict[str, Any]],
    what: str,
    result: WriteResult,
    reserved: tuple[str, ...] = (),
) -> None:
    """Give each crate or playlist coming back its backup's name, or, when a row left as it
    is has that name now, ``NAME (restored)`` (with a note); set its name change."""
    restoring = {p.id for p in plans if not p.new_id}
    taken = {_nfc(r["name"]): f"{what} id {i}" for i, r in live.items() if i not in restoring}
    taken.update({_nfc(n): "Mixxx" for n in reserved})
    for plan in plans:
        name = wanted[plan.id]["name"]
        plan.name = _free_name(name, taken) if isinstance(name, str) else name
        if plan.name != name:
            result.notes.append(
                f"{what} {name!r} (id {plan.id}) comes back as {plan.name!r}: "
                f"{taken[_nfc(name)]} has its name now"
            )
        taken[_nfc(plan.name)] = f"{what} id {plan.id}"
        if plan.live is not None:
            plan.changes.pop("name", None)
            if not same_value(plan.live["name"], plan.name):
                plan.changes["name"] = plan.name


def _report_crate(plan: _Collection, old: dict[str, Any], result: WriteResult) -> None:
    if plan.live is None:
        result.add(
            f"bring back crate {plan.name!r} (id {plan.id}) with {plural(len(plan.add), 'track')}"
        )
        result.count("crates_back")
        result.count("memberships_added", len(plan.add))
        return
    pieces = [
        f"rename to {value!r}" if column == "name" else f"{column} {plan.live[column]} -> {value}"
        for column, value in plan.changes.items()
    ]
    if plan.add:
        pieces.append(f"add {plural(len(plan.add), 'track')}")
    if plan.remove:
        pieces.append(f"remove {plural(len(plan.remove), 'track')}")
    if pieces:
        result.add(f"{_crate_label(plan.live)}: {', '.join(pieces)} (as in the backup)")
        result.count("crates_changed")
        result.count("memberships_added", len(plan.add))
        result.count("memberships_removed", len(plan.remove))


def _members_of(crate_id: int) -> Callable[[Any], Any]:
    """A DELETE of the crate's memberships of the tracks in ``in_list``."""
    return lambda in_list: CrateTrack.delete().where(
        (CrateTrack.crate == crate_id) & CrateTrack.track.in_(in_list)
    )


def _write_crates(plans: list[_Collection], backup: BackupData) -> None:
    renamed = [p for p in plans if p.live is not None and "name" in p.changes]
    for plan in renamed:  # names may be swapped: UNIQUE(name) holds at every statement
        Crate.update({Crate.name: TEMPORARY_NAME.format(plan.id)}).where(
            Crate.id == plan.id
        ).execute()
    for plan in plans:
        if plan.live is not None and plan.changes:
            values = {Crate._meta.columns[c]: _raw(v) for c, v in plan.changes.items()}
            Crate.update(values).where(Crate.id == plan.id).execute()
    for plan in plans:
        if plan.live is None:
            row = {**backup.crates[plan.id], "name": plan.name}
            Crate.insert({Crate._meta.columns[c]: _raw(v) for c, v in row.items()}).execute()
        if plan.remove:
            for_each_chunk(_members_of(plan.id), plan.remove)
    run_for_each(
        lambda crate, track: CrateTrack.insert(crate=crate, track=track).on_conflict_ignore(),
        [(p.id, t) for p in plans for t in p.add],
    )


# -- playlists --


# Mixxx sets date_created once: a playlist with the same id and date is the same playlist.
_PLAYLIST_ATTRIBUTES = ("name", "position", "locked", "date_modified")
_AUTO_DJ = "Auto DJ"


def _playlist_label(row: dict[str, Any]) -> str:
    return f"playlist {row['name']!r} (id {row['id']})"


def restore_playlists(
    job: RestoreJob, live_tracks: set[int], result: WriteResult, write: bool
) -> None:
    """Plan (with ``write``, make) the playlists' part: rows, names and entries as backed up."""
    backup = job.backup
    live = _live_rows(Playlist, backup.playlist_columns)
    same = {
        i for i in job.playlist_ids
        if i in live and live[i]["hidden"] == 0
        and same_value(live[i].get("date_created"), backup.playlists[i].get("date_created"))
    }  # fmt: skip
    have: dict[int, list[tuple[Any, ...]]] = {i: [] for i in same}
    entries = PlaylistTrack.select(
        PlaylistTrack.playlist, PlaylistTrack.track, PlaylistTrack.pl_datetime_added,
        PlaylistTrack.position,
    )  # fmt: skip
    for playlist_id, *entry in for_each_chunk(
        lambda ids: entries.where(PlaylistTrack.playlist.in_(ids)).order_by(*ENTRY_ORDER),
        sorted(same),
    ):
        have[playlist_id].append(tuple(entry))
    attributes = [c for c in _PLAYLIST_ATTRIBUTES if c in backup.playlist_columns]
    plans: list[_Collection] = []
    unchanged = 0
    for playlist_id in job.playlist_ids:
        old = backup.playlists[playlist_id]
        stored = backup.entries[playlist_id]
        job.absent.update(t for _, t, _ in stored if t not in live_tracks)
        want = [e for e in stored if e[1] in live_tracks]
        row = live.get(playlist_id) if playlist_id in same else None
        plan = _Collection(playlist_id, row, {}, entries=want)
        if row is None:
            plan.new_id = playlist_id in live
            plans.append(plan)
            continue
        plan.changes = {c: old[c] for c in attributes if not same_value(row[c], old[c])}
        current = have[playlist_id]
        plan.had = len(current)
        in_order = [e[2] for e in current] == list(range(1, len(current) + 1))
        plan.replace = not in_order or [e[:2] for e in current] != [e[1:] for e in want]
        if not (plan.changes or plan.replace):
            unchanged += 1
        elif row.get("locked"):
            result.notes.append(
                f"{_playlist_label(row)} is locked: left as it is "
                "(unlock it in Mixxx to restore it)"
            )
        else:
            plans.append(plan)
    wanted = {p.id: backup.playlists[p.id] for p in plans}
    _name_collections(plans, live, wanted, "playlist", result, reserved=(_AUTO_DJ,))
    for plan in plans:
        _report_playlist(plan, live, result)
    plans = [p for p in plans if p.live is None or p.changes or p.replace]
    job.changed["playlists"].update(p.id for p in plans)
    if unchanged:
        result.keep(f"{plural(unchanged, 'playlist')} as in the backup already")
    made_since = [i for i, r in live.items() if r["hidden"] == 0 and i not in backup.playlists]
    if made_since and not job.names_given:
        result.keep(f"{plural(len(made_since), 'playlist')} made since the backup left as they are")
    if write and plans:
        _write_playlists(plans, backup)


def _report_playlist(
    plan: _Collection, live: dict[int, dict[str, Any]], result: WriteResult
) -> None:
    count = plural(len(plan.entries or []), "entry")
    if plan.live is None:
        where = f"id {plan.id}"
        if plan.new_id:
            where = f"a new id: id {plan.id} is {_playlist_label(live[plan.id])} now"
        result.add(f"bring back playlist {plan.name!r} ({where}) with {count}")
        result.count("playlists_back")
        result.count("entries_added", len(plan.entries or []))
        return
    pieces = [
        f"rename to {value!r}" if column == "name" else f"{column} {plan.live[column]} -> {value}"
        for column, value in plan.changes.items()
    ]
    if plan.replace:
        pieces.append(f"entries as in the backup ({count}; {plan.had:,} now)")
    if pieces:
        result.add(f"{_playlist_label(plan.live)}: {', '.join(pieces)}")
        result.count("playlists_changed")
        if plan.replace:
            result.count("entries_removed", plan.had)
            result.count("entries_added", len(plan.entries or []))


def _write_playlists(plans: list[_Collection], backup: BackupData) -> None:
    for plan in plans:
        if plan.live is not None and plan.changes:
            values = {Playlist._meta.columns[c]: _raw(v) for c, v in plan.changes.items()}
            Playlist.update(values).where(Playlist.id == plan.id).execute()
    ids: dict[int, int] = {}
    # Rows with their own ids first: a row given a new id takes max + 1, which may be one
    # of theirs.
    for plan in sorted(plans, key=lambda p: p.new_id):
        if plan.live is None:
            row = {**backup.playlists[plan.id], "name": plan.name}
            if plan.new_id:
                del row["id"]
            values = {Playlist._meta.columns[c]: _raw(v) for c, v in row.items()}
            ids[plan.id] = int(Playlist.insert(values).execute())
        else:
            ids[plan.id] = plan.id
    replaced = [p.id for p in plans if p.live is not None and p.replace]
    for_each_chunk(
        lambda in_list: PlaylistTrack.delete().where(PlaylistTrack.playlist.in_(in_list)), replaced
    )
    rows = [
        (entry_id, ids[p.id], track, position, added)
        for p in plans if p.live is None or p.replace
        for position, (entry_id, track, added) in enumerate(p.entries or [], 1)
    ]  # fmt: skip
    taken = {
        i for (i,) in for_each_chunk(
            lambda in_list: PlaylistTrack.select(PlaylistTrack.id).where(
                PlaylistTrack.id.in_(in_list)
            ),
            sorted({r[0] for r in rows}),
        )
    }  # fmt: skip
    run_for_each(
        lambda i, p, t, n, a: PlaylistTrack.insert(
            id=i, playlist=p, track=t, position=n, pl_datetime_added=a
        ),
        [r for r in rows if r[0] not in taken],
    )
    # An entry id another playlist has now (today's history): the entry gets a new one.
    run_for_each(
        lambda p, t, n, a: PlaylistTrack.insert(
            playlist=p, track=t, position=n, pl_datetime_added=a
        ),
        [r[1:] for r in rows if r[0] in taken],
    )
