"""The learned world model through the executor: LoadWorldModel, EncodeImage, and the world, audio
and video nodes on a learned world."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

import graph
from graph import Executor, NodeExecutionError, Workflow
from world.learned.runner import LearnedWorld
from world.learned.timeline import LatentTimeline

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def learned(wander: dict[str, Any] | None = None, edits: list[tuple[str, dict[str, Any]]] | None = None,
            image: bool = False) -> Workflow:
    """LoadWorld -> LoadWorldModel [-> EncodeImage] -> WanderRollout -> edits... -> PreviewValue 'out'."""
    workflow = Workflow()
    workflow.add_node("LoadWorld", {}, node_id="load")
    workflow.add_node("LoadWorldModel", {"checkpoint": "tiny"}, node_id="model")
    workflow.connect("load", "world", "model", "world")
    source = "model"
    if image:
        workflow.add_node("EmptyImage", {"width": 96, "height": 64, "green": 140, "blue": 60}, node_id="image")
        workflow.add_node("EncodeImage", {}, node_id="encode")
        workflow.connect("model", "world", "encode", "world")
        workflow.connect("image", "image", "encode", "image")
        source = "encode"
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": 2.0, "fps": 10, "segment_seconds": 0.5,
                                        **(wander or {})}, node_id="wander")
    workflow.connect(source, "world", "wander", "world")
    last = "wander"
    for i, (class_type, inputs) in enumerate(edits or []):
        workflow.add_node(class_type, inputs, node_id=f"e{i}")
        workflow.connect(last, "latent", f"e{i}", "latent")
        last = f"e{i}"
    workflow.add_node("PreviewValue", {}, node_id="out")
    workflow.connect(last, "latent", "out", "value")
    return workflow


def test_load_world_model_to_saved_video_with_sound(warm: Executor) -> None:
    workflow = learned(edits=[("PlotEvent", {"time": 1.0, "event": "lighting", "value": "warm"})])
    workflow.add_node("RenderVideo", {"resolution": "native"}, node_id="render")
    workflow.add_node("GenerateAudio", {}, node_id="audio")
    workflow.add_node("MuxAudio", {}, node_id="mux")
    workflow.add_node("SaveVideo", {"filename_prefix": "learned/clip", "embed_workflow": False}, node_id="save")
    workflow.connect("e0", "latent", "render", "latent")
    workflow.connect("e0", "latent", "audio", "latent")
    workflow.connect("render", "video", "mux", "video")
    workflow.connect("audio", "audio", "mux", "audio")
    workflow.connect("mux", "video", "save", "video")
    result = warm.run(workflow)
    world = result.output("model", "world")
    assert isinstance(world, LearnedWorld) and world.backend == "learned" and world.name == "tiny"
    assert world.spec.biome == "meadow"
    assert "64x64 at 10 fps" in result.ui["model"]["text"][0]
    latent = result.output("e0", "latent")
    assert isinstance(latent, LatentTimeline) and latent.frames == 20 and len(latent.edits) == 1
    video = result.output("render", "video")
    assert (video.width, video.height, video.fps, video.frame_count) == (64, 64, 10.0, 20)
    [path] = result.files["save"]
    with av.open(str(path)) as container:
        assert container.streams.video[0].width == 64 and container.streams.audio
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 20 and np.abs(frames[0].astype(int) - video.frame(0).astype(int)).mean() < 12


def test_a_learned_world_from_an_image(warm: Executor) -> None:
    workflow = learned(image=True)
    workflow.add_node("RenderVideo", {"resolution": "480p"}, node_id="render")
    workflow.connect("wander", "latent", "render", "latent")
    workflow.add_node("PreviewValue", {}, node_id="shown")
    workflow.connect("render", "video", "shown", "value")
    result = warm.run(workflow)
    world = result.output("encode", "world")
    assert world.image.shape == (64, 96, 3) and world.image_digest and world.spec.vegetation == 0.0
    first = result.output("render", "video").frame(0)
    assert first.shape == (480, 854, 3)
    assert abs(first.astype(float).mean(axis=(0, 1)) - (0, 140, 60)).max() < 45


@pytest.mark.parametrize("class_type, inputs, needle", [
    ("InsertCharacter", {"time": 0.5}, "the learned backend 'tiny' cannot insert characters"),
    ("ChangeShot", {"time": 0.5}, "the learned backend 'tiny' cannot change shots"),
    ("PlotEvent", {"time": 0.5, "event": "weather", "value": "rain"}, "input 'event' = 'weather'"),
])
def test_director_edits_it_cannot_do_name_the_node(warm: Executor, class_type: str, inputs: dict[str, Any],
                                                   needle: str) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        warm.run(learned(edits=[(class_type, inputs)]))
    assert (caught.value.node_id, caught.value.class_type) == ("e0", class_type)
    assert needle in caught.value.message


@pytest.mark.parametrize("wander, needle", [({"fps": 30}, "input 'fps' = 30"),
                                            ({"mode": "track", "track": '[{"pose": [5, 5, 0]}]'}, "input 'track'")])
def test_wander_inputs_the_model_cannot_follow(warm: Executor, wander: dict[str, Any], needle: str) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        warm.run(learned(wander))
    assert caught.value.node_id == "wander" and needle in caught.value.message


def test_encode_image_needs_a_learned_world(warm: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("LoadWorld", {}, node_id="load")
    workflow.add_node("EmptyImage", {"width": 8, "height": 8}, node_id="image")
    workflow.add_node("EncodeImage", {}, node_id="encode")
    workflow.connect("load", "world", "encode", "world")
    workflow.connect("image", "image", "encode", "image")
    workflow.add_node("PreviewValue", {}, node_id="out")
    workflow.connect("encode", "world", "out", "value")
    with pytest.raises(NodeExecutionError, match="connect LoadWorldModel"):
        warm.run(workflow)


def test_the_learned_wander_workflow_validates(registry: graph.NodeRegistry) -> None:
    workflow = Workflow.load(WORKFLOWS / "learned-wander.json", registry)
    assert not graph.plan(workflow, registry).warnings
    assert {"LoadWorldModel", "WanderRollout", "PlotEvent", "RenderVideo", "GenerateAudio",
            "SaveVideo"} <= {node.class_type for node in workflow.nodes.values()}


def test_render_video_says_what_its_backend_needs_so_a_cluster_can_place_segments(warm: Executor) -> None:
    workflow = learned()
    workflow.add_node("RenderVideo", {"resolution": "native"}, node_id="render")
    workflow.connect("wander", "latent", "render", "latent")
    (latent,) = warm.evaluate(workflow, "wander")
    (video,) = warm.evaluate(workflow, "render")
    assert video.memory_mb == latent.info.memory_mb > 0  # the weights' size
    assert video.gpu is latent.info.gpu
