"""Turning command-line words into library ids: tracks by id or path, ``-`` for stdin.

A word of digits is an id; anything else is a file path, looked up the way the library
does (as stored, relative to the current folder, any Unicode normalisation, or the
resolved target of a stored symlink). ``-`` reads more words from standard input: a line
of ids separated by spaces or tabs (``echo "12 15 20"``) gives each id, any other line is
one path (paths contain spaces); blank lines and ``#`` lines are skipped, so an M3U8
listing or ``tracks list -f ids`` can be piped in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Iterator

from mixxx_peewee.core.values import is_row_id
from mixxx_peewee.core.values import parse_id
from mixxx_peewee.errors import TrackNotFoundError
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.tracks.locations import track_ids_of

__all__ = ["expand_stdin", "track_id", "track_ids"]


def expand_stdin(words: Iterable[str]) -> Iterator[str]:
    """The words, with each ``-`` replaced by the ids or paths read from standard input."""
    stdin_used = False
    for word in words:
        if word != "-":
            yield word
            continue
        if stdin_used:
            raise ValidationError("'-' (standard input) given more than once")
        stdin_used = True
        for line in sys.stdin:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            ids = text.split()
            if len(ids) > 1 and all(parse_id(word) is not None for word in ids):
                yield from ids
            else:
                yield text


def track_id(word: str) -> int:
    """The track id a word names: digits are an id, anything else a path.

    Raises TrackNotFoundError for a path with no track (ids are checked by the operation).
    """
    text = word.strip()
    number = parse_id(text)
    if number is not None:
        if not is_row_id(number):
            raise TrackNotFoundError(f"no track with id {text}")
        return number
    return track_ids_of([text])[0]


def track_ids(words: Iterable[str]) -> list[int]:
    """Every track id named by ``words`` (``-`` reads stdin), in order; raises on none."""
    ids = [track_id(word) for word in expand_stdin(words)]
    if not ids:
        raise ValidationError("no tracks given (standard input was empty)")
    return ids
