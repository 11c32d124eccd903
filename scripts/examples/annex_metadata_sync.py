"""Copy what a DJ curates in Mixxx into git-annex metadata: ratings, BPM, keys, colours, crates.

    python scripts/examples/annex_metadata_sync.py ~/Music/annex
    python scripts/examples/annex_metadata_sync.py ~/Music/annex House/ --dry-run
    git annex find --metadata rating=5 --metadata crate=Bangers

Every visible track whose file is an annexed file inside REPO gets the metadata fields
``rating``, ``bpm`` (two decimals), ``key`` (one notation), ``color`` (``#RRGGBB``),
``artist``, ``title``, ``album``, ``genre``, ``year``, ``comment`` (one line) and ``crate``
(one value per crate). A field whose Mixxx value is empty is removed from the file's
metadata; control characters become spaces.

Only what changed is sent. The library's state at the last successful sync is kept as a
snapshot in REPO's git directory (``.git/mixxx-peewee/``, never committed), one per
library and choice of fields; :func:`mixxx_peewee.diff_libraries` against it names the
changed tracks and fields. The first run, ``--all`` and a track that is new, shown again
or moved send every field. A run limited to PATHS updates the state of those tracks only.
The state is updated per committed batch, so an interrupted run resumes where it stopped.
Tracks outside REPO are recorded as seen (a later move into REPO is a change); tracks whose
file is missing or not annexed are counted, listed with ``--verbose``, and tried again
next run.

One ``git annex metadata --batch --json`` process does all the work; its changes wait in
git-annex's journal (``annex.alwayscommit=false``) and are committed to the git-annex
branch every ``--batch-size`` files and at the end. The Mixxx library is only read.
Exit codes: 0 all synced, 1 some files failed, 2 bad arguments or not a git-annex
repository, 130 interrupted (what was done is committed and recorded).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None)

FIELDS = (
    "rating", "bpm", "key", "color", "artist", "title", "album", "genre", "year", "comment",
    "crate",
)  # fmt: skip
# The library columns (diff field names) behind each git-annex field.
SOURCES: dict[str, frozenset[str]] = {
    "rating": frozenset({"rating"}),
    "bpm": frozenset({"bpm", "beats"}),
    "key": frozenset({"key", "key_id", "keys"}),
    "color": frozenset({"color"}),
    "crate": frozenset({"crates"}),
    **{name: frozenset({name}) for name in ("artist", "title", "album", "genre", "year")},
    "comment": frozenset({"comment"}),
}
# A track whose file changed gets every field: the new file may be another annexed key.
REWRITE_ALL = frozenset({"location"})
COLUMNS = [
    "id", "location", "rating", "bpm", "key", "key_id", "color",
    "artist", "title", "album", "genre", "year", "comment",
]  # fmt: skip
NOTATIONS = ("lancelot", "openkey", "traditional")
STATE_DIR = "mixxx-peewee"
# C0 and C1 control characters (tab and newline too: one line per value).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class Usage(Exception):
    """A bad argument or a repository we cannot work in (exit code 2)."""


# ---------------------------------------------------------------------------- values


def clean_text(value: object) -> str:
    """``value`` as one line: control characters become a space, runs of spaces one."""
    if value is None:
        return ""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def annex_values(
    row: dict[str, Any], crates: Iterable[str], fields: Iterable[str], notation: str
) -> dict[str, list[str]]:
    """The git-annex values of a track (``iter_tracks`` row) for ``fields``; [] = remove."""
    import mixxx_peewee

    values: dict[str, list[str]] = {}
    for name in fields:
        if name == "rating":
            rating = row.get("rating") or 0
            values[name] = [str(int(rating))] if rating > 0 else []
        elif name == "bpm":
            bpm = row.get("bpm") or 0.0
            values[name] = [f"{bpm:.2f}"] if bpm > 0 else []
        elif name == "key":
            key_id = row.get("key_id") or mixxx_peewee.guess_key_id(row.get("key"))
            text = mixxx_peewee.key_to_text(key_id, notation) if 0 < key_id <= 24 else ""
            values[name] = [text] if text else []
        elif name == "color":
            color = row.get("color")
            values[name] = [] if color is None else [f"#{color & 0xFFFFFF:06X}"]
        elif name == "crate":
            values[name] = sorted({c for c in (clean_text(n) for n in crates) if c})
        else:
            text = clean_text(row.get(name))
            values[name] = [text] if text else []
    return values


def changed_fields(diff_fields: Iterable[str], fields: Iterable[str]) -> list[str]:
    """The git-annex fields among ``fields`` whose library columns are in ``diff_fields``."""
    touched = set(diff_fields)
    if touched & REWRITE_ALL:
        return list(fields)
    return [name for name in fields if SOURCES[name] & touched]


# ----------------------------------------------------------------------------- paths


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _git(cwd: Path | str, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise Usage(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed")
    return done.stdout


def _succeeds(cwd: Path, *args: str) -> bool:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode == 0


@dataclass
class Repo:
    """A git-annex repository: its top (as the user spelt it and resolved) and git dir."""

    top: Path  # lexical: symlinks in the user's path kept, as Mixxx keeps them
    real_top: Path
    git_dir: Path
    scope: list[str]  # repo-relative prefixes (NFC) a run is limited to; [] = everything

    @classmethod
    def find(cls, repo: Path, paths: list[Path]) -> Repo:
        """The repository at ``repo``, limited to ``paths``; raises Usage."""
        if shutil.which("git-annex") is None:
            raise Usage("git-annex is not installed (Debian: apt-get install git-annex)")
        if not repo.is_dir():
            raise Usage(f"{repo}: not a directory")
        try:
            top_text, prefix = _git(repo, "rev-parse", "--show-toplevel", "--show-prefix").split(
                "\n"
            )[:2]
        except Usage:
            raise Usage(f"{repo}: not a git repository") from None
        if not (
            _succeeds(repo, "config", "--get", "annex.uuid")
            or _succeeds(repo, "rev-parse", "--verify", "-q", "refs/heads/git-annex")
        ):
            raise Usage(f"{repo}: not a git-annex repository (run git annex init)")
        common = _git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir")
        git_dir = Path(common.strip())
        given = Path(os.path.abspath(os.path.expanduser(repo)))
        # REPO may be a folder inside the repository: its top, spelt the user's way.
        depth = len([p for p in prefix.strip("/").split("/") if p])
        top = given.parents[depth - 1] if depth else given
        found = cls(top, Path(top_text.strip()), git_dir, [])
        base = [prefix.strip("/")] if depth else []
        scope = [found.relative_dir(Path(p)) for p in paths] if paths else base
        found.scope = [_nfc(s) for s in scope if s is not None]
        if "" in found.scope:
            found.scope = []  # a path that is the whole repository limits nothing
        return found

    def relative_dir(self, path: Path) -> str:
        """The repo-relative form of a PATH argument; raises Usage when it is outside."""
        absolute = os.path.abspath(os.path.expanduser(path))
        rel = self.relative(absolute)
        if rel is None:
            raise Usage(f"{path}: not inside {self.top}")
        return rel.rstrip("/")

    def relative(self, location: str) -> str | None:
        """``location`` relative to the top (compared in NFC, never resolving links)."""
        nfc = _nfc(location)
        for top in dict.fromkeys((str(self.top), str(self.real_top))):
            root = _nfc(top.rstrip("/"))
            if nfc == root:
                return ""
            if nfc.startswith(root + "/"):
                # Cut as many components as the top has, keeping the stored spelling.
                return "/".join(location.split("/")[root.count("/") + 1 :])
        return None

    def in_scope(self, rel: str) -> bool:
        """Whether a repo-relative path is under one of the run's PATHS."""
        if not self.scope:
            return True
        nfc = _nfc(rel)
        return any(nfc == s or nfc.startswith(s + "/") for s in self.scope)

    def file_of(self, location: str | None) -> tuple[str | None, str]:
        """``(repo-relative path, "")`` or ``(None, why)``: outside, missing, in-git-dir."""
        rel = self.relative(location) if location else None
        if rel is None or rel == "":
            return None, "outside"
        if rel == ".git" or rel.startswith(".git/"):
            return None, "not annexed"  # a resolved annex symlink: the link is what counts
        # The name as the file system has it: a macOS library may store NFD, Linux NFC.
        for name in dict.fromkeys((rel, _nfc(rel), unicodedata.normalize("NFD", rel))):
            if os.path.lexists(self.top / name):
                return name, ""
        return None, "missing"

    def state_file(self, library_path: Path, fields: list[str], notation: str) -> Path:
        """Where the state of this library's sync (with these fields) is kept."""
        key = json.dumps([str(library_path.resolve()), sorted(fields), notation])
        name = "annex-sync-" + hashlib.sha1(key.encode()).hexdigest()[:16]
        folder = self.git_dir / STATE_DIR
        return folder / f"{name}.snapshot"


# ------------------------------------------------------------------------- git-annex


class AnnexMetadata:
    """One ``git annex metadata --batch --json`` process, asked file by file."""

    def __init__(self, top: Path, *, write: bool) -> None:
        self.top = top
        self.write = write
        self.last_key: str | None = None
        self.restarts = 0
        # git-annex's stderr, read when it dies; closed by close().
        self._errors = tempfile.TemporaryFile(  # noqa: SIM115
            mode="w+", encoding="utf-8", errors="replace"
        )
        self._start()

    def _start(self) -> None:
        config = ["-c", "annex.alwayscommit=false"]
        if not self.write:
            # A dry run: not even the merge of remotes' git-annex branches is committed.
            config += ["-c", "annex.merge-annex-branches=false"]
        self.process = subprocess.Popen(
            ["git", *config, "annex", "metadata", "--batch", "--json", "--json-error-messages"],
            cwd=self.top,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            encoding="utf-8",
            errors="surrogateescape",
            start_new_session=True,  # Ctrl-C stops us, and we stop git-annex cleanly
        )

    def ask_many(
        self, requests: list[tuple[str, dict[str, list[str]] | None]]
    ) -> Iterator[dict[str, Any] | OSError | None]:
        """git-annex's reply to each ``(file, fields to set or None)``, in order.

        None: not an annexed file; an OSError: the process died (its stderr in the
        message; it is started again for the next call). A thread sends the requests
        ahead, so git-annex never waits for us to read its last reply.
        """
        process = self.process
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None
        lines = [
            json.dumps({"file": f} if v is None else {"file": f, "fields": v}, ensure_ascii=False)
            + "\n"
            for f, v in requests
        ]

        def send() -> None:
            try:
                for line in lines:
                    stdin.write(line)
                stdin.flush()
            except (OSError, ValueError):
                pass  # the process died or was stopped: the reader reports it

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        answered = 0  # replies read: fewer than asked when the caller stops early
        try:
            while answered < len(lines):
                line = stdout.readline()
                if not line:
                    writer.join()
                    message = self._died()
                    missing, answered = len(lines) - answered, len(lines)
                    for _ in range(missing):
                        yield OSError(message)
                    return
                answered += 1
                if not line.strip():
                    yield None
                    continue
                reply: dict[str, Any] = json.loads(line)
                if reply.get("success") and reply.get("key") and self.write:
                    self.last_key = reply["key"]
                yield reply
        finally:
            if answered < len(lines):
                # Stopped early (Ctrl-C): what git-annex did meanwhile is in its journal,
                # not in our state, so it is sent again next run; never half a file.
                process.kill()
                process.wait()
            writer.join()

    def _died(self) -> str:
        self.process.wait()
        self._errors.seek(0)
        lines = [ln for ln in self._errors.read().splitlines() if ln.strip()]
        self._errors.seek(0)
        self._errors.truncate()
        tail = lines[-1] if lines else f"exit code {self.process.returncode}"
        if self.restarts < 3:
            self.restarts += 1
            self._start()
        return f"git-annex stopped: {tail}"

    def commit(self, message: str) -> None:
        """Commit the journalled changes to the git-annex branch; raises OSError."""
        if self.last_key is None:
            return
        # Any git-annex command run with annex.alwayscommit (the default) commits the
        # journal when it ends; reading one key's metadata is the smallest such command.
        done = subprocess.run(
            ["git", "-c", f"annex.commitmessage={message}", "annex", "metadata",
             "--key", self.last_key, "--json"],
            cwd=self.top, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise OSError(f"git-annex commit failed: {done.stderr.strip()}")
        self.last_key = None

    def close(self) -> None:
        """End the process (it has nothing left to do once stdin closes)."""
        if self.process.stdin:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._errors.close()


def stored_values(reply: dict[str, Any]) -> dict[str, list[str]]:
    """The fields of a git-annex reply without its bookkeeping (``*lastchanged``)."""
    return {
        name: sorted(values)
        for name, values in (reply.get("fields") or {}).items()
        if not name.endswith("lastchanged")
    }


# ------------------------------------------------------------------------------ plan


@dataclass
class Work:
    """A file to give fields to, and the track it belongs to."""

    track_id: int
    file: str
    fields: dict[str, list[str]]


@dataclass
class Plan:
    """What a run does: files to write, tracks only to record, tracks it cannot sync."""

    work: list[Work] = field(default_factory=list)
    record: list[int] = field(default_factory=list)  # state only: nothing to send
    skipped: dict[str, list[str]] = field(default_factory=dict)  # why -> locations

    def skip(self, why: str, location: str | None) -> None:
        self.skipped.setdefault(why, []).append(location or "(no location)")


def make_plan(
    repo: Repo,
    state: Path | None,
    current: Path | None,
    fields: list[str],
    notation: str,
) -> Plan:
    """Compare the state with the library (``current``: a snapshot of it or None = live).

    ``state`` None: a full pass. Reads the tracks' values in one pass over the library
    and their crates in one query.
    """
    import mixxx_peewee

    plan = Plan()
    wanted: dict[int, list[str]] | None = None  # track id -> fields to send; None = all
    if state is not None:
        diff = mixxx_peewee.diff_libraries(state, current)
        wanted = {}
        for ref in (*diff.tracks_added, *diff.tracks_unhidden):
            wanted[ref.id] = list(fields)
        for change in diff.track_changes:
            names = changed_fields(change.fields, fields)
            if names:
                wanted.setdefault(change.id, names)
            elif change.id not in wanted and _scoped(repo, change.location):
                # Recorded now only when nothing is to be sent (else: after its batch).
                plan.record.append(change.id)
        for ref in (*diff.tracks_removed, *diff.tracks_hidden):
            if _scoped(repo, ref.location):
                plan.record.append(ref.id)
        if not wanted:
            return plan
    # Hidden tracks too: they are recorded as seen (showing one again is a change).
    crates = mixxx_peewee.track_crate_names(None if wanted is None else list(wanted))
    rows = (
        row
        for row in mixxx_peewee.iter_tracks(columns=[*COLUMNS, "mixxx_deleted"], hidden=None)
        if wanted is None or row["id"] in wanted
    )
    for row in rows:
        if row["mixxx_deleted"] == 1:
            if _scoped(repo, row["location"]):
                plan.record.append(row["id"])
            continue
        file, why = repo.file_of(row["location"])
        if file is None:
            if why == "outside":
                if not repo.scope:
                    plan.skip(why, row["location"])
                    plan.record.append(row["id"])  # not ours until it moves in (a change)
            elif _scoped(repo, row["location"]):
                plan.skip(why, row["location"])  # tried again next run
            continue
        if not repo.in_scope(file):
            continue
        names = fields if wanted is None else wanted[row["id"]]
        values = annex_values(row, crates.get(row["id"], ()), names, notation)
        plan.work.append(Work(row["id"], file, values))
    plan.work.sort(key=lambda w: w.file)
    return plan


def _scoped(repo: Repo, location: str | None) -> bool:
    """Whether a track at ``location`` belongs to this run (to record its state)."""
    if not repo.scope:
        return True
    rel = repo.relative(location) if location else None
    return rel is not None and repo.in_scope(rel)


def batches(items: list[Work], size: int) -> Iterator[list[Work]]:
    """``items`` in lists of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def describe(values: list[str]) -> str:
    """Values as a dry run prints them."""
    return ", ".join(values) if values else "(none)"


# ------------------------------------------------------------------------------- run


@dataclass
class Outcome:
    """Counts of a run, for its summary and exit code."""

    synced: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False


def run_sync(
    repo: Repo,
    plan: Plan,
    *,
    state: Path,
    current: Path,
    batch_size: int,
    verbose: bool,
) -> Outcome:
    """Send the plan to git-annex, committing and recording the state batch by batch."""
    import mixxx_peewee

    outcome = Outcome()
    if plan.record:
        mixxx_peewee.save_snapshot(state, source=current, track_ids=plan.record)
    if not plan.work:
        return outcome
    annex = AnnexMetadata(repo.top, write=True)
    try:
        for batch in batches(plan.work, batch_size):
            done: list[int] = []
            replies = annex.ask_many([(item.file, item.fields) for item in batch])
            try:
                for item, reply in zip(batch, replies, strict=True):
                    if isinstance(reply, OSError):
                        outcome.failed.append((item.file, str(reply)))
                    elif reply is None:
                        plan.skip("not annexed", item.file)
                    elif not reply.get("success"):
                        errors = " ".join(reply.get("error-messages") or []) or "failed"
                        outcome.failed.append((item.file, errors))
                    else:
                        done.append(item.track_id)
                        outcome.synced += 1
                        if verbose:
                            typer.echo(f"synced: {item.file}")
            except KeyboardInterrupt:
                outcome.interrupted = True
                replies.close()  # stops git-annex: nothing more goes to its journal
            # The files answered so far are committed, then recorded: at worst a crash
            # between the two sends them again (the same values) next run.
            annex.commit(f"mixxx-peewee annex sync: {len(done)} files")
            if done:
                mixxx_peewee.save_snapshot(state, source=current, track_ids=done)
            if outcome.interrupted:
                break
    finally:
        annex.close()
    return outcome


def dry_run(repo: Repo, plan: Plan) -> Outcome:
    """Print per file the fields that would change (old from git-annex → new)."""
    outcome = Outcome()
    annex = AnnexMetadata(repo.top, write=False)
    try:
        replies = annex.ask_many([(item.file, None) for item in plan.work])
        for item, reply in zip(plan.work, replies, strict=True):
            if isinstance(reply, OSError):
                outcome.failed.append((item.file, str(reply)))
                continue
            if reply is None:
                plan.skip("not annexed", item.file)
                continue
            old = stored_values(reply)
            changes = [
                (name, old.get(name, []), new)
                for name, new in item.fields.items()
                if sorted(new) != old.get(name, [])
            ]
            if not changes:
                outcome.unchanged += 1
                continue
            outcome.synced += 1
            typer.echo(item.file)
            for name, before, after in changes:
                typer.echo(f"  {name}: {describe(before)} → {describe(after)}")
    finally:
        annex.close()
    return outcome


def report(repo: Repo, plan: Plan, outcome: Outcome, *, dry: bool, verbose: bool) -> None:
    """The per-file failures, the skipped tracks (``--verbose``) and one summary line."""
    for file, message in outcome.failed:
        typer.echo(f"failed: {file}: {message}", err=True)
    if verbose:
        for why, locations in sorted(plan.skipped.items()):
            for location in locations:
                typer.echo(f"{why}: {location}")
    verb = "would change" if dry else "synced"
    nothing = not (plan.work or plan.skipped or outcome.failed)
    files = f"{outcome.synced:,} file{'' if outcome.synced == 1 else 's'}"
    parts = ["no changes" if nothing else f"{verb} {files}"]
    if dry and outcome.unchanged:
        parts.append(f"{outcome.unchanged} already up to date")
    if outcome.failed:
        parts.append(f"{len(outcome.failed)} failed")
    skipped = ", ".join(f"{len(v)} {k}" for k, v in sorted(plan.skipped.items()))
    if skipped:
        where = "outside " + str(repo.top)
        parts.append("skipped: " + skipped.replace("outside", where))
    if outcome.interrupted:
        parts.append("interrupted (the rest goes next run)")
    typer.echo("; ".join(parts), err=True)
    if dry:
        typer.echo("dry run: nothing written", err=True)


def _exclusive(path: Path) -> Any:
    """The lock file ``path``, locked for this run (close it to unlock); raises OSError."""
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OSError("another sync of this library into this repository is running") from None
    return handle


def parse_fields(text: str) -> list[str]:
    """``rating,crate`` → the fields in their fixed order; raises Usage."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    names = ["crate" if n == "crates" else n for n in names]
    unknown = [n for n in names if n not in FIELDS]
    if unknown or not names:
        raise Usage(f"--fields: unknown {', '.join(unknown) or '(none)'}; use {','.join(FIELDS)}")
    return [n for n in FIELDS if n in names]


@app.command()
def main(
    repo: Path = typer.Argument(..., help="The git-annex repository (or a folder in it)."),
    paths: list[Path] | None = typer.Argument(None, help="Limit the run to these files/folders."),
    db: str | None = typer.Option(None, "--db", envvar="MIXXX_DB", help="mixxxdb.sqlite."),
    dry: bool = typer.Option(False, "--dry-run", "-n", help="Print what would change only."),
    full: bool = typer.Option(False, "--all", help="Every field of every track, not changes."),
    fields_text: str = typer.Option(
        ",".join(FIELDS),
        "--fields",
        help=f"Comma-separated fields (default: {', '.join(FIELDS)}).",
        show_default=False,
    ),
    batch_size: int = typer.Option(2000, "--batch-size", help="Commit every N files."),
    notation: str = typer.Option(
        "lancelot",
        "--key-notation",
        help="How keys are written.",
        metavar="[lancelot|openkey|traditional]",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List files synced and skipped."),
) -> None:
    """Set git-annex metadata of the files in REPO from the Mixxx library."""
    import mixxx_peewee
    from mixxx_peewee.errors import MixxxPeeweeError

    try:
        fields = parse_fields(fields_text)
        if batch_size < 1:
            raise Usage(f"--batch-size must be >= 1, not {batch_size}")
        if notation not in NOTATIONS:
            raise Usage(f"--key-notation must be one of {', '.join(NOTATIONS)}, not {notation!r}")
        found = Repo.find(repo, list(paths or []))
        library = mixxx_peewee.open_library(db, readonly=True)
    except (Usage, MixxxPeeweeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with library:
        state = found.state_file(library.path, fields, notation)
        try:
            if dry:
                plan = make_plan(
                    found, None if full or not state.exists() else state, None, fields, notation
                )
                outcome = dry_run(found, plan)
            else:
                state.parent.mkdir(parents=True, exist_ok=True)
                lock = _exclusive(state.with_suffix(".lock"))
                # The library as it is now: what the state will say was synced. A track
                # Mixxx changes while we run is sent again next run, never lost.
                current = state.with_suffix(".pending")
                try:
                    current.unlink(missing_ok=True)
                    mixxx_peewee.save_snapshot(current)
                    last = None if full or not state.exists() else state
                    plan = make_plan(found, last, current, fields, notation)
                    outcome = run_sync(
                        found,
                        plan,
                        state=state,
                        current=current,
                        batch_size=batch_size,
                        verbose=verbose,
                    )
                finally:
                    current.unlink(missing_ok=True)
                    lock.close()
        except (MixxxPeeweeError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    report(found, plan, outcome, dry=dry, verbose=verbose)
    if outcome.interrupted:
        raise typer.Exit(130)
    raise typer.Exit(1 if outcome.failed else 0)


if __name__ == "__main__":
    from mixxx_peewee.cli import plain_help

    command = typer.main.get_command(app)
    plain_help(command)  # REPO, PATHS..., TEXT: placeholders as mixxx-peewee's help shows them
    try:
        command(prog_name=Path(sys.argv[0]).name)
    except BrokenPipeError:  # `--dry-run | head`: the reader left; stop without a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
