"""Frames encoded one at a time for a live stream, and decoded back: H.264 or JPEG.

H.264 (x264 through PyAV, tuned for zero latency: no B-frames and no look-ahead, so each frame's access unit
comes out as the frame goes in) takes a third of JPEG's bit rate at a better PSNR (``bench/live_codec.py``);
browsers decode it with WebCodecs. Its frames depend on the ones before, so a stream that skips frames must
skip them *before* encoding: the next frame then refers to the last one sent. JPEG frames stand alone, for
clients without an H.264 decoder.

An H.264 access unit is Annex B (start codes), with the parameter sets in every key frame, which is what
WebCodecs' ``VideoDecoder`` takes without a ``description``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import av
from av.video.codeccontext import VideoCodecContext
import numpy as np

from .image import decode_image, encode_jpeg

CODECS = ("h264", "jpeg")
#: the WebCodecs codec string of the streams ``H264Encoder`` makes (High profile, level 4: up to 1280x720 at 60)
H264_CODEC_STRING = "avc1.640028"


class StreamCodecError(ValueError):
    """A frame could not be encoded or decoded; the text says why."""


@dataclass(frozen=True)
class EncodedFrame:
    data: bytes
    key: bool  # decodable on its own (always, for JPEG)


class FrameEncoder(Protocol):
    codec: str

    def encode(self, pixels: np.ndarray, key: bool = False) -> EncodedFrame:
        """One uint8 ``[H,W,3]`` frame; ``key`` asks for a frame that decodes on its own."""
        ...


class JpegEncoder:
    codec = "jpeg"

    def __init__(self, quality: int = 80) -> None:
        self.quality = quality

    def encode(self, pixels: np.ndarray, key: bool = False) -> EncodedFrame:
        return EncodedFrame(encode_jpeg(pixels, self.quality), True)


class H264Encoder:
    """A zero-latency H.264 stream of ``size`` frames; a key frame every ``key_seconds`` and when asked."""

    codec = "h264"

    def __init__(self, size: tuple[int, int], fps: int, crf: int = 23, key_seconds: float = 2.0) -> None:
        width, height = size
        if width % 2 or height % 2:
            raise StreamCodecError(f"H.264 needs an even frame size, not {width}x{height}")
        self.context = av.CodecContext.create("libx264", "w")
        self.context.width, self.context.height, self.context.pix_fmt = width, height, "yuv420p"
        self.context.time_base, self.context.framerate = Fraction(1, fps), Fraction(fps)
        self.context.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": str(crf),
                                "g": str(max(1, round(key_seconds * fps))), "profile": "high"}
        self.index = 0

    def encode(self, pixels: np.ndarray, key: bool = False) -> EncodedFrame:
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
        picture.pts = self.index
        if key or self.index == 0:
            picture.pict_type = av.video.frame.PictureType.I
        self.index += 1
        packets = self.context.encode(picture)
        if not packets:
            raise StreamCodecError("the encoder held a frame back (it must not, tuned for zero latency)")
        return EncodedFrame(b"".join(bytes(packet) for packet in packets), any(p.is_keyframe for p in packets))


def encoder_for(codec: str, size: tuple[int, int], fps: int) -> FrameEncoder:
    if codec == "h264":
        return H264Encoder(size, fps)
    if codec == "jpeg":
        return JpegEncoder()
    raise StreamCodecError(f"codec {codec!r} is not one of {', '.join(CODECS)}")


class FrameDecoder:
    """Decodes a stream's frames in order, whatever their codec (a client's side)."""

    def __init__(self) -> None:
        self._h264: VideoCodecContext | None = None

    def decode(self, codec: str, data: bytes) -> np.ndarray:
        if codec == "jpeg":
            return decode_image(data)[0]
        if codec != "h264":
            raise StreamCodecError(f"codec {codec!r} is not one of {', '.join(CODECS)}")
        if self._h264 is None:
            self._h264 = av.CodecContext.create("h264", "r")
        try:
            pictures = list(self._h264.decode(av.Packet(data)))  # one access unit: one picture, at once
        except av.FFmpegError as error:
            raise StreamCodecError(f"not an H.264 frame: {error}") from None
        if not pictures:
            raise StreamCodecError("the H.264 frame decoded to no picture (a frame missed before it?)")
        return pictures[-1].to_ndarray(format="rgb24")
