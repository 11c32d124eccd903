"""mixxx_peewee: read and change Mixxx's library database safely, from outside Mixxx.

``import mixxx_peewee`` loads almost nothing: every public name (models, ``open_library``,
operations) loads its module, and peewee, on first use. The command line (typer, rich)
lives in :mod:`mixxx_peewee.cli` and is never loaded by the library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mixxx_peewee.errors import *  # noqa: F403
from mixxx_peewee.errors import __all__ as _error_names

# The same names as _LAZY, for type checkers ("as" marks a re-export; see test_public_api).
if TYPE_CHECKING:
    from mixxx_peewee.analysis import BeatGrid as BeatGrid
    from mixxx_peewee.analysis import BeatMap as BeatMap
    from mixxx_peewee.analysis import Beats as Beats
    from mixxx_peewee.analysis import Decoded as Decoded
    from mixxx_peewee.analysis import KeyMap as KeyMap
    from mixxx_peewee.backups import BackupInfo as BackupInfo
    from mixxx_peewee.backups import auto_backup as auto_backup
    from mixxx_peewee.backups import backup as backup
    from mixxx_peewee.backups import backup_details as backup_details
    from mixxx_peewee.backups import list_backups as list_backups
    from mixxx_peewee.beatgrids import AnalysisMismatch as AnalysisMismatch
    from mixxx_peewee.beatgrids import analysis_report as analysis_report
    from mixxx_peewee.beatgrids import repair_analysis as repair_analysis
    from mixxx_peewee.beatgrids import scale_bpm as scale_bpm
    from mixxx_peewee.changejournal import Change as Change
    from mixxx_peewee.changejournal import ChangeJournal as ChangeJournal
    from mixxx_peewee.changejournal import ChangeJournalWarning as ChangeJournalWarning
    from mixxx_peewee.changejournal import RowImage as RowImage
    from mixxx_peewee.changejournal import TableChanges as TableChanges
    from mixxx_peewee.connection import db as db
    from mixxx_peewee.connection import read_transaction as read_transaction
    from mixxx_peewee.crates import add_track_to_crate as add_track_to_crate
    from mixxx_peewee.crates import add_tracks_to_crate as add_tracks_to_crate
    from mixxx_peewee.crates import clear_crate as clear_crate
    from mixxx_peewee.crates import create_crate as create_crate
    from mixxx_peewee.crates import delete_crate as delete_crate
    from mixxx_peewee.crates import get_crate_tracks as get_crate_tracks
    from mixxx_peewee.crates import list_crates as list_crates
    from mixxx_peewee.crates import remove_track_from_crate as remove_track_from_crate
    from mixxx_peewee.crates import remove_tracks_from_crate as remove_tracks_from_crate
    from mixxx_peewee.crates import rename_crate as rename_crate
    from mixxx_peewee.crates import replace_crate_tracks as replace_crate_tracks
    from mixxx_peewee.cues import delete_cue as delete_cue
    from mixxx_peewee.cues import list_cues as list_cues
    from mixxx_peewee.cues import set_hotcue as set_hotcue
    from mixxx_peewee.cues import set_main_cue as set_main_cue
    from mixxx_peewee.duplicates import DuplicateGroup as DuplicateGroup
    from mixxx_peewee.duplicates import find_duplicates as find_duplicates
    from mixxx_peewee.history import get_change as get_change
    from mixxx_peewee.history import journal_retention as journal_retention
    from mixxx_peewee.history import journal_status as journal_status
    from mixxx_peewee.history import list_changes as list_changes
    from mixxx_peewee.history import undo_change as undo_change
    from mixxx_peewee.inspection import Difference as Difference
    from mixxx_peewee.inspection import LiveColumn as LiveColumn
    from mixxx_peewee.inspection import SchemaReport as SchemaReport
    from mixxx_peewee.inspection import Verdict as Verdict
    from mixxx_peewee.inspection import inspect_schema as inspect_schema
    from mixxx_peewee.keys import guess_key_id as guess_key_id
    from mixxx_peewee.keys import key_to_text as key_to_text
    from mixxx_peewee.library import MixxxLibrary as MixxxLibrary
    from mixxx_peewee.library import current_library as current_library
    from mixxx_peewee.library import find_database as find_database
    from mixxx_peewee.library import open_library as open_library
    from mixxx_peewee.library import write_transaction as write_transaction
    from mixxx_peewee.librarydiff import CollectionChanges as CollectionChanges
    from mixxx_peewee.librarydiff import CollectionRef as CollectionRef
    from mixxx_peewee.librarydiff import CollectionRename as CollectionRename
    from mixxx_peewee.librarydiff import CueChange as CueChange
    from mixxx_peewee.librarydiff import LibraryDiff as LibraryDiff
    from mixxx_peewee.librarydiff import MembershipChange as MembershipChange
    from mixxx_peewee.librarydiff import TrackChange as TrackChange
    from mixxx_peewee.librarydiff import TrackRef as TrackRef
    from mixxx_peewee.librarydiff import diff_libraries as diff_libraries
    from mixxx_peewee.librarydiff import save_snapshot as save_snapshot
    from mixxx_peewee.locations import get_track_by_location as get_track_by_location
    from mixxx_peewee.locations import get_tracks_by_locations as get_tracks_by_locations
    from mixxx_peewee.lookup import get_crate as get_crate
    from mixxx_peewee.lookup import get_playlist as get_playlist
    from mixxx_peewee.m3u import M3UEntry as M3UEntry
    from mixxx_peewee.m3u import M3UMatch as M3UMatch
    from mixxx_peewee.m3u import match_entries as match_entries
    from mixxx_peewee.m3u import parse_m3u as parse_m3u
    from mixxx_peewee.m3u import read_m3u as read_m3u
    from mixxx_peewee.m3u import write_m3u8 as write_m3u8
    from mixxx_peewee.models import Crate as Crate
    from mixxx_peewee.models import CrateTrack as CrateTrack
    from mixxx_peewee.models import Cue as Cue
    from mixxx_peewee.models import Directory as Directory
    from mixxx_peewee.models import LibraryHash as LibraryHash
    from mixxx_peewee.models import Playlist as Playlist
    from mixxx_peewee.models import PlaylistTrack as PlaylistTrack
    from mixxx_peewee.models import Setting as Setting
    from mixxx_peewee.models import Track as Track
    from mixxx_peewee.models import TrackAnalysis as TrackAnalysis
    from mixxx_peewee.models import TrackLocation as TrackLocation
    from mixxx_peewee.plan import CreateResult as CreateResult
    from mixxx_peewee.plan import WriteResult as WriteResult
    from mixxx_peewee.playlists import add_track_to_playlist as add_track_to_playlist
    from mixxx_peewee.playlists import add_tracks_to_playlist as add_tracks_to_playlist
    from mixxx_peewee.playlists import clear_playlist as clear_playlist
    from mixxx_peewee.playlists import create_playlist as create_playlist
    from mixxx_peewee.playlists import delete_playlist as delete_playlist
    from mixxx_peewee.playlists import get_playlist_tracks as get_playlist_tracks
    from mixxx_peewee.playlists import list_playlists as list_playlists
    from mixxx_peewee.playlists import move_playlist_track as move_playlist_track
    from mixxx_peewee.playlists import (
        remove_positions_from_playlist as remove_positions_from_playlist,
    )
    from mixxx_peewee.playlists import remove_track_from_playlist as remove_track_from_playlist
    from mixxx_peewee.playlists import remove_tracks_from_playlist as remove_tracks_from_playlist
    from mixxx_peewee.playlists import rename_playlist as rename_playlist
    from mixxx_peewee.playlists import replace_playlist_tracks as replace_playlist_tracks
    from mixxx_peewee.relocate import relocate_tracks as relocate_tracks
    from mixxx_peewee.restoring import restore as restore
    from mixxx_peewee.restoring import restore_part as restore_part
    from mixxx_peewee.running import MixxxProcess as MixxxProcess
    from mixxx_peewee.running import find_mixxx_processes as find_mixxx_processes
    from mixxx_peewee.stats import BpmBucket as BpmBucket
    from mixxx_peewee.stats import LibraryStats as LibraryStats
    from mixxx_peewee.stats import library_stats as library_stats
    from mixxx_peewee.trackedits import hide_tracks as hide_tracks
    from mixxx_peewee.trackedits import unhide_tracks as unhide_tracks
    from mixxx_peewee.trackedits import update_track as update_track
    from mixxx_peewee.trackreads import get_track_by_id as get_track_by_id
    from mixxx_peewee.trackreads import iter_tracks as iter_tracks
    from mixxx_peewee.trackreads import missing_tracks as missing_tracks
    from mixxx_peewee.trackreads import query_tracks as query_tracks
    from mixxx_peewee.trackreads import search_tracks as search_tracks
    from mixxx_peewee.trackreads import track_columns as track_columns
    from mixxx_peewee.usage import PlaylistUse as PlaylistUse
    from mixxx_peewee.usage import TrackUsage as TrackUsage
    from mixxx_peewee.usage import track_crate_names as track_crate_names
    from mixxx_peewee.usage import track_usage as track_usage
    from mixxx_peewee.values import NumberRange as NumberRange

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
    "Difference": "inspection",
    "LiveColumn": "inspection",
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
    "NumberRange": "values",
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
    "remove_tracks_from_playlist": "playlists",
    "remove_positions_from_playlist": "playlists",
    "move_playlist_track": "playlists",
    "clear_playlist": "playlists",
    "replace_playlist_tracks": "playlists",
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
    "replace_crate_tracks": "crates",
    # cues.py
    "list_cues": "cues",
    "set_hotcue": "cues",
    "set_main_cue": "cues",
    "delete_cue": "cues",
    # beatgrids.py, analysis.py (the codec loads only when one of its names is used)
    "scale_bpm": "beatgrids",
    "analysis_report": "beatgrids",
    "AnalysisMismatch": "beatgrids",
    "repair_analysis": "beatgrids",
    "BeatGrid": "analysis",
    "BeatMap": "analysis",
    "Beats": "analysis",
    "KeyMap": "analysis",
    "Decoded": "analysis",
    # backups.py, restoring.py
    "backup": "backups",
    "list_backups": "backups",
    "backup_details": "backups",
    "BackupInfo": "backups",
    "restore": "restoring",
    "restore_part": "restoring",
    "auto_backup": "backups",
    # stats.py, duplicates.py
    "library_stats": "stats",
    "LibraryStats": "stats",
    "BpmBucket": "stats",
    "find_duplicates": "duplicates",
    "DuplicateGroup": "duplicates",
    "track_usage": "usage",
    "TrackUsage": "usage",
    "PlaylistUse": "usage",
    "track_crate_names": "usage",
    # keys.py
    "key_to_text": "keys",
    "guess_key_id": "keys",
    # running.py
    "find_mixxx_processes": "running",
    "MixxxProcess": "running",
    # plan.py
    "WriteResult": "plan",
    "CreateResult": "plan",
    # changejournal.py, history.py
    "Change": "changejournal",
    "RowImage": "changejournal",
    "ChangeJournalWarning": "changejournal",
    "ChangeJournal": "changejournal",
    "TableChanges": "changejournal",
    "list_changes": "history",
    "get_change": "history",
    "undo_change": "history",
    "journal_retention": "history",
    "journal_status": "history",
    # librarydiff.py
    "diff_libraries": "librarydiff",
    "save_snapshot": "librarydiff",
    "LibraryDiff": "librarydiff",
    "TrackRef": "librarydiff",
    "TrackChange": "librarydiff",
    "CueChange": "librarydiff",
    "CollectionChanges": "librarydiff",
    "CollectionRef": "librarydiff",
    "MembershipChange": "librarydiff",
    "CollectionRename": "librarydiff",
    # m3u.py
    "read_m3u": "m3u",
    "parse_m3u": "m3u",
    "match_entries": "m3u",
    "write_m3u8": "m3u",
    "M3UEntry": "m3u",
    "M3UMatch": "m3u",
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


__all__ = [*_error_names, *_LAZY]
