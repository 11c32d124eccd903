"""The result of a write operation, the same whether it ran or was only planned.

Every write function takes ``dry_run`` and returns a :class:`WriteResult`: what it would
change (or changed), as data the command line can print or dump as JSON. A write that
makes a row (``create_playlist``, ``create_crate``) also carries the new model in
``object`` and its id in ``id`` (both None for a dry run). A create that ran returns a
:class:`CreateResult`, so a type checker knows its ``id`` is an ``int``.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar

__all__ = ["CreateResult", "WriteResult", "plural", "series"]

RowT = TypeVar("RowT")
# A bare ``WriteResult`` is ``WriteResult[Any]`` (PEP 696): for type checkers only, since
# 3.11's TypeVar has no default and typing_extensions is no runtime dependency.
if TYPE_CHECKING:
    from typing_extensions import TypeVar as DefaultedTypeVar
if not TYPE_CHECKING:  # noqa: SIM108 - mypy needs a statement to see a TypeVar
    ValueT = TypeVar("ValueT")
else:
    ValueT = DefaultedTypeVar("ValueT", default=Any)

_IRREGULAR = {"entry": "entries", "directory": "directories", "match": "matches"}


def plural(count: int, noun: str) -> str:
    """``1 track``, ``2 tracks``, ``1,000 entries``: a count with its noun, rightly inflected."""
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} {_IRREGULAR.get(noun, noun + 's')}"


def series(values: list[Any], *, limit: int = 20) -> str:
    """``2``, ``2 and 5``, ``2, 5 and 7``; past ``limit`` values, ``… and N more``."""
    shown = [str(v) for v in values[:limit]]
    if len(values) > limit:
        return f"{', '.join(shown)} and {len(values) - limit:,} more"
    if len(shown) < 2:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


@dataclass
class WriteResult(Generic[ValueT]):
    """What a write did (or, with ``dry_run``, would do).

    ``WriteResult[T]``: ``value`` is a ``T``; each write function says which, e.g.
    ``update_track`` -> ``WriteResult[int]`` (the track's id).
    """

    operation: str
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)  # one human line per change
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"added": 3, "already": 1}
    notes: list[str] = field(default_factory=list)  # warnings (Mixxx running, beats blob, …)
    # What was so already and is left as it is ("2 tracks already in crate 'House'").
    unchanged: list[str] = field(default_factory=list)
    # What the operation made: a new id, a plan object, … (None until set: a function whose
    # value may stay None says so in its T, e.g. WriteResult[int | None]).
    value: ValueT = None  # type: ignore[assignment]
    object: Any = field(default=None, repr=False, compare=False)  # the row a create made

    @property
    def id(self) -> int | None:
        """The id of the row the operation made (or, when it made none, of the row it changed)."""
        if self.object is not None:
            return int(self.object.id)
        return self.value if isinstance(self.value, int) else None

    def add(self, line: str) -> None:
        """Record one change line."""
        self.changes.append(line)

    def keep(self, line: str) -> None:
        """Record one line about what was so already (nothing to change there)."""
        self.unchanged.append(line)

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``key``."""
        self.counts[key] = self.counts.get(key, 0) + n

    def summary(self) -> str:
        """``add tracks to crate: added 3, already 1``: the operation and its counts in one
        line (its number of changes without counts; empty when it changes nothing)."""
        words = self.operation.replace("_", " ").replace("-", " ")
        if not self.counts:
            return f"{words}: {plural(len(self.changes), 'change')}" if self.changes else ""
        parts = (f"{key.replace('_', ' ')} {value:,}" for key, value in self.counts.items())
        return f"{words}: {', '.join(parts)}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (``object`` left out: ``value`` holds its id)."""
        data = asdict(replace(self, object=None))
        del data["object"]
        if hasattr(self.value, "to_dict"):
            data["value"] = self.value.to_dict()
        return data


class CreateResult(WriteResult[Any], Generic[RowT]):
    """The result of a create that ran: ``id`` is the new row's id, ``object`` the new row."""

    object: RowT

    @property
    def id(self) -> int:
        """The id of the new row."""
        return int(self.value)
