"""The one display rule of each kind of value, shared by every output format.

Dates: Mixxx stores UTC text in two forms (``YYYY-MM-DD HH:MM:SS`` and ISO with ``Z``);
data formats write ISO 8601 UTC, a table local time. Colours are ``#RRGGBB``. Keys are
shown in one notation, chosen once per invocation (``--key-notation``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from mixxx_peewee.core.values import COLOR_COLUMNS
from mixxx_peewee.errors import ValidationError

__all__ = [
    "COLOR_COLUMNS",
    "DATETIME_COLUMNS",
    "cached_key_text",
    "format_duration",
    "iso_utc",
    "key_notation",
    "key_text",
    "local_time",
    "set_key_notation",
]


# Columns holding Mixxx datetimes (stored as text, UTC; see MIXXX_FACTS §3).
DATETIME_COLUMNS = frozenset(
    {"datetime_added", "last_played_at", "date_created", "date_modified", "pl_datetime_added",
     "created", "date", "modified"}
)  # fmt: skip
_KEY_NOTATION = ["traditional"]  # set once per invocation by the root options


def set_key_notation(notation: str) -> None:
    """Show keys in ``notation`` (traditional, openkey, lancelot) from now on."""
    from mixxx_peewee.core.keys import NOTATIONS

    if notation not in NOTATIONS:
        raise ValidationError(f"key notation must be one of {', '.join(NOTATIONS)}")
    _KEY_NOTATION[0] = notation


def key_notation() -> str:
    """The notation keys are shown in (``--key-notation``)."""
    return _KEY_NOTATION[0]


def iso_utc(value: Any) -> Any:
    """A Mixxx datetime (stored text or datetime) as ISO 8601 UTC text; other values as given.

    ``2024-10-18 20:57:00`` becomes ``2024-10-18T20:57:00Z``; text that is no datetime is
    returned unchanged (the file keeps what it keeps).
    """
    if isinstance(value, str) and value.endswith("Z") and value[10:11] == "T":
        return value  # already ISO 8601 UTC (Mixxx 2.3+ writes datetime_added so)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
        return text + "Z"
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-" or value[13] != ":":
        return value
    text = value[:10] + "T" + value[11:]
    if text.endswith("Z"):
        return text
    if text[-6] in "+-" and text[-3] == ":":  # an explicit offset: let datetime convert it
        try:
            return iso_utc(dt.datetime.fromisoformat(text))
        except ValueError:
            return value
    return text + "Z"


def local_time(value: Any) -> str:
    """A Mixxx datetime in local time, ``YYYY-MM-DD HH:MM``, as a terminal shows dates."""
    if isinstance(value, str):
        text = str(iso_utc(value))
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if not isinstance(value, dt.datetime):
        return "" if value is None else str(value)
    moment: dt.datetime = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def key_text(key_id: Any, stored: Any) -> Any:
    """A key in the chosen notation: from ``key_id`` when valid, else from the stored text."""
    key_id = key_id if isinstance(key_id, int) and not isinstance(key_id, bool) else 0
    shown = cached_key_text(key_id, stored if isinstance(stored, str) else "", _KEY_NOTATION[0])
    return shown or stored


@lru_cache(maxsize=4096)
def cached_key_text(key_id: int, stored: str, notation: str) -> str:
    """:func:`key_text` for a valid-or-0 ``key_id`` and text, cached (listings repeat keys)."""
    from mixxx_peewee.core.keys import guess_key_id
    from mixxx_peewee.core.keys import key_to_text

    if not 1 <= key_id <= 24:
        key_id = guess_key_id(stored)
    return key_to_text(key_id, notation) if key_id else ""


def format_duration(seconds: Any) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour; blank for none (0 or unknown)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        return ""
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
