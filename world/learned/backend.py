"""The learned world model as a registered world backend (``world/contract.py``)."""

from __future__ import annotations

from typing import cast

import numpy as np

from ..capability import BackendInfo
from ..contract import WorldHandle
from ..timeline import Timeline
from .runner import LearnedWorld
from .timeline import LatentTimeline, info, rollout


class LearnedBackend:
    """Worlds of a trained checkpoint (``LearnedWorld``): first-person frames predicted from actions."""

    name = "learned"

    def info(self, world: WorldHandle) -> BackendInfo:
        return info(cast(LearnedWorld, world))

    def rollout(self, world: WorldHandle, walk: Timeline) -> LatentTimeline:
        return rollout(cast(LearnedWorld, world), walk)

    def start_from_image(self, world: WorldHandle, image: np.ndarray) -> LearnedWorld:
        return cast(LearnedWorld, world).starting_from(image)
