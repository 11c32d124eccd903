"""Models: read every row of every fixture, keep bytes on save, adapt to each file's columns."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest
from conftest import FIXTURES
from conftest import REPLAY_REVISIONS
from conftest import copy_fixture

from mixxx_peewee import Track
from mixxx_peewee import db
from mixxx_peewee import open_library
from mixxx_peewee import write_transaction
from mixxx_peewee.core.fields import MixxxColumn
from mixxx_peewee.core.schema import MAX_REVISION
from mixxx_peewee.core.schema import TABLES_BY_NAME
from mixxx_peewee.errors import ColumnNotInFileError
from mixxx_peewee.models import ALL_MODELS
from mixxx_peewee.models import CORE_MODELS
from mixxx_peewee.models import Crate
from mixxx_peewee.models import Cue
from mixxx_peewee.models import LibraryHash
from mixxx_peewee.models import Playlist
from mixxx_peewee.models import PlaylistTrack
from mixxx_peewee.models import TrackAnalysis
from mixxx_peewee.models import TrackLocation
from mixxx_peewee.testing import make_sample_library

COMMITTED = [
    *(f"schema-replay/rev{r}.sqlite" for r in REPLAY_REVISIONS),
    "schema-replay/mixxx-2.3.3-created.sqlite",
    "sample/mixxxdb.sqlite",
    *sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("real-mixxx-*/*.sqlite")),
]
FILLED_REVISIONS = (24, 27, 32, 35, 39, 40)
# Models with a primary key, so save() can write a row back.
SAVABLE = (TrackLocation, LibraryHash, Track, Playlist, PlaylistTrack, Crate, Cue, TrackAnalysis)


@pytest.fixture(params=COMMITTED + [f"factory-rev{r}" for r in FILLED_REVISIONS])
def any_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of every committed fixture, plus filled factory files of several revisions."""
    name: str = request.param
    if name.startswith("factory-rev"):
        revision = int(name.removeprefix("factory-rev"))
        return make_sample_library(tmp_path / "m.sqlite", revision=revision, tracks=60, seed=7)
    return copy_fixture(name, tmp_path)


def _raw_rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        quoted = ", ".join(f'quote("{c}")' for c in cols)
        return conn.execute(f'SELECT rowid, {quoted} FROM "{table}" ORDER BY rowid').fetchall()
    finally:
        conn.close()


def test_every_model_reads_every_row(any_fixture: Path) -> None:
    with open_library(any_fixture, readonly=True) as library:
        for model in ALL_MODELS:
            table = model._meta.table_name
            if table not in library.schema.live:
                continue
            rows = list(model.select().dicts())
            count = db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert len(rows) == count, table
            for row in rows:
                assert set(row) == {f.name for f in model._meta.sorted_fields}


def test_datetimes_read_as_utc_aware_in_every_mixxx_format(tmp_path: Path) -> None:
    with open_library(copy_fixture("sample/mixxxdb.sqlite", tmp_path), readonly=True):
        forms = set()
        for track in Track.select(Track.id, Track.datetime_added, Track.last_played_at):
            added = track.datetime_added
            assert isinstance(added, dt.datetime) and added.utcoffset() == dt.timedelta(0)
            forms.add((len(added.raw), added.raw[10]))
            if track.last_played_at is not None:
                assert track.last_played_at.raw[10] == " "
        assert forms == {(24, "T"), (19, "T"), (19, " ")}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("all_dirty", [False, True], ids=["unchanged", "every-field-dirty"])
def test_saving_rows_unchanged_keeps_their_bytes(any_fixture: Path, all_dirty: bool) -> None:
    with open_library(any_fixture, journal_mode="keep") as library:
        tables = [m for m in SAVABLE if m._meta.table_name in library.schema.live]
        before = {m: _raw_rows(any_fixture, m._meta.table_name) for m in tables}
        with write_transaction():
            for model in tables:
                for obj in model.select():
                    if all_dirty:
                        obj._dirty.update(model._meta.fields)
                    obj.save()
        for model in tables:
            assert _raw_rows(any_fixture, model._meta.table_name) == before[model], model


def test_fractional_positions_stay_fractional(tmp_path: Path) -> None:
    path = copy_fixture("sample/mixxxdb.sqlite", tmp_path)
    with open_library(path) as library:
        fractional = Cue.select().where(Cue.position != peewee.fn.round(Cue.position)).first()
        assert fractional is not None
        assert isinstance(fractional.position, float)
        fractional.position += 0.25
        with write_transaction([("cues", "position")]):
            fractional.save()
        raw = db.execute_sql("SELECT position FROM cues WHERE id = ?", (fractional.id,))
        assert raw.fetchone()[0] == fractional.position
        assert library.readonly is False


def test_models_adapt_to_each_file_opened_in_turn(tmp_path: Path) -> None:
    rev32 = make_sample_library(tmp_path / "rev32.sqlite", revision=32, tracks=5, seed=1)
    rev40 = make_sample_library(tmp_path / "rev40.sqlite", revision=40, tracks=5, seed=1)
    for path, has_tuning in ((rev32, False), (rev40, True), (rev32, False)):
        with open_library(path, readonly=True):
            tracks = list(Track.select())
            assert len(tracks) == 5
            sql = Track.select().sql()[0]
            assert ("tuning_frequency_hz" in sql) is has_tuning
            assert ("last_played_at" in sql) is has_tuning
            if has_tuning:
                assert isinstance(Track.tuning_frequency_hz, peewee.Field)
                assert isinstance(tracks[0].tuning_frequency_hz, float)
            else:
                with pytest.raises(ColumnNotInFileError, match="tuning_frequency_hz"):
                    Track.tuning_frequency_hz  # noqa: B018
                with pytest.raises(ColumnNotInFileError, match="revision 40"):
                    tracks[0].tuning_frequency_hz  # noqa: B018


def test_writing_an_absent_column_raises_and_changes_nothing(tmp_path: Path) -> None:
    path = make_sample_library(tmp_path / "rev32.sqlite", revision=32, tracks=5, seed=1)
    before = _sha(path)
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with open_library(path, journal_mode="keep"):
        track = Track.get_by_id(1)
        with pytest.raises(ColumnNotInFileError, match=r"library\.last_played_at"):
            track.last_played_at = when
        with pytest.raises(ColumnNotInFileError):
            Track.update(last_played_at=when).execute()
        with pytest.raises(ColumnNotInFileError):
            Track.update({"last_played_at": when}).execute()
        with pytest.raises(ColumnNotInFileError):
            Track.create(title="new", last_played_at=when)
        with pytest.raises(ColumnNotInFileError), write_transaction():
            Track.update(title="changed", last_played_at=when).where(Track.id == 1).execute()
    assert _sha(path) == before


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_column_declares_its_mixxx_ddl_facts(model: type) -> None:
    meta = model._meta
    assert 1 <= meta.added_in <= MAX_REVISION
    assert isinstance(meta.autoincrement, bool) and isinstance(meta.core, bool)
    assert model._all_fields, model
    for field in model._all_fields.values():
        assert isinstance(field, MixxxColumn), (model, field.name)
        assert isinstance(field.decl, str)
        assert meta.added_in <= field.added_in <= MAX_REVISION, (model, field.name)
        assert field.ddl_default is None or isinstance(field.ddl_default, str)
    columns = {f.column_name for f in model._all_fields.values()}
    assert set(meta.unique_together) <= columns
    for _name, indexed, added in meta.named_indexes:
        assert set(indexed) <= columns and meta.added_in <= added <= MAX_REVISION


def test_expected_schema_has_exactly_the_models_columns() -> None:
    assert list(TABLES_BY_NAME) == [m._meta.table_name for m in ALL_MODELS]
    for model in ALL_MODELS:
        spec = TABLES_BY_NAME[model._meta.table_name]
        fields = list(model._all_fields.values())
        assert [c.name for c in spec.columns] == [f.column_name for f in fields], spec.name
        for col, field in zip(spec.columns, fields, strict=True):
            facts = (field.decl, field.added_in, field.ddl_default, bool(field.unique))
            assert (col.decl, col.added, col.default, col.unique) == facts, (spec.name, col)
            assert col.pk == bool(field.primary_key)
            assert col.notnull == (not field.null and not field.primary_key)
        assert (spec.added, spec.core) == (model._meta.added_in, model._meta.core)
    assert {m._meta.table_name for m in CORE_MODELS} == {
        t.name for t in TABLES_BY_NAME.values() if t.core
    }


def test_models_never_import_the_schema_or_the_inspection() -> None:
    code = (
        "import sys, mixxx_peewee.models\n"
        "print(sorted(m for m in sys.modules if m in "
        "('mixxx_peewee.core.schema', 'mixxx_peewee.core.inspection')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_column_revisions_are_on_the_fields() -> None:
    assert Track.color.added_in == 31
    assert Cue.color.added_in == 27
    assert TrackLocation.location.decl == "varchar(512)"
