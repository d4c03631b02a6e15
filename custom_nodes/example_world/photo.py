"""The photo world's WORLD value and what its backend can do for it (``BackendInfo``).

A ``PhotoWorld`` is a picture, a depth per pixel (``depth.py``) and the camera it was taken with (a
horizontal field of view, level, at eye height); walks are planned and heard on open flat ground.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from world.capability import ACTION_FIELDS, BackendInfo
from world.spec import WorldSpec

from .depth import depth_from_image, estimate_depth, resized

BACKEND = "photo"
#: the largest picture kept (larger ones are scaled down to fit): the cost of a frame follows it
MAX_SIZE = (854, 480)
#: where walks are planned and footsteps heard: no hills, plants or water to walk around
OPEN_GROUND = WorldSpec(biome="meadow", relief=0.0, roughness=0.0, vegetation=0.0, rocks=0.0, structures=0.0,
                        water=0.0)
EDITS = frozenset({"pace", "lighting", "time_of_day"})
#: bytes a frame's work takes per photo pixel (3D points, keys, indices) and per output pixel (z-buffer, fill)
_BYTES_PER_PIXEL, _BYTES_PER_OUTPUT_PIXEL = 96, 40


@dataclass(frozen=True)
class PhotoWorld:
    image: np.ndarray = field(compare=False, repr=False)   # uint8 [H,W,3]
    depth: np.ndarray = field(compare=False, repr=False)   # float32 [H,W], metres along the view axis
    image_digest: str
    depth_digest: str
    fov: float                # horizontal, degrees
    radius: float             # metres the camera may walk from the viewpoint
    depth_source: str         # "estimated" or "given"
    spec: WorldSpec = OPEN_GROUND
    backend: str = BACKEND

    @property
    def nbytes(self) -> int:
        return 512 + self.image.nbytes + self.depth.nbytes

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]

    @property
    def digest(self) -> str:
        """Everything the frames depend on besides the walk."""
        parts = f"{self.image_digest}/{self.depth_digest}/{self.fov!r}/{self.radius!r}"
        return hashlib.sha256(parts.encode()).hexdigest()


def photo_world(image: np.ndarray, fov: float, radius: float, depth: np.ndarray | None = None) -> PhotoWorld:
    """A photo world from uint8 ``image`` [H,W,3] (scaled down to fit ``MAX_SIZE``), with its depth
    estimated, or read from a depth image ``depth`` [h,w,3] (any size: resized to the picture's)."""
    scale = min(1.0, MAX_SIZE[0] / image.shape[1], MAX_SIZE[1] / image.shape[0])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    picture = resized(image, size) if scale < 1.0 else np.ascontiguousarray(image, np.uint8)
    metres = estimate_depth(picture, fov) if depth is None else depth_from_image(depth, size)
    picture.flags.writeable = False
    metres.flags.writeable = False
    return PhotoWorld(picture, metres, hashlib.sha256(picture.tobytes()).hexdigest(),
                      hashlib.sha256(metres.tobytes()).hexdigest(), fov, radius,
                      "estimated" if depth is None else "given")


def info(world: PhotoWorld) -> BackendInfo:
    width, height = world.size
    working = width * height * _BYTES_PER_PIXEL + MAX_SIZE[0] * MAX_SIZE[1] * _BYTES_PER_OUTPUT_PIXEL
    return BackendInfo(
        name=BACKEND, native_size=world.size, fps=None, actions=frozenset(ACTION_FIELDS), edits=EDITS, gpu=False,
        memory_mb=math.ceil((world.nbytes + working) / 2**20),
        description=f"a {width}x{height} photo with {world.depth_source} depth, walkable {world.radius:g} m "
                    f"around its viewpoint (2.5D reprojection on the CPU)")
