"""Plain conversion of command-line values, so a command does not load pydantic.

Typer 0.29 converts every non-flag value through a pydantic ``TypeAdapter``: the first
option of any command imports pydantic (~60 ms, a third of ``mixxx-peewee info``). Our
parameters are plain types (text, whole and decimal numbers with bounds, paths, choices,
lists of those), which a few lines here and Typer's own choice and path checks convert
without pydantic. :func:`install` gives each such parameter a converter of its own; a
parameter of any other kind keeps Typer's. If Typer's internals change shape, nothing is
installed and Typer converts everything as before (only slower).
"""

from __future__ import annotations

import enum
import os
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer import BadParameter
from typer import _click

try:
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_choice
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - another Typer: keep its own conversion
    RuntimeParam = None  # type: ignore[assignment,misc]

__all__ = ["install"]

Convert = Callable[[Any, Any, Any], Any]  # (value, param, ctx) -> value


def _choice(choices: list[Any], case_sensitive: bool) -> Convert:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None

    return convert


def _path(annotation: type[Path], info: Any) -> Convert:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        try:
            checked = coerce_cli_path(value, info, path_type=str, param=param, ctx=ctx)
        except ValueError as exc:  # a NUL byte: no file system takes it
            raise BadParameter(f"{value!r}: {exc}.", ctx=ctx, param=param) from None
        return checked if isinstance(checked, annotation) else annotation(os.fsdecode(checked))

    return convert


def _text(value: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, bytes):  # argv that is not valid in the locale's encoding
        return os.fsdecode(value)
    return value if isinstance(value, str) else str(value)


_TRUE = frozenset(("1", "true", "t", "yes", "y", "on"))
_FALSE = frozenset(("0", "false", "f", "no", "n", "off"))


def _flag(value: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)


def _number(kind: type, low: float | None, high: float | None, clamp: bool) -> Convert:
    name = "integer" if kind is int else "float"

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        whole_float = isinstance(value, float) and value.is_integer()
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise BadParameter(f"{value!r} is not a valid {name}.", ctx=ctx, param=param)
        if kind is int and isinstance(value, float) and not whole_float:
            raise BadParameter(f"{value!r} is not a valid {name}.", ctx=ctx, param=param)
        try:
            number = kind(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            raise BadParameter(f"{value!r} is not a valid {name}.", ctx=ctx, param=param) from None
        if kind is float and number != number:  # NaN fits no range
            raise BadParameter(f"{value!r} is not a valid {name}.", ctx=ctx, param=param)
        if low is not None and number < low:
            if not clamp:
                raise BadParameter(_out_of(number, low, high), ctx=ctx, param=param)
            number = kind(low)
        if high is not None and number > high:
            if not clamp:
                raise BadParameter(_out_of(number, low, high), ctx=ctx, param=param)
            number = kind(high)
        return number

    return convert


def _out_of(number: float, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{number} is not in the range {low}<=x<={high}."
    if low is not None:
        return f"{number} is not in the range x>={low}."
    return f"{number} is not in the range x<={high}."


def _converter(annotation: Any, info: Any) -> Convert | None:
    """A converter for ``annotation``, or None when Typer's own should stay."""
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return None
    if typing.get_origin(annotation) is list:
        (item_type,) = typing.get_args(annotation) or (str,)
        item = _converter(item_type, info)
        if item is None:
            return None

        def each(value: Any, param: Any, ctx: Any) -> Any:
            items = value if isinstance(value, (list, tuple)) else [value]
            return [item(v, param, ctx) for v in items]

        return each
    if annotation is bool:
        return _flag
    if annotation is str:
        return _text
    if annotation in (int, float):
        return _number(annotation, info.min, info.max, bool(info.clamp))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice(list(annotation), bool(info.case_sensitive))
    if isinstance(annotation, type) and issubclass(annotation, Path):
        if getattr(info, "path_type", None) is not None:
            return None
        return _path(annotation, info)
    return None


if RuntimeParam is not None:

    class _Plain(RuntimeParam):
        """Typer's conversion contract, fulfilled without pydantic."""

        # Not a dataclass of its own: making one costs ~0.5 ms of every start-up (--help's).
        def __init__(self, parameter_info: Any, annotation: Any, convert: Convert) -> None:
            super().__init__(parameter_info=parameter_info, annotation=annotation)
            self.convert = convert  # no field of the frozen base, so it may be set

        def _coerce_value(self, value: Any, param: Any, ctx: _click.Context) -> Any:
            return self.convert(value, param, ctx)


def _install_param(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.file_annotation is not None:
        return
    if getattr(param, "_runtime_param", "absent") is not None:
        return  # not Typer's lazy slot (or already set): leave it alone
    convert = _converter(descriptor.annotation, descriptor.parameter_info)
    if convert is not None:
        param._runtime_param = _Plain(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            convert=convert,
        )


def install(command: _click.Command, *, recursive: bool = True) -> None:
    """Give every plain parameter of ``command`` (and of its sub-commands) a converter
    without pydantic."""
    if RuntimeParam is None:  # pragma: no cover
        return
    for param in command.params:
        _install_param(param)
    # --help is made on first use (and its unset value is not a bool, so Typer converts it).
    made = command.get_help_option

    def get_help_option(ctx: _click.Context) -> Any:
        option = made(ctx)
        if option is not None:
            _install_param(option)
        return option

    setattr(command, "get_help_option", get_help_option)  # noqa: B010 - this instance only
    if recursive:
        for sub in getattr(command, "commands", {}).values():
            install(sub)
