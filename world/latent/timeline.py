"""The LATENT of a learned world: the walk (canonical actions and edits) and its predicted latents.

Like the procedural timeline, it is cut into segments whose hashes chain (here: the checkpoint, the
start and the walk's own segment hashes), and each segment's latents and end state are cached under
its hash, so an edit at time t re-runs the model only from t's segment on. The walk itself is a
procedural ``Timeline`` over the same actions: it plans wander modes and makes the sound.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..edits import LIGHTING_LOOKS, ChangeShot, Edit, InsertCharacter, PlotEvent
from ..simulation import Ramp
from ..spec import WorldSpec
from ..store import Store
from ..timeline import Timeline
from .backend import FEATURES, LatentState, LearnedBackend, LearnedWorld, UnsupportedEdit, load_model
from .data import action_features

ENGINE_VERSION = "learned-1"


@dataclass(frozen=True)
class LatentTimeline:
    world: LearnedWorld
    walk: Timeline

    # ---- what nodes read, as on a procedural timeline ----------------------------------------------
    @property
    def spec(self) -> WorldSpec:
        return self.walk.spec

    @property
    def fps(self) -> int:
        return self.walk.fps

    @property
    def frames(self) -> int:
        return self.walk.frames

    @property
    def segment_frames(self) -> int:
        return self.walk.segment_frames

    @property
    def duration(self) -> float:
        return self.walk.duration

    @property
    def segment_count(self) -> int:
        return self.walk.segment_count

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.walk.edits

    @property
    def native_size(self) -> tuple[int, int]:
        return (self.world.size, self.world.size)

    def segment_range(self, k: int) -> tuple[int, int]:
        return self.walk.segment_range(k)

    def with_edit(self, edit: Edit) -> LatentTimeline:
        """A new timeline with ``edit``; edits the model cannot follow raise ``UnsupportedEdit``."""
        check_edit(self.world.name, edit)
        return replace(self, walk=self.walk.with_edit(edit))

    def segment_hashes(self) -> tuple[str, ...]:
        head = f"{ENGINE_VERSION}/{self.world.digest}/{self.world.image_digest}"
        return tuple(hashlib.sha256(f"{head}/{h}".encode()).hexdigest() for h in self.walk.segment_hashes())

    # ---- the model -------------------------------------------------------------------------------
    def backend(self, store: Store) -> LearnedBackend:
        return LearnedBackend(load_model(self.world, store), self.world.name, store)

    def segment_latents(self, k: int, store: Store) -> np.ndarray:
        """Latents [n,C,h,w] of segment ``k`` (rolling out only what is not cached)."""
        return np.asarray(self._segment(k, store)["latents"])

    def _segment(self, k: int, store: Store) -> dict[str, np.ndarray]:
        keys = [f"world/latent/segment/{h}" for h in self.segment_hashes()[:k + 1]]
        record = store.get(keys[k])
        if record is not None:
            return record
        first_missing = next((j + 1 for j in range(k - 1, -1, -1) if store.contains(keys[j])), 0)
        backend = self.backend(store)
        state = self._start(backend, store) if first_missing == 0 else \
            backend.load(self._segment(first_missing - 1, store))
        record = None
        pace = ramp_values(self.edits, "pace", (1.0,), lambda e: (e.amount,), self.frames)[:, 0]
        for j in range(first_missing, k + 1):
            start, stop = self.segment_range(j)
            first = max(start, 1)  # frame 0 is the start itself
            features = action_features(self.walk.actions.slice(first, stop), pace[first:stop])
            latents, end = backend.advance(state, features)
            if start == 0:
                latents = np.concatenate([state.latent[None], latents])
            state = end
            record = {"latents": latents, **backend.save(state)}
            store.put(keys[j], record)
        assert record is not None  # the loop ran at least for segment k
        return record

    def _start(self, backend: LearnedBackend, store: Store) -> LatentState:
        if self.world.image is not None:
            return backend.start(self.world.image)
        return backend.start(self.walk.render_frame(0, backend.info.native_size, store))

    # ---- rendering -------------------------------------------------------------------------------
    def render_segment(self, k: int, size: tuple[int, int], store: Store, cache: bool = True) -> np.ndarray:
        """Decoded frames of segment ``k`` as uint8 ``[n,H,W,3]`` (cached in memory when ``cache``)."""
        key = f"world/latent/frames/{self.segment_hashes()[k]}/{size[0]}x{size[1]}"
        frames = store.get(key) if cache else None
        if frames is not None:
            return frames
        frames = self.backend(store).decode(self.segment_latents(k, store), size)
        start, stop = self.segment_range(k)
        looks = ramp_values(self.edits, "lighting", (1.0, 1.0, 1.0, 1.0),
                            lambda e: (LIGHTING_LOOKS[e.value][0], *LIGHTING_LOOKS[e.value][1]), stop)[start:]
        frames = grade(frames, looks)
        frames.flags.writeable = False
        if cache:
            store.put(key, frames, tier="memory")
        return frames

    def render_frame(self, frame: int, size: tuple[int, int], store: Store) -> np.ndarray:
        k = frame // self.segment_frames
        return self.render_segment(k, size, store)[frame - k * self.segment_frames]


def rollout(world: LearnedWorld, walk: Timeline) -> LatentTimeline:
    """The learned timeline of ``walk``; refuses what the model cannot follow, naming the input."""
    if walk.fps != world.fps:
        raise UnsupportedEdit("fps", f"input 'fps' = {walk.fps}: the learned backend '{world.name}' makes "
                                     f"{world.fps} frames per second (one model step per frame); "
                                     f"set fps to {world.fps}")
    posed = np.nonzero(~np.isnan(walk.actions.pose[:, 0]))[0]
    if posed.shape[0]:
        raise UnsupportedEdit("track", f"input 'track': frame {posed[0]} sets 'pose', which the learned backend "
                                       f"'{world.name}' cannot follow (it follows move, look, jump, sprint, crouch)")
    return LatentTimeline(world, walk)


def check_edit(backend: str, edit: Edit) -> None:
    """Raise ``UnsupportedEdit`` (naming the input to change) for edits a learned world cannot follow."""
    can = f"it follows {', '.join(sorted(FEATURES))} plot events"
    if isinstance(edit, InsertCharacter):
        raise UnsupportedEdit("archetype", f"the learned backend '{backend}' cannot insert characters ({can})")
    if isinstance(edit, ChangeShot):
        raise UnsupportedEdit("shot", f"the learned backend '{backend}' cannot change shots: it predicts first-person "
                                      f"frames only ({can})")
    if isinstance(edit, PlotEvent) and edit.kind not in FEATURES:
        raise UnsupportedEdit("event", f"input 'event' = {edit.kind!r}: the learned backend '{backend}' cannot "
                                       f"change {edit.kind.replace('_', ' ')} ({can})")


def ramp_values(edits: tuple[Edit, ...], kind: str, initial: tuple[float, ...],
                target: Callable[[PlotEvent], tuple[float, ...]], frames: int) -> np.ndarray:
    """Per-frame values [frames, len(initial)] of a quantity that ``kind`` plot events ease, as the
    simulator eases them (an event at frame f applies from f on)."""
    events = [e for e in edits if isinstance(e, PlotEvent) and e.kind == kind]
    ramp = Ramp.hold(*initial)
    out = np.empty((frames, len(initial)), np.float32)
    i = 0
    for frame in range(frames):
        while i < len(events) and events[i].frame <= frame:
            ramp = ramp.towards(events[i].frame, target(events[i]), events[i].transition_frames)
            i += 1
        out[frame] = ramp.at(frame)
    return out


def grade(frames: np.ndarray, looks: np.ndarray) -> np.ndarray:
    """Frames [n,H,W,3] times exposure and tint per frame (``looks`` [n,4]); neutral frames are kept."""
    if np.all(looks == 1.0):
        return frames
    gain = looks[:, :1] * looks[:, 1:]                       # [n,3]
    return np.clip(frames * gain[:, None, None, :] + 0.5, 0, 255).astype(np.uint8)
