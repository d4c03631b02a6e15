"""Frame streams: a video as lazily produced segments of uint8 frames, never held whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .audio import AudioTrack

#: (segment index, whether the producer should keep the frames) -> uint8 [n,H,W,3]
SegmentSource = Callable[[int, bool], np.ndarray]
FrameSource = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class VideoStream:
    """``frame_count`` frames of ``width`` x ``height`` at ``fps``, in segments of ``segment_frames``.

    ``segment(k)`` returns segment k's frames as uint8 ``[n,H,W,3]``; with ``keep`` the producer may
    cache them (consumers that cache something smaller, such as encoded segments, pass False);
    ``frame(i)`` returns one frame, cheaper than its whole segment when the producer can do that.
    ``keys`` identify each segment's content (equal keys: equal frames), for caching encoded chunks.
    """

    fps: float
    width: int
    height: int
    frame_count: int
    segment_frames: int
    segment_source: SegmentSource
    frame_source: FrameSource
    keys: tuple[str, ...]
    audio: AudioTrack | None = None
    #: before segments are rendered apart (a cluster's tasks): do here, in order, the cheap work they share
    prepare: Callable[[Sequence[int]], None] | None = None
    #: what rendering one segment needs, so a cluster places that work where it can run (a GPU world model's
    #: segments go to a GPU worker that keeps its weights); False and 0: any CPU worker
    gpu: bool = False
    memory_mb: int = 0

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    @property
    def segment_count(self) -> int:
        return -(-self.frame_count // self.segment_frames)

    @property
    def nbytes(self) -> int:
        """A stream holds no frames itself (what a cache should count)."""
        return 256

    def with_audio(self, audio: AudioTrack | None) -> VideoStream:
        return replace(self, audio=audio)

    def segment(self, k: int, keep: bool = True) -> np.ndarray:
        if not 0 <= k < self.segment_count:
            raise IndexError(f"segment {k} of a {self.segment_count}-segment video")
        frames = self.segment_source(k, keep)
        expected = min(self.segment_frames, self.frame_count - k * self.segment_frames)
        if frames.shape != (expected, self.height, self.width, 3) or frames.dtype != np.uint8:
            raise ValueError(f"segment {k} came out {frames.dtype} {list(frames.shape)}; expected uint8 "
                             f"[{expected}, {self.height}, {self.width}, 3]")
        return frames

    def segments(self) -> Iterator[np.ndarray]:
        for k in range(self.segment_count):
            yield self.segment(k)

    def frame(self, index: int) -> np.ndarray:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} of a {self.frame_count}-frame video")
        return self.frame_source(index)

    def frames(self) -> Iterator[np.ndarray]:
        for segment in self.segments():
            yield from segment


def contact_sheet(frames: list[np.ndarray], columns: int, gap: int = 4, background: int = 16) -> np.ndarray:
    """Tile same-sized ``[H,W,3]`` frames into one image, ``columns`` wide."""
    if not frames:
        raise ValueError("a contact sheet needs at least one frame")
    height, width = frames[0].shape[:2]
    rows = -(-len(frames) // columns)
    sheet = np.full((rows * height + (rows + 1) * gap, columns * width + (columns + 1) * gap, 3), background,
                    dtype=np.uint8)
    for i, frame in enumerate(frames):
        r, c = divmod(i, columns)
        y, x = gap + r * (height + gap), gap + c * (width + gap)
        sheet[y:y + height, x:x + width] = frame
    return sheet
