"""Mixxx's analysis data: the beats/keys blob codec, and the grid and key edits Mixxx keeps.

``codec`` is pure (it decodes and encodes the protobuf blobs; it loads only when a blob
is first decoded). ``grids`` is the BPM/key edit rules, ``scale_bpm`` and the
consistency report; it stands on ``library`` and ``lookup``.
"""
