"""The change journal: what every write captured, the file beside the library, history and undo.

``capture`` (below ``library``: every write transaction records through it) holds the
TEMP-trigger capture, the row images and the journal file; ``history`` (an operation)
lists changes and undoes them. Nothing here writes into Mixxx's file except an undo,
through ``library.write_transaction``.
"""
