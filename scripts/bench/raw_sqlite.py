"""The raw-``sqlite3`` side of the benchmark: the same SQL work mixxx_peewee does, by hand.

Each function is what a careful script without any ORM would write (parameters only,
one ``BEGIN IMMEDIATE`` per write). Independent of mixxx_peewee, and light to import,
because it also runs as a whole process:

    python scripts/bench/raw_sqlite.py jsonl DB   # every visible track as JSON lines to stdout
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import unicodedata
import urllib.parse

BLOB_COLUMNS = ("wavesummaryhex", "beats", "keys", "coverart_digest")
# Free words match any of these (as Mixxx's search bar: tags and the file name).
_TAGS = ("artist", "title", "album", "album_artist", "composer", "genre", "grouping", "comment")
SEARCH_COLUMNS = (*(f'library."{c}"' for c in _TAGS), "track_locations.filename")


def connect(
    path: str, *, readonly: bool = False, busy_timeout_ms: int = 5000
) -> sqlite3.Connection:
    """Open like a plain script: URI mode=ro/rw, autocommit, explicit transactions."""
    mode = "ro" if readonly else "rw"
    uri = "file:" + urllib.parse.quote(path) + f"?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout_ms / 1000)
    return conn


def open_and_inspect(path: str) -> sqlite3.Connection:
    """Open read-only and read what a schema check needs: tables, columns, versions, mode."""
    conn = connect(path, readonly=True)
    conn.execute("BEGIN")
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    for name, _sql in tables:
        conn.execute(f'PRAGMA table_info("{name}")').fetchall()
    conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
    conn.execute(
        "SELECT name, value FROM settings WHERE name IN (?, ?, ?)",
        ("mixxx.schema.version", "mixxx.schema.last_used_version",
         "mixxx.schema.min_compatible_version"),
    ).fetchall()  # fmt: skip
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode").fetchone()
    return conn


def track_columns(conn: sqlite3.Connection, *, blobs: bool = True) -> list[str]:
    """The ``library`` columns of this file (optionally without the blob columns)."""
    cols = [row[1] for row in conn.execute('PRAGMA table_info("library")')]
    return [c for c in cols if blobs or c not in BLOB_COLUMNS]


# NULL is not hidden (as Mixxx: only 1 is).
VISIBLE = "(library.mixxx_deleted = 0 OR library.mixxx_deleted IS NULL)"
LOCATION_COLUMNS = ("location", "filename", "directory", "filesize", "fs_deleted")


def _select_tracks(cols: list[str]) -> str:
    """Every given ``library`` column, the location id, then the location's columns."""
    listed = ", ".join(f'library."{c}"' for c in cols if c != "location")
    located = ", ".join(f'track_locations."{c}"' for c in LOCATION_COLUMNS)
    return (
        f"SELECT {listed}, track_locations.id, {located} FROM library "
        "JOIN track_locations ON library.location = track_locations.id"
    )


def _names(cols: list[str]) -> list[str]:
    """The keys of one row of _select_tracks(cols): the library's, then the location's."""
    return [c for c in cols if c != "location"] + ["location_id", *LOCATION_COLUMNS]


def list_tracks(conn: sqlite3.Connection, *, records: bool = True) -> int:
    """Every visible track with its path, in id order; return the count.

    ``records``: each row as a dict of column name -> value (what the library yields);
    otherwise sqlite3's bare tuples.
    """
    cols = track_columns(conn)
    sql = _select_tracks(cols) + " WHERE " + VISIBLE + " ORDER BY library.id"
    names = _names(cols)
    count = 0
    if records:
        for row in conn.execute(sql):
            _record = dict(zip(names, row, strict=True))
            count += 1
    else:
        for _row in conn.execute(sql):
            count += 1
    return count


def _escaped(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_ascii(conn: sqlite3.Connection, terms: list[str]) -> int:
    """Visible tracks where every term is in one of the text columns (ASCII LIKE only)."""
    where = []
    params: list[str] = []
    for term in terms:
        where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in SEARCH_COLUMNS) + ")")
        params.extend([_escaped(term.lower())] * len(SEARCH_COLUMNS))
    sql = _select_tracks(track_columns(conn)) + " WHERE " + VISIBLE + " AND " + " AND ".join(where)
    return len(conn.execute(sql + " ORDER BY library.id", params).fetchall())


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Lower case without accents: NFKD minus combining marks, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=65536)
def _folded_has(text: str, needle: str) -> bool:
    return needle in _fold(text)


def search(conn: sqlite3.Connection, terms: list[str]) -> int:
    """As search_ascii, ignoring accents too (as Mixxx): non-ASCII text is folded in Python.

    ASCII text goes through SQLite's LIKE; text with fewer characters than bytes is
    folded by a cached Python function, the cheapest exact way we know with plain sqlite3.
    """
    conn.create_function("raw_folded_has", 2, _folded_has, deterministic=True)
    where = []
    params: list[str] = []
    for term in terms:
        needle = _fold(term)
        tests = []
        for c in SEARCH_COLUMNS:
            tests.append(
                f"{c} LIKE ? ESCAPE '\\' OR CASE WHEN length({c}) < length(CAST({c} AS BLOB))"
                f" THEN raw_folded_has({c}, ?) END"
            )
            params.extend([_escaped(needle), needle])
        where.append("(" + " OR ".join(tests) + ")")
    sql = _select_tracks(track_columns(conn)) + " WHERE " + VISIBLE + " AND " + " AND ".join(where)
    return len(conn.execute(sql + " ORDER BY library.id", params).fetchall())


def playlist_tracks(conn: sqlite3.Connection, playlist_id: int, *, records: bool = True) -> int:
    """A playlist's tracks in position order with their paths; return the count.

    ``records``: each entry as a dict of column name -> value plus its position (what the
    library gives: a model per entry); otherwise sqlite3's bare tuples.
    """
    cols = track_columns(conn)
    sql = (
        _select_tracks(cols).replace("SELECT ", "SELECT PlaylistTracks.position, ", 1)
        + " JOIN PlaylistTracks ON PlaylistTracks.track_id = library.id"
        " WHERE PlaylistTracks.playlist_id = ? ORDER BY PlaylistTracks.position"
    )
    return _count(conn.execute(sql, (playlist_id,)), ["position", *_names(cols)], records)


def crate_tracks(conn: sqlite3.Connection, crate_id: int, *, records: bool = True) -> int:
    """A crate's visible tracks with their paths, in id order; ``records`` as above."""
    cols = track_columns(conn)
    sql = (
        _select_tracks(cols) + " JOIN crate_tracks ON crate_tracks.track_id = library.id"
        " WHERE crate_tracks.crate_id = ? AND " + VISIBLE + " ORDER BY library.id"
    )
    return _count(conn.execute(sql, (crate_id,)), _names(cols), records)


def _count(cursor: sqlite3.Cursor, names: list[str], records: bool) -> int:
    """Fetch every row (one complete read), as dicts keyed by ``names`` when ``records``."""
    rows = cursor.fetchall()
    if records:
        _records = [dict(zip(names, row, strict=True)) for row in rows]
    return len(rows)


def add_to_crate(conn: sqlite3.Connection, crate_id: int, track_ids: list[int]) -> int:
    """Check the crate and tracks exist, then INSERT OR IGNORE them in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT locked FROM crates WHERE id = ?", (crate_id,)).fetchone() is None:
            raise LookupError(crate_id)
        _require_tracks(conn, track_ids)
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO crate_tracks (crate_id, track_id) VALUES (?, ?)",
            [(crate_id, t) for t in track_ids],
        )
        added = conn.total_changes - before
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return added


def _require_tracks(conn: sqlite3.Connection, track_ids: list[int]) -> None:
    found: set[int] = set()
    for start in range(0, len(track_ids), 500):
        chunk = track_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(
            r[0] for r in conn.execute(f"SELECT id FROM library WHERE id IN ({marks})", chunk)
        )
    if len(found) != len(set(track_ids)):
        raise LookupError("missing tracks")


def _positions_1_to_n(conn: sqlite3.Connection, playlist_id: int) -> int:
    """The entry count, after checking that the positions are exactly 1..n (one aggregate)."""
    count, low, high, distinct, integers = conn.execute(
        "SELECT count(*), min(position), max(position), count(DISTINCT position),"
        " total(typeof(position) = 'integer') FROM PlaylistTracks WHERE playlist_id = ?",
        (playlist_id,),
    ).fetchone()
    if not (count and low == 1 and high == count == distinct == integers):
        raise ValueError("positions are not 1..n: the benchmark playlist is")
    return int(count)


def insert_into_playlist(
    conn: sqlite3.Connection, playlist_id: int, track_ids: list[int], position: int
) -> int:
    """Insert tracks at 1-based ``position``: check the tracks and that positions are 1..n,
    move the entries from ``position`` on down, insert, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _require_tracks(conn, track_ids)
        count = _positions_1_to_n(conn, playlist_id)
        if not 1 <= position <= count + 1:
            raise ValueError(f"position {position} outside 1..{count + 1}")
        conn.execute(
            "UPDATE PlaylistTracks SET position = position + ?"
            " WHERE playlist_id = ? AND position >= ?",
            (len(track_ids), playlist_id, position),
        )
        conn.executemany(
            "INSERT INTO PlaylistTracks (playlist_id, track_id, position, pl_datetime_added)"
            " VALUES (?, ?, ?, CURRENT_TIMESTAMP)",
            [(playlist_id, t, position + i) for i, t in enumerate(track_ids)],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(track_ids)


def remove_from_playlist(
    conn: sqlite3.Connection, playlist_id: int, track_id: int, *, checked: bool = True
) -> int:
    """Remove a track from a playlist and close the gap, in one transaction.

    ``checked`` first verifies that the positions are exactly 1..n (one aggregate, as
    mixxx_peewee does before it shifts, renumbering a playlist that is not); unchecked
    is Mixxx's own way: delete, then shift whatever follows.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        if checked:
            _positions_1_to_n(conn, playlist_id)
        positions = [
            r[0]
            for r in conn.execute(
                "SELECT position FROM PlaylistTracks WHERE playlist_id = ? AND track_id = ?"
                " ORDER BY position",
                (playlist_id, track_id),
            )
        ]
        for position in reversed(positions):
            conn.execute(
                "DELETE FROM PlaylistTracks WHERE playlist_id = ? AND position = ?",
                (playlist_id, position),
            )
            conn.execute(
                "UPDATE PlaylistTracks SET position = position - 1"
                " WHERE playlist_id = ? AND position > ?",
                (playlist_id, position),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(positions)


def relocate(conn: sqlite3.Connection, old: str, new: str) -> int:
    """Move every track under folder ``old`` to ``new`` (a real prefix match, not LIKE).

    Plans first (rows under the prefix, collisions with existing paths), then rewrites
    location/directory/filename and ``directories`` in one transaction.
    """
    old = old.rstrip("/")
    new = new.rstrip("/")
    rows = conn.execute(
        "SELECT id, location FROM track_locations WHERE location = ? OR substr(location, 1, ?) = ?"
        " ORDER BY id",
        (old, len(old) + 1, old + "/"),
    ).fetchall()
    moves = [(tid, loc, new + loc[len(old) :]) for tid, loc in rows]
    taken: dict[str, int] = {}
    targets = [m[2] for m in moves]
    for start in range(0, len(targets), 500):
        chunk = targets[start : start + 500]
        marks = ",".join("?" * len(chunk))
        taken.update(
            conn.execute(
                f"SELECT location, id FROM track_locations WHERE location IN ({marks})", chunk
            ).fetchall()
        )
    if any(m[2] in taken for m in moves):
        raise ValueError("collision")
    updates = []
    for tid, loc, target in moves:
        directory, _, filename = target.rpartition("/")
        updates.append((target, directory, filename, tid, loc))
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "UPDATE track_locations SET location = ?, directory = ?, filename = ?"
            " WHERE id = ? AND location = ?",
            updates,
        )
        conn.execute("UPDATE directories SET directory = ? WHERE directory = ?", (new, old))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(updates)


def backup(conn: sqlite3.Connection, dest: str) -> None:
    """SQLite's online backup API into a new file, checked and synced, as a backup must be.

    The same SQL work as mixxx_peewee's backup: the copy, ``PRAGMA integrity_check`` of
    the copy, then fsync (no step pauses, no atomic move into place).
    """
    import os

    target = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.backup(target)
        target.execute("PRAGMA journal_mode = delete").fetchone()
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError(f"{dest}: integrity check failed")
    finally:
        target.close()
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The library columns a diff compares (mixxx_peewee.core.trackfields.DIFF_FIELDS, as stored).
DIFF_COLUMNS = (
    "artist", "title", "album", "album_artist", "genre", "composer", "grouping", "year",
    "comment", "tracknumber", "bpm", "key", "beats", "keys", "rating", "color",
    "timesplayed", "played", "last_played_at", "datetime_added", "duration",
)  # fmt: skip
_CUE_DIFF = "id, track_id, type, position, length, hotcue, label, color & 16777215"


def _attach_both(a: str, b: str) -> sqlite3.Connection:
    conn = sqlite3.connect("file:raw-diff?mode=memory", uri=True, isolation_level=None)
    for path, schema in ((a, "a"), (b, "b")):
        uri = "file:" + urllib.parse.quote(path) + "?mode=ro"
        conn.execute(f"ATTACH DATABASE ? AS {schema}", (uri,))
    return conn


def diff(a: str, b: str) -> int:
    """What a careful script does to compare two library files; returns the changes found.

    One read-only connection ATTACHes both and compares in SQL: tracks joined by id (every
    compared column ``IS NOT``, blobs as they are, the path through track_locations), ids
    one side lacks (anti-joins), cues joined by id, crate memberships with their names and
    playlist entries by ``EXCEPT``, crate and playlist names; Python gets only what differs
    and makes one dict per changed track field.
    """
    conn = _attach_both(a, b)
    have = {r[1] for r in conn.execute("PRAGMA a.table_info(library)")}
    have &= {r[1] for r in conn.execute("PRAGMA b.table_info(library)")}
    cols = [c for c in DIFF_COLUMNS if c in have]
    names = ["hidden", "location", *cols]
    side = {
        s: [f"coalesce({s}l.mixxx_deleted, 0) != 0", f"{s}tl.location",
            *(f'{s}l."{c}"' for c in cols)]
        for s in "ab"
    }  # fmt: skip
    differs = " OR ".join(f"{x} IS NOT {y}" for x, y in zip(side["a"], side["b"], strict=True))
    changes = 0
    conn.execute("BEGIN")
    rows = conn.execute(
        f"SELECT al.id, {', '.join(side['a'])}, {', '.join(side['b'])} FROM a.library AS al"
        " LEFT JOIN a.track_locations AS atl ON atl.id = al.location"
        " JOIN b.library AS bl ON bl.id = al.id"
        " LEFT JOIN b.track_locations AS btl ON btl.id = bl.location"
        f" WHERE {differs}"
    )
    width = len(names)
    for row in rows:
        old, new = row[1 : 1 + width], row[1 + width :]
        changed = {n: (o, v) for n, o, v in zip(names, old, new, strict=True) if o != v}
        changes += len(changed)
    for first, second in (("a", "b"), ("b", "a")):
        changes += len(
            conn.execute(
                f"SELECT l.id, tl.location FROM {first}.library AS l LEFT JOIN"
                f" {first}.track_locations AS tl ON tl.id = l.location WHERE NOT EXISTS"
                f" (SELECT 1 FROM {second}.library WHERE id = l.id)"
            ).fetchall()
        )
    differs = " OR ".join(
        f"x.{c} IS NOT y.{c}" for c in ("track_id", "type", "position", "length", "hotcue",
                                        "label", "color")
    )  # fmt: skip
    touched = {
        t
        for first, second in (("a", "b"), ("b", "a"))
        for r in conn.execute(
            f"SELECT x.track_id, y.track_id FROM (SELECT {_CUE_DIFF} AS color FROM {first}.cues)"
            f" AS x LEFT JOIN (SELECT {_CUE_DIFF} AS color FROM {second}.cues) AS y"
            f" ON y.id = x.id WHERE y.id IS NULL OR {differs}"
        )
        for t in r
        if t is not None
    }
    changes += len(touched)
    members = (
        "SELECT ct.crate_id, ct.track_id, c.name FROM {s}.crate_tracks AS ct"
        " JOIN {s}.crates AS c ON c.id = ct.crate_id"
    )
    entries = "SELECT playlist_id, position, track_id FROM {s}.PlaylistTracks"
    for query in (members, entries, "SELECT id, name FROM {s}.crates",
                  "SELECT id, name FROM {s}.Playlists"):  # fmt: skip
        for first, second in (("a", "b"), ("b", "a")):
            changes += len(
                conn.execute(f"{query.format(s=first)} EXCEPT {query.format(s=second)}").fetchall()
            )
    conn.execute("COMMIT")
    conn.close()
    return changes


def snapshot(path: str, dest: str) -> int:
    """What a careful script does to save a library's compact state: a new file, the same
    normalised columns copied by ``INSERT … SELECT`` (big blobs as a Python digest), synced.
    Returns the tracks saved."""
    import hashlib
    import os

    def digest(blob: bytes | None) -> str | None:
        return None if blob is None else hashlib.blake2b(blob, digest_size=8).hexdigest()

    for suffix in ("", "-journal"):
        if os.path.exists(dest + suffix):
            os.remove(dest + suffix)
    conn = sqlite3.connect(dest, isolation_level=None)
    conn.create_function("digest", 1, digest, deterministic=True)
    conn.execute("PRAGMA journal_mode = off")
    conn.execute("PRAGMA synchronous = off")
    conn.execute("ATTACH DATABASE ? AS src", ("file:" + urllib.parse.quote(path) + "?mode=ro",))
    have = {r[1] for r in conn.execute("PRAGMA src.table_info(library)")}
    cols = [c for c in DIFF_COLUMNS if c in have]
    blob = "CASE WHEN length(l.{0}) <= 64 THEN l.{0} ELSE digest(l.{0}) END"
    exprs = [blob.format(c) if c in ("beats", "keys") else f'l."{c}"' for c in cols]
    conn.execute("BEGIN")
    conn.execute(
        f"CREATE TABLE tracks (id INTEGER PRIMARY KEY, hidden, location, {', '.join(cols)},"
        " samplerate)"
    )
    conn.execute(
        f"INSERT INTO tracks SELECT l.id, coalesce(l.mixxx_deleted, 0) != 0, tl.location,"
        f" {', '.join(exprs)}, l.samplerate FROM src.library AS l"
        " LEFT JOIN src.track_locations AS tl ON tl.id = l.location"
    )
    conn.execute(
        "CREATE TABLE cues (id INTEGER PRIMARY KEY, track_id, type, position, length,"
        " hotcue, label, color)"
    )
    conn.execute(f"INSERT INTO cues SELECT {_CUE_DIFF} FROM src.cues")
    conn.execute("CREATE TABLE crates (id INTEGER PRIMARY KEY, name)")
    conn.execute("INSERT INTO crates SELECT id, name FROM src.crates")
    conn.execute(
        "CREATE TABLE crate_tracks (track_id, crate_id, crate_name,"
        " PRIMARY KEY (track_id, crate_id)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT OR IGNORE INTO crate_tracks SELECT ct.track_id, ct.crate_id, c.name"
        " FROM src.crate_tracks AS ct JOIN src.crates AS c ON c.id = ct.crate_id"
    )
    conn.execute("CREATE TABLE playlists (id INTEGER PRIMARY KEY, name, hidden)")
    conn.execute("INSERT INTO playlists SELECT id, name, hidden FROM src.Playlists")
    conn.execute("CREATE TABLE playlist_tracks (playlist_id, position, track_id)")
    conn.execute(
        "INSERT INTO playlist_tracks SELECT playlist_id, position, track_id FROM src.PlaylistTracks"
    )
    conn.execute("CREATE INDEX playlist_tracks_playlist ON playlist_tracks (playlist_id, position)")
    conn.execute("COMMIT")
    count = conn.execute("SELECT count(*) FROM tracks").fetchone()[0]
    conn.close()
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return int(count)


def jsonl(path: str) -> int:
    """Every visible track as one JSON object per line (column names + path) to stdout."""
    conn = connect(path, readonly=True)
    cols = track_columns(conn, blobs=False)
    names = _names(cols)
    sql = _select_tracks(cols) + " WHERE " + VISIBLE + " ORDER BY library.id"
    write = sys.stdout.write
    dumps = json.dumps
    count = 0
    for row in conn.execute(sql):
        write(dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
        count += 1
    conn.close()
    return count


def info(path: str) -> dict[str, int]:
    """What ``mixxx-peewee info`` reads: the schema, then four counts in one read."""
    conn = open_and_inspect(path)
    conn.execute("BEGIN")
    counts = {
        "tracks": conn.execute(
            "SELECT count(*) FROM library JOIN track_locations ON library.location ="
            " track_locations.id WHERE coalesce(library.mixxx_deleted, 0) = 0"
        ).fetchone()[0],
        "hidden_tracks": conn.execute(
            "SELECT count(*) FROM library WHERE library.mixxx_deleted = 1"
        ).fetchone()[0],
        "playlists": conn.execute("SELECT count(*) FROM Playlists WHERE hidden = 0").fetchone()[0],
        "crates": conn.execute("SELECT count(*) FROM crates").fetchone()[0],
    }
    conn.execute("COMMIT")
    conn.close()
    print(json.dumps(counts))
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "jsonl":
        print(__doc__.strip())
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    command, db_path = sys.argv[1], sys.argv[2]
    if command == "jsonl":
        jsonl(db_path)
    else:
        sys.exit(f"unknown command {command!r}")


def set_genre(conn: sqlite3.Connection, track_ids: list[int], genre: str) -> int:
    """Set the genre of every track in ``track_ids``: reads the old values first (what a
    tool that shows old -> new needs), then one UPDATE per chunk in one transaction."""
    old: dict[int, str | None] = {}
    for start in range(0, len(track_ids), 500):
        chunk = track_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        old.update(
            conn.execute(f"SELECT id, genre FROM library WHERE id IN ({marks})", chunk).fetchall()
        )
    changed = [i for i in track_ids if old.get(i) != genre]
    conn.execute("BEGIN IMMEDIATE")
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"UPDATE library SET genre = ? WHERE id IN ({marks})", [genre, *chunk])
    conn.execute("COMMIT")
    return len(changed)
