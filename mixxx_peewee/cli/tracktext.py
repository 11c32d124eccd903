"""How the ``tracks`` commands word a track's parts and their questions (no commands here).

``tracks show``'s cue, playlist and analysis lines, the edit options' value types, and
``relocate``'s confirmation and refusals. Imports the library and the CLI's lower rows.
"""

from __future__ import annotations

from typing import Any

from mixxx_peewee.errors import ValidationError

__all__ = [
    "analysis_lines",
    "cue_entry",
    "cue_text",
    "cue_time",
    "field_value",
    "option_kind",
    "playlist_text",
    "relocate_question",
    "relocate_refusals",
]


def cue_time(seconds: float | None) -> str | None:
    """``m:ss.mmm``, as ``cues list`` prints positions (``tracks.cues.clock_text``)."""
    from mixxx_peewee.tracks.cues import clock_text

    return None if seconds is None else clock_text(max(seconds, 0.0))


def cue_entry(cue: dict[str, Any]) -> dict[str, Any]:
    """A cue as ``tracks show`` gives it: type, number, seconds and m:ss.mmm, label, colour."""
    return {
        "id": cue["id"],
        "type": cue["type_name"],
        "number": cue["hotcue"],
        "position": cue["position"],
        "time": cue_time(cue["position"]),
        "length": cue["length"],
        "label": cue["label"],
        "color": cue["color"],
    }


def cue_text(cue: dict[str, Any]) -> str:
    """``hotcue 1 at 0:12.500 "Drop" #FF0000``: one cue on one line."""
    kind = f"{cue['type']} {cue['number']}" if cue["number"] is not None else cue["type"]
    where = f" at {cue['time']}" if cue["time"] is not None else " (no position)"
    label = f' "{cue["label"]}"' if cue["label"] else ""
    color = f" {cue['color']}" if cue["color"] else ""
    return f"{kind}{where}{label}{color}"


def playlist_text(use: Any) -> str:
    """``Friday (3) #4, #12``: a playlist, its id and the track's positions in it."""
    kind = f" [{use.kind}]" if use.kind != "normal" else ""
    places = ", ".join(f"#{n}" for n in use.positions)
    return f"{use.name} ({use.id}){kind} {places}"


def analysis_lines(analysis: dict[str, Any]) -> dict[str, str]:
    """The grid and key map as ``tracks show`` prints them, one line each."""
    grid = analysis["grid"]
    if grid is None:
        grid_line = f"none ({analysis['grid_problem']})"
    else:
        first = grid["first_beat"]
        where = f"{first:.3f} s" if first is not None else f"frame {grid['first_beat_frame']}"
        lock = ", BPM locked" if grid["bpm_lock"] else ""
        how = f" [{grid['sub_version']}]" if grid["sub_version"] else ""
        grid_line = f"{grid['kind']} {grid['bpm']:g} BPM, first beat at {where}{lock}{how}"
    keymap = analysis["keymap"]
    if keymap is None:
        key_line = f"none ({analysis['keymap_problem']})"
    else:
        source = f" from {keymap['source']}" if keymap["source"] else ""
        changes = f", {keymap['key_changes']} key changes" if keymap["key_changes"] else ""
        key_line = f"{keymap['key']}{source}{changes}"
    return {"beat grid": grid_line, "key map": key_line}


def option_kind(kind: type, clears: tuple[str, ...]) -> type:
    """The type an edit option reads: text for a number that '' clears (``--bpm ''``)."""
    return str if clears and kind in (int, float) else kind


def field_value(name: str, kind: type, value: Any) -> Any:
    """An edit option's value as its field takes it: a number read as text is converted."""
    if isinstance(value, str) and kind in (int, float):
        try:
            return kind(value.strip())
        except ValueError:
            what = "a number" if kind is float else "a whole number"
            raise ValidationError(f"{name} must be {what}, not {value!r}") from None
    return value


def relocate_question(plan: Any) -> str:
    """The confirmation, with the plan's counts: how many tracks, how many targets exist."""
    from mixxx_peewee.core.results import plural

    relocation = plan.value
    moves = len(relocation.moves)
    return (
        f"Relocate {plural(moves, 'track')} from {relocation.old_prefix} to "
        f"{relocation.new_prefix} ({relocation.targets_present:,} of {moves:,} target files "
        "exist)?"
    )


def relocate_refusals(plan: Any, allow_missing: bool) -> None:
    """Refuse before asking: collisions, and target files that do not exist."""
    from mixxx_peewee.core.results import plural
    from mixxx_peewee.tracks.relocate import RelocateCollisionError
    from mixxx_peewee.tracks.relocate import RelocateMissingTargetsError

    relocation = plan.value
    collisions = getattr(relocation, "collisions", None)
    if collisions:
        first = collisions[0]
        raise RelocateCollisionError(
            f"{plural(len(collisions), 'track')} would collide with tracks already at the target, "
            f"e.g. {first[1]} -> {first[2]}; nothing written",
            relocation,
        )
    missing = getattr(relocation, "missing_targets", None)
    if missing and not allow_missing:
        raise RelocateMissingTargetsError(
            f"{len(missing):,} of {len(relocation.moves):,} target files do not exist (e.g. "
            f"{missing[0]}): is {relocation.new_prefix} right? Nothing written; "
            "--allow-missing relocates anyway",
            relocation,
        )
