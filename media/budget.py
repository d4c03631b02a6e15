"""Budgets for uint8 RGB frames, checked from sizes (a file's header, a node's inputs) before anything is
allocated, so a decompression bomb or an absurd size fails at once with a message that says what to change.

| limit | environment variable | default | what it bounds |
|---|---|---|---|
| ``frame_pixels`` | ``WORLDGRAPH_MAX_FRAME_PIXELS`` | 64,000,000 | one frame of an image or a video |
| ``frames_bytes`` | ``WORLDGRAPH_MAX_FRAMES_MIB`` | 2048 MiB | the frames of one value: an IMAGE batch, an animation |
| ``segment_bytes`` | ``WORLDGRAPH_MAX_SEGMENT_MIB`` | 1024 MiB | one segment of a VIDEO (saving holds two at once) |

The variables are read at every check (``FrameBudget.from_environ``), so a change applies to the next run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

#: bytes per pixel of a uint8 RGB frame
CHANNELS = 3
MIB = 2**20
PIXELS_VARIABLE = "WORLDGRAPH_MAX_FRAME_PIXELS"
FRAMES_VARIABLE = "WORLDGRAPH_MAX_FRAMES_MIB"
SEGMENT_VARIABLE = "WORLDGRAPH_MAX_SEGMENT_MIB"


class FrameBudgetError(ValueError):
    """Frames would be larger than a budget allows; the message gives their size, the limit and its variable."""


@dataclass(frozen=True)
class FrameBudget:
    frame_pixels: int = 64_000_000
    frames_bytes: int = 2048 * MIB
    segment_bytes: int = 1024 * MIB

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> FrameBudget:
        """The defaults, with any of the three variables in ``environ`` (the process's by default) applied."""
        environ = os.environ if environ is None else environ
        return cls(_whole(environ, PIXELS_VARIABLE, cls.frame_pixels, "pixels"),
                   _whole(environ, FRAMES_VARIABLE, cls.frames_bytes // MIB, "MiB") * MIB,
                   _whole(environ, SEGMENT_VARIABLE, cls.segment_bytes // MIB, "MiB") * MIB)

    def check_frame(self, width: int, height: int, subject: str = "") -> None:
        """Refuse a frame of more than ``frame_pixels``; ``subject`` (an input, a file) starts the message."""
        if width * height > self.frame_pixels:
            raise self.over_frame_pixels(width * height, (width, height), subject)

    def over_frame_pixels(self, pixels: int, size: tuple[int, int] | None = None,
                          subject: str = "") -> FrameBudgetError:
        """The error for a frame of ``pixels`` (of ``size``, when it is known)."""
        shown = f" ({size[0]}x{size[1]})" if size else ""
        limit = f"{self.frame_pixels / 1e6:g} megapixels per frame ({PIXELS_VARIABLE})"
        return FrameBudgetError(_about(subject, f"{pixels / 1e6:.1f} megapixels{shown} is over the limit of {limit}"))

    def check_frames(self, count: int, width: int, height: int, subject: str = "") -> None:
        """Refuse ``count`` frames held as one value when they are more than ``frames_bytes``."""
        _check_bytes(count, width, height, self.frames_bytes, "of frames per value", FRAMES_VARIABLE, subject)

    def check_segment(self, count: int, width: int, height: int, subject: str = "") -> None:
        """Refuse video segments of ``count`` frames when one is more than ``segment_bytes``."""
        _check_bytes(count, width, height, self.segment_bytes, "per segment", SEGMENT_VARIABLE, subject)


def _check_bytes(count: int, width: int, height: int, limit: int, per: str, variable: str, subject: str) -> None:
    frame = width * height * CHANNELS
    if count * frame > limit:
        raise FrameBudgetError(_about(subject, (
            f"{count} frames of {width}x{height} are {_bytes(count * frame)}, over the limit of {_bytes(limit)} "
            f"{per} ({variable}); at most {limit // max(1, frame)} frames of that size fit")))


def _about(subject: str, message: str) -> str:
    return f"{subject}: {message}" if subject else message


def _bytes(size: int) -> str:
    return f"{size / 2**30:.3g} GiB" if size >= 2**30 else f"{size / MIB:.3g} MiB"


def _whole(environ: Mapping[str, str], variable: str, default: int, unit: str) -> int:
    text = environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdecimal() or int(text) == 0:
        raise ValueError(f"{variable} = {text!r} must be a positive whole number of {unit}")
    return int(text)
