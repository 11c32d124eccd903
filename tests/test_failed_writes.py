"""A write that fails leaves nothing behind in this process either: the next write, in any
library opened later, starts clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import mixxx_peewee as m
from mixxx_peewee.errors import ValidationError
from mixxx_peewee.library import write_transaction

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sample" / "mixxxdb.sqlite"


def _copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copyfile(FIXTURE, path)
    return path


def test_a_failed_write_does_not_break_a_bulk_write_of_a_later_library(tmp_path: Path) -> None:
    first, second = _copy(tmp_path, "a.sqlite"), _copy(tmp_path, "b.sqlite")
    with m.open_library(first, auto_backup=False):
        with pytest.raises(ValidationError), write_transaction():
            raise ValidationError("the body of a write failed")
    # A later library without a change journal: its set-wise relocate must not reach for
    # the first library's (closed) capture.
    with m.open_library(second, auto_backup=False, change_journal=False):
        row = m.iter_tracks(columns=["location"]).__next__()
        folder = str(Path(row["location"]).parent)
        result = m.relocate_tracks(folder, folder + " (moved)", allow_missing=True)
    assert result.changes
