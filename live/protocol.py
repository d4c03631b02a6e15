"""The live socket's messages.

Client to server, JSON text, each with a ``seq`` the client counts up:

- ``{"type": "input", "seq": 7, "move": [forward, right, up], "look": [yaw_deg, pitch_deg], "jump": false,
  "sprint": false, "crouch": false}``: the input held from now on (``move`` in [-1, 1]; ``look`` degrees per
  frame, at most 45);
- ``{"type": "event", "seq": 8, "event": {"type": "PlotEvent", "kind": "weather", "value": "rain"}}``: a
  Director edit at the current frame (``InsertCharacter``, ``ChangeShot`` or ``PlotEvent`` with their fields,
  without ``frame``);
- ``{"type": "end", "seq": 9, "keep": true}``: end the session;
- ``{"type": "ack", "seq": 10, "frame": 41}``: the client drew frame 41 (with a ``window`` in the start
  message, the server keeps at most that many frames unacknowledged and drops the rest).

Server to client, binary, two kinds in one framing: a 4-byte big-endian header length, the header as JSON
text, then the payload.

- A frame: header ``frame``, ``time``, ``pose`` [x, y, z, yaw_deg, pitch_deg], ``input_seq`` (the last
  input the frame reflects), and no ``type``; the payload is the frame as JPEG.
- Sound: header ``{"type": "audio", "frame": the span's first frame, "time": seconds of its first sample,
  "rate": samples per second, "channels": 1 or 2, "samples": per channel}``; the payload is int16
  little-endian PCM, channels interleaved. Spans follow each other without gaps or overlaps.

A client tells them apart by the header's ``type``. A refused message is answered ``{"type": "error",
"seq": ..., "message": ...}`` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

from world.actions import MAX_LOOK_DEG
from world.edits import ChangeShot, Edit, EditError, InsertCharacter, PlotEvent

EVENT_TYPES: dict[str, type[Edit]] = {cls.__name__: cls for cls in (InsertCharacter, ChangeShot, PlotEvent)}
MAX_MESSAGE = 64 * 1024
_HEADER = struct.Struct(">I")


class ProtocolError(ValueError):
    """A client message we cannot take; the text says which field and why."""


@dataclass(frozen=True)
class LiveInput:
    """The input a client holds: the canonical action of every frame until the next one."""

    seq: int = 0
    move: tuple[float, float, float] = (0.0, 0.0, 0.0)
    look: tuple[float, float] = (0.0, 0.0)
    jump: bool = False
    sprint: bool = False
    crouch: bool = False


@dataclass(frozen=True)
class Event:
    """A Director edit to apply at the current frame: its class and its fields (no ``frame``)."""

    seq: int
    kind: type[Edit]
    fields: dict[str, Any] = field(default_factory=dict)

    def at(self, frame: int) -> Edit:
        """The edit at ``frame``; ``ProtocolError`` naming the field when the edit refuses a value."""
        try:
            return self.kind(frame=frame, **self.fields)
        except EditError as refused:
            raise ProtocolError(f"event {self.kind.__name__}: {refused}") from None


@dataclass(frozen=True)
class End:
    seq: int
    keep: bool


@dataclass(frozen=True)
class Ack:
    """The client drew the frames up to ``frame`` (with a window: the server sends more only then)."""

    seq: int
    frame: int


Message = LiveInput | Event | End | Ack


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f"'{name}' must be a number, not {json.dumps(value)[:40]}")
    if not low <= value <= high:
        raise ProtocolError(f"'{name}' = {value} must be within [{low:g}, {high:g}]")
    return float(value)


def _vector(data: dict[str, Any], name: str, length: int, bound: float) -> tuple[float, ...]:
    value = data.get(name, [0.0] * length)
    if not isinstance(value, list) or len(value) != length:
        raise ProtocolError(f"'{name}' must be a list of {length} numbers")
    return tuple(_number(v, f"{name}[{i}]", -bound, bound) for i, v in enumerate(value))


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ProtocolError(f"'{name}' must be true or false")
    return value


def _event(data: Any, seq: int) -> Event:
    if not isinstance(data, dict) or data.get("type") not in EVENT_TYPES:
        raise ProtocolError(f"'event' must be an object whose 'type' is one of {', '.join(EVENT_TYPES)}")
    kind = EVENT_TYPES[data["type"]]
    known = {name for name in kind.__dataclass_fields__ if name != "frame"}
    fields = {k: v for k, v in data.items() if k != "type"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ProtocolError(f"event {kind.__name__} has no field {unknown[0]!r}; its fields: "
                            f"{', '.join(sorted(known))}")
    event = Event(seq, kind, {name: _typed(kind, name, value) for name, value in fields.items()})
    try:
        event.at(0)  # the edit checks its own fields
    except TypeError as refused:
        raise ProtocolError(f"event {kind.__name__}: {refused}") from None
    return event


def _typed(kind: type[Edit], name: str, value: Any) -> Any:
    """An event field as its edit declares it (a whole number given for a float is that float, so the edit
    is the one its Director node makes, hashed the same)."""
    declared = {f.name: f.type for f in dataclasses.fields(kind)}[name]
    if declared == "float":
        return _number(value, name, -1e9, 1e9)
    if declared == "int":
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or abs(value) > 2**31:
            raise ProtocolError(f"event {kind.__name__}: '{name}' must be a whole number, not {json.dumps(value)[:40]}")
        return int(value)
    if not isinstance(value, str) or len(value) > 200:
        raise ProtocolError(f"event {kind.__name__}: '{name}' must be text of at most 200 characters")
    return value


def _no_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not JSON (numbers are finite)")


def parse_message(text: str | bytes) -> Message:
    """One client message; ``ProtocolError`` for anything else."""
    if len(text) > MAX_MESSAGE:
        raise ProtocolError(f"a message is at most {MAX_MESSAGE} bytes")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as refused:
        raise ProtocolError(f"not a JSON message: {refused}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a message is a JSON object with a 'type'")
    seq = data.get("seq", 0)
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**53:
        raise ProtocolError("'seq' must be a whole number >= 0")
    kind = data.get("type")
    if kind == "input":
        move = _vector(data, "move", 3, 1.0)
        look = _vector(data, "look", 2, MAX_LOOK_DEG)
        return LiveInput(seq, (move[0], move[1], move[2]), (look[0], look[1]), _flag(data, "jump"),
                         _flag(data, "sprint"), _flag(data, "crouch"))
    if kind == "event":
        return _event(data.get("event"), seq)
    if kind == "end":
        return End(seq, _flag(data, "keep"))
    if kind == "ack":
        frame = data.get("frame")
        if isinstance(frame, bool) or not isinstance(frame, int) or not 0 <= frame < 2**53:
            raise ProtocolError("'frame' must be the whole number of a frame the client drew")
        return Ack(seq, frame)
    raise ProtocolError(f"unknown message type {json.dumps(kind)[:40]}; one of: input, event, end, ack")


def _pack(header: dict[str, Any], payload: bytes) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    return _HEADER.pack(len(text)) + text + payload


def pack_frame(header: dict[str, Any], jpeg: bytes) -> bytes:
    """A frame message: header length, header JSON (no ``type``), JPEG."""
    return _pack(header, jpeg)


def pack_audio(header: dict[str, Any], pcm: bytes) -> bytes:
    """A sound message: header length, header JSON (``"type": "audio"``), int16 little-endian PCM."""
    if header.get("type") != "audio":
        raise ValueError("an audio message's header has \"type\": \"audio\"")
    if len(pcm) != 2 * header["channels"] * header["samples"]:
        raise ValueError(f"{len(pcm)} bytes of PCM are not {header['samples']} samples of {header['channels']} "
                         "int16 channels")
    return _pack(header, pcm)


def unpack(message: bytes) -> tuple[dict[str, Any], bytes]:
    """``(header, payload)`` of a server message, frame or sound (``header.get("type") == "audio"``)."""
    (length,) = _HEADER.unpack_from(message)
    header = json.loads(message[_HEADER.size:_HEADER.size + length])
    return header, message[_HEADER.size + length:]


unpack_frame = unpack  # the name frame-only clients know
