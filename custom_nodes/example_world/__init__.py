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
from world.backends import BACKENDS, register_backend

from .backend import PhotoBackend
from .nodes import NODES


def register(registry: NodeRegistry) -> None:
    backend = PhotoBackend()
    try:
        register_backend(backend)
    except ValueError:
        # Packs are imported afresh on every load, so a second load brings a new PhotoBackend class,
        # which the backend registry refuses under the same name; the first load's backend (the same
        # code) stays registered and serves this load's worlds too.
        earlier = type(BACKENDS.get(backend.name))
        if (earlier.__module__, earlier.__qualname__) != (PhotoBackend.__module__, PhotoBackend.__qualname__):
            raise
    registry.register_all(NODES)
