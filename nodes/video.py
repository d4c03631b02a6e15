"""Video nodes: attach audio, save (segment-cached encodes, one audio encode), preview, load."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from graph import (AUDIO, VIDEO, Bool, Choice, ContentStore, Float, Int, Node, NodeResult, NodeSchema, Output,
                   OutputFiles, Paths, Socket, String, Workflow)
from graph.parallel import ParallelMap
from media.audio import AudioTrack
from media.budget import FrameBudget
from media.segments import encoded_segments
from media.stream import VideoStream
from media.video import FORMATS, METADATA_KEY, QUALITIES, decode_audio, decode_frames, probe, read_metadata, write

FIT_MODES = ["pad", "trim", "pad_or_trim"]
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm")


def embedded_workflow(path: Path) -> str | None:
    """The workflow a video carries in its container tags (any case: Matroska upper-cases keys)."""
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        return None
    tags = {key.lower(): value for key, value in read_metadata(path).items()}
    return tags.get(METADATA_KEY)


class MuxAudio(Node):
    schema = NodeSchema(
        name="MuxAudio", display_name="Mux audio", category="video",
        description="Attach an audio track to a video, shifted by an offset.",
        inputs=(Socket("video", VIDEO), Socket("audio", AUDIO),
                Float("offset", 0.0, min=-3600.0, max=3600.0, step=0.001, tooltip="seconds; positive delays audio")),
        outputs=(Output("video", VIDEO),),
    )

    def run(self, video: VideoStream, audio: AudioTrack, offset: float) -> tuple[VideoStream]:
        return (video.with_audio(AudioTrack(audio.samples, audio.rate, audio.start + offset)),)


class SaveVideo(Node):
    schema = NodeSchema(
        name="SaveVideo", display_name="Save video", category="video",
        description="MP4 (H.264 + AAC), WebM (VP9 + Opus) or MKV. Segments are encoded once and cached; the file "
                    "joins them and encodes the whole audio track once, so sound stays in sync.",
        inputs=(
            Socket("video", VIDEO), String("filename_prefix", "video/worldgraph"),
            Choice("format", list(FORMATS), "mp4"), Choice("quality", list(QUALITIES), "standard"),
            Choice("audio_fit", FIT_MODES, "pad_or_trim",
                   tooltip="audio shorter than the video: pad with silence; longer: trim to the video"),
            Bool("embed_workflow", True),
        ),
        output_node=True, context=("files", "store", "progress", "workflow", "parallel"),
    )

    def run(self, video: VideoStream, filename_prefix: str, format: str, quality: str, audio_fit: str,
            embed_workflow: bool, files: OutputFiles, store: ContentStore,
            progress: Callable[[float, float | None], None], workflow: Workflow,
            parallel: ParallelMap | None) -> NodeResult:
        fmt = FORMATS[format]
        audio = video.audio.fitted(video.duration, audio_fit) if video.audio is not None else None
        metadata = {METADATA_KEY: workflow.to_json(indent=None)} if embed_workflow else {}
        segments = encoded_segments(video, format, quality, store, lambda done: progress(done, video.segment_count),
                                    parallel)
        entry = files.write("output", filename_prefix, fmt.extension, lambda path: write(
            path, fmt, round(video.fps), video.frame_count, video.segment_frames, segments, audio, metadata))
        return NodeResult((), {"videos": [{**entry, "format": f"video/{fmt.extension}"}]})


class PreviewVideo(Node):
    schema = NodeSchema(
        name="PreviewVideo", display_name="Preview video", category="video",
        description="A small, quick MP4 proxy (half size, draft quality) in the temp folder for the editor.",
        inputs=(Socket("video", VIDEO),), output_node=True, context=("files", "store", "progress", "parallel"),
    )

    def run(self, video: VideoStream, files: OutputFiles, store: ContentStore,
            progress: Callable[[float, float | None], None], parallel: ParallelMap | None) -> NodeResult:
        proxy = _half_size(video)
        audio = video.audio.fitted(video.duration) if video.audio is not None else None
        segments = encoded_segments(proxy, "mp4", "draft", store, lambda done: progress(done, proxy.segment_count),
                                    parallel)
        entry = files.write("temp", "preview/video", "mp4", lambda path: write(
            path, FORMATS["mp4"], round(proxy.fps), proxy.frame_count, proxy.segment_frames, segments, audio, {}))
        return NodeResult((), {"videos": [{**entry, "format": "video/mp4"}]})


def _half_size(video: VideoStream) -> VideoStream:
    width, height = (video.width // 4) * 2, (video.height // 4) * 2
    return replace(video, width=width, height=height,
                   segment_source=lambda k, keep: np.ascontiguousarray(video.segment(k, keep)[:, : height * 2 : 2,
                                                                                            : width * 2 : 2]),
                   frame_source=lambda i: np.ascontiguousarray(video.frame(i)[: height * 2 : 2, : width * 2 : 2]),
                   keys=tuple(f"{key}/half" for key in video.keys))


class LoadVideo(Node):
    schema = NodeSchema(
        name="LoadVideo", display_name="Load video", category="video",
        description="A video file from the input folder: its frames (streamed, never all in memory, one segment "
                    "within the segment budget) and audio.",
        inputs=(String("video", "", tooltip="file name inside the input folder", upload="video"),
                Int("segment_frames", 60, min=1, max=600)),
        outputs=(Output("video", VIDEO), Output("audio", AUDIO)), context=("paths",),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        stat = paths.resolve("input", constants["video"]).stat()
        return [stat.st_size, stat.st_mtime_ns]

    def run(self, video: str, segment_frames: int, paths: Paths) -> tuple[VideoStream, AudioTrack]:
        path = paths.resolve("input", video)
        if not path.is_file():
            raise FileNotFoundError(f"input 'video' = {video!r}: no such file in the input folder")
        info = probe(path)
        budget = FrameBudget.from_environ()
        budget.check_frame(info.width, info.height, subject=f"input 'video' = {video!r}")
        budget.check_segment(segment_frames, info.width, info.height,
                             subject=f"input 'segment_frames' = {segment_frames}")
        reader = _SequentialReader(path, segment_frames)
        audio = decode_audio(path) or AudioTrack.silence(info.seconds)
        frame_count = info.frames or reader.count()
        stat = path.stat()
        keys = tuple(f"file/{path.name}/{stat.st_size}/{stat.st_mtime_ns}/{k}"
                     for k in range(-(-frame_count // segment_frames)))
        stream = VideoStream(info.fps or 30.0, info.width, info.height, frame_count, segment_frames,
                             lambda k, keep: reader.segment(k),
                             lambda i: reader.segment(i // segment_frames)[i % segment_frames], keys, audio)
        return stream, audio


class _SequentialReader:
    """Segments of a file decoded in order; asking for an earlier one starts decoding again."""

    def __init__(self, path: Any, segment_frames: int) -> None:
        self.path = path
        self.segment_frames = segment_frames
        self._iterator: Iterator[np.ndarray] | None = None
        self._next = 0
        self._last: tuple[int, np.ndarray] | None = None

    def count(self) -> int:
        return sum(batch.shape[0] for batch in decode_frames(self.path, self.segment_frames))

    def segment(self, k: int) -> np.ndarray:
        if self._last is not None and self._last[0] == k:
            return self._last[1]
        if self._iterator is None or k < self._next:
            self._iterator, self._next = decode_frames(self.path, self.segment_frames), 0
        while True:
            batch = next(self._iterator)
            self._next += 1
            if self._next - 1 == k:
                self._last = (k, batch)
                return batch


NODES = (MuxAudio, SaveVideo, PreviewVideo, LoadVideo)
