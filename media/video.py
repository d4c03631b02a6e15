"""Video files: closed-GOP segment encodes, a remux of cached segments with one audio encode over the
whole track, embedded metadata, and streamed decoding.

A segment is encoded on its own into a small MP4 (no B-frames, one GOP starting with a key frame),
so segments can be cached and joined by copying packets. The audio is encoded once while the video
packets are copied, interleaved segment by segment: memory stays flat in the video's length, and
there is no per-segment encoder priming to drift.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.video.stream import VideoStream

from .audio import RATE, AudioTrack
from .budget import FrameBudget


class VideoError(ValueError):
    """A video file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class Format:
    container: str
    extension: str
    video_codec: str
    audio_codec: str
    audio_rate: int


FORMATS = {
    "mp4": Format("mp4", "mp4", "libx264", "aac", RATE),
    "webm": Format("webm", "webm", "libvpx-vp9", "libopus", RATE),
    "mkv": Format("matroska", "mkv", "libx264", "aac", RATE),
}
#: quality -> (x264 preset, x264 crf, vp9 crf, vp9 cpu-used)
QUALITIES = {"draft": ("ultrafast", 28, 40, 8), "standard": ("veryfast", 23, 33, 8), "high": ("medium", 19, 28, 4)}
METADATA_KEY = "workflow"


def _video_options(fmt: Format, quality: str, gop: int) -> dict[str, str]:
    preset, crf, vp9_crf, cpu_used = QUALITIES[quality]
    if fmt.video_codec == "libx264":
        return {"preset": preset, "crf": str(crf), "bf": "0", "g": str(gop),
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0"}
    return {"crf": str(vp9_crf), "b": "0", "cpu-used": str(cpu_used), "deadline": "realtime", "row-mt": "1",
            "g": str(gop), "lag-in-frames": "0"}


def encode_segment(frames: np.ndarray, fps: int, fmt: Format, quality: str = "standard") -> bytes:
    """One segment (uint8 ``[n,H,W,3]``) as a standalone file of one closed GOP."""
    height, width = frames.shape[1:3]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4" if fmt.video_codec == "libx264" else "webm") as container:
        stream = cast(VideoStream, container.add_stream(fmt.video_codec, rate=fps,
                                                        options=_video_options(fmt, quality, max(len(frames), 1))))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_type = "AUTO"
        for index, frame in enumerate(frames):
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            picture.pts = index
            container.mux(stream.encode(picture))
        container.mux(stream.encode())
    return buffer.getvalue()


@dataclass(frozen=True)
class VideoOutput:
    path: Path
    frames: int
    seconds: float


def write(path: str | os.PathLike[str], fmt: Format, fps: int, frame_count: int, segment_frames: int,
          segments: Iterable[bytes], audio: AudioTrack | None, metadata: dict[str, str],
          progress: Callable[[int], None] | None = None) -> VideoOutput:
    """Join encoded segments (as ``encode_segment`` made them) and encode ``audio`` once, atomically.

    The file is written to a temporary name beside ``path`` and renamed when complete.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".wg-tmp-", suffix=f".{fmt.extension}", dir=target.parent)
    os.close(fd)
    try:
        _write(temp_name, fmt, fps, frame_count, segment_frames, segments, audio, metadata, progress)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return VideoOutput(target, frame_count, frame_count / fps)


def _write(path: str, fmt: Format, fps: int, frame_count: int, segment_frames: int, segments: Iterable[bytes],
           audio: AudioTrack | None, metadata: dict[str, str], progress: Callable[[int], None] | None) -> None:
    options = {"movflags": "use_metadata_tags"} if fmt.container == "mp4" else {}
    with av.open(path, "w", format=fmt.container, options=options) as output:
        output.metadata.update(metadata)
        video_out = audio_out = None
        fed = 0  # audio samples given to the encoder so far
        total_samples = round(audio.duration * fmt.audio_rate) if audio is not None else 0
        for k, data in enumerate(segments):
            with cast(InputContainer, av.open(io.BytesIO(data))) as segment:
                source = segment.streams.video[0]
                if video_out is None:
                    video_out = output.add_stream_from_template(source)
                    if audio is not None:
                        audio_out = cast(AudioStream, output.add_stream(
                            fmt.audio_codec, rate=fmt.audio_rate, layout="stereo",
                            options={"aac_coder": "fast"} if fmt.audio_codec == "aac" else {}))
                offset = round(Fraction(k * segment_frames, fps) / (source.time_base or Fraction(1, fps)))
                for packet in segment.demux(source):
                    if packet.dts is None or packet.pts is None:
                        continue
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = video_out
                    output.mux(packet)
            if audio_out is not None and audio is not None:
                until = min(round(min((k + 1) * segment_frames, frame_count) / fps * fmt.audio_rate), total_samples)
                _feed_audio(output, audio_out, audio, fed, until)
                fed = until
            if progress is not None:
                progress(k + 1)
        if video_out is None:
            raise VideoError("no video segments to write")
        if audio_out is not None and audio is not None:
            _feed_audio(output, audio_out, audio, fed, total_samples)
            output.mux(audio_out.encode(None))


def _feed_audio(output: av.container.OutputContainer, stream: AudioStream, audio: AudioTrack,
                first: int, last: int, chunk: int = 48_000) -> None:
    for start in range(first, last, chunk):
        stop = min(start + chunk, last)
        samples = audio.window(start / audio.rate, stop / audio.rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), format="fltp", layout="stereo")
        frame.sample_rate = audio.rate
        frame.pts = start
        output.mux(stream.encode(frame))


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """Container tags of a video file (empty when it is not one)."""
    try:
        with av.open(str(path)) as container:
            return dict(container.metadata)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return {}


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frames: int
    seconds: float
    has_audio: bool


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    name = Path(path).name
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{name!r} has no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            seconds = float(container.duration / av.time_base) if container.duration else 0.0
            frames = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
            return VideoInfo(stream.codec_context.width, stream.codec_context.height, fps, frames, seconds,
                             bool(container.streams.audio))
    except av.error.FFmpegError as error:
        raise VideoError(f"cannot read video file {name!r}: {error}") from None


def decode_frames(path: str | os.PathLike[str], batch: int) -> Iterator[np.ndarray]:
    """Frames of a file as uint8 ``[n,H,W,3]`` batches of at most ``batch`` (streamed). The frame size and the
    batch are checked against the frame budget (``media.budget``) before the first batch is allocated, and each
    batch is written in place as it is decoded."""
    name = Path(path).name
    budget = FrameBudget.from_environ()
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{name!r} has no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            budget.check_frame(width, height)
            budget.check_segment(batch, width, height)
            pending, filled = np.empty(0, np.uint8), 0  # a whole batch is allocated at its first frame
            for index, frame in enumerate(container.decode(stream)):
                if (frame.width, frame.height) != (width, height):
                    raise VideoError(f"{name!r} changes size at frame {index}: {frame.width}x{frame.height}, "
                                     f"not {width}x{height}")
                if filled == 0:
                    pending = np.empty((batch, height, width, 3), np.uint8)
                pending[filled] = frame.to_ndarray(format="rgb24")
                filled += 1
                if filled == batch:
                    yield pending
                    filled = 0
            if filled:
                yield pending[:filled]
    except av.error.FFmpegError as error:
        raise VideoError(f"cannot decode video file {name!r}: {error}") from None


def decode_audio(path: str | os.PathLike[str]) -> AudioTrack | None:
    """The first audio stream of a file, resampled to 48 kHz stereo float32 (None without audio)."""
    name = Path(path).name
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
            chunks = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().T)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().T)
    except av.error.FFmpegError as error:
        raise VideoError(f"cannot decode the audio of {name!r}: {error}") from None
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, 2), np.float32)
    return AudioTrack(samples, RATE)
