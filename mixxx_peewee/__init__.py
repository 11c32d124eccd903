"""mixxx_peewee: read and change Mixxx's library database safely, from outside Mixxx.

``import mixxx_peewee`` loads almost nothing: every public name (models, ``open_library``,
operations) loads its module, and peewee, on first use. The command line (typer, rich)
lives in :mod:`mixxx_peewee.cli` and is never loaded by the library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mixxx_peewee.errors import *  # noqa: F403
from mixxx_peewee.errors import __all__ as _error_names

if TYPE_CHECKING:  # static names for type checkers; at run time they load lazily
    from mixxx_peewee.connection import db
    from mixxx_peewee.connection import read_transaction
    from mixxx_peewee.inspection import SchemaReport
    from mixxx_peewee.inspection import Verdict
    from mixxx_peewee.inspection import inspect_schema
    from mixxx_peewee.library import MixxxLibrary
    from mixxx_peewee.library import current_library
    from mixxx_peewee.library import find_database
    from mixxx_peewee.library import open_library
    from mixxx_peewee.library import write_transaction
    from mixxx_peewee.models import Crate
    from mixxx_peewee.models import CrateTrack
    from mixxx_peewee.models import Cue
    from mixxx_peewee.models import Directory
    from mixxx_peewee.models import LibraryHash
    from mixxx_peewee.models import Playlist
    from mixxx_peewee.models import PlaylistTrack
    from mixxx_peewee.models import Setting
    from mixxx_peewee.models import Track
    from mixxx_peewee.models import TrackAnalysis
    from mixxx_peewee.models import TrackLocation

__version__ = "0.1.0"

# Operations load on first use, so ``import mixxx_peewee`` stays light.
_LAZY: dict[str, str] = {
    # connection.py, library.py, models.py, inspection.py
    "MixxxLibrary": "library",
    "current_library": "library",
    "db": "connection",
    "find_database": "library",
    "open_library": "library",
    "read_transaction": "connection",
    "write_transaction": "library",
    "Crate": "models",
    "CrateTrack": "models",
    "Cue": "models",
    "Directory": "models",
    "LibraryHash": "models",
    "Playlist": "models",
    "PlaylistTrack": "models",
    "Setting": "models",
    "Track": "models",
    "TrackAnalysis": "models",
    "TrackLocation": "models",
    "SchemaReport": "inspection",
    "Verdict": "inspection",
    "inspect_schema": "inspection",
    # trackreads.py, locations.py, trackedits.py, relocate.py
    "query_tracks": "trackreads",
    "iter_tracks": "trackreads",
    "search_tracks": "trackreads",
    "get_track_by_id": "trackreads",
    "get_track_by_location": "locations",
    "get_tracks_by_locations": "locations",
    "update_track": "trackedits",
    "hide_tracks": "trackedits",
    "unhide_tracks": "trackedits",
    "missing_tracks": "trackreads",
    "relocate_tracks": "relocate",
    "track_columns": "trackreads",
    # playlists.py
    "list_playlists": "playlists",
    "get_playlist": "lookup",
    "get_playlist_tracks": "playlists",
    "create_playlist": "playlists",
    "rename_playlist": "playlists",
    "delete_playlist": "playlists",
    "add_track_to_playlist": "playlists",
    "add_tracks_to_playlist": "playlists",
    "remove_track_from_playlist": "playlists",
    "remove_positions_from_playlist": "playlists",
    "move_playlist_track": "playlists",
    "clear_playlist": "playlists",
    # crates.py
    "list_crates": "crates",
    "get_crate": "lookup",
    "get_crate_tracks": "crates",
    "create_crate": "crates",
    "rename_crate": "crates",
    "delete_crate": "crates",
    "add_track_to_crate": "crates",
    "add_tracks_to_crate": "crates",
    "remove_track_from_crate": "crates",
    "remove_tracks_from_crate": "crates",
    "clear_crate": "crates",
    # cues.py
    "list_cues": "cues",
    "set_hotcue": "cues",
    "set_main_cue": "cues",
    "delete_cue": "cues",
    # backup.py, restore.py
    "backup": "backups",
    "restore": "restoring",
    "auto_backup": "backups",
    # running.py
    "find_mixxx_processes": "running",
    # plan.py
    "WriteResult": "plan",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mixxx_peewee' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"mixxx_peewee.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Crate",
    "CrateTrack",
    "Cue",
    "Directory",
    "LibraryHash",
    "MixxxLibrary",
    "Playlist",
    "PlaylistTrack",
    "SchemaReport",
    "Setting",
    "Track",
    "TrackAnalysis",
    "TrackLocation",
    "Verdict",
    "current_library",
    "db",
    "find_database",
    "inspect_schema",
    "open_library",
    "read_transaction",
    "write_transaction",
    *_error_names,
    *_LAZY,
]
