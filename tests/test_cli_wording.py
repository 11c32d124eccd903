"""Messages name what the reader can type: keywords in the API, options on the command line."""

from __future__ import annotations

import pytest

from mixxx_peewee.errors import cli_wording


@pytest.mark.parametrize(
    ("api", "cli"),
    [
        ("its BPM is locked; pass unlock=True", "its BPM is locked; pass --unlock"),
        ("dates need added_after=DATE", "dates need --added-after DATE"),
        ("convert_map=True makes a constant grid", "--convert-map makes a constant grid"),
        ("bpm=120 stays as written", "bpm=120 stays as written"),
        ("a path like /x/y_z=True.mp3", "a path like /x/y_z=True.mp3"),
    ],
)
def test_keywords_become_options(api: str, cli: str) -> None:
    assert cli_wording(api) == cli
