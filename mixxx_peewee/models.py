"""Peewee models for every table Mixxx's schema.xml creates, bound to the deferred database.

The models are the one declaration of Mixxx's schema. Each field carries its column's DDL
facts as ``schema.xml`` writes them (``decl``, ``added``, ``ddl_default``; see
:class:`~mixxx_peewee.core.fields.MixxxColumn`), so ``field.added_in`` is the revision that added
it; each ``Meta`` carries the table's: ``added_in`` (revision), ``autoincrement``, ``core``
(user data, not another program's cache), ``unique_together`` and ``named_indexes``
(``(name, columns, revision)``). :mod:`mixxx_peewee.core.schema` derives the expected schema
per revision from them.

Models adapt to the open file (:func:`adapt_models`): a column the file lacks is removed
from the model, so no query selects or writes it, and using it raises
:class:`ColumnNotInFileError`. The ``itunes_*``, ``traktor_*`` and ``rhythmbox_*`` caches
are read-only models.

Models never create, alter or migrate tables: Mixxx owns its schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

import peewee
from peewee import CompositeKey

from mixxx_peewee.core.connection import db
from mixxx_peewee.core.fields import DATETIME_ISO_MS_Z
from mixxx_peewee.core.fields import BlobField
from mixxx_peewee.core.fields import IdField
from mixxx_peewee.core.fields import LooseIntegerField
from mixxx_peewee.core.fields import LooseTextField
from mixxx_peewee.core.fields import MixxxDateTimeField
from mixxx_peewee.core.fields import ReferenceField
from mixxx_peewee.core.fields import SampleField
from mixxx_peewee.errors import ColumnNotInFileError
from mixxx_peewee.errors import ReadOnlyError

if TYPE_CHECKING:
    from mixxx_peewee.analysis.codec import Beats
    from mixxx_peewee.analysis.codec import Decoded
    from mixxx_peewee.analysis.codec import KeyMap

__all__ = [
    "ALL_MODELS",
    "BEAT_COLUMNS",
    "CORE_MODELS",
    "KEY_COLUMNS",
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
        # Table facts every model inherits unless it says otherwise (added_in it must say).
        autoincrement = False
        core = True
        unique_together: tuple[str, ...] = ()
        named_indexes: tuple[tuple[str, tuple[str, ...], int], ...] = ()

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

    class Meta:
        core = False

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

    name = LooseTextField(unique=True, decl="TEXT", added=1)
    value = LooseTextField(null=True, decl="TEXT", added=1)
    locked = LooseIntegerField(null=True, decl="INTEGER", added=1, ddl_default="0")
    hidden = LooseIntegerField(null=True, decl="INTEGER", added=1, ddl_default="0")

    class Meta:
        table_name = "settings"
        primary_key = False
        added_in = 1


class TrackLocation(MixxxModel):
    """``track_locations``: the file of a track (path, name, folder, size, missing flag)."""

    id = IdField(decl="INTEGER", added=1)
    location = LooseTextField(unique=True, null=True, decl="varchar(512)", added=1)
    filename = LooseTextField(null=True, decl="varchar(512)", added=1)
    directory = LooseTextField(null=True, decl="varchar(512)", added=1)
    filesize = LooseIntegerField(null=True, decl="INTEGER", added=1)
    fs_deleted = LooseIntegerField(null=True, decl="INTEGER", added=1)
    needs_verification = LooseIntegerField(null=True, decl="INTEGER", added=1)

    class Meta:
        table_name = "track_locations"
        added_in = 1
        autoincrement = True


class LibraryHash(MixxxModel):
    """``LibraryHashes``: the scanner's per-directory state."""

    directory_path = LooseTextField(primary_key=True, decl="VARCHAR(256)", added=1)
    hash = LooseIntegerField(null=True, decl="INTEGER", added=1)
    directory_deleted = LooseIntegerField(null=True, decl="INTEGER", added=1)
    needs_verification = LooseIntegerField(null=True, decl="INTEGER", added=5, ddl_default="0")

    class Meta:
        table_name = "LibraryHashes"
        added_in = 1


# What Mixxx shows as a track's BPM and key: the blobs, and the columns it writes from them
# on every save (MIXXX_FACTS.md §8). They change together.
BEAT_COLUMNS = ("beats", "beats_version", "beats_sub_version", "bpm")
KEY_COLUMNS = ("keys", "keys_version", "keys_sub_version", "key", "key_id")


class Track(MixxxModel):
    """``library``: one row per track; ``location`` is the id of its ``track_locations`` row."""

    id = IdField(decl="INTEGER", added=1)
    artist = LooseTextField(null=True, decl="varchar(64)", added=1)
    title = LooseTextField(null=True, decl="varchar(64)", added=1)
    album = LooseTextField(null=True, decl="varchar(64)", added=1)
    year = LooseTextField(null=True, decl="varchar(16)", added=1)
    genre = LooseTextField(null=True, decl="varchar(64)", added=1)
    tracknumber = LooseTextField(null=True, decl="varchar(3)", added=1)
    location = ReferenceField(
        TrackLocation,
        column_name="location",
        backref="tracks",
        null=True,
        lazy_load=True,
        decl="INTEGER",
        added=1,
    )
    comment = LooseTextField(null=True, decl="varchar(256)", added=1)
    url = LooseTextField(null=True, decl="varchar(256)", added=1)
    duration = SampleField(null=True, decl="FLOAT", added=1)
    bitrate = LooseIntegerField(null=True, decl="INTEGER", added=1)
    samplerate = LooseIntegerField(null=True, decl="INTEGER", added=1)
    cuepoint = SampleField(null=True, decl="INTEGER", added=1)
    bpm = SampleField(null=True, decl="FLOAT", added=1)
    wavesummaryhex = BlobField(null=True, decl="BLOB", added=1)
    channels = LooseIntegerField(null=True, decl="INTEGER", added=1)
    datetime_added = MixxxDateTimeField(
        null=True, style=DATETIME_ISO_MS_Z, decl="", added=1, ddl_default="CURRENT_TIMESTAMP"
    )
    mixxx_deleted = LooseIntegerField(null=True, decl="INTEGER", added=1)
    played = LooseIntegerField(null=True, decl="INTEGER", added=1)
    header_parsed = LooseIntegerField(null=True, decl="INTEGER", added=2, ddl_default="0")
    filetype = LooseTextField(null=True, decl="varchar(8)", added=4, ddl_default="'?'")
    replaygain = SampleField(null=True, decl="FLOAT", added=6, ddl_default="0")
    timesplayed = LooseIntegerField(null=True, decl="INTEGER", added=7, ddl_default="0")
    rating = LooseIntegerField(null=True, decl="INTEGER", added=7, ddl_default="0")
    key = LooseTextField(null=True, decl="varchar(8)", added=7, ddl_default="''")
    beats = BlobField(null=True, decl="BLOB", added=12)
    beats_version = LooseTextField(null=True, decl="TEXT", added=12)
    composer = LooseTextField(null=True, decl="varchar(64)", added=14, ddl_default="''")
    bpm_lock = LooseIntegerField(null=True, decl="INTEGER", added=17, ddl_default="0")
    beats_sub_version = LooseTextField(null=True, decl="TEXT", added=17, ddl_default="''")
    keys = BlobField(null=True, decl="BLOB", added=18)
    keys_version = LooseTextField(null=True, decl="TEXT", added=18)
    keys_sub_version = LooseTextField(null=True, decl="TEXT", added=18)
    key_id = LooseIntegerField(null=True, decl="INTEGER", added=19, ddl_default="0")
    grouping = LooseTextField(null=True, decl="TEXT", added=21, ddl_default="''")
    album_artist = LooseTextField(null=True, decl="TEXT", added=21, ddl_default="''")
    coverart_source = LooseIntegerField(null=True, decl="INTEGER", added=24, ddl_default="0")
    coverart_type = LooseIntegerField(null=True, decl="INTEGER", added=24, ddl_default="0")
    coverart_location = LooseTextField(null=True, decl="TEXT", added=24, ddl_default="''")
    coverart_hash = LooseIntegerField(null=True, decl="INTEGER", added=24, ddl_default="0")
    replaygain_peak = SampleField(null=True, decl="REAL", added=25, ddl_default="-1.0")
    tracktotal = LooseTextField(null=True, decl="TEXT", added=26, ddl_default="'//'")
    color = LooseIntegerField(null=True, decl="INTEGER", added=31)
    coverart_color = LooseIntegerField(null=True, decl="INTEGER", added=33)
    coverart_digest = BlobField(null=True, decl="BLOB", added=33)
    last_played_at = MixxxDateTimeField(null=True, decl="DATETIME", added=35, ddl_default="NULL")
    source_synchronized_ms = LooseIntegerField(
        null=True, decl="INTEGER", added=37, ddl_default="NULL"
    )
    tuning_frequency_hz = SampleField(null=True, decl="FLOAT", added=40, ddl_default="0.0")

    class Meta:
        table_name = "library"
        added_in = 1
        autoincrement = True

    @property
    def path(self) -> str | None:
        """The file path (``track_locations.location``; no extra query when joined)."""
        location = self.location
        return None if location is None else location.location

    def decoded_grid(self) -> Decoded[Beats]:
        """The ``beats`` blob decoded: a beat grid or map, or None and why; never raises."""
        from mixxx_peewee.analysis.codec import decode_beats  # the codec loads when first used

        return decode_beats(
            getattr(self, "beats_version", None),
            getattr(self, "beats", None),
            sample_rate=getattr(self, "samplerate", None),
            duration=getattr(self, "duration", None),
        )

    def decoded_keymap(self) -> Decoded[KeyMap]:
        """The ``keys`` blob decoded: a key map, or None and why; never raises."""
        from mixxx_peewee.analysis.codec import decode_keys  # the codec loads when first used

        return decode_keys(getattr(self, "keys_version", None), getattr(self, "keys", None))

    @property
    def grid(self) -> Beats | None:
        """The beat grid or map Mixxx uses, knowing this track's sample rate and duration
        (``.kind``, ``.bpm``, ``.first_beat()`` in seconds); None: none or undecodable."""
        return self.decoded_grid().value

    @property
    def keymap(self) -> KeyMap | None:
        """The key map Mixxx uses (``.key_id``, ``.text``…); None: none or undecodable."""
        return self.decoded_keymap().value


class Playlist(MixxxModel):
    """``Playlists``: hidden 0 normal, 1 Auto DJ, 2 history; ``position`` orders the sidebar."""

    id = IdField(decl="INTEGER", added=1)
    name = LooseTextField(null=True, decl="varchar(48)", added=1)
    position = LooseIntegerField(null=True, decl="INTEGER", added=1)
    hidden = LooseIntegerField(default=0, decl="INTEGER", added=1, ddl_default="0")
    date_created = MixxxDateTimeField(null=True, decl="datetime", added=1)
    date_modified = MixxxDateTimeField(null=True, decl="datetime", added=1)
    locked = LooseIntegerField(null=True, decl="INTEGER", added=10, ddl_default="0")

    class Meta:
        table_name = "Playlists"
        added_in = 1


class PlaylistTrack(MixxxModel):
    """``PlaylistTracks``: a track at a 1-based position of a playlist (repeats allowed)."""

    id = IdField(decl="INTEGER", added=1)
    playlist = ReferenceField(
        Playlist,
        column_name="playlist_id",
        backref="entries",
        null=True,
        lazy_load=True,
        decl="INTEGER",
        added=1,
    )
    track = ReferenceField(
        Track,
        column_name="track_id",
        backref="playlist_entries",
        null=True,
        lazy_load=True,
        decl="INTEGER",
        added=1,
    )
    position = LooseIntegerField(null=True, decl="INTEGER", added=1)
    pl_datetime_added = MixxxDateTimeField(null=True, decl="", added=15)

    class Meta:
        table_name = "PlaylistTracks"
        added_in = 1
        named_indexes = (
            ("idx_PlaylistTracks_playlist_id_track_id", ("playlist_id", "track_id"), 34),
            ("idx_PlaylistTracks_track_id", ("track_id",), 34),
        )


class Crate(MixxxModel):
    """``crates``: a named, unordered set of tracks."""

    id = IdField(decl="INTEGER", added=1)
    name = LooseTextField(unique=True, decl="varchar(48)", added=1)
    count = LooseIntegerField(null=True, decl="INTEGER", added=1, ddl_default="0")
    show = LooseIntegerField(null=True, decl="INTEGER", added=1, ddl_default="1")
    locked = LooseIntegerField(null=True, decl="INTEGER", added=10, ddl_default="0")
    autodj_source = LooseIntegerField(null=True, decl="INTEGER", added=20, ddl_default="0")

    class Meta:
        table_name = "crates"
        added_in = 1
        autoincrement = True


class CrateTrack(MixxxModel):
    """``crate_tracks``: membership pairs, unique together, no id column."""

    crate = ReferenceField(
        Crate,
        column_name="crate_id",
        backref="memberships",
        lazy_load=True,
        decl="INTEGER",
        added=1,
    )
    track = ReferenceField(
        Track,
        column_name="track_id",
        backref="crate_memberships",
        lazy_load=True,
        decl="INTEGER",
        added=1,
    )

    class Meta:
        table_name = "crate_tracks"
        primary_key = CompositeKey("crate", "track")
        added_in = 1
        unique_together = ("crate_id", "track_id")
        named_indexes = (("idx_crate_tracks_track_id", ("track_id",), 34),)


class Cue(MixxxModel):
    """``cues``: positions and lengths in engine samples (frame × 2), hotcue 0-based."""

    id = IdField(decl="INTEGER", added=1)
    track = ReferenceField(
        Track, column_name="track_id", backref="cues", lazy_load=True, decl="INTEGER", added=1
    )
    type = LooseIntegerField(default=0, decl="INTEGER", added=1, ddl_default="0")
    position = SampleField(default=-1, decl="INTEGER", added=1, ddl_default="-1")
    length = SampleField(default=0, decl="INTEGER", added=1, ddl_default="0")
    hotcue = LooseIntegerField(default=-1, decl="INTEGER", added=1, ddl_default="-1")
    label = LooseTextField(default="", decl="TEXT", added=1, ddl_default="''")
    color = LooseIntegerField(
        default=4294901760, decl="INTEGER", added=27, ddl_default="4294901760"
    )

    class Meta:
        table_name = "cues"
        added_in = 1
        autoincrement = True


class TrackAnalysis(MixxxModel):
    """``track_analysis``: waveform/analysis rows; ``track_id`` is a ``library.id``."""

    id = IdField(decl="INTEGER", added=16)
    track = ReferenceField(
        Track, column_name="track_id", backref="analyses", lazy_load=True, decl="INTEGER", added=16
    )
    type = LooseTextField(null=True, decl="varchar(512)", added=16)
    description = LooseTextField(null=True, decl="varchar(1024)", added=16)
    version = LooseTextField(null=True, decl="varchar(512)", added=16)
    created = MixxxDateTimeField(null=True, decl="", added=16, ddl_default="CURRENT_TIMESTAMP")
    data_checksum = LooseTextField(null=True, decl="varchar(512)", added=16)

    class Meta:
        table_name = "track_analysis"
        added_in = 16
        autoincrement = True
        named_indexes = (("track_analysis_track_id_index", ("track_id",), 16),)


class Directory(MixxxModel):
    """``directories``: the music root folders the scanner watches."""

    directory = LooseTextField(unique=True, null=True, decl="TEXT", added=23)

    class Meta:
        table_name = "directories"
        primary_key = False
        added_in = 23


def _read_only_model(
    name: str, table: str, doc: str, fields: dict[str, peewee.Field], **meta: Any
) -> type[ReadOnlyModel]:
    attrs = {
        **fields,
        "Meta": type("Meta", (), {"table_name": table, **meta}),
        "__doc__": doc,
        "__module__": __name__,
    }
    return type(name, (ReadOnlyModel,), attrs)


def _cache_models(
    prefix: str,
    title: str,
    added: int,
    *,
    library_autoincrement: bool,
    playlists_autoincrement: bool,
) -> tuple[type[ReadOnlyModel], ...]:
    """The three read-only models of one program's cache (``<prefix>_library`` and so on)."""
    itunes = prefix == "itunes"  # schema.xml declares the iTunes cache a little differently

    def text(decl: str, **kwargs: Any) -> LooseTextField:
        return LooseTextField(null=True, decl=decl, added=added, **kwargs)

    def integer() -> LooseIntegerField:
        return LooseIntegerField(null=True, decl="INTEGER", added=added)

    tracks: dict[str, peewee.Field] = {
        "id": IdField(decl="INTEGER", added=added),
        "artist": text("varchar(48)"),
        "title": text("varchar(48)"),
        "album": text("varchar(48)"),
        "year": text("varchar(16)"),
        "genre": text("varchar(32)"),
        "tracknumber": text("varchar(3)"),
        "location": text("varchar(512)", unique=not itunes),
        "comment": text("varchar(60)"),
        "duration": integer(),
        "bitrate": integer(),
        "bpm": SampleField(null=True, decl="INTEGER" if itunes else "FLOAT", added=added),
    }
    if not itunes:
        tracks["key"] = text("varchar(6)")
    tracks["rating"] = integer()
    if itunes:
        tracks["grouping"] = LooseTextField(null=True, decl="TEXT", added=22, ddl_default="''")
        tracks["album_artist"] = LooseTextField(null=True, decl="TEXT", added=22, ddl_default="''")
    library = _read_only_model(
        f"{title}Library",
        f"{prefix}_library",
        f"``{prefix}_library``: Mixxx's read-only cache of {title}'s tracks.",
        tracks,
        added_in=added,
        autoincrement=library_autoincrement,
    )
    playlist = _read_only_model(
        f"{title}Playlist",
        f"{prefix}_playlists",
        f"``{prefix}_playlists``: {title}'s playlists (read-only cache).",
        {"id": IdField(decl="INTEGER", added=added), "name": text("varchar(100)", unique=True)},
        added_in=added,
        autoincrement=playlists_autoincrement,
    )
    entry = _read_only_model(
        f"{title}PlaylistTrack",
        f"{prefix}_playlist_tracks",
        f"``{prefix}_playlist_tracks``: {title} playlist entries (read-only).",
        {
            "id": IdField(decl="INTEGER", added=added),
            "playlist_id": integer(),
            "track_id": integer(),
            "position": LooseIntegerField(null=True, decl="INTEGER", added=13, ddl_default="0"),
        },
        added_in=added,
        autoincrement=True,
    )
    return library, playlist, entry


ITunesLibrary, ITunesPlaylist, ITunesPlaylistTrack = _cache_models(
    "itunes", "ITunes", 8, library_autoincrement=False, playlists_autoincrement=False
)
TraktorLibrary, TraktorPlaylist, TraktorPlaylistTrack = _cache_models(
    "traktor", "Traktor", 9, library_autoincrement=True, playlists_autoincrement=False
)
RhythmboxLibrary, RhythmboxPlaylist, RhythmboxPlaylistTrack = _cache_models(
    "rhythmbox", "Rhythmbox", 11, library_autoincrement=True, playlists_autoincrement=True
)

# In the order Mixxx creates the tables: schema.render_ddl writes them in this order.
ALL_MODELS: tuple[type[MixxxModel], ...] = (
    Setting,
    TrackLocation,
    LibraryHash,
    Track,
    Playlist,
    PlaylistTrack,
    Cue,
    Crate,
    CrateTrack,
    TrackAnalysis,
    Directory,
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
# Meta.core is our key: peewee keeps it on _meta, its type hints do not know it.
CORE_MODELS: tuple[type[MixxxModel], ...] = tuple(
    m
    for m in ALL_MODELS
    if m._meta.core  # type: ignore[attr-defined]
)


def _remember_fields() -> None:
    # adapt_models removes fields from _meta; _all_fields keeps every declared one.
    for model in ALL_MODELS:
        model._all_fields = dict(model._meta.fields)
        model._absent_fields = {}


_remember_fields()


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
