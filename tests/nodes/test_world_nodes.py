"""The world nodes (LoadWorld, WanderRollout, the Director edits, RenderVideo) and the video nodes
(PreviewFrames, SaveFrames), run through the executor."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graph
import world.render
import world.timeline as timeline_module
from graph import Executor, NodeExecutionError, Paths, Workflow, WorkflowInvalid
from media.budget import FRAMES_VARIABLE, SEGMENT_VARIABLE
from media.image import decode_image, read_png_text
from media.stream import VideoStream
from nodes.image import WORKFLOW_CHUNK
from world import objects as objects_module
from world import wander
from world.procedural import WorldRef
from world.edits import ChangeShot, InsertCharacter, PlotEvent
from world.physics import Body
from world.presets import PRESETS
from world.spec import WorldSpec
from world.timeline import Timeline
from world.world import World

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
SMALL = (160, 90)
# Fixtures from tests/conftest.py (registry, paths, store, executor) and tests/nodes/conftest.py (meadow, warm).


@pytest.fixture
def small_video(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Render '480p' at 160x90: same code paths, a fraction of the pixels."""
    monkeypatch.setitem(world.render.SIZES, "480p", SMALL)
    return SMALL


def rollout(wander: dict[str, Any] | None = None, edits: Sequence[tuple[str, dict[str, Any]]] = (),
            load: dict[str, Any] | None = None, render: bool = False, sink: str = "PreviewValue",
            sink_inputs: dict[str, Any] | None = None) -> Workflow:
    """LoadWorld -> WanderRollout -> edits... [-> RenderVideo] -> sink (ids: load, wander, e0.., render, out)."""
    workflow = Workflow()
    workflow.add_node("LoadWorld", load or {}, node_id="load")
    workflow.add_node("WanderRollout", {"mode": "walk", "duration": 2.0, "fps": 10, "segment_seconds": 0.5,
                                        **(wander or {})}, node_id="wander")
    workflow.connect("load", "world", "wander", "world")
    last = ("wander", "latent")
    for i, (class_type, inputs) in enumerate(edits):
        workflow.add_node(class_type, inputs, node_id=f"e{i}")
        workflow.connect(*last, f"e{i}", "latent")
        last = (f"e{i}", "latent")
    if render:
        workflow.add_node("RenderVideo", {"resolution": "480p"}, node_id="render")
        workflow.connect(*last, "render", "latent")
        last = ("render", "video")
    workflow.add_node(sink, sink_inputs or {}, node_id="out")
    workflow.connect(*last, "out", "video" if sink != "PreviewValue" else "value")
    return workflow


def latent_of(executor: Executor, workflow: Workflow) -> Timeline:
    """The latent at the end of a ``rollout`` chain."""
    result = executor.run(workflow)
    edits = sorted((k for k in workflow.nodes if k.startswith("e")), key=lambda k: int(k[1:]))
    return result.output(edits[-1] if edits else "wander", "latent")


def load_world_node(executor: Executor, inputs: dict[str, Any]) -> tuple[WorldRef, str, dict[str, Any]]:
    workflow = Workflow()
    workflow.add_node("LoadWorld", inputs, node_id="load")
    workflow.add_node("PreviewValue", node_id="out")
    workflow.connect("load", "world", "out", "value")
    result = executor.run(workflow)
    return result.output("load", "world"), result.output("load", "description"), dict(result.ui.get("load", {}))


def failure(executor: Executor, workflow: Workflow) -> NodeExecutionError:
    with pytest.raises(NodeExecutionError) as caught:
        executor.run(workflow)
    return caught.value


def invalid(executor: Executor, workflow: Workflow) -> list[graph.ValidationError]:
    with pytest.raises(WorkflowInvalid) as caught:
        executor.run(workflow)
    return caught.value.errors


# ---- LoadWorld ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PRESETS))
def test_load_world_from_a_preset(executor: Executor, name: str) -> None:
    ref, description, ui = load_world_node(executor, {"source": "preset", "preset": name, "seed": 12})
    assert ref == WorldRef("procedural", PRESETS[name].replace(seed=12))
    assert f"preset {name}" in description and '"seed": 12' in description
    assert ui["text"] == [f"preset {name}"]


def test_load_world_from_parameters(executor: Executor) -> None:
    inputs: dict[str, Any] = {"source": "parameters", "seed": 5, "biome": "tundra", "relief": 0.2, "roughness": 0.9,
              "vegetation": 0.1, "rocks": 0.7, "structures": 0.3, "water": 0.25, "time_of_day": 20.5,
              "weather": "snow", "fog": 0.6}
    ref, description, _ = load_world_node(executor, inputs)
    expected = WorldSpec(**{k: v for k, v in inputs.items() if k != "source"})
    assert ref.spec == expected
    assert json.loads(description[description.index("{"):]) == expected.to_dict()


def test_load_world_from_a_file(executor: Executor, paths: Paths) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    (paths.input / "world.json").write_text(json.dumps({"biome": "coast", "water": 0.5, "weather": "fog"}))
    ref, description, _ = load_world_node(executor, {"source": "file", "file": "world.json", "seed": 4})
    assert ref.spec == WorldSpec(seed=4, biome="coast", water=0.5, weather="fog")
    assert "file world.json" in description
    # the file is part of the node's identity: an edited file is read again
    (paths.input / "world.json").write_text(json.dumps({"biome": "desert"}))
    ref, _, _ = load_world_node(executor, {"source": "file", "file": "world.json", "seed": 4})
    assert ref.spec == WorldSpec(seed=4, biome="desert")


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"), ("{not json", "is not JSON"), ("[1, 2]", "a world spec is a JSON object"),
    ('{"biome": "forest", "colour": "green"}', "colour"), ('{"relief": 4}', "relief"),
])
def test_load_world_file_errors_name_the_input(executor: Executor, paths: Paths, content: str | None,
                                               needle: str) -> None:
    paths.input.mkdir(parents=True, exist_ok=True)
    if content is not None:
        (paths.input / "bad.json").write_text(content)
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "file", "file": "bad.json"}, node_id="load")
    workflow.add_node("PreviewValue", node_id="out")
    workflow.connect("load", "world", "out", "value")
    error = failure(executor, workflow)
    assert error.node_id == "load" and needle in error.message
    assert error.message.startswith("input '")


def test_load_world_from_a_prompt_reports_unknown_words(executor: Executor) -> None:
    ref, description, ui = load_world_node(executor, {"source": "prompt", "seed": 8,
                                                      "prompt": "misty purple pine forest with dragons at dusk"})
    assert (ref.spec.biome, ref.spec.weather, ref.spec.time_of_day, ref.spec.seed) == ("forest", "fog", 19.2, 8)
    text = " | ".join(ui["text"])
    assert "unknown words (ignored): purple, dragons" in text
    assert "misty -> weather=fog" in text and "dusk -> time_of_day=19.2" in text
    assert "purple" in description and "dragons" in description


def test_a_prompt_without_unknown_words_says_so(executor: Executor) -> None:
    _, _, ui = load_world_node(executor, {"source": "prompt", "prompt": "rocky desert at noon"})
    assert not any("unknown" in line for line in ui["text"])
    _, _, ui = load_world_node(executor, {"source": "prompt", "prompt": "zzz"})
    assert ui["text"] == ["understood: nothing", "unknown words (ignored): zzz"]


@pytest.mark.parametrize("inputs, name", [
    ({"preset": "volcano"}, "preset"), ({"source": "dream"}, "source"), ({"relief": 1.5}, "relief"),
    ({"water": 0.9}, "water"), ({"biome": "jungle"}, "biome"), ({"weather": "hail"}, "weather"),
    ({"seed": -1}, "seed"),
])
def test_load_world_bad_widgets_are_invalid(executor: Executor, inputs: dict[str, Any], name: str) -> None:
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "parameters", **inputs}, node_id="load")
    workflow.add_node("PreviewValue", node_id="out")
    workflow.connect("load", "world", "out", "value")
    [error] = invalid(executor, workflow)
    assert (error.node_id, error.input) == ("load", name)


def test_a_seed_beyond_the_spec_range_names_the_seed(executor: Executor) -> None:
    workflow = Workflow()
    workflow.add_node("LoadWorld", {"source": "preset", "seed": 2**63}, node_id="load")
    workflow.add_node("PreviewValue", node_id="out")
    workflow.connect("load", "world", "out", "value")
    assert "input 'seed'" in failure(executor, workflow).message


# ---- WanderRollout -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["walk", "explore", "orbit", "look_around"])
def test_wander_modes(warm: Executor, meadow: World, mode: str) -> None:
    timeline = latent_of(warm, rollout({"mode": mode, "duration": 3.0, "fps": 12, "seed": 2}))
    assert isinstance(timeline, Timeline)
    assert (timeline.frames, timeline.fps, timeline.segment_frames) == (36, 12, 6)
    assert timeline.spec == meadow.spec
    x, y, _ = timeline.start
    assert meadow.blocking(x, y, 1.0) == -1 and not meadow.is_water(x, y)
    end = timeline.state_at(35, warm.store).player
    moved = math.hypot(end.x - x, end.y - y)
    assert (moved < 1e-9) == (mode == "look_around")
    x, y, yaw = timeline.start
    planned = wander.plan(meadow, mode, Body(x, y, meadow.ground(x, y), yaw), 36, 12, 2)
    for a, b in zip(planned.to_arrays().values(), timeline.actions.to_arrays().values(), strict=True):
        assert np.array_equal(a, b, equal_nan=True)


def test_wander_track_replays_the_json_actions(warm: Executor) -> None:
    track = [{"move": [1, 0, 0], "look": [2, 0]}, {"move": [1, 0, 0], "sprint": True}, {"jump": True}]
    timeline = latent_of(warm, rollout({"mode": "track", "track": json.dumps(track), "duration": 1.0}))
    assert len(timeline.actions) == 10
    assert timeline.actions.to_json()[:3] == [{"move": [1.0, 0.0, 0.0], "look": [2.0, 0.0]},
                                             {"move": [1.0, 0.0, 0.0], "look": [0.0, 0.0], "sprint": True},
                                             {"move": [0.0, 0.0, 0.0], "look": [0.0, 0.0], "jump": True}]
    assert not timeline.actions.move[3:].any()


def test_wander_waypoints(warm: Executor, meadow: World) -> None:
    x, y = meadow.spawn_point(1500.0, 1500.0)
    points = [[x, y], [x + 6.0, y], [x + 6.0, y + 6.0]]
    timeline = latent_of(warm, rollout({"mode": "waypoints", "waypoints": json.dumps(points), "duration": 8.0}))
    start_x, start_y, yaw = timeline.start
    assert math.hypot(start_x - x, start_y - y) < 3.0  # starts at (or right by) the first waypoint
    assert yaw == pytest.approx(math.atan2(y - start_y, x + 6.0 - start_x))  # facing the second
    track = [timeline.state_at(f, warm.store).player for f in range(0, 80, 4)]
    assert min(math.hypot(b.x - x - 6.0, b.y - y) for b in track) < 2.0


@pytest.mark.parametrize("duration", [0.0, -2.0, 601.0])
def test_wander_duration_out_of_range_is_invalid(executor: Executor, duration: float) -> None:
    errors = invalid(executor, rollout({"duration": duration}))
    assert [(e.node_id, e.input) for e in errors] == [("wander", "duration")]


@pytest.mark.parametrize("wander, name", [({"mode": "fly"}, "mode"), ({"fps": 0}, "fps"), ({"fps": 61}, "fps"),
                                          ({"speed": "run"}, "speed"), ({"segment_seconds": 0.1}, "segment_seconds")])
def test_wander_bad_widgets_are_invalid(executor: Executor, wander: dict[str, Any], name: str) -> None:
    errors = invalid(executor, rollout(wander))
    assert [(e.node_id, e.input) for e in errors] == [("wander", name)]


@pytest.mark.parametrize("wander, needle", [
    ({"mode": "waypoints", "waypoints": "[[100, 100], [5000, 100]]"}, "input 'waypoints'"),
    ({"mode": "waypoints", "waypoints": "[[-3, 100]]"}, "input 'waypoints'"),
    ({"mode": "waypoints", "waypoints": "[[100, 100], [200"}, "input 'waypoints'"),
    ({"mode": "waypoints", "waypoints": "[]"}, "input 'waypoints'"),
    ({"mode": "track", "track": "[{\"move\": [1, 0, 0]},"}, "input 'track'"),
    ({"mode": "track", "track": "{move: 1}"}, "input 'track'"),
])
def test_wander_bad_json_names_the_input(warm: Executor, wander: dict[str, Any], needle: str) -> None:
    error = failure(warm, rollout(wander))
    assert error.node_id == "wander" and needle in error.message


@pytest.mark.parametrize("track", ['[{}, {"move": [2, 0, 0]}]', "[]", '{"move": [1, 0, 0]}'])
def test_wander_bad_track_names_the_input(warm: Executor, track: str) -> None:
    error = failure(warm, rollout({"mode": "track", "track": track}))
    assert "input 'track'" in error.message


# ---- Director nodes ----------------------------------------------------------------------------
def test_director_nodes_add_edits_at_their_times(warm: Executor) -> None:
    edits = [
        ("InsertCharacter", {"time": 0.5, "archetype": "deer", "behaviour": "flee", "ahead": 9.0, "seed": 3}),
        ("ChangeShot", {"time": 1.0, "shot": "orbit", "transition": "smooth", "transition_seconds": 0.4,
                        "fov": 60.0}),
        ("ChangeShot", {"time": 1.2, "shot": "fixed", "transition": "cut", "transition_seconds": 3.0}),
        ("PlotEvent", {"time": 1.5, "event": "weather", "value": "snow", "transition_seconds": 0.3}),
        ("PlotEvent", {"time": 0.2, "event": "time_of_day", "amount": 20.0, "transition_seconds": 1.0}),
    ]
    timeline = latent_of(warm, rollout(edits=edits))
    assert timeline.edits == (
        PlotEvent(2, "time_of_day", "rain", 20.0, 10, 10.0, 0.0, 6.0),
        InsertCharacter(5, "deer", "flee", "relative", 9.0, 0.0, 25.0, 0.0, 1.0, "", 3),
        ChangeShot(10, "orbit", 60.0, 5.0, 1.5, 0.25, "smooth", 4),
        ChangeShot(12, "fixed", 70.0, 5.0, 1.5, 0.25, "cut", 0),  # a cut has no transition frames
        PlotEvent(15, "weather", "snow", 1.0, 3, 10.0, 0.0, 6.0),
    )
    base = latent_of(warm, rollout())
    assert base.edits == () and timeline.actions is base.actions  # edits never re-plan the walk
    assert all(a != b for a, b in zip(timeline.segment_hashes(), base.segment_hashes(), strict=True))


@pytest.mark.parametrize("class_type, inputs", [
    ("InsertCharacter", {"time": 2.0}), ("InsertCharacter", {"time": 7.5}),
    ("ChangeShot", {"time": 3.0}), ("PlotEvent", {"time": 100.0}),
])
def test_edit_times_beyond_the_rollout_name_the_time(warm: Executor, class_type: str,
                                                     inputs: dict[str, Any]) -> None:
    error = failure(warm, rollout(edits=[(class_type, inputs)]))
    assert error.node_id == "e0" and "input 'time'" in error.message and "beyond the rollout" in error.message


def test_an_edit_time_inside_the_rollout_is_accepted(warm: Executor) -> None:
    warm.run(rollout(edits=[("PlotEvent", {"time": 1.96, "event": "weather", "value": "rain"})]))


def test_a_character_inside_a_rock_is_refused(warm: Executor, meadow: World) -> None:
    o = meadow.objects
    rock = int(np.nonzero((o.kind == objects_module.ROCK) & (o.radius > 0.6))[0][0])
    inputs = {"time": 0.5, "placement": "absolute", "ahead": float(o.x[rock]), "right": float(o.y[rock])}
    error = failure(warm, rollout(edits=[("InsertCharacter", inputs)]))
    assert error.node_id == "e0" and "input 'ahead" in error.message and "inside a rock" in error.message


def test_a_character_in_deep_water_is_refused(warm: Executor, meadow: World) -> None:
    row, column = np.argwhere(meadow.terrain.height < meadow.terrain.water_level - 2.0)[0]
    inputs = {"time": 0.0, "placement": "absolute", "ahead": float(column) * 2.0, "right": float(row) * 2.0}
    error = failure(warm, rollout(edits=[("InsertCharacter", inputs)]))
    assert "input 'ahead" in error.message and "deep water" in error.message


@pytest.mark.parametrize("inputs, name", [
    ({"event": "lighting", "value": "rain"}, "value"), ({"event": "weather", "value": "dim"}, "value"),
    ({"event": "add_object", "value": ""}, "value"), ({"event": "pace", "amount": 0.0}, "amount"),
])
def test_plot_event_bad_values_name_the_input(warm: Executor, inputs: dict[str, Any], name: str) -> None:
    error = failure(warm, rollout(edits=[("PlotEvent", {"time": 0.5, **inputs})]))
    assert f"input '{name}'" in error.message


@pytest.mark.parametrize("class_type, inputs, name", [
    ("InsertCharacter", {"archetype": "dragon"}, "archetype"), ("InsertCharacter", {"behaviour": "dance"},
                                                                "behaviour"),
    ("ChangeShot", {"shot": "drone"}, "shot"), ("ChangeShot", {"fov": 5.0}, "fov"),
    ("PlotEvent", {"event": "earthquake"}, "event"), ("PlotEvent", {"value": "hail"}, "value"),
    ("InsertCharacter", {"time": -1.0}, "time"),
])
def test_director_bad_widgets_are_invalid(executor: Executor, class_type: str, inputs: dict[str, Any],
                                          name: str) -> None:
    errors = invalid(executor, rollout(edits=[(class_type, inputs)]))
    assert [(e.node_id, e.input) for e in errors] == [("e0", name)]


# ---- RenderVideo -------------------------------------------------------------------------------
def test_render_video_gives_a_lazy_stream_of_segments(warm: Executor) -> None:
    result = warm.run(rollout({"duration": 1.3, "segment_seconds": 0.5}, render=True))
    video = result.output("render", "video")
    assert isinstance(video, VideoStream)
    assert (video.fps, video.width, video.height) == (10.0, 854, 480)
    assert (video.frame_count, video.segment_frames, video.segment_count) == (13, 5, 3)
    assert video.duration == pytest.approx(1.3)
    timeline = result.output("wander", "latent")
    assert video.keys == tuple(f"{h}/854x480" for h in timeline.segment_hashes())
    segments = list(video.segments())
    assert [s.shape for s in segments] == [(5, 480, 854, 3), (5, 480, 854, 3), (3, 480, 854, 3)]
    assert all(s.dtype == np.uint8 for s in segments)
    assert np.array_equal(video.frame(7), segments[1][2])
    assert np.array_equal(video.frame(12), segments[2][2])
    with pytest.raises(IndexError):
        video.frame(13)
    with pytest.raises(IndexError):
        video.segment(3)


def test_render_video_resolutions(warm: Executor) -> None:
    invalid_errors = invalid(warm, _with_resolution("4k"))
    assert [(e.node_id, e.input) for e in invalid_errors] == [("render", "resolution")]
    video = warm.run(_with_resolution("720p")).output("render", "video")
    assert (video.width, video.height) == (1280, 720)
    assert video.frame(0).shape == (720, 1280, 3)


def test_render_video_keeps_a_segment_within_the_segment_budget(warm: Executor) -> None:
    workflow = rollout({"duration": 0.5, "fps": 60, "segment_seconds": 10.0}, render=True)  # 600-frame segments
    workflow.nodes["render"].inputs["resolution"] = "1080p"
    error = failure(warm, workflow)
    assert (error.node_id, error.exception_type) == ("render", "FrameBudgetError")
    assert error.message == ("input 'resolution' = '1080p' with the latent's segments: 600 frames of 1920x1080 are "
                             f"3.48 GiB, over the limit of 1 GiB per segment ({SEGMENT_VARIABLE}); at most 172 "
                             "frames of that size fit")


def test_render_video_refuses_a_native_size_over_the_pixel_limit(warm: Executor,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Timeline, "native_size", (20000, 10000))
    error = failure(warm, _with_resolution("native"))
    assert error.node_id == "render"
    assert error.message.startswith("input 'resolution' = 'native': 200.0 megapixels (20000x10000) is over the limit")


def _with_resolution(resolution: str) -> Workflow:
    workflow = rollout({"duration": 0.5}, render=True)
    workflow.nodes["render"].inputs["resolution"] = resolution
    return workflow


def test_an_edit_re_renders_only_from_its_segment(warm: Executor, small_video: tuple[int, int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    real_draw = timeline_module.draw

    def counting_draw(world: World, view: Any, size: tuple[int, int], frame: int, *args: Any, **kwargs: Any) -> Any:
        drawn.append(frame)
        return real_draw(world, view, size, frame, *args, **kwargs)

    monkeypatch.setattr(timeline_module, "draw", counting_draw)
    save = {"filename_prefix": "before/f", "every": 1, "embed_workflow": False}
    first = warm.run(rollout(render=True, sink="SaveFrames", sink_inputs=save))
    assert drawn == list(range(20)) and len(first.files["out"]) == 20
    before = first.output("wander", "latent").segment_hashes()
    drawn.clear()
    edit = ("PlotEvent", {"time": 1.2, "event": "weather", "value": "rain", "transition_seconds": 0.0})
    second = warm.run(rollout(edits=[edit], render=True, sink="SaveFrames",
                              sink_inputs={**save, "filename_prefix": "after/f"}))
    assert "wander" in second.cached  # the walk itself is reused
    after = second.output("e0", "latent").segment_hashes()
    assert after[:2] == before[:2] and after[2] != before[2] and after[3] != before[3]
    assert drawn == list(range(10, 20))  # segments 2 and 3 only
    for h in after:
        assert warm.store.contains(f"world/frames/{h}/{small_video[0]}x{small_video[1]}")
    old = [decode_image(p)[0] for p in sorted(first.files["out"])]
    new = [decode_image(p)[0] for p in sorted(second.files["out"])]
    assert all(np.array_equal(a, b) for a, b in zip(old[:12], new[:12], strict=True))
    assert not any(np.array_equal(a, b) for a, b in zip(old[13:], new[13:], strict=True))


# ---- PreviewFrames and SaveFrames --------------------------------------------------------------
def test_preview_frames_writes_a_contact_sheet(warm: Executor, paths: Paths) -> None:
    result = warm.run(rollout({"duration": 1.0}, render=True, sink="PreviewFrames",
                              sink_inputs={"count": 5, "columns": 3}))
    [sheet_path] = result.files["out"]
    assert sheet_path.parent.is_relative_to(paths.temp) and sheet_path.suffix == ".png"
    sheet = decode_image(sheet_path)[0]
    assert sheet.shape == (2 * 480 + 3 * 4, 3 * 854 + 4 * 4, 3)
    video = result.output("render", "video")
    assert np.array_equal(sheet[4:484, 4:858], video.frame(0))  # the first tile is the first frame
    assert np.array_equal(sheet[488:968, 862:1716], video.frame(9))  # the fifth is the last
    assert (sheet[488:968, 1720:2574] == 16).all()  # an empty tile


def test_preview_frames_never_asks_for_more_frames_than_there_are(warm: Executor, small_video: tuple[int, int]
                                                                  ) -> None:
    result = warm.run(rollout({"duration": 0.3}, render=True, sink="PreviewFrames",
                              sink_inputs={"count": 12, "columns": 4}))
    sheet = decode_image(result.files["out"][0])[0]
    assert sheet.shape == (90 + 8, 3 * 160 + 16, 3)  # 3 frames in one row


def test_preview_frames_keeps_its_frames_within_the_frames_budget(warm: Executor,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FRAMES_VARIABLE, "8")  # 7 frames of 854x480
    error = failure(warm, rollout({"duration": 1.0}, render=True, sink="PreviewFrames", sink_inputs={"count": 8}))
    assert (error.node_id, error.exception_type) == ("out", "FrameBudgetError")
    assert error.message.startswith("input 'count' = 8: 8 frames of 854x480 are 9.38 MiB, over the limit of 8 MiB")


@pytest.mark.parametrize("every, expected", [(1, 10), (3, 4), (20, 1)])
def test_save_frames_writes_pngs_with_the_workflow(warm: Executor, paths: Paths, small_video: tuple[int, int],
                                                   every: int, expected: int) -> None:
    workflow = rollout({"duration": 1.0}, render=True, sink="SaveFrames",
                       sink_inputs={"filename_prefix": "walk/frame", "every": every})
    result = warm.run(workflow)
    files = sorted(result.files["out"])
    assert len(files) == expected
    assert all(f.parent == paths.output / "walk" and f.suffix == ".png" for f in files)
    video = result.output("render", "video")
    for number, path in enumerate(files):
        assert np.array_equal(decode_image(path)[0], video.frame(number * every))
        embedded = Workflow.from_json(read_png_text(path)[WORKFLOW_CHUNK])
        assert embedded.to_dict()["nodes"] == workflow.to_dict()["nodes"]


def test_save_frames_without_the_workflow(warm: Executor, small_video: tuple[int, int]) -> None:
    result = warm.run(rollout({"duration": 0.5}, render=True, sink="SaveFrames",
                              sink_inputs={"embed_workflow": False, "every": 2}))
    assert result.files["out"] and all(WORKFLOW_CHUNK not in read_png_text(p) for p in result.files["out"])


# ---- the director workflow ---------------------------------------------------------------------
def test_director_workflow_validates(registry: graph.NodeRegistry) -> None:
    workflow = Workflow.load(WORKFLOWS / "director.json", registry)
    execution_plan = graph.plan(workflow, registry)
    assert sorted(execution_plan.targets) == ["10", "9"]
    assert not execution_plan.warnings
    classes = {node.class_type for node in workflow.nodes.values()}
    assert {"LoadWorld", "WanderRollout", "InsertCharacter", "ChangeShot", "PlotEvent", "RenderVideo",
            "PreviewFrames", "SaveFrames"} == classes


@pytest.mark.slow
def test_director_workflow_runs(executor: Executor, small_video: tuple[int, int]) -> None:
    workflow = Workflow.load(WORKFLOWS / "director.json", executor.registry)
    workflow.set_input("Wander", "fps", 10)
    result = executor.run(workflow)
    latent = result.output("7", "latent")
    assert latent.frames == 160 and len(latent.edits) == 5
    assert len(result.files["9"]) == 1
    assert len(result.files["10"]) == math.ceil(160 / 15)
    store = executor.store
    final = latent.state_at(159, store)
    assert final.shot.kind == "orbit" and len(final.characters) == 2
    assert final.weather.end == (0.0, 0.0, 1.0, 0.0, 0.0)  # rain
