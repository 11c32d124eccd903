"""The SQL functions our queries call, registered on the database when a library is opened.

Searching folds case and accents in Python (SQLite's ``LIKE`` folds ASCII only), keys are
guessed from their text in any notation, and "missing" asks the file system. Peewee keeps
registered functions and loads them on every new connection; :func:`register` is called by
:func:`mixxx_peewee.library.open_library` (registering again is harmless).
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from typing import Any

import peewee

from mixxx_peewee.core.keys import guess_key_id

__all__ = ["CACHED_NEEDLE", "fold_text", "register"]

CACHED_NEEDLE = 256  # longer search words are folded-and-compared without the cache


def fold_text(text: str) -> str:
    """Case- and accent-folded text (NFKD without combining marks, casefolded)."""
    if text.isascii():
        return text.lower()
    return _fold_non_ascii(text)


@lru_cache(maxsize=65536)
def _fold_non_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _folded_contains(text: str, needle: str) -> bool:
    return needle in _fold_non_ascii(text)


# Only called on text with non-ASCII characters (see query.text_contains_any); the cache
# itself is the SQL function, so a repeated value costs no Python frame. Long needles are
# not cached: every entry would keep its own copy of the needle.
_cached_folded_contains = lru_cache(maxsize=16384)(_folded_contains)


@lru_cache(maxsize=4096)
def _guess_key_id(text: Any) -> int:
    return guess_key_id(text) if isinstance(text, str) else 0


def _fold(text: Any) -> Any:
    return _fold_non_ascii(text) if isinstance(text, str) else text


def _path_missing(path: Any) -> int:
    return int(not isinstance(path, str) or not os.path.exists(path))


def register(database: peewee.SqliteDatabase) -> None:
    """Register our SQL functions on ``database`` (now, if open, and on every connection)."""
    database.register_function(
        _cached_folded_contains, "mixxx_folded_contains", 2, deterministic=True
    )
    database.register_function(
        _folded_contains, "mixxx_folded_contains_long", 2, deterministic=True
    )
    database.register_function(_guess_key_id, "mixxx_guess_key_id", 1, deterministic=True)
    database.register_function(_fold, "mixxx_fold", 1, deterministic=True)
    database.register_function(_path_missing, "mixxx_path_missing", 1)
