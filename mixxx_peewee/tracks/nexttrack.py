"""The next track: tracks that mix well after one track, closest first, each with its reason.

Compatible keys are Mixxx's own ``~key:`` rule (``KeyUtils::getCompatibleKeys``, one
definition: :func:`mixxx_peewee.tracks.searchsyntax.compatible_keys`, compiled by
:mod:`mixxx_peewee.tracks.search`, so a key typed in another program counts by its text
as the search counts it): the same key, its relative major/minor and ±1 on the wheel.
The tempo is the track's BPM within ±``bpm_range`` percent, or half or double of it. The
database narrows by key ids and BPM ranges (one statement); the ranking is done here: key
distance (0 same key, 1 a neighbour, more on the wheel with ``key_mode="any"``), then
tempo distance (percent off, straight tempo before half/double), then the oldest last
play first (never played first; files before revision 35 have no ``last_played_at``).
Mixxx stores no energy value (no column in any revision), so energy does not rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from typing import Literal

from peewee import fn

from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.keys import is_major
from mixxx_peewee.core.keys import key_to_text
from mixxx_peewee.core.statements import stored_rows
from mixxx_peewee.core.values import MAX_BPM
from mixxx_peewee.core.values import NumberRange
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.models import Track
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.tracks.filters import all_of
from mixxx_peewee.tracks.filters import check_limit
from mixxx_peewee.tracks.filters import track_where
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_id_of
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.tracks.reads import get_track_by_id
from mixxx_peewee.tracks.search import compile_query
from mixxx_peewee.tracks.searchsyntax import Term
from mixxx_peewee.tracks.searchsyntax import compatible_keys

__all__ = ["KEY_MODES", "KeyMode", "key_relation", "suggest_next"]

KeyMode = Literal["same", "compatible", "any"]
KEY_MODES: tuple[KeyMode, ...] = ("same", "compatible", "any")
# Tempo factors tried, with their words: straight, half and double tempo.
_TEMPI = ((1.0, ""), (0.5, "half tempo"), (2.0, "double tempo"))
_COLUMNS = ("id", "artist", "title", "bpm", "key", "key_id", "duration", "last_played_at")


def _wheel(key_id: int) -> tuple[int, bool]:
    """The key's number on the Lancelot wheel (1..12) and whether it is major (B)."""
    text = key_to_text(key_id, "lancelot")
    return int(text[:-1]), is_major(key_id)


def key_relation(key_id: int, other: int) -> tuple[int, str]:
    """How far ``other`` is from ``key_id`` on the wheel, and the words for it.

    0 "same key"; 1 for Mixxx's compatible keys ("relative minor", "+1 on the wheel"); more
    for any other key (steps on the wheel, plus one for a change of mode).
    """
    if key_id == other:
        return 0, "same key"
    number, major = _wheel(key_id)
    other_number, other_major = _wheel(other)
    step = (other_number - number) % 12
    steps = min(step, 12 - step)
    if other in compatible_keys(key_id):
        if steps == 0:
            return 1, "relative major" if other_major else "relative minor"
        return 1, f"{'+1' if step == 1 else '-1'} on the wheel"
    distance = steps + (0 if major == other_major else 1)
    there, here = key_to_text(other, "lancelot"), key_to_text(key_id, "lancelot")
    return distance, f"{there}, {distance} from {here} on the wheel"


def _seed(track: TrackLike) -> tuple[Track, int, float]:
    """The track, its key id (from the text when Mixxx left key_id 0) and its BPM."""
    row = track if isinstance(track, Track) else get_track_by_id(track_id_of(track))
    key_id = getattr(row, "key_id", 0) or guess_key_id(row.key)
    return row, int(key_id or 0), float(row.bpm or 0.0)


def _tempo(bpm: float, seed_bpm: float, pct: float) -> tuple[float, int, float, str] | None:
    """(percent off, its rank: 0 straight / 1 half / 2 double, signed percent, words) when
    ``bpm`` mixes with ``seed_bpm``, else None."""
    best: tuple[float, int, float, str] | None = None
    for rank, (factor, words) in enumerate(_TEMPI):
        target = seed_bpm * factor
        off = (bpm / target - 1.0) * 100.0
        if abs(off) > pct + 1e-9:
            continue
        shown = "same BPM" if abs(off) < 0.05 else f"{off:+.1f} % BPM"
        if words:
            shown = words if abs(off) < 0.05 else f"{words}, {off:+.1f} %"
        candidate = (abs(off), rank, off, shown)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return best


def suggest_next(
    track: TrackLike,
    *,
    limit: int | None = 10,
    bpm_range: float = 6.0,
    key_mode: KeyMode = "compatible",
    among: Iterable[TrackLike] | None = None,
    playlist: int | str | None = None,
    crate: int | str | None = None,
) -> list[dict[str, Any]]:
    """Tracks that mix well after ``track``, closest first, each a dict with its ``reason``.

    Keys: ``id``, ``artist``, ``title``, ``bpm``, ``key``, ``key_id``, ``duration``,
    ``last_played_at`` (when the file has it), ``key_distance``, ``bpm_off`` (percent from
    the tempo it matches), ``tempo`` ("same", "half", "double") and ``reason`` ("same key,
    +2.1 % BPM", "relative minor, half tempo"). ``among`` (tracks), ``playlist`` and
    ``crate`` (id or name) narrow the candidates; hidden tracks are left out. Raises
    ValidationError (a track with no BPM, or no key unless ``key_mode="any"``; bad
    options), TrackNotFoundError, PlaylistNotFoundError, CrateNotFoundError.
    """
    if key_mode not in KEY_MODES:
        raise ValidationError(f"key mode must be one of {', '.join(KEY_MODES)}, not {key_mode!r}")
    if isinstance(bpm_range, bool) or not isinstance(bpm_range, (int, float)):
        raise ValidationError(f"BPM range must be a percentage, not {bpm_range!r}")
    if not 0 <= bpm_range <= 50:
        raise ValidationError(f"BPM range must be 0..50 %, not {bpm_range:g}")
    if limit is not None:
        limit = check_limit(limit)
    seed, key_id, seed_bpm = _seed(track)
    if not 0 < seed_bpm <= MAX_BPM:
        raise ValidationError(f"track {seed.id} has no BPM: analyse it in Mixxx first")
    if not key_id and key_mode != "any":
        raise ValidationError(
            f"track {seed.id} has no key: analyse it in Mixxx first, or use key mode 'any'"
        )
    pct = float(bpm_range)
    keys = () if key_mode == "any" else (key_id,) if key_mode == "same" else compatible_keys(key_id)
    ranges = tuple(
        NumberRange(seed_bpm * f * (1 - pct / 100), seed_bpm * f * (1 + pct / 100))
        for f, _ in _TEMPI
    )
    terms = [Term("bpm", "bpm", ranges)]
    if keys:
        terms.append(Term("key", "keys", keys))
    filters: dict[str, Any] = {"hidden": False, "playlist": playlist, "crate": crate}
    parts = [compile_query(terms), track_where(None, filters), Track.id != seed.id]
    if among is not None:
        parts.append(Track.id.in_(sorted(set(track_ids_of(among)))))
    columns = [c for c in _COLUMNS if c in Track._meta.fields or c == "id"]
    select = (
        Track.select(*(Track._meta.fields[c] for c in columns), fn.mixxx_guess_key_id(Track.key))
        .join(TrackLocation, on=(Track.location == TrackLocation.id))
        .where(all_of(parts))
    )
    found = []
    for values in stored_rows(select):
        row = dict(zip(columns, values[:-1], strict=True))
        other = row.get("key_id") or values[-1] or 0
        tempo = _tempo(float(row["bpm"] or 0.0), seed_bpm, pct)
        if tempo is None:
            continue
        if other:
            distance, key_words = key_relation(key_id, other) if key_id else (99, "")
        else:
            distance, key_words = 99, "no key"
        off, rank, signed, tempo_words = tempo
        played = str(row.get("last_played_at") or "")
        row.update(
            key_distance=distance,
            bpm_off=round(signed, 2),
            tempo=("same", "half", "double")[rank],
            reason=", ".join(w for w in (key_words, tempo_words) if w),
        )
        # Closest key, then tempo (straight before half/double), then never or longest
        # ago played: ISO-like UTC text sorts by time.
        found.append(((distance, round(off, 6), rank, played != "", played, row["id"]), row))
    found.sort(key=lambda pair: pair[0])
    rows = [row for _, row in found]
    return rows if limit is None else rows[:limit]
