"""Tracks: Mixxx's search syntax, filters and sorting, reads, locations, edits and the rest.

Reads and edits of the ``library`` table and its ``track_locations``: ``search``
(Mixxx's search syntax), ``filters``, ``reads``, ``locations``, ``edits``, ``relocate``,
``cues``, ``stats``, ``duplicates``, ``usage``. Stands on ``core``, ``models``,
``library``, ``lookup`` and ``analysis``; never imports ``trackset``'s operations.
"""
