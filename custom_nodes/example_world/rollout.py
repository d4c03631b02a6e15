"""The photo world's LATENT (a ``world.contract.Rollout``): the walk's actions and edits, as camera
poses in one photo, in segments whose hashes chain.

The root hash names the photo (its picture, depth, camera and walking room), the frame rate, the
segment length and the walk's start; segment k's hash chains segment k-1's with the actions of its
frames and the edits that fall in it. Each segment's states (a few numbers per frame, the last one
its end state) are cached under its hash, so an edit at time t recomputes states from t's segment
on, resuming from the nearest cached end; frames are cached under the hash and the size. The walk
itself is a procedural ``Timeline`` over the same actions and edits on open ground: it is what
GenerateAudio hears.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
import numpy as np

from world.actions import ActionTrack
from world.capability import BackendInfo, Size, UnsupportedEdit
from world.contract import WalkShape
from world.edits import ChangeShot, Edit, InsertCharacter, PlotEvent
from world.store import Store
from world.timeline import Timeline

from . import walker
from .photo import EDITS, PhotoWorld, info
from .view import render_view
from .walker import PhotoState, Start

ENGINE_VERSION = "photo-1"
_CAN = "it follows pace, lighting and time of day events"


@dataclass(frozen=True)
class PhotoRollout(WalkShape):
    world: PhotoWorld
    walk: Timeline

    # ---- the rollout's shape ---------------------------------------------------------------------
    @property
    def info(self) -> BackendInfo:
        return info(self.world)

    @property
    def native_size(self) -> Size:
        return self.world.size

    def with_edit(self, edit: Edit, store: Store | None = None) -> PhotoRollout:
        check_edit(edit)
        return replace(self, walk=self.walk.with_edit(edit, store))

    def with_actions(self, actions: ActionTrack) -> PhotoRollout:
        return replace(self, walk=self.walk.with_actions(actions))

    def segment_hashes(self) -> tuple[str, ...]:
        head = {"engine": ENGINE_VERSION, "world": self.world.digest, "fps": self.fps,
                "segment": self.segment_frames, "start": [round(v, 6) for v in self.walk.start],
                "time_scale": self.walk.time_scale, "hour": self.walk.spec.time_of_day}
        previous = hashlib.sha256(json.dumps(head, sort_keys=True).encode()).hexdigest()
        hashes = []
        for k in range(self.segment_count):
            start, stop = self.segment_range(k)
            h = hashlib.sha256(f"{previous}/{self.actions.digest(start, stop)}".encode())
            for edit in self.edits:
                if start <= edit.frame < stop:
                    h.update(edit.to_json().encode())
            previous = h.hexdigest()
            hashes.append(previous)
        return tuple(hashes)

    # ---- states ----------------------------------------------------------------------------------
    @property
    def start(self) -> Start:
        x, y, yaw = self.walk.start
        return Start(x, y, yaw, self.walk.spec.time_of_day, self.walk.time_scale, self.fps, self.world.radius)

    def segment_states(self, k: int, store: Store) -> list[PhotoState]:
        """The states of segment ``k``'s frames (from the nearest cached segment end before it)."""
        keys = [f"photo/segment/{h}" for h in self.segment_hashes()[:k + 1]]
        cached = store.get(keys[k])
        if cached is not None:
            return [PhotoState.from_arrays(_row(cached, i)) for i in range(len(cached["pose"]))]
        resume = next((j for j in range(k - 1, -1, -1) if store.contains(keys[j])), None)
        state = PhotoState() if resume is None else self.segment_end(resume, store)
        states: list[PhotoState] = []
        for j in range(0 if resume is None else resume + 1, k + 1):
            start, stop = self.segment_range(j)
            edits = self.walk.edits_between(start, stop)
            states = walker.step(self.start, state, self.actions.slice(start, stop), edits)
            store.put(keys[j], {name: np.stack([s.to_arrays()[name] for s in states]) for name in _FIELDS})
            state = states[-1]
        return states

    def state_at(self, frame: int, store: Store) -> PhotoState:
        if not 0 <= frame < self.frames:
            raise ValueError(f"frame {frame} is outside the rollout's {self.frames} frames")
        k = frame // self.segment_frames
        return self.segment_states(k, store)[frame - k * self.segment_frames]

    def segment_end(self, k: int, store: Store) -> PhotoState:
        return self.segment_states(k, store)[-1]

    def step(self, state: PhotoState, actions: ActionTrack, edits: Sequence[Edit], store: Store) -> PhotoState:
        """One frame per action after ``state``; ``edits`` (pace, lighting, time of day) on the first."""
        for edit in edits:
            check_edit(edit)
        if not len(actions):
            return state
        return walker.step(self.start, state, actions, {state.frame + 1: list(edits)})[-1]

    def save_state(self, state: PhotoState) -> dict[str, np.ndarray]:
        return state.to_arrays()

    def load_state(self, arrays: dict[str, np.ndarray]) -> PhotoState:
        return PhotoState.from_arrays(arrays)

    # ---- rendering -------------------------------------------------------------------------------
    def render_state(self, state: PhotoState, size: Size, store: Store) -> np.ndarray:
        gains = walker.gains(self.start, state)
        return render_view(self.world.image, self.world.depth, self.world.fov, state.eye, size,
                           None if np.allclose(gains, 1.0) else gains)

    def render_segment(self, k: int, size: Size, store: Store, cache: bool = True) -> np.ndarray:
        key = f"photo/frames/{self.segment_hashes()[k]}/{size[0]}x{size[1]}"
        frames = store.get(key) if cache else None
        if frames is not None:
            return frames
        frames = np.stack([self.render_state(state, size, store) for state in self.segment_states(k, store)])
        frames.flags.writeable = False
        if cache:
            store.put(key, frames, tier="memory")  # large, and cheap to render again
        return frames

    def render_frame(self, frame: int, size: Size, store: Store) -> np.ndarray:
        return self.render_state(self.state_at(frame, store), size, store)


_FIELDS = tuple(PhotoState().to_arrays())


def _row(record: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    return {name: record[name][i] for name in _FIELDS}


def check_edit(edit: Edit) -> None:
    """Raise ``UnsupportedEdit`` (naming the input to change) for edits a photo cannot follow."""
    if isinstance(edit, InsertCharacter):
        raise UnsupportedEdit("archetype", f"the photo backend cannot insert characters: it can only move the "
                                           f"camera in one picture ({_CAN})")
    if isinstance(edit, ChangeShot):
        raise UnsupportedEdit("shot", f"the photo backend cannot change shots: it shows the walker's own view "
                                      f"({_CAN})")
    if isinstance(edit, PlotEvent) and edit.kind not in EDITS:
        raise UnsupportedEdit("event", f"input 'event' = {edit.kind!r}: the photo backend cannot change "
                                       f"{edit.kind.replace('_', ' ')} in a photo ({_CAN})")
