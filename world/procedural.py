"""The procedural simulator as a world backend: its WORLD value, and the backend that registers it.

The procedural rollout is the walk itself: a ``world.timeline.Timeline`` simulates, renders and
steps on from its states (see ``world/contract.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .capability import BackendInfo, UnsupportedEdit
from .contract import WorldHandle
from .spec import WorldSpec
from .timeline import BACKEND, INFO, Timeline


@dataclass(frozen=True)
class WorldRef:
    """The WORLD value of a spec-built world: which backend, and the spec it builds its world from."""

    backend: str
    spec: WorldSpec

    @property
    def nbytes(self) -> int:
        return 512


class ProceduralBackend:
    """The default world model: real-time on a CPU, and able to follow every action and edit."""

    name = BACKEND

    def info(self, world: WorldHandle) -> BackendInfo:
        return INFO

    def rollout(self, world: WorldHandle, walk: Timeline) -> Timeline:
        return walk

    def start_from_image(self, world: WorldHandle, image: np.ndarray) -> WorldHandle:
        raise UnsupportedEdit("world", f"input 'world': the {self.name} backend starts from a world spec, not an "
                                       f"image: connect LoadWorldModel (or another world that starts from pictures)")
