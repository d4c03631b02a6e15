"""Screen-space weather: rain streaks and snowflakes, placed by a hash of the frame number."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .lighting import AMBIENT, PRECIPITATION, SNOW, SUN_RGB


@njit(cache=True, fastmath=True, nogil=True)
def precipitation(frame, env, frame_index, seed):  # type: ignore[no-untyped-def]
    amount = env[PRECIPITATION]
    if amount <= 0.01:
        return
    height, width = frame.shape[0], frame.shape[1]
    snow = env[SNOW]
    count = int(amount * width * height / (900.0 if snow > 0.5 else 500.0))
    light = np.empty(3, dtype=np.float32)
    for c in range(3):
        light[c] = min(env[AMBIENT + c] * 1.6 + env[SUN_RGB + c] * 0.3, 1.0)
    state = np.uint64(seed * 1000003 + frame_index * 7919 + 1)
    for _ in range(count):
        state = state * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
        x = int((state >> np.uint64(33)) % np.uint64(width))
        state = state * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
        y = int((state >> np.uint64(33)) % np.uint64(height))
        state = state * np.uint64(6364136223846793005) + np.uint64(1442695040888963407)
        near = ((state >> np.uint64(40)) % np.uint64(1000)) / 1000.0
        if snow > 0.5:
            radius = 0.6 + 1.6 * near
            r = int(math.ceil(radius))
            for yy in range(max(y - r, 0), min(y + r + 1, height)):
                for xx in range(max(x - r, 0), min(x + r + 1, width)):
                    d = math.sqrt((xx - x) ** 2 + (yy - y) ** 2)
                    if d <= radius:
                        a = 0.85 * (1.0 - d / (radius + 0.5))
                        for c in range(3):
                            flake = 255.0 * min(light[c] + 0.25, 1.0)
                            frame[yy, xx, c] = np.uint8(frame[yy, xx, c] * (1 - a) + flake * a)
        else:
            length = int(6 + 18 * near)
            a = 0.18 + 0.22 * near
            for k in range(length):
                yy = y + k
                xx = x + k // 6
                if yy >= height or xx >= width:
                    break
                for c in range(3):
                    frame[yy, xx, c] = np.uint8(frame[yy, xx, c] * (1 - a) + 255.0 * light[c] * a)
