"""First smoke tests of opening replayed fixtures at every revision."""

from __future__ import annotations

from pathlib import Path

import mixxx_peewee
from mixxx_peewee import Track
from mixxx_peewee import Verdict


def test_every_replayed_revision_opens_read_write(replay_db: Path) -> None:
    with mixxx_peewee.open_library(replay_db) as library:
        assert library.schema.verdict is Verdict.READ_WRITE
        assert library.schema.matched_revision == library.schema.version
        assert list(Track.select()) == []
