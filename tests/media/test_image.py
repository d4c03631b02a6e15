"""media.image: PNG encoding with text chunks, decoding of any common format."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media.image import ImageDecodeError, decode_image, encode_png, read_png_text, solid_frames


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
