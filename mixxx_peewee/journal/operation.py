"""The operation a write belongs to: a journalled call's name and arguments.

:func:`journalled` marks a public write function: the outermost journalled call owns the
change the library's write transaction records (its name and its arguments, made
JSON-ready), and confirms it in the journal file when it returns. :func:`note_guard` and
:func:`current_operation` let the library and undo add to the running operation.
:func:`journalled_functions` lists every function so marked (the tests hold each to a
do → undo case). Imports ``core.results`` and ``journal.journalfile``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ParamSpec
from typing import TypeVar

from mixxx_peewee.core.results import WriteResult
from mixxx_peewee.journal.journalfile import ChangeJournal

__all__ = [
    "current_operation",
    "journalled",
    "journalled_functions",
    "note_guard",
]

_MAX_LISTED = 1000  # longer list arguments are stored as their count and first items

P = ParamSpec("P")
R = TypeVar("R")

_JOURNALLED: list[Callable[..., Any]] = []  # every function @journalled marks, in order


@dataclass
class _Operation:
    name: str
    arguments: dict[str, Any]
    guard: str | None = None
    undoes: int | None = None
    recorded: list[int] = field(default_factory=list)
    journal: ChangeJournal | None = None


_current_operation: contextvars.ContextVar[_Operation | None] = contextvars.ContextVar(
    "mixxx_peewee_operation", default=None
)


def _jsonable_argument(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, dict):
        return {str(k): _jsonable_argument(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value) if not isinstance(value, (set, frozenset)) else sorted(value, key=str)
        if len(items) > _MAX_LISTED:
            return {"count": len(items), "first": [_jsonable_argument(v) for v in items[:20]]}
        return [_jsonable_argument(v) for v in items]
    if hasattr(value, "id"):
        return getattr(value, "id")  # noqa: B009 - a model given for its id
    return str(value)


def journalled(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a public write function: its writes are journalled under its name and arguments.

    The outermost journalled call owns the change (a write calling another records once);
    after it returns, its changes are confirmed with the result's headline and first lines
    as summary.
    """
    signature = inspect.signature(func)
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _current_operation.get() is not None:
            return func(*args, **kwargs)
        try:
            call = signature.bind(*args, **kwargs)
        except TypeError:
            return func(*args, **kwargs)  # the call itself raises the TypeError
        # A one-pass argument (a generator of tracks) is read once, here: the record and
        # the function then see the same values.
        for key, value in call.arguments.items():
            if isinstance(value, Iterator):
                call.arguments[key] = list(value)
        args, kwargs = call.args, call.kwargs  # type: ignore[assignment]
        arguments = {k: _jsonable_argument(v) for k, v in call.arguments.items() if k != "dry_run"}
        operation = _Operation(name, arguments)
        token = _current_operation.set(operation)
        result: R | None = None
        try:
            result = func(*args, **kwargs)
            return result
        finally:
            _current_operation.reset(token)
            if operation.recorded and operation.journal is not None:
                changes = list(getattr(result, "changes", None) or [])
                headline = result.summary() if isinstance(result, WriteResult) else ""
                operation.journal.confirm(operation.recorded, _summary(headline, changes))

    _JOURNALLED.append(wrapper)
    return wrapper


def journalled_functions() -> list[Callable[..., Any]]:
    """Every function :func:`journalled` marked so far (in the modules imported yet)."""
    return list(_JOURNALLED)


def _summary(headline: str, changes: list[str]) -> list[str]:
    """What ``history`` shows of a change: its headline (counts), then its first lines."""
    shown = ([headline] if headline else []) + changes[:20]
    if len(changes) > 20:
        shown.append(f"… and {len(changes) - 20:,} more")
    return shown


def note_guard(kind: str) -> None:
    """Remember the running-Mixxx guard kind the current operation checked (undo uses it)."""
    operation = _current_operation.get()
    if operation is not None and operation.guard is None:
        operation.guard = kind


def current_operation() -> _Operation | None:
    """The journalled operation running now, if any (undo marks what it undoes)."""
    return _current_operation.get()
