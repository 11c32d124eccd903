"""A library to and from rekordbox XML and Traktor NML: the public export and import.

An export selects tracks (every visible one, or ids/models/paths, a search, a playlist or
a crate), reads them as the exchange form (:mod:`~mixxx_peewee.interop.collect`) and
streams them into the format's writer, through a temporary file renamed into place. An
import reads the file safely (:mod:`~mixxx_peewee.interop.xmlfile`), then plans and writes
it in one transaction (:mod:`~mixxx_peewee.interop.apply`), journalled so ``undo`` takes it
back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from typing import Literal
from typing import TextIO

from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.interop.apply import ImportOptions
from mixxx_peewee.interop.apply import ImportReport
from mixxx_peewee.interop.apply import run_import
from mixxx_peewee.interop.collect import ExportReport
from mixxx_peewee.interop.collect import collect_sets
from mixxx_peewee.interop.collect import collect_tracks
from mixxx_peewee.interop.model import ExchangeFile
from mixxx_peewee.interop.model import ExchangeNode
from mixxx_peewee.interop.model import ExchangeTrack
from mixxx_peewee.interop.pathmap import PathMap
from mixxx_peewee.interop.rekordbox import read_rekordbox
from mixxx_peewee.interop.rekordbox import write_rekordbox
from mixxx_peewee.interop.traktor import read_traktor
from mixxx_peewee.interop.traktor import write_traktor
from mixxx_peewee.journal.operation import journalled
from mixxx_peewee.lookup import get_crate
from mixxx_peewee.lookup import get_playlist
from mixxx_peewee.models import Crate
from mixxx_peewee.models import Playlist
from mixxx_peewee.tracks.locations import TrackLike
from mixxx_peewee.tracks.locations import track_ids_of
from mixxx_peewee.tracks.reads import iter_tracks
from mixxx_peewee.trackset.exchange import refuse_existing
from mixxx_peewee.trackset.exchange import write_file_atomically

__all__ = [
    "FORMATS",
    "export_rekordbox",
    "export_traktor",
    "import_rekordbox",
    "import_traktor",
    "path_map_of",
]

PathMapLike = PathMap | Mapping[str, str] | Iterable[str] | None
Normalize = Literal["nfc", "nfd"] | None
CuePolicy = Literal["keep", "merge", "replace"]
GridPolicy = Literal["keep", "replace"]
MemoryCuePolicy = Literal["slots", "skip"]
Progress = Callable[[int, int], None]  # (done, total)

# What the import's ``only`` may name (``--only``).
ONLY_PARTS = ("cues", "grids", "keys", "ratings", "playcounts", "playlists")
FORMATS = {"rekordbox": "rekordbox XML file", "traktor": "Traktor NML file"}


def path_map_of(path_map: PathMapLike, normalize: Normalize = None) -> PathMap | None:
    """``path_map`` as a :class:`PathMap` (None when there is nothing to map or normalise)."""
    if isinstance(path_map, PathMap):
        return path_map
    if path_map is None and normalize is None:
        return None
    return PathMap(path_map or (), normalize=normalize)  # it checks normalize


def _selected_ids(
    tracks: Iterable[TrackLike] | None,
    search: str | None,
    playlist: Playlist | None,
    crate: Crate | None,
) -> list[int]:
    """The ids to export, in id order (a playlist: its running order, each track once)."""
    if tracks is not None:
        if isinstance(tracks, (str, os.PathLike)):
            raise ValidationError("tracks= takes a list of tracks; a search is search=TEXT")
        return list(dict.fromkeys(track_ids_of(tracks)))
    filters: dict[str, Any] = {"hidden": False}
    if playlist is not None:
        filters["playlist"] = playlist.id
    if crate is not None:
        filters["crate"] = crate.id
    rows = iter_tracks(search=search, columns=["id"], **filters)
    return list(dict.fromkeys(int(row["id"]) for row in rows))


def _only_set(nodes: list[ExchangeNode], name: str) -> list[ExchangeNode]:
    """The tree pruned to the playlists or crates called ``name`` (folders kept above them)."""
    kept: list[ExchangeNode] = []
    for node in nodes:
        if node.children is not None:
            inner = _only_set(node.children, name)
            if inner:
                kept.append(ExchangeNode(node.name, inner))
        elif node.name == name:
            kept.append(node)
    return kept


def _our_version() -> str:
    """This package's installed version ("" when it runs from a plain checkout)."""
    try:
        return metadata.version("mixxx-peewee")
    except metadata.PackageNotFoundError:
        return ""


def _leaves(nodes: list[ExchangeNode]) -> int:
    """How many playlists (not folders) the tree holds."""
    return sum(_leaves(n.children) if n.children is not None else 1 for n in nodes)


def _counted(
    tracks: Iterator[ExchangeTrack], total: int, progress: Progress | None
) -> Iterator[ExchangeTrack]:
    done = 0
    for done, track in enumerate(tracks, 1):
        yield track
        if progress is not None and done % 500 == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)


def _export(
    fmt: str,
    dest: str | os.PathLike[str],
    *,
    tracks: Iterable[TrackLike] | None,
    search: str | None,
    playlist: int | str | Playlist | None,
    crate: int | str | Crate | None,
    playlists: bool,
    crates: bool,
    history: bool,
    path_map: PathMapLike,
    normalize: Normalize,
    offset: bool,
    force: bool,
    playlist_folder: str,
    crate_folder: str,
    key_notation: str,
    progress: Progress | None,
) -> ExportReport:
    path = Path(dest)
    refuse_existing(path, force, option="force=True")
    if playlist is not None and crate is not None:
        raise ValidationError("give playlist= or crate=, not both")
    mapping = path_map_of(path_map, normalize)
    playlist_row = get_playlist(playlist) if playlist is not None else None
    crate_row = get_crate(crate) if crate is not None else None
    ids = _selected_ids(tracks, search, playlist_row, crate_row)
    nodes = collect_sets(
        ids,
        playlists=playlists or playlist is not None,
        crates=crates or crate is not None,
        history=history,
        playlist_folder=playlist_folder,
        crate_folder=crate_folder,
    )
    if playlist_row is not None:
        nodes = _only_set(nodes, str(playlist_row.name))
    elif crate_row is not None:
        nodes = _only_set(nodes, str(crate_row.name))
    report = ExportReport()
    report.playlists = _leaves(nodes)
    tracks_read = collect_tracks(ids, path_map=mapping, offset=offset, report=report)
    stream = _counted(tracks_read, len(ids), progress)

    def write(out: TextIO) -> int:
        if fmt == "rekordbox":
            return write_rekordbox(out, stream, nodes, count=len(ids), key_notation=key_notation,
                                   product_version=_our_version())  # fmt: skip
        return write_traktor(out, stream, nodes, count=len(ids), product_version=_our_version())

    write_file_atomically(path, write)
    return report


def export_rekordbox(
    dest: str | os.PathLike[str],
    tracks: Iterable[TrackLike] | None = None,
    *,
    search: str | None = None,
    playlist: int | str | Playlist | None = None,
    crate: int | str | Crate | None = None,
    playlists: bool = True,
    crates: bool = True,
    history: bool = False,
    path_map: PathMapLike = None,
    normalize: Normalize = None,
    key_notation: str = "classic",
    offset: bool = True,
    force: bool = False,
    playlist_folder: str = "Mixxx/Playlists",
    crate_folder: str = "Mixxx/Crates",
    progress: Progress | None = None,
) -> ExportReport:
    """Write the library's visible tracks (or ``tracks``, a ``search``, a ``playlist`` or a
    ``crate``) with their cues, loops, grids and keys, and its playlists and crates, as a
    rekordbox XML file.

    ``path_map`` rewrites path prefixes for the machine that will read the file
    (``{"/home/dj/Music": "D:/Music"}``), ``normalize`` chooses the Unicode form of the
    paths written ("nfc", "nfd"; default as stored), ``key_notation`` the Tonality text
    ("classic" ``Am``, "camelot" ``8A``, "openkey" ``1m``). Positions of MP3 files are
    shifted by Mixxx's timing rule unless ``offset=False``. An existing ``dest`` is kept
    unless ``force``. Raises ValidationError, PlaylistNotFoundError, CrateNotFoundError,
    TrackNotFoundError, OSError (nothing half-written is left).
    """
    return _export(
        "rekordbox", dest, tracks=tracks, search=search, playlist=playlist, crate=crate,
        playlists=playlists, crates=crates, history=history, path_map=path_map,
        normalize=normalize, offset=offset, force=force, playlist_folder=playlist_folder,
        crate_folder=crate_folder, key_notation=key_notation, progress=progress,
    )  # fmt: skip


def export_traktor(
    dest: str | os.PathLike[str],
    tracks: Iterable[TrackLike] | None = None,
    *,
    search: str | None = None,
    playlist: int | str | Playlist | None = None,
    crate: int | str | Crate | None = None,
    playlists: bool = True,
    crates: bool = True,
    history: bool = False,
    path_map: PathMapLike = None,
    normalize: Normalize = None,
    offset: bool = True,
    force: bool = False,
    playlist_folder: str = "Mixxx/Playlists",
    crate_folder: str = "Mixxx/Crates",
    progress: Progress | None = None,
) -> ExportReport:
    """Write the library's visible tracks (or a selection, as :func:`export_rekordbox`) with
    their cues, loops, grid and key, and its playlists and crates, as a Traktor NML
    collection. The arguments are :func:`export_rekordbox`'s (no key notation: Traktor
    stores a key number and Open Key text)."""
    return _export(
        "traktor", dest, tracks=tracks, search=search, playlist=playlist, crate=crate,
        playlists=playlists, crates=crates, history=history, path_map=path_map,
        normalize=normalize, offset=offset, force=force, playlist_folder=playlist_folder,
        crate_folder=crate_folder, key_notation="", progress=progress,
    )  # fmt: skip


def _options(
    path_map: PathMapLike,
    normalize: Normalize,
    add_missing: bool,
    cues: str,
    grids: str,
    memory_cues: str,
    only: Iterable[str] | str | None,
    offset: bool,
    separator: str,
) -> ImportOptions:
    """The import's options, each checked (one ValidationError line for a wrong one)."""
    for name, value, allowed in (
        ("cues", cues, ("keep", "merge", "replace")),
        ("grids", grids, ("keep", "replace")),
        ("memory_cues", memory_cues, ("slots", "skip")),
    ):
        if value not in allowed:
            raise ValidationError(f"{name} must be one of {', '.join(allowed)}; not {value!r}")
    parts: frozenset[str] | None = None
    if only is not None:
        names = [p.strip() for p in (only.split(",") if isinstance(only, str) else only)]
        unknown = [p for p in names if p not in ONLY_PARTS]
        if unknown or not names:
            raise ValidationError(
                f"only takes {', '.join(ONLY_PARTS)}; not {', '.join(unknown) or 'nothing'}"
            )
        parts = frozenset(names)
    if not separator:
        raise ValidationError("separator must not be empty")
    return ImportOptions(
        path_map=path_map_of(path_map, normalize),
        add_missing=add_missing,
        cues=cues,
        grids=grids,
        memory_cues=memory_cues,
        only=parts,
        offset=offset,
        separator=separator,
    )


def _import(
    read: Callable[[Path], ExchangeFile],
    src: str | os.PathLike[str],
    options: ImportOptions,
    dry_run: bool,
    force: bool,
) -> WriteResult[ImportReport]:
    file = read(Path(src))
    return run_import(file, options, dry_run=dry_run, force=force)


@journalled
def import_rekordbox(
    src: str | os.PathLike[str],
    *,
    path_map: PathMapLike = None,
    normalize: Normalize = None,
    add_missing: bool = False,
    cues: CuePolicy = "merge",
    grids: GridPolicy = "replace",
    memory_cues: MemoryCuePolicy = "slots",
    only: Sequence[str] | str | None = None,
    offset: bool = True,
    separator: str = " / ",
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult[ImportReport]:
    """Bring a rekordbox XML file's cues, loops, grids, keys, ratings, play counts and
    playlists into the library, in one transaction (``undo`` takes it back).

    Tracks are matched by path (after ``path_map``, read from the file's side to the
    library's, in either Unicode form); ``add_missing`` adds files that exist but are not in
    the library yet, as Mixxx's scanner would. ``cues``: "keep" (write none), "merge" (fill
    empty hot cue slots, never move one set in Mixxx), "replace". ``grids``: "keep" or
    "replace". ``memory_cues``: "slots" (the first is the main cue, the others go to free
    hot cue slots after the used ones, as Mixxx's own rekordbox import does) or "skip".
    ``only`` limits the import to some of cues, grids, keys, ratings, playcounts,
    playlists. A playlist's folder path joined with ``separator`` is its name in Mixxx.
    Refused while Mixxx runs unless ``force``. Raises ExchangeFormatError (the file),
    ValidationError, MixxxRunningError (nothing written).
    """
    options = _options(path_map, normalize, add_missing, cues, grids, memory_cues, only,
                       offset, separator)  # fmt: skip
    return _import(read_rekordbox, src, options, dry_run, force)


@journalled
def import_traktor(
    src: str | os.PathLike[str],
    *,
    path_map: PathMapLike = None,
    normalize: Normalize = None,
    add_missing: bool = False,
    cues: CuePolicy = "merge",
    grids: GridPolicy = "replace",
    memory_cues: MemoryCuePolicy = "slots",
    only: Sequence[str] | str | None = None,
    offset: bool = True,
    separator: str = " / ",
    dry_run: bool = False,
    force: bool = False,
) -> WriteResult[ImportReport]:
    """Bring a Traktor NML collection's cues, loops, grid, keys, ratings, play counts and
    playlists into the library, in one transaction; the arguments are
    :func:`import_rekordbox`'s."""
    options = _options(path_map, normalize, add_missing, cues, grids, memory_cues, only,
                       offset, separator)  # fmt: skip
    return _import(read_traktor, src, options, dry_run, force)
