"""Musical keys: Mixxx's ``key_id`` (ChromaticKey) and the notations users type.

``key_id`` 0 is invalid, 1..12 are C..B major, 13..24 are Cm..Bm (as Mixxx's
``src/track/keyutils.cpp``). Text is parsed like Mixxx's ``KeyUtils::guessKeyFromText``:
OpenKey (``1d``..``12m``), Lancelot (``1A``..``12B``) and traditional names (``C``,
``Db``, ``C#m``, ``E♭ minor``; a lower-case letter without a scale means minor). Mixxx's
own combined forms (``F♯/G♭``, ``1d (C)``) are read too.
"""

from __future__ import annotations

import re

from mixxx_peewee.errors import ValidationError

__all__ = [
    "KEY_INVALID",
    "NOTATIONS",
    "guess_key_id",
    "harmonic_rank",
    "is_major",
    "key_to_text",
    "parse_key",
]

KEY_INVALID = 0
NOTATIONS = ("traditional", "openkey", "lancelot")

# Single names (Mixxx's preference presets write these; "F♯/G♭" would not re-parse in Mixxx).
_TRADITIONAL = (
    "",
    "C", "D♭", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B",
    "Cm", "C♯m", "Dm", "E♭m", "Em", "Fm", "F♯m", "Gm", "G♯m", "Am", "B♭m", "Bm",
)  # fmt: skip

# OpenKey number -> (major key_id, minor key_id), from Mixxx's s_openKeyToKeys.
_OPENKEY = (
    (0, 0),
    (1, 22), (8, 17), (3, 24), (10, 19), (5, 14), (12, 21),
    (7, 16), (2, 23), (9, 18), (4, 13), (11, 20), (6, 15),
)  # fmt: skip
_OPENKEY_NUMBER = {kid: n for n, pair in enumerate(_OPENKEY) if n for kid in pair}

# Tonic (0 = C) of each letter's major key.
_LETTER_TONIC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

_OPENKEY_RE = re.compile(r"^\s*(1[0-2]|[1-9])([dm])\s*$", re.IGNORECASE)
_LANCELOT_RE = re.compile(r"^\s*(1[0-2]|[1-9])([ab])\s*$", re.IGNORECASE)
_TRADITIONAL_RE = re.compile(
    r"^\s*([a-g])([#♯b♭]*)\s*(min(?:or)?|maj(?:or)?|m)?\s*$", re.IGNORECASE
)


def is_major(key_id: int) -> bool:
    """Whether a valid ``key_id`` is a major key."""
    return 1 <= key_id <= 12


def _tonic_to_key(tonic: int, major: bool) -> int:
    return tonic % 12 + (1 if major else 13)


def _guess_one(text: str) -> int:
    match = _OPENKEY_RE.match(text)
    if match:
        return _OPENKEY[int(match.group(1))][0 if match.group(2).lower() == "d" else 1]
    match = _LANCELOT_RE.match(text)
    if match:
        openkey = (int(match.group(1)) + 5 - 1) % 12 + 1  # Lancelot is OpenKey rotated by 5
        return _OPENKEY[openkey][0 if match.group(2).lower() == "b" else 1]
    match = _TRADITIONAL_RE.match(text)
    if match:
        letter, accidentals, scale = match.groups()
        major = letter.isupper()
        if scale:
            major = scale.lower().startswith("maj")
        steps = sum(1 if c in "#♯" else -1 for c in accidentals)
        return _tonic_to_key(_LETTER_TONIC[letter.lower()] + steps, major)
    return KEY_INVALID


def guess_key_id(text: str | None) -> int:
    """The ``key_id`` of key text in any notation Mixxx reads; 0 when it is not a key."""
    if not text:
        return KEY_INVALID
    key_id = _guess_one(text)
    if key_id:
        return key_id
    # Mixxx's combined forms: "F♯/G♭", "D♯m/E♭m", "1d (C)", "8B (C)".
    head = re.split(r"[/(]", text, maxsplit=1)[0]
    if head != text:
        return _guess_one(head)
    return KEY_INVALID


def parse_key(value: str | int) -> int:
    """A valid ``key_id`` (1..24) from text in any notation or an int; raises ValidationError."""
    if isinstance(value, bool):
        raise ValidationError(f"key must be text or a key_id 1..24, not {value!r}")
    if isinstance(value, int):
        if 1 <= value <= 24:
            return value
        raise ValidationError(f"key_id must be 1..24, not {value}")
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= 24:
            return int(stripped)
        key_id = guess_key_id(value)
        if key_id:
            return key_id
    raise ValidationError(
        f"not a musical key: {value!r} (use e.g. 'Am', 'F#', 'Ebm', '8A', '1d' or a key_id)"
    )


def key_to_text(key_id: int, notation: str = "traditional") -> str:
    """``key_id`` in ``notation`` (traditional, openkey, lancelot); '' for 0."""
    if not 0 <= key_id <= 24:
        raise ValidationError(f"key_id must be 0..24, not {key_id}")
    if notation not in NOTATIONS:
        raise ValidationError(f"notation must be one of {', '.join(NOTATIONS)}, not {notation!r}")
    if key_id == KEY_INVALID:
        return ""
    if notation == "traditional":
        return _TRADITIONAL[key_id]
    number = _OPENKEY_NUMBER[key_id]
    if notation == "openkey":
        return f"{number}{'d' if is_major(key_id) else 'm'}"
    lancelot = (number - 5 - 1) % 12 + 1
    return f"{lancelot}{'B' if is_major(key_id) else 'A'}"


def harmonic_rank(key_id: int) -> int:
    """Where ``key_id`` sorts in harmonic (Camelot/Lancelot) order: 1A, 1B, 2A, … 12B.

    Neighbours on the wheel sort next to each other; 0 (no key) sorts after every key.
    """
    if not 1 <= key_id <= 24:
        return 99
    lancelot = (_OPENKEY_NUMBER[key_id] - 5 - 1) % 12 + 1
    return 2 * lancelot + (1 if is_major(key_id) else 0)
