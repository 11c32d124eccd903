"""Build fixture databases by replaying Mixxx's own ``res/schema.xml`` revisions.

Mixxx creates and upgrades ``mixxxdb.sqlite`` by running each ``<revision>`` of its
``schema.xml`` above the file's recorded version, in order, one transaction each, splitting
the SQL on ``;`` and ignoring only "duplicate column name" errors; then it records
``mixxx.schema.version``, ``mixxx.schema.last_used_version`` and
``mixxx.schema.min_compatible_version`` in ``settings``. This script does the same, so the
files it writes have exactly the DDL text a Mixxx of that era would have written.

Run: ``python scripts/make_schema_fixtures.py --schema-dir ../shared/mixxx-schema``
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import typer

REPO = Path(__file__).resolve().parent.parent
# revision -> the schema.xml of the Mixxx release line that shipped it
DEFAULT_TARGETS = {
    24: "schema-2.2-rev28.xml",
    28: "schema-2.2-rev28.xml",
    32: "schema-2.3-rev32.xml",
    39: "schema-2.5-rev39.xml",
    40: "schema-main-rev40.xml",
}

app = typer.Typer(add_completion=False, help=__doc__.splitlines()[0])


def read_revisions(schema_xml: Path) -> dict[int, tuple[str, str | None]]:
    """Return ``{version: (sql, min_compatible)}`` from a Mixxx ``schema.xml``."""
    root = ET.parse(schema_xml).getroot()
    revisions: dict[int, tuple[str, str | None]] = {}
    for rev in root.iter("revision"):
        sql = rev.findtext("sql") or ""
        revisions[int(rev.attrib["version"])] = (sql, rev.attrib.get("min_compatible"))
    return revisions


def _set_setting(conn: sqlite3.Connection, name: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value))


def replay_schema(db_path: Path, schema_xml: Path, target: int) -> None:
    """Create ``db_path`` at revision ``target`` the way Mixxx's SchemaManager does."""
    revisions = read_revisions(schema_xml)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        for version in range(1, target + 1):
            sql, min_compatible = revisions[version]
            conn.execute("BEGIN")
            for statement in sql.split(";"):
                statement = statement.strip()
                if not statement:
                    continue
                try:
                    conn.execute(statement)
                except sqlite3.OperationalError as exc:
                    if "duplicate column name" not in str(exc):
                        conn.execute("ROLLBACK")
                        raise
            _set_setting(conn, "mixxx.schema.version", str(version))
            _set_setting(conn, "mixxx.schema.last_used_version", str(version))
            _set_setting(
                conn, "mixxx.schema.min_compatible_version", min_compatible or str(version)
            )
            conn.execute("COMMIT")
    finally:
        conn.close()


@app.command()
def main(
    schema_dir: Path = typer.Option(
        REPO.parent / "shared" / "mixxx-schema", help="Folder with Mixxx's schema-*.xml files."
    ),
    out_dir: Path = typer.Option(REPO / "fixtures" / "schema-replay", help="Where to write."),
) -> None:
    """Write ``rev<N>.sqlite`` for revisions 24, 28, 32, 39 and 40."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for target, xml_name in DEFAULT_TARGETS.items():
        dest = out_dir / f"rev{target}.sqlite"
        dest.unlink(missing_ok=True)
        replay_schema(dest, schema_dir / xml_name, target)
        typer.echo(f"{dest.relative_to(REPO) if dest.is_relative_to(REPO) else dest}: {xml_name}")


if __name__ == "__main__":
    app()
