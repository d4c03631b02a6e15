"""The LATENT of a learned world (a ``world.contract.Rollout``): the walk (canonical actions and
edits) and its predicted latents.

Like the procedural timeline, it is cut into segments whose hashes chain (here: the checkpoint, the
start and the walk's own segment hashes), and each segment's latents and end state are cached under
its hash, so an edit at time t re-runs the model only from t's segment on. The walk itself is a
procedural ``Timeline`` over the same actions: it plans wander modes and makes the sound.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..actions import ActionTrack
from ..capability import BackendInfo, UnsupportedEdit
from ..contract import WalkShape
from ..edits import LIGHTING_LOOKS, ChangeShot, Edit, InsertCharacter, PlotEvent
from ..simulation import Ramp
from ..spec import WorldSpec
from ..store import Store
from ..timeline import Timeline
from .data import action_features
from .runner import ACTIONS, FEATURES, LatentState, LearnedModel, LearnedWorld, load_model

ENGINE_VERSION = "learned-1"


@dataclass(frozen=True)
class LatentTimeline(WalkShape):
    world: LearnedWorld
    walk: Timeline

    # ---- the rollout's shape -----------------------------------------------------------------------
    @property
    def info(self) -> BackendInfo:
        return info(self.world)

    @property
    def spec(self) -> WorldSpec:
        return self.walk.spec

    @property
    def native_size(self) -> tuple[int, int]:
        return (self.world.size, self.world.size)

    def with_edit(self, edit: Edit, store: Store | None = None) -> LatentTimeline:
        """A new timeline with ``edit``; edits the model cannot follow raise ``UnsupportedEdit``."""
        check_edit(self.world.name, edit)
        return replace(self, walk=self.walk.with_edit(edit, store))

    def with_actions(self, actions: ActionTrack) -> LatentTimeline:
        return rollout(self.world, self.walk.with_actions(actions))

    def segment_hashes(self) -> tuple[str, ...]:
        head = f"{ENGINE_VERSION}/{self.world.digest}/{self.world.image_digest}"
        return tuple(hashlib.sha256(f"{head}/{h}".encode()).hexdigest() for h in self.walk.segment_hashes())

    # ---- the model -------------------------------------------------------------------------------
    def model(self, store: Store) -> LearnedModel:
        return LearnedModel(load_model(self.world, store))

    def segment_latents(self, k: int, store: Store) -> np.ndarray:
        """Latents [n,C,h,w] of segment ``k`` (rolling out only what is not cached)."""
        return np.asarray(self._segment(k, store)["latents"])

    def _segment(self, k: int, store: Store) -> dict[str, np.ndarray]:
        keys = [f"world/learned/segment/{h}" for h in self.segment_hashes()[:k + 1]]
        record = store.get(keys[k])
        if record is not None:
            return record
        first_missing = next((j + 1 for j in range(k - 1, -1, -1) if store.contains(keys[j])), 0)
        model = self.model(store)
        state = self._start(model, store) if first_missing == 0 else \
            LatentState.from_arrays(self._segment(first_missing - 1, store))
        record = None
        for j in range(first_missing, k + 1):
            start, stop = self.segment_range(j)
            first = max(start, 1)  # frame 0 is the start itself
            latents, end = model.advance(state, self._features(first, stop))
            if start == 0:
                latents = np.concatenate([state.latent[None], latents])
            state = end
            record = {"latents": latents, **state.to_arrays()}
            store.put(keys[j], record)
        assert record is not None  # the loop ran at least for segment k
        return record

    def _features(self, start: int, stop: int) -> np.ndarray:
        """The model's action features [n,8] of frames ``start`` to ``stop``, paced as the edits say."""
        pace = ramp_values(self.edits, "pace", (1.0,), lambda e: (e.amount,), stop)[start:stop, 0]
        return action_features(self.walk.actions.slice(start, stop), pace)

    def _start(self, model: LearnedModel, store: Store) -> LatentState:
        if self.world.image is not None:
            return model.start(self.world.image)
        return model.start(self.walk.render_frame(0, model.native_size, store))

    # ---- states ------------------------------------------------------------------------------------
    def segment_end(self, k: int, store: Store) -> LatentState:
        return LatentState.from_arrays(self._segment(k, store))

    def state_at(self, frame: int, store: Store) -> LatentState:
        """The state showing ``frame`` (rolling on from the end of the segment before it)."""
        k = frame // self.segment_frames
        start, stop = self.segment_range(k)
        if frame == stop - 1:
            return self.segment_end(k, store)
        state = self.segment_end(k - 1, store) if k > 0 else self._start(self.model(store), store)
        first = max(start, 1)
        return self.model(store).advance(state, self._features(first, frame + 1))[1]

    def step(self, state: LatentState, actions: ActionTrack, edits: Sequence[Edit], store: Store) -> LatentState:
        """One frame per action (at the walk's own pace). Edits reach a learned world through its
        timeline (``with_edit``), never here."""
        if edits:
            raise UnsupportedEdit("events", f"the learned backend '{self.world.name}' takes no events in step: "
                                            f"apply edits to its timeline")
        if not np.isnan(actions.pose).all():
            raise UnsupportedEdit("pose", f"the learned backend '{self.world.name}' follows move, look, jump, sprint "
                                          f"and crouch, not poses")
        return self.model(store).advance(state, action_features(actions))[1]

    def render_state(self, state: LatentState, size: tuple[int, int], store: Store) -> np.ndarray:
        """The decoded frame of ``state``, graded as the timeline's lighting edits grade its frame."""
        frame = self.model(store).decode(state.latent[None], size)
        shown = min(state.frame, self.frames - 1)
        return grade(frame, self._looks(shown, shown + 1))[0]

    def save_state(self, state: LatentState) -> dict[str, np.ndarray]:
        return state.to_arrays()

    def load_state(self, arrays: dict[str, np.ndarray]) -> LatentState:
        return LatentState.from_arrays(arrays)

    def _looks(self, start: int, stop: int) -> np.ndarray:
        """Exposure and tint [n,4] of frames ``start`` to ``stop`` from the lighting edits."""
        return ramp_values(self.edits, "lighting", (1.0, 1.0, 1.0, 1.0),
                           lambda e: (LIGHTING_LOOKS[e.value][0], *LIGHTING_LOOKS[e.value][1]), stop)[start:]

    # ---- rendering -------------------------------------------------------------------------------
    def render_segment(self, k: int, size: tuple[int, int], store: Store, cache: bool = True) -> np.ndarray:
        """Decoded frames of segment ``k`` as uint8 ``[n,H,W,3]`` (cached in memory when ``cache``)."""
        key = f"world/learned/frames/{self.segment_hashes()[k]}/{size[0]}x{size[1]}"
        frames = store.get(key) if cache else None
        if frames is not None:
            return frames
        frames = self.model(store).decode(self.segment_latents(k, store), size)
        frames = grade(frames, self._looks(*self.segment_range(k)))
        frames.flags.writeable = False
        if cache:
            store.put(key, frames, tier="memory")
        return frames

    def render_frame(self, frame: int, size: tuple[int, int], store: Store) -> np.ndarray:
        k = frame // self.segment_frames
        return self.render_segment(k, size, store)[frame - k * self.segment_frames]


def info(world: LearnedWorld) -> BackendInfo:
    """What a learned world can do: its checkpoint's size and frame rate, the actions and edits it follows."""
    weights = Path(world.path).stat().st_size  # float32 weights; the working set at batch 1 is about as large
    return BackendInfo(name="learned", native_size=(world.size, world.size), fps=world.fps, actions=frozenset(ACTIONS),
                       edits=FEATURES, gpu=False, memory_mb=math.ceil(2 * weights / 2**20),
                       description=f"{world.name}: {world.size}x{world.size} at {world.fps} fps")


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
