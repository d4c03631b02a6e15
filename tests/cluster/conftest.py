"""One local Ray cluster per test module (2 CPUs: two 1-CPU task workers at once), and a short film whose
segments are the unit of parallel work."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("ray")

from graph import Workflow  # noqa: E402
from graph.cluster import connect, disconnect  # noqa: E402
from media.video import decode_frames  # noqa: E402

FPS = 10
SEGMENT_SECONDS = 0.5
CPUS = 2


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A Ray cluster on this machine (127.0.0.1, no dashboard), stopped when the module's tests end."""
    ray = connect("local", num_cpus=CPUS)
    yield ray
    disconnect()


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
