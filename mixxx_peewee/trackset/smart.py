"""Smart crates: a crate whose members are a Mixxx search's result, refreshed on demand.

Mixxx has no smart crates (rekordbox has intelligent playlists). The crate is an ordinary
Mixxx crate; its rule (the query, and the members its last refresh set) is ours, in the
rules file beside the library (:mod:`mixxx_peewee.trackset.smartrules`), keyed by crate
id. The query is Mixxx's search syntax (:mod:`mixxx_peewee.tracks.searchsyntax`), hidden
tracks left out as the search leaves them out; a query the syntax cannot read is refused.

A refresh compares three sets: the crate's members now, the last refresh's result and
the query's result now. Tracks added by hand since the last refresh (in the crate, in
neither result) stay with ``manual="keep"`` and leave with ``"replace"``; symmetrically,
tracks removed by hand since (in the last result, not in the crate) stay out with
``"keep"`` while they match and come back with ``"replace"``. The rule then remembers the
query's result. All crates refreshed are one write transaction (one journal entry);
the rules file is written inside it, only by a write that ran. Undo takes back the
crate's rows, not the rules file: a crate a ``create_smart_crate`` made goes away with its
undo and its rule, naming a crate that is gone, is reported by :func:`smart_crates` and
dropped on the next write of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import Literal

from mixxx_peewee.core.connection import read_transaction
from mixxx_peewee.core.results import CreateResult
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import check_text
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import current_library
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import joined_tracks
from mixxx_peewee.models import Crate
from mixxx_peewee.models import CrateTrack
from mixxx_peewee.models import Track
from mixxx_peewee.tracks.filters import track_where
from mixxx_peewee.tracks.search import search_notes
from mixxx_peewee.tracks.searchsyntax import parse_search
from mixxx_peewee.trackset.crates import add_tracks_to_crate
from mixxx_peewee.trackset.crates import create_crate
from mixxx_peewee.trackset.crates import remove_tracks_from_crate
from mixxx_peewee.trackset.membership import planned_write
from mixxx_peewee.trackset.membership import refuse_locked
from mixxx_peewee.trackset.smartrules import SmartRule
from mixxx_peewee.trackset.smartrules import read_rules
from mixxx_peewee.trackset.smartrules import rules_path
from mixxx_peewee.trackset.smartrules import write_rules

__all__ = ["ManualMembers", "create_smart_crate", "refresh_smart_crates", "smart_crates"]

ManualMembers = Literal["keep", "replace"]
_MEMBER_TOUCHES = [("crate_tracks", "crate_id"), ("crate_tracks", "track_id")]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rules() -> dict[int, SmartRule]:
    return read_rules(rules_path(current_library().path))


def check_query(query: str) -> str:
    """``query`` stripped when Mixxx's search syntax reads all of it; raises ValidationError."""
    if not isinstance(query, str):
        raise ValidationError(f"a smart crate's query must be text, not {query!r}")
    check_text(query, "query")
    text = query.strip()
    if not text:
        raise ValidationError("a smart crate needs a query (e.g. 'genre:house bpm:120-128')")
    notes = parse_search(text).notes
    if notes:
        raise ValidationError(f"the query {text!r} does not parse: {notes[0]}")
    return text


def _query_ids(query: str) -> set[int]:
    """The ids of the tracks ``query`` finds (hidden ones left out, as the search does)."""
    where = track_where(query, {"hidden": False})
    select = joined_tracks().select(Track.id)
    if where is not None:
        select = select.where(where)
    return {row[0] for row in stored_rows(select)}


def _members(crate_id: int) -> set[int]:
    select = CrateTrack.select(CrateTrack.track).where(CrateTrack.crate == crate_id)
    return {row[0] for row in stored_rows(select)}


def _live_crates(ids: Iterable[int]) -> dict[int, Crate]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {c.id: c for c in Crate.select().where(Crate.id.in_(wanted))}


def smart_crates() -> list[dict[str, Any]]:
    """Every smart crate's rule, by name: ``id``, ``name``, ``query``, ``members`` (how many
    the last refresh left), ``refreshed`` (UTC) and ``gone`` (its crate was deleted).

    Never writes (no rules file is created). Raises ValidationError for an unreadable file.
    """
    rules = _rules()
    with read_transaction():
        live = _live_crates(rules)
    rows = [
        {
            "id": rule.crate_id,
            "name": live[rule.crate_id].name if rule.crate_id in live else rule.name,
            "query": rule.query,
            "members": len(rule.members),
            "refreshed": rule.refreshed,
            "gone": rule.crate_id not in live,
        }
        for rule in rules.values()
    ]
    return sorted(rows, key=lambda r: (str(r["name"]), r["id"]))


def _drop_gone(rules: dict[int, SmartRule], live: dict[int, Crate], result: WriteResult) -> None:
    # A change line (not a note): a refresh that only drops rules still writes the file.
    for crate_id in sorted(set(rules) - set(live)):
        rule = rules.pop(crate_id)
        result.add(f"drop the smart rule of crate {rule.name!r} (id {crate_id}): the crate is gone")
        result.count("dropped")


@journalled
def create_smart_crate(
    name: str, query: str, *, allow_digits: bool = False, dry_run: bool = False
) -> WriteResult:
    """Create a crate holding what the Mixxx search ``query`` finds, and remember the rule.

    Returns a ``CreateResult`` (``result.id`` the new crate's id); a dry run a
    ``WriteResult``. One transaction; the rules file is written only by a write that ran.
    Raises ValidationError (a query that does not parse, an empty name),
    DuplicateNameError (nothing written).
    """
    text = check_query(query)
    kind = WriteResult if dry_run else CreateResult
    result = kind("create_smart_crate", dry_run)
    with planned_write(dry_run, [("crates", "name"), *_MEMBER_TOUCHES]) as library:
        rules = read_rules(rules_path(library.path))  # an unreadable file refuses first
        ids = sorted(_query_ids(text))
        made = create_crate(name, ids, dry_run=dry_run, allow_digits=allow_digits)
        for part in ("changes", "counts", "notes", "unchanged"):
            setattr(result, part, getattr(made, part))
        result.value, result.object = made.value, made.object
        result.notes.extend(search_notes(text))
        if not dry_run:
            _drop_gone(rules, _live_crates(rules), result)
            rules[made.value] = SmartRule(made.value, text, made.object.name, ids, _now())
            write_rules(rules_path(library.path), rules)
    result.add(f"remember the smart rule {text!r} in {rules_path(library.path).name}")
    return result


def _refresh_one(
    row: Crate, rule: SmartRule, manual: ManualMembers, result: WriteResult
) -> dict[str, Any]:
    """Refresh one crate in the open transaction; its joined, left and kept ids."""
    found = _query_ids(rule.query)
    have = _members(row.id)
    last = set(rule.members)
    by_hand_in = have - last - found
    by_hand_out = (last - have) & found
    joined = found - have
    left = (have & last) - found
    if manual == "keep":
        joined -= by_hand_out
        kept = sorted(by_hand_in)
        kept_out = sorted(by_hand_out)
    else:
        left |= by_hand_in
        kept, kept_out = [], []
    label = f"smart crate {row.name!r} (id {row.id})"
    if not result.dry_run:
        # Inserts first: the set-wise journal of the insert (bulk_write) then sees only new
        # rows, none taking the rowid of a membership the delete below removes.
        if joined:
            add_tracks_to_crate(row.id, sorted(joined))
        if left:
            remove_tracks_from_crate(row.id, sorted(left))
    if joined:
        result.add(f"add {plural(len(joined), 'track')} to {label}")
    if left:
        result.add(f"remove {plural(len(left), 'track')} from {label}")
    if kept:
        result.keep(f"{plural(len(kept), 'track')} added to {label} by hand kept")
    if kept_out:
        result.keep(f"{plural(len(kept_out), 'track')} removed from {label} by hand kept out")
    if not joined and not left:
        result.keep(f"{label} is up to date")
    result.count("joined", len(joined))
    result.count("left", len(left))
    rule.members, rule.refreshed, rule.name = sorted(found), _now(), row.name
    return {
        "id": row.id,
        "name": row.name,
        "query": rule.query,
        "joined": sorted(joined),
        "left": sorted(left),
        "kept": kept,
        "kept_out": kept_out,
    }


@journalled
def refresh_smart_crates(
    names: Iterable[int | str] | int | str | None = None,
    *,
    manual: ManualMembers = "keep",
    dry_run: bool = False,
) -> WriteResult[list[dict[str, Any]]]:
    """Refresh the smart crates named (ids or names; None: every one) in one transaction.

    ``value`` is one dict per crate: ``id``, ``name``, ``query``, ``joined`` and ``left``
    (track ids), ``kept`` (added by hand, kept) and ``kept_out`` (removed by hand, kept
    out); counts ``joined`` and ``left``. ``manual="replace"`` makes each crate exactly its
    query's result. Rules whose crate is gone are reported and dropped; a locked crate is
    skipped when all are refreshed. Raises CrateNotFoundError, ValidationError (a crate that
    is not smart, an unknown ``manual``), LockedError (a named crate).
    """
    if manual not in ("keep", "replace"):
        raise ValidationError(f"manual must be 'keep' or 'replace', not {manual!r}")
    wanted = [names] if isinstance(names, (int, str)) else None if names is None else list(names)
    result: WriteResult[list[dict[str, Any]]] = WriteResult("refresh_smart_crates", dry_run)
    result.value = []
    with planned_write(dry_run, _MEMBER_TOUCHES) as library:
        path = rules_path(library.path)
        rules = read_rules(path)
        live = _live_crates(rules)
        if wanted is None:
            chosen = [live[i] for i in sorted(live)]
        else:
            chosen = []
            for target in wanted:
                row = get_crate(target)
                if row.id not in rules:
                    raise ValidationError(f"crate {row.name!r} (id {row.id}) is not a smart crate")
                refuse_locked(row, "crate")
                chosen.append(row)
        _drop_gone(rules, live, result)
        for row in dict.fromkeys(chosen):
            if row.locked:
                result.notes.append(f"crate {row.name!r} (id {row.id}) is locked: not refreshed")
                continue
            result.value.append(_refresh_one(row, rules[row.id], manual, result))
        if not dry_run and (result.value or result.counts.get("dropped")):
            write_rules(path, rules)
    result.counts.setdefault("joined", 0)
    result.counts.setdefault("left", 0)
    return result
