"""The timeline (the LATENT of a procedural world, a ``world.contract.Rollout``): actions and edits
over time, in segments.

Segment k's hash chains segment k-1's hash with the actions and edits that touch segment k, so an
edit at time t changes the hashes of the segments from t on only. Simulated segments (their views
and end state) and rendered segments are cached by those hashes, so an edit costs the suffix.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from .actions import ActionTrack
from .capability import ACTION_FIELDS, EDIT_FEATURES, BackendInfo
from .characters import CharacterSpec, PlacementError, check_standing, resolve_position
from .edits import Edit, InsertCharacter
from .physics import Body
from .simulation import (Clock, FrameView, SimState, added_objects, advance, initial_state, state_from_json,
                         state_to_json, view)
from .spec import WorldSpec
from .stages import stage
from .store import Store
from .world import World, load_world

ENGINE_VERSION = "procedural-1"
_STATES = "world/segment-states"  # a segment's states as JSON (``Timeline.remember``)
BACKEND = "procedural"
INFO = BackendInfo(
    name=BACKEND, native_size=(854, 480), fps=None, actions=frozenset(ACTION_FIELDS), edits=frozenset(EDIT_FEATURES),
    description="the procedural simulator: terrain, vegetation, water, weather and characters; real-time on a CPU")


@dataclass(frozen=True)
class SegmentRecord:
    views: tuple[FrameView, ...]
    states: tuple[SimState, ...]

    @property
    def end(self) -> SimState:
        return self.states[-1]


@dataclass(frozen=True)
class Timeline:
    spec: WorldSpec
    fps: int
    frames: int
    segment_frames: int
    start: tuple[float, float, float]     # x, y, yaw (radians)
    time_scale: float
    actions: ActionTrack
    edits: tuple[Edit, ...] = ()
    backend: str = BACKEND
    seed: int = 0
    _hash_cache: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def info(self) -> BackendInfo:
        return INFO

    @property
    def native_size(self) -> tuple[int, int]:
        return INFO.native_size

    @property
    def walk(self) -> Timeline:
        return self

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    @property
    def segment_count(self) -> int:
        return -(-self.frames // self.segment_frames)

    def segment_range(self, k: int) -> tuple[int, int]:
        start = k * self.segment_frames
        return start, min(start + self.segment_frames, self.frames)

    def with_edit(self, edit: Edit, store: Store | None = None) -> Timeline:
        """A new timeline with ``edit`` added (edits at the same frame apply in the order added). With a
        ``store``, a character is first checked to stand where it is put (on dry, free ground)."""
        if not 0 <= edit.frame < self.frames:
            raise ValueError(f"edit at frame {edit.frame} is outside the timeline's {self.frames} frames")
        if store is not None and isinstance(edit, InsertCharacter):
            self._check_standing(edit, store)
        edits = list(self.edits)
        position = bisect.bisect_right([e.frame for e in edits], edit.frame)
        edits.insert(position, edit)
        return replace(self, edits=tuple(edits), _hash_cache={})

    def with_actions(self, actions: ActionTrack) -> Timeline:
        frames = len(actions)
        return replace(self, actions=actions, frames=frames, edits=tuple(e for e in self.edits if e.frame < frames),
                       _hash_cache={})

    def _check_standing(self, edit: InsertCharacter, store: Store) -> None:
        self.check_placement(edit, self.state_at(edit.frame, store).player, store)

    def check_placement(self, edit: InsertCharacter, player: Body, store: Store) -> None:
        """ValueError naming the input when ``edit``'s character, placed from ``player``, cannot stand there."""
        world = self.world(store)
        x, y = resolve_position(world, player, edit.placement, edit.a, edit.b)
        try:
            check_standing(world, CharacterSpec(edit.name, edit.archetype, edit.behaviour, x, y, 0.0))
        except PlacementError as error:
            field = "ahead" if edit.placement == "relative" else "ahead/right (x/y)"
            raise ValueError(f"input '{field}': {error.detail}") from None

    @cached_property
    def clock(self) -> Clock:
        return Clock(self.spec.time_of_day, self.time_scale, float(self.fps))

    def root_hash(self) -> str:
        head = {"engine": ENGINE_VERSION, "backend": self.backend, "spec": self.spec.to_dict(), "fps": self.fps,
                "segment": self.segment_frames, "start": [round(v, 6) for v in self.start],
                "time_scale": self.time_scale, "seed": self.seed}
        return hashlib.sha256(json.dumps(head, sort_keys=True).encode()).hexdigest()

    def segment_hashes(self) -> tuple[str, ...]:
        cached = self._hash_cache.get("hashes")
        if cached is not None:
            return cached
        hashes, previous = [], self.root_hash()
        for k in range(self.segment_count):
            start, stop = self.segment_range(k)
            touching = [e.to_json() for e in self.edits if start <= e.frame < stop]
            h = hashlib.sha256()
            for part in (previous, self.actions.digest(start, stop), *touching):
                h.update(part.encode())
            previous = h.hexdigest()
            hashes.append(previous)
        self._hash_cache["hashes"] = tuple(hashes)
        return self._hash_cache["hashes"]

    def edits_between(self, start: int, stop: int) -> dict[int, list[Edit]]:
        by_frame: dict[int, list[Edit]] = {}
        for edit in self.edits:
            if start <= edit.frame < stop:
                by_frame.setdefault(edit.frame, []).append(edit)
        return by_frame

    # ---- simulation ------------------------------------------------------------------------
    def world(self, store: Store) -> World:
        return load_world(self.spec, store)

    def initial(self, world: World) -> SimState:
        return initial_state(world, self.start[0], self.start[1], self.start[2], self.seed)

    def segment(self, k: int, store: Store) -> SegmentRecord:
        """Simulate segment ``k`` (from the cached end of the nearest earlier segment)."""
        hashes = self.segment_hashes()
        record = self._cached_segment(k, store)
        if record is not None:
            return record
        first_missing = k
        while first_missing > 0 and not (store.contains(f"world/segment/{hashes[first_missing - 1]}")
                                         or store.contains(f"{_STATES}/{hashes[first_missing - 1]}")):
            first_missing -= 1
        world = self.world(store)
        state = self.initial(world) if first_missing == 0 else self.segment(first_missing - 1, store).end
        for j in range(first_missing, k + 1):
            start, stop = self.segment_range(j)
            edits = self.edits_between(start, stop)
            views, states = [], []
            with stage("simulation"):
                for frame in range(start, stop):
                    state = advance(world, self.clock, state, self.actions, edits.get(frame, []))
                    views.append(view(world, self.clock, state))
                    states.append(state)
            record = SegmentRecord(tuple(views), tuple(states))
            store.put(f"world/segment/{hashes[j]}", record, tier="memory")
        assert record is not None  # the loop ran at least for segment k
        return record

    def remember(self, first_frame: int, states: Sequence[SimState], store: Store) -> None:
        """Keep the segments ``states`` cover whole: in memory, and their states on disk (where a job worker
        or a later run finds them: ``segment`` rebuilds the views from them, stepping nothing)."""
        if first_frame % self.segment_frames:
            raise ValueError(f"frame {first_frame} does not start a segment of {self.segment_frames} frames")
        world, hashes = self.world(store), self.segment_hashes()
        for k in range(first_frame // self.segment_frames, self.segment_count):
            start, stop = self.segment_range(k)
            if stop - first_frame > len(states):
                break
            part = tuple(states[start - first_frame:stop - first_frame])
            store.put(f"world/segment/{hashes[k]}",
                      SegmentRecord(tuple(view(world, self.clock, s) for s in part), part), tier="memory")
            _keep_states(hashes[k], part, store)

    def share_segments(self, segments: Sequence[int], store: Store) -> None:
        """Simulate the ``segments`` (each from the one before: cheap, and in order) and keep their states on
        disk, where a process that renders one of them on its own rebuilds it without stepping."""
        hashes = self.segment_hashes()
        for k in sorted(set(segments)):
            if not store.contains(f"{_STATES}/{hashes[k]}"):
                _keep_states(hashes[k], self.segment(k, store).states, store)

    def _cached_segment(self, k: int, store: Store) -> SegmentRecord | None:
        """Segment ``k`` from memory, or rebuilt from remembered states (stepping nothing); None if neither."""
        key = self.segment_hashes()[k]
        record: SegmentRecord | None = store.get(f"world/segment/{key}")
        if record is not None:
            return record
        kept = store.get(f"{_STATES}/{key}")
        if kept is None:
            return None
        world = self.world(store)
        states = tuple(state_from_json(s) for s in json.loads(bytes(np.asarray(kept["states"], np.uint8)).decode()))
        record = SegmentRecord(tuple(view(world, self.clock, s) for s in states), states)
        store.put(f"world/segment/{key}", record, tier="memory")
        return record

    def state_at(self, frame: int, store: Store) -> SimState:
        """The state shown at ``frame`` (simulating only what is not cached)."""
        k = frame // self.segment_frames
        start, stop = self.segment_range(k)
        cached = self._cached_segment(k, store)
        if cached is not None:
            return cached.states[frame - start]
        if frame == stop - 1:
            return self.segment(k, store).end
        world = self.world(store)
        state = self.initial(world) if k == 0 else self.segment(k - 1, store).end
        edits = self.edits_between(start, frame + 1)
        for f in range(start, frame + 1):
            state = advance(world, self.clock, state, self.actions, edits.get(f, []))
        return state

    def segment_end(self, k: int, store: Store) -> SimState:
        return self.segment(k, store).end

    def step(self, state: SimState, actions: ActionTrack, edits: Sequence[Edit], store: Store) -> SimState:
        """One frame per action after ``state``; ``edits`` apply on the first of them."""
        world = self.world(store)
        with stage("simulation"):
            for i in range(len(actions)):
                state = advance(world, self.clock, state, actions.slice(i, i + 1), list(edits) if i == 0 else [])
        return state

    def save_state(self, state: SimState) -> dict[str, np.ndarray]:
        return {"state_json": np.frombuffer(json.dumps(state_to_json(state)).encode(), dtype=np.uint8)}

    def load_state(self, arrays: dict[str, np.ndarray]) -> SimState:
        return state_from_json(json.loads(bytes(np.asarray(arrays["state_json"], dtype=np.uint8)).decode()))

    def view_at(self, frame: int, store: Store) -> FrameView:
        k = frame // self.segment_frames
        return self.segment(k, store).views[frame - k * self.segment_frames]

    # ---- rendering ---------------------------------------------------------------------------
    def render_frame(self, frame: int, size: tuple[int, int], store: Store) -> np.ndarray:
        world = self.world(store)
        frame_view = self.view_at(frame, store)
        return draw(world, frame_view, size, frame)

    def render_state(self, state: SimState, size: tuple[int, int], store: Store) -> np.ndarray:
        world = self.world(store)
        return draw(world, view(world, self.clock, state), size, max(state.frame, 0))

    def render_segment(self, k: int, size: tuple[int, int], store: Store, cache: bool = True) -> np.ndarray:
        """Frames of segment ``k`` as uint8 ``[n,H,W,3]``, cached in memory by segment hash and size
        when ``cache`` (long videos cache encoded segments instead: frames would not fit)."""
        key = f"world/frames/{self.segment_hashes()[k]}/{size[0]}x{size[1]}"
        frames = store.get(key) if cache else None
        if frames is not None:
            return frames
        world = self.world(store)
        record = self.segment(k, store)
        start, stop = self.segment_range(k)
        frames = np.empty((stop - start, size[1], size[0], 3), dtype=np.uint8)
        for i, frame_view in enumerate(record.views):
            draw(world, frame_view, size, start + i, out=frames[i])
        frames.flags.writeable = False
        if cache:
            store.put(key, frames, tier="memory")
        return frames

    def iter_segments(self, size: tuple[int, int], store: Store) -> Iterator[np.ndarray]:
        for k in range(self.segment_count):
            yield self.render_segment(k, size, store)


def _keep_states(segment_hash: str, states: Sequence[SimState], store: Store) -> None:
    text = json.dumps([state_to_json(s) for s in states]).encode()
    store.put(f"{_STATES}/{segment_hash}", {"states": np.frombuffer(text, np.uint8)}, tier="disk")


def draw(world: World, frame_view: FrameView, size: tuple[int, int], frame: int,
         out: np.ndarray | None = None) -> np.ndarray:
    hidden = None
    if frame_view.removed:
        hidden = np.zeros(len(world.objects), dtype=bool)
        hidden[list(frame_view.removed)] = True
    return world.renderer.render(frame_view.camera, frame_view.env, size, frame, frame_view.actors, hidden,
                                 added_objects(world, frame_view.added), out)
