"""Worldgraph's built-in nodes: thin definitions that map inputs to library calls.

``register(registry)`` is the ``builtin`` entry point of the ``worldgraph.nodes`` group.
"""

from __future__ import annotations

from graph import IMAGE, NodeRegistry
from world.backends import register_backend
from world.learned.backend import LearnedBackend
from world.procedural import ProceduralBackend

from . import audio, frames, image, learned, logic, math, primitives, video, world


def register(registry: NodeRegistry) -> None:
    register_backend(ProceduralBackend())  # the same call a pack's world backend registers through
    register_backend(LearnedBackend())
    for module in (primitives, math, logic, image, world, learned, frames, audio, video):
        registry.register_all(module.NODES, source="builtin")
    registry.register_workflow_reader(image.embedded_workflow)
    registry.register_workflow_reader(video.embedded_workflow)
    registry.boundary.register(IMAGE, image.image_to_comfy, image.image_from_comfy)
