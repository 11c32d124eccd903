"""Time scripts/examples/annex_metadata_sync.py on 10,000 changed tracks (the README's number).

    python scripts/bench/annex_sync.py [--tracks 10000] [--dir /tmp/annex-bench]

Builds (once; kept in --dir) a generated library whose tracks live in a git-annex
repository of small annexed files, one per track, then times: the first sync (every field
of every visible track), a run with nothing to do, and a sync after a change to every
track's rating and crates (the diff path). Needs git-annex.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "annex_metadata_sync.py"


def build(folder: Path, tracks: int) -> tuple[Path, Path]:
    """The library and repository in ``folder``, made when absent."""
    import mixxx_peewee
    from mixxx_peewee.testing import make_sample_library

    db, repo = folder / "mixxxdb.sqlite", folder / "repo"
    if db.exists() and (repo / ".git").exists():
        return db, repo
    folder.mkdir(parents=True, exist_ok=True)
    repo.mkdir()
    make_sample_library(db, tracks=tracks, music_root=str(repo), missing_fraction=0, seed=1)
    with mixxx_peewee.open_library(db, readonly=True):
        rows = list(mixxx_peewee.iter_tracks(columns=["id", "location"], hidden=None))
    for row in rows:
        path = Path(row["location"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"track {row['id']}\n")  # distinct content: one annex key per file
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "config", "user.email", "bench@example.com"], check=True)
    subprocess.run([*git, "config", "user.name", "bench"], check=True)
    subprocess.run([*git, "annex", "init", "-q", "bench"], check=True)
    subprocess.run([*git, "annex", "add", "-q", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "tracks"], check=True)
    return db, repo


def timed(label: str, *args: str) -> float:
    """Run the sync script with ``args``; print and return its wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    summary = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
    print(f"{label:<44} {took:6.2f} s  exit {done.returncode}  {summary[0]}")
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
    return took


def change_every_track(db: Path) -> int:
    """A new rating for every visible track and each into a new crate; how many."""
    import mixxx_peewee

    with mixxx_peewee.open_library(db, auto_backup=False, change_journal=False):
        ids = [r["id"] for r in mixxx_peewee.iter_tracks(columns=["id"])]
        name = f"bench {time.time_ns()}"
        mixxx_peewee.create_crate(name, ids)
        with mixxx_peewee.write_transaction():
            mixxx_peewee.Track.update(rating=(mixxx_peewee.Track.rating + 1) % 6).execute()
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=11_200)  # ~10,000 visible
    parser.add_argument("--dir", type=Path, default=Path("/tmp/annex-bench"))
    options = parser.parse_args()
    os.environ.setdefault("MIXXX_PEEWEE_AUTO_BACKUP", "0")
    start = time.perf_counter()
    db, repo = build(options.dir, options.tracks)
    print(f"library and repository ready in {time.perf_counter() - start:.1f} s ({options.dir})")
    base = [str(repo), "--db", str(db)]
    timed("first sync (every field, every track)", *base, "--all")
    timed("nothing changed", *base)
    changed = change_every_track(db)
    timed(f"{changed:,} tracks changed (rating, crate)", *base)


if __name__ == "__main__":
    main()
