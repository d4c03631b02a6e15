"""Static objects (trees, rocks, ruins) placed deterministically, with a tile index for fast lookups.

Objects are columns of arrays (structure of arrays), so the renderer and the physics read them
without Python objects. Kinds are small integers shared with the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .noise import smoothstep, spectral_noise
from .spec import WorldSpec
from .terrain import CELL_M, TILE_M, Terrain

PINE, BROADLEAF, DEAD_TREE, CACTUS, ROCK, COLUMN, WALL, BUSH = range(8)
KIND_NAMES = ("pine", "broadleaf", "dead_tree", "cactus", "rock", "column", "wall", "bush")

INDEX_TILE_M = 32.0
INDEX_TILES = int(TILE_M / INDEX_TILE_M)
_FIELDS = ("x", "y", "z", "kind", "height", "width", "radius", "tint", "variant")

#: biome -> kind -> (density per 100 m² at full setting, setting it follows)
_MIX: dict[str, dict[int, tuple[float, str]]] = {
    "meadow": {BROADLEAF: (0.35, "vegetation"), PINE: (0.25, "vegetation"), BUSH: (0.8, "vegetation"),
               ROCK: (0.35, "rocks")},
    "forest": {PINE: (2.2, "vegetation"), BROADLEAF: (0.2, "vegetation"), BUSH: (0.8, "vegetation"),
               DEAD_TREE: (0.06, "vegetation"), ROCK: (0.3, "rocks")},
    "desert": {CACTUS: (0.35, "vegetation"), DEAD_TREE: (0.05, "vegetation"), BUSH: (0.3, "vegetation"),
               ROCK: (0.6, "rocks")},
    "tundra": {PINE: (0.35, "vegetation"), DEAD_TREE: (0.2, "vegetation"), ROCK: (0.5, "rocks")},
    "coast": {BROADLEAF: (0.4, "vegetation"), BUSH: (0.8, "vegetation"), ROCK: (0.4, "rocks")},
    "ruins": {BROADLEAF: (0.3, "vegetation"), PINE: (0.15, "vegetation"), BUSH: (0.6, "vegetation"),
              ROCK: (0.4, "rocks")},
}
#: kind -> (height range m, width as share of height, collision radius as share of width)
_SIZES = {
    PINE: ((7.0, 19.0), 0.42, 0.08), BROADLEAF: ((5.0, 12.0), 0.8, 0.06), DEAD_TREE: ((4.0, 9.0), 0.55, 0.07),
    CACTUS: ((1.8, 4.5), 0.45, 0.35), ROCK: ((0.6, 3.2), 1.5, 0.42), COLUMN: ((3.0, 7.5), 0.2, 0.55),
    WALL: ((1.2, 3.5), 1.1, 0.45), BUSH: ((0.5, 1.4), 1.6, 0.0),
}


@dataclass(frozen=True)
class Objects:
    x: np.ndarray        # float32 metres
    y: np.ndarray
    z: np.ndarray        # ground height under the object
    kind: np.ndarray     # int8
    height: np.ndarray   # float32 metres
    width: np.ndarray
    radius: np.ndarray   # collision radius (0: passable)
    tint: np.ndarray     # float32 0..1 colour variation
    variant: np.ndarray  # int32 shape variation seed
    #: tile index: objects of tile t are [tile_start[t], tile_start[t+1]) (sorted by tile)
    tile_start: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in (*_FIELDS, "tile_start")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Objects:
        return cls(**{name: np.asarray(arrays[name]) for name in (*_FIELDS, "tile_start")})

    def near(self, x: float, y: float, reach: float) -> np.ndarray:
        """Indices of objects whose tile lies within ``reach`` metres of (x, y), wrapping."""
        tiles = int(np.ceil(reach / INDEX_TILE_M))
        cx, cy = int(np.floor(x / INDEX_TILE_M)), int(np.floor(y / INDEX_TILE_M))
        found = []
        for ty in range(cy - tiles, cy + tiles + 1):
            for tx in range(cx - tiles, cx + tiles + 1):
                tile = (ty % INDEX_TILES) * INDEX_TILES + (tx % INDEX_TILES)
                start, stop = self.tile_start[tile], self.tile_start[tile + 1]
                if stop > start:
                    found.append(np.arange(start, stop))
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


Delta = TypeVar("Delta", float, np.ndarray)


def wrap_delta(d: Delta) -> Delta:
    """Shortest signed difference on the wrapping tile."""
    return (d + TILE_M / 2) % TILE_M - TILE_M / 2


def build(columns: dict[str, np.ndarray]) -> Objects:
    """Sort objects into the tile index."""
    tx = (np.floor(columns["x"] / INDEX_TILE_M).astype(np.int64)) % INDEX_TILES
    ty = (np.floor(columns["y"] / INDEX_TILE_M).astype(np.int64)) % INDEX_TILES
    tile = ty * INDEX_TILES + tx
    order = np.argsort(tile, kind="stable")
    counts = np.bincount(tile, minlength=INDEX_TILES * INDEX_TILES)
    tile_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Objects(**{name: np.ascontiguousarray(columns[name][order]) for name in _FIELDS}, tile_start=tile_start)


def generate(spec: WorldSpec, terrain: Terrain) -> Objects:
    rng = np.random.default_rng([spec.seed, 2])
    parts = [_scatter(spec, terrain, rng, kind, density * getattr(spec, setting))
             for kind, (density, setting) in _MIX[spec.biome].items()]
    if spec.structures > 0:
        parts.append(_ruins(spec, terrain, rng))
    columns = {name: np.concatenate([p[name] for p in parts]) for name in _FIELDS}
    return build(columns)


def _scatter(spec: WorldSpec, terrain: Terrain, rng: np.random.Generator, kind: int, density: float) -> dict:
    """Jittered-grid placement in clumps, kept off water and steep slopes."""
    spacing = 4.0
    cells = int(TILE_M / spacing)
    gy, gx = np.mgrid[0:cells, 0:cells].astype(np.float32)
    x = (gx + rng.random((cells, cells), dtype=np.float32)) * spacing
    y = (gy + rng.random((cells, cells), dtype=np.float32)) * spacing
    clumps = spectral_noise(rng, cells, 1.9, low_cut=6.0)
    chance = density * spacing * spacing / 100.0 * (0.25 + 1.5 * smoothstep(-0.2, 0.6, clumps))
    keep = rng.random((cells, cells), dtype=np.float32) < chance
    x, y = x[keep], y[keep]
    ix = (x / CELL_M).astype(np.int64) % terrain.height.shape[0]
    iy = (y / CELL_M).astype(np.int64) % terrain.height.shape[0]
    z = terrain.height[iy, ix]
    slope = np.hypot(terrain.gradients[0][iy, ix, 0], terrain.gradients[0][iy, ix, 1])
    dry = z > terrain.water_level + (0.2 if kind in (ROCK,) else 0.8)
    keep = dry & (slope < (1.4 if kind == ROCK else 0.8))
    return sized(kind, x[keep], y[keep], z[keep], rng)


def sized(kind: int, x: np.ndarray, y: np.ndarray, z: np.ndarray, rng: np.random.Generator,
           heights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    (low, high), width_share, radius_share = _SIZES[kind]
    count = x.shape[0]
    height = np.asarray(heights if heights is not None else low + (high - low) * rng.random(count) ** 1.5)
    width = height * width_share * (0.8 + 0.4 * rng.random(count))
    radius = width * radius_share
    if kind in (PINE, BROADLEAF, DEAD_TREE):
        radius = np.maximum(radius, 0.3)
    return {
        "x": x.astype(np.float32), "y": y.astype(np.float32), "z": z.astype(np.float32),
        "kind": np.full(count, kind, dtype=np.int8), "height": height.astype(np.float32),
        "width": width.astype(np.float32), "radius": radius.astype(np.float32),
        "tint": np.asarray(rng.random(count), dtype=np.float32),
        "variant": np.asarray(rng.integers(0, 2**31 - 1, count), dtype=np.int32),
    }


def _ruins(spec: WorldSpec, terrain: Terrain, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Colonnades and walls of old buildings: rectangles of columns, some fallen, with wall stubs."""
    sites = int(40 + 400 * spec.structures)
    xs, ys, kinds, heights = [], [], [], []
    for _ in range(sites):
        cx, cy = rng.random(2) * TILE_M
        if terrain.height_at(cx, cy) <= terrain.water_level + 1.0:
            continue
        angle = rng.random() * np.pi
        along, across = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
        columns_long, columns_wide = int(rng.integers(4, 9)), int(rng.integers(2, 5))
        spacing = float(rng.uniform(3.5, 5.0))
        full = float(rng.uniform(4.5, 7.5))
        for i in range(columns_long):
            for j in range(columns_wide):
                if 0 < i < columns_long - 1 and 0 < j < columns_wide - 1:
                    continue  # the hall is open inside
                if rng.random() < 0.25:
                    continue  # lost
                position = np.array([cx, cy]) + along * (i - columns_long / 2) * spacing + across * (
                    j - columns_wide / 2) * spacing * 1.6
                if terrain.height_at(*position) <= terrain.water_level + 0.5:
                    continue
                xs.append(position[0] % TILE_M)
                ys.append(position[1] % TILE_M)
                kinds.append(COLUMN)
                heights.append(full * (1.0 if rng.random() < 0.6 else rng.uniform(0.25, 0.8)))
        for _ in range(int(rng.integers(1, 4))):
            start = np.array([cx, cy]) + (rng.random(2) - 0.5) * spacing * columns_long
            direction = along if rng.random() < 0.5 else across
            wall_height = float(rng.uniform(1.2, 3.2))
            for k in range(int(rng.integers(2, 6))):
                position = start + direction * k * 2.2
                if terrain.height_at(*position) <= terrain.water_level + 0.5:
                    continue
                xs.append(position[0] % TILE_M)
                ys.append(position[1] % TILE_M)
                kinds.append(WALL)
                heights.append(wall_height * rng.uniform(0.7, 1.0))
    x, y = np.asarray(xs, dtype=np.float32), np.asarray(ys, dtype=np.float32)
    z = np.asarray([terrain.height_at(a, b) for a, b in zip(x, y, strict=True)], dtype=np.float32)
    kind_array, height_array = np.asarray(kinds), np.asarray(heights, dtype=np.float32)
    parts = [sized(kind, x[kind_array == kind], y[kind_array == kind], z[kind_array == kind], rng,
                    height_array[kind_array == kind]) for kind in (COLUMN, WALL)]
    return {name: np.concatenate([p[name] for p in parts]) for name in _FIELDS}
