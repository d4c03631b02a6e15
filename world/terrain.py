"""Terrain: a periodic height field over a 4,096 m tile (endless by wrapping), its colours and mips.

Heights come from spectral noise shaped per biome (ridges for mountains, terraces for canyons,
a sea level for coasts); colours from height, slope and detail noise. Everything is a function of
the spec's seed and shape fields, so the same spec gives the same terrain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .noise import downsample, smoothstep, spectral_noise
from .spec import WorldSpec

GRID = 2048
TILE_M = 4096.0
CELL_M = TILE_M / GRID
MIP_LEVELS = 5

_PALETTES: dict[str, dict[str, tuple[int, int, int]]] = {
    "meadow": {"low": (92, 136, 52), "high": (130, 150, 70), "patch": (160, 165, 80), "rock": (120, 116, 110),
               "snow": (238, 242, 248), "shore": (176, 164, 120)},
    "forest": {"low": (52, 84, 38), "high": (70, 96, 50), "patch": (96, 80, 52), "rock": (100, 98, 92),
               "snow": (225, 230, 236), "shore": (120, 110, 80)},
    "desert": {"low": (214, 164, 104), "high": (190, 120, 72), "patch": (226, 186, 128), "rock": (164, 86, 54),
               "snow": (236, 210, 170), "shore": (200, 170, 120)},
    "tundra": {"low": (226, 232, 240), "high": (240, 244, 250), "patch": (150, 150, 130), "rock": (104, 106, 108),
               "snow": (246, 248, 252), "shore": (180, 186, 190)},
    "coast": {"low": (104, 148, 62), "high": (124, 150, 72), "patch": (150, 160, 84), "rock": (128, 122, 114),
              "snow": (236, 240, 246), "shore": (222, 204, 156)},
    "ruins": {"low": (128, 136, 70), "high": (150, 146, 84), "patch": (146, 118, 82), "rock": (140, 132, 118),
              "snow": (236, 240, 246), "shore": (186, 170, 130)},
}


@dataclass(frozen=True)
class Terrain:
    """Mip pyramids (level 0 = ``GRID``²) of heights (m), colours (uint8 RGB) and slopes (dh/dx, dh/dy)."""

    heights: tuple[np.ndarray, ...]
    colors: tuple[np.ndarray, ...]
    gradients: tuple[np.ndarray, ...]
    water_level: float

    @property
    def height(self) -> np.ndarray:
        return self.heights[0]

    def height_at(self, x: float, y: float) -> float:
        """Bilinear ground height at world position (x, y) in metres; the tile wraps."""
        return float(bilinear(self.heights[0], x / CELL_M, y / CELL_M))

    def gradient_at(self, x: float, y: float) -> tuple[float, float]:
        g = self.gradients[0]
        return float(bilinear(g[..., 0], x / CELL_M, y / CELL_M)), float(bilinear(g[..., 1], x / CELL_M, y / CELL_M))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"height": self.heights[0], "color": self.colors[0],
                "water_level": np.asarray(self.water_level, dtype=np.float32)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Terrain:
        return _with_mips(np.asarray(arrays["height"]), np.asarray(arrays["color"]), float(arrays["water_level"]))


def bilinear(field: np.ndarray, fx: float, fy: float) -> float:
    """Sample a periodic 2-D field at fractional cell coordinates (x along axis 1, y along axis 0)."""
    n = field.shape[0]
    x0, y0 = int(np.floor(fx)), int(np.floor(fy))
    tx, ty = fx - x0, fy - y0
    x0, y0 = x0 % n, y0 % n
    x1, y1 = (x0 + 1) % n, (y0 + 1) % n
    top = field[y0, x0] * (1 - tx) + field[y0, x1] * tx
    bottom = field[y1, x0] * (1 - tx) + field[y1, x1] * tx
    return top * (1 - ty) + bottom * ty


def _gradients(height: np.ndarray, cell: float) -> np.ndarray:
    gx = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / (2 * cell)
    gy = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) / (2 * cell)
    return np.stack([gx, gy], axis=-1).astype(np.float32)


def _with_mips(height: np.ndarray, color: np.ndarray, water_level: float) -> Terrain:
    heights, colors = [height.astype(np.float32)], [color]
    for _ in range(MIP_LEVELS - 1):
        heights.append(downsample(heights[-1]))
        colors.append(downsample(colors[-1]))
    gradients = tuple(_gradients(h, CELL_M * 2**level) for level, h in enumerate(heights))
    return Terrain(tuple(heights), tuple(colors), gradients, water_level)


def generate(spec: WorldSpec, grid: int = GRID) -> Terrain:
    rng = np.random.default_rng([spec.seed, 1])
    height = _shape_heights(spec, rng, grid)
    water_level = float(np.quantile(height, spec.water)) if spec.water > 0 else float(height.min()) - 1.0
    color = _colors(spec, rng, height, water_level, grid)
    return _with_mips(height, color, water_level)


def _shape_heights(spec: WorldSpec, rng: np.random.Generator, grid: int) -> np.ndarray:
    exponent = 2.3 - 0.8 * spec.roughness
    base = spectral_noise(rng, grid, exponent, low_cut=2.0)
    ridges = 1.0 - np.abs(spectral_noise(rng, grid, exponent - 0.1, low_cut=3.0))
    mountains = smoothstep(0.0, 0.8, spectral_noise(rng, grid, 2.6, low_cut=1.0))
    shape = 0.55 * base + 0.45 * (ridges**2) * (0.3 + mountains)
    if spec.biome == "desert":
        steps = 6.0
        lifted = (shape + 1.0) * steps
        shape = (np.floor(lifted) + smoothstep(0.55, 1.0, lifted - np.floor(lifted))) / steps - 1.0
        canyon = np.abs(spectral_noise(rng, grid, 2.4, low_cut=2.0))
        shape -= 0.5 * (1.0 - smoothstep(0.0, 0.12, canyon))
    elif spec.biome == "tundra":
        shape = 0.7 * base + 0.3 * shape
    relief_m = 18.0 + 760.0 * spec.relief**1.8
    return (shape * relief_m * 0.5).astype(np.float32)


def _colors(spec: WorldSpec, rng: np.random.Generator, height: np.ndarray, water_level: float,
            grid: int) -> np.ndarray:
    palette = {k: np.asarray(v, dtype=np.float32) for k, v in _PALETTES[spec.biome].items()}
    grad = _gradients(height, TILE_M / grid)
    slope = np.sqrt(grad[..., 0] ** 2 + grad[..., 1] ** 2)
    low, high = float(height.min()), float(height.max())
    level = (height - low) / max(high - low, 1e-3)
    patches = spectral_noise(rng, grid, 1.6, low_cut=4.0)
    grain = spectral_noise(rng, grid, 0.6, low_cut=8.0)

    def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
        return a * (1.0 - t[..., None]) + b * t[..., None]

    color = mix(palette["low"], palette["high"], smoothstep(0.2, 0.8, level))
    color = mix(color, palette["patch"], smoothstep(0.15, 0.6, patches) * 0.8)
    if spec.biome == "desert":
        strata = 0.5 + 0.5 * np.sin(height * 0.45 + patches * 2.0)
        color = mix(color, palette["rock"], smoothstep(0.35, 0.9, slope) * (0.6 + 0.4 * strata))
        color *= (0.92 + 0.1 * strata)[..., None]
    else:
        color = mix(color, palette["rock"], smoothstep(0.55, 1.1, slope + 0.15 * grain))
    snow_line = {"tundra": -1.0, "meadow": 0.72, "forest": 0.8}.get(spec.biome, 2.0)
    snow = smoothstep(snow_line, snow_line + 0.08, level + 0.06 * patches) * (1.0 - smoothstep(0.7, 1.2, slope))
    color = mix(color, palette["snow"], snow)
    if water_level > low:
        shore = 1.0 - smoothstep(0.4, 2.5, height - water_level)
        color = mix(color, palette["shore"], shore)
    color *= (0.9 + 0.14 * grain)[..., None]
    return np.clip(color, 0, 255).astype(np.uint8)
