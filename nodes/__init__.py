"""Worldgraph's built-in nodes: thin definitions that map inputs to library calls.

``register(registry)`` is the ``builtin`` entry point of the ``worldgraph.nodes`` group.

A pack written for ComfyUI that runs ``import nodes`` gets this package (the name is ours); the names of
ComfyUI's ``nodes`` module it then reads (``MAX_RESOLUTION``, ``NODE_CLASS_MAPPINGS``, ``SaveImage`` ...) come
from ``nodes.comfy_core`` through ``__getattr__``.
"""

from __future__ import annotations

from typing import Any

from graph import IMAGE, NodeRegistry
from graph.comfy.nodes import adapt
from graph.comfy.surface.placeholders import placeholder_class
from world.backends import register_backend
from world.learned.backend import LearnedBackend
from world.procedural import ProceduralBackend

from . import audio, comfy_core, frames, image, learned, logic, math, primitives, video, world


def register(registry: NodeRegistry) -> None:
    register_backend(ProceduralBackend())  # the same call a pack's world backend registers through
    register_backend(LearnedBackend())
    for module in (primitives, math, logic, image, world, learned, frames, audio, video):
        registry.register_all(module.NODES, source="builtin")
    registry.register_workflow_reader(image.embedded_workflow)
    registry.register_workflow_reader(video.embedded_workflow)
    registry.boundary.register(IMAGE, image.image_to_comfy, image.image_from_comfy)
    for name in comfy_core.REGISTERED:
        registry.register(adapt(name, comfy_core.NODE_CLASS_MAPPINGS[name], registry,
                                comfy_core.NODE_DISPLAY_NAME_MAPPINGS.get(name), "builtin"), source="builtin")


def __getattr__(name: str) -> Any:
    """ComfyUI's ``nodes`` module names, for packs written for ComfyUI (PEP 562)."""
    if name in comfy_core.UNAVAILABLE:
        return placeholder_class(f"nodes.{name}")
    try:
        return getattr(comfy_core, name)
    except AttributeError:
        raise AttributeError(f"module 'nodes' has no attribute {name!r} (neither Worldgraph's nodes nor the part "
                             f"of ComfyUI's nodes module Worldgraph provides, docs/custom-nodes.md)") from None
