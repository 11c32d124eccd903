"""The change journal: what every write captured, the file beside the library, history and undo.

Below ``library`` (every write transaction records through them): ``records`` (the row
types: a row image, a table's changes, a change; comparing images with the live rows),
``journalfile`` (the journal file: record, confirm, settle, list, prune), ``operation``
(what a journalled call is: ``@journalled``, its name and arguments) and ``capture`` (the
TEMP-trigger capture and the set-wise bulk blocks; what ``library`` and the write
operations import). Above the operations: ``history`` (list changes, the journal's status
and retention) and ``undo`` (taking a change back). Nothing here writes into Mixxx's file
except an undo, through ``library.write_transaction``.
"""
