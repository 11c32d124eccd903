"""The smart-crate rules file beside the library: read it, write it whole and atomically.

Mixxx has no smart crates, and Mixxx's file gets no table or column of ours: the rules
live in a small JSON file beside the library (``mixxxdb.sqlite`` →
``mixxxdb.smart-crates.json``, :func:`rules_path`, named as the change journal is named by
``journal.journalfile.journal_path``), so it travels with the library file. Not the
journal's SQLite file: the journal is pruned (its retention) and may be off, a rule must
outlive both. Reading never creates the file; a write replaces it whole (a temporary file
beside it, then ``os.replace``), and runs inside the library's write transaction, so the
library's write lock orders two writers of ours. A rule is keyed by the crate's id (names
change in Mixxx) and remembers the members its last refresh left.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from mixxx_peewee.errors import ValidationError

__all__ = ["RULES_SUFFIX", "SmartRule", "read_rules", "rules_path", "write_rules"]

RULES_SUFFIX = ".smart-crates.json"
FORMAT = 1


@dataclass
class SmartRule:
    """One smart crate's rule: its crate id, the query, the members its last refresh left."""

    crate_id: int
    query: str
    name: str  # the crate's name when the rule was last written (the crate may be renamed)
    members: list[int] = field(default_factory=list)
    refreshed: str = ""  # UTC, ISO 8601: when the members were last set

    def to_dict(self) -> dict[str, Any]:
        """The rule as stored (without its key, the crate id)."""
        return {
            "query": self.query,
            "name": self.name,
            "members": sorted(self.members),
            "refreshed": self.refreshed,
        }


def rules_path(library_path: Path) -> Path:
    """Where the smart-crate rules of the library file ``library_path`` live."""
    return library_path.with_name(library_path.stem + RULES_SUFFIX)


def _bad(path: Path, why: str) -> ValidationError:
    return ValidationError(f"the smart-crate rules file {path} is unreadable: {why}")


def read_rules(path: Path) -> dict[int, SmartRule]:
    """The rules in ``path`` by crate id ({} when there is no file; never creates one).

    Raises ValidationError for a file that is not a rules file of ours.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    try:
        data = json.loads(text)
        crates = data["crates"]
        if data.get("format") != FORMAT or not isinstance(crates, dict):
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        return {
            int(key): SmartRule(
                int(key),
                str(value["query"]),
                str(value.get("name", "")),
                [int(i) for i in value.get("members", [])],
                str(value.get("refreshed", "")),
            )
            for key, value in crates.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _bad(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def write_rules(path: Path, rules: dict[int, SmartRule]) -> None:
    """Replace ``path`` with ``rules`` atomically (a temporary file beside it, then rename)."""
    data = {
        "format": FORMAT,
        "crates": {str(crate_id): rules[crate_id].to_dict() for crate_id in sorted(rules)},
    }
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
