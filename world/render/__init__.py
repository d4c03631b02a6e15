"""Rendering a world state to uint8 frames: terrain and sky, then sprites, then weather.

The kernels are numba-compiled (``cache=True``: the first process compiles for a few seconds,
later ones load the compiled code). Their parallel loops run on a fork-safe threading layer (unless
``NUMBA_THREADING_LAYER`` says otherwise): the server forks its workers and live sessions, and numba's
OpenMP layer kills a forked child that renders after its parent did.
"""

from __future__ import annotations

import math
import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "forksafe"  # type: ignore[attr-defined]
from dataclasses import dataclass

import numpy as np

from ..noise import spectral_noise
from ..objects import Objects, wrap_delta
from ..stages import stage
from ..terrain import CELL_M, Terrain
from .effects import precipitation
from .lighting import FOG_DENSITY, SUN
from .sprites_kernel import (BASE, COLUMNS, DEPTH, FACING, FOG, HALF_W, HEIGHT_M, KIND, PHASE, PIX_H, PROFILE, SIDE,
                             SX, TINT, VARIANT, WIDTH_M, build_atlas, draw_sprites, palette_for)
from .terrain_kernel import height_bounds, render_terrain

TERRAIN_FAR_M = 1800.0
SPRITE_FAR_M = 320.0
SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


@dataclass(frozen=True)
class Camera:
    x: float
    y: float
    z: float
    yaw: float     # radians, 0 = east (+x), counter-clockwise
    pitch: float   # radians, positive looks up
    fov: float = 80.0  # horizontal, degrees

    def as_array(self) -> np.ndarray:
        return np.asarray([self.x, self.y, self.z, self.yaw, self.pitch, self.fov], dtype=np.float64)


@dataclass(frozen=True)
class Actors:
    """Characters to draw in one frame (structure of arrays)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    heading: np.ndarray
    phase: np.ndarray
    kind: np.ndarray
    tint: np.ndarray

    @classmethod
    def none(cls) -> Actors:
        empty = np.zeros(0, dtype=np.float32)
        return cls(empty, empty, empty, empty, empty, empty, empty)


_CHARACTER_SIZE = {16: (1.0, 1.8), 17: (1.1, 1.7), 18: (1.9, 1.9), 19: (1.0, 1.8)}


class Renderer:
    """Draws one world (terrain + static objects) from any camera."""

    def __init__(self, terrain: Terrain, objects: Objects, biome: str, seed: int) -> None:
        self.terrain = terrain
        self.objects = objects
        self.atlas = build_atlas(palette_for(biome), 1.0 if biome == "tundra" else 0.0)
        self.bounds = height_bounds(terrain.heights)
        self.seed = seed
        rng = np.random.default_rng([seed, 9])
        self.clouds = (spectral_noise(rng, 256, 1.25, low_cut=2.0) * 0.5 + 0.5).astype(np.float32)
        self._candidates_at: tuple[int, int] | None = None
        self._candidates = np.zeros(0, dtype=np.int64)

    def render(self, camera: Camera, env: np.ndarray, size: tuple[int, int], frame_index: int = 0,
               actors: Actors | None = None, hidden: np.ndarray | None = None,
               extra: Objects | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """One ``[H,W,3]`` uint8 frame (into ``out`` when given). ``hidden``: mask of removed objects."""
        width, height = size
        frame = out if out is not None else np.empty((height, width, 3), dtype=np.uint8)
        depth = np.empty((height, width), dtype=np.float32)
        t = self.terrain
        with stage("terrain"):
            render_terrain(frame, depth, t.heights, t.colors, t.gradients, self.bounds, self.clouds,
                           camera.as_array(), env, CELL_M, TERRAIN_FAR_M)
        with stage("sprites"):
            tables = [self._object_table(self.objects, self._nearby(camera), camera, env, size, hidden)]
            if extra is not None and len(extra):
                tables.append(self._object_table(extra, np.arange(len(extra)), camera, env, size, None))
            if actors is not None and actors.x.shape[0]:
                tables.append(self._actor_table(actors, camera, env, size))
            table = np.concatenate(tables) if len(tables) > 1 else tables[0]
            if table.shape[0]:
                near_first = table[np.argsort(table[:, DEPTH], kind="stable")]
                draw_sprites(frame, depth, near_first, env, self.atlas, 16)
        with stage("effects"):
            precipitation(frame, env, frame_index, self.seed)
        return frame

    def _nearby(self, camera: Camera) -> np.ndarray:
        """Objects within sprite range; the lookup is reused while the camera stays in one 32 m tile."""
        cell = (int(camera.x // 32), int(camera.y // 32))
        if cell != self._candidates_at:
            self._candidates = self.objects.near(camera.x, camera.y, SPRITE_FAR_M + 48.0)
            self._candidates_at = cell
        return self._candidates

    def _project(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, camera: Camera,
                 size: tuple[int, int]) -> tuple[np.ndarray, ...]:
        width, height = size
        focal = (width * 0.5) / math.tan(math.radians(camera.fov) * 0.5)
        horizon = height * 0.5 + focal * math.tan(camera.pitch)
        dx = wrap_delta(x - camera.x)
        dy = wrap_delta(y - camera.y)
        cos_yaw, sin_yaw = math.cos(camera.yaw), math.sin(camera.yaw)
        forward = dx * cos_yaw + dy * sin_yaw
        right = dx * sin_yaw - dy * cos_yaw
        safe = np.maximum(forward, 1e-3)
        sx = width * 0.5 + right / safe * focal
        base = horizon + (camera.z - z) / safe * focal
        return forward, sx, base, focal / safe

    def _object_table(self, objects: Objects, index: np.ndarray, camera: Camera, env: np.ndarray,
                      size: tuple[int, int], hidden: np.ndarray | None) -> np.ndarray:
        if hidden is not None and index.shape[0]:
            index = index[~hidden[index]]
        x, y, z = objects.x[index], objects.y[index], objects.z[index] - 0.15
        forward, sx, base, scale = self._project(x, y, z, camera, size)
        half = objects.width[index] * 0.5 * scale
        pix_h = objects.height[index] * scale
        visible = (forward > 0.4) & (forward < SPRITE_FAR_M) & (sx + half > 0) & (sx - half < size[0]) & \
            (pix_h > 1.5) & (base - pix_h < size[1]) & (base > 0)
        table = np.zeros((int(visible.sum()), COLUMNS), dtype=np.float32)
        pick = index[visible]
        table[:, SX], table[:, BASE], table[:, PIX_H], table[:, HALF_W] = sx[visible], base[visible], \
            pix_h[visible], half[visible]
        table[:, DEPTH] = forward[visible]
        table[:, KIND] = objects.kind[pick]
        table[:, TINT] = objects.tint[pick]
        table[:, VARIANT] = objects.variant[pick] % 100000
        table[:, WIDTH_M] = objects.width[pick]
        table[:, HEIGHT_M] = objects.height[pick]
        self._light(table, camera, env)
        return table

    def _actor_table(self, actors: Actors, camera: Camera, env: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        forward, sx, base, scale = self._project(actors.x, actors.y, actors.z, camera, size)
        widths = np.asarray([_CHARACTER_SIZE[int(k)][0] for k in actors.kind], dtype=np.float32)
        heights = np.asarray([_CHARACTER_SIZE[int(k)][1] for k in actors.kind], dtype=np.float32)
        visible = (forward > 0.3) & (forward < SPRITE_FAR_M)
        table = np.zeros((int(visible.sum()), COLUMNS), dtype=np.float32)
        table[:, SX] = sx[visible]
        table[:, BASE] = base[visible]
        table[:, PIX_H] = (heights * scale)[visible]
        table[:, HALF_W] = (widths * 0.5 * scale)[visible]
        table[:, DEPTH] = forward[visible] - 0.05
        table[:, KIND] = actors.kind[visible]
        table[:, TINT] = actors.tint[visible]
        table[:, PHASE] = actors.phase[visible]
        table[:, WIDTH_M] = widths[visible]
        table[:, HEIGHT_M] = heights[visible]
        across = np.sin(camera.yaw - actors.heading[visible])
        table[:, PROFILE] = np.abs(across)
        table[:, FACING] = np.where(across >= 0, 1.0, -1.0)
        self._light(table, camera, env)
        return table

    @staticmethod
    def _light(table: np.ndarray, camera: Camera, env: np.ndarray) -> None:
        sun_right = env[SUN] * math.sin(camera.yaw) - env[SUN + 1] * math.cos(camera.yaw)
        table[:, SIDE] = sun_right
        haze = 1.0 - np.exp(-table[:, DEPTH] * env[FOG_DENSITY])
        # fade into the haze before the sprite range ends, so nothing pops in at the horizon
        fade = np.clip((table[:, DEPTH] - SPRITE_FAR_M * 0.7) / (SPRITE_FAR_M * 0.3), 0.0, 1.0)
        table[:, FOG] = np.maximum(haze, fade * fade * (3 - 2 * fade))
