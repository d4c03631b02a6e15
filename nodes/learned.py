"""Learned world model nodes: load a checkpoint as a world, start a world from an image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from graph import IMAGE, WORLD, Choice, Int, Node, NodeResult, NodeSchema, Output, Paths, Socket
from world.backends import backend_for
from world.contract import WorldHandle
from world.learned import checkpoint
from world.learned.runner import open_world
from world.learned.timeline import ENGINE_VERSION
from world.presets import PRESETS


def _checkpoint_path(name: str) -> Path:
    return checkpoint.MODELS_DIR / f"{name}.safetensors"


class LoadWorldModel(Node):
    schema = NodeSchema(
        name="LoadWorldModel", version=ENGINE_VERSION, display_name="Load world model", category="world",
        description="A learned world model from models/world: it predicts each frame from the frames before "
                    "and the walker's actions. Its first frame comes from the connected world (the alpine "
                    "meadow when none is), or from an image through EncodeImage.",
        inputs=(
            Choice("checkpoint", checkpoint.available() or ["tiny"],
                   tooltip="a checkpoint in models/world (worldgraph train-world-model makes them)"),
            Socket("world", WORLD, optional=True, tooltip="the world its first frame is rendered from"),
        ),
        outputs=(Output("world", WORLD),),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        path = _checkpoint_path(constants["checkpoint"])
        return checkpoint.digest(path) if path.is_file() else None

    def run(self, checkpoint: str, world: WorldHandle | None = None) -> NodeResult:
        spec = world.spec if world is not None else PRESETS["alpine_meadow"]
        try:
            learned = open_world(_checkpoint_path(checkpoint), spec)
        except ValueError as error:
            raise ValueError(f"input 'checkpoint' = {checkpoint!r}: {error}") from None
        info = backend_for(learned).info(learned)
        text = f"{info.description}; edits: {', '.join(sorted(info.edits))}"
        return NodeResult((learned,), {"text": [text]})


class EncodeImage(Node):
    schema = NodeSchema(
        name="EncodeImage", version=ENGINE_VERSION, display_name="Encode image", category="world",
        description="Start a learned world from any image: its centre square becomes the first frame, and "
                    "wander modes are planned on open ground.",
        inputs=(Socket("world", WORLD, tooltip="a learned world (LoadWorldModel)"), Socket("image", IMAGE),
                Int("frame", 0, min=0, max=100000, tooltip="which frame of the image batch")),
        outputs=(Output("world", WORLD),),
    )

    def run(self, world: WorldHandle, image: np.ndarray, frame: int) -> tuple[WorldHandle]:
        if frame >= image.shape[0]:
            raise ValueError(f"input 'frame' = {frame}: the image has {image.shape[0]} frame(s)")
        return (backend_for(world).start_from_image(world, image[frame]),)


NODES = (LoadWorldModel, EncodeImage)
