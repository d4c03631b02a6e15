"""The example pack's nodes: thin definitions over ``shake`` and ``grade``."""

from __future__ import annotations

import numpy as np

from graph import IMAGE, LATENT, VIDEO, Float, Node, NodeSchema, Output, Seed, Socket
from media.stream import VideoStream
from world.contract import Rollout

from .grade import Grade, apply, grade_stream
from .shake import shake


class CameraShake(Node):
    schema = NodeSchema(
        name="CameraShake", display_name="Camera shake", category="example_pack",
        description="A handheld wobble of the walker's view for a while; the view ends where it would have been.",
        inputs=(
            Socket("latent", LATENT),
            Float("time", 0.0, min=0.0, max=600.0, step=0.1, tooltip="seconds"),
            Float("duration", 2.0, min=0.1, max=600.0, step=0.1, tooltip="seconds"),
            Float("amplitude", 2.0, min=0.0, max=15.0, step=0.1, tooltip="degrees"),
            Float("frequency", 3.0, min=0.1, max=15.0, step=0.1, tooltip="wobbles per second"),
            Seed("seed", 0),
        ),
        outputs=(Output("latent", LATENT),),
    )

    def run(self, latent: Rollout, time: float, duration: float, amplitude: float, frequency: float,
            seed: int) -> tuple[Rollout]:
        start = round(time * latent.fps)
        if start >= latent.frames:
            raise ValueError(f"input 'time' = {time:g} s is beyond the timeline (0 to {latent.duration:g} s)")
        return (shake(latent, start, max(1, round(duration * latent.fps)), amplitude, frequency, seed),)


_GRADE_INPUTS = (
    Float("exposure", 0.0, min=-4.0, max=4.0, step=0.1, tooltip="stops"),
    Float("contrast", 1.0, min=0.0, max=3.0, step=0.05),
    Float("saturation", 1.0, min=0.0, max=3.0, step=0.05, tooltip="0: black and white"),
    Float("warmth", 0.0, min=-1.0, max=1.0, step=0.05, tooltip="-1: cooler, 1: warmer"),
)


class ColorGrade(Node):
    schema = NodeSchema(
        name="ColorGrade", display_name="Colour grade (video)", category="example_pack",
        description="Exposure, contrast, saturation and warmth; graded segment by segment as the video is read.",
        inputs=(Socket("video", VIDEO), *_GRADE_INPUTS),
        outputs=(Output("video", VIDEO),),
    )

    def run(self, video: VideoStream, exposure: float, contrast: float, saturation: float,
            warmth: float) -> tuple[VideoStream]:
        return (grade_stream(video, Grade(exposure, contrast, saturation, warmth)),)


class ColorGradeImage(Node):
    schema = NodeSchema(
        name="ColorGradeImage", display_name="Colour grade (image)", category="example_pack",
        description="The same grade for frames.",
        inputs=(Socket("images", IMAGE), *_GRADE_INPUTS),
        outputs=(Output("images", IMAGE),),
    )

    def run(self, images: np.ndarray, exposure: float, contrast: float, saturation: float,
            warmth: float) -> tuple[np.ndarray]:
        return (apply(images, Grade(exposure, contrast, saturation, warmth)),)


NODES = (CameraShake, ColorGrade, ColorGradeImage)
