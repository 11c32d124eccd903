"""Reading another program's XML file safely and as a stream.

The parser is defusedxml's (the standard library's expat with every entity, external
reference and DTD refused): a rekordbox or Traktor file never needs one, and a file that
has one is either not theirs or hostile (entity expansion, external entities). On top of
that, a tag longer than :data:`MAX_TAG_BYTES` is refused before expat buffers it (a
100 MB attribute), the root element must be the format's, and every failure — truncated,
not well-formed, a wrong encoding, another program's file — is one
:class:`~mixxx_peewee.errors.ExchangeFormatError` line naming the file.

Callers iterate ``(event, element)`` pairs and clear what they consumed
(``element.clear()``, and the root's children now and then) so memory stays flat.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import defusedxml.ElementTree as safe_et

from mixxx_peewee.core.connection import why
from mixxx_peewee.errors import ExchangeFormatError

__all__ = ["ATTRIBUTE_ESCAPES", "MAX_TAG_BYTES", "NOT_XML", "iter_xml"]

# Characters XML 1.0 cannot hold at all, not even as a character reference (besides tab,
# newline and carriage return): the writers leave them out.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# An attribute value's text in double quotes: the markup characters, and tab, newline and
# carriage return as references (attribute normalisation would turn them into spaces).
ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
     "\t": "&#9;"}
)  # fmt: skip

MAX_TAG_BYTES = 4 * 1024 * 1024  # a real TRACK or ENTRY tag is a few kilobytes
_CHUNK = 64 * 1024


class _TagLengthGuard:
    """A binary file that refuses a run of more than ``limit`` bytes without a ``>``."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self._run = 0

    def read(self, size: int = -1) -> bytes:
        """The next chunk (at most ``_CHUNK`` bytes), checked."""
        chunk = self._raw.read(_CHUNK if size is None or size < 0 else min(size, _CHUNK))
        end = chunk.rfind(b">")
        self._run = self._run + len(chunk) if end < 0 else len(chunk) - end - 1
        if self._run > self._limit:
            raise _TooLong
        return chunk


class _TooLong(Exception):
    """A tag longer than the limit."""


def _refusal(path: Path, what: str, exc: BaseException) -> ExchangeFormatError:
    name = type(exc).__name__
    if name == "DTDForbidden":
        reason = "it declares a DTD, which no " + what + " has"
    elif name == "EntitiesForbidden":
        reason = "it declares entities, which no " + what + " has"
    elif name in ("ExternalReferenceForbidden", "NotSupportedError"):
        reason = "it refers to external entities, which no " + what + " has"
    elif isinstance(exc, _TooLong):
        reason = f"a tag is longer than {MAX_TAG_BYTES // (1024 * 1024)} MB"
    elif isinstance(exc, ET.ParseError):
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":", 1)[0]
        if message.startswith("no element found") and (line, column) == (1, 0):
            reason = "the file is empty"
        elif message.startswith("no element found") or message.startswith("unclosed token"):
            reason = f"the file ends early (line {line}): truncated?"
        else:
            reason = f"{message} at line {line}, column {column + 1}"
    elif isinstance(exc, UnicodeError):
        reason = f"wrong text encoding ({exc})"
    else:
        reason = str(exc) or name
    return ExchangeFormatError(f"{path}: not a readable {what}: {reason}")


def iter_xml(
    path: Path, *, root: str, what: str, events: tuple[str, ...] = ("start", "end")
) -> Iterator[tuple[str, ET.Element]]:
    """``(event, element)`` of ``path``, parsed safely; the root element must be ``root``.

    ``what`` names the format in messages ("rekordbox XML file"). Raises
    :class:`ExchangeFormatError` for a missing, unreadable, hostile or foreign file.
    """
    wanted = tuple(dict.fromkeys(("start", *events)))
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed in finally, read as a stream
    except OSError as exc:
        raise ExchangeFormatError(f"{path}: cannot read ({why(exc)})") from None
    try:
        guarded = _TagLengthGuard(raw, MAX_TAG_BYTES)
        seen_root = False
        try:
            for event, element in safe_et.iterparse(guarded, events=wanted, forbid_dtd=True):
                if not seen_root:
                    seen_root = True
                    if element.tag != root:
                        raise ExchangeFormatError(
                            f"{path}: not a {what}: its root element is <{element.tag}>,"
                            f" not <{root}>"
                        )
                if event in events:
                    yield event, element
        except ExchangeFormatError:
            raise
        except (ET.ParseError, UnicodeError, ValueError, _TooLong) as exc:
            raise _refusal(path, what, exc) from None
        except OSError as exc:
            raise ExchangeFormatError(f"{path}: cannot read ({why(exc)})") from None
        except Exception as exc:  # defusedxml's refusals (DefusedXmlException subclasses)
            if type(exc).__module__.startswith("defusedxml"):
                raise _refusal(path, what, exc) from None
            raise
        if not seen_root:
            raise ExchangeFormatError(f"{path}: not a {what}: the file is empty")
    finally:
        raw.close()
