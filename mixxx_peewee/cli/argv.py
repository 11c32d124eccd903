"""Splitting a command line's words into options (with their values) and other words.

One rule for the two places that read argv before click does: a query command
(``tracks search -remix --limit 5``), whose ``-word`` is Mixxx's negation, and the root's
hint for a root option given after a command (``put --db before the command: …``).
Imports only typer.
"""

from __future__ import annotations

from collections.abc import Iterable

from typer import _click
from typer._click.exceptions import NoSuchOption
from typer.core import TyperCommand
from typer.core import TyperOption

__all__ = ["QueryCommand", "option_arities", "option_name", "split_options"]


def option_arities(params: Iterable[_click.Parameter]) -> dict[str, bool]:
    """``{option name: whether it takes a value}`` for the options among ``params``."""
    takes_value: dict[str, bool] = {}
    for param in params:
        if isinstance(param, TyperOption):
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = not param.is_flag and not param.count
    return takes_value


def option_name(word: str) -> str:
    """The option a word names: ``--limit=5`` -> ``--limit``; any other word as it is."""
    return word.split("=", 1)[0] if word.startswith("--") else word


def split_options(
    args: list[str], takes_value: dict[str, bool]
) -> tuple[list[str], list[str], list[str] | None]:
    """``(options, words, after)``: the words that are one of ``takes_value``'s options
    (exactly its name, or ``--name=value``), each with its value (the next word) when it
    takes one; the other words, in order; and the words after ``--`` (None without one)."""
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            return options, words, args[i + 1 :]
        name = option_name(word)
        if name in takes_value:
            options.append(word)
            if takes_value[name] and "=" not in word and i + 1 < len(args):
                options.append(args[i + 1])
                i += 1
        else:
            words.append(word)
        i += 1
    return options, words, None


class QueryCommand(TyperCommand):
    """A command whose words are a Mixxx query: ``-word`` is negation, not an option.

    A word that is exactly one of the command's option names (``-a``, ``--limit``,
    ``-f``), or ``--name=value``, is that option (with its value, the next word, when it
    takes one); every other word, wherever it stands, is query text, and so is everything
    after ``--``. ``-artist:x`` and ``-remix`` are queries; ``-a`` is ``--all``.
    """

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        """Move the query words behind ``--`` so click reads only the real options."""
        takes_value = option_arities(self.get_params(ctx))
        # A root option's long name (--db, --readonly) is no query: the root's hint says
        # to put it first (-q, -v stay Mixxx negations).
        root_only = {
            name
            for param in ctx.find_root().command.params
            for name in (*param.opts, *param.secondary_opts)
            if name.startswith("--") and name not in takes_value
        }
        options, words, after = split_options(args, takes_value)
        refused = next((option_name(w) for w in words if option_name(w) in root_only), None)
        if refused is not None:
            raise NoSuchOption(refused, ctx=ctx)
        words.extend(after or ())
        return super().parse_args(ctx, [*options, "--", *words] if words else options)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        """``[OPTIONS] QUERY...`` (Typer would write ``{QUERY}...``)."""
        return [self.options_metavar or "", "QUERY..."]
