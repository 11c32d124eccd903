"""``playlists`` and ``crates``: both groups are built by one function.

A playlist and a crate differ only where Mixxx makes them differ: a playlist is ordered
(``move``, ``add --position``, ``remove --position``, repeats allowed) and has Auto DJ and
history kinds; a crate is a set. Everything else — list, show, create, rename, delete,
add, remove, clear, export, import — is the same command over different library
functions, named ``<verb>_<kind>``.
"""

from __future__ import annotations

import enum
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from mixxx_peewee.cli.options import DRY_RUN
from mixxx_peewee.cli.options import JSON_RESULT
from mixxx_peewee.cli.options import LIST_FORMAT
from mixxx_peewee.cli.options import TRACK_FORMAT
from mixxx_peewee.cli.options import YES
from mixxx_peewee.cli.options import ListFormat
from mixxx_peewee.cli.options import TrackFormat
from mixxx_peewee.cli.state import CliState

__all__ = ["CRATES", "PLAYLISTS", "CollectionKind", "build_group", "register"]

_MISSING_SHOWN = 20  # entries not in the library listed one by one, then a count


@dataclass(frozen=True)
class CollectionKind:
    """A kind of track collection and the library module that implements it."""

    name: str  # "playlist" / "crate": the library functions are <verb>_<name>
    plural: str
    module: str
    ordered: bool  # playlists: order, positions, repeats, Auto DJ and history

    def ops(self) -> ModuleType:
        """The library module (imported on first use: --help stays fast)."""
        return importlib.import_module(self.module)

    def function(self, pattern: str) -> Any:
        """The library function ``pattern`` names, e.g. ``"create_{}"``."""
        return getattr(self.ops(), pattern.format(self.name, plural=self.plural))

    def write_options(self, history: bool) -> dict[str, Any]:
        """Keyword arguments every write of this kind takes."""
        return {"force_history": history} if self.ordered else {}


PLAYLISTS = CollectionKind("playlist", "playlists", "mixxx_peewee.playlists", ordered=True)
CRATES = CollectionKind("crate", "crates", "mixxx_peewee.crates", ordered=False)


class ExportFormat(enum.StrEnum):
    """Formats of an exported playlist or crate."""

    m3u8 = "m3u8"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    ids = "ids"


_SUFFIX_FORMATS = {".m3u": "m3u8", ".m3u8": "m3u8", ".csv": "csv", ".json": "json",
                   ".jsonl": "jsonl", ".txt": "ids"}  # fmt: skip


def _hours(seconds: Any) -> str:
    whole = round(seconds or 0)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _merge(results: list[Any], operation: str, dry_run: bool) -> Any:
    from mixxx_peewee.plan import WriteResult

    merged = WriteResult(operation, dry_run=dry_run)
    for result in results:
        merged.changes += result.changes
        merged.notes += [n for n in result.notes if n not in merged.notes]
        for key, value in result.counts.items():
            merged.count(key, value)
    return merged


def _write_target(path: Path, write: Any) -> None:
    """Write a file through a temporary beside it: an error leaves no half-written file."""
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write(out)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, f"cannot write ({exc.strerror})", str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def build_group(kind: CollectionKind) -> typer.Typer:
    """The Typer group of one collection kind: the same commands over its library functions."""
    what, Kind = kind.name, kind.name.capitalize()
    group = typer.Typer(
        help=f"List, show and change {kind.plural}; export and import them as M3U8.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )

    def _checked(text: str) -> str:
        # An id SQLite cannot store names no row: say so instead of overflowing.
        if text.isascii() and text.isdigit() and int(text) > 2**63 - 1:
            from mixxx_peewee import errors

            error = errors.PlaylistNotFoundError if kind.ordered else errors.CrateNotFoundError
            raise error(f"no {what} {text!r}")
        return text

    target_arg = typer.Argument(
        ..., metavar=kind.name.upper(), help=f"{Kind} id or exact name.", callback=_checked
    )
    tracks_arg = typer.Argument(
        None, metavar="TRACK...", help="Track ids or file paths; '-' reads them from stdin."
    )
    history_opt = typer.Option(
        False, "--force-history", help="Allow changing a history playlist.", hidden=not kind.ordered
    )

    def _target(name: str) -> Any:
        return kind.function("get_{}")(name)

    def fill(target: str, ids: list[int], options: dict[str, Any], label: str) -> Any:
        """An operation adding ``ids`` to ``target``, creating it first when it is missing."""
        from mixxx_peewee.errors import NotFoundError

        try:
            existing: Any = _target(target)
        except NotFoundError:
            existing = None
        add = kind.function("add_tracks_to_{}")
        create = kind.function("create_{}")

        def operation(dry: bool) -> Any:
            if existing is not None:
                if not ids:
                    return _merge([], label, dry)
                return add(existing.id, ids, dry_run=dry, **options)
            made = create(target, dry_run=dry)
            if dry:
                made.add(f"add {len(ids)} tracks to the new {what} {target!r}")
                made.count("added", len(ids))
                return made
            if not ids:
                return made
            try:
                added = add(made.value, ids, **options)
            except BaseException:
                # One command, one change: take the empty new collection back out.
                kind.function("delete_{}")(made.value)
                raise
            merged = _merge([made, added], label, dry)
            merged.value = made.value
            return merged

        return operation

    @group.command("list", help=f"List {kind.plural} with their track counts.")
    def list_cmd(
        ctx: typer.Context,
        include_all: bool = typer.Option(
            False,
            "--all",
            "-a",
            help="Also Auto DJ and history playlists.",
            hidden=not kind.ordered,
        ),
        fmt: ListFormat = LIST_FORMAT,
    ) -> None:
        state: CliState = ctx.obj
        state.open()
        from mixxx_peewee.cli.output import emit_rows

        if kind.ordered:
            rows = kind.function("list_{plural}")(include_hidden=include_all)
        else:
            rows = kind.function("list_{plural}")()
        columns = ["id", "name", "kind"] if kind.ordered else ["id", "name"]
        columns += ["tracks", "duration", "locked"]
        if fmt == ListFormat.table:
            rows = [
                {**r, "tracks": r["track_count"], "duration": _hours(r["duration"]),
                 "locked": "yes" if r["locked"] else ""}
                for r in rows
            ]  # fmt: skip
        elif fmt == ListFormat.csv:
            columns = list(rows[0]) if rows else columns
        emit_rows(rows, fmt, columns)

    @group.command("show", help=f"The tracks of a {what}{' in order' if kind.ordered else ''}.")
    def show_cmd(
        ctx: typer.Context, target: str = target_arg, fmt: TrackFormat = TRACK_FORMAT
    ) -> None:
        state: CliState = ctx.obj
        state.open()
        from mixxx_peewee.cli.output import emit_tracks

        tracks = kind.function("get_{}_tracks")(target)
        emit_tracks(tracks, fmt, extra=("position",) if kind.ordered else ())

    @group.command("create", help=f"Create an empty {what}; prints its new id.")
    def create_cmd(
        ctx: typer.Context,
        name: str = typer.Argument(..., help=f"Name of the new {what}."),
        dry_run: bool = DRY_RUN,
        as_json: bool = JSON_RESULT,
    ) -> None:
        state: CliState = ctx.obj
        create = kind.function("create_{}")
        result = state.write(
            lambda dry: create(name, dry_run=dry), dry_run=dry_run, as_json=as_json
        )
        if not dry_run and not as_json:
            typer.echo(result.value)

    @group.command("rename", help=f"Rename a {what}.")
    def rename_cmd(
        ctx: typer.Context,
        target: str = target_arg,
        new_name: str = typer.Argument(..., help="The new name."),
        dry_run: bool = DRY_RUN,
        history: bool = history_opt,
        as_json: bool = JSON_RESULT,
    ) -> None:
        state: CliState = ctx.obj
        rename = kind.function("rename_{}")
        options = kind.write_options(history)
        state.write(
            lambda dry: rename(target, new_name, dry_run=dry, **options),
            dry_run=dry_run,
            as_json=as_json,
        )

    def destructive(verb: str, help_text: str, question: str) -> None:
        # delete and clear differ only in the library function and the question asked.
        @group.command(verb, help=help_text)
        def command(
            ctx: typer.Context,
            target: str = target_arg,
            dry_run: bool = DRY_RUN,
            yes: bool = YES,
            history: bool = history_opt,
            as_json: bool = JSON_RESULT,
        ) -> None:
            state: CliState = ctx.obj
            operation = kind.function(f"{verb}_{{}}")
            options = kind.write_options(history)
            state.write(
                lambda dry: operation(target, dry_run=dry, **options),
                dry_run=dry_run,
                confirm=question.format(target=target),
                yes=yes,
                as_json=as_json,
            )

    destructive(
        "delete", f"Delete a {what} and its entries (asks first).", f"Delete {what} {{target!r}}?"
    )
    destructive(
        "clear",
        f"Remove every track from a {what} (asks first).",
        f"Remove every track from {what} {{target!r}}?",
    )

    @group.command("add", help=f"Add tracks to a {what} ('-' reads ids or paths from stdin).")
    def add_cmd(
        ctx: typer.Context,
        target: str = target_arg,
        tracks: list[str] | None = tracks_arg,
        position: int | None = typer.Option(
            None,
            "--position",
            "-p",
            help="Insert at this 1-based position (default: append).",
            hidden=not kind.ordered,
        ),
        create: bool = typer.Option(
            False, "--create", help=f"Create the {what} first when there is none of that name."
        ),
        dry_run: bool = DRY_RUN,
        history: bool = history_opt,
        as_json: bool = JSON_RESULT,
    ) -> None:
        state: CliState = ctx.obj
        if not tracks:
            raise typer.BadParameter("give track ids or paths, or '-' to read them from stdin")
        state.open()
        from mixxx_peewee.cli.resolve import track_ids

        ids = track_ids(tracks)
        add = kind.function("add_tracks_to_{}")
        options = kind.write_options(history)
        if kind.ordered and position is not None:
            options["position"] = position
        if create:
            state.write(fill(target, ids, options, f"add_{what}"), dry_run=dry_run, as_json=as_json)
            return
        state.write(
            lambda dry: add(target, ids, dry_run=dry, **options),
            dry_run=dry_run,
            as_json=as_json,
        )

    @group.command("remove", help=f"Remove tracks from a {what}.")
    def remove_cmd(
        ctx: typer.Context,
        target: str = target_arg,
        tracks: list[str] | None = tracks_arg,
        positions: list[int] | None = typer.Option(
            None,
            "--position",
            "-p",
            help="Remove the entry at this position (repeatable).",
            hidden=not kind.ordered,
        ),
        dry_run: bool = DRY_RUN,
        history: bool = history_opt,
        as_json: bool = JSON_RESULT,
    ) -> None:
        state: CliState = ctx.obj
        if not tracks and not positions:
            raise typer.BadParameter("give track ids or paths ('-' reads stdin), or --position")
        state.open()
        from mixxx_peewee.cli.resolve import track_ids

        ids = track_ids(tracks) if tracks else []
        options = kind.write_options(history)
        name = target
        if not kind.ordered:
            remove = kind.function("remove_tracks_from_{}")
            operation = lambda dry: remove(name, ids, dry_run=dry)  # noqa: E731
        else:
            ops = kind.ops()

            def operation(dry: bool) -> Any:
                results = []
                if positions:
                    results.append(
                        ops.remove_positions_from_playlist(name, positions, dry_run=dry, **options)
                    )
                for track in dict.fromkeys(ids):
                    # Every occurrence of the track goes, as in Mixxx's "remove from playlist".
                    results.append(
                        ops.remove_track_from_playlist(name, track, dry_run=dry, **options)
                    )
                return _merge(results, "remove_from_playlist", dry)

        state.write(operation, dry_run=dry_run, as_json=as_json)

    if kind.ordered:

        @group.command("move", help="Move the entry at one position to another.")
        def move_cmd(
            ctx: typer.Context,
            target: str = target_arg,
            from_position: int = typer.Argument(..., help="Current 1-based position."),
            to_position: int = typer.Argument(..., help="New 1-based position."),
            dry_run: bool = DRY_RUN,
            history: bool = history_opt,
            as_json: bool = JSON_RESULT,
        ) -> None:
            state: CliState = ctx.obj
            move = kind.function("move_{}_track")
            options = kind.write_options(history)
            state.write(
                lambda dry: move(target, from_position, to_position, dry_run=dry, **options),
                dry_run=dry_run,
                as_json=as_json,
            )

    @group.command("export", help=f"Write a {what}'s tracks as M3U8, CSV, JSON or ids.")
    def export_cmd(
        ctx: typer.Context,
        target: str = target_arg,
        output: Path | None = typer.Option(
            None, "--output", "-o", help="File to write (default: stdout)."
        ),
        fmt: ExportFormat | None = typer.Option(
            None, "--format", "-f", help="Format (default: from the file name, else m3u8)."
        ),
        relative: bool = typer.Option(
            False, "--relative", help="M3U8 paths relative to the output file's folder."
        ),
    ) -> None:
        state: CliState = ctx.obj
        state.open()
        from mixxx_peewee.cli.output import emit_tracks
        from mixxx_peewee.cli.output import track_row
        from mixxx_peewee.m3u import write_m3u8

        chosen = fmt.value if fmt is not None else None
        if chosen is None and output is not None:
            chosen = _SUFFIX_FORMATS.get(output.suffix.lower())
        chosen = chosen or "m3u8"
        tracks = kind.function("get_{}_tracks")(target)
        rows = [track_row(t) for t in tracks if t.get("location") is not None]

        def write(out: Any) -> int:
            if chosen == "m3u8":
                base = output.absolute().parent if output is not None else Path.cwd()
                return write_m3u8(rows, out, relative_to=base if relative else None)
            return emit_tracks(rows, chosen, out=out, extra=("position",) if kind.ordered else ())

        if output is None or str(output) == "-":
            write(sys.stdout)
        else:
            _write_target(output, write)
            state.note(f"exported {len(rows)} tracks to {output}")

    @group.command("import", help=f"Read an M3U/M3U8 file into a new or existing {what} (appends).")
    def import_cmd(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="The playlist file (.m3u or .m3u8)."),
        name: str | None = typer.Option(
            None, "--name", "--to", help=f"{Kind} to fill (default: the file name)."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Fail (writing nothing) if any entry is not in the library."
        ),
        dry_run: bool = DRY_RUN,
        history: bool = history_opt,
        as_json: bool = JSON_RESULT,
    ) -> None:
        state: CliState = ctx.obj
        from mixxx_peewee.errors import ValidationError
        from mixxx_peewee.m3u import match_entries
        from mixxx_peewee.m3u import read_m3u

        entries = read_m3u(file)  # a bad file fails before the library is opened
        state.open()
        matched = match_entries(state.progress(entries, total=len(entries), label="matching"))
        shown = matched.missing[:_MISSING_SHOWN]
        for entry in shown:
            state.note(f"not in library: {file}: {entry}")
        if len(matched.missing) > len(shown):
            state.note(f"… and {len(matched.missing) - len(shown)} more not in the library")
        if strict and matched.missing:
            raise ValidationError(
                f"{file}: {len(matched.missing)} of {len(entries)} entries are not in the "
                "library; nothing imported (--strict)"
            )
        target = name if name is not None else file.stem
        options = kind.write_options(history)
        operation = fill(target, matched.track_ids, options, f"import_{what}")

        state.write(operation, dry_run=dry_run, as_json=as_json)
        if matched.missing and not as_json:
            state.note(f"{len(matched.missing)} of {len(entries)} entries not in the library")

    return group


def register(app: typer.Typer) -> None:
    """Add ``playlists`` and ``crates`` to the root command."""
    app.add_typer(build_group(PLAYLISTS), name="playlists")
    app.add_typer(build_group(CRATES), name="crates")
