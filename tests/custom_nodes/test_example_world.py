"""The photo world pack (custom_nodes/example_world): a third world backend, written against the
public world contract only, through the contract and through the built-in nodes."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import av
import numpy as np
import pytest

import graph
from graph import Executor, NodeExecutionError, Paths, Workflow

from graph.packs import LOADED, PackOptions, PackReport, load_packs
from media.image import encode_png
from world.actions import CROUCH, JUMP, SPRINT, ActionTrack
from world.backends import BACKENDS
from world.capability import UnsupportedEdit
from world.edits import ChangeShot, InsertCharacter, PlotEvent
from world.store import DictStore, Tier
from world.timeline import Timeline
from world.world import GENERATOR_VERSION, World, load_world

ROOT = Path(__file__).resolve().parents[2]
SIZE = (48, 32)


def load(registry: graph.NodeRegistry) -> PackReport:
    """The pack, loaded into ``registry`` the way the server and the CLI load it."""
    options = PackOptions((ROOT / "custom_nodes",), allow=frozenset({"example_world"}))
    [report] = [r for r in load_packs(registry, options) if r.name == "example_world"]
    assert report.status == LOADED, report.to_dict()
    return report


@pytest.fixture
def pack(registry: graph.NodeRegistry) -> PackReport:
    return load(registry)


def module(pack: PackReport, name: str) -> ModuleType:
    return sys.modules[f"{pack.module}.{name}"]


def picture() -> np.ndarray:
    """uint8 [32,48,3]: blue sky, a dark upright block standing on textured green ground."""
    rng = np.random.default_rng(0)
    image = np.empty((32, 48, 3), np.uint8)
    image[:16] = (110, 160, 230)
    image[16:] = np.clip(rng.normal((70, 150, 60), 25, (16, 48, 3)), 0, 255)
    image[8:21, 30:36] = (60, 40, 30)
    return image


def photo(pack: PackReport, **inputs: Any) -> Any:
    return module(pack, "photo").photo_world(inputs.pop("image", picture()), 70.0, 3.0, **inputs)


def rollout(pack: PackReport, world: Any = None, frames: int = 12) -> Any:
    """12 frames in segments of 4 at 10 fps: forward, strafing, turning, sprinting, crouching, a jump, a pose."""
    world = world if world is not None else photo(pack)
    actions = ActionTrack.empty(frames)
    actions.move[:, 0], actions.move[4:8, 1] = 1.0, -0.5
    actions.look[:, 0], actions.look[6:, 1] = 2.0, -1.0
    actions.flags[2:4], actions.flags[5], actions.flags[9:] = SPRINT, JUMP, CROUCH
    actions.pose[8] = (2049.0, 2048.5, -20.0)
    walk = Timeline(world.spec, 10, frames, 4, (2048.0, 2048.0, 0.0), 0.0, actions)
    return BACKENDS.get("photo").rollout(world, walk)


def test_the_pack_registers_its_backend_and_loader(pack: PackReport, registry: graph.NodeRegistry) -> None:
    assert pack.nodes == ["LoadPhotoWorld"] and "photo" in BACKENDS.names()
    info = rollout(pack).info
    assert (info.name, info.native_size, info.fps, info.gpu) == ("photo", SIZE, None, False)
    assert info.edits == {"pace", "lighting", "time_of_day"} and 0 < info.memory_mb < 100


def test_a_second_load_of_the_pack_keeps_working(pack: PackReport) -> None:
    again = load(graph.NodeRegistry())
    assert rollout(again).render_frame(3, SIZE, DictStore()).shape == (32, 48, 3)


# ---- the contract --------------------------------------------------------------------------------------
def test_step_is_pure_and_steps_in_pieces_as_at_once(pack: PackReport) -> None:
    latent, store = rollout(pack), DictStore()
    start = latent.state_at(1, store)
    actions = latent.actions.slice(2, 10)
    pace = PlotEvent(2, "pace", amount=2.0, transition_frames=3)
    once = latent.step(start, actions, [pace], store)
    assert latent.step(start, actions, [pace], store) == once and latent.state_at(1, store) == start
    pieces = latent.step(latent.step(start, actions.slice(0, 3), [pace], store), actions.slice(3, 8), [], store)
    assert pieces == once and once.frame == 9
    assert latent.load_state(latent.save_state(once)) == once
    assert all(isinstance(a, np.ndarray) for a in latent.save_state(once).values())


def test_states_render_as_segments_do_and_step_on_into_the_next_segment(pack: PackReport) -> None:
    latent, store = rollout(pack), DictStore()
    assert latent.segment_count == 3 and latent.segment_range(2) == (8, 12)
    frames = np.concatenate([latent.render_segment(k, SIZE, store) for k in range(3)])
    for f in (0, 5, 11):
        np.testing.assert_array_equal(latent.render_state(latent.state_at(f, store), SIZE, store), frames[f])
        np.testing.assert_array_equal(latent.render_frame(f, SIZE, store), frames[f])
    stepped = latent.step(latent.segment_end(0, store), latent.actions.slice(4, 8), [], store)
    assert stepped == latent.segment_end(1, store)
    np.testing.assert_array_equal(latent.render_state(stepped, SIZE, store), frames[7])
    assert len({frames[f].tobytes() for f in range(12)}) == 12  # the camera really moves


class CountingStore(DictStore):
    def __init__(self) -> None:
        super().__init__()
        self.puts: list[str] = []

    def put(self, key: str, value: Any, tier: Tier = "both") -> None:
        self.puts.append(key)
        super().put(key, value, tier)


def test_an_edit_at_t_recomputes_only_the_segments_from_t(pack: PackReport) -> None:
    latent, store = rollout(pack), CountingStore()
    before = [latent.render_segment(k, SIZE, store) for k in range(3)]
    store.puts.clear()
    edited = latent.with_edit(PlotEvent(5, "lighting", "dim"), store)
    assert edited.segment_hashes()[0] == latent.segment_hashes()[0]
    assert len(set(edited.segment_hashes()[1:]) & set(latent.segment_hashes())) == 0
    after = [edited.render_segment(k, SIZE, store) for k in range(3)]
    assert sorted(key.split("/")[1] for key in store.puts) == ["frames", "frames", "segment", "segment"]
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1][0], before[1][0])       # frame 4: before the event
    assert after[1][1:].astype(int).sum() < before[1][1:].astype(int).sum() * 0.7   # dimmed from frame 5
    assert edited.walk.edits == edited.edits and len(edited.edits) == 1               # the walk hears it too


def test_edits_it_cannot_follow_name_the_input(pack: PackReport) -> None:
    latent, store = rollout(pack), DictStore()
    for edit, field in ((InsertCharacter(2, "hiker"), "archetype"), (ChangeShot(2), "shot"),
                        (PlotEvent(2, "weather", "rain"), "event")):
        with pytest.raises(UnsupportedEdit) as caught:
            latent.with_edit(edit, store)
        assert caught.value.field == field and "photo backend" in str(caught.value)


def test_the_camera_stays_within_its_radius(pack: PackReport) -> None:
    latent, store = rollout(pack, frames=40), DictStore()
    assert latent.state_at(8, store).yaw == 20.0 and latent.state_at(9, store).crouched   # the pose, then crouching
    ahead = ActionTrack.empty(40)
    ahead.move[:, 0], ahead.flags[:] = 1.0, SPRINT       # 18 m in 4 s
    straight = latent.with_actions(ahead)
    assert straight.segment_hashes()[0] != latent.segment_hashes()[0]
    assert [round(straight.state_at(f, store).x, 3) for f in (5, 20, 39)] == [2.7, 3.0, 3.0]


# ---- parallax --------------------------------------------------------------------------------------------
def markers(pack: PackReport) -> Any:
    """Grey far away, a red square 3 m ahead on the left and a blue one 30 m ahead on the right."""
    image = np.full((32, 48, 3), 128, np.uint8)
    depth = np.full((32, 48, 3), 1, np.uint8)
    image[14:18, 10:14], depth[14:18, 10:14] = (255, 0, 0), 85
    image[14:18, 34:38], depth[14:18, 34:38] = (0, 0, 255), 9
    return photo(pack, image=image, depth=depth)


def centre(frame: np.ndarray, channel: int) -> float:
    other = [c for c in range(3) if c != channel]
    mask = (frame[..., channel] > 200) & (frame[..., other] < 80).all(axis=2)
    return float(np.nonzero(mask)[1].mean())


def seen_after(pack: PackReport, world: Any, move: tuple[float, float], look: float) -> np.ndarray:
    latent, store = rollout(pack, world), DictStore()
    actions = ActionTrack.empty(1)
    actions.move[0, :2], actions.look[0, 0] = move, look
    state = latent.step(latent.load_state(latent.save_state(latent.state_at(0, store).__class__())), actions, [],
                        store)
    return latent.render_state(state, SIZE, store)


def test_parallax_near_things_move_more_than_far_ones(pack: PackReport) -> None:
    world = markers(pack)
    assert world.depth[15, 11] == pytest.approx(3.0, rel=0.05) and world.depth[15, 35] == pytest.approx(29, rel=0.1)
    still = seen_after(pack, world, (0.0, 0.0), 0.0)
    strafed = seen_after(pack, world, (0.0, 1.0), 0.0)   # 0.2 m to the right
    near, far = centre(strafed, 0) - centre(still, 0), centre(strafed, 2) - centre(still, 2)
    assert near < -1.5 and -0.5 < far <= 0 and abs(near) > 4 * abs(far)
    looked = seen_after(pack, world, (0.0, 0.0), -5.0)   # look left: the picture shifts right
    assert centre(looked, 0) - centre(still, 0) > 2 and centre(looked, 2) - centre(still, 2) > 2


def test_the_estimated_depth(pack: PackReport) -> None:
    depth = photo(pack).depth
    assert depth[0, 0] == 1000.0                                  # sky
    assert depth[31, 0] < depth[24, 0] < depth[17, 0] < 200       # ground: nearer lower in the frame
    assert depth[10, 32] == pytest.approx(depth[20, 32])          # the block stands where its foot is


def test_start_from_another_image_keeps_the_camera(pack: PackReport) -> None:
    world = photo(pack)
    other = BACKENDS.get("photo").start_from_image(world, picture()[::-1].copy())
    assert (other.fov, other.radius, other.spec, other.size) == (world.fov, world.radius, world.spec, world.size)
    assert other.image_digest != world.image_digest and other.depth_source == "estimated"


# ---- through the executor --------------------------------------------------------------------------------
@pytest.fixture
def warm(executor: Executor, pack: PackReport) -> Executor:
    """The executor, its store holding the photo world's open ground already (walks are planned on it)."""
    ground = open_ground(module(pack, "photo").OPEN_GROUND)
    executor.store.put(f"world/{GENERATOR_VERSION}/{ground.spec.terrain_key()}/built", ground, tier="memory")
    return executor


_GROUND: list[World] = []


def open_ground(spec: Any) -> World:
    """The open ground, built once for this module."""
    if not _GROUND:
        _GROUND.append(load_world(spec, DictStore()))
    return _GROUND[0]


def photo_workflow(paths: Paths, edit: tuple[str, dict[str, Any]]) -> Workflow:
    """LoadImage -> LoadPhotoWorld -> WanderRollout -> ``edit`` -> RenderVideo and GenerateAudio -> MuxAudio
    -> SaveVideo."""
    paths.input.mkdir(parents=True, exist_ok=True)
    (paths.input / "photo.png").write_bytes(encode_png(picture()))
    workflow = Workflow()
    workflow.add_node("LoadImage", {"image": "photo.png"}, node_id="image")
    workflow.add_node("LoadPhotoWorld", {"radius": 2.0}, node_id="photo")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": 2.0, "fps": 10, "segment_seconds": 0.5},
                      node_id="wander")
    workflow.add_node(edit[0], edit[1], node_id="edit")
    workflow.add_node("RenderVideo", {"resolution": "native"}, node_id="render")
    workflow.add_node("GenerateAudio", {}, node_id="audio")
    workflow.add_node("MuxAudio", {}, node_id="mux")
    workflow.add_node("SaveVideo", {"filename_prefix": "photo/clip", "embed_workflow": False}, node_id="save")
    for source, output, target, name in (("image", "image", "photo", "image"), ("photo", "world", "wander", "world"),
                                         ("wander", "latent", "edit", "latent"), ("edit", "latent", "render", "latent"),
                                         ("edit", "latent", "audio", "latent"), ("render", "video", "mux", "video"),
                                         ("audio", "audio", "mux", "audio"), ("mux", "video", "save", "video")):
        workflow.connect(source, output, target, name)
    return workflow


def test_a_photo_to_a_saved_video_with_sound(warm: Executor, paths: Paths) -> None:
    result = warm.run(photo_workflow(paths, ("PlotEvent", {"time": 1.0, "event": "lighting", "value": "warm"})))
    assert "48x32, depth estimated" in result.ui["photo"]["text"][0]
    video = result.output("render", "video")
    assert (video.width, video.height, video.fps, video.frame_count) == (48, 32, 10.0, 20)
    [path] = result.files["save"]
    with av.open(str(path)) as container:
        assert container.streams.audio and container.streams.video[0].width == 48
        duration = float(container.duration or 0) / av.time_base
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 20 and duration == pytest.approx(2.0, abs=0.15)
    assert np.abs(frames[0].astype(int) - video.frame(0).astype(int)).mean() < 12


def test_an_edit_it_cannot_do_fails_naming_the_node(warm: Executor, paths: Paths) -> None:
    with pytest.raises(NodeExecutionError) as caught:
        warm.run(photo_workflow(paths, ("InsertCharacter", {"time": 0.5})))
    assert (caught.value.node_id, caught.value.class_type) == ("edit", "InsertCharacter")
    assert "the photo backend cannot insert characters" in caught.value.message


def test_the_shipped_photo_world_workflow_validates(pack: PackReport, registry: graph.NodeRegistry) -> None:
    workflow = Workflow.load(ROOT / "workflows" / "photo_world.json", registry)
    assert not graph.plan(workflow, registry).warnings
    assert {"LoadPhotoWorld", "WanderRollout", "PlotEvent", "RenderVideo", "GenerateAudio",
            "SaveVideo"} <= {node.class_type for node in workflow.nodes.values()}
