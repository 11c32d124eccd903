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
    from mixxx_peewee.analysis.codec import BeatGrid as BeatGrid
    from mixxx_peewee.analysis.codec import BeatMap as BeatMap
    from mixxx_peewee.analysis.codec import Beats as Beats
    from mixxx_peewee.analysis.codec import Decoded as Decoded
    from mixxx_peewee.analysis.codec import KeyMap as KeyMap
    from mixxx_peewee.analysis.grids import scale_bpm as scale_bpm
    from mixxx_peewee.analysis.report import AnalysisMismatch as AnalysisMismatch
    from mixxx_peewee.analysis.report import analysis_report as analysis_report
    from mixxx_peewee.analysis.report import repair_analysis as repair_analysis
    from mixxx_peewee.backups.folder import BackupInfo as BackupInfo
    from mixxx_peewee.backups.folder import auto_backup as auto_backup
    from mixxx_peewee.backups.folder import backup as backup
    from mixxx_peewee.backups.folder import backup_details as backup_details
    from mixxx_peewee.backups.folder import list_backups as list_backups
    from mixxx_peewee.backups.restore import restore as restore
    from mixxx_peewee.backups.restore import restore_part as restore_part
    from mixxx_peewee.core.connection import db as db
    from mixxx_peewee.core.connection import read_transaction as read_transaction
    from mixxx_peewee.core.inspection import Difference as Difference
    from mixxx_peewee.core.inspection import LiveColumn as LiveColumn
    from mixxx_peewee.core.inspection import SchemaReport as SchemaReport
    from mixxx_peewee.core.inspection import Verdict as Verdict
    from mixxx_peewee.core.inspection import inspect_schema as inspect_schema
    from mixxx_peewee.core.keys import guess_key_id as guess_key_id
    from mixxx_peewee.core.keys import key_to_text as key_to_text
    from mixxx_peewee.core.results import CreateResult as CreateResult
    from mixxx_peewee.core.results import WriteResult as WriteResult
    from mixxx_peewee.core.running import MixxxProcess as MixxxProcess
    from mixxx_peewee.core.running import find_mixxx_processes as find_mixxx_processes
    from mixxx_peewee.core.values import NumberRange as NumberRange
    from mixxx_peewee.diff.compare import diff_libraries as diff_libraries
    from mixxx_peewee.diff.result import CollectionChanges as CollectionChanges
    from mixxx_peewee.diff.result import CollectionRef as CollectionRef
    from mixxx_peewee.diff.result import CollectionRename as CollectionRename
    from mixxx_peewee.diff.result import CueChange as CueChange
    from mixxx_peewee.diff.result import LibraryDiff as LibraryDiff
    from mixxx_peewee.diff.result import MembershipChange as MembershipChange
    from mixxx_peewee.diff.result import TrackChange as TrackChange
    from mixxx_peewee.diff.result import TrackRef as TrackRef
    from mixxx_peewee.diff.snapshots import save_snapshot as save_snapshot
    from mixxx_peewee.interop.apply import ImportReport as ImportReport
    from mixxx_peewee.interop.collect import ExportReport as ExportReport
    from mixxx_peewee.interop.pathmap import PathMap as PathMap
    from mixxx_peewee.interop.transfer import export_rekordbox as export_rekordbox
    from mixxx_peewee.interop.transfer import export_traktor as export_traktor
    from mixxx_peewee.interop.transfer import import_rekordbox as import_rekordbox
    from mixxx_peewee.interop.transfer import import_traktor as import_traktor
    from mixxx_peewee.journal.history import JournalStatus as JournalStatus
    from mixxx_peewee.journal.history import get_change as get_change
    from mixxx_peewee.journal.history import journal_retention as journal_retention
    from mixxx_peewee.journal.history import journal_status as journal_status
    from mixxx_peewee.journal.history import list_changes as list_changes
    from mixxx_peewee.journal.journalfile import ChangeJournal as ChangeJournal
    from mixxx_peewee.journal.journalfile import ChangeJournalWarning as ChangeJournalWarning
    from mixxx_peewee.journal.records import Change as Change
    from mixxx_peewee.journal.records import RowImage as RowImage
    from mixxx_peewee.journal.records import TableChanges as TableChanges
    from mixxx_peewee.journal.undo import undo_change as undo_change
    from mixxx_peewee.library import MixxxLibrary as MixxxLibrary
    from mixxx_peewee.library import current_library as current_library
    from mixxx_peewee.library import find_database as find_database
    from mixxx_peewee.library import open_library as open_library
    from mixxx_peewee.library import write_transaction as write_transaction
    from mixxx_peewee.lookup import get_crate as get_crate
    from mixxx_peewee.lookup import get_playlist as get_playlist
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
    from mixxx_peewee.tracks.cues import delete_cue as delete_cue
    from mixxx_peewee.tracks.cues import list_cues as list_cues
    from mixxx_peewee.tracks.cues import set_hotcue as set_hotcue
    from mixxx_peewee.tracks.cues import set_main_cue as set_main_cue
    from mixxx_peewee.tracks.duplicates import DuplicateGroup as DuplicateGroup
    from mixxx_peewee.tracks.duplicates import find_duplicates as find_duplicates
    from mixxx_peewee.tracks.edits import hide_tracks as hide_tracks
    from mixxx_peewee.tracks.edits import unhide_tracks as unhide_tracks
    from mixxx_peewee.tracks.edits import update_track as update_track
    from mixxx_peewee.tracks.edits import update_tracks as update_tracks
    from mixxx_peewee.tracks.locations import TrackLike as TrackLike
    from mixxx_peewee.tracks.locations import get_track_by_location as get_track_by_location
    from mixxx_peewee.tracks.locations import get_tracks_by_locations as get_tracks_by_locations
    from mixxx_peewee.tracks.merge import LOSSLESS as LOSSLESS
    from mixxx_peewee.tracks.merge import best_of as best_of
    from mixxx_peewee.tracks.merge import merge_duplicates as merge_duplicates
    from mixxx_peewee.tracks.merge import merge_tracks as merge_tracks
    from mixxx_peewee.tracks.nexttrack import suggest_next as suggest_next
    from mixxx_peewee.tracks.reads import get_track_by_id as get_track_by_id
    from mixxx_peewee.tracks.reads import iter_tracks as iter_tracks
    from mixxx_peewee.tracks.reads import missing_tracks as missing_tracks
    from mixxx_peewee.tracks.reads import query_tracks as query_tracks
    from mixxx_peewee.tracks.reads import search_tracks as search_tracks
    from mixxx_peewee.tracks.reads import track_columns as track_columns
    from mixxx_peewee.tracks.relink import RelinkMove as RelinkMove
    from mixxx_peewee.tracks.relink import RelinkPlan as RelinkPlan
    from mixxx_peewee.tracks.relink import RelinkUnresolved as RelinkUnresolved
    from mixxx_peewee.tracks.relink import relink_tracks as relink_tracks
    from mixxx_peewee.tracks.relocate import RelocationPlan as RelocationPlan
    from mixxx_peewee.tracks.relocate import relocate_tracks as relocate_tracks
    from mixxx_peewee.tracks.stats import BpmBucket as BpmBucket
    from mixxx_peewee.tracks.stats import LibraryStats as LibraryStats
    from mixxx_peewee.tracks.stats import library_stats as library_stats
    from mixxx_peewee.tracks.usage import PlaylistUse as PlaylistUse
    from mixxx_peewee.tracks.usage import TrackUsage as TrackUsage
    from mixxx_peewee.tracks.usage import track_crate_names as track_crate_names
    from mixxx_peewee.tracks.usage import track_usage as track_usage
    from mixxx_peewee.trackset.crates import add_track_to_crate as add_track_to_crate
    from mixxx_peewee.trackset.crates import add_tracks_to_crate as add_tracks_to_crate
    from mixxx_peewee.trackset.crates import clear_crate as clear_crate
    from mixxx_peewee.trackset.crates import create_crate as create_crate
    from mixxx_peewee.trackset.crates import delete_crate as delete_crate
    from mixxx_peewee.trackset.crates import get_crate_tracks as get_crate_tracks
    from mixxx_peewee.trackset.crates import list_crates as list_crates
    from mixxx_peewee.trackset.crates import remove_track_from_crate as remove_track_from_crate
    from mixxx_peewee.trackset.crates import remove_tracks_from_crate as remove_tracks_from_crate
    from mixxx_peewee.trackset.crates import rename_crate as rename_crate
    from mixxx_peewee.trackset.crates import replace_crate_tracks as replace_crate_tracks
    from mixxx_peewee.trackset.exchange import M3UExport as M3UExport
    from mixxx_peewee.trackset.exchange import export_m3u as export_m3u
    from mixxx_peewee.trackset.exchange import import_m3u as import_m3u
    from mixxx_peewee.trackset.exchange import match_m3u as match_m3u
    from mixxx_peewee.trackset.filling import fill_crate as fill_crate
    from mixxx_peewee.trackset.filling import fill_playlist as fill_playlist
    from mixxx_peewee.trackset.m3u import M3UEntry as M3UEntry
    from mixxx_peewee.trackset.m3u import M3UMatch as M3UMatch
    from mixxx_peewee.trackset.m3u import match_entries as match_entries
    from mixxx_peewee.trackset.m3u import parse_m3u as parse_m3u
    from mixxx_peewee.trackset.m3u import read_m3u as read_m3u
    from mixxx_peewee.trackset.m3u import write_m3u8 as write_m3u8
    from mixxx_peewee.trackset.ordering import dedupe_playlist as dedupe_playlist
    from mixxx_peewee.trackset.ordering import reverse_playlist as reverse_playlist
    from mixxx_peewee.trackset.ordering import shuffle_playlist as shuffle_playlist
    from mixxx_peewee.trackset.ordering import sort_playlist as sort_playlist
    from mixxx_peewee.trackset.playlists import add_track_to_playlist as add_track_to_playlist
    from mixxx_peewee.trackset.playlists import add_tracks_to_playlist as add_tracks_to_playlist
    from mixxx_peewee.trackset.playlists import clear_playlist as clear_playlist
    from mixxx_peewee.trackset.playlists import create_playlist as create_playlist
    from mixxx_peewee.trackset.playlists import delete_playlist as delete_playlist
    from mixxx_peewee.trackset.playlists import get_playlist_tracks as get_playlist_tracks
    from mixxx_peewee.trackset.playlists import list_playlists as list_playlists
    from mixxx_peewee.trackset.playlists import move_playlist_track as move_playlist_track
    from mixxx_peewee.trackset.playlists import (
        remove_positions_from_playlist as remove_positions_from_playlist,
    )
    from mixxx_peewee.trackset.playlists import (
        remove_track_from_playlist as remove_track_from_playlist,
    )
    from mixxx_peewee.trackset.playlists import (
        remove_tracks_from_playlist as remove_tracks_from_playlist,
    )
    from mixxx_peewee.trackset.playlists import rename_playlist as rename_playlist
    from mixxx_peewee.trackset.playlists import replace_playlist_tracks as replace_playlist_tracks
    from mixxx_peewee.trackset.smart import create_smart_crate as create_smart_crate
    from mixxx_peewee.trackset.smart import refresh_smart_crates as refresh_smart_crates
    from mixxx_peewee.trackset.smart import smart_crates as smart_crates

__version__ = "0.1.0"

# Operations load on first use, so ``import mixxx_peewee`` stays light.
_LAZY: dict[str, str] = {
    "MixxxLibrary": "library",
    "current_library": "library",
    "db": "core.connection",
    "find_database": "library",
    "open_library": "library",
    "read_transaction": "core.connection",
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
    "SchemaReport": "core.inspection",
    "Difference": "core.inspection",
    "LiveColumn": "core.inspection",
    "Verdict": "core.inspection",
    "inspect_schema": "core.inspection",
    "query_tracks": "tracks.reads",
    "iter_tracks": "tracks.reads",
    "search_tracks": "tracks.reads",
    "get_track_by_id": "tracks.reads",
    "get_track_by_location": "tracks.locations",
    "get_tracks_by_locations": "tracks.locations",
    "TrackLike": "tracks.locations",
    "update_track": "tracks.edits",
    "update_tracks": "tracks.edits",
    "hide_tracks": "tracks.edits",
    "unhide_tracks": "tracks.edits",
    "missing_tracks": "tracks.reads",
    "relocate_tracks": "tracks.relocate",
    "RelocationPlan": "tracks.relocate",
    "relink_tracks": "tracks.relink",
    "RelinkPlan": "tracks.relink",
    "RelinkMove": "tracks.relink",
    "RelinkUnresolved": "tracks.relink",
    "track_columns": "tracks.reads",
    "NumberRange": "core.values",
    "list_playlists": "trackset.playlists",
    "get_playlist": "lookup",
    "get_playlist_tracks": "trackset.playlists",
    "create_playlist": "trackset.playlists",
    "rename_playlist": "trackset.playlists",
    "delete_playlist": "trackset.playlists",
    "add_track_to_playlist": "trackset.playlists",
    "add_tracks_to_playlist": "trackset.playlists",
    "remove_track_from_playlist": "trackset.playlists",
    "remove_tracks_from_playlist": "trackset.playlists",
    "remove_positions_from_playlist": "trackset.playlists",
    "move_playlist_track": "trackset.playlists",
    "dedupe_playlist": "trackset.ordering",
    "reverse_playlist": "trackset.ordering",
    "shuffle_playlist": "trackset.ordering",
    "sort_playlist": "trackset.ordering",
    "clear_playlist": "trackset.playlists",
    "replace_playlist_tracks": "trackset.playlists",
    "list_crates": "trackset.crates",
    "get_crate": "lookup",
    "get_crate_tracks": "trackset.crates",
    "create_crate": "trackset.crates",
    "rename_crate": "trackset.crates",
    "delete_crate": "trackset.crates",
    "add_track_to_crate": "trackset.crates",
    "add_tracks_to_crate": "trackset.crates",
    "remove_track_from_crate": "trackset.crates",
    "remove_tracks_from_crate": "trackset.crates",
    "clear_crate": "trackset.crates",
    "replace_crate_tracks": "trackset.crates",
    "create_smart_crate": "trackset.smart",
    "refresh_smart_crates": "trackset.smart",
    "smart_crates": "trackset.smart",
    "suggest_next": "tracks.nexttrack",
    "list_cues": "tracks.cues",
    "set_hotcue": "tracks.cues",
    "set_main_cue": "tracks.cues",
    "delete_cue": "tracks.cues",
    "scale_bpm": "analysis.grids",
    "analysis_report": "analysis.report",
    "AnalysisMismatch": "analysis.report",
    "repair_analysis": "analysis.report",
    "BeatGrid": "analysis.codec",
    "BeatMap": "analysis.codec",
    "Beats": "analysis.codec",
    "KeyMap": "analysis.codec",
    "Decoded": "analysis.codec",
    "backup": "backups.folder",
    "list_backups": "backups.folder",
    "backup_details": "backups.folder",
    "BackupInfo": "backups.folder",
    "restore": "backups.restore",
    "restore_part": "backups.restore",
    "auto_backup": "backups.folder",
    "library_stats": "tracks.stats",
    "LibraryStats": "tracks.stats",
    "BpmBucket": "tracks.stats",
    "find_duplicates": "tracks.duplicates",
    "DuplicateGroup": "tracks.duplicates",
    "merge_tracks": "tracks.merge",
    "merge_duplicates": "tracks.merge",
    "best_of": "tracks.merge",
    "LOSSLESS": "tracks.merge",
    "track_usage": "tracks.usage",
    "TrackUsage": "tracks.usage",
    "PlaylistUse": "tracks.usage",
    "track_crate_names": "tracks.usage",
    "key_to_text": "core.keys",
    "guess_key_id": "core.keys",
    "find_mixxx_processes": "core.running",
    "MixxxProcess": "core.running",
    "WriteResult": "core.results",
    "CreateResult": "core.results",
    "Change": "journal.records",
    "RowImage": "journal.records",
    "ChangeJournalWarning": "journal.journalfile",
    "ChangeJournal": "journal.journalfile",
    "TableChanges": "journal.records",
    "list_changes": "journal.history",
    "get_change": "journal.history",
    "undo_change": "journal.undo",
    "journal_retention": "journal.history",
    "journal_status": "journal.history",
    "JournalStatus": "journal.history",
    "diff_libraries": "diff.compare",
    "save_snapshot": "diff.snapshots",
    "LibraryDiff": "diff.result",
    "TrackRef": "diff.result",
    "TrackChange": "diff.result",
    "CueChange": "diff.result",
    "CollectionChanges": "diff.result",
    "CollectionRef": "diff.result",
    "MembershipChange": "diff.result",
    "CollectionRename": "diff.result",
    # m3u.py
    "read_m3u": "trackset.m3u",
    "parse_m3u": "trackset.m3u",
    "match_entries": "trackset.m3u",
    "write_m3u8": "trackset.m3u",
    "M3UEntry": "trackset.m3u",
    "M3UMatch": "trackset.m3u",
    "import_m3u": "trackset.exchange",
    "export_m3u": "trackset.exchange",
    "match_m3u": "trackset.exchange",
    "M3UExport": "trackset.exchange",
    "export_rekordbox": "interop.transfer",
    "export_traktor": "interop.transfer",
    "import_rekordbox": "interop.transfer",
    "import_traktor": "interop.transfer",
    "ExportReport": "interop.collect",
    "ImportReport": "interop.apply",
    "PathMap": "interop.pathmap",
    "fill_playlist": "trackset.filling",
    "fill_crate": "trackset.filling",
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
