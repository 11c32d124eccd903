"""M3U and M3U8 playlist files: write a track listing, read one back into track ids.

Writing produces extended M3U8 (UTF-8, ``#EXTM3U`` header, one ``#EXTINF`` per entry)
with absolute paths, or paths relative to the folder of the playlist file; a ``.m3u``
gets the same UTF-8 text (Mixxx reads a ``.m3u`` as UTF-8 when it is; its own ``.m3u``
export in Windows-1250 loses characters). Reading accepts plain and extended M3U/M3U8,
``file://`` URLs, a UTF-8 byte-order mark and Windows-1252 ``.m3u`` files (tried after
UTF-8, as Mixxx does); relative entries resolve against the playlist file's folder
(never following symlinks: Mixxx stores the link path). ``#EXTINF`` is kept as a hint
only; matching is by path. Other directives (``#EXTGRP``, ``#PLAYLIST`` …) are ignored.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TextIO

from mixxx_peewee.errors import ValidationError
from mixxx_peewee.tracks.locations import get_track_ids_by_locations

__all__ = [
    "M3UEntry",
    "M3UMatch",
    "format_extinf",
    "match_entries",
    "parse_m3u",
    "read_m3u",
    "write_m3u8",
]

# Playlist formats that are not M3U: read as M3U they would be junk.
OTHER_PLAYLIST_FORMATS = {".pls", ".xspf", ".wpl", ".asx"}

# A playlist file larger than this is not a playlist (a mistaken audio or database file).
MAX_PLAYLIST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class M3UEntry:
    """One entry of a playlist file: the path as written, as resolved, and its #EXTINF hint."""

    line: int  # 1-based line number in the file
    raw: str  # the entry as written
    location: str  # absolute path (or the URL, for non-file URLs)
    duration: float | None = None  # seconds from #EXTINF; None when absent or -1
    title: str | None = None  # display text from #EXTINF

    @property
    def is_url(self) -> bool:
        """Whether the entry is a non-file URL (a stream) that no library track can match."""
        return "://" in self.location and not self.location.startswith("/")

    def __str__(self) -> str:
        return f"line {self.line}: {self.raw}"


@dataclass(frozen=True)
class M3UMatch:
    """Entries of a playlist file matched to library tracks, in file order."""

    track_ids: list[int]  # one per matched entry, in file order (repeats kept)
    missing: list[M3UEntry]  # entries with no track in the library
    path: Path | None = None  # the playlist file, when known

    @property
    def total(self) -> int:
        """The number of entries, matched or not."""
        return len(self.track_ids) + len(self.missing)

    def __str__(self) -> str:
        return f"{self.path or 'entries'} ({self.total:,} entries, {len(self.missing):,} missing)"


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data:
        raise ValidationError(f"{path}: not a playlist file (binary data)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if path.suffix.lower() == ".m3u8":
            raise ValidationError(f"{path}: not valid UTF-8, as an .m3u8 file must be") from None
        # Plain .m3u files from older players are in Windows-1252 (en dashes, curly quotes
        # in 0x80-0x9F); its five unassigned bytes fall back to Latin-1.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _parse_extinf(text: str) -> tuple[float | None, str | None]:
    """``#EXTINF:123,Artist - Title`` (attributes before the comma are skipped)."""
    body = text[len("#EXTINF:") :]
    head, sep, title = body.partition(",")
    seconds_text = head.strip().split(" ", 1)[0]
    try:
        seconds: float | None = float(seconds_text)
    except ValueError:
        seconds = None
    if seconds is not None and seconds < 0:
        seconds = None
    return seconds, (title.strip() or None) if sep else None


def _resolve(raw: str, base_dir: Path | None) -> str:
    text = raw
    if text.lower().startswith("file://"):
        parsed = urllib.parse.urlsplit(text)
        text = urllib.parse.unquote(parsed.path)
        if parsed.netloc and parsed.netloc.lower() != "localhost":
            text = f"//{parsed.netloc}{text}"
    elif "://" in text:
        return text  # a stream URL: kept as it is, never a library track
    if text.startswith("~"):
        text = os.path.expanduser(text)
    if not os.path.isabs(text) and base_dir is not None:
        text = os.path.join(base_dir, text)
    # normpath, not resolve(): Mixxx stores symlinks as the link path.
    return os.path.normpath(text) if os.path.isabs(text) else text


def parse_m3u(text: str, base_dir: str | os.PathLike[str] | None = None) -> list[M3UEntry]:
    """The entries of M3U/M3U8 ``text``; relative paths resolve against ``base_dir``."""
    base = Path(base_dir) if base_dir is not None else None
    entries = []
    hint: tuple[float | None, str | None] = (None, None)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if stripped.upper().startswith("#EXTINF:"):
                hint = _parse_extinf(stripped)
            continue
        location = _resolve(stripped, base)
        entries.append(M3UEntry(number, stripped, location, hint[0], hint[1]))
        hint = (None, None)
    return entries


def read_m3u(path: str | os.PathLike[str]) -> list[M3UEntry]:
    """Read a playlist file; relative entries resolve against its folder.

    Raises ValidationError (unreadable, binary, too large, not UTF-8 for .m3u8, another
    playlist format: .pls, .xspf, .wpl, .asx).
    """
    path = Path(path)
    if path.suffix.lower() in OTHER_PLAYLIST_FORMATS:
        raise ValidationError(
            f"{path}: {path.suffix[1:].upper()} is not supported; import an .m3u8 or .m3u file"
        )
    try:
        if path.is_dir():
            raise ValidationError(f"{path}: is a directory, not a playlist file")
        size = path.stat().st_size
        if size > MAX_PLAYLIST_BYTES:
            raise ValidationError(f"{path}: too large for a playlist file ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse_m3u(_decode(data, path), path.absolute().parent)


def match_entries(
    entries: Iterable[M3UEntry], *, path: str | os.PathLike[str] | None = None
) -> M3UMatch:
    """Find each entry's track in the open library by path (symlink- and Unicode-aware);
    ``path``: the file they were read from (kept in the match, for messages)."""
    entries = list(entries)
    found = get_track_ids_by_locations(e.location for e in entries if not e.is_url and e.location)
    ids: list[int] = []
    missing: list[M3UEntry] = []
    for entry in entries:
        track_id = None if entry.is_url else found.get(entry.location)
        if track_id is None:
            missing.append(entry)
        else:
            ids.append(track_id)
    return M3UMatch(ids, missing, None if path is None else Path(path))


def format_extinf(row: Mapping[str, Any]) -> str:
    """The ``#EXTINF`` line of a track row (duration rounded to seconds, ``Artist - Title``)."""
    duration = row.get("duration")
    seconds = round(duration) if isinstance(duration, (int, float)) and duration > 0 else -1
    artist = (row.get("artist") or "").strip()
    title = (row.get("title") or "").strip()
    if not title:
        title = os.path.basename(str(row.get("location") or ""))
    label = f"{artist} - {title}" if artist else title
    # A newline in a tag would end the directive early.
    label = " ".join(label.split())
    return f"#EXTINF:{seconds},{label}"


def write_m3u8(
    rows: Iterable[Mapping[str, Any]],
    out: TextIO,
    *,
    relative_to: str | os.PathLike[str] | None = None,
) -> int:
    """Write track rows (``location``, ``artist``, ``title``, ``duration``) as M3U8 to ``out``.

    With ``relative_to`` (a folder) paths are written relative to it; a path on another
    drive stays absolute. Returns the number of entries written.
    """
    base = os.path.abspath(relative_to) if relative_to is not None else None
    out.write("#EXTM3U\n")
    count = 0
    for row in rows:
        location = str(row["location"])
        if base is not None:
            try:
                location = os.path.relpath(location, base)
            except ValueError:
                pass  # another Windows drive: only an absolute path can reach it
        out.write(format_extinf(row) + "\n" + location + "\n")
        count += 1
    return count
