"""Live play: a world stepped frame by frame with the latest input, events applied as they come, and what
was played recorded as a canonical action track and Director edits (``LiveSession``); the sound of what is
played, as it is played (``LiveSound``); the wire protocol of a live socket (``protocol``); a client of a
server's live socket (``live.client``); the same loop for agents as a Gymnasium environment, in process or over
a server's socket (``live.gym``).

``live`` uses the world contract and ``media``; it imports nothing of the graph or the server (the client speaks
to a server only over its socket).
"""

from .protocol import (Ack, End, Event, LiveInput, ProtocolError, pack_audio, pack_frame, parse_message, unpack,
                       unpack_frame)
from .session import LiveFrame, LiveSession, Recording
from .sound import LiveAudio, LiveSound

__all__ = ["Ack", "End", "Event", "LiveAudio", "LiveFrame", "LiveInput", "LiveSession", "LiveSound", "ProtocolError",
           "Recording", "pack_audio", "pack_frame", "parse_message", "unpack", "unpack_frame"]
