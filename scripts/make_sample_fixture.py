"""Build the shipped sample library and the "created by Mixxx 2.3.3" schema fixture.

``sample``: ``fixtures/sample/mixxxdb.sqlite``, a realistic library at revision 39 made by
``mixxx_peewee.testing.make_sample_library`` (deterministic: same seed, same file).

``mixxx-233``: ``fixtures/schema-replay/mixxx-2.3.3-created.sqlite``, an empty library whose
DDL is exactly the ``sqlite_master`` SQL of a file a real Mixxx 2.3.3 created (lowercase
``integer``/``float``, ``DEFAULT ""``), so tests never need ``../shared``.

Run: ``python scripts/make_sample_fixture.py sample`` and
``python scripts/make_sample_fixture.py mixxx-233`` (reads
``../shared/mixxx-schema/mixxx-2.3.3-created-ddl.sql`` unless ``--ddl`` says otherwise).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import typer

from mixxx_peewee.testing import make_sample_library

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "fixtures" / "sample" / "mixxxdb.sqlite"
MIXXX_233 = REPO / "fixtures" / "schema-replay" / "mixxx-2.3.3-created.sqlite"
DDL_233 = REPO.parent / "shared" / "mixxx-schema" / "mixxx-2.3.3-created-ddl.sql"

# The options the committed sample was made with (see fixtures/sample/README.md).
SAMPLE_OPTIONS = {
    "revision": 39,
    "tracks": 300,
    "seed": 2026,
    "music_root": "/home/dj/Music",
    "crates": 8,
    "playlists": 6,
    "playlist_max": 30,
    "history_playlists": 3,
    "cues_per_track": 2,
    "beats_fraction": 0.2,
}

app = typer.Typer(add_completion=False, help=__doc__.splitlines()[0])


def _show(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


@app.command()
def sample(out: Path = typer.Option(SAMPLE, help="Where to write the sample library.")) -> None:
    """Write the sample library (~300 tracks, revision 39) with SAMPLE_OPTIONS."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    make_sample_library(out, **SAMPLE_OPTIONS)  # type: ignore[arg-type]
    conn = sqlite3.connect(out)
    try:
        conn.execute("VACUUM")  # smallest file to commit
        tracks = conn.execute("SELECT count(*) FROM library").fetchone()[0]
    finally:
        conn.close()
    typer.echo(f"{_show(out)}: {tracks} tracks, {out.stat().st_size} bytes")


@app.command("mixxx-233")
def mixxx_233(
    ddl: Path = typer.Option(DDL_233, help="sqlite_master SQL of a file Mixxx 2.3.3 created."),
    out: Path = typer.Option(MIXXX_233, help="Where to write the empty library."),
) -> None:
    """Write an empty revision-32 library with the exact DDL a real Mixxx 2.3.3 wrote."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for statement in ddl.read_text(encoding="utf-8").split(";\n"):
            statement = statement.strip().rstrip(";")
            # SQLite creates sqlite_sequence itself with the first AUTOINCREMENT table.
            if not statement or statement.startswith("CREATE TABLE sqlite_sequence"):
                continue
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO settings (name, value) VALUES (?, ?)",
            [
                ("mixxx.schema.version", "32"),
                ("mixxx.schema.min_compatible_version", "3"),
                ("mixxx.schema.last_used_version", "32"),
            ],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    typer.echo(f"{_show(out)}: from {ddl.name}")


if __name__ == "__main__":
    app()
