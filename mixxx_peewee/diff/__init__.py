"""Two library states compared in SQL: the result, its sides, the comparison, snapshots.

``result`` (the plain data a diff returns; imports nothing of the package), ``sides`` (a
library file or a snapshot: what each has, read read-only through the same normalised
columns), ``compare`` (:func:`diff_libraries`: both sides ATTACHed and joined in SQL) and
``snapshots`` (:func:`save_snapshot` and the snapshot file's format), in that order.

Stands on every operation below it (it reads tracks, cues, playlists and crates of
both sides); nothing but the command line (and the lazy public API) imports it.
"""
