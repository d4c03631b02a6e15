"""Live play: a world stepped frame by frame with the latest input, events applied as they come, and what
was played recorded as a canonical action track and Director edits (``LiveSession``); the wire protocol of a
live socket (``protocol``); the same loop for agents as a Gymnasium environment (``live.gym``).

``live`` uses the world contract and ``media``; it knows nothing of the graph or the server.
"""

from .protocol import Ack, End, Event, LiveInput, ProtocolError, pack_frame, parse_message, unpack_frame
from .session import LiveFrame, LiveSession, Recording

__all__ = ["Ack", "End", "Event", "LiveFrame", "LiveInput", "LiveSession", "ProtocolError", "Recording", "pack_frame",
           "parse_message", "unpack_frame"]
