"""The example pack in custom_nodes/example_pack, loaded the way the server and the CLI load it."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import graph
from graph.packs import LOADED, PackOptions, PackReport, load_packs, scripts
from media.stream import VideoStream
from world.actions import ActionTrack
from world.spec import WorldSpec
from world.timeline import Timeline

CUSTOM_NODES = Path(__file__).resolve().parents[2] / "custom_nodes"


@pytest.fixture
def pack(registry: graph.NodeRegistry) -> PackReport:
    [report] = [r for r in load_packs(registry, PackOptions((CUSTOM_NODES,), allow=frozenset({"example_pack"})))
                if r.name == "example_pack"]
    assert report.status == LOADED, report.to_dict()
    return report


def module(pack: PackReport, name: str) -> ModuleType:
    return sys.modules[f"{pack.module}.{name}"]


def walk(frames: int = 120, fps: int = 30) -> Timeline:
    """A timeline walking straight ahead (no world needed until it is simulated)."""
    actions = ActionTrack.empty(frames)
    actions.move[:, 0] = 1.0
    return Timeline(WorldSpec(seed=3), fps, frames, 30, (2048.0, 2048.0, 0.0), 0.0, actions)


def test_the_pack_loads_with_its_nodes_and_extension(pack: PackReport, registry: graph.NodeRegistry) -> None:
    assert pack.nodes == ["CameraShake", "ColorGrade", "ColorGradeImage"]
    assert registry.source("CameraShake") == "custom_nodes/example_pack"
    assert scripts([pack]) == ["/extensions/example_pack/example_pack.js"]


# ---- camera shake -----------------------------------------------------------------------------------
def shaken(registry: graph.NodeRegistry, timeline: Timeline, **inputs: Any) -> Timeline:
    values = {"time": 1.0, "duration": 2.0, "amplitude": 3.0, "frequency": 4.0, "seed": 1, **inputs}
    (result,) = registry.get("CameraShake")().run(latent=timeline, **values)
    return result


def test_shake_wobbles_only_its_window_and_ends_on_the_original_view(pack: PackReport,
                                                                     registry: graph.NodeRegistry) -> None:
    timeline = walk()
    result = shaken(registry, timeline)
    delta = result.actions.look - timeline.actions.look
    assert not delta[:30].any() and not delta[90:].any() and np.abs(delta[30:90]).max() > 0.05
    view = np.cumsum(delta, axis=0)  # how far the view is from where it would be
    assert np.abs(view).max() <= 3.0 + 1e-4 and np.allclose(view[-1], 0.0, atol=1e-4)
    np.testing.assert_array_equal(result.actions.move, timeline.actions.move)
    before, after = timeline.segment_hashes(), result.segment_hashes()
    assert before[0] == after[0] and all(a != b for a, b in zip(before[1:], after[1:], strict=True))


def test_shake_is_a_pure_function_of_its_inputs(pack: PackReport, registry: graph.NodeRegistry) -> None:
    timeline = walk()
    timeline.actions.look.flags.writeable = False  # as cached values are
    first, again = shaken(registry, timeline), shaken(registry, timeline)
    np.testing.assert_array_equal(first.actions.look, again.actions.look)
    assert not np.array_equal(first.actions.look, shaken(registry, timeline, seed=2).actions.look)
    assert shaken(registry, timeline, time=3.9, duration=5.0).actions.look[-1].any()  # cut at the end
    with pytest.raises(ValueError, match="input 'time' = 4 s is beyond the timeline"):
        shaken(registry, timeline, time=4.0)


# ---- colour grade -----------------------------------------------------------------------------------
FRAMES = np.random.default_rng(0).integers(0, 256, (3, 8, 10, 3), dtype=np.uint8)


def graded(registry: graph.NodeRegistry, frames: np.ndarray, **inputs: float) -> np.ndarray:
    values = {"exposure": 0.0, "contrast": 1.0, "saturation": 1.0, "warmth": 0.0, **inputs}
    (result,) = registry.get("ColorGradeImage")().run(images=frames, **values)
    assert result.dtype == np.uint8 and result.shape == frames.shape
    return np.asarray(result)


def test_grade(pack: PackReport, registry: graph.NodeRegistry) -> None:
    np.testing.assert_array_equal(graded(registry, FRAMES), FRAMES)
    assert graded(registry, FRAMES, exposure=1.0).astype(int).sum() > FRAMES.astype(int).sum()
    grey = graded(registry, FRAMES, saturation=0.0).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1 and np.abs(grey[..., 1] - grey[..., 2]).max() <= 1
    mid = np.full((1, 1, 1, 3), 128, np.uint8)
    warm = graded(registry, mid, warmth=1.0)[0, 0, 0]
    assert warm[0] > 128 > warm[2] and warm[1] == 128
    assert graded(registry, mid, contrast=0.0)[0, 0, 0].tolist() == [128, 128, 128]


def test_video_grade_streams_segment_by_segment(pack: PackReport, registry: graph.NodeRegistry) -> None:
    read: list[int] = []

    def segment(k: int, keep: bool) -> np.ndarray:
        read.append(k)
        return np.full((4 if k < 2 else 2, 8, 10, 3), 40 * (k + 1), np.uint8)

    video = VideoStream(30.0, 10, 8, 10, 4, segment, lambda i: segment(i // 4, False)[i % 4], ("a", "b", "c"))
    (result,) = registry.get("ColorGrade")().run(video=video, exposure=1.0, contrast=1.0, saturation=1.0, warmth=0.0)
    assert read == [] and result.frame_count == 10 and result.segment_count == 3
    assert result.segment(2).tolist() == np.full((2, 8, 10, 3), 240, np.uint8).tolist() and read == [2]
    assert result.frame(5)[0, 0].tolist() == [160, 160, 160]
    (other,) = registry.get("ColorGrade")().run(video=video, exposure=0.5, contrast=1.0, saturation=1.0, warmth=0.0)
    assert result.keys[0].startswith("a/grade/") and len({*result.keys, *other.keys, *video.keys}) == 9


def test_the_pack_runs_in_a_workflow(pack: PackReport, executor: graph.Executor) -> None:
    workflow = graph.Workflow()
    workflow.add_node("EmptyImage", {"width": 4, "height": 2, "red": 100, "green": 100, "blue": 100}, node_id="1")
    workflow.add_node("ColorGradeImage", {"exposure": -1.0}, node_id="2")
    workflow.add_node("PreviewValue", node_id="3")
    workflow.connect("1", "image", "2", "images")
    workflow.connect("2", "images", "3", "value")
    result = executor.run(workflow)
    assert result.output("2", "images")[0, 0, 0].tolist() == [50, 50, 50]
