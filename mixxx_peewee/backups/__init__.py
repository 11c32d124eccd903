"""Backups: the copy mechanism, the backup folder, full and partial restore.

``copying`` (below ``library``, which backs up before the first write of a day) copies
a library with SQLite's backup API; ``folder`` names, lists and rotates the backups
beside a library; ``restore`` puts a backup back, whole or in part. The partial restore's
seams: ``parts`` (what may be taken back: the parts, ``RESTORE_FIELDS``, reading
``--only``), ``backupfile`` (checking and reading the backup through its own read-only
connection), ``restoresets`` (crates and playlists), ``restorefields`` (cues and track
fields).

May import: ``core``, ``errors``, ``models``, ``journal.capture``; ``folder`` and
``restore`` also ``library`` and what ``restore`` needs above it (``tracks.edits``,
``trackset.membership``).
"""
