"""Backups: the copy mechanism, the backup folder, full and partial restore.

``copying`` (below ``library``, which backs up before the first write of a day) copies
a library with SQLite's backup API; ``folder`` names, lists and rotates the backups
beside a library; ``restore`` puts a backup back, whole or in part.
"""
