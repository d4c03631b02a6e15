"""Walking bodies (collisions, slopes, gravity, jumps, gaits), action tracks and wander planning."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from worldkit import approaches, clear_heading, synthetic_world

from world import objects as objects_module
from world import physics, wander
from world.actions import CROUCH, JUMP, MAX_LOOK_DEG, SPRINT, ActionError, ActionTrack, parse
from world.physics import DEEP_WATER, MAX_SLOPE, PLAYER, STEP_DOWN, Body, Gait, place, step
from world.render import Camera
from world.shots import Shot, camera_for
from world.terrain import TILE_M
from world.wander import MODES, WanderError, check_waypoints
from world.world import World

N = 256  # synthetic worlds: 256 cells of 2 m
FORWARD = np.asarray([1.0, 0.0, 0.0])
STILL = np.zeros(3)
NO_LOOK = np.zeros(2)


def flat(objects: Sequence[tuple[int, float, float, float]] = (), level: float = 0.0) -> World:
    return synthetic_world(np.full((N, N), level, np.float32), objects)


def ramp(slope: float, start: float = 150.0, length: float = 100.0) -> World:
    """Flat until x = ``start``, then rising ``slope`` m per m for ``length`` m (along +x)."""
    x = np.arange(N) * 2.0
    return synthetic_world(np.tile(np.clip(x - start, 0.0, length) * slope, (N, 1)))


def walk(world: World, body: Body, frames: int, move: np.ndarray = FORWARD, flags: int = 0, dt: float = 1 / 30,
         pace: float = 1.0, gait: Gait = PLAYER) -> list[Body]:
    bodies = [body]
    for _ in range(frames):
        bodies.append(step(world, bodies[-1], move, NO_LOOK, flags, dt, pace, gait))
    return bodies


def inside_any(world: World, body: Body, radius: float = PLAYER.radius) -> bool:
    o = world.objects
    gap = np.hypot(objects_module.wrap_delta(o.x - body.x), objects_module.wrap_delta(o.y - body.y)) - o.radius - radius
    return bool(((gap < -1e-4) & (o.radius > 0)).any())


# ---- collisions --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, radius", [(objects_module.PINE, 0.3), (objects_module.ROCK, 1.2),
                                          (objects_module.COLUMN, 0.6), (objects_module.WALL, 1.0)])
@pytest.mark.parametrize("flags", [0, SPRINT])
def test_walking_into_an_object_stops_at_it(kind: int, radius: float, flags: int) -> None:
    world = flat([(kind, 200.0, 200.0, radius)])
    bodies = walk(world, Body(192.0, 200.0, 0.0, 0.0), 120, flags=flags)
    assert not any(inside_any(world, b) for b in bodies)
    final = bodies[-1]
    assert final.x < 200.0  # never got past it
    assert final.x == pytest.approx(200.0 - radius - PLAYER.radius, abs=0.05)  # it walked right up to it
    assert final.speed < 0.1


def test_walking_past_an_object_off_centre_slides_around_it() -> None:
    world = flat([(objects_module.ROCK, 200.0, 200.0, 1.0)])
    bodies = walk(world, Body(192.0, 200.6, 0.0, 0.0), 200)
    assert not any(inside_any(world, b) for b in bodies)
    assert bodies[-1].x > 203.0  # slid round and carried on


def test_bushes_are_passable() -> None:
    world = flat([(objects_module.BUSH, 200.0, 200.0, 0.0)])
    assert walk(world, Body(195.0, 200.0, 0.0, 0.0), 90)[-1].x > 200.5


def test_ignored_objects_do_not_block() -> None:
    world = flat([(objects_module.ROCK, 200.0, 200.0, 1.0)])
    body = Body(195.0, 200.0, 0.0, 0.0)
    for _ in range(120):
        body = step(world, body, FORWARD, NO_LOOK, 0, 1 / 30, ignore=frozenset({0}))
    assert body.x > 201.0


@pytest.mark.parametrize("kinds", [(objects_module.PINE, objects_module.BROADLEAF), (objects_module.ROCK,),
                                   (objects_module.COLUMN,)], ids=["tree", "rock", "column"])
def test_walking_into_real_objects_never_enters_them(meadow: World, ruins: World, kinds: tuple[int, ...]) -> None:
    world = ruins if objects_module.COLUMN in kinds else meadow
    found = approaches(world, kinds)
    assert len(found) == 3
    for index in found:
        ox, oy = float(world.objects.x[index]), float(world.objects.y[index])
        bodies = walk(world, Body(ox - 6.0, oy, world.ground(ox - 6.0, oy), 0.0), 150)
        assert not any(inside_any(world, b) for b in bodies)
        assert bodies[-1].x < ox


@pytest.mark.parametrize("radius, dt, pace", [(1.0, 1 / 2, 1.0), (0.3, 1 / 10, 4.0)], ids=["2fps", "pace4"])
def test_fast_steps_do_not_pass_through_objects(radius: float, dt: float, pace: float) -> None:
    world = flat([(objects_module.ROCK, 200.0, 200.0, radius)])
    bodies = walk(world, Body(190.0, 200.0, 0.0, 0.0), 40, flags=SPRINT, dt=dt, pace=pace)
    assert bodies[-1].x < 200.0


# ---- slopes and water --------------------------------------------------------------------------
def test_max_slope_is_33_degrees() -> None:  # as documented in docs/world.md
    assert math.tan(math.radians(33.0)) == pytest.approx(MAX_SLOPE)


@pytest.mark.parametrize("share", [1.15, 2.0, 4.0])
def test_slopes_steeper_than_the_limit_are_refused(share: float) -> None:
    slope = share * MAX_SLOPE
    world = ramp(slope)
    bodies = walk(world, Body(140.0, 200.0, 0.0, 0.0), 300, flags=SPRINT)
    assert bodies[-1].x < 152.5  # stuck at the foot of the ramp
    assert bodies[-1].z < 2.5 * slope


@pytest.mark.parametrize("share", [0.4, 0.8, 0.95])
def test_slopes_within_the_limit_are_climbed(share: float) -> None:
    world = ramp(share * MAX_SLOPE)
    bodies = walk(world, Body(140.0, 200.0, 0.0, 0.0), 400, dt=1 / 10)  # 80 m
    assert bodies[-1].x > 200.0
    assert bodies[-1].z == pytest.approx(world.ground(bodies[-1].x, bodies[-1].y))


@pytest.mark.parametrize("slope", [0.5, 1.0, 2.0])  # around and above MAX_SLOPE (0.65)
@pytest.mark.parametrize("heading_degrees", [0.0, 20.0, 45.0, 70.0, -30.0])
def test_no_accepted_step_is_steeper_than_the_limit(slope: float, heading_degrees: float) -> None:
    world = ramp(slope)
    bodies = walk(world, Body(140.0, 200.0, 0.0, math.radians(heading_degrees)), 400)
    for before, after in itertools.pairwise(bodies):
        run = math.hypot(after.x - before.x, after.y - before.y)
        if run > 1e-6:
            assert (after.z - before.z) / run <= MAX_SLOPE + 1e-6


def test_jumping_does_not_climb_a_slope_steeper_than_the_limit() -> None:
    world = ramp(2.0)
    bodies = walk(world, Body(140.0, 200.0, 0.0, 0.0), 300, flags=JUMP)
    assert bodies[-1].z < 3.0


def test_deep_water_is_refused_shallow_water_is_not() -> None:
    x = np.arange(N) * 2.0
    height = np.tile(np.clip(100.0 - x, -20.0, 5.0) * 0.1, (N, 1))  # sinks 0.1 m per m past x = 100
    world = synthetic_world(height, water_level=0.0)
    bodies = walk(world, Body(80.0, 200.0, world.ground(80.0, 200.0), 0.0), 600)
    final = bodies[-1]
    assert 100.0 < final.x < 108.0  # waded in, but not deeper than DEEP_WATER
    assert world.ground(final.x, final.y) >= -DEEP_WATER - 0.05
    assert all(not world.is_water(b.x, b.y, DEEP_WATER) for b in bodies)


# ---- gravity, jumps, gaits ---------------------------------------------------------------------
def test_jump_rises_then_lands_back_on_the_ground() -> None:
    world = flat(level=3.0)
    body = Body(100.0, 100.0, 3.0, 0.0)
    trajectory = [body := step(world, body, STILL, NO_LOOK, JUMP, 1 / 30)]
    for _ in range(60):
        trajectory.append(body := step(world, body, STILL, NO_LOOK, 0, 1 / 30))
    heights = [b.z - 3.0 for b in trajectory]
    peak = int(np.argmax(heights))
    assert not trajectory[0].on_ground and trajectory[0].vz > 0
    assert max(heights) == pytest.approx(PLAYER.jump_speed**2 / (2 * physics.GRAVITY), rel=0.1)
    assert all(a < b for a, b in itertools.pairwise(heights[:peak + 1]))  # rises
    landed = next(i for i, b in enumerate(trajectory) if b.on_ground)
    assert landed == pytest.approx(2 * PLAYER.jump_speed / physics.GRAVITY * 30, abs=2)
    assert all(a >= b for a, b in itertools.pairwise(heights[peak:landed + 1]))  # falls
    assert all(b.z == 3.0 and b.vz == 0.0 and b.on_ground for b in trajectory[landed:])


def test_no_jumping_in_mid_air() -> None:
    world = flat()
    body = Body(100.0, 100.0, 0.0, 0.0)
    heights = []
    for _ in range(90):  # jump held down: jumps again only after landing
        body = step(world, body, STILL, NO_LOOK, JUMP, 1 / 30)
        heights.append(body.z)
    assert max(heights) < PLAYER.jump_speed**2 / (2 * physics.GRAVITY) * 1.05


def test_bodies_fall_under_gravity() -> None:
    world = flat()
    body = Body(100.0, 100.0, 10.0, 0.0, on_ground=False)
    zs = [body.z]
    for _ in range(60):
        body = step(world, body, STILL, NO_LOOK, 0, 1 / 30)
        zs.append(body.z)
    drops = np.diff(zs)
    landed = zs.index(0.0)
    assert 0 < landed < 60
    assert (drops[: landed - 1] < 0).all() and (np.diff(drops[: landed - 1]) < 0).all()  # accelerating
    assert landed / 30 == pytest.approx(math.sqrt(2 * 10.0 / physics.GRAVITY), abs=0.1)
    assert body.on_ground and body.z == 0.0


def test_walking_down_gentle_ground_follows_it_and_off_a_ledge_falls() -> None:
    world = ramp(-0.5)  # going down
    bodies = walk(world, Body(140.0, 200.0, 0.0, 0.0), 300)
    assert all(b.on_ground and b.z == pytest.approx(world.ground(b.x, b.y)) for b in bodies)
    x = np.arange(N) * 2.0
    ledge = synthetic_world(np.tile(np.where(x < 150.0, 10.0, 0.0), (N, 1)))
    bodies = walk(ledge, Body(140.0, 200.0, 10.0, 0.0), 60, dt=1 / 10)  # 1 m drop in a frame: a fall
    assert any(not b.on_ground for b in bodies)
    assert bodies[-1].on_ground and bodies[-1].z == 0.0
    assert STEP_DOWN < 10.0


def test_sprint_is_faster_than_walk_is_faster_than_crouch() -> None:
    world = flat()
    start = Body(100.0, 100.0, 0.0, 0.0)
    distance = {name: walk(world, start, 60, flags=flags)[-1].x - 100.0
                for name, flags in (("walk", 0), ("sprint", SPRINT), ("crouch", CROUCH))}
    assert distance["walk"] == pytest.approx(PLAYER.walk * 2.0, rel=0.01)
    assert distance["sprint"] == pytest.approx(PLAYER.sprint * 2.0, rel=0.01)
    assert distance["crouch"] == pytest.approx(PLAYER.crouch * 2.0, rel=0.01)
    assert distance["sprint"] > distance["walk"] > distance["crouch"] > 0
    assert walk(world, start, 60, pace=2.0)[-1].x - 100.0 == pytest.approx(2 * distance["walk"], rel=0.01)


def test_moves_are_normalised_and_strafe_goes_right() -> None:
    world = flat()
    start = Body(100.0, 100.0, 0.0, math.pi / 2)  # facing north (+y)
    diagonal = walk(world, start, 30, move=np.asarray([1.0, 1.0, 0.0]))[-1]
    assert math.hypot(diagonal.x - 100.0, diagonal.y - 100.0) == pytest.approx(PLAYER.walk, rel=0.01)
    right = walk(world, start, 30, move=np.asarray([0.0, 1.0, 0.0]))[-1]
    assert right.x == pytest.approx(100.0 + PLAYER.walk, rel=0.01) and right.y == pytest.approx(100.0)


def test_look_turns_right_and_pitch_is_clamped() -> None:
    world = flat()
    body = Body(100.0, 100.0, 0.0, 0.0)
    turned = step(world, body, STILL, np.asarray([10.0, 0.0]), 0, 1 / 30)
    assert turned.yaw == pytest.approx(-math.radians(10.0))
    for _ in range(20):
        body = step(world, body, STILL, np.asarray([0.0, 45.0]), 0, 1 / 30)
    assert body.pitch == pytest.approx(1.3)


def test_eye_height_and_first_person_camera() -> None:
    world = flat(level=2.0)
    body = Body(100.0, 100.0, 2.0, 0.3, pitch=0.1)
    assert body.eye_height() == PLAYER.eye == 1.7
    camera = camera_for(world, Shot(), body, body.eye_height(), 0, 30.0)
    assert camera == Camera(100.0, 100.0, 3.7, 0.3, 0.1, 80.0)
    crouched = step(world, body, STILL, NO_LOOK, CROUCH, 1 / 30)
    assert crouched.crouched and crouched.eye_height() == PLAYER.eye_crouched == 1.1
    assert camera_for(world, Shot(), crouched, crouched.eye_height(), 1, 30.0).z == pytest.approx(3.1)


def test_step_is_pure_and_bodies_round_trip() -> None:
    world = flat([(objects_module.ROCK, 110.0, 100.0, 1.0)])
    body = Body(100.0, 100.0, 0.0, 0.1, phase=1.0)
    a = step(world, body, FORWARD, np.asarray([1.0, 0.5]), SPRINT | JUMP, 1 / 30)
    b = step(world, body, FORWARD, np.asarray([1.0, 0.5]), SPRINT | JUMP, 1 / 30)
    assert a == b and body == Body(100.0, 100.0, 0.0, 0.1, phase=1.0)
    assert Body.from_array(a.as_array()) == a


def test_place_puts_the_body_on_the_ground_and_wraps() -> None:
    world = ramp(0.5)
    placed = place(world, Body(0.0, 0.0, 50.0, 0.0, vz=-3.0, on_ground=False), 180.0 + TILE_M, -5.0, 90.0)
    assert placed.x == pytest.approx(180.0) and placed.y == pytest.approx(TILE_M - 5.0)
    assert placed.z == pytest.approx(15.0) and placed.yaw == pytest.approx(math.pi / 2)
    assert placed.on_ground and placed.vz == 0.0


# ---- action tracks -----------------------------------------------------------------------------
@pytest.mark.parametrize("data, frame, field", [
    ([{"move": [1, 0]}], 0, "move"),
    ([{}, {"move": [1.5, 0, 0]}], 1, "move"),
    ([{}, {}, {"look": [0, MAX_LOOK_DEG + 1]}], 2, "look"),
    ([{"look": ["left", 0]}], 0, "look"),
    ([{"move": [1, 0, float("nan")]}], 0, "move"),
    ([{"jump": 1}], 0, "jump"),
    ([{}, {"sprint": "yes"}], 1, "sprint"),
    ([{"crouch": None}], 0, "crouch"),
    ([{"pose": [1, 2]}], 0, "pose"),
    ([{}, {}, {}, {"pose": [1, 2, 1e7]}], 3, "pose"),
    ([{"move": [1, 0, 0], "fly": True}], 0, "fly"),
    ([{}, [1, 0, 0]], 1, "an action is an object"),
    ([{"move": [True, 0, 0]}], 0, "move"),
])
def test_action_errors_name_the_frame_and_field(data: Any, frame: int, field: str) -> None:
    with pytest.raises(ActionError) as caught:
        parse(data, 10)
    message = str(caught.value)
    assert f"frame {frame}:" in message and field in message


@pytest.mark.parametrize("data", [{"move": [1, 0, 0]}, "walk", None, []])
def test_an_action_track_is_a_non_empty_list(data: Any) -> None:
    with pytest.raises(ActionError, match=r"list|empty"):
        parse(data, 5)


def test_a_huge_number_is_an_action_error() -> None:
    with pytest.raises(ActionError, match="frame 0"):
        parse([{"move": [10**400, 0, 0]}], 3)


def test_parse_reads_every_field_and_pads_with_standing_still() -> None:
    track = parse([{"move": [1, -0.5, 0], "look": [2.5, -1], "sprint": True, "jump": True},
                   {"crouch": True, "pose": [10, 20, 90]}], 4)
    assert len(track) == 4
    assert track.move[0].tolist() == [1.0, -0.5, 0.0] and track.look[0].tolist() == [2.5, -1.0]
    assert track.flags.tolist() == [JUMP | SPRINT, CROUCH, 0, 0]
    assert np.isnan(track.pose[0]).all() and track.pose[1].tolist() == [10.0, 20.0, 90.0]
    assert not track.move[2:].any() and np.isnan(track.pose[2:]).all()
    assert len(parse([{}] * 10, 3)) == 3  # longer than the rollout: cut


def test_action_tracks_round_trip_through_json() -> None:
    rng = np.random.default_rng(0)
    track = ActionTrack.empty(20)
    track.move[:] = rng.uniform(-1, 1, (20, 3)).round(3)
    track.look[:] = rng.uniform(-5, 5, (20, 2)).round(3)
    track.flags[:] = rng.integers(0, 8, 20)
    track.pose[5] = [12.5, 8.0, 45.0]
    again = parse(track.to_json(), 20)
    for a, b in zip(track.to_arrays().values(), again.to_arrays().values(), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert again.digest(0, 20) == track.digest(0, 20)
    assert track.digest(0, 10) != track.digest(10, 20)
    assert track.slice(5, 7).digest(0, 2) == track.digest(5, 7)


# ---- wander ------------------------------------------------------------------------------------
@pytest.mark.parametrize("points, where", [
    ([[10, 10], [5000, 10]], "point 1"), ([[-1, 10]], "point 0"), ([[10, 4096]], "point 0"),
    ([[10, 10], [10, float("nan")]], "point 1"), ([[10, float("inf")]], "point 0"),
    ([[10, 10, 10]], "point 0"), ([["10", 10]], "point 0"), ([[True, 10]], "point 0"), ([10, 10], "point 0"),
    ([], "non-empty"), ({"x": 1}, "non-empty"), ("[[1, 2]]", "non-empty"),
])
def test_waypoints_off_the_map_or_malformed_are_refused(points: Any, where: str) -> None:
    with pytest.raises(WanderError) as caught:
        check_waypoints(points)
    assert caught.value.field == "waypoints"
    assert str(caught.value).startswith("input 'waypoints'") and where in str(caught.value)


def test_waypoints_on_the_map_are_accepted() -> None:
    assert check_waypoints([[0, 0], [4095.5, 12], [3, 2.5]]) == [(0.0, 0.0), (4095.5, 12.0), (3.0, 2.5)]


def _replay(world: World, body: Body, track: ActionTrack, fps: float) -> list[Body]:
    bodies = [body]
    for i in range(len(track)):
        bodies.append(step(world, bodies[-1], track.move[i], track.look[i], int(track.flags[i]), 1 / fps))
    return bodies


@pytest.fixture(scope="module")
def start_body(meadow: World, meadow_start: tuple[float, float, float]) -> Body:
    x, y, yaw = meadow_start
    return Body(x, y, meadow.ground(x, y), yaw)


@pytest.mark.parametrize("mode", [m for m in MODES if m != "track"])
def test_plans_are_deterministic_and_valid(meadow: World, start_body: Body, mode: str) -> None:
    waypoints = [(start_body.x + 10.0, start_body.y)]
    a = wander.plan(meadow, mode, start_body, 60, 10.0, seed=4, waypoints=waypoints)
    b = wander.plan(meadow, mode, start_body, 60, 10.0, seed=4, waypoints=waypoints)
    assert len(a) == 60
    for x, y in zip(a.to_arrays().values(), b.to_arrays().values(), strict=True):
        assert np.array_equal(x, y, equal_nan=True)
    assert (np.abs(a.move) <= 1.0).all() and (np.abs(a.look) <= MAX_LOOK_DEG).all()
    parse(a.to_json(), 60)  # a valid track


def test_walk_mode_walks_ahead(meadow: World, start_body: Body) -> None:
    bodies = _replay(meadow, start_body, wander.plan(meadow, "walk", start_body, 50, 10.0, seed=1), 10.0)
    travelled = math.hypot(bodies[-1].x - start_body.x, bodies[-1].y - start_body.y)
    assert travelled > 0.7 * PLAYER.walk * 5.0
    sprint = wander.plan(meadow, "walk", start_body, 50, 10.0, seed=1, speed="sprint")
    assert (sprint.flags & SPRINT).all()


def test_look_around_stays_put(meadow: World, start_body: Body) -> None:
    track = wander.plan(meadow, "look_around", start_body, 90, 10.0, seed=2)
    bodies = _replay(meadow, start_body, track, 10.0)
    assert (bodies[-1].x, bodies[-1].y) == (start_body.x, start_body.y)
    assert max(abs(b.yaw - start_body.yaw) for b in bodies) > 0.2


def test_orbit_circles_a_point(meadow: World, start_body: Body) -> None:
    radius = 6.0
    track = wander.plan(meadow, "orbit", start_body, 120, 10.0, seed=0, radius=radius)
    bodies = _replay(meadow, start_body, track, 10.0)
    cx = start_body.x + math.cos(start_body.yaw) * radius
    cy = start_body.y + math.sin(start_body.yaw) * radius
    distances = [math.hypot(b.x - cx, b.y - cy) for b in bodies]
    assert all(radius * 0.7 < d < radius * 1.4 for d in distances)
    assert math.hypot(bodies[60].x - start_body.x, bodies[60].y - start_body.y) > 3.0  # it went somewhere


def test_waypoints_mode_reaches_its_waypoints(meadow: World, start_body: Body) -> None:
    yaw = start_body.yaw
    first = (start_body.x + math.cos(yaw) * 12.0, start_body.y + math.sin(yaw) * 12.0)
    second = (start_body.x + math.cos(yaw) * 24.0, start_body.y + math.sin(yaw) * 24.0)
    track = wander.plan(meadow, "waypoints", start_body, 200, 10.0, seed=0, waypoints=[first, second])
    bodies = _replay(meadow, start_body, track, 10.0)
    assert min(math.hypot(b.x - first[0], b.y - first[1]) for b in bodies) < 1.5
    assert math.hypot(bodies[-1].x - second[0], bodies[-1].y - second[1]) < 1.5


def test_explore_moves_and_never_walks_into_anything(meadow: World, start_body: Body) -> None:
    track = wander.plan(meadow, "explore", start_body, 300, 10.0, seed=7)
    bodies = _replay(meadow, start_body, track, 10.0)
    assert not any(inside_any(meadow, b) for b in bodies)
    assert math.hypot(bodies[-1].x - start_body.x, bodies[-1].y - start_body.y) > 5.0
    assert clear_heading(meadow, start_body.x, start_body.y, 10.0) is not None
