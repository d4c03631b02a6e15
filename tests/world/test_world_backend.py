"""The world-backend contract, as the procedural backend implements it: create, pure step, render,
save/load round trips."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from worldkit import SMALL, fresh_store, walk_track

from world.actions import SPRINT, ActionTrack
from world.backend import BackendInfo, ProceduralBackend, ProceduralState, WorldBackend, WorldRef
from world.edits import ChangeShot, Edit, InsertCharacter, PlotEvent
from world.render import Camera
from world.spec import WorldSpec
from world.timeline import Timeline
from world.world import World


@pytest.fixture
def backend(meadow: World) -> ProceduralBackend:
    return ProceduralBackend(fresh_store(), fps=10.0, time_scale=60.0)


@pytest.fixture
def busy(backend: ProceduralBackend, meadow: World) -> ProceduralState:
    """A state with a bit of everything: a walk, a character, a shot, weather, light and objects."""
    state = backend.create(meadow.spec, seed=3)
    actions = walk_track(12)
    actions.flags[4:8] = SPRINT
    state = backend.step(state, actions, [InsertCharacter(0, "deer", "wander", a=6.0, seed=2),
                                          PlotEvent(0, "weather", "rain", transition_frames=20)])
    state = backend.step(state, walk_track(5), [ChangeShot(0, "orbit", transition="smooth", transition_frames=6),
                                                PlotEvent(0, "lighting", "warm", transition_frames=4),
                                                PlotEvent(0, "add_object", "rock", a=5.0, b=2.0),
                                                PlotEvent(0, "remove_object", a=3.0, radius=40.0)])
    return state


def test_the_backend_describes_itself(backend: ProceduralBackend) -> None:
    assert isinstance(backend.info, BackendInfo)
    assert backend.info.name == "procedural" and backend.info.frames_per_step == 1
    assert {"characters", "shots", "weather", "physics"} <= backend.info.features
    assert {"move", "look", "jump", "sprint", "crouch", "pose"} == set(backend.info.actions)
    contract: WorldBackend = backend  # satisfies the protocol (checked by mypy)
    assert contract is backend
    assert WorldRef("procedural", WorldSpec()).nbytes < 4096


def test_create_starts_on_open_ground(backend: ProceduralBackend, meadow: World) -> None:
    state = backend.create(meadow.spec, seed=1)
    player = state.sim.player
    assert state.sim.frame == -1 and state.sim.seed == 1
    assert player.z == meadow.ground(player.x, player.y)
    assert meadow.blocking(player.x, player.y, 1.0) == -1 and not meadow.is_water(player.x, player.y)
    assert backend.create(meadow.spec, seed=1) == state


def test_step_advances_one_frame_per_action(backend: ProceduralBackend, busy: ProceduralState) -> None:
    assert busy.sim.frame == 16
    assert len(busy.sim.characters) == 1 and busy.sim.shot.kind == "orbit"
    assert len(busy.sim.added) == 1 and len(busy.sim.removed) > 0


def test_step_is_pure(backend: ProceduralBackend, busy: ProceduralState) -> None:
    before = copy.deepcopy(busy)
    saved = backend.save(busy)["state_json"].copy()
    actions = walk_track(6)
    events: list[Edit] = [InsertCharacter(0, "robot", "follow", a=5.0, b=-2.0)]
    a = backend.step(busy, actions, events)
    b = backend.step(busy, actions, events)
    assert a == b
    assert a != busy and a.sim.frame == busy.sim.frame + 6
    assert busy == before  # the input state is untouched
    assert np.array_equal(backend.save(busy)["state_json"], saved)
    assert np.array_equal(actions.move, walk_track(6).move)  # and so are the actions
    assert len(events) == 1
    # another backend on another store gives the same result
    other = ProceduralBackend(fresh_store(), fps=10.0, time_scale=60.0)
    assert other.step(busy, actions, events) == a


def test_step_in_pieces_equals_step_at_once(backend: ProceduralBackend, meadow: World) -> None:
    state = backend.create(meadow.spec, seed=0)
    actions = walk_track(10)
    actions.look[:, 0] = 1.5
    at_once = backend.step(state, actions, [])
    pieces = state
    for i in range(10):
        pieces = backend.step(pieces, actions.slice(i, i + 1), [])
    assert pieces == at_once


def test_save_load_round_trip(backend: ProceduralBackend, busy: ProceduralState) -> None:
    arrays = backend.save(busy)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    loaded = backend.load(arrays)
    assert loaded == busy
    assert backend.save(loaded)["state_json"].tobytes() == arrays["state_json"].tobytes()
    # through another backend on another store, too
    other = ProceduralBackend(fresh_store())
    assert other.load({k: v.copy() for k, v in arrays.items()}) == busy


def test_loaded_states_render_and_step_identically(backend: ProceduralBackend, busy: ProceduralState) -> None:
    loaded = backend.load(backend.save(busy))
    frame = backend.render(busy, None, SMALL)
    assert frame.shape == (1, SMALL[1], SMALL[0], 3) and frame.dtype == np.uint8
    assert np.array_equal(backend.render(loaded, None, SMALL), frame)
    actions = walk_track(4)
    assert backend.step(loaded, actions, []) == backend.step(busy, actions, [])
    assert np.array_equal(backend.render(backend.step(loaded, actions, []), None, SMALL),
                          backend.render(backend.step(busy, actions, []), None, SMALL))


def test_render_with_a_camera(backend: ProceduralBackend, busy: ProceduralState) -> None:
    player = busy.sim.player
    camera = Camera(player.x, player.y, player.z + 30.0, 1.0, -0.4, 60.0)
    high = backend.render(busy, camera, SMALL)
    assert not np.array_equal(high, backend.render(busy, None, SMALL))
    assert np.array_equal(backend.render(busy, camera, SMALL), high)


def test_the_initial_state_renders(backend: ProceduralBackend, meadow: World) -> None:
    state = backend.create(meadow.spec, seed=0)
    frame = backend.render(state, None, SMALL)
    assert frame.shape == (1, SMALL[1], SMALL[0], 3) and frame.std() > 5.0


def test_backend_and_timeline_agree(backend: ProceduralBackend, meadow: World) -> None:
    """Stepping the backend with a timeline's actions and edits reaches the timeline's state."""
    state = backend.create(meadow.spec, seed=0)
    player = state.sim.player
    actions = walk_track(20)
    edit = PlotEvent(5, "weather", "fog")
    timeline = Timeline(meadow.spec, 10, 20, 10, (player.x, player.y, player.yaw), 60.0, actions, (edit,))
    stepped = backend.step(state, actions.slice(0, 5), [])
    stepped = backend.step(stepped, actions.slice(5, 20), [dataclasses.replace(edit, frame=5)])
    assert stepped.sim == timeline.state_at(19, fresh_store())


def test_empty_action_track_is_a_no_op(backend: ProceduralBackend, busy: ProceduralState) -> None:
    assert backend.step(busy, ActionTrack.empty(0), []) == busy
