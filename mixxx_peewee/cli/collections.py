"""``playlists`` and ``crates``: the two command groups (``cli.playlists``, ``cli.crates``;
what they share: ``cli.trackset``), added to the root command together."""

from __future__ import annotations

import typer

from mixxx_peewee.cli.crates import crates_app
from mixxx_peewee.cli.playlists import playlists_app

__all__ = ["crates_app", "playlists_app", "register"]


def register(app: typer.Typer) -> None:
    """Add ``playlists`` and ``crates`` to the root command."""
    app.add_typer(playlists_app, name="playlists")
    app.add_typer(crates_app, name="crates")
