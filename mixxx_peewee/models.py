"""Peewee models for every table Mixxx's schema.xml creates, bound to the deferred database.

Each field records the revision that added its column (``field.added_in``). Models adapt
to the open file (:func:`adapt_models`): a column the file lacks is removed from the model,
so no query selects or writes it, and using it raises :class:`ColumnNotInFileError`.
The ``itunes_*``, ``traktor_*`` and ``rhythmbox_*`` caches are read-only models.

Models never create, alter or migrate tables: Mixxx owns its schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import ClassVar

import peewee
from peewee import AutoField
from peewee import CompositeKey
from peewee import ForeignKeyField

from mixxx_peewee.connection import db
from mixxx_peewee.errors import ColumnNotInFileError
from mixxx_peewee.errors import ReadOnlyError
from mixxx_peewee.fields import DATETIME_ISO_MS_Z
from mixxx_peewee.fields import BlobField
from mixxx_peewee.fields import LooseIntegerField
from mixxx_peewee.fields import LooseTextField
from mixxx_peewee.fields import MixxxDateTimeField
from mixxx_peewee.fields import SampleField
from mixxx_peewee.schema import TABLES_BY_NAME

__all__ = [
    "ALL_MODELS",
    "CORE_MODELS",
    "Crate",
    "CrateTrack",
    "Cue",
    "Directory",
    "ITunesLibrary",
    "ITunesPlaylist",
    "ITunesPlaylistTrack",
    "LibraryHash",
    "MixxxModel",
    "Playlist",
    "PlaylistTrack",
    "RhythmboxLibrary",
    "RhythmboxPlaylist",
    "RhythmboxPlaylistTrack",
    "Setting",
    "Track",
    "TrackAnalysis",
    "TrackLocation",
    "TraktorLibrary",
    "TraktorPlaylist",
    "TraktorPlaylistTrack",
    "adapt_models",
]


class _MixxxModelBase(peewee.ModelBase):
    """Metaclass: a column absent from the open file raises a clear error on the class."""

    def __getattr__(cls, name: str) -> Any:
        absent = type.__getattribute__(cls, "__dict__").get("_absent_fields", {})
        if name in absent:
            raise ColumnNotInFileError(absent_message(cls, name))
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")


def absent_message(model: Any, name: str) -> str:
    """The one-line error for field ``name`` of ``model``, absent from the open file."""
    field = model._all_fields[name]
    return (
        f"column {model._meta.table_name}.{field.column_name} (added in revision "
        f"{field.added_in}) is not in this file"
    )


class MixxxModel(peewee.Model, metaclass=_MixxxModelBase):
    """Base of every Mixxx table model: bound to the deferred database, saves dirty fields."""

    _all_fields: ClassVar[dict[str, peewee.Field]] = {}
    _absent_fields: ClassVar[dict[str, peewee.Field]] = {}

    class Meta:
        database = db
        legacy_table_names = False
        only_save_dirty = True

    def __getattr__(self, name: str) -> Any:
        if name in type(self)._absent_fields:
            raise ColumnNotInFileError(absent_message(type(self), name))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self)._absent_fields:
            raise ColumnNotInFileError(absent_message(type(self), name))
        super().__setattr__(name, value)

    @classmethod
    def _normalize_data(cls, data: Any, kwargs: Any) -> Any:
        for source in (data if isinstance(data, Mapping) else {}, kwargs or {}):
            for key in source:
                if isinstance(key, str) and key in cls._absent_fields:
                    raise ColumnNotInFileError(absent_message(cls, key))
        return super()._normalize_data(data, kwargs)  # type: ignore[misc]


class ReadOnlyModel(MixxxModel):
    """A cache of another program's library: Mixxx rebuilds it, nobody edits it."""

    @classmethod
    def _refuse(cls) -> ReadOnlyError:
        return ReadOnlyError(f"{cls._meta.table_name} is a read-only cache table")

    @classmethod
    def insert(cls, *args: Any, **kwargs: Any) -> Any:
        """Refused: cache tables are read-only."""
        raise cls._refuse()

    @classmethod
    def insert_many(cls, *args: Any, **kwargs: Any) -> Any:
        """Refused: cache tables are read-only."""
        raise cls._refuse()

    @classmethod
    def update(cls, *args: Any, **kwargs: Any) -> Any:
        """Refused: cache tables are read-only."""
        raise cls._refuse()

    @classmethod
    def delete(cls) -> Any:
        """Refused: cache tables are read-only."""
        raise cls._refuse()

    def save(self, *args: Any, **kwargs: Any) -> Any:
        """Refused: cache tables are read-only."""
        raise self._refuse()


class Setting(MixxxModel):
    """``settings``: key/value pairs, among them the schema version keys."""

    name = LooseTextField(unique=True)
    value = LooseTextField(null=True)
    locked = LooseIntegerField(null=True)
    hidden = LooseIntegerField(null=True)

    class Meta:
        table_name = "settings"
        primary_key = False


class TrackLocation(MixxxModel):
    """``track_locations``: the file of a track (path, name, folder, size, missing flag)."""

    id = AutoField()
    location = LooseTextField(unique=True, null=True)
    filename = LooseTextField(null=True)
    directory = LooseTextField(null=True)
    filesize = LooseIntegerField(null=True)
    fs_deleted = LooseIntegerField(null=True)
    needs_verification = LooseIntegerField(null=True)

    class Meta:
        table_name = "track_locations"


class LibraryHash(MixxxModel):
    """``LibraryHashes``: the scanner's per-directory state."""

    directory_path = LooseTextField(primary_key=True)
    hash = LooseIntegerField(null=True)
    directory_deleted = LooseIntegerField(null=True)
    needs_verification = LooseIntegerField(null=True)

    class Meta:
        table_name = "LibraryHashes"


class Track(MixxxModel):
    """``library``: one row per track; ``location`` is the id of its ``track_locations`` row."""

    id = AutoField()
    artist = LooseTextField(null=True)
    title = LooseTextField(null=True)
    album = LooseTextField(null=True)
    year = LooseTextField(null=True)
    genre = LooseTextField(null=True)
    tracknumber = LooseTextField(null=True)
    location = ForeignKeyField(
        TrackLocation, column_name="location", backref="tracks", null=True, lazy_load=True
    )
    comment = LooseTextField(null=True)
    url = LooseTextField(null=True)
    duration = SampleField(null=True)
    bitrate = LooseIntegerField(null=True)
    samplerate = LooseIntegerField(null=True)
    cuepoint = SampleField(null=True)
    bpm = SampleField(null=True)
    wavesummaryhex = BlobField(null=True)
    channels = LooseIntegerField(null=True)
    datetime_added = MixxxDateTimeField(null=True, style=DATETIME_ISO_MS_Z)
    mixxx_deleted = LooseIntegerField(null=True)
    played = LooseIntegerField(null=True)
    header_parsed = LooseIntegerField(null=True)
    filetype = LooseTextField(null=True)
    replaygain = SampleField(null=True)
    timesplayed = LooseIntegerField(null=True)
    rating = LooseIntegerField(null=True)
    key = LooseTextField(null=True)
    beats = BlobField(null=True)
    beats_version = LooseTextField(null=True)
    composer = LooseTextField(null=True)
    bpm_lock = LooseIntegerField(null=True)
    beats_sub_version = LooseTextField(null=True)
    keys = BlobField(null=True)
    keys_version = LooseTextField(null=True)
    keys_sub_version = LooseTextField(null=True)
    key_id = LooseIntegerField(null=True)
    grouping = LooseTextField(null=True)
    album_artist = LooseTextField(null=True)
    coverart_source = LooseIntegerField(null=True)
    coverart_type = LooseIntegerField(null=True)
    coverart_location = LooseTextField(null=True)
    coverart_hash = LooseIntegerField(null=True)
    replaygain_peak = SampleField(null=True)
    tracktotal = LooseTextField(null=True)
    color = LooseIntegerField(null=True)
    coverart_color = LooseIntegerField(null=True)
    coverart_digest = BlobField(null=True)
    last_played_at = MixxxDateTimeField(null=True)
    source_synchronized_ms = LooseIntegerField(null=True)
    tuning_frequency_hz = SampleField(null=True)

    class Meta:
        table_name = "library"

    @property
    def path(self) -> str | None:
        """The file path (``track_locations.location``; no extra query when joined)."""
        location = self.location
        return None if location is None else location.location


class Playlist(MixxxModel):
    """``Playlists``: hidden 0 normal, 1 Auto DJ, 2 history; ``position`` orders the sidebar."""

    id = AutoField()
    name = LooseTextField(null=True)
    position = LooseIntegerField(null=True)
    hidden = LooseIntegerField(default=0)
    date_created = MixxxDateTimeField(null=True)
    date_modified = MixxxDateTimeField(null=True)
    locked = LooseIntegerField(null=True)

    class Meta:
        table_name = "Playlists"


class PlaylistTrack(MixxxModel):
    """``PlaylistTracks``: a track at a 1-based position of a playlist (repeats allowed)."""

    id = AutoField()
    playlist = ForeignKeyField(
        Playlist, column_name="playlist_id", backref="entries", null=True, lazy_load=True
    )
    track = ForeignKeyField(
        Track, column_name="track_id", backref="playlist_entries", null=True, lazy_load=True
    )
    position = LooseIntegerField(null=True)
    pl_datetime_added = MixxxDateTimeField(null=True)

    class Meta:
        table_name = "PlaylistTracks"


class Crate(MixxxModel):
    """``crates``: a named, unordered set of tracks."""

    id = AutoField()
    name = LooseTextField(unique=True)
    count = LooseIntegerField(null=True)
    show = LooseIntegerField(null=True)
    locked = LooseIntegerField(null=True)
    autodj_source = LooseIntegerField(null=True)

    class Meta:
        table_name = "crates"


class CrateTrack(MixxxModel):
    """``crate_tracks``: membership pairs, unique together, no id column."""

    crate = ForeignKeyField(Crate, column_name="crate_id", backref="memberships", lazy_load=True)
    track = ForeignKeyField(
        Track, column_name="track_id", backref="crate_memberships", lazy_load=True
    )

    class Meta:
        table_name = "crate_tracks"
        primary_key = CompositeKey("crate", "track")


class Cue(MixxxModel):
    """``cues``: positions and lengths in engine samples (frame × 2), hotcue 0-based."""

    id = AutoField()
    track = ForeignKeyField(Track, column_name="track_id", backref="cues", lazy_load=True)
    type = LooseIntegerField(default=0)
    position = SampleField(default=-1)
    length = SampleField(default=0)
    hotcue = LooseIntegerField(default=-1)
    label = LooseTextField(default="")
    color = LooseIntegerField(default=4294901760)

    class Meta:
        table_name = "cues"


class TrackAnalysis(MixxxModel):
    """``track_analysis``: waveform/analysis rows; ``track_id`` is a ``library.id``."""

    id = AutoField()
    track = ForeignKeyField(Track, column_name="track_id", backref="analyses", lazy_load=True)
    type = LooseTextField(null=True)
    description = LooseTextField(null=True)
    version = LooseTextField(null=True)
    created = MixxxDateTimeField(null=True)
    data_checksum = LooseTextField(null=True)

    class Meta:
        table_name = "track_analysis"


class Directory(MixxxModel):
    """``directories``: the music root folders the scanner watches."""

    directory = LooseTextField(unique=True, null=True)

    class Meta:
        table_name = "directories"
        primary_key = False


def _cache_library_fields(*, key: bool, itunes: bool) -> dict[str, peewee.Field]:
    fields: dict[str, peewee.Field] = {
        "id": AutoField(),
        "artist": LooseTextField(null=True),
        "title": LooseTextField(null=True),
        "album": LooseTextField(null=True),
        "year": LooseTextField(null=True),
        "genre": LooseTextField(null=True),
        "tracknumber": LooseTextField(null=True),
        "location": LooseTextField(null=True),
        "comment": LooseTextField(null=True),
        "duration": LooseIntegerField(null=True),
        "bitrate": LooseIntegerField(null=True),
        "bpm": SampleField(null=True),
    }
    if key:
        fields["key"] = LooseTextField(null=True)
    fields["rating"] = LooseIntegerField(null=True)
    if itunes:
        fields["grouping"] = LooseTextField(null=True)
        fields["album_artist"] = LooseTextField(null=True)
    return fields


def _cache_models(prefix: str, title: str) -> tuple[type[ReadOnlyModel], ...]:
    library = type(
        f"{title}Library",
        (ReadOnlyModel,),
        {
            **_cache_library_fields(key=prefix != "itunes", itunes=prefix == "itunes"),
            "Meta": type("Meta", (), {"table_name": f"{prefix}_library"}),
            "__doc__": f"``{prefix}_library``: Mixxx's read-only cache of {title}'s tracks.",
            "__module__": __name__,
        },
    )
    playlist = type(
        f"{title}Playlist",
        (ReadOnlyModel,),
        {
            "id": AutoField(),
            "name": LooseTextField(null=True),
            "Meta": type("Meta", (), {"table_name": f"{prefix}_playlists"}),
            "__doc__": f"``{prefix}_playlists``: {title}'s playlists (read-only cache).",
            "__module__": __name__,
        },
    )
    entry = type(
        f"{title}PlaylistTrack",
        (ReadOnlyModel,),
        {
            "id": AutoField(),
            "playlist_id": LooseIntegerField(null=True),
            "track_id": LooseIntegerField(null=True),
            "position": LooseIntegerField(null=True),
            "Meta": type("Meta", (), {"table_name": f"{prefix}_playlist_tracks"}),
            "__doc__": f"``{prefix}_playlist_tracks``: {title} playlist entries (read-only).",
            "__module__": __name__,
        },
    )
    return library, playlist, entry


ITunesLibrary, ITunesPlaylist, ITunesPlaylistTrack = _cache_models("itunes", "ITunes")
TraktorLibrary, TraktorPlaylist, TraktorPlaylistTrack = _cache_models("traktor", "Traktor")
RhythmboxLibrary, RhythmboxPlaylist, RhythmboxPlaylistTrack = _cache_models(
    "rhythmbox", "Rhythmbox"
)

CORE_MODELS: tuple[type[MixxxModel], ...] = (
    Setting,
    TrackLocation,
    LibraryHash,
    Track,
    Playlist,
    PlaylistTrack,
    Crate,
    CrateTrack,
    Cue,
    TrackAnalysis,
    Directory,
)
ALL_MODELS: tuple[type[MixxxModel], ...] = (
    *CORE_MODELS,
    ITunesLibrary,
    ITunesPlaylist,
    ITunesPlaylistTrack,
    TraktorLibrary,
    TraktorPlaylist,
    TraktorPlaylistTrack,
    RhythmboxLibrary,
    RhythmboxPlaylist,
    RhythmboxPlaylistTrack,
)


def _record_revisions() -> None:
    for model in ALL_MODELS:
        spec = TABLES_BY_NAME[model._meta.table_name]
        added = {c.name: c.added for c in spec.columns}
        for fld in model._meta.fields.values():
            fld.added_in = added[fld.column_name]  # type: ignore[attr-defined]
        model._all_fields = dict(model._meta.fields)
        model._absent_fields = {}


_record_revisions()


def adapt_models(live: Mapping[str, Mapping[str, Any]]) -> None:
    """Fit every model to the open file's columns (``{table: {column: …}}``)."""
    for model in ALL_MODELS:
        columns = live.get(model._meta.table_name, {})
        meta = model._meta
        for name, fld in model._all_fields.items():
            present = fld.column_name in columns or not columns
            if present and name in model._absent_fields:
                del model._absent_fields[name]
                meta.add_field(name, fld)
            elif not present and name not in model._absent_fields:
                meta.remove_field(name)
                model._absent_fields[name] = fld
                for attr in (name, getattr(fld, "object_id_name", None)):
                    if attr and attr in model.__dict__:
                        delattr(model, attr)
