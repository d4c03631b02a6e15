"""Helpers of the cluster tests: a short film whose segments are the unit of parallel work, its frames, the Ray
worker processes busy with a segment now, and ``run_async`` with a time limit that allows for starting workers."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from graph import Workflow
from media.video import decode_frames

FPS = 10
SEGMENT_SECONDS = 0.5

#: seconds a test here may take in all (a cluster's first job starts worker processes; the machine is shared)
TIMEOUT = 240.0


def run_async(function: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(function(*args, **kwargs), TIMEOUT))

    return wrapper


def film(seconds: float = 3.0, prefix: str = "film") -> Workflow:
    """LoadWorld -> WanderRollout (``seconds`` at 10 fps, 0.5 s segments: 6 for 3 s) -> RenderVideo 480p ->
    SaveVideo (ids: load, wander, render, out)."""
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "preset": "alpine_meadow", "seed": 0}, node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": seconds, "fps": FPS,
                                        "segment_seconds": SEGMENT_SECONDS}, node_id="wander")
    workflow.add_node("RenderVideo", {"resolution": "480p"}, node_id="render")
    workflow.add_node("SaveVideo", {"filename_prefix": prefix}, node_id="out")
    workflow.connect("load", "world", "wander", "world")
    workflow.connect("wander", "latent", "render", "latent")
    workflow.connect("render", "video", "out", "video")
    return workflow


def frames_of(path: Path) -> np.ndarray:
    return np.concatenate(list(decode_frames(path, 64)))


def piece_pids() -> list[int]:
    """Ray worker processes running a segment task now (Ray titles a busy worker ``ray::<task>``)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                if cmdline.read().startswith(b"ray::_run_piece"):
                    found.append(int(name))
        except OSError:
            continue
    return found
