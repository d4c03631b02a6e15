"""A built world: spec, terrain, static objects and a renderer, loaded through the store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import objects as objects_module
from . import terrain as terrain_module
from .objects import COLUMN, Objects, wrap_delta
from .render import Renderer
from .spec import WorldSpec
from .store import Store
from .terrain import TILE_M, Terrain

#: Bump when generation changes, so cached terrains are not reused across versions.
GENERATOR_VERSION = "1"


@dataclass
class World:
    spec: WorldSpec
    terrain: Terrain
    objects: Objects
    renderer: Renderer

    def ground(self, x: float, y: float) -> float:
        return self.terrain.height_at(x, y)

    def is_water(self, x: float, y: float, depth: float = 0.0) -> bool:
        return self.ground(x, y) < self.terrain.water_level - depth

    def blocking(self, x: float, y: float, radius: float, ignore: frozenset[int] = frozenset()) -> int:
        """Index of a static object (not in ``ignore``) whose collision circle overlaps (x, y, radius), or -1."""
        near = self.objects.near(x, y, radius + 8.0)
        if near.shape[0] == 0:
            return -1
        r = self.objects.radius[near]
        gap = np.hypot(wrap_delta(self.objects.x[near] - x), wrap_delta(self.objects.y[near] - y)) - r - radius
        for hit in np.nonzero((gap < 0) & (r > 0))[0]:
            if int(near[hit]) not in ignore:
                return int(near[hit])
        return -1

    def spawn_point(self, near_x: float | None = None, near_y: float | None = None) -> tuple[float, float]:
        """The first dry, gentle, free spot on a spiral around (near_x, near_y).

        By default: a quarter into the tile, or 30 m from the first ruin where the world has ruins.
        """
        if near_x is None or near_y is None:
            near_x = near_y = TILE_M * 0.25
            columns = np.nonzero(self.objects.kind == COLUMN)[0]
            if columns.shape[0]:
                first = columns[np.argmin(np.hypot(self.objects.x[columns] - near_x, self.objects.y[columns] - near_y))]
                near_x, near_y = float(self.objects.x[first]) - 30.0, float(self.objects.y[first])
        for step in range(4000):
            angle = step * 0.7
            radius = 3.0 * np.sqrt(step)
            x = (near_x + radius * np.cos(angle)) % TILE_M
            y = (near_y + radius * np.sin(angle)) % TILE_M
            gx, gy = self.terrain.gradient_at(x, y)
            if not self.is_water(x, y, -0.3) and np.hypot(gx, gy) < 0.25 and self.blocking(x, y, 1.5) < 0:
                return float(x), float(y)
        return float(near_x), float(near_y)


#: the world built last, kept whatever the store's memory budget: a world larger than that budget would
#: otherwise be rebuilt from its arrays on every frame (half a second each)
_last_built: tuple[str, World] | None = None


def load_world(spec: WorldSpec, store: Store) -> World:
    """The world of ``spec``: from memory, else rebuilt from cached arrays, else generated."""
    global _last_built
    key = f"world/{GENERATOR_VERSION}/{spec.terrain_key()}"
    built = store.get(key + "/built")
    if built is None and _last_built is not None and _last_built[0] == key:
        built = _last_built[1]
    if built is not None:
        return World(spec, built.terrain, built.objects, built.renderer)
    arrays = store.get(key + "/arrays")
    if arrays is None:
        terrain = terrain_module.generate(spec)
        objects = objects_module.generate(spec, terrain)
        store.put(key + "/arrays", {"terrain": terrain.to_arrays(), "objects": objects.to_arrays()})
    else:
        terrain = Terrain.from_arrays(arrays["terrain"])
        objects = Objects.from_arrays(arrays["objects"])
    world = World(spec, terrain, objects, Renderer(terrain, objects, spec.biome, spec.seed))
    store.put(key + "/built", world, tier="memory")
    _last_built = key, world
    return world
