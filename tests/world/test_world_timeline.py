"""Timelines: segment hashes, determinism, edits that leave the past alone, caching, persistence, light."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from worldkit import SMALL, fresh_store, walk_track

import world.timeline as timeline_module
from graph import ContentStore, DiskTier, MemoryTier
from graph.codecs import CodecRegistry
from world.actions import ActionTrack, parse
from world.edits import ChangeShot, Edit, InsertCharacter, PlotEvent
from world.presets import PRESETS
from world.spec import WorldSpec
from world.store import DictStore
from world.timeline import Timeline, draw
from world.world import World

MakeTimeline = Callable[..., Timeline]
EDIT_FRAME = 25  # in segment 2 of 4


def frames_of(timeline: Timeline, store: DictStore | None = None) -> np.ndarray:
    store = store or fresh_store()
    return np.concatenate(list(timeline.iter_segments(SMALL, store)))


def brightness(frames: np.ndarray) -> np.ndarray:
    return frames.reshape(frames.shape[0], -1).mean(axis=1)


@pytest.fixture(scope="module")
def walking(make_timeline: MakeTimeline) -> Timeline:
    return make_timeline(walk_track(40))


@pytest.fixture(scope="module")
def walking_frames(walking: Timeline) -> np.ndarray:
    return frames_of(walking)


# ---- segments and hashes -----------------------------------------------------------------------
def test_segments_cover_the_timeline(make_timeline: MakeTimeline) -> None:
    timeline = make_timeline(frames=45, segment_frames=10)
    assert timeline.segment_count == 5 and timeline.duration == 4.5
    assert [timeline.segment_range(k) for k in range(5)] == [(0, 10), (10, 20), (20, 30), (30, 40), (40, 45)]
    hashes = timeline.segment_hashes()
    assert len(hashes) == 5 and len(set(hashes)) == 5
    frames = frames_of(timeline)
    assert frames.shape == (45, SMALL[1], SMALL[0], 3) and frames.dtype == np.uint8


def test_equal_timelines_have_equal_hashes(walking: Timeline, make_timeline: MakeTimeline) -> None:
    again = make_timeline(walk_track(40))
    assert again is not walking and again.segment_hashes() == walking.segment_hashes()


@pytest.mark.parametrize("change", [
    {"seed": 1}, {"time_scale": 60.0}, {"fps": 12}, {"segment_frames": 8}, {"start": (100.0, 100.0, 0.0)},
    {"backend": "other"}, {"spec": WorldSpec(seed=1)}, {"spec": PRESETS["alpine_meadow"].replace(fog=0.5)},
])
def test_every_input_is_hashed(walking: Timeline, change: dict[str, Any]) -> None:
    changed = dataclasses.replace(walking, **change, _hash_cache={})
    assert changed.root_hash() != walking.root_hash()
    assert changed.segment_hashes()[0] != walking.segment_hashes()[0]


def test_actions_change_the_hashes_from_their_segment_on(walking: Timeline) -> None:
    actions = walk_track(40)
    actions.look[33, 0] = 2.0
    changed = walking.with_actions(actions)
    assert changed.segment_hashes()[:3] == walking.segment_hashes()[:3]
    assert changed.segment_hashes()[3] != walking.segment_hashes()[3]


# ---- determinism -------------------------------------------------------------------------------
def test_same_inputs_render_byte_identical_frames(walking: Timeline, walking_frames: np.ndarray,
                                                  make_timeline: MakeTimeline) -> None:
    again = frames_of(make_timeline(walk_track(40)))
    assert again.tobytes() == walking_frames.tobytes()
    # and the walk really moves the camera: frames change along the way
    assert not np.array_equal(walking_frames[0], walking_frames[-1])


def test_render_frame_matches_render_segment(walking: Timeline, walking_frames: np.ndarray) -> None:
    store = fresh_store()
    for frame in (0, 9, 10, 23, 39):
        assert np.array_equal(walking.render_frame(frame, SMALL, store), walking_frames[frame])


def test_state_at_agrees_with_the_segments(walking: Timeline) -> None:
    store = fresh_store()
    for frame in (0, 7, 9, 25, 39):
        state = walking.state_at(frame, store)
        assert state.frame == frame
        camera = walking.view_at(frame, store).camera
        assert (camera.x, camera.y) == (state.player.x, state.player.y)
    assert walking.state_at(39, fresh_store()) == walking.state_at(39, store)


def test_rendered_segments_are_cached_and_read_only(walking: Timeline) -> None:
    store = fresh_store()
    first = walking.render_segment(1, SMALL, store)
    assert walking.render_segment(1, SMALL, store) is first
    assert not first.flags.writeable
    assert store.contains(f"world/frames/{walking.segment_hashes()[1]}/{SMALL[0]}x{SMALL[1]}")


# ---- edits -------------------------------------------------------------------------------------
EDITS: list[Edit] = [
    InsertCharacter(EDIT_FRAME, "hiker", "idle", a=6.0),
    InsertCharacter(EDIT_FRAME, "deer", "wander", a=10.0, b=1.0, seed=3),
    ChangeShot(EDIT_FRAME, "third_person"),
    ChangeShot(EDIT_FRAME, "orbit", transition="smooth", transition_frames=8),
    PlotEvent(EDIT_FRAME, "weather", "snow"),
    PlotEvent(EDIT_FRAME, "time_of_day", amount=21.5, transition_frames=5),
    PlotEvent(EDIT_FRAME, "lighting", "dim"),
    PlotEvent(EDIT_FRAME, "pace", amount=3.0),
    PlotEvent(EDIT_FRAME, "add_object", "rock", a=6.0),
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: f"{type(e).__name__}-{getattr(e, 'kind', '')}"
                         f"{getattr(e, 'archetype', '')}")
def test_an_edit_leaves_the_past_alone(walking: Timeline, walking_frames: np.ndarray, edit: Edit) -> None:
    edited = walking.with_edit(edit)
    k = EDIT_FRAME // walking.segment_frames
    assert edited.segment_hashes()[:k] == walking.segment_hashes()[:k]
    assert all(a != b for a, b in zip(edited.segment_hashes()[k:], walking.segment_hashes()[k:], strict=True))
    frames = frames_of(edited)  # a store of its own: nothing is shared with the unedited render
    assert frames[:EDIT_FRAME].tobytes() == walking_frames[:EDIT_FRAME].tobytes()
    changed = [i for i in range(EDIT_FRAME, 40) if not np.array_equal(frames[i], walking_frames[i])]
    assert changed, "the edit changed nothing"
    assert walking.edits == ()  # with_edit returned a new timeline


def test_an_edit_re_renders_only_from_its_segment(walking: Timeline, monkeypatch: pytest.MonkeyPatch) -> None:
    store = fresh_store()
    frames_of(walking, store)
    drawn: list[int] = []
    advanced: list[int] = []
    real_draw, real_advance = timeline_module.draw, timeline_module.advance

    def counting_draw(world: World, view: Any, size: tuple[int, int], frame: int, *args: Any, **kwargs: Any) -> Any:
        drawn.append(frame)
        return real_draw(world, view, size, frame, *args, **kwargs)

    def counting_advance(world: World, clock: Any, state: Any, *args: Any, **kwargs: Any) -> Any:
        advanced.append(state.frame + 1)
        return real_advance(world, clock, state, *args, **kwargs)

    monkeypatch.setattr(timeline_module, "draw", counting_draw)
    monkeypatch.setattr(timeline_module, "advance", counting_advance)
    edited = walking.with_edit(PlotEvent(EDIT_FRAME, "weather", "rain"))
    frames_of(edited, store)
    assert drawn == list(range(20, 40))
    assert advanced == list(range(20, 40))
    keys = store.keys()
    for k, h in enumerate(walking.segment_hashes()):
        assert f"world/frames/{h}/{SMALL[0]}x{SMALL[1]}" in keys, k
    drawn.clear()
    frames_of(edited, store)
    frames_of(walking, store)
    assert drawn == []  # both versions are cached


def test_edits_outside_the_timeline_are_refused(walking: Timeline) -> None:
    for frame in (-1, 40, 400):
        with pytest.raises(ValueError, match=f"frame {frame} is outside"):
            walking.with_edit(PlotEvent(frame, "weather", "rain"))
    assert walking.with_edit(PlotEvent(39, "weather", "rain")).edits[0].frame == 39


def test_edits_keep_time_order_and_insertion_order(walking: Timeline) -> None:
    a, b, c = PlotEvent(30, "weather", "rain"), PlotEvent(10, "lighting", "warm"), PlotEvent(30, "weather", "fog")
    timeline = walking.with_edit(a).with_edit(b).with_edit(c)
    assert timeline.edits == (b, a, c)
    swapped = walking.with_edit(c).with_edit(b).with_edit(a)
    assert swapped.segment_hashes()[:3] == timeline.segment_hashes()[:3]
    assert swapped.segment_hashes()[3] != timeline.segment_hashes()[3]  # order at one frame matters
    store = fresh_store()
    assert timeline.state_at(35, store).weather.end == (0.0, 0.0, 0.0, 0.0, 1.0)  # fog came last


# ---- persistence -------------------------------------------------------------------------------
def test_same_camera_same_env_renders_identically(meadow: World, walking: Timeline) -> None:
    store = fresh_store()
    first_view = walking.view_at(0, store)
    first = draw(meadow, first_view, SMALL, 0)
    assert np.array_equal(draw(meadow, first_view, SMALL, 0), first)
    # walk away (other frames, other index tiles, a far away camera) and come back
    for frame in range(1, 40, 3):
        walking.render_frame(frame, SMALL, store)
    far = dataclasses.replace(first_view.camera, x=(first_view.camera.x + 900.0) % 4096.0)
    meadow.renderer.render(far, first_view.env, SMALL)
    assert np.array_equal(draw(meadow, first_view, SMALL, 0), first)


def test_static_content_persists_when_walking_away_and_back(meadow: World, make_timeline: MakeTimeline,
                                                            meadow_start: tuple[float, float, float]) -> None:
    x, y, yaw = meadow_start
    data = [{"pose": [x, y, math.degrees(yaw)]}] + [{"move": [1, 0, 0]}] * 50 + [{"look": [30, 0]}] * 6 + \
        [{"move": [1, 0, 0]}] * 10 + [{"pose": [x, y, math.degrees(yaw)]}] + [{}] * 6
    timeline = make_timeline(parse(data, len(data)), frames=len(data))
    store = fresh_store()
    views = [timeline.view_at(i, store) for i in range(len(data))]
    back = len(data) - 3  # standing still at the first pose again
    assert views[back].camera == views[0].camera
    assert math.hypot(views[50].camera.x - x, views[50].camera.y - y) > 8.0  # it did walk away
    first = draw(meadow, views[0], SMALL, 0)
    for i in range(1, back, 4):  # look at other places in between
        draw(meadow, views[i], SMALL, i)
    assert np.array_equal(draw(meadow, dataclasses.replace(views[back], env=views[0].env), SMALL, 0), first)
    # with a still sky and no time scale, even the frame's own light is the same: only water ripples move
    lit = draw(meadow, views[back], SMALL, back)
    assert np.mean(lit != first) < 0.02


def test_an_absolute_pose_gives_the_same_camera(make_timeline: MakeTimeline,
                                                meadow_start: tuple[float, float, float]) -> None:
    x, y, yaw = meadow_start
    pose = {"pose": [x, y, math.degrees(yaw)]}
    data = [pose] + [{"move": [1, 0, 0]}] * 7 + [pose]
    timeline = make_timeline(parse(data, len(data)), frames=len(data))
    store = fresh_store()
    assert timeline.view_at(len(data) - 1, store).camera == timeline.view_at(0, store).camera


# ---- lighting over time ------------------------------------------------------------------------
def test_time_scale_shifts_the_light_smoothly(make_timeline: MakeTimeline, meadow: World) -> None:
    spec = meadow.spec.replace(time_of_day=18.0)
    still = ActionTrack.empty(90)
    fixed = brightness(frames_of(make_timeline(still, frames=90, fps=30, segment_frames=30, spec=spec)))
    moving = brightness(frames_of(make_timeline(still, frames=90, fps=30, segment_frames=30, spec=spec,
                                                time_scale=3600.0)))  # an hour a second: 18:00 to 21:00
    assert np.ptp(fixed) < 1.0  # nothing but ripples changes
    assert moving[0] == pytest.approx(fixed[0], abs=0.5)
    drop = moving[0] - moving[-1]
    assert drop > 30.0  # night fell
    steps = np.abs(np.diff(moving))
    assert steps.max() < 5.0 and steps.max() < 0.1 * drop  # no jumps: two game minutes a frame
    assert (steps[1:] < 2.5 * steps[:-1] + 1.0).all()  # and no sudden change of pace


def test_clock_hour_follows_time_scale(make_timeline: MakeTimeline, meadow: World) -> None:
    timeline = make_timeline(frames=30, spec=meadow.spec.replace(time_of_day=23.5), time_scale=3600.0)
    store = fresh_store()
    assert timeline.clock.hour(timeline.state_at(0, store)) == pytest.approx(23.5)
    assert timeline.clock.hour(timeline.state_at(20, store)) == pytest.approx(1.5)  # wraps past midnight


def test_shared_segments_render_elsewhere_without_stepping(walking: Timeline, tmp_path, monkeypatch) -> None:
    """What a cluster's segment tasks see: the head shared the states on disk, a fresh process renders each."""
    def store() -> ContentStore:  # the same disk folder, an empty memory: another process's store
        return ContentStore(MemoryTier(1 << 30), DiskTier(tmp_path, CodecRegistry()))

    head = store()
    walking.share_segments(range(walking.segment_count), head)
    expected = [walking.render_segment(k, SMALL, head) for k in range(walking.segment_count)]

    def no_stepping(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a shared segment was simulated again")

    monkeypatch.setattr(timeline_module, "advance", no_stepping)
    for k in reversed(range(walking.segment_count)):  # any order: each stands on its own
        assert np.array_equal(walking.render_segment(k, SMALL, store()), expected[k])
