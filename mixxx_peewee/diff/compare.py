"""The comparison: two library states ATTACHed to one connection and compared in SQL.

:func:`diff_libraries` compares two Mixxx library files, two snapshots, or one of each,
and returns plain data (:class:`~mixxx_peewee.diff.result.LibraryDiff`): tracks added,
removed, hidden and unhidden (matched by ``library.id``); per track the fields that changed,
as users see them (metadata, BPM and key, the beat grid and key map blobs by digest,
rating, colour, play counts, the file's path, and the names of the crates it is in); per
track the cues added, removed or changed; crates and playlists added, removed, renamed,
their members added or removed, and a playlist whose order changed.

It does not report what Mixxx recomputes or keeps for itself: waveforms, cover-art
caches, ``key_id``, the scanner's tables, history playlists' dates, the Auto DJ state.

The comparison runs in SQLite: one read-only connection ATTACHes both files
(``mode=ro``: never a byte written, no journal-mode switch), joins them by id and hands
Python only the rows that differ, so two 100,000-track libraries compare in about a second
with flat memory. Both kinds of file are read through the same normalised columns
(``diff.sides``).
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from mixxx_peewee.core.fields import parse_mixxx_datetime
from mixxx_peewee.core.trackfields import DIFF_FIELDS
from mixxx_peewee.core.values import format_color
from mixxx_peewee.diff.result import CollectionChanges
from mixxx_peewee.diff.result import CollectionRef
from mixxx_peewee.diff.result import CollectionRename
from mixxx_peewee.diff.result import CueChange
from mixxx_peewee.diff.result import LibraryDiff
from mixxx_peewee.diff.result import MembershipChange
from mixxx_peewee.diff.result import TrackChange
from mixxx_peewee.diff.result import TrackRef
from mixxx_peewee.diff.sides import CUE_COLUMNS
from mixxx_peewee.diff.sides import Side
from mixxx_peewee.diff.sides import add_digest_function
from mixxx_peewee.diff.sides import attach_read_only
from mixxx_peewee.diff.sides import comparison_error
from mixxx_peewee.diff.sides import ids_table
from mixxx_peewee.diff.sides import read_source
from mixxx_peewee.diff.sides import tidy_up
from mixxx_peewee.library import current_library
from mixxx_peewee.tracks.cues import CUE_TYPES

__all__ = ["diff_libraries"]

_FLOATS = frozenset({"bpm", "duration"})
_DATETIMES = frozenset({"last_played_at", "datetime_added"})
_SINGLE_CUES = frozenset({2, 6, 7, 8})  # main cue, intro, outro, audible range: one per track


def diff_libraries(
    a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None
) -> LibraryDiff:
    """What changed from ``a`` (older) to ``b`` (newer): library files, snapshots, or None
    for the open library. Reads only; tracks are matched by id.

    Raises DatabaseNotFoundError, NotAMixxxDatabaseError, CorruptDatabaseError,
    DatabaseBusyError, SchemaVersionError (a snapshot of a newer format),
    LibraryNotOpenError (None without an open library).
    """
    old, new = read_source(a), read_source(b)
    fields = old.fields & new.fields
    timeout = _busy_timeout(a, b)
    conn = _compare_connection(timeout)
    try:
        attach_read_only(conn, old.path, "a")
        attach_read_only(conn, new.path, "b")
        sa, sb = Side(old, "a", "a", fields), Side(new, "b", "b", fields)
        result = LibraryDiff(
            str(old.path), str(new.path), tuple(f for f in DIFF_FIELDS if f in fields)
        )
        conn.execute("BEGIN")  # one consistent read of both files
        _diff_tracks(conn, sa, sb, result)
        _diff_crates(conn, sa, sb, result)
        _diff_playlists(conn, sa, sb, result)
        _diff_cues(conn, sa, sb, result)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise comparison_error(exc, old.path, new.path) from None
    finally:
        conn.close()
        tidy_up(s.path for s in (old, new) if s.tidy)
    result.track_changes.sort(key=lambda c: c.id)
    return result


def _compare_connection(busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection of its own (an in-memory main database) that files are ATTACHed to."""
    conn = sqlite3.connect(
        "file:mixxx-peewee-diff?mode=memory",
        uri=True,
        isolation_level=None,
        timeout=busy_timeout_ms / 1000,
    )
    add_digest_function(conn)
    return conn


def _busy_timeout(*sides: object) -> int:
    if any(s is None for s in sides):
        return current_library().busy_timeout_ms
    return 5000


def _diff_tracks(conn: sqlite3.Connection, sa: Side, sb: Side, result: LibraryDiff) -> None:
    # Two libraries: compare the blobs themselves, digest only the rows reported; with a
    # snapshot: compare the compact form it stores (see _compact).
    blobs = "raw" if not (sa.source.snapshot or sb.source.snapshot) else "compact"
    compared = [f for f in DIFF_FIELDS if f in sa.fields]
    differs = " OR ".join(
        f"{sa.column(f, blobs=blobs)} IS NOT {sb.column(f, blobs=blobs)}"
        for f in ("hidden", *compared)
    )
    selected = ", ".join(f"{side.column(f)}" for side in (sa, sb) for f in ("hidden", *compared))
    # One pass over the older side: changed tracks, and removed ones (no match).
    sql = (
        f"SELECT {sa.column('id')}, {sb.column('id')} IS NULL, {selected}"
        f" FROM {sa.track_from()} {sb.track_join(sa.column('id'), left=True)}"
        f" WHERE {sb.column('id')} IS NULL OR {differs}"
    )
    width = 1 + len(compared)
    for row in conn.execute(sql):
        track_id = row[0]
        before = dict(zip(("hidden", *compared), row[2 : 2 + width], strict=True))
        if row[1]:
            result.tracks_removed.append(TrackRef(track_id, before.get("location")))
            continue
        after = dict(zip(("hidden", *compared), row[2 + width :], strict=True))
        location = after.get("location")
        ref = TrackRef(track_id, location)
        if before["hidden"] != after["hidden"]:
            (result.tracks_hidden if after["hidden"] else result.tracks_unhidden).append(ref)
        shown = (
            (f, _shown(f, before[f]), _shown(f, after[f]))
            for f in compared
            if before[f] != after[f]
        )
        changed = {f: (old, new) for f, old, new in shown if old != new}
        if changed:
            result.track_changes.append(TrackChange(track_id, location, changed))
    added = _only_in_newer(
        conn, sb.track_table(), sa.track_table(), len(result.tracks_removed),
        f"SELECT {sb.column('id')}, {sb.column('location')} FROM {sb.track_from()}",
        sb.column("id"),
    )  # fmt: skip
    result.tracks_added.extend(TrackRef(r[0], r[1]) for r in added)
    for refs in (result.tracks_removed, result.tracks_hidden, result.tracks_unhidden):
        refs.sort(key=lambda r: r.id)


def _only_in_newer(
    conn: sqlite3.Connection,
    newer: str,
    older: str,
    removed: int,
    select: str,
    id_column: str,
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (over the table ``newer``) whose id the table ``older`` lacks.

    New rows get ids above the older side's highest (SQLite's rowid rule): those are found
    by a range; the counts tell whether any other id is new, and only then is every row
    looked up (``removed``: how many ids of ``older`` the newer side lacks).
    """
    count_old, highest = conn.execute(f"SELECT count(*), max(id) FROM {older}").fetchone()
    (count_new,) = conn.execute(f"SELECT count(*) FROM {newer}").fetchone()
    if highest is None:
        return conn.execute(f"{select} ORDER BY {id_column}").fetchall()
    above = conn.execute(
        f"{select} WHERE {id_column} > ? ORDER BY {id_column}", (highest,)
    ).fetchall()
    if count_new - (count_old - removed) == len(above):
        return above
    return conn.execute(
        f"{select} WHERE NOT EXISTS (SELECT 1 FROM {older} WHERE id = {id_column})"
        f" ORDER BY {id_column}"
    ).fetchall()


def _shown(name: str, value: Any) -> Any:
    """A stored value as users see it (the CLI's JSON): colours ``#RRGGBB``, dates ISO UTC."""
    if value is None:
        return None
    if name in _FLOATS and isinstance(value, int):
        return float(value)
    if name == "color" and isinstance(value, int):
        return format_color(value)
    if name in _DATETIMES and isinstance(value, str):
        return _iso_utc(value)
    return value


def _iso_utc(text: str) -> str:
    """Mixxx's datetime text as ISO 8601 UTC (``2024-10-18T20:57:00Z``); other text as is."""
    if text.endswith("Z") and text[10:11] == "T":
        return text
    moment = parse_mixxx_datetime(text)
    if moment is None:
        return text
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _common_ids(result: LibraryDiff) -> tuple[set[int], set[int]]:
    """Tracks only one side has (their crates and cues are part of being added/removed)."""
    return {r.id for r in result.tracks_added}, {r.id for r in result.tracks_removed}


def _diff_crates(conn: sqlite3.Connection, sa: Side, sb: Side, result: LibraryDiff) -> None:
    changes = result.crates
    old = {r[0]: r[1] for r in conn.execute(sa.crates())}
    new = {r[0]: r[1] for r in conn.execute(sb.crates())}
    _added_removed(conn, changes, old, new, sa.crate_members(), sb.crate_members(), "crate_id")
    # Memberships with their crate's name that one side lacks: a pair on both lists is a
    # rename; on one list only, a track added to (or removed from) the crate.
    gained, lost = (
        conn.execute(
            f"SELECT crate_id, track_id, name FROM ({first.crate_members()})"
            f" EXCEPT SELECT crate_id, track_id, name FROM ({second.crate_members()})"
        ).fetchall()
        for first, second in ((sb, sa), (sa, sb))
    )
    pairs_gained = {(c, t) for c, t, _ in gained}
    pairs_lost = {(c, t) for c, t, _ in lost}
    by_crate: dict[int, MembershipChange] = {}
    for pairs, other, kind in (
        (pairs_gained, pairs_lost, "added"),
        (pairs_lost, pairs_gained, "removed"),
    ):
        for crate_id, track_id in sorted(pairs - other):
            if crate_id in old and crate_id in new:
                entry = by_crate.setdefault(crate_id, MembershipChange(crate_id, new[crate_id]))
                (entry.added if kind == "added" else entry.removed).append(track_id)
    changes.membership.extend(by_crate[k] for k in sorted(by_crate))
    # Per track: the names of its crates (a rename or a membership changes them).
    added, removed = _common_ids(result)
    touched = {t for _, t, _ in gained} | {t for _, t, _ in lost}
    touched -= added | removed
    if not touched:
        return
    ids_table(conn, touched)
    names: list[dict[int, list[str]]] = []
    for side in (sa, sb):
        found: dict[int, list[str]] = {}
        sql = (
            f"SELECT track_id, name FROM ({side.crate_members()})"
            " WHERE track_id IN (SELECT id FROM temp.diff_ids)"
        )
        for track_id, name in conn.execute(sql):
            found.setdefault(track_id, []).append(name)
        names.append(found)
    locations = _locations(conn, sb, sa)
    by_id = {c.id: c for c in result.track_changes}
    for track_id in sorted(touched):
        before = tuple(sorted(names[0].get(track_id, []), key=_name_key))
        after = tuple(sorted(names[1].get(track_id, []), key=_name_key))
        if before == after:
            continue
        change = by_id.get(track_id)
        if change is None:
            change = TrackChange(track_id, locations.get(track_id), {})
            by_id[track_id] = change
            result.track_changes.append(change)
        change.fields["crates"] = (before, after)


def _name_key(name: Any) -> str:
    return "" if name is None else str(name)


def _locations(conn: sqlite3.Connection, *sides: Side) -> dict[int, str | None]:
    """The paths of the tracks in ``temp.diff_ids`` (the first side that has one wins)."""
    found: dict[int, str | None] = {}
    for side in reversed(sides):
        sql = (
            f"SELECT {side.column('id')}, {side.column('location')} FROM {side.track_from()}"
            f" WHERE {side.column('id')} IN (SELECT id FROM temp.diff_ids)"
        )
        found.update((r[0], r[1]) for r in conn.execute(sql))
    return found


def _added_removed(
    conn: sqlite3.Connection,
    changes: CollectionChanges,
    old: dict[int, Any],
    new: dict[int, Any],
    old_members: str,
    new_members: str,
    key: str,
) -> None:
    """Collections only one side has (with their sizes), and renamed ones."""
    for ids, names, members, refs in (
        (sorted(set(new) - set(old)), new, new_members, changes.added),
        (sorted(set(old) - set(new)), old, old_members, changes.removed),
    ):
        if not ids:
            continue
        marks = ", ".join("?" * len(ids))
        sizes = dict(
            conn.execute(
                f"SELECT {key}, count(*) FROM ({members}) WHERE {key} IN ({marks}) GROUP BY 1",
                ids,
            ).fetchall()
        )
        refs.extend(CollectionRef(i, names[i], sizes.get(i, 0)) for i in ids)
    changes.renamed.extend(
        CollectionRename(i, old[i], new[i]) for i in sorted(set(old) & set(new)) if old[i] != new[i]
    )


def _diff_playlists(conn: sqlite3.Connection, sa: Side, sb: Side, result: LibraryDiff) -> None:
    changes = result.playlists
    old = {r[0]: r[1] for r in conn.execute(sa.playlists())}
    new = {r[0]: r[1] for r in conn.execute(sb.playlists())}
    _added_removed(conn, changes, old, new, sa.entries(), sb.entries(), "playlist_id")
    # Each playlist's entries as one text: equal texts, equal entries (any concatenation
    # order gives the same pairs, so a difference in order alone only costs a closer look).
    signatures = [
        dict(
            conn.execute(
                "SELECT playlist_id, group_concat(position || ':' || track_id) FROM"
                f" (SELECT playlist_id, position, track_id FROM ({side.entries()})"
                " ORDER BY playlist_id, position) GROUP BY playlist_id"
            ).fetchall()
        )
        for side in (sa, sb)
    ]
    for playlist_id in sorted(set(old) & set(new)):
        if signatures[0].get(playlist_id) == signatures[1].get(playlist_id):
            continue
        sequences = [
            [
                r[0]
                for r in conn.execute(
                    f"SELECT track_id FROM ({side.entries()}) WHERE playlist_id = ?"
                    " ORDER BY position, track_id",
                    (playlist_id,),
                )
            ]
            for side in (sa, sb)
        ]
        change = _sequence_change(playlist_id, new[playlist_id], *sequences)
        if change is not None:
            changes.membership.append(change)


def _sequence_change(
    playlist_id: int, name: str | None, before: Sequence[int], after: Sequence[int]
) -> MembershipChange | None:
    """Entries added and removed (as multisets) and whether the kept ones changed order."""
    old, new = Counter(before), Counter(after)
    added = sorted((new - old).elements())
    removed = sorted((old - new).elements())
    kept = old & new

    def kept_order(sequence: Sequence[int]) -> list[int]:
        left = Counter(kept)
        out = []
        for track_id in sequence:
            if left[track_id] > 0:
                left[track_id] -= 1
                out.append(track_id)
        return out

    if not added:  # entries removed only: order kept if the rest is a subsequence
        reordered = not _is_subsequence(after, before)
    elif not removed:
        reordered = not _is_subsequence(before, after)
    else:  # both, with repeats: which repeat went is a guess; compare first occurrences
        reordered = kept_order(before) != kept_order(after)
    if not (added or removed or reordered):
        return None
    return MembershipChange(playlist_id, name, added, removed, reordered)


def _is_subsequence(part: Sequence[int], whole: Sequence[int]) -> bool:
    """Whether ``part`` is ``whole`` with some entries left out (order kept)."""
    remaining = iter(whole)
    return all(any(item == other for other in remaining) for item in part)


def _diff_cues(conn: sqlite3.Connection, sa: Side, sb: Side, result: LibraryDiff) -> None:
    differs = " OR ".join(f"x.{c} IS NOT y.{c}" for c in CUE_COLUMNS[1:])
    touched: set[int] = set()
    removed = 0
    # Cues by id: changed and removed ones in one pass, new ones by _only_in_newer.
    sql = (
        f"SELECT x.track_id, y.track_id, y.id IS NULL FROM ({sa.cues()}) AS x"
        f" LEFT JOIN ({sb.cues()}) AS y ON y.id = x.id WHERE y.id IS NULL OR {differs}"
    )
    for one, two, gone in conn.execute(sql):
        removed += gone
        touched.update(t for t in (one, two) if t is not None)
    new_cues = _only_in_newer(
        conn, f"({sb.cues()})", f"({sa.cues()})", removed,
        f"SELECT x.id, x.track_id FROM ({sb.cues()}) AS x", "x.id",
    )  # fmt: skip
    touched.update(r[1] for r in new_cues if r[1] is not None)
    added, gone_tracks = _common_ids(result)
    touched -= added | gone_tracks
    if not touched:
        return
    ids_table(conn, touched)
    cues: list[dict[int, list[dict[str, Any]]]] = []
    for side in (sa, sb):
        rates = {
            r[0]: r[1]
            for r in conn.execute(
                f"SELECT {side.column('id')}, {side.column('samplerate')} FROM {side.track_from()}"
                f" WHERE {side.column('id')} IN (SELECT id FROM temp.diff_ids)"
            )
        }
        found: dict[int, list[dict[str, Any]]] = {}
        sql = (
            f"SELECT {', '.join(CUE_COLUMNS)} FROM ({side.cues()})"
            " WHERE track_id IN (SELECT id FROM temp.diff_ids) ORDER BY track_id, position, id"
        )
        for row in conn.execute(sql):
            found.setdefault(row[1], []).append(_cue(row, rates.get(row[1])))
        cues.append(found)
    locations = _locations(conn, sb, sa)
    for track_id in sorted(touched):
        change = _cue_change(track_id, locations.get(track_id), cues[0], cues[1])
        if change is not None:
            result.cue_changes.append(change)


def _cue(row: Sequence[Any], rate: Any) -> dict[str, Any]:
    cue_id, _track, kind, position, length, hotcue, label, color = row
    rate = rate if isinstance(rate, (int, float)) and rate > 0 else None

    def seconds(samples: Any, *, is_length: bool = False) -> float | None:
        if rate is None or not isinstance(samples, (int, float)):
            return None
        if not is_length and samples < 0:
            return None  # -1: no position
        return float(samples) / 2.0 / float(rate)

    return {
        "id": cue_id,
        "type": CUE_TYPES.get(kind, f"unknown ({kind})"),
        "hotcue": hotcue + 1 if isinstance(hotcue, int) and hotcue >= 0 else None,
        "position": seconds(position),
        "length": seconds(length, is_length=True),
        "position_samples": position,
        "length_samples": length,
        "label": label,
        "color": format_color(color) if isinstance(color, int) else None,
    }


def _cue_key(cue: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two cues the same cue: its hotcue number, a single cue's type, else its id."""
    if cue["hotcue"] is not None:
        return ("hotcue", cue["hotcue"])
    kind = next((k for k, v in CUE_TYPES.items() if v == cue["type"]), None)
    if kind in _SINGLE_CUES:
        return ("type", cue["type"])
    return ("id", cue["id"])


def _cue_change(
    track_id: int,
    location: str | None,
    before: dict[int, list[dict[str, Any]]],
    after: dict[int, list[dict[str, Any]]],
) -> CueChange | None:
    old: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    new: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for cue in before.get(track_id, []):
        old.setdefault(_cue_key(cue), []).append(cue)
    for cue in after.get(track_id, []):
        new.setdefault(_cue_key(cue), []).append(cue)
    change = CueChange(track_id, location)
    for key in sorted(set(old) | set(new), key=repr):
        olds, news = old.get(key, []), new.get(key, [])
        for o, n in zip(olds, news, strict=False):
            if _without_id(o) != _without_id(n):
                change.changed.append((o, n))
        change.removed.extend(olds[len(news) :])
        change.added.extend(news[len(olds) :])
    if not (change.added or change.removed or change.changed):
        return None
    return change


def _without_id(cue: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cue.items() if k != "id"}
