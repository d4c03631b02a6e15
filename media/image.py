"""Still images: decode any common format to uint8 RGB frames within the frame budget, encode PNG with text
chunks."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, PngImagePlugin, UnidentifiedImageError

from .budget import FrameBudget, FrameBudgetError

#: the pixel count in Pillow's DecompressionBombError: "Image size (144000000 pixels) exceeds limit of ..."
_PILLOW_PIXELS = re.compile(r"\((\d+) pixels\)")


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can read."""


def decode_image(source: bytes | str | Path) -> np.ndarray:
    """All frames of an image file as uint8 RGB ``[N,H,W,3]`` (N > 1 for animated images; only the first when
    the frames differ in size). The size and frame count in the header are checked against the frame budget
    (``media.budget``) before a pixel is decoded: refused images raise ``FrameBudgetError``."""
    budget = FrameBudget.from_environ()
    Image.MAX_IMAGE_PIXELS = budget.frame_pixels  # Pillow refuses twice this itself, as a DecompressionBombError
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            count = getattr(image, "n_frames", 1)
            budget.check_frame(*image.size)
            budget.check_frames(count, *image.size)
            return _decode_frames(image, count)
    except Image.DecompressionBombError as error:
        raise _pillow_refusal(budget, error) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageDecodeError(f"not a readable image: {error}") from None


def _decode_frames(image: Image.Image, count: int) -> np.ndarray:
    """Up to ``count`` frames written into one array as they are decoded (no list of frames to stack)."""
    width, height = image.size
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    decoded = 0
    for frame in itertools.islice(ImageSequence.Iterator(image), count):
        if frame.size != (width, height):
            return frames[:1]
        frames[decoded] = _to_rgb(frame)
        decoded += 1
    return frames[:decoded]


def _pillow_refusal(budget: FrameBudget, error: Image.DecompressionBombError) -> FrameBudgetError:
    """Pillow's refusal (a frame over twice its ``MAX_IMAGE_PIXELS``, at open or at a later frame) in our words."""
    found = _PILLOW_PIXELS.search(str(error))
    return budget.over_frame_pixels(int(found[1])) if found else FrameBudgetError(str(error))


def _to_rgb(frame: Image.Image) -> np.ndarray:
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        background = Image.new("RGBA", frame.size, (0, 0, 0, 255))
        frame = Image.alpha_composite(background, frame.convert("RGBA"))
    return np.asarray(frame.convert("RGB"), dtype=np.uint8)


def encode_png(frame: np.ndarray, text: dict[str, str] | None = None, compress_level: int = 4) -> bytes:
    """One ``[H,W,3]`` uint8 frame as PNG bytes, with ``text`` as iTXt chunks (UTF-8, any length)."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected a uint8 [H,W,3] frame, got {frame.dtype} {list(frame.shape)}")
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value, zip=len(value) > 1024)
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", pnginfo=info, compress_level=compress_level)
    return buffer.getvalue()


def encode_jpeg(frame: np.ndarray, quality: int = 80) -> bytes:
    """One ``[H,W,3]`` uint8 frame as baseline JPEG bytes (what a browser decodes fastest)."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected a uint8 [H,W,3] frame, got {frame.dtype} {list(frame.shape)}")
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality, subsampling="4:2:0")
    return buffer.getvalue()


def read_png_text(path: str | Path) -> dict[str, str]:
    """The text chunks of a PNG file (empty for other formats, and for one Pillow refuses to open as too large)."""
    try:
        with Image.open(path) as image:
            return {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return {}


def solid_frames(width: int, height: int, color: tuple[int, int, int], count: int = 1) -> np.ndarray:
    """``count`` frames of one colour, ``[count,H,W,3]`` uint8."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    frames[...] = np.asarray(color, dtype=np.uint8)
    return frames
