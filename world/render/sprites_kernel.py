"""Sprites: trees, rocks, ruins and characters as shaded, depth-tested billboards (numba).

Each sprite is one row of a float32 table (see ``COLUMNS``); shapes are drawn procedurally from
their local coordinates (u across, -1..1; v up, 0 at the ground .. 1 at the top), so they stay
crisp at any distance. Screen columns are split into bands drawn in parallel; every band walks the
table, so no two threads ever write the same pixel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .lighting import AMBIENT, FOG_RGB, SUN_RGB

# table columns
SX, BASE, PIX_H, HALF_W, DEPTH, KIND, TINT, VARIANT, PHASE, PROFILE, SIDE, FOG, WIDTH_M, HEIGHT_M, FACING = range(15)
COLUMNS = 15

# character kinds (static object kinds are 0..7, see world.objects)
HIKER, ROBOT, DEER, EXPLORER = 16, 17, 18, 19

_PALETTE = np.asarray([
    (0.13, 0.25, 0.12),  # 0 pine
    (0.24, 0.40, 0.15),  # 1 broadleaf
    (0.36, 0.31, 0.26),  # 2 dead tree
    (0.27, 0.46, 0.22),  # 3 cactus
    (0.46, 0.45, 0.43),  # 4 rock
    (0.80, 0.76, 0.68),  # 5 column
    (0.62, 0.58, 0.50),  # 6 wall
    (0.22, 0.38, 0.14),  # 7 bush
], dtype=np.float32)


def palette_for(biome: str) -> np.ndarray:
    palette = _PALETTE.copy()
    if biome == "desert":
        palette[4] = (0.62, 0.38, 0.26)
        palette[7] = (0.45, 0.45, 0.25)
    elif biome == "tundra":
        palette[0] = (0.12, 0.22, 0.16)
        palette[4] = (0.42, 0.43, 0.46)
    elif biome == "coast":
        palette[1] = (0.20, 0.42, 0.16)
    return palette


@njit(cache=True, fastmath=True, inline="always")
def _hash1(a, b):  # type: ignore[no-untyped-def]
    h = (np.int64(a) * 374761393 + np.int64(b) * 668265263) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    return (h & 0xFFFF) * (1.0 / 65535.0)


@njit(cache=True, fastmath=True, inline="always")
def _segment(px, py, ax, ay, bx, by):  # type: ignore[no-untyped-def]
    """Distance from point p to segment ab."""
    abx = bx - ax
    aby = by - ay
    t = ((px - ax) * abx + (py - ay) * aby) / (abx * abx + aby * aby + 1e-9)
    t = min(max(t, 0.0), 1.0)
    dx = px - ax - abx * t
    dy = py - ay - aby * t
    return math.sqrt(dx * dx + dy * dy)


@njit(cache=True, fastmath=True)
def _static_shape(kind, u, v, tint, variant, snowy, palette, out):  # type: ignore[no-untyped-def]
    """Albedo of a static object at (u, v) into ``out``; returns (covered, light factor)."""
    au = abs(u)
    base_r = palette[kind, 0] * (0.8 + 0.4 * tint)
    base_g = palette[kind, 1] * (0.8 + 0.4 * tint)
    base_b = palette[kind, 2] * (0.8 + 0.4 * tint)
    shade = 1.0
    covered = False
    if kind == 0:  # pine
        if au < 0.06 and v < 0.2:
            out[0], out[1], out[2] = 0.24, 0.19, 0.15
            return True, 0.8
        t = (v - 0.1) / 0.9
        if 0.0 <= t <= 1.0:
            tiers = 4.0 + (variant % 3)
            ft = t * tiers
            frac = ft - math.floor(ft)
            w = (1.0 - t) * (0.6 + 0.4 * (1.0 - frac))
            jag = 0.035 * (1.0 + math.sin(v * 70.0 + variant) * math.cos(u * 23.0 + variant * 0.7))
            if au < w - jag:
                covered = True
                shade = 0.7 + 0.3 * frac
                if snowy > 0.5 and frac > 0.75:
                    base_r, base_g, base_b = 0.85, 0.88, 0.92
    elif kind == 1:  # broadleaf
        if au < 0.08 * (1.2 - 0.4 * v) and v < 0.58:
            out[0], out[1], out[2] = 0.30, 0.24, 0.18
            return True, 0.8
        cv = (v - 0.66) / 0.33
        r = math.sqrt(u * u + cv * cv)
        angle = math.atan2(cv, u)
        bump = 0.1 * math.sin(angle * 7.0 + variant) + 0.04 * math.sin(angle * 19.0 + variant * 3.0)
        if r < 0.95 + bump:
            covered = True
            clumps = math.sin(u * 7.0 + cv * 3.0 + variant) + math.sin(cv * 8.0 - u * 2.0 + variant * 0.5)
            shade = 0.72 + 0.3 * (cv * 0.5 + 0.5) + 0.04 * clumps - 0.18 * r * r
    elif kind == 2:  # dead tree
        if au < 0.07 * (1.0 - 0.6 * v):
            covered = True
        else:
            for b in range(3):
                vb = 0.4 + 0.17 * b
                side = 1.0 if (b + variant) % 2 == 0 else -1.0
                if vb < v < vb + 0.35 and abs(u - side * (v - vb) * 1.6) < 0.045:
                    covered = True
    elif kind == 3:  # cactus
        top = 0.97 - 2.0 * u * u
        if au < 0.24 and v < top:
            covered = True
        elif -0.8 < u < -0.5 and 0.4 < v < 0.78 - 0.5 * (u + 0.65) ** 2:
            covered = True
        elif -0.8 < u < -0.2 and 0.4 < v < 0.5:
            covered = True
        elif variant % 2 == 1 and 0.5 < u < 0.78 and 0.55 < v < 0.85:
            covered = True
        elif variant % 2 == 1 and 0.2 < u < 0.78 and 0.55 < v < 0.64:
            covered = True
        if covered:
            shade = 0.85 + 0.15 * math.cos(u * 40.0)
    elif kind == 4:  # rock
        angle = math.atan2(v, u)
        edge = 1.0 + 0.1 * math.sin(angle * 5.0 + variant) + 0.05 * math.sin(angle * 13.0 + variant * 3)
        if u * u + (v / 0.9) ** 2 < edge * edge:
            covered = True
            shade = 0.62 + 0.45 * v + 0.08 * math.sin(u * 9.0 + variant) * math.sin(v * 7.0 + variant * 0.37)
            if snowy > 0.5 and v > 0.6:
                base_r, base_g, base_b = 0.86, 0.89, 0.93
    elif kind == 5:  # column
        broken = variant % 5 < 2
        top = 1.0 - (0.25 * _hash1(variant, 7) + 0.06 * abs(math.sin(u * 7.0 + variant)) if broken else 0.0)
        if v < 0.06 and au < 0.95:
            covered = True
        elif au < 0.62 and v < min(top, 0.9):
            covered = True
            shade = 0.8 + 0.2 * abs(math.cos(u * 5.0))
        elif not broken and 0.9 <= v < 0.98 and au < 0.98:
            covered = True
            shade = 0.92
    elif kind == 6:  # wall
        if au < 1.0 and v < 1.0 - 0.2 * abs(math.sin(u * 3.0 + variant)):
            covered = True
            row = math.floor(v * 6.0)
            brick = (u * 3.0 + 0.5 * (row % 2)) % 1.0
            if (v * 6.0) % 1.0 < 0.1 or brick < 0.05:
                shade = 0.62
            else:
                shade = 0.85 + 0.25 * _hash1(int(u * 3.0 + 0.5 * (row % 2)) + variant, int(row))
    elif kind == 7:  # bush
        cv = (v - 0.35) / 0.6
        r = math.sqrt(u * u + cv * cv)
        if v >= 0.0 and r < 0.95 + 0.12 * math.sin(math.atan2(cv, u) * 9.0 + variant):
            covered = True
            shade = 0.7 + 0.4 * v
            if variant % 4 == 0 and _hash1(int(u * 18) + variant, int(v * 18)) > 0.86:
                base_r, base_g, base_b = 0.9, 0.85 * (variant % 2), 0.35 + 0.5 * (variant % 3 == 0)
    if not covered:
        return False, 0.0
    out[0], out[1], out[2] = base_r * shade, base_g * shade, base_b * shade
    return True, 1.0


@njit(cache=True, fastmath=True)
def _character(kind, x, y, phase, profile, facing, tint, out):  # type: ignore[no-untyped-def]
    """Albedo of a character at metric offsets (x across, y up); returns (covered, emissive)."""
    swing = math.sin(phase)
    f = facing * profile
    if kind == HIKER or kind == EXPLORER:
        jacket = (0.16, 0.32, 0.70) if kind == HIKER else (0.86, 0.42, 0.10)
        if x * x + (y - 1.66) ** 2 < 0.11 * 0.11:
            if y > 1.70:
                out[0], out[1], out[2] = 0.22, 0.14, 0.08
            else:
                out[0], out[1], out[2] = 0.86, 0.66, 0.52
            return True, False
        if kind == EXPLORER and 0.98 < y < 1.45 and -0.32 < x * -facing - 0.06 * profile < -0.05 and profile > 0.3:
            out[0], out[1], out[2] = 0.35, 0.25, 0.12
            return True, False
        if 0.92 < y < 1.52 and abs(x) < 0.19 + 0.03 * (1.52 - y):
            out[0], out[1], out[2] = jacket
            return True, False
        for side in (-1.0, 1.0):
            hip = side * 0.09 * (1.0 - profile)
            foot = hip + side * swing * 0.32 * profile * facing
            if _segment(x, y, hip, 0.95, foot, 0.04) < 0.075:
                out[0], out[1], out[2] = 0.20, 0.20, 0.24
                return True, False
            shoulder = side * 0.23 * (1.0 - 0.6 * profile)
            hand = shoulder - side * swing * 0.28 * profile * facing
            if _segment(x, y, shoulder, 1.47, hand, 0.95) < 0.055:
                out[0], out[1], out[2] = jacket[0] * 0.85, jacket[1] * 0.85, jacket[2] * 0.85
                return True, False
        return False, False
    if kind == ROBOT:
        if 1.2 < y < 1.5 and abs(x) < 0.19:
            if 1.3 < y < 1.39 and abs(x + 0.04 * f) < 0.13:
                out[0], out[1], out[2] = 0.3, 1.0, 1.0
                return True, True
            out[0], out[1], out[2] = 0.62, 0.64, 0.68
            return True, False
        if 1.5 <= y < 1.66 and abs(x - 0.09) < 0.018:
            out[0], out[1], out[2] = 0.6, 0.6, 0.6
            return True, False
        if (x - 0.09) ** 2 + (y - 1.68) ** 2 < 0.035**2:
            out[0], out[1], out[2] = 1.0, 0.25, 0.2
            return True, True
        if 0.5 < y < 1.16 and abs(x) < 0.34:
            panel = 0.85 if (abs(x) > 0.3 or abs(y - 0.83) < 0.02) else 1.0
            out[0], out[1], out[2] = 0.50 * panel, 0.54 * panel, 0.60 * panel
            return True, False
        for side in (-1.0, 1.0):
            lift = max(0.0, swing * side) * 0.12 * profile
            if abs(x - side * 0.16 * (1.0 - 0.5 * profile) - side * swing * 0.1 * profile * facing) < 0.08 \
                    and lift < y < 0.52:
                out[0], out[1], out[2] = 0.32, 0.33, 0.36
                return True, False
            if abs(x - side * 0.42) < 0.06 and 0.7 < y < 1.12 - 0.0 * swing:
                out[0], out[1], out[2] = 0.45, 0.47, 0.52
                return True, False
        return False, False
    # deer
    body_rx = 0.62 * profile + 0.24 * (1.0 - profile)
    if (x / body_rx) ** 2 + ((y - 1.0) / 0.22) ** 2 < 1.0:
        belly = 1.15 if y < 0.92 else 1.0
        out[0], out[1], out[2] = 0.52 * belly * (0.9 + 0.2 * tint), 0.34 * belly, 0.20 * belly
        return True, False
    if (x + f * 0.62) ** 2 + (y - 1.08) ** 2 < 0.06**2:
        out[0], out[1], out[2] = 0.95, 0.93, 0.9
        return True, False
    if _segment(x, y, f * 0.45, 1.05, f * 0.7, 1.42) < 0.08:
        out[0], out[1], out[2] = 0.50, 0.33, 0.20
        return True, False
    if ((x - f * 0.8) / 0.15) ** 2 + ((y - 1.46) / 0.085) ** 2 < 1.0:
        out[0], out[1], out[2] = 0.48, 0.32, 0.19
        return True, False
    for side in (-1.0, 1.0):
        ax = f * 0.68 + side * 0.05 * (1.0 - profile)
        if _segment(x, y, ax, 1.52, ax - f * 0.15 + side * 0.12 * (1.0 - profile), 1.85) < 0.025 or \
                _segment(x, y, ax - f * 0.08, 1.68, ax + f * 0.08, 1.78) < 0.02:
            out[0], out[1], out[2] = 0.78, 0.72, 0.6
            return True, False
    for leg in range(4):
        hip_x = (0.42 if leg < 2 else -0.42) * profile + (0.08 if leg % 2 == 0 else -0.08) * (1.0 - profile)
        sway = swing * (1.0 if (leg == 0 or leg == 3) else -1.0) * 0.18 * profile * facing
        if _segment(x, y, hip_x, 0.92, hip_x + sway, 0.0) < 0.04:
            out[0], out[1], out[2] = 0.42, 0.28, 0.17
            return True, False
    return False, False


ATLAS_VARIANTS, ATLAS_HEIGHT, ATLAS_WIDTH = 8, 160, 96


@njit(cache=True)
def build_atlas(palette, snowy):  # type: ignore[no-untyped-def]
    """Every static kind and variant drawn once: [kind, variant, v, u, (r, g, b, coverage, light)].

    Sprites then sample this texture instead of evaluating their shape per pixel.
    """
    atlas = np.zeros((8, ATLAS_VARIANTS, ATLAS_HEIGHT, ATLAS_WIDTH, 5), dtype=np.float32)
    col = np.empty(3, dtype=np.float32)
    for kind in range(8):
        for variant in range(ATLAS_VARIANTS):
            for row in range(ATLAS_HEIGHT):
                v = (row + 0.5) / ATLAS_HEIGHT
                for column in range(ATLAS_WIDTH):
                    u = (column + 0.5) / ATLAS_WIDTH * 2.0 - 1.0
                    covered, light = _static_shape(kind, u, v, 0.5, variant * 7919 + 13, snowy, palette, col)
                    if covered:
                        atlas[kind, variant, row, column, 0] = col[0]
                        atlas[kind, variant, row, column, 1] = col[1]
                        atlas[kind, variant, row, column, 2] = col[2]
                        atlas[kind, variant, row, column, 3] = 1.0
                        atlas[kind, variant, row, column, 4] = light
    return atlas


@njit(cache=True, fastmath=True, inline="always")
def _coverage(atlas, kind, variant, tu, tv):  # type: ignore[no-untyped-def]
    """Bilinear coverage at texel coordinates (smooth silhouettes when magnified)."""
    u0 = min(max(int(tu - 0.5), 0), ATLAS_WIDTH - 2)
    v0 = min(max(int(tv - 0.5), 0), ATLAS_HEIGHT - 2)
    fu = min(max(tu - 0.5 - u0, 0.0), 1.0)
    fv = min(max(tv - 0.5 - v0, 0.0), 1.0)
    top = atlas[kind, variant, v0, u0, 3] * (1 - fu) + atlas[kind, variant, v0, u0 + 1, 3] * fu
    bottom = atlas[kind, variant, v0 + 1, u0, 3] * (1 - fu) + atlas[kind, variant, v0 + 1, u0 + 1, 3] * fu
    return top * (1 - fv) + bottom * fv


@njit(parallel=True, cache=True, fastmath=True, nogil=True)
def draw_sprites(frame, depth, table, env, atlas, bands):  # type: ignore[no-untyped-def]
    """Draw the sprites of ``table`` over ``frame`` where they are nearer than ``depth``.

    Any order gives the same frame (the nearest sprite wins a pixel, the first drawn of equal
    depths); near to far is fastest, as hidden pixels then fail the depth test before shading.
    """
    height, width = frame.shape[0], frame.shape[1]
    count = table.shape[0]
    for band in prange(bands):
        x_lo = band * width // bands
        x_hi = (band + 1) * width // bands
        col = np.empty(3, dtype=np.float32)
        for s in range(count):
            sx = table[s, SX]
            half = table[s, HALF_W]
            left = int(math.floor(sx - half))
            right = int(math.ceil(sx + half))
            if right <= x_lo or left >= x_hi:
                continue
            base = table[s, BASE]
            pix_h = table[s, PIX_H]
            top = max(int(math.floor(base - pix_h)), 0)
            bottom = min(int(math.ceil(base)), height)
            dep = table[s, DEPTH]
            kind = int(table[s, KIND])
            variant = int(table[s, VARIANT]) % ATLAS_VARIANTS
            fog = table[s, FOG]
            side = table[s, SIDE]
            tint = 0.8 + 0.4 * table[s, TINT]
            for py in range(top, bottom):
                v = (base - py - 0.5) / pix_h
                for px in range(max(left, x_lo), min(right, x_hi)):
                    if depth[py, px] <= dep:
                        continue
                    u = (px + 0.5 - sx) / half
                    emissive = False
                    if kind >= HIKER:
                        covered, emissive = _character(kind, u * table[s, WIDTH_M] * 0.5, v * table[s, HEIGHT_M],
                                                       table[s, PHASE], table[s, PROFILE], table[s, FACING],
                                                       table[s, TINT], col)
                        light = 0.6 + 0.4 * u * side
                    else:
                        tu = (u + 1.0) * 0.5 * ATLAS_WIDTH
                        tv = v * ATLAS_HEIGHT
                        covered = 0.0 <= v < 1.0 and _coverage(atlas, kind, variant, tu, tv) >= 0.5
                        if covered:
                            iu = min(int(tu), ATLAS_WIDTH - 1)
                            iv = min(int(tv), ATLAS_HEIGHT - 1)
                            for c in range(3):
                                col[c] = atlas[kind, variant, iv, iu, c] * tint
                            light = atlas[kind, variant, iv, iu, 4] * (0.62 + 0.38 * u * side)
                    if not covered:
                        continue
                    for c in range(3):
                        lit = col[c] if emissive else col[c] * (env[AMBIENT + c] + env[SUN_RGB + c] * light * 0.85)
                        value = (lit * (1.0 - fog) + env[FOG_RGB + c] * fog) * 255.0
                        frame[py, px, c] = 255 if value > 255.0 else (0 if value < 0.0 else np.uint8(value))
                    depth[py, px] = dep
