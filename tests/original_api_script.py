"""A script written for the original SQLAlchemy design of mixxx_peewee.

Only its import line was changed (it read ``from mixxx_peewee.db import …``); the rest is
as its users wrote it. tests/test_compat.py runs it on a copy of the sample library.
"""

import json
import sys

from mixxx_peewee.compat import add_track_to_crate  # the one changed line
from mixxx_peewee.compat import add_track_to_playlist  # the one changed line
from mixxx_peewee.compat import create_crate  # the one changed line
from mixxx_peewee.compat import create_playlist  # the one changed line
from mixxx_peewee.compat import get_crate_tracks  # the one changed line
from mixxx_peewee.compat import get_playlist_tracks  # the one changed line
from mixxx_peewee.compat import get_session  # the one changed line
from mixxx_peewee.compat import get_track_by_id  # the one changed line
from mixxx_peewee.compat import get_track_by_location  # the one changed line
from mixxx_peewee.compat import list_crates  # the one changed line
from mixxx_peewee.compat import list_playlists  # the one changed line
from mixxx_peewee.compat import query_tracks  # the one changed line
from mixxx_peewee.compat import remove_track_from_crate  # the one changed line
from mixxx_peewee.compat import remove_track_from_playlist  # the one changed line
from mixxx_peewee.compat import update_track  # the one changed line


def main(db_path):
    report = {}
    with get_session(db_path) as session:
        house = query_tracks(session, genre="house", bpm_range=(120, 130), limit=5)
        report["house"] = [(t.id, t.artist, t.bpm) for t in house]
        first = house[0]
        report["by_id"] = get_track_by_id(session, first.id).title
        report["by_location"] = get_track_by_location(session, first.location.location).id
        report["unknown_id"] = get_track_by_id(session, 10**9)

        playlist = create_playlist(session, "Friday set")
        for track in house[:3]:
            add_track_to_playlist(session, playlist.id, track.id)
        entry = add_track_to_playlist(session, playlist.id, house[3].id, position=1)
        session.commit()
        report["entry"] = (entry.position, entry.track_id)
        report["playlist"] = [(t.position, t.id) for t in get_playlist_tracks(session, playlist.id)]
        report["removed"] = remove_track_from_playlist(session, playlist.id, house[0].id)
        report["removed_again"] = remove_track_from_playlist(session, playlist.id, house[0].id)
        report["playlist_after"] = [
            (t.position, t.id) for t in get_playlist_tracks(session, playlist.id)
        ]
        report["playlists"] = [p.name for p in list_playlists(session)]

        crate = create_crate(session, "Peak time")
        report["crate_added"] = [add_track_to_crate(session, crate.id, t.id) for t in house]
        report["crate_again"] = add_track_to_crate(session, crate.id, house[0].id)
        report["crate_removed"] = remove_track_from_crate(session, crate.id, house[1].id)
        report["crate_tracks"] = [t.id for t in get_crate_tracks(session, crate.id)]
        report["crates"] = [c.name for c in list_crates(session)]

        track = update_track(session, first.id, rating=5, comment="warm-up")
        report["updated"] = (track.id, track.rating, track.comment)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
