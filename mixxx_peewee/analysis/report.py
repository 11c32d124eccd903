"""The columns against the blobs: rows whose ``bpm``/``key_id``/``key`` disagree with the
beat grid and key map Mixxx loads instead, and their repair.

Mixxx rewrites those columns from the blobs on every save (MIXXX_FACTS.md §8), so a column
that disagrees shows the blob's value in Mixxx. Which blobs count, and how a key text is
compared, follows :mod:`mixxx_peewee.analysis.grids` (whose rules it reuses).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from typing import NamedTuple

from mixxx_peewee.analysis.codec import GENERATION_2_3
from mixxx_peewee.analysis.codec import BeatGrid
from mixxx_peewee.analysis.codec import Generation
from mixxx_peewee.analysis.codec import decode_beats
from mixxx_peewee.analysis.codec import decode_keys
from mixxx_peewee.analysis.grids import beats_usable
from mixxx_peewee.analysis.grids import key_text_for
from mixxx_peewee.analysis.grids import mixxx_generation
from mixxx_peewee.core.connection import execute
from mixxx_peewee.core.connection import executemany
from mixxx_peewee.core.keys import guess_key_id
from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.running import TRACK_DATA
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.library import guard_notes
from mixxx_peewee.library import write_transaction
from mixxx_peewee.models import Track

__all__ = ["AnalysisMismatch", "analysis_report", "repair_analysis"]

_READ_ROWS = 2000  # rows per keyset page of the whole-library scan (each a complete statement)
_BPM_TOLERANCE = 1e-6  # Mixxx writes the blob's double as it is; allow float text round trips


class AnalysisMismatch(NamedTuple):
    """A column that disagrees with the blob Mixxx loads instead (it will show the blob's)."""

    track_id: int
    column: str  # "bpm", "key_id" or "key"
    stored: object  # the column's value
    expected: object  # what Mixxx writes there from the blob
    reason: str  # which blob says so

    def __str__(self) -> str:
        return (
            f"track {self.track_id}: {self.column} {self.stored!r}, "
            f"{self.reason} says {self.expected!r}"
        )


_REPORT_COLUMNS = (
    "id", "bpm", "key", "key_id", "beats_version", "beats", "keys_version", "keys",
    "samplerate", "duration",
)  # fmt: skip


def _library_pages() -> Iterator[list[tuple[Any, ...]]]:
    """Every track's analysis columns, by id pages: each page one short complete read."""
    fields = [Track._meta.fields[c] for c in _REPORT_COLUMNS if c in Track._meta.fields]
    if len(fields) != len(_REPORT_COLUMNS):
        return  # a file without the analysis columns has nothing to compare
    after = None
    while True:
        query = Track.select(*fields).order_by(Track.id).limit(_READ_ROWS)
        if after is not None:
            query = query.where(Track.id > after)
        sql, params = query.sql()
        # The rows as SQLite returns them (peewee's tuple wrapper costs ~15 % of this read):
        # the bench row "decode grids + keys of 100,000 tracks".
        rows: list[tuple[Any, ...]] = execute(sql, params).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _bpm_mismatch(row: tuple[Any, ...], generation: Generation) -> AnalysisMismatch | None:
    track_id, bpm, _, _, version, blob, _, _, samplerate, duration = row
    decoded = decode_beats(version, blob)
    beats = decoded.value
    if beats is None or not beats_usable(beats, generation) or not beats.is_valid:
        return None  # Mixxx re-analyses or keeps the column: nothing to compare
    if isinstance(beats, BeatGrid):
        expected = beats.bpm
    elif generation == GENERATION_2_3 or not samplerate or samplerate <= 0:
        return None  # 2.3's median BPM of a map is not reproduced
    else:
        expected = beats.bpm_at(float(samplerate), duration if duration else None)
    if (
        isinstance(bpm, (int, float))
        and math.isfinite(bpm)
        and abs(bpm - expected) <= _BPM_TOLERANCE
    ):
        return None
    return AnalysisMismatch(track_id, "bpm", bpm, expected, f"{version} blob")


def _key_mismatches(row: tuple[Any, ...], generation: Generation) -> list[AnalysisMismatch]:
    track_id, _, key, key_id, _, _, version, blob, _, _ = row
    keymap = decode_keys(version, blob).value
    if keymap is None or not keymap.is_valid:
        return []
    found = []
    if key_id != keymap.key_id:
        found.append(AnalysisMismatch(track_id, "key_id", key_id, keymap.key_id, f"{version} blob"))
    # Only the key the text names counts: "B♭", "Bb" and "6B" are one key (2.3 writes the
    # user's notation, 2.4+ the ID3v2 name; both rewrite the text from the key map on save).
    if guess_key_id(key) != keymap.key_id:
        expected = key_text_for(keymap.key_id, generation, key)
        found.append(AnalysisMismatch(track_id, "key", key, expected, f"{version} blob"))
    return found


def analysis_report() -> list[AnalysisMismatch]:
    """Columns (``bpm``, ``key_id``, ``key``) that disagree with the track's blobs.

    Only parsable blobs Mixxx would load are compared (see the module docstring). ``key``
    text is compared by the key it names, in any notation (``B♭`` is ``Bb``). Reads the
    library in pages.
    """
    generation = mixxx_generation()
    found: list[AnalysisMismatch] = []
    for rows in _library_pages():
        for row in rows:
            if row[5] is not None:
                mismatch = _bpm_mismatch(row, generation)
                if mismatch is not None:
                    found.append(mismatch)
            if row[7] is not None:
                found.extend(_key_mismatches(row, generation))
    return found


@journalled
def repair_analysis(
    *, dry_run: bool = False, force: bool = False
) -> WriteResult[list[AnalysisMismatch]]:
    """Make the ``bpm``/``key_id``/``key`` columns say what the blobs say, in one transaction.

    ``changes``: one line per column changed; ``value``: the :class:`AnalysisMismatch` list.
    Raises MixxxRunningError (unless ``force``), ReadOnlyError, SchemaVersionError.
    """
    mismatches = analysis_report()
    result = WriteResult("repair-analysis", dry_run=dry_run, value=mismatches)
    by_column: dict[str, list[tuple[object, int]]] = {}
    for m in mismatches:
        by_column.setdefault(m.column, []).append((m.expected, m.track_id))
        result.add(f"track {m.track_id}: {m.column} {m.stored!r} -> {m.expected!r}")
        result.count(m.column)
    result.notes.extend(guard_notes(TRACK_DATA, force=force, dry_run=dry_run))
    if dry_run or not mismatches:
        return result
    with write_transaction([("library", c) for c in by_column]):
        for column, params in by_column.items():
            assert column in ("bpm", "key_id", "key")  # the statement names a fixed column
            executemany(f"UPDATE library SET {column} = ? WHERE id = ?", params)
    return result
