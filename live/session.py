"""``LiveSession``: one world played frame by frame.

Each ``tick`` turns the input held now into the next frame's canonical action, applies the events that came
since the last tick at that frame, steps the backend's state with the contract's pure ``step`` and renders it.
The walk's own state (the procedural simulation every rollout carries for sound and placement) is stepped
with the same action, so every frame has a camera pose whatever draws it. What was played is the
``Recording``: the actions from the first frame (those before the start kept as they were) and the edits with
their frames — the same inputs an offline render of the kept walk steps through, so it gives the same states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from world.actions import CROUCH, JUMP, SPRINT, ActionTrack
from world.capability import Size
from world.contract import Rollout
from world.edits import Edit
from world.store import Store

from media.image import decode_image, encode_jpeg

from .protocol import Event, LiveInput, pack_frame, unpack_frame


@dataclass(frozen=True)
class LiveFrame:
    frame: int
    time: float
    pose: tuple[float, float, float, float, float]  # x, y, z (eye), yaw, pitch in degrees
    input_seq: int
    pixels: np.ndarray  # uint8 [H,W,3]

    def header(self) -> dict[str, Any]:
        return {"frame": self.frame, "time": round(self.time, 4), "pose": [round(v, 4) for v in self.pose],
                "input_seq": self.input_seq}

    def message(self, quality: int = 80) -> bytes:
        """The frame as a socket message: its header and the picture as JPEG (``protocol.pack_frame``)."""
        return pack_frame(self.header(), encode_jpeg(self.pixels, quality))

    @classmethod
    def decode(cls, message: bytes) -> LiveFrame:
        """The frame of a socket message (what a client sees: the pixels as the JPEG decodes)."""
        header, jpeg = unpack_frame(message)
        x, y, z, yaw, pitch = (float(v) for v in header["pose"])
        return cls(int(header["frame"]), float(header["time"]), (x, y, z, yaw, pitch), int(header["input_seq"]),
                   decode_image(jpeg)[0])


@dataclass
class Recording:
    """What a session played: one action per frame from frame 0, and the edits it added, with their frames."""

    actions: list[ActionTrack] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)

    def track(self) -> ActionTrack:
        return ActionTrack.concatenate(self.actions)


def action_of(held: LiveInput) -> ActionTrack:
    """The one-frame canonical action of an input."""
    track = ActionTrack.empty(1)
    track.move[0] = held.move
    track.look[0] = held.look
    track.flags[0] = (JUMP if held.jump else 0) | (SPRINT if held.sprint else 0) | (CROUCH if held.crouch else 0)
    return track


class LiveSession:
    """Plays ``rollout``'s world from ``start`` (a frame of it: the frames before are kept as they were)."""

    def __init__(self, rollout: Rollout, store: Store, size: Size, start: int = 0) -> None:
        if not 0 <= start < max(rollout.frames, 1):
            raise ValueError(f"start frame {start} is outside the walk's {rollout.frames} frames")
        self.rollout, self.store, self.size = rollout, store, size
        self.walk = rollout.walk
        self.frame = start
        self.state = rollout.state_at(start, store)
        self.walk_state = self.state if self.walk is rollout else self.walk.state_at(start, store)
        self.recording = Recording([rollout.actions.slice(0, start + 1)],
                                   [edit for edit in rollout.edits if edit.frame <= start])
        self.held = LiveInput()
        self.pending: list[Event] = []

    @property
    def fps(self) -> int:
        return self.rollout.fps

    def hold(self, held: LiveInput) -> None:
        """The input from the next frame on."""
        self.held = held

    def trigger(self, event: Event) -> Edit:
        """An event for the next frame (``ProtocolError`` when its fields are refused)."""
        edit = event.at(self.frame + 1)
        self.pending.append(event)
        return edit

    def current(self) -> LiveFrame:
        """The frame shown now."""
        return LiveFrame(self.frame, self.frame / self.fps, self.pose(), self.held.seq,
                         self.rollout.render_state(self.state, self.size, self.store))

    def tick(self) -> LiveFrame:
        """Step one frame with the held input and the pending events; the new frame."""
        action = action_of(self.held)
        edits = [event.at(self.frame + 1) for event in self.pending]
        self.pending.clear()
        self.state = self.rollout.step(self.state, action, edits, self.store)
        self.walk_state = (self.state if self.walk is self.rollout
                           else self.walk.step(self.walk_state, action, edits, self.store))
        self.frame += 1
        self.recording.actions.append(action)
        self.recording.edits.extend(edits)
        return self.current()

    def pose(self) -> tuple[float, float, float, float, float]:
        body = self.walk_state.player
        return (float(body.x), float(body.y), float(body.z + body.eye_height()), float(np.degrees(body.yaw)),
                float(np.degrees(body.pitch)))
