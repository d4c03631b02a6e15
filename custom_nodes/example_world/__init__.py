"""A third world backend written as a pack, against the public world contract only: a 2.5D photo world.

Start from any picture, look around and walk a few metres with parallax: each pixel is lifted to 3D
by a depth (guessed from the picture, or given) and reprojected into the moved camera. The built-in
Wander, Director, render, audio and video nodes work on it unchanged; ``docs/custom-nodes.md``
("Write a world-model backend") walks through it.

Layout: ``photo.py`` the WORLD value and its ``BackendInfo``; ``depth.py`` the depth heuristic;
``walker.py`` the state and its pure step; ``view.py`` the reprojection; ``rollout.py`` the LATENT
(segments, chained hashes, caching); ``backend.py`` the backend; ``nodes.py`` LoadPhotoWorld.
"""

from __future__ import annotations

from graph import NodeRegistry
from world.backends import register_backend

from .backend import PhotoBackend
from .nodes import NODES


def register(registry: NodeRegistry) -> None:
    register_backend(PhotoBackend())  # a second load (a new class of the same name) replaces the first
    registry.register_all(NODES)
