"""Other DJ programs' library files: rekordbox XML and Traktor NML, both ways.

``model`` is the exchange form both formats read into and write from (seconds, 0-based
hot cue slots, RGB colours, Mixxx key ids, stars). The format modules (``rekordbox``,
``traktor``) know only that form and their file; the library side (the collection read
for an export, the import's plan and write) knows only that form and Mixxx. Stands on
the public API of the rest (``tracks``, ``trackset``, ``analysis``, ``journal``).
"""
