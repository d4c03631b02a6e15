"""Drawing the photo from a moved camera: each pixel is lifted to 3D by its depth, moved into the new
camera and splatted forward with a z-buffer; what no pixel lands on is filled from its neighbours.

All in NumPy, vectorised over pixels. Coordinates: forward, right, up metres from the photo's
viewpoint; the photo's camera looks forward, level, with a horizontal field of view ``fov``.
"""

from __future__ import annotations

import math

import numpy as np

Eye = tuple[float, float, float, float, float]  # forward, right, up (metres), yaw right, pitch up (degrees)
_INDEX_BITS = 23                                   # source pixels: up to 8M
_NEAREST_M = 0.05                                  # closer than this to the new camera: not drawn


def focal(width: int, fov: float) -> float:
    """Focal length in pixels of a horizontal field of view ``fov`` degrees across ``width``."""
    return width / 2.0 / math.tan(math.radians(fov) / 2.0)


def render_view(image: np.ndarray, depth: np.ndarray, fov: float, eye: Eye, size: tuple[int, int],
                gains: np.ndarray | None = None) -> np.ndarray:
    """uint8 [H',W',3] (``size`` = W', H'): ``image`` [H,W,3] with ``depth`` [H,W] (metres along the
    view axis) seen from ``eye``, each channel times ``gains`` [3] when given."""
    height, width = depth.shape
    out_w, out_h = size
    f, f_out = focal(width, fov), focal(out_w, fov)
    # the photo's pixels in 3D (pixel centres), relative to the new eye
    right = ((np.arange(width, dtype=np.float32) + 0.5 - width / 2) / f)[None, :] * depth
    up = ((height / 2 - np.arange(height, dtype=np.float32) - 0.5) / f)[:, None] * depth
    x, y, z, yaw, pitch = eye
    d_f, d_r, d_u = depth - np.float32(x), right - np.float32(y), up - np.float32(z)
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    ahead = cy * d_f + sy * d_r
    across = (cy * d_r - sy * d_f).ravel()
    along = (cp * ahead + sp * d_u).ravel()      # distance along the new view axis
    above = (cp * d_u - sp * ahead).ravel()
    seen = np.nonzero(along > _NEAREST_M)[0]
    along, inverse = along[seen], 1.0 / along[seen]
    u = out_w / 2 + f_out * across[seen] * inverse
    v = out_h / 2 - f_out * above[seen] * inverse
    # nearer first: depth (in 1/256 m) above the source index, so the smallest key wins a pixel
    keys = (np.minimum(along * 256, 2**38).astype(np.int64) << _INDEX_BITS) | seen
    magnified = (f_out / f) * depth.ravel()[seen] * inverse   # how many output pixels one source pixel spans
    buffer = np.full(out_w * out_h, np.iinfo(np.int64).max, np.int64)
    for reach, wanted in ((0, None), (1, magnified > 1.0), (2, magnified > 2.0)):
        picked = slice(None) if wanted is None else np.nonzero(wanted)[0]
        _splat(buffer, u[picked], v[picked], keys[picked], reach, size)
    hit = buffer != np.iinfo(np.int64).max
    colours = np.zeros((out_w * out_h, 3), np.float32)
    colours[hit] = image.reshape(-1, 3)[buffer[hit] & ((1 << _INDEX_BITS) - 1)]
    filled = fill_holes(colours.reshape(out_h, out_w, 3), hit.reshape(out_h, out_w))
    if gains is not None:
        filled *= np.asarray(gains, np.float32)
    return np.clip(filled + 0.5, 0, 255).astype(np.uint8)


def _splat(buffer: np.ndarray, u: np.ndarray, v: np.ndarray, keys: np.ndarray, reach: int,
           size: tuple[int, int]) -> None:
    """Write ``keys`` into ``buffer`` (a z-buffer, row-major ``size``) at the pixels ``reach`` away
    from each point's own (0: its pixel; 1: a 2x2 footprint's new pixels; 2: a 3x3's)."""
    out_w, out_h = size
    column, row = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    offsets = {0: [(0, 0)], 1: [(1, 0), (0, 1), (1, 1)], 2: [(-1, -1), (0, -1), (1, -1), (-1, 0), (-1, 1)]}[reach]
    for dc, dr in offsets:
        c, r = column + dc, row + dr
        inside = (c >= 0) & (c < out_w) & (r >= 0) & (r < out_h)
        np.minimum.at(buffer, r[inside] * out_w + c[inside], keys[inside])


def fill_holes(colours: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``colours`` [H,W,3] float32 with the unknown pixels filled by push-pull: averaged down a
    pyramid of known pixels, then brought back up (smoothly) into the holes; known pixels are kept."""
    if known.all():
        return colours
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    colour, weight = colours * known[..., None], known.astype(np.float32)
    while weight.shape[0] > 1 or weight.shape[1] > 1:
        levels.append((colour, weight))
        weight, total = _halve(weight[..., None])[..., 0], _halve(colour * weight[..., None])
        colour, weight = total / np.maximum(weight, 1e-6)[..., None], np.minimum(weight, 1.0)
    filled = colour
    for colour, weight in reversed(levels[1:]):
        coarse = _doubled(filled, weight.shape)
        filled = colour * weight[..., None] + coarse * (1.0 - weight[..., None])
    return np.where(known[..., None], colours, _doubled(filled, known.shape))


def _halve(values: np.ndarray) -> np.ndarray:
    """Sums of 2x2 blocks of ``values`` [H,W,C] (odd sizes padded with zeros): [ceil(H/2),ceil(W/2),C]."""
    h, w, _ = values.shape
    padded = np.pad(values, ((0, h % 2), (0, w % 2), (0, 0))) if h % 2 or w % 2 else values
    return padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2]


def _doubled(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` [h,w,C] at twice the size, cut to ``shape`` [:2]: each pixel spread over 2x2, then
    averaged with its neighbours' (a bilinear-like blend, so filled holes show no blocks)."""
    up = np.repeat(np.repeat(values, 2, axis=0), 2, axis=1)
    up[1:-1] = (up[:-2] + up[2:]) * 0.5 if up.shape[0] > 2 else up[1:-1]
    up[:, 1:-1] = (up[:, :-2] + up[:, 2:]) * 0.5 if up.shape[1] > 2 else up[:, 1:-1]
    return up[:shape[0], :shape[1]]
