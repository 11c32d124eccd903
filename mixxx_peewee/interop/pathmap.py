"""Path prefixes rewritten between this library and a machine that reads the exported file.

``PathMap({"/home/dj/Music": "D:/Music"})`` (or ``PathMap(["/home/dj/Music=D:/Music"])``,
the command line's ``--map FROM=TO``) rewrites the longest matching prefix, on whole path
components (``/music`` never matches ``/musicbox``). :meth:`PathMap.to_target` goes from
a library location to the other machine's path (export), optionally normalised to NFC or
NFD (macOS' rekordbox stores decomposed names); :meth:`PathMap.to_library` goes back
(import): the reverse mapping; the caller then looks the path up in the stored form, NFC
and NFD (``interop.apply``). Target paths use ``/`` (a Windows ``D:\\Music`` is read as
``D:/Music``); a drive letter is matched without regard to case. No symlink is resolved:
Mixxx stores the path as the scanner found it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Literal

from mixxx_peewee.errors import ValidationError

__all__ = ["PathMap"]

_FORMS: dict[str, Literal["NFC", "NFD"]] = {"nfc": "NFC", "nfd": "NFD"}


def _clean(prefix: str, side: str, pair: str) -> str:
    text = prefix.strip().replace("\\", "/")
    if not text:
        raise ValidationError(f"path map {pair!r}: the {side} prefix is empty")
    while len(text) > 1 and text.endswith("/") and not text.endswith(":/"):
        text = text[:-1]
    return text


def _is_drive(prefix: str) -> bool:
    return len(prefix) >= 2 and prefix[1] == ":" and prefix[0].isalpha()


def _matches(path: str, prefix: str) -> bool:
    """Whether ``prefix`` is ``path`` or a whole-component prefix of it."""
    head = path[: len(prefix)]
    same = head == prefix or (_is_drive(prefix) and head.casefold() == prefix.casefold())
    if not same:
        return False
    return len(path) == len(prefix) or prefix.endswith("/") or path[len(prefix)] == "/"


def _rewrite(path: str, pairs: list[tuple[str, str]]) -> str | None:
    """``path`` with its longest matching prefix replaced; None when none matches."""
    best: tuple[str, str] | None = None
    for source, target in pairs:
        if _matches(path, source) and (best is None or len(source) > len(best[0])):
            best = (source, target)
    if best is None:
        return None
    source, target = best
    rest = path[len(source) :]
    if target.endswith("/") and rest.startswith("/"):
        rest = rest[1:]
    return target + rest


class PathMap:
    """Prefix rewrites between library locations and another machine's paths."""

    def __init__(
        self, pairs: Mapping[str, str] | Iterable[str] = (), normalize: str | None = None
    ) -> None:
        if normalize is not None and normalize not in _FORMS:
            raise ValidationError(f"normalize must be 'nfc', 'nfd' or None, not {normalize!r}")
        self.normalize = normalize
        items: list[tuple[str, str]] = []
        if isinstance(pairs, Mapping):
            for source, target in pairs.items():
                if not isinstance(source, str) or not isinstance(target, str):
                    raise ValidationError(f"path map {source!r}: prefixes must be text")
                items.append((source, target))
        else:
            if isinstance(pairs, str):
                pairs = [pairs]
            for pair in pairs:
                if not isinstance(pair, str) or "=" not in pair:
                    raise ValidationError(f"path map {pair!r}: expected FROM=TO")
                source, target = pair.split("=", 1)
                items.append((source, target))
        self.pairs: list[tuple[str, str]] = []
        for source, target in items:
            shown = f"{source}={target}"
            self.pairs.append((_clean(source, "FROM", shown), _clean(target, "TO", shown)))
        sources = [s for s, _ in self.pairs]
        if len(set(sources)) != len(sources):
            raise ValidationError("path map: the same FROM prefix is given twice")

    def __repr__(self) -> str:
        return f"PathMap({dict(self.pairs)!r}, normalize={self.normalize!r})"

    def __bool__(self) -> bool:
        return bool(self.pairs) or self.normalize is not None

    def to_target(self, path: str) -> str:
        """The other machine's path for the library location ``path`` (export)."""
        mapped = _rewrite(path, self.pairs)
        if mapped is None and self.pairs:
            # A FROM typed in the other Unicode form than the stored path still matches.
            for form in _FORMS.values():
                mapped = _rewrite(
                    unicodedata.normalize(form, path),
                    [(unicodedata.normalize(form, s), t) for s, t in self.pairs],
                )
                if mapped is not None:
                    break
        out = path if mapped is None else mapped
        if self.normalize is not None:
            out = unicodedata.normalize(_FORMS[self.normalize], out)
        return out

    def to_library(self, path: str) -> str:
        """The library location for the other machine's ``path`` (import): the reverse map.

        Backslashes of a Windows path become ``/``. The caller tries the result as
        stored, NFC and NFD.
        """
        text = path.replace("\\", "/") if _is_drive(path) else path
        reverse = [(t, s) for s, t in self.pairs]
        mapped = _rewrite(text, reverse)
        if mapped is None and reverse:
            for form in _FORMS.values():
                mapped = _rewrite(
                    unicodedata.normalize(form, text),
                    [(unicodedata.normalize(form, t), s) for t, s in reverse],
                )
                if mapped is not None:
                    break
        return text if mapped is None else mapped
