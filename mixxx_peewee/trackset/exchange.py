"""M3U import and export of a playlist or crate: what ``playlists/crates import`` and
``export`` do, as library functions.

:func:`import_m3u` reads a file (or takes its :class:`~mixxx_peewee.trackset.m3u.M3UMatch`),
matches its entries with the library by path and creates or fills the playlist or crate
(:mod:`~mixxx_peewee.trackset.filling`); :func:`export_m3u` writes one's tracks as
extended M3U8, to a file (through a temporary beside it: an error leaves no half-written
file) or a text stream.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TextIO

from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.core.results import plural
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.models import Crate
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import Track
from mixxx_peewee.trackset import crates
from mixxx_peewee.trackset import playlists
from mixxx_peewee.trackset.filling import CRATE_KIND
from mixxx_peewee.trackset.filling import Existing
from mixxx_peewee.trackset.filling import SetKind
from mixxx_peewee.trackset.filling import fill_set
from mixxx_peewee.trackset.filling import playlist_kind
from mixxx_peewee.trackset.m3u import M3UMatch
from mixxx_peewee.trackset.m3u import match_entries
from mixxx_peewee.trackset.m3u import read_m3u
from mixxx_peewee.trackset.m3u import write_m3u8

__all__ = [
    "M3UExport",
    "export_m3u",
    "import_m3u",
    "m3u_row",
    "match_m3u",
    "refuse_existing",
    "write_file_atomically",
]


def _one_target(playlist: object, crate: object) -> str:
    if (playlist is None) == (crate is None):
        raise ValidationError("give playlist= or crate= (one of them)")
    return "playlist" if playlist is not None else "crate"


@journalled
def import_m3u(
    source: str | os.PathLike[str] | M3UMatch,
    *,
    playlist: int | str | Playlist | None = None,
    crate: int | str | Crate | None = None,
    existing: Existing = "refuse",
    strict: bool = False,
    allow_digits: bool = False,
    force_history: bool = False,
    dry_run: bool = False,
) -> WriteResult[int | None]:
    """Read an M3U/M3U8 file into the playlist ``playlist`` or the crate ``crate``: created
    (named so) when there is none with that id or name, else filled as ``existing`` says
    (``"refuse"``, ``"append"``, ``"replace"``).

    ``source`` is the file, or its entries already matched (``match_entries(read_m3u(f),
    path=f)``: its ``missing`` lists the entries not in the library, which are left out).
    With ``strict`` an entry not in the library fails the import (nothing written). The
    result of a create is labelled ``import_playlist`` / ``import_crate``. Raises
    ValidationError (unreadable file, ``strict``, an existing target with ``"refuse"``),
    DuplicateNameError, LockedError (nothing written).
    """
    noun = _one_target(playlist, crate)
    matched = source if isinstance(source, M3UMatch) else match_m3u(source)
    if strict and matched.missing:
        total = len(matched.track_ids) + len(matched.missing)
        raise ValidationError(
            f"{matched.path}: {len(matched.missing):,} of {plural(total, 'entry')} are not in "
            "the library; nothing imported (--strict)"
        )
    kind: SetKind = playlist_kind(None, force_history) if noun == "playlist" else CRATE_KIND
    return fill_set(kind, playlist if noun == "playlist" else crate, matched.track_ids,
                    existing=existing, label=f"import_{noun}", allow_digits=allow_digits,
                    dry_run=dry_run)  # fmt: skip


def match_m3u(path: str | os.PathLike[str]) -> M3UMatch:
    """The entries of the playlist file ``path`` matched with the open library's tracks."""
    return match_entries(read_m3u(path), path=path)


def m3u_row(track: Track) -> dict[str, Any]:
    """What an M3U8 entry shows of a ``Track`` (location joined): its path, artist, title and
    duration as stored."""
    data = track.__data__
    location = track.__rel__.get("location")
    return {
        "location": getattr(location, "location", None),
        "artist": data.get("artist"),
        "title": data.get("title"),
        "duration": data.get("duration"),
    }


@dataclass(frozen=True)
class M3UExport:
    """What :func:`export_m3u` wrote: entries, tracks left out (no file path), ASCII only."""

    written: int
    left_out: int
    ascii: bool  # every path and #EXTINF text is ASCII (the same in every encoding)


def export_m3u(
    dest: str | os.PathLike[str] | TextIO,
    *,
    playlist: int | str | Playlist | None = None,
    crate: int | str | Crate | None = None,
    relative: bool = False,
    overwrite: bool = False,
    include_hidden: bool = False,
) -> M3UExport:
    """Write the tracks of the playlist ``playlist`` (in order) or the crate ``crate`` (by id;
    hidden ones with ``include_hidden``) as extended M3U8 to the file or text stream ``dest``.

    ``relative`` writes paths relative to the file's folder (a stream's: the current one).
    Tracks without a file path are left out (counted in ``left_out``). Raises
    ValidationError (``dest`` exists and not ``overwrite``), PlaylistNotFoundError,
    CrateNotFoundError, OSError (cannot write; no half-written file is left).
    """
    noun = _one_target(playlist, crate)
    if noun == "playlist":
        assert playlist is not None
        tracks = playlists.get_playlist_tracks(playlist)
    else:
        assert crate is not None
        tracks = crates.get_crate_tracks(crate, include_hidden=include_hidden)
    rows = [m3u_row(t) for t in tracks if t.path is not None]
    ascii_only = _rows_ascii(rows)
    if hasattr(dest, "write"):
        base = Path.cwd() if relative else None
        written = write_m3u8(rows, dest, relative_to=base)  # type: ignore[arg-type]
    else:
        path = Path(dest)
        refuse_existing(path, overwrite)
        folder = path.absolute().parent if relative else None
        written = write_file_atomically(path, lambda out: write_m3u8(rows, out, relative_to=folder))
    return M3UExport(written, len(tracks) - len(rows), ascii_only)


def refuse_existing(path: Path, overwrite: bool, option: str = "--overwrite") -> None:
    """Raise ValidationError when ``path`` exists (a dangling link too) and not ``overwrite``;
    the message names ``option``, what replaces it."""
    if not overwrite and (path.exists() or path.is_symlink()):
        raise ValidationError(f"{path} exists already; {option} replaces it")


def write_file_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write a UTF-8 text file through a temporary beside it (an error leaves no
    half-written file); what ``write(out)`` returned."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            written = write(out)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _rows_ascii(rows: Iterable[Mapping[str, Any]]) -> bool:
    return all(str(r.get(k) or "").isascii() for r in rows for k in ("location", "artist", "title"))
