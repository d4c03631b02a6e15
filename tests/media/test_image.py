"""media.image: PNG encoding with text chunks, decoding of any common format."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media.budget import FRAMES_VARIABLE, PIXELS_VARIABLE, FrameBudgetError
from media.image import ImageDecodeError, decode_image, encode_png, read_png_text, solid_frames

GreyPng = Callable[..., Path]  # tests/conftest.py's grey_png
Capped = Callable[[], AbstractContextManager[None]]  # and its capped_memory


def random_frame(height: int = 5, width: int = 7, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_encode_decode_round_trip_bytes() -> None:
    frame = random_frame()
    data = encode_png(frame)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    decoded = decode_image(data)
    assert decoded.shape == (1, 5, 7, 3) and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded[0], frame)


def test_encode_decode_round_trip_path(tmp_path: Path) -> None:
    frame = random_frame(3, 2, seed=1)
    path = tmp_path / "frame.png"
    path.write_bytes(encode_png(frame, compress_level=9))
    np.testing.assert_array_equal(decode_image(path)[0], frame)
    np.testing.assert_array_equal(decode_image(str(path))[0], frame)


def test_text_chunks_short_and_long_utf8(tmp_path: Path) -> None:
    long_text = "élan ☃ 世界 🌍 " * 2000  # far over 1024 characters: stored compressed
    text = {"workflow": long_text, "short": "ünï", "empty": ""}
    path = tmp_path / "text.png"
    path.write_bytes(encode_png(random_frame(), text))
    assert read_png_text(path) == text
    assert len(path.read_bytes()) < len(long_text.encode("utf-8"))  # the long chunk was compressed
    np.testing.assert_array_equal(decode_image(path)[0], random_frame())


def test_no_text_chunks(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    path.write_bytes(encode_png(random_frame()))
    assert read_png_text(path) == {}


def test_read_png_text_of_other_files(tmp_path: Path) -> None:
    not_image = tmp_path / "x.png"
    not_image.write_bytes(b"hello")
    assert read_png_text(not_image) == {}
    jpeg = tmp_path / "x.jpg"
    Image.new("RGB", (2, 2)).save(jpeg)
    assert read_png_text(jpeg) == {}


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20],
                         ids=["empty", "text", "png-signature-only"])
def test_invalid_bytes_raise_image_decode_error(data: bytes) -> None:
    with pytest.raises(ImageDecodeError, match="not a readable image"):
        decode_image(data)


def test_truncated_png_raises_image_decode_error() -> None:
    data = encode_png(random_frame(64, 64))
    with pytest.raises(ImageDecodeError):
        decode_image(data[: len(data) // 2])


def test_missing_file_raises_image_decode_error(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError):
        decode_image(tmp_path / "missing.png")


def test_image_decode_error_is_a_value_error() -> None:
    assert issubclass(ImageDecodeError, ValueError)


@pytest.mark.parametrize("frame", [
    np.zeros((4, 4, 3), np.float32),
    np.zeros((4, 4, 3), np.uint16),
    np.zeros((4, 4, 3), np.int8),
    np.zeros((4, 4), np.uint8),
    np.zeros((4, 4, 4), np.uint8),
    np.zeros((1, 4, 4, 3), np.uint8),
], ids=["float32", "uint16", "int8", "2d", "rgba", "batch"])
def test_encode_png_rejects_other_frames(frame: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"expected a uint8 \[H,W,3\] frame"):
        encode_png(frame)


def test_decode_converts_modes_to_rgb() -> None:
    for mode, colour in (("L", 90), ("RGBA", (1, 2, 3, 255)), ("I;16", 5), ("CMYK", (0, 0, 0, 0))):
        buffer = io.BytesIO()
        Image.new(mode, (3, 2), colour).save(buffer, format="TIFF" if mode == "CMYK" else "PNG")
        decoded = decode_image(buffer.getvalue())
        assert decoded.shape == (1, 2, 3, 3) and decoded.dtype == np.uint8, mode


def test_animated_frames_of_different_sizes_keep_the_first() -> None:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (4, 4), (255, 0, 0)), Image.new("RGB", (4, 4), (0, 255, 0))
    first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=40)
    decoded = decode_image(buffer.getvalue())
    assert decoded.shape == (2, 4, 4, 3)
    assert decoded[0, 0, 0, 0] > 200 and decoded[1, 0, 0, 1] > 200


def test_solid_frames() -> None:
    frames = solid_frames(5, 3, (1, 2, 3), count=4)
    assert frames.shape == (4, 3, 5, 3) and frames.dtype == np.uint8
    assert (frames == np.array([1, 2, 3], np.uint8)).all()


# ---- the frame budget --------------------------------------------------------------------------
def gif_on_a_screen(width: int, height: int, frames: int) -> bytes:
    """A GIF whose logical screen is ``width`` x ``height`` and whose ``frames`` frames each draw one pixel: a few
    hundred bytes that decode to ``frames`` full-screen frames."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + bytes([0, 0, 0, 255, 255, 255])
    delay = b"\x21\xf9\x04\x00\x04\x00\x00\x00"  # graphic control: 40 ms
    pixel = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"  # LZW: clear, 0, end
    return header + (delay + pixel) * frames + b"\x3b"


def test_a_huge_png_is_refused_from_its_header(tmp_path: Path, grey_png: GreyPng, capped_memory: Capped) -> None:
    """Past twice the limit Pillow refuses it as a decompression bomb; the error is ours all the same."""
    path = grey_png(tmp_path / "huge.png", 12000, 12000)
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    with capped_memory(), pytest.raises(FrameBudgetError) as caught:
        decode_image(path)
    assert time.perf_counter() - started < 0.5
    assert str(caught.value) == ("144.0 megapixels is over the limit of 64 megapixels per frame "
                                 f"({PIXELS_VARIABLE})")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_png_just_over_the_limit_is_refused_with_its_size(tmp_path: Path, grey_png: GreyPng,
                                                            capped_memory: Capped) -> None:
    path = grey_png(tmp_path / "big.png", 9000, 8000)
    with capped_memory(), pytest.raises(FrameBudgetError, match=r"^72\.0 megapixels \(9000x8000\) is over the "):
        decode_image(path)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_pixel_limit_follows_the_environment(tmp_path: Path, grey_png: GreyPng,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # decoding sets it to the limit
    monkeypatch.setenv(PIXELS_VARIABLE, "100")
    assert decode_image(grey_png(tmp_path / "ten.png", 10, 10)).shape == (1, 10, 10, 3)
    with pytest.raises(FrameBudgetError, match=r"\(11x10\) is over the limit of 0\.0001 megapixels per frame"):
        decode_image(grey_png(tmp_path / "eleven.png", 11, 10))


def test_an_animation_over_the_frames_budget_is_refused_before_a_frame_is_decoded(capped_memory: Capped) -> None:
    data = gif_on_a_screen(8000, 8000, 12)  # 12 frames of 192 MB each
    with capped_memory(), pytest.raises(FrameBudgetError) as caught:
        decode_image(data)
    assert str(caught.value) == ("12 frames of 8000x8000 are 2.15 GiB, over the limit of 2 GiB of frames per value "
                                 f"({FRAMES_VARIABLE}); at most 11 frames of that size fit")


def test_the_frames_budget_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    data = gif_on_a_screen(512, 512, 60)  # 45 MiB decoded
    assert decode_image(data).shape == (60, 512, 512, 3)
    monkeypatch.setenv(FRAMES_VARIABLE, "32")
    with pytest.raises(FrameBudgetError, match=r"^60 frames of 512x512 are 45 MiB, over the limit of 32 MiB"):
        decode_image(data)


def test_read_png_text_of_a_png_too_large_to_open(tmp_path: Path, grey_png: GreyPng) -> None:
    """Pillow refuses to open it, so it has no text to read: no DecompressionBombError escapes."""
    assert read_png_text(grey_png(tmp_path / "huge.png", 15000, 15000, {"workflow": "{}"})) == {}
