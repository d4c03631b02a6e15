"""``FrameStream``: a session's frames as socket messages, encoded only while the other side has room for them.

The room is counted in credits: each frame sent spends one, and whoever relays the frames gives one back per
frame it passed on (or the client acknowledged). A frame with no credit is dropped before it is encoded, so an
H.264 stream stays decodable (the next frame refers to the last one sent) and a slow client costs no encoding.
"""

from __future__ import annotations

from collections.abc import Callable

from media.realtime import CODECS, encoder_for

from .session import LiveFrame

__all__ = ["CODECS", "FrameStream"]


class FrameStream:
    def __init__(self, send: Callable[[bytes], None], codec: str, size: tuple[int, int], fps: int,
                 credits: int) -> None:
        self.send = send
        self.encoder = encoder_for(codec, size, fps)
        self.credits = credits
        self.dropped = 0  # frames that found no credit, so far (every frame header says it)

    def offer(self, shown: LiveFrame) -> None:
        """Send ``shown`` if there is room for it, else drop it."""
        if self.credits <= 0:
            self.dropped += 1
            return
        self.credits -= 1
        self.send(shown.message(self.encoder, self.dropped))
