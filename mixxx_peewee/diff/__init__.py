"""Two library states compared in SQL: the result, its sides, the comparison, snapshots.

Stands on every operation below it (it reads tracks, cues, playlists and crates of
both sides); nothing but the command line and ``journal.history`` imports it.
"""
