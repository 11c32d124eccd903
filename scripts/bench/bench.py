"""Benchmark mixxx_peewee against raw sqlite3 at 10,000 and 100,000 tracks (issue 6).

Every row runs a library call and a raw-``sqlite3`` script doing the same SQL work
(``raw_sqlite.py``, ``raw_tools.py``) on the same file, interleaved (lib, raw, raw, lib, ...),
``--repeat`` times each; times are medians, the ratio is lib / raw. Peak memory comes from
one extra run of each side: tracemalloc (Python allocations) in-process, ``ru_maxrss`` for
whole processes. Write rows run on a fresh copy of the library each time (the copy and
the open are not timed) with automatic backups off (``MIXXX_PEEWEE_AUTO_BACKUP=0``); the
backup is its own row.

Same work means the same results: the raw listing yields each track as a dict of column
names (as the library does), the raw search folds accents too (as Mixxx and the library
do; its own code), and the raw playlist removal checks that positions are 1..n before it
shifts them (as the library does). ``reference:`` rows (INFO, not targets) compare the
library with the cheaper raw ways that skip this: bare tuples, ASCII-only LIKE, and
Mixxx's unchecked delete-and-shift.

Write lock: measured from outside. A prober process (``lock_prober.py``) loops a
Mixxx-like write (``BEGIN IMMEDIATE``, a no-op UPDATE, ``COMMIT``) with busy timeout 0 every
0.5 ms while the operation runs; the longest span from its first refused attempt to its
next success is what Mixxx would have waited (resolution about 1 ms); the median of three
probed runs per side. Timing and lock runs are separate, so the prober never slows the
timed runs.

Libraries come from ``mixxx_peewee.testing.make_sample_library`` (tracks, cues, history
and Auto DJ playlists) topped up by ``library_data.py`` (200 crates, 300 playlists with
long-tailed sizes up to 10,000 entries, BeatMap blobs), cached under ``--cache-dir`` by
parameters and generator source (``libraries.py``).

This file is the command; the rest of scripts/bench/ is its parts, each importing only the
ones before it: ``harness.py`` (the row type, running a side, timing, the lock probe),
``library_data.py`` and ``libraries.py`` (the generated libraries), ``raw_sqlite.py`` and
``raw_tools.py`` (the raw sides), ``report.py`` (targets, the table, the JSON), then the rows
by topic: ``rows_reads.py``, ``rows_writes.py``, ``rows_process.py``, ``rows_analysis.py``,
``rows_diff.py``, ``rows_relink.py``, ``rows_interop.py``. ``annex_sync.py`` is a separate
benchmark of the git-annex example.

    python scripts/bench/bench.py                   # 10,000 and 100,000 tracks, rev 32 and 39
    python scripts/bench/bench.py --quick --out /tmp/x.json
    python scripts/bench/bench.py --sizes 2000 --revisions 39 --repeat 1   # a small real run
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import sys
import time
from pathlib import Path

import harness  # first: it turns automatic backups off before mixxx_peewee is imported
import report
import typer
from harness import ROOT
from harness import Row
from libraries import Shape
from libraries import library_for
from rows_analysis import analysis_rows
from rows_diff import diff_rows
from rows_interop import interop_rows
from rows_process import import_row
from rows_process import memory_rows
from rows_process import process_rows
from rows_process import startup_rows
from rows_process import table_rows
from rows_reads import feature_rows
from rows_reads import open_rows
from rows_reads import read_rows
from rows_relink import relink_row
from rows_writes import undo_row
from rows_writes import write_rows

app = typer.Typer(add_completion=False, rich_markup_mode=None, help=__doc__.split("\n\n")[0])


@app.command()
def main(
    sizes: str = typer.Option("10000,100000", help="Library sizes (tracks), comma-separated."),
    revisions: str = typer.Option("32,39", help="Schema revisions, comma-separated."),
    repeat: int = typer.Option(5, min=1, help="Runs per side (median of these)."),
    quick: bool = typer.Option(False, help="Tiny library, 1 repeat: checks the harness."),
    seed: int = typer.Option(1, help="Seed of the generated libraries."),
    cache_dir: Path = typer.Option(
        Path("/tmp/mixxx-peewee-bench"), help="Where generated libraries are cached."
    ),
    out: Path = typer.Option(ROOT / "bench-results" / "latest.json", help="JSON output."),
    markdown_of: Path | None = typer.Option(
        None, "--markdown-of", help="Only print this JSON result as a Markdown table."
    ),
    only: str = typer.Option(
        "",
        help="Only these groups of rows, comma-separated: startup, open, read, write, "
        "process, table, analysis, features, diff, undo, relink, interop (default: all).",
    ),
) -> None:
    """Measure mixxx_peewee against raw sqlite3; print one table and write JSON."""
    if markdown_of is not None:
        typer.echo(report.markdown(json.loads(markdown_of.read_text())))
        return
    if quick:
        size_list, rev_list, repeat = [300], [39], 1
        harness.LOCK_RUNS = 1
    else:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
        rev_list = [int(r) for r in revisions.split(",") if r.strip()]
    started = time.perf_counter()
    load_before = os.getloadavg()
    work = cache_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    libraries = []
    # Whole processes import the package from bytecode, as after `pip install` (which
    # compiles it); with PYTHONDONTWRITEBYTECODE set, nothing else would write it.
    compileall.compile_dir(str(ROOT / "mixxx_peewee"), quiet=1)
    groups = {g.strip() for g in only.split(",") if g.strip()} or {
        "startup", "open", "read", "write", "process", "table", "analysis", "features", "diff",
        "undo", "relink", "interop",
    }  # fmt: skip
    if "startup" in groups:
        rows.extend(startup_rows(3 if quick else max(repeat, 20), references=not quick))
    for revision in rev_list:
        for tracks in size_list:
            if quick:
                shape = Shape(revision, tracks, seed, crates=12, playlists=12,
                              playlist_max=tracks, history_playlists=3)  # fmt: skip
            else:
                shape = Shape(revision, tracks, seed)
            path, facts = library_for(shape, cache_dir)
            libraries.append({"path": str(path), **facts})
            label = f"rev {revision} · {tracks:,} tracks"
            typer.echo(f"{label}: {path.name} ({facts['file_mb']} MB)", err=True)
            if "open" in groups:
                rows.extend(open_rows(label, path, repeat))
            if "read" in groups:
                rows.extend(read_rows(label, path, facts, repeat))
            if "write" in groups:
                rows.extend(write_rows(label, path, facts, work, repeat, tracks))
            if "undo" in groups:
                rows.append(undo_row(label, path, work, repeat, tracks))
            if "relink" in groups:
                rows.append(relink_row(label, path, work, repeat))
            if "process" in groups:
                rows.extend(process_rows(label, path, repeat, tracks))
                rows.append(import_row(label, path, work, repeat))
            if "table" in groups and (tracks >= 100_000 or quick):
                rows.extend(table_rows(label, path, work, repeat, tracks))
            if "analysis" in groups:
                rows.extend(analysis_rows(label, path, work, repeat))
            if "features" in groups and (tracks >= 100_000 or quick):
                rows.extend(feature_rows(label, path, repeat))
            if "diff" in groups and (tracks >= 100_000 or quick):
                rows.extend(diff_rows(label, path, work, repeat))
            if "interop" in groups and (tracks >= 100_000 or quick):
                rows.extend(interop_rows(label, path, work, repeat))
    for revision in rev_list:
        rows.extend(
            memory_rows([r for r in rows if r.library.startswith(f"rev {revision} ")], size_list)
        )
    shutil.rmtree(work, ignore_errors=True)
    info = report.summary(
        options={
            "sizes": size_list,
            "revisions": rev_list,
            "repeat": repeat,
            "quick": quick,
            "seed": seed,
            "only": sorted(groups),
        },
        load_before=load_before,
        libraries=libraries,
        elapsed_s=round(time.perf_counter() - started, 1),
    )
    report.write_result(out, rows, info)
    report.print_table(rows, info)
    typer.echo(f"wrote {out} in {info['elapsed_s']} s", err=True)


if __name__ == "__main__":
    from mixxx_peewee.cli import plain_help

    command = typer.main.get_command(app)
    plain_help(command)  # ROOT, TEXT: placeholders as mixxx-peewee's help shows them
    command(prog_name=Path(sys.argv[0]).name)
