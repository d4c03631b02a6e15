"""The photo world's backend (``world.contract.WorldBackend``), registered by the pack's ``register``."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import numpy as np

from world.capability import BackendInfo
from world.contract import WorldHandle
from world.timeline import Timeline

from .photo import BACKEND, PhotoWorld, info, photo_world
from .rollout import PhotoRollout, check_edit


class PhotoBackend:
    """A 2.5D photo world: look around and walk a few metres in one picture, with parallax."""

    name = BACKEND

    def info(self, world: WorldHandle) -> BackendInfo:
        return info(_photo(world))

    def rollout(self, world: WorldHandle, walk: Timeline) -> PhotoRollout:
        """Any frame rate, any actions (poses beyond the walkable disc are clamped onto its edge)."""
        photo = _photo(world)
        for edit in walk.edits:
            check_edit(edit)
        return PhotoRollout(photo, walk)

    def start_from_image(self, world: WorldHandle, image: np.ndarray) -> PhotoWorld:
        """The same camera and walking room in another picture (its depth estimated afresh)."""
        photo = _photo(world)
        return replace(photo_world(image, photo.fov, photo.radius), spec=photo.spec)


def _photo(world: WorldHandle) -> PhotoWorld:
    """A WORLD naming this backend is a photo world (from this pack, perhaps an earlier load of it)."""
    return cast(PhotoWorld, world)
