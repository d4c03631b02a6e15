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
from world.edits import Edit, InsertCharacter, as_director_would
from world.store import Store

from media.realtime import FrameDecoder, FrameEncoder, JpegEncoder

from .protocol import Event, LiveInput, ProtocolError, pack_frame, unpack_frame


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

    def message(self, encoder: FrameEncoder | None = None, dropped: int = 0) -> bytes:
        """The frame as a socket message (``protocol.pack_frame``): its header, with the codec, whether it is a
        key frame and the frames dropped so far, then the picture as ``encoder`` makes it (JPEG by default)."""
        encoded = (encoder or JpegEncoder()).encode(self.pixels)
        codec = encoder.codec if encoder is not None else "jpeg"
        return pack_frame({**self.header(), "codec": codec, "key": encoded.key, "dropped": dropped}, encoded.data)

    @classmethod
    def decode(cls, message: bytes, decoder: FrameDecoder | None = None) -> LiveFrame:
        """The frame of a socket message (what a client sees: the pixels as they decode). An H.264 stream needs
        one ``decoder`` fed every frame in order; JPEG frames decode on their own."""
        header, data = unpack_frame(message)
        x, y, z, yaw, pitch = (float(v) for v in header["pose"])
        pixels = (decoder or FrameDecoder()).decode(header.get("codec", "jpeg"), data)
        return cls(int(header["frame"]), float(header["time"]), (x, y, z, yaw, pitch), int(header["input_seq"]),
                   pixels)


@dataclass
class Recording:
    """What a session played: one action per frame from frame 0, every edit applied (the walk's own and the
    live ones, with their frames), and the live ones alone (``added``: what Keep adds as Director nodes)."""

    actions: list[ActionTrack] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    added: list[Edit] = field(default_factory=list)

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
    """Plays ``rollout``'s world from ``start`` (a frame of it: the frames before are kept as they were).

    It keeps the states it shows from the start of ``start``'s segment on, so ``keep`` can hand them to the
    kept rollout: rendering the kept walk offline then steps nothing again.
    """

    def __init__(self, rollout: Rollout, store: Store, size: Size, start: int = 0) -> None:
        if not 0 <= start < max(rollout.frames, 1):
            raise ValueError(f"start frame {start} is outside the walk's {rollout.frames} frames")
        self.rollout, self.store, self.size = rollout, store, size
        self.walk = rollout.walk
        self.first = start - start % rollout.segment_frames
        self.states, self.walk_states = [rollout.state_at(self.first, store)], [self.walk.state_at(self.first, store)]
        self.frame = self.first
        self.recording = Recording([rollout.actions.slice(0, self.first + 1)],
                                   [edit for edit in rollout.edits if edit.frame <= self.first])
        self.held = LiveInput()
        self.pending: list[Edit] = []
        while self.frame < start:  # to the start as the walk went
            self._advance(rollout.actions.slice(self.frame + 1, self.frame + 2), [])

    @property
    def state(self) -> Any:
        return self.states[-1]

    @property
    def walk_state(self) -> Any:
        return self.walk_states[-1]

    @property
    def fps(self) -> int:
        return self.rollout.fps

    def hold(self, held: LiveInput) -> None:
        """The input from the next frame on."""
        self.held = held

    def trigger(self, event: Event) -> Edit:
        """An event for the next frame, as its Director node would make it (``ProtocolError`` when its fields
        are refused, or a character cannot stand where it is put)."""
        edit = as_director_would(event.at(self.frame + 1), self.fps)
        if isinstance(edit, InsertCharacter):
            try:
                self.walk.check_placement(edit, self.walk_state.player, self.store)
            except ValueError as refused:
                raise ProtocolError(f"event InsertCharacter: {refused}") from None
        self.pending.append(edit)
        return edit

    def current(self) -> LiveFrame:
        """The frame shown now."""
        return LiveFrame(self.frame, self.frame / self.fps, self.pose(), self.held.seq,
                         self.rollout.render_state(self.state, self.size, self.store))

    def tick(self) -> LiveFrame:
        """Step one frame with the held input and the pending events; the new frame."""
        added, self.pending = self.pending, []
        self._advance(action_of(self.held), added)
        self.recording.added.extend(added)
        return self.current()

    def _advance(self, action: ActionTrack, added: list[Edit]) -> None:
        """One frame on with ``action``: the walk's own edits at that frame apply first, then ``added``."""
        edits = [edit for edit in self.rollout.edits if edit.frame == self.frame + 1] + added
        self.states.append(self.rollout.step(self.state, action, edits, self.store))
        self.walk_states.append(self.states[-1] if self.walk is self.rollout
                                else self.walk.step(self.walk_state, action, edits, self.store))
        self.frame += 1
        self.recording.actions.append(action)
        self.recording.edits.extend(edits)

    def keep(self, frames: int = 0) -> Rollout:
        """The rollout of what was played (the walk's actions and edits, and the live edits after them), its
        states kept in the store as this session stepped them; at least ``frames`` long (the walker stands
        still after the end of the walk, as a track shorter than its duration does)."""
        track = self.recording.track()
        if frames > len(track):
            track = ActionTrack.concatenate([track, ActionTrack.empty(frames - len(track))])
        kept = self.rollout.with_actions(track)
        for edit in self.recording.added:
            kept = kept.with_edit(edit)  # checked when it was triggered
        states, walk_states = list(self.states), list(self.walk_states)
        last = kept.segment_range(self.frame // kept.segment_frames)[1] - 1
        for frame in range(self.frame + 1, last + 1):  # stand still to the end of the segment: it is kept whole
            edits = [edit for edit in kept.edits if edit.frame == frame]
            states.append(kept.step(states[-1], track.slice(frame, frame + 1), edits, self.store))
            walk_states.append(states[-1] if self.walk is self.rollout
                               else kept.walk.step(walk_states[-1], track.slice(frame, frame + 1), edits, self.store))
        kept.remember(self.first, states, self.store)
        if self.walk is not self.rollout:
            kept.walk.remember(self.first, walk_states, self.store)
        return kept

    def pose(self) -> tuple[float, float, float, float, float]:
        body = self.walk_state.player
        return (float(body.x), float(body.y), float(body.z + body.eye_height()), float(np.degrees(body.yaw)),
                float(np.degrees(body.pitch)))
