"""World-engine fixtures (helpers live in ``worldkit``): session-wide worlds and timelines."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from worldkit import fresh_store, open_start, world_of

from world.actions import ActionTrack
from world.spec import WorldSpec
from world.store import DictStore
from world.timeline import Timeline
from world.world import World


@pytest.fixture(scope="session")
def meadow() -> World:
    return world_of("alpine_meadow")


@pytest.fixture(scope="session")
def ruins() -> World:
    return world_of("ancient_ruins")


@pytest.fixture
def store() -> DictStore:  # shadows the graph store: world code takes a world.store.Store
    """A fresh store for segments that shares the session's built worlds."""
    return fresh_store()


@pytest.fixture(scope="session")
def meadow_start(meadow: World) -> tuple[float, float, float]:
    """An open spot in the meadow: (x, y, yaw) with a clear, gentle corridor ahead."""
    return open_start(meadow)


@pytest.fixture(scope="session")
def make_timeline(meadow: World, meadow_start: tuple[float, float, float]) -> Callable[..., Timeline]:
    """A timeline in the alpine meadow from ``meadow_start``: 40 frames at 10 fps in 10-frame segments."""

    def make(actions: ActionTrack | None = None, frames: int = 40, fps: int = 10, segment_frames: int = 10,
             spec: WorldSpec | None = None, start: tuple[float, float, float] | None = None,
             time_scale: float = 0.0, seed: int = 0) -> Timeline:
        return Timeline(spec or meadow.spec, fps, frames, segment_frames, start or meadow_start, time_scale,
                        actions if actions is not None else ActionTrack.empty(frames), seed=seed)

    return make
