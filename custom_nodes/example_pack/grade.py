"""A colour grade on uint8 frames: exposure, contrast, warmth and saturation.

Exposure, contrast and warmth become one 256-entry lookup table per channel; saturation mixes each
frame with its luma. Videos are graded segment by segment as they are read, never held whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

import numpy as np

from media.stream import VideoStream

_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


@dataclass(frozen=True)
class Grade:
    exposure: float = 0.0    # stops
    contrast: float = 1.0    # around mid-grey
    saturation: float = 1.0  # 0: grey
    warmth: float = 0.0      # -1: cooler (bluer), 1: warmer (more orange)

    def key(self) -> str:
        """Identifies the grade in segment keys: equal grades of equal segments are equal frames."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def table(self) -> np.ndarray:
        """``[3, 256]`` uint8: the graded value of each input value, per channel."""
        gains = np.array([1 + 0.12 * self.warmth, 1.0, 1 - 0.12 * self.warmth]) * 2.0 ** self.exposure
        values = np.arange(256) / 255.0
        graded = (values[None, :] * gains[:, None] - 0.5) * self.contrast + 0.5
        return (np.clip(graded, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def apply(frames: np.ndarray, grade: Grade) -> np.ndarray:
    """Graded copy of uint8 frames ``[N,H,W,3]``."""
    graded = grade.table()[np.arange(3), frames]
    if grade.saturation != 1.0:
        for frame in graded:  # one frame of floats at a time
            colour = frame.astype(np.float32)
            luma = colour @ _LUMA
            mixed = luma[..., None] + (colour - luma[..., None]) * np.float32(grade.saturation)
            frame[...] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return graded


def grade_stream(video: VideoStream, grade: Grade) -> VideoStream:
    """``video`` graded lazily: each segment (or frame) is graded when something reads it."""
    return replace(
        video,
        segment_source=lambda k, keep: apply(video.segment(k, keep), grade),
        frame_source=lambda i: apply(video.frame(i)[None], grade)[0],
        keys=tuple(f"{key}/grade/{grade.key()}" for key in video.keys),
    )
