"""Looking at video: a contact sheet preview, and frames saved as PNG files."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from graph import VIDEO, Bool, Int, Node, NodeResult, NodeSchema, OutputFiles, Socket, String, Workflow
from media.budget import FrameBudget
from media.stream import VideoStream, contact_sheet

from .image import WORKFLOW_CHUNK, save_frames


class PreviewFrames(Node):
    schema = NodeSchema(
        name="PreviewFrames", display_name="Preview frames", category="video",
        description="A contact sheet: frames picked evenly across the video, in a grid.",
        inputs=(Socket("video", VIDEO), Int("count", 12, min=1, max=64), Int("columns", 4, min=1, max=16)),
        output_node=True, context=("files", "progress"),
    )

    def run(self, video: VideoStream, count: int, columns: int, files: OutputFiles,
            progress: Callable[[float, float | None], None]) -> NodeResult:
        count = min(count, video.frame_count)
        FrameBudget.from_environ().check_frames(count, video.width, video.height, subject=f"input 'count' = {count}")
        picks = np.linspace(0, video.frame_count - 1, count).round().astype(int)
        frames = []
        for done, index in enumerate(picks):
            frames.append(video.frame(int(index)))
            progress(done + 1, count)
        sheet = contact_sheet(frames, min(columns, count))
        return NodeResult((), {"images": save_frames(sheet[None], "temp", "contact", files, {})})


class SaveFrames(Node):
    schema = NodeSchema(
        name="SaveFrames", display_name="Save frames", category="video",
        description="Every n-th frame as a numbered PNG in the output folder, segment by segment.",
        inputs=(
            Socket("video", VIDEO),
            String("filename_prefix", "frames/worldgraph"),
            Int("every", 1, min=1, max=10000, tooltip="save one frame in this many"),
            Bool("embed_workflow", True),
        ),
        output_node=True, context=("files", "progress", "workflow"),
    )

    def run(self, video: VideoStream, filename_prefix: str, every: int, embed_workflow: bool, files: OutputFiles,
            progress: Callable[[float, float | None], None], workflow: Workflow) -> NodeResult:
        text = {WORKFLOW_CHUNK: workflow.to_json(indent=None)} if embed_workflow else {}
        saved = []
        if every == 1:  # whole segments: one render call per segment
            for k in range(video.segment_count):
                saved.extend(save_frames(video.segment(k), "output", filename_prefix, files, text))
                progress(k + 1, video.segment_count)
        else:  # only the frames kept are rendered
            picks = range(0, video.frame_count, every)
            for done, index in enumerate(picks):
                saved.extend(save_frames(video.frame(index)[None], "output", filename_prefix, files, text))
                progress(done + 1, len(picks))
        return NodeResult((), {"images": saved})


NODES = (PreviewFrames, SaveFrames)
