"""Still images: decode any common format to uint8 RGB frames, encode PNG with text chunks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, PngImagePlugin, UnidentifiedImageError


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can read."""


def decode_image(source: bytes | str | Path) -> np.ndarray:
    """All frames of an image file as uint8 RGB ``[N,H,W,3]`` (N > 1 for animated images)."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            frames = [_to_rgb(frame) for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageDecodeError(f"not a readable image: {error}") from None
    sizes = {frame.shape for frame in frames}
    if len(sizes) > 1:
        frames = frames[:1]
    return np.stack(frames)


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


def read_png_text(path: str | Path) -> dict[str, str]:
    """The text chunks of a PNG file (empty for other formats)."""
    try:
        with Image.open(path) as image:
            return {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
    except (UnidentifiedImageError, OSError):
        return {}


def solid_frames(width: int, height: int, color: tuple[int, int, int], count: int = 1) -> np.ndarray:
    """``count`` frames of one colour, ``[count,H,W,3]`` uint8."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    frames[...] = np.asarray(color, dtype=np.uint8)
    return frames
