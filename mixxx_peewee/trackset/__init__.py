"""Track sets: what playlists and crates share, playlists, crates and M3U files.

``membership`` is what both kinds of set share (adding, removing, hidden tracks);
``playlists`` and ``crates`` are their operations; ``m3u`` reads and writes playlist
files. Stands on ``core``, ``models``, ``library``, ``lookup`` and ``tracks``.
"""
