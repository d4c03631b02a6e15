"""Director edits on a timeline: characters and their behaviours, shots and transitions, plot events."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from worldkit import SMALL, approaches, fresh_store, walk_track

from world import edits
from world import objects as objects_module
from world.characters import (ARCHETYPES, FOLLOW_DISTANCE, CharacterSpec, PlacementError, check_standing,
                              resolve_position)
from world.edits import ChangeShot, EditError, InsertCharacter, PlotEvent
from world.objects import wrap_delta
from world.physics import Body
from world.render import Actors
from world.render.lighting import PRECIPITATION, SNOW
from world.render.sprites_kernel import EXPLORER
from world.simulation import SimState, added_objects
from world.spec import WEATHERS
from world.timeline import Timeline, draw
from world.world import World

MakeTimeline = Callable[..., Timeline]


def frames_of(timeline: Timeline) -> np.ndarray:
    return np.concatenate(list(timeline.iter_segments(SMALL, fresh_store())))


def states(timeline: Timeline) -> list[SimState]:
    """The state of every frame (one simulation, replayed frame by frame from the segment starts)."""
    store = fresh_store()
    return [timeline.state_at(frame, store) for frame in range(timeline.frames)]


def distance(a: tuple[float, float] | Body, b: tuple[float, float] | Body) -> float:
    ax, ay = (a.x, a.y) if isinstance(a, Body) else a
    bx, by = (b.x, b.y) if isinstance(b, Body) else b
    return math.hypot(float(wrap_delta(ax - bx)), float(wrap_delta(ay - by)))


def mean_brightness(frames: np.ndarray) -> np.ndarray:
    return frames.reshape(frames.shape[0], -1).mean(axis=1)


@pytest.fixture(scope="module")
def standing(make_timeline: MakeTimeline) -> Timeline:
    """The walker stands still for 4 s at 10 fps, looking down an open corridor."""
    return make_timeline()


@pytest.fixture(scope="module")
def standing_frames(standing: Timeline) -> np.ndarray:
    return frames_of(standing)


@pytest.fixture(scope="module")
def walking(make_timeline: MakeTimeline) -> Timeline:
    return make_timeline(walk_track(40))


# ---- characters --------------------------------------------------------------------------------
@pytest.mark.parametrize("archetype", list(ARCHETYPES))
def test_each_archetype_appears_and_stays(standing: Timeline, standing_frames: np.ndarray, archetype: str) -> None:
    edited = standing.with_edit(InsertCharacter(5, archetype, "idle", a=8.0))
    frames = frames_of(edited)
    assert np.array_equal(frames[:5], standing_frames[:5])
    for frame in range(5, 40):  # visible on every frame from its insertion on
        assert not np.array_equal(frames[frame], standing_frames[frame]), frame
    store = fresh_store()
    for frame in (4, 5, 20, 39):
        view = edited.view_at(frame, store)
        assert view.actors.x.shape[0] == (0 if frame < 5 else 1)
    assert int(edited.view_at(39, store).actors.kind[0]) == ARCHETYPES[archetype][0]
    spec, body = edited.state_at(39, store).characters[0]
    assert spec.archetype == archetype and spec.name == f"{archetype}@5"
    assert distance(body, edited.state_at(39, store).player) == pytest.approx(8.0, abs=0.01)


@pytest.mark.parametrize("archetype", list(ARCHETYPES))
@pytest.mark.parametrize("behaviour", ["wander", "walk_to"])
def test_characters_follow_the_ground(standing: Timeline, meadow: World, archetype: str, behaviour: str) -> None:
    edited = standing.with_edit(InsertCharacter(0, archetype, behaviour, a=6.0, target_a=30.0, seed=2))
    moved = 0.0
    previous = None
    for state in states(edited):
        [(_, body)] = state.characters
        assert body.on_ground
        assert body.z == pytest.approx(meadow.ground(body.x, body.y), abs=1e-6)
        if previous is not None:
            moved += distance(body, previous)
        previous = body
    assert moved > 2.0


def _track(timeline: Timeline, edit: InsertCharacter) -> tuple[list[Body], list[Body]]:
    bodies, players = [], []
    for state in states(timeline.with_edit(edit))[edit.frame:]:
        bodies.append(state.characters[0][1])
        players.append(state.player)
    return bodies, players


def test_idle_stays_put(standing: Timeline) -> None:
    bodies, _ = _track(standing, InsertCharacter(0, "robot", "idle", a=10.0, b=2.0))
    assert {(b.x, b.y) for b in bodies} == {(bodies[0].x, bodies[0].y)}


@pytest.mark.parametrize("archetype", list(ARCHETYPES))
def test_follow_gets_closer(make_timeline: MakeTimeline, archetype: str) -> None:
    standing = make_timeline(frames=100)
    bodies, players = _track(standing, InsertCharacter(0, archetype, "follow", a=20.0))
    gaps = [distance(b, p) for b, p in zip(bodies, players, strict=True)]
    assert gaps[0] == pytest.approx(20.0, abs=0.01)
    assert gaps[-1] < 8.0
    assert gaps[-1] > FOLLOW_DISTANCE - 1.0  # it does not walk into the walker
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(gaps))


def test_follow_keeps_up_with_a_walking_walker(walking: Timeline) -> None:
    bodies, players = _track(walking, InsertCharacter(0, "hiker", "follow", a=-4.0))
    gaps = [distance(b, p) for b, p in zip(bodies, players, strict=True)]
    assert max(gaps) < 4 * FOLLOW_DISTANCE + 1.0  # beyond that it sprints to catch up
    assert distance(bodies[-1], bodies[0]) > 3.0  # it moved along


@pytest.mark.parametrize("archetype", list(ARCHETYPES))
def test_flee_gets_farther(make_timeline: MakeTimeline, archetype: str) -> None:
    standing = make_timeline(frames=80)
    bodies, players = _track(standing, InsertCharacter(0, archetype, "flee", a=8.0))
    gaps = [distance(b, p) for b, p in zip(bodies, players, strict=True)]
    assert gaps[-1] > gaps[0] + 4.0
    turned = next(i for i, (a, b) in enumerate(itertools.pairwise(gaps)) if b > a)
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(gaps[turned:]))  # once turned


def test_flee_never_closes_in(standing: Timeline) -> None:
    bodies, players = _track(standing, InsertCharacter(0, "deer", "flee", a=8.0))
    assert min(distance(b, p) for b, p in zip(bodies, players, strict=True)) >= 8.0 - 0.5


@pytest.mark.parametrize("archetype", list(ARCHETYPES))
def test_walk_to_approaches_its_target(make_timeline: MakeTimeline, archetype: str) -> None:
    standing = make_timeline(frames=100)
    edit = InsertCharacter(0, archetype, "walk_to", a=4.0, target_a=25.0)
    bodies, _ = _track(standing, edit)
    target = bodies[0].x + 21.0 * math.cos(standing.start[2]), bodies[0].y + 21.0 * math.sin(standing.start[2])
    to_target = [distance(b, target) for b in bodies]
    assert to_target[0] == pytest.approx(21.0, abs=0.05)
    assert to_target[-1] < to_target[0] - 5.0
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(to_target[40:]))  # headed there


def test_walk_to_stops_at_its_target(make_timeline: MakeTimeline) -> None:
    standing = make_timeline(frames=120)
    edit = InsertCharacter(0, "deer", "walk_to", a=4.0, b=0.0, target_a=4.0, target_b=6.0)
    bodies, players = _track(standing, edit)
    yaw = standing.start[2]
    target = players[0].x + 4.0 * math.cos(yaw) + 6.0 * math.sin(yaw), \
        players[0].y + 4.0 * math.sin(yaw) - 6.0 * math.cos(yaw)
    assert distance(bodies[0], target) == pytest.approx(6.0)
    assert distance(bodies[-1], target) <= 0.6
    assert (bodies[-1].x, bodies[-1].y) == (bodies[-2].x, bodies[-2].y)  # arrived and stays


def test_character_paths_do_not_depend_on_fps(make_timeline: MakeTimeline) -> None:
    where = []
    for fps in (10, 30):
        timeline = make_timeline(frames=3 * fps, fps=fps, segment_frames=fps)
        timeline = timeline.with_edit(InsertCharacter(0, "hiker", "walk_to", a=4.0, target_a=25.0))
        where.append(timeline.state_at(3 * fps - 1, fresh_store()).characters[0][1])
    assert distance(where[0], where[1]) < 0.5


def test_characters_are_deterministic_and_wander_by_seed(standing: Timeline) -> None:
    a, _ = _track(standing, InsertCharacter(0, "deer", "wander", a=8.0, seed=1))
    again, _ = _track(standing, InsertCharacter(0, "deer", "wander", a=8.0, seed=1))
    other, _ = _track(standing, InsertCharacter(0, "deer", "wander", a=8.0, seed=2))
    assert a == again
    assert a != other


def test_check_standing_refuses_rocks_and_deep_water(meadow: World) -> None:
    o = meadow.objects
    rock = int(np.nonzero((o.kind == objects_module.ROCK) & (o.radius > 0.6))[0][0])
    spec = CharacterSpec("bob", "hiker", "idle", float(o.x[rock]), float(o.y[rock]), 0.0)
    with pytest.raises(PlacementError) as caught:
        check_standing(meadow, spec)
    assert caught.value.field == "position" and "inside a rock" in str(caught.value)
    assert str(caught.value).startswith("input 'position'")
    wet = np.argwhere(meadow.terrain.height < meadow.terrain.water_level - 2.0)[0]
    y, x = float(wet[0]) * 2.0, float(wet[1]) * 2.0
    with pytest.raises(PlacementError, match="deep water"):
        check_standing(meadow, dataclasses.replace(spec, x=x, y=y))


def test_check_standing_accepts_open_ground(meadow: World, meadow_start: tuple[float, float, float]) -> None:
    x, y, _ = meadow_start
    check_standing(meadow, CharacterSpec("ok", "deer", "idle", x, y, 0.0))


def test_relative_and_absolute_placement(meadow: World) -> None:
    player = Body(100.0, 200.0, 0.0, math.pi / 2)  # facing north
    assert resolve_position(meadow, player, "relative", 10.0, 0.0) == pytest.approx((100.0, 210.0))
    assert resolve_position(meadow, player, "relative", 0.0, 5.0) == pytest.approx((105.0, 200.0))  # right: east
    assert resolve_position(meadow, player, "absolute", 4100.0, -4.0) == pytest.approx((4.0, 4092.0))


@pytest.mark.parametrize("kwargs, field", [({"archetype": "dragon"}, "archetype"),
                                           ({"archetype": "deer", "behaviour": "dance"}, "behaviour"),
                                           ({"archetype": "deer", "placement": "nearby"}, "placement")])
def test_insert_character_checks_its_choices(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(EditError) as caught:
        InsertCharacter(0, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field and str(caught.value).startswith(f"input '{field}'")


# ---- shots -------------------------------------------------------------------------------------
def _camera_steps(timeline: Timeline) -> list[float]:
    store = fresh_store()
    cameras = [timeline.view_at(i, store).camera for i in range(timeline.frames)]
    return [math.dist((a.x, a.y, a.z), (b.x, b.y, b.z)) for a, b in itertools.pairwise(cameras)]


def test_third_person_draws_the_walker(standing: Timeline, standing_frames: np.ndarray, meadow: World) -> None:
    edited = standing.with_edit(ChangeShot(10, "third_person", distance=5.0))
    store = fresh_store()
    for frame in (0, 9):
        assert EXPLORER not in edited.view_at(frame, store).actors.kind
    view = edited.view_at(15, store)
    assert list(view.actors.kind) == [EXPLORER]
    player = edited.state_at(15, store).player
    assert distance((view.camera.x, view.camera.y), player) == pytest.approx(5.0, abs=0.01)
    with_avatar = draw(meadow, view, SMALL, 15)
    without = draw(meadow, dataclasses.replace(view, actors=Actors.none()), SMALL, 15)
    changed = np.any(with_avatar != without, axis=2)
    assert changed.sum() > 30  # the walker is drawn...
    _, columns = np.nonzero(changed)
    assert abs(columns.mean() - SMALL[0] / 2) < SMALL[0] * 0.15  # ...in the middle of the frame
    frames = frames_of(edited)
    assert np.array_equal(frames[:10], standing_frames[:10])


def test_cut_jumps_and_smooth_moves_gradually(walking: Timeline) -> None:
    cut = _camera_steps(walking.with_edit(ChangeShot(10, "third_person", distance=6.0)))
    smooth_edit = ChangeShot(10, "third_person", distance=6.0, transition="smooth", transition_frames=15)
    smooth = _camera_steps(walking.with_edit(smooth_edit))
    walked = _camera_steps(walking)
    assert max(walked) < 0.3  # 2 m/s at 10 fps
    assert cut[9] > 5.0  # frame 9 -> 10: the cut
    assert max(smooth) < 1.0  # never a jump
    store_cut, store_smooth = fresh_store(), fresh_store()
    cut_timeline, smooth_timeline = walking.with_edit(ChangeShot(10, "third_person", distance=6.0)), \
        walking.with_edit(smooth_edit)
    start_cut = cut_timeline.view_at(10, store_cut).camera
    start_smooth = smooth_timeline.view_at(10, store_smooth).camera
    assert start_smooth == walking.view_at(10, fresh_store()).camera  # the move starts from first person
    assert math.dist((start_cut.x, start_cut.y, start_cut.z), (start_smooth.x, start_smooth.y, start_smooth.z)) > 5.0
    for frame in (25, 30, 39):  # and ends where the cut went
        assert smooth_timeline.view_at(frame, store_smooth).camera == cut_timeline.view_at(frame, store_cut).camera


def test_smooth_transition_turns_gradually(standing: Timeline) -> None:
    edited = standing.with_edit(ChangeShot(5, "fixed", transition="smooth", transition_frames=20))
    store = fresh_store()
    yaws = [edited.view_at(i, store).camera.yaw for i in range(40)]
    turns = [abs((b - a + math.pi) % (2 * math.pi) - math.pi) for a, b in itertools.pairwise(yaws)]
    assert max(turns) < 0.2


@pytest.mark.parametrize("kind", ["fixed", "orbit", "dolly", "crane", "third_person"])
def test_every_shot_keeps_the_camera_above_ground(walking: Timeline, meadow: World, kind: str) -> None:
    edited = walking.with_edit(ChangeShot(5, kind, distance=8.0, height=3.0, speed=0.5))
    store = fresh_store()
    for frame in range(5, 40, 5):
        camera = edited.view_at(frame, store).camera
        assert camera.z >= meadow.ground(camera.x, camera.y) + 0.5
        assert EXPLORER in edited.view_at(frame, store).actors.kind
    first = edited.view_at(5, store).camera
    last = edited.view_at(39, store).camera
    assert first != last


@pytest.mark.parametrize("kwargs, field", [({"kind": "drone"}, "shot"), ({"transition": "wipe"}, "transition"),
                                           ({"fov": 5.0}, "fov"), ({"fov": 170.0}, "fov")])
def test_change_shot_checks_its_inputs(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(EditError) as caught:
        ChangeShot(0, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


# ---- plot events -------------------------------------------------------------------------------
@pytest.mark.parametrize("weather", ["rain", "snow"])
def test_weather_event_brings_precipitation_gradually(standing: Timeline, standing_frames: np.ndarray,
                                                      weather: str) -> None:
    edited = standing.with_edit(PlotEvent(10, "weather", weather, transition_frames=10))
    store = fresh_store()
    amounts = [float(edited.view_at(i, store).env[PRECIPITATION]) for i in range(40)]
    assert amounts[:11] == [0.0] * 11
    assert amounts[20:] == [pytest.approx(1.0)] * 20
    assert all(b >= a for a, b in itertools.pairwise(amounts))
    assert max(np.diff(amounts)) < 0.25
    assert float(edited.view_at(30, store).env[SNOW]) == (1.0 if weather == "snow" else 0.0)
    frames = frames_of(edited)
    assert np.array_equal(frames[:11], standing_frames[:11])
    assert all(not np.array_equal(frames[i], standing_frames[i]) for i in range(21, 40))
    assert edited.state_at(39, store).weather.end == tuple(float(w == weather) for w in WEATHERS)


def test_time_of_day_event_moves_the_clock(standing: Timeline, standing_frames: np.ndarray) -> None:
    edited = standing.with_edit(PlotEvent(10, "time_of_day", amount=22.0, transition_frames=10))
    store = fresh_store()
    clock = edited.clock
    assert clock.hour(edited.state_at(9, store)) == pytest.approx(standing.spec.time_of_day)
    assert clock.hour(edited.state_at(25, store)) == pytest.approx(22.0)
    night = mean_brightness(frames_of(edited))
    day = mean_brightness(standing_frames)
    assert night[30] < day[30] * 0.6
    hours = [clock.hour(edited.state_at(frame, store)) for frame in range(10, 21)]
    steps = np.diff(hours)
    assert (steps > 0).all() and steps.max() < 1.6 * (hours[-1] - hours[0]) / 10  # eased, not a jump


def test_time_of_day_event_with_time_scale_lands_on_the_hour(make_timeline: MakeTimeline) -> None:
    timeline = make_timeline(time_scale=600.0).with_edit(PlotEvent(10, "time_of_day", amount=6.0,
                                                                   transition_frames=10))
    store = fresh_store()
    assert timeline.clock.hour(timeline.state_at(20, store)) == pytest.approx(6.0)
    later = timeline.clock.hour(timeline.state_at(30, store))
    assert later == pytest.approx(6.0 + 10 / 10 * 600 / 3600)  # and the clock runs on from there


@pytest.mark.parametrize("look, darker", [("dim", True), ("bright", False)])
def test_lighting_event_changes_exposure(standing: Timeline, standing_frames: np.ndarray, look: str,
                                         darker: bool) -> None:
    frames = frames_of(standing.with_edit(PlotEvent(10, "lighting", look, transition_frames=5)))
    before, after = mean_brightness(standing_frames), mean_brightness(frames)
    assert np.array_equal(frames[:11], standing_frames[:11])
    assert (after[20] < before[20] * 0.8) if darker else (after[20] > before[20] * 1.1)


def test_warm_and_cool_looks_tint_the_frame(standing: Timeline, standing_frames: np.ndarray) -> None:
    base = standing_frames[30].reshape(-1, 3).mean(axis=0)
    warm = frames_of(standing.with_edit(PlotEvent(10, "lighting", "warm")))[30].reshape(-1, 3).mean(axis=0)
    cool = frames_of(standing.with_edit(PlotEvent(10, "lighting", "cool")))[30].reshape(-1, 3).mean(axis=0)
    assert warm[0] / warm[2] > base[0] / base[2] > cool[0] / cool[2]


def test_pace_event_changes_walking_speed(walking: Timeline) -> None:
    edited = walking.with_edit(PlotEvent(10, "pace", amount=2.0))
    players = [s.player for s in states(edited)]
    steps = [distance(a, b) for a, b in itertools.pairwise(players)]
    assert np.mean(steps[:9]) == pytest.approx(0.2, rel=0.05)
    assert np.mean(steps[12:]) == pytest.approx(0.4, rel=0.05)


def test_add_object_event(standing: Timeline, standing_frames: np.ndarray, meadow: World) -> None:
    edited = standing.with_edit(PlotEvent(10, "add_object", "pine", a=7.0))
    store = fresh_store()
    assert edited.state_at(9, store).added == ()
    [(kind, x, y)] = edited.state_at(39, store).added
    assert kind == objects_module.PINE
    assert distance((x, y), edited.state_at(10, store).player) == pytest.approx(7.0)
    frames = frames_of(edited)
    assert np.array_equal(frames[:10], standing_frames[:10])
    assert all(not np.array_equal(frames[i], standing_frames[i]) for i in range(10, 40))
    extra = added_objects(meadow, edited.state_at(39, store).added)
    assert extra is not None and len(extra) == 1 and extra.z[0] == pytest.approx(meadow.ground(x, y), abs=1e-3)


def test_an_added_object_keeps_its_look_when_another_is_added(meadow: World) -> None:
    first = (objects_module.ROCK, 200.0, 200.0)
    one = added_objects(meadow, (first,))
    two = added_objects(meadow, (first, (objects_module.PINE, 300.0, 300.0)))
    assert one is not None and two is not None
    rock = int(np.nonzero(two.kind == objects_module.ROCK)[0][0])
    assert (one.height[0], one.width[0], one.tint[0]) == (two.height[rock], two.width[rock], two.tint[rock])


def test_an_added_object_is_drawn_but_does_not_block(walking: Timeline) -> None:
    """As documented: an added object is scenery, the walker walks through it."""
    edited = walking.with_edit(PlotEvent(0, "add_object", "rock", a=4.0))
    store = fresh_store()
    [(_, x, y)] = edited.state_at(0, store).added
    start = edited.state_at(0, store).player
    end = edited.state_at(39, store).player
    assert distance(end, start) > distance((x, y), start) + 1.0
    assert end == walking.state_at(39, fresh_store()).player


def test_remove_object_event_hides_and_unblocks(meadow: World, make_timeline: MakeTimeline) -> None:
    [tree] = approaches(meadow, (objects_module.PINE, objects_module.BROADLEAF), limit=1)
    tx, ty = float(meadow.objects.x[tree]), float(meadow.objects.y[tree])
    timeline = make_timeline(walk_track(60), frames=60, start=(tx - 6.0, ty, 0.0))
    blocked = timeline.state_at(59, fresh_store()).player
    assert blocked.x < tx  # the tree stops the walker
    edited = timeline.with_edit(PlotEvent(0, "remove_object", a=6.0, radius=1.0))
    store = fresh_store()
    assert tree in edited.state_at(0, store).removed
    for index in edited.state_at(0, store).removed:
        assert distance((float(meadow.objects.x[index]), float(meadow.objects.y[index])), (tx, ty)) <= 1.0 + 1e-3
    assert edited.state_at(59, store).player.x > tx + 1.0  # it walks on through where the tree stood
    still = make_timeline(frames=10, start=(tx - 6.0, ty, 0.0))
    shown = frames_of(still)
    hidden = frames_of(still.with_edit(PlotEvent(5, "remove_object", a=6.0, radius=1.0)))
    assert np.array_equal(shown[:5], hidden[:5])
    assert np.any(shown[5:] != hidden[5:], axis=3).sum(axis=(1, 2)).min() > 20  # the tree is gone


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "earthquake"}, "event"), ({"kind": "weather", "value": "hail"}, "value"),
    ({"kind": "lighting", "value": "neon"}, "value"), ({"kind": "add_object", "value": "house"}, "value"),
    ({"kind": "time_of_day", "amount": 25.0}, "amount"), ({"kind": "pace", "amount": 0.0}, "amount"),
    ({"kind": "pace", "amount": 5.0}, "amount"),
])
def test_plot_events_check_their_inputs(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(EditError) as caught:
        PlotEvent(0, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field and str(caught.value).startswith(f"input '{field}'")


_FPS = st.sampled_from([1, 10, 24, 30, 60])
_LENGTH = st.floats(-500, 500, allow_nan=False)


@given(st.one_of(
    st.builds(edits.InsertCharacter, frame=st.integers(0, 5000), archetype=st.sampled_from(["hiker", "deer"]),
              behaviour=st.sampled_from(["idle", "flee"]), a=_LENGTH, b=_LENGTH, speed=st.floats(0.1, 3)),
    st.builds(edits.ChangeShot, frame=st.integers(0, 5000), kind=st.sampled_from(["orbit", "fixed"]),
              transition=st.sampled_from(["cut", "smooth"]), transition_frames=st.integers(0, 300)),
    st.builds(edits.PlotEvent, frame=st.integers(0, 5000), kind=st.just("weather"),
              value=st.sampled_from(["rain", "snow"]), transition_frames=st.integers(0, 300), a=_LENGTH)),
    _FPS)
def test_a_director_nodes_inputs_make_the_same_edit_at_the_same_frame(edit: edits.Edit, fps: int) -> None:
    made = edits.as_director_would(edit, fps)
    node, inputs = edits.director_inputs(made, fps)
    assert node == type(edit).__name__ and edits.frame_of(inputs["time"], fps) == edit.frame
    assert edits.as_director_would(made, fps).to_json() == made.to_json()  # one trip through the node is final
