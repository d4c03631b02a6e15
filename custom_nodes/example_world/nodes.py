"""The photo world's node: LoadPhotoWorld turns a picture (and, if you have one, its depth) into a WORLD."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from graph import IMAGE, WORLD, Choice, Float, Int, Node, NodeResult, NodeSchema, Output, Paths, Socket
from media.image import decode_image

from .photo import photo_world
from .rollout import ENGINE_VERSION

#: pictures shipped with the pack, for workflows that should run anywhere
EXAMPLES = Path(__file__).resolve().parent / "examples"


def examples() -> list[str]:
    return sorted(path.name for path in EXAMPLES.glob("*.png"))


class LoadPhotoWorld(Node):
    schema = NodeSchema(
        name="LoadPhotoWorld", version=ENGINE_VERSION, display_name="Load photo world", category="world",
        description="A 2.5D world in one picture: look around and walk a few metres with parallax. Depth is "
                    "guessed from the picture (ground below the horizon, sky far, upright things standing on "
                    "the ground) unless a depth image is connected. Wander, Director and render nodes work "
                    "on it; it follows pace, lighting and time-of-day events.",
        inputs=(
            Socket("image", IMAGE, optional=True, tooltip="the picture (the example is used when none is connected)"),
            Choice("example", examples(), tooltip="a picture shipped with the pack, when no image is connected"),
            Int("frame", 0, min=0, max=100000, tooltip="which frame of the image batch"),
            Socket("depth", IMAGE, optional=True,
                   tooltip="a depth image, white near (1 m) to black far (1 km); guessed when none"),
            Float("radius", 3.0, min=0.5, max=10.0, step=0.5,
                  tooltip="metres the camera may walk from the viewpoint (it stops at the edge)"),
            Float("fov", 70.0, min=20.0, max=120.0, step=1.0,
                  tooltip="the picture's horizontal field of view, degrees"),
        ),
        outputs=(Output("world", WORLD),),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        path = EXAMPLES / str(constants.get("example", ""))
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

    def run(self, example: str, frame: int, radius: float, fov: float, image: np.ndarray | None = None,
            depth: np.ndarray | None = None) -> NodeResult:
        if image is None:
            if example not in examples():
                raise ValueError(f"input 'example' = {example!r}: no such picture in {EXAMPLES}")
            image = decode_image(EXAMPLES / example)
        if frame >= image.shape[0]:
            raise ValueError(f"input 'frame' = {frame}: the image has {image.shape[0]} frame(s)")
        if depth is not None and depth.shape[0] <= frame:
            raise ValueError(f"input 'depth' has {depth.shape[0]} frame(s); frame {frame} has none")
        world = photo_world(image[frame], fov, radius, None if depth is None else depth[frame])
        width, height = world.size
        near, far = float(world.depth.min()), float(np.percentile(world.depth, 50))
        text = (f"{width}x{height}, depth {world.depth_source} ({near:.1f} m nearest, {far:.0f} m median), "
                f"walkable {radius:g} m around the viewpoint")
        return NodeResult((world,), {"text": [text]})


NODES = (LoadPhotoWorld,)
