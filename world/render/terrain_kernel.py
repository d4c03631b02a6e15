"""The column renderer: terrain, water and sky, one screen column per ray, in parallel (numba).

For each column a ray marches outward over the height field with steps that grow with distance,
sampling coarser mip levels as it goes; every sample that rises above what is drawn so far fills
the span between, blending its colour with the sample below for a smooth foreground. What no
terrain covers is sky: gradient, sun and moon, clouds and stars. Distances go to ``depth`` so
sprites can be hidden behind hills.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .lighting import (AMBIENT, CLOUDS, FOG_DENSITY, FOG_RGB, HORIZON, MOON, SKY_TIME_S, STARS, SUN, SUN_RGB,
                       TIME_S, WATER_LEVEL, WATER_RGB, ZENITH)

SKY_DEPTH = np.float32(1e9)


def height_bounds(heights: tuple[np.ndarray, ...]) -> np.ndarray:
    """The highest terrain any mip level can show in each tile and the 8 tiles around it (float32).

    A tile is one cell of the coarsest level. A ray skips the tiles whose bound cannot rise above
    what is already drawn in its column; the neighbours cover samples near a tile's edge, whose
    bilinear footprint reaches into the next tile.
    """
    tile_cells = 2 ** (len(heights) - 1)
    tiles = heights[0].shape[0] // tile_cells
    bound = np.full((tiles, tiles), -np.inf, dtype=np.float32)
    for level, field in enumerate(heights):
        block = tile_cells >> level
        bound = np.maximum(bound, field.reshape(tiles, block, tiles, block).max(axis=(1, 3)))
    around = bound.copy()
    for shift_y in (-1, 0, 1):
        for shift_x in (-1, 0, 1):
            around = np.maximum(around, np.roll(bound, (shift_y, shift_x), axis=(0, 1)))
    return around


@njit(cache=True, fastmath=True, inline="always")
def _corners(n, fx, fy):  # type: ignore[no-untyped-def]
    """The four cells around (fx, fy) on a periodic power-of-two grid, and the blend weights."""
    x0 = math.floor(fx)
    y0 = math.floor(fy)
    mask = n - 1
    ix0 = int(x0) & mask
    iy0 = int(y0) & mask
    return ix0, iy0, (ix0 + 1) & mask, (iy0 + 1) & mask, fx - x0, fy - y0


@njit(cache=True, fastmath=True, inline="always")
def sample(field, fx, fy):  # type: ignore[no-untyped-def]
    ix0, iy0, ix1, iy1, tx, ty = _corners(field.shape[0], fx, fy)
    top = field[iy0, ix0] * (1 - tx) + field[iy0, ix1] * tx
    bottom = field[iy1, ix0] * (1 - tx) + field[iy1, ix1] * tx
    return top * (1 - ty) + bottom * ty


@njit(cache=True, fastmath=True, inline="always")
def sample_channel(field, fx, fy, channel):  # type: ignore[no-untyped-def]
    ix0, iy0, ix1, iy1, tx, ty = _corners(field.shape[0], fx, fy)
    top = field[iy0, ix0, channel] * (1 - tx) + field[iy0, ix1, channel] * tx
    bottom = field[iy1, ix0, channel] * (1 - tx) + field[iy1, ix1, channel] * tx
    return top * (1 - ty) + bottom * ty


@njit(cache=True, fastmath=True, inline="always")
def sample_rgb(field, fx, fy, out):  # type: ignore[no-untyped-def]
    for c in range(3):
        out[c] = sample_channel(field, fx, fy, c) * (1.0 / 255.0)


@njit(cache=True, fastmath=True, inline="always")
def _hash(ix, iy):  # type: ignore[no-untyped-def]
    h = (np.int64(ix) * 374761393 + np.int64(iy) * 668265263) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    return (h & 0xFFFF) * (1.0 / 65535.0)


@njit(cache=True, fastmath=True, inline="always")  # a call per pixel costs more than its body
def value_noise(x, y):  # type: ignore[no-untyped-def]
    """Smooth noise in [0, 1] on a unit lattice (ground detail up close)."""
    ix = math.floor(x)
    iy = math.floor(y)
    tx = x - ix
    ty = y - iy
    tx = tx * tx * (3 - 2 * tx)
    ty = ty * ty * (3 - 2 * ty)
    top = _hash(ix, iy) * (1 - tx) + _hash(ix + 1, iy) * tx
    bottom = _hash(ix, iy + 1) * (1 - tx) + _hash(ix + 1, iy + 1) * tx
    return top * (1 - ty) + bottom * ty


@njit(cache=True, fastmath=True, inline="always")
def _tile_hidden(bounds, tile_m, mask, cx, cy, cz, dx, dy, cos_d, d, far, water_level, horizon, focal, drawn):  # type: ignore[no-untyped-def]
    """Whether no terrain in the bound tile the ray is in at distance ``d`` can reach above row
    ``drawn``, and the distance where the ray leaves that tile."""
    px = cx + dx * d
    py = cy + dy * d
    tx = math.floor(px / tile_m)
    ty = math.floor(py / tile_m)
    exit_x = ((tx + 1.0) * tile_m - px) / dx if dx > 0 else ((tx * tile_m - px) / dx if dx < 0 else far)
    exit_y = ((ty + 1.0) * tile_m - py) / dy if dy > 0 else ((ty * tile_m - py) / dy if dy < 0 else far)
    end = d + min(exit_x, exit_y)
    peak = max(bounds[int(ty) & mask, int(tx) & mask], water_level)
    # the peak is drawn highest on screen at the near end of the tile if it rises above the eye, else at the far end
    z = (d if peak > cz else min(end, far)) * cos_d
    return horizon + (cz - peak) * focal / z >= drawn, end


@njit(cache=True, fastmath=True)
def sky_rows(env, row_sin, rows):  # type: ignore[no-untyped-def]
    """What the sky's colour takes from elevation alone, once per screen row (``row_sin``: sine of
    each row's elevation) into ``rows`` [H, 5]: the gradient colour, cloud reach and cloud fade."""
    for y in range(row_sin.shape[0]):
        dz = row_sin[y]
        t = max(dz, 0.0) ** 0.55
        for c in range(3):
            rows[y, c] = env[HORIZON + c] * (1 - t) + env[ZENITH + c] * t
        rows[y, 3] = 1.0 / dz if dz > 0.015 else 0.0
        rows[y, 4] = min(dz * 6.0, 1.0)


@njit(cache=True, fastmath=True, inline="always")  # a call per pixel costs more than its body
def sky_color(env, clouds, dx, dy, dz, row, out):  # type: ignore[no-untyped-def]
    """Colour of the sky in unit direction (dx, dy, dz); ``row`` is its row of ``sky_rows``."""
    for c in range(3):
        out[c] = row[c]
    sun_dot = dx * env[SUN] + dy * env[SUN + 1] + dz * env[SUN + 2]
    if sun_dot > 0:
        glow = sun_dot**8 * 0.25 + sun_dot**64 * 0.6
        disk = 6.0 if sun_dot > 0.99985 else 0.0
        for c in range(3):
            out[c] += env[SUN_RGB + c] * (glow + disk)
    moon_dot = dx * env[MOON] + dy * env[MOON + 1] + dz * env[MOON + 2]
    if moon_dot > 0.99975 and env[STARS] > 0.05:
        for c in range(3):
            out[c] += 0.8 * env[STARS]
    if dz > 0.015:
        reach = row[3]
        u = dx * reach * 0.35 + env[SKY_TIME_S] * 0.004
        v = dy * reach * 0.35 + env[SKY_TIME_S] * 0.0015
        density = sample(clouds, u * 64.0, v * 64.0)
        cover = env[CLOUDS]
        amount = min(max((density - (1.0 - cover) * 0.9) * 2.2, 0.0), 1.0) * row[4]
        lit = 0.55 + 0.45 * max(sun_dot, 0.0)
        for c in range(3):
            cloud = (env[AMBIENT + c] * 1.4 + env[SUN_RGB + c] * 0.55 * lit) * (1.0 - 0.35 * cover)
            out[c] = out[c] * (1 - amount) + cloud * amount
        if env[STARS] > 0.05 and amount < 0.3:
            cell = math.floor(u * 900.0) * 92821.0 + math.floor(v * 900.0) * 68917.0
            h = math.sin(cell) * 43758.5453
            if h - math.floor(h) > 0.9985:
                for c in range(3):
                    out[c] += env[STARS] * 0.9 * (1 - amount)


@njit(parallel=True, cache=True, fastmath=True, nogil=True)
def render_terrain(frame, depth, heights, colors, gradients, bounds, clouds, cam, env, cell0, far):  # type: ignore[no-untyped-def]
    """Draw terrain, water and sky into ``frame`` (uint8 [H,W,3]) and ``depth`` (float32 [H,W]).

    ``cam`` = (x, y, z, yaw, pitch, fov_degrees); ``heights``, ``colors``, ``gradients`` are mip
    tuples; ``bounds`` the ``height_bounds`` of ``heights``; ``clouds`` a periodic float32 noise tile.
    """
    height, width = frame.shape[0], frame.shape[1]
    cx, cy, cz, yaw, pitch, fov = cam[0], cam[1], cam[2], cam[3], cam[4], cam[5]
    focal = (width * 0.5) / math.tan(math.radians(fov) * 0.5)
    horizon = height * 0.5 + focal * math.tan(pitch)
    levels = len(heights)
    row_sin = np.empty(height, dtype=np.float32)
    row_cos = np.empty(height, dtype=np.float32)
    for y in range(height):
        elevation = math.atan((horizon - y - 0.5) / focal)
        row_sin[y] = math.sin(elevation)
        row_cos[y] = math.cos(elevation)
    sky_by_row = np.empty((height, 5), dtype=np.float32)
    sky_rows(env, row_sin, sky_by_row)
    water_level = env[WATER_LEVEL]
    density = env[FOG_DENSITY]
    tile_m = cell0 * (heights[0].shape[0] // bounds.shape[0])
    tile_mask = bounds.shape[0] - 1
    for i in prange(width):
        offset = (width * 0.5 - i - 0.5) / focal
        angle = yaw + math.atan(offset)
        dx = math.cos(angle)
        dy = math.sin(angle)
        cos_d = math.cos(angle - yaw)
        col = np.empty(3, dtype=np.float32)
        last = np.empty(3, dtype=np.float32)
        albedo = np.empty(3, dtype=np.float32)
        fog = np.empty(3, dtype=np.float32)
        sun_side = max(dx * env[SUN] + dy * env[SUN + 1], 0.0)
        for c in range(3):
            fog[c] = env[FOG_RGB + c] + env[SUN_RGB + c] * 0.35 * sun_side**6
        drawn = height  # rows [drawn, height) are done
        first = True
        d = 0.3
        level = 0  # the mip level and its cell size grow with the step
        span = cell0
        tile_end = -1.0  # where the ray leaves the bound tile it is in
        hidden = False  # no terrain before tile_end can rise above row `drawn`
        while d < far and drawn > 0:
            step = 0.02 + d * 0.008
            if d >= tile_end:
                hidden, tile_end = _tile_hidden(bounds, tile_m, tile_mask, cx, cy, cz, dx, dy, cos_d, d, far,
                                                water_level, horizon, focal, drawn)
            if hidden:
                d += step
                continue
            while level < levels - 1 and step > span * 1.5:
                level += 1
                span *= 2.0
            fx = (cx + dx * d) / span
            fy = (cy + dy * d) / span
            ground = sample(heights[level], fx, fy)
            surface = max(ground, water_level)
            z = d * cos_d
            top = horizon + (cz - surface) * focal / z
            y_top = max(int(math.ceil(top)), 0)
            if y_top < drawn:
                sample_rgb(colors[level], fx, fy, albedo)
                if ground < water_level:
                    deep = min((water_level - ground) * 0.35, 1.0)
                    grazing = (cz - water_level) / math.sqrt(d * d + (cz - water_level) ** 2)
                    fresnel = 0.04 + 0.96 * (1.0 - max(grazing, 0.0)) ** 5
                    wave = 0.06 * math.sin(fx * span * 0.35 + env[TIME_S] * 1.3) * math.sin(
                        fy * span * 0.29 - env[TIME_S] * 0.9)
                    for c in range(3):
                        under = albedo[c] * (env[AMBIENT + c] + env[SUN_RGB + c] * 0.5) * (1 - deep) + env[
                            WATER_RGB + c] * deep
                        sky = env[HORIZON + c] * 0.7 + env[ZENITH + c] * 0.3
                        col[c] = under * (1 - fresnel) + sky * fresnel + wave * fresnel
                    if water_level - ground < 0.08:
                        foam = 0.25 * (1.0 - (water_level - ground) / 0.08)
                        for c in range(3):
                            col[c] = col[c] * (1.0 - foam) + foam * (env[AMBIENT + c] + env[SUN_RGB + c] * 0.6)
                else:
                    gx = sample_channel(gradients[level], fx, fy, 0)
                    gy = sample_channel(gradients[level], fx, fy, 1)
                    norm = 1.0 / math.sqrt(gx * gx + gy * gy + 1.0)
                    lambert = max((-gx * env[SUN] - gy * env[SUN + 1] + env[SUN + 2]) * norm, 0.0)
                    sky_light = 0.75 + 0.25 * norm
                    grain = 1.0
                    if d < 40.0:
                        fade = 1.0 - d / 40.0
                        px = cx + dx * d
                        py = cy + dy * d
                        grain += (value_noise(px * 1.7, py * 1.7) - 0.5) * 0.16 * fade
                        grain += (value_noise(px * 5.3, py * 5.3) - 0.5) * 0.1 * fade
                    for c in range(3):
                        col[c] = albedo[c] * grain * (env[AMBIENT + c] * sky_light + env[SUN_RGB + c] * lambert)
                haze = 1.0 - math.exp(-d * density)
                for c in range(3):
                    col[c] = col[c] * (1 - haze) + fog[c] * haze
                if first:
                    for c in range(3):
                        last[c] = col[c]
                    first = False
                y_bottom = drawn - 1
                rows = y_bottom - y_top
                for y in range(y_top, y_bottom + 1):
                    t = (y - y_top) / rows if rows > 0 else 0.0
                    for c in range(3):
                        value = (col[c] * (1 - t) + last[c] * t) * 255.0
                        frame[y, i, c] = 255 if value > 255.0 else (0 if value < 0.0 else np.uint8(value))
                    depth[y, i] = z
                for c in range(3):
                    last[c] = col[c]
                drawn = y_top
                tile_end = -1.0  # with less left to draw, the rest of the tile may be hidden now
            d += step
        for y in range(drawn):
            if row_sin[y] < 0:
                for c in range(3):
                    col[c] = fog[c]
            else:
                sky_color(env, clouds, dx * row_cos[y], dy * row_cos[y], row_sin[y], sky_by_row[y], col)
            for c in range(3):
                value = col[c] * 255.0
                frame[y, i, c] = 255 if value > 255.0 else (0 if value < 0.0 else np.uint8(value))
            depth[y, i] = SKY_DEPTH
