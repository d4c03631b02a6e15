"""Depth for a photo: a heuristic from the picture itself, or a depth image someone made.

The heuristic is not a learned depth model. It assumes the photo was taken level from eye height
(1.7 m), so its horizon is the middle row, and sorts pixels into three kinds:

- **sky**: above the horizon, blue or bright grey, and connected to the top edge: far away (1 km);
- **ground**: below the horizon, a flat plane: a row ``r`` pixels below the horizon is
  ``1.7 * focal / r`` metres away (nearer lower in the frame), at most 150 m;
- **upright** things above the horizon (trees, walls, people): each column stands where it meets
  the ground, found by following the column down from the horizon until its colour changes
  sharply (an edge) or strays from the colour it had at the horizon; those feet are smoothed
  across columns (a running median), and everything from the top of the thing down to its foot
  takes the ground's depth there.

Good enough for a few metres of parallax; wrong where the photo is not level ground (indoors, a
hillside) or an object does not touch the ground in view. A depth image does better: grey levels
as disparity, white near (1 m) to black far (1 km), the convention of MiDaS and Depth Anything.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .view import focal

EYE_M = 1.7
SKY_M = 1000.0
GROUND_FAR_M = 150.0
NEAR_M = 1.0
UPRIGHT_NEAREST_M = 4.0   # feet are searched no further down than this depth
EDGE = 0.12               # a change of this much (of full scale, summed over RGB) between rows is an edge
FOOT_SMOOTHING = 0.02    # of the width: feet are a running median over this many columns


def estimate_depth(image: np.ndarray, fov: float) -> np.ndarray:
    """float32 [H,W] metres along the view axis for uint8 ``image`` [H,W,3] (the heuristic above)."""
    height, width = image.shape[:2]
    f = focal(width, fov)
    rgb = image.astype(np.float32) / 255.0
    horizon = height // 2
    below = np.arange(height, dtype=np.float32) + 0.5 - height / 2          # pixels below the horizon line
    ground = np.where(below > 0, EYE_M * f / np.maximum(below, 1e-3), np.inf)
    ground = np.minimum(ground, GROUND_FAR_M).astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    lum = rgb.mean(axis=2)
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    skyish = ((b >= r) & (b >= g * 0.92) & (lum > 0.35)) | ((lum > 0.75) & (saturation < 0.15))
    skyish[horizon:] = False
    sky = np.cumprod(skyish, axis=0).astype(bool)                           # connected to the top edge
    # feet: follow each column down from the horizon until its colour changes sharply
    foot = np.full(width, horizon, np.int64)
    deepest = min(height - 1, horizon + int(EYE_M * f / UPRIGHT_NEAREST_M))
    following = ~sky[horizon - 1] if horizon > 0 else np.zeros(width, bool)
    own = rgb[max(horizon - 1, 0)]                                          # the thing's colour at the horizon
    for row in range(horizon, deepest + 1):
        following &= (np.abs(rgb[row] - rgb[row - 1]).sum(axis=1) < EDGE) & (np.abs(rgb[row] - own).sum(axis=1)
                                                                              < 2 * EDGE)
        foot[following] = row
    pad = int(width * FOOT_SMOOTHING / 2)
    foot = np.median(sliding_window_view(np.pad(foot, pad, mode="edge"), 2 * pad + 1), axis=1).astype(np.int64)
    upright = ground[foot]                                                  # [W]
    rows = np.arange(height)[:, None]
    depth = np.where(rows <= foot[None, :], upright[None, :], ground[:, None])
    return np.where(sky, np.float32(SKY_M), depth).astype(np.float32)


def depth_from_image(depth: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float32 [H,W] metres from a depth image (uint8 [h,w,3], white near, black far), resized to
    ``size`` (W, H) by nearest pixels."""
    disparity = resized(depth, size).astype(np.float32).mean(axis=2) / 255.0
    return (1.0 / (disparity * (1.0 / NEAR_M - 1.0 / SKY_M) + 1.0 / SKY_M)).astype(np.float32)


def resized(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` [h,w,C] resampled to ``size`` (W, H) by nearest pixels (centres)."""
    width, height = size
    rows = ((np.arange(height) + 0.5) * image.shape[0] / height).astype(np.int64)
    columns = ((np.arange(width) + 0.5) * image.shape[1] / width).astype(np.int64)
    return np.ascontiguousarray(image[rows[:, None], columns[None, :]])
