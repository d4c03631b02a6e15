"""The world-model contract: what every world backend implements and every node uses.

Three shapes, written as Protocols so a backend from a pack implements them without inheriting:

- ``WorldHandle``, the WORLD value on a wire: which backend, and the world it builds from (a spec, an
  image, a checkpoint). ``spec`` is always there: it is the ground walks are planned on and sound
  comes from, even for a backend that draws something else.
- ``Rollout``, the LATENT value: a walk (canonical actions, one per frame) and the Director edits on
  it, cut into segments whose hashes chain, so an edit at time t changes only the segments from t on.
  It renders segments and frames, and it exposes its states: the state at a frame or a segment's end,
  one pure ``step`` on from a state with new actions (what live play runs), and states as arrays.
- ``WorldBackend``: a name, its ``info`` (native size, fps, the actions and edits it follows, GPU
  need and memory) and ``rollout(world, walk)``. Backends register by name (``world.backends``).

States are opaque to callers: only the rollout that made them reads them. The same inputs give the
same states and frames, so a live session, an offline render and a cluster worker agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from .actions import ActionTrack
from .capability import (ACTION_FIELDS, EDIT_FEATURES, BackendInfo, Size, UnsupportedEdit, edit_feature,
                         refuse_unsupported)
from .edits import Edit
from .spec import WorldSpec
from .store import Store
from .timeline import Timeline

__all__ = ["ACTION_FIELDS", "EDIT_FEATURES", "BackendInfo", "Rollout", "Size", "UnsupportedEdit", "WalkShape",
           "WorldBackend", "WorldHandle", "edit_feature", "refuse_unsupported"]

class WorldHandle(Protocol):
    """The WORLD value: small, hashable, naming its backend."""

    @property
    def backend(self) -> str: ...          # the registered backend name

    @property
    def spec(self) -> WorldSpec: ...       # the ground walks are planned on (and heard)

    @property
    def nbytes(self) -> int: ...


class Rollout(Protocol):
    """The LATENT value: a walk through a world and its edits, in segments."""

    @property
    def info(self) -> BackendInfo: ...

    @property
    def fps(self) -> int: ...

    @property
    def frames(self) -> int: ...

    @property
    def segment_frames(self) -> int: ...

    @property
    def segment_count(self) -> int: ...

    @property
    def duration(self) -> float: ...

    @property
    def native_size(self) -> Size: ...

    @property
    def actions(self) -> ActionTrack: ...  # one canonical action per frame

    @property
    def edits(self) -> tuple[Edit, ...]: ...

    @property
    def walk(self) -> Timeline:
        """The walk as the procedural simulator plays it over ``spec``: where the walker and the
        characters are, what is heard (GenerateAudio), where characters can stand."""
        ...

    def segment_range(self, k: int) -> tuple[int, int]: ...

    def segment_hashes(self) -> tuple[str, ...]: ...

    def with_edit(self, edit: Edit, store: Store | None = None) -> Rollout:
        """A new rollout with ``edit``; raises ``UnsupportedEdit`` naming the input to change when the
        backend cannot follow it (``store``: for checks that need the state at the edit's time, such as
        where a character can stand; None skips them, for an edit checked already)."""
        ...

    def with_actions(self, actions: ActionTrack) -> Rollout:
        """The same world and edits walking ``actions``: one frame per action (edits past the end dropped)."""
        ...

    def render_segment(self, k: int, size: Size, store: Store, cache: bool = True) -> np.ndarray:
        """uint8 ``[n,H,W,3]``: the frames of segment ``k`` (kept in memory under its hash when ``cache``)."""
        ...

    def render_frame(self, frame: int, size: Size, store: Store) -> np.ndarray: ...  # uint8 [H,W,3]

    # ---- states: what live play and cluster workers step on from ---------------------------------
    def state_at(self, frame: int, store: Store) -> Any:
        """The state showing ``frame``."""
        ...

    def segment_end(self, k: int, store: Store) -> Any:
        """The state showing segment ``k``'s last frame (cached under its hash)."""
        ...

    def step(self, state: Any, actions: ActionTrack, edits: Sequence[Edit], store: Store) -> Any:
        """The state one frame per action after ``state``; ``edits`` apply on the first of those
        frames. Pure: ``state`` is untouched, and the same inputs give the same state."""
        ...

    def render_state(self, state: Any, size: Size, store: Store) -> np.ndarray: ...  # uint8 [H,W,3]

    def save_state(self, state: Any) -> dict[str, np.ndarray]: ...

    def share_segments(self, segments: Sequence[int], store: Store) -> None:
        """Do, here and in order, the cheap sequential work ``segments`` need (stepping their states) and keep it
        where another process finds it, so each of them can then be rendered on its own, anywhere (a cluster's
        segment tasks). A backend may keep nothing: each segment then steps what it needs where it renders."""
        ...

    def remember(self, first_frame: int, states: Sequence[Any], store: Store) -> None:
        """Keep ``states`` (those showing frames ``first_frame``, ``first_frame + 1``, ... of this rollout, as
        a live session stepped them; ``first_frame`` starts a segment) in ``store`` under this rollout's
        segment hashes, so rendering it does not step them again. A backend may keep nothing."""
        ...

    def load_state(self, arrays: dict[str, np.ndarray]) -> Any: ...


class WorldBackend(Protocol):
    """A world model: describes itself for a world and turns a planned walk into a rollout."""

    @property
    def name(self) -> str: ...

    def info(self, world: WorldHandle) -> BackendInfo: ...

    def rollout(self, world: WorldHandle, walk: Timeline) -> Rollout:
        """The rollout of ``walk`` (planned on ``world.spec``) in ``world``; raises ``UnsupportedEdit``
        naming the input to change for what the backend cannot follow (a frame rate, poses...)."""
        ...

    def start_from_image(self, world: WorldHandle, image: np.ndarray) -> WorldHandle:
        """``world`` starting from ``image`` (uint8 [H,W,3]) instead of what it builds from; raises
        ``UnsupportedEdit`` when the backend cannot start from a picture."""
        ...


class WalkShape:
    """The parts of a ``Rollout`` that are its walk's (frame rate, frames, segments, actions, edits),
    for backends that keep the planned ``walk`` as a field and add what they draw from it."""

    walk: Timeline

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
    def segment_count(self) -> int:
        return self.walk.segment_count

    @property
    def duration(self) -> float:
        return self.walk.duration

    @property
    def actions(self) -> ActionTrack:
        return self.walk.actions

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.walk.edits

    def segment_range(self, k: int) -> tuple[int, int]:
        return self.walk.segment_range(k)

    def remember(self, first_frame: int, states: Sequence[Any], store: Store) -> None:
        """Keeps nothing: such a backend steps its own states again when it renders."""

    def share_segments(self, segments: Sequence[int], store: Store) -> None:
        """Keeps nothing: each segment steps what it needs where it renders."""
