"""The world contract (world/contract.py) as the procedural timeline implements it: its info, pure
steps on from any state, states as arrays, and agreement with the offline timeline; the backend
registry (world/backends.py)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from worldkit import SMALL, fresh_store, walk_track

from world import objects as objects_module
from world.actions import SPRINT, ActionTrack
from world.backends import BackendRegistry, UnknownBackend
from world.capability import ACTION_FIELDS, EDIT_FEATURES, UnsupportedEdit, edit_feature, refuse_unsupported
from world.contract import BackendInfo, Rollout, WorldBackend
from world.edits import ChangeShot, Edit, InsertCharacter, PlotEvent
from world.procedural import ProceduralBackend, WorldRef
from world.simulation import SimState
from world.spec import WorldSpec
from world.store import DictStore
from world.timeline import Timeline
from world.world import World


@pytest.fixture
def walk(meadow: World) -> Timeline:
    """A 30-frame walk from the meadow's spawn point at 10 fps, an hour a minute."""
    x, y = meadow.spawn_point()
    return Timeline(meadow.spec, 10, 30, 10, (x, y, 0.03), 60.0, walk_track(30), seed=3)


@pytest.fixture
def busy(walk: Timeline, store: DictStore) -> SimState:
    """A state with a bit of everything: a walk, a character, a shot, weather, light and objects."""
    state = walk.state_at(0, store)
    actions = walk_track(12)
    actions.flags[4:8] = SPRINT
    state = walk.step(state, actions, [InsertCharacter(0, "deer", "wander", a=6.0, seed=2),
                                       PlotEvent(0, "weather", "rain", transition_frames=20)], store)
    return walk.step(state, walk_track(5), [ChangeShot(0, "orbit", transition="smooth", transition_frames=6),
                                            PlotEvent(0, "lighting", "warm", transition_frames=4),
                                            PlotEvent(0, "add_object", "rock", a=5.0, b=2.0),
                                            PlotEvent(0, "remove_object", a=3.0, radius=40.0)], store)


def test_the_procedural_backend_describes_itself(walk: Timeline) -> None:
    backend = ProceduralBackend()
    world = WorldRef("procedural", walk.spec)
    info = backend.info(world)
    assert isinstance(info, BackendInfo) and info is walk.info
    assert info.name == "procedural" and info.fps is None and not info.gpu
    assert set(info.actions) == set(ACTION_FIELDS) == {"move", "look", "jump", "sprint", "crouch", "pose"}
    assert set(info.edits) == set(EDIT_FEATURES) and {"characters", "shots", "weather"} <= info.edits
    assert walk.native_size == info.native_size == (854, 480)
    assert info.to_dict()["actions"] == sorted(ACTION_FIELDS)
    contract: WorldBackend = backend  # satisfies the protocols (checked by mypy)
    rollout: Rollout = backend.rollout(world, walk)
    assert contract is backend and rollout is walk and walk.walk is walk
    assert world.nbytes < 4096


def test_the_spawn_state_stands_on_open_ground(walk: Timeline, meadow: World, store: DictStore) -> None:
    state = walk.state_at(0, store)
    player = state.player
    assert state.frame == 0 and state.seed == 3
    assert abs(player.z - meadow.ground(player.x, player.y)) < 0.5
    assert meadow.blocking(player.x, player.y, 1.0) == -1 and not meadow.is_water(player.x, player.y)
    assert walk.state_at(0, fresh_store()) == state


def test_step_advances_one_frame_per_action(busy: SimState) -> None:
    assert busy.frame == 17
    assert len(busy.characters) == 1 and busy.shot.kind == "orbit"
    assert len(busy.added) == 1 and len(busy.removed) > 0


def test_step_is_pure(walk: Timeline, busy: SimState, store: DictStore) -> None:
    before = copy.deepcopy(busy)
    saved = walk.save_state(busy)["state_json"].copy()
    actions = walk_track(6)
    events: list[Edit] = [InsertCharacter(0, "robot", "follow", a=5.0, b=-2.0)]
    a = walk.step(busy, actions, events, store)
    b = walk.step(busy, actions, events, store)
    assert a == b
    assert a != busy and a.frame == busy.frame + 6
    assert busy == before  # the input state is untouched
    assert np.array_equal(walk.save_state(busy)["state_json"], saved)
    assert np.array_equal(actions.move, walk_track(6).move)  # and so are the actions
    assert len(events) == 1
    # on another store the result is the same
    assert walk.step(busy, actions, events, fresh_store()) == a


def test_step_in_pieces_equals_step_at_once(walk: Timeline, store: DictStore) -> None:
    state = walk.state_at(0, store)
    actions = walk_track(10)
    actions.look[:, 0] = 1.5
    at_once = walk.step(state, actions, [], store)
    pieces = state
    for i in range(10):
        pieces = walk.step(pieces, actions.slice(i, i + 1), [], store)
    assert pieces == at_once


def test_save_load_round_trip(walk: Timeline, busy: SimState) -> None:
    arrays = walk.save_state(busy)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    loaded = walk.load_state(arrays)
    assert loaded == busy
    assert walk.save_state(loaded)["state_json"].tobytes() == arrays["state_json"].tobytes()
    # through another rollout of the same world, too
    other = dataclasses.replace(walk, frames=5, actions=walk_track(5))
    assert other.load_state({k: v.copy() for k, v in arrays.items()}) == busy


def test_loaded_states_render_and_step_identically(walk: Timeline, busy: SimState, store: DictStore) -> None:
    loaded = walk.load_state(walk.save_state(busy))
    frame = walk.render_state(busy, SMALL, store)
    assert frame.shape == (SMALL[1], SMALL[0], 3) and frame.dtype == np.uint8
    assert np.array_equal(walk.render_state(loaded, SMALL, store), frame)
    actions = walk_track(4)
    assert walk.step(loaded, actions, [], store) == walk.step(busy, actions, [], store)
    assert np.array_equal(walk.render_state(walk.step(loaded, actions, [], store), SMALL, store),
                          walk.render_state(walk.step(busy, actions, [], store), SMALL, store))


def test_states_render_as_the_timeline_does(walk: Timeline, store: DictStore) -> None:
    frame = walk.render_state(walk.state_at(0, store), SMALL, store)
    assert frame.std() > 5.0
    assert np.array_equal(frame, walk.render_frame(0, SMALL, store))
    assert np.array_equal(walk.render_state(walk.segment_end(1, store), SMALL, store),
                          walk.render_segment(1, SMALL, store)[-1])


def test_stepping_on_from_a_segment_end_reaches_the_timeline(walk: Timeline, store: DictStore) -> None:
    """Live play's move: step on from a segment's end with the walk's own actions and edits."""
    edit = PlotEvent(15, "weather", "fog")
    edited = walk.with_edit(edit)
    state = edited.segment_end(0, store)
    state = edited.step(state, walk.actions.slice(10, 15), [], store)
    state = edited.step(state, walk.actions.slice(15, 30), [edit], store)
    assert state == edited.state_at(29, store) == edited.segment_end(2, store)


def test_an_empty_action_track_is_a_no_op(walk: Timeline, busy: SimState, store: DictStore) -> None:
    assert walk.step(busy, ActionTrack.empty(0), [], store) == busy


def test_characters_must_stand_where_they_are_put(walk: Timeline, meadow: World, store: DictStore) -> None:
    assert len(walk.with_edit(InsertCharacter(5, "hiker", a=6.0), store).edits) == 1
    o = meadow.objects
    rock = int(np.nonzero((o.kind == objects_module.ROCK) & (o.radius > 0.6))[0][0])
    inside = InsertCharacter(5, "hiker", placement="absolute", a=float(o.x[rock]), b=float(o.y[rock]))
    with pytest.raises(ValueError, match=r"input 'ahead/right \(x/y\)': .*inside a rock"):
        walk.with_edit(inside, store)
    assert walk.with_edit(inside).edits == (inside,)  # without a store, nothing is checked


def test_a_procedural_world_does_not_start_from_an_image(walk: Timeline) -> None:
    with pytest.raises(UnsupportedEdit, match="input 'world'") as caught:
        ProceduralBackend().start_from_image(WorldRef("procedural", walk.spec), np.zeros((4, 4, 3), np.uint8))
    assert caught.value.field == "world"


def test_edit_features_and_generic_refusals() -> None:
    assert [edit_feature(e) for e in (InsertCharacter(0, "hiker"), ChangeShot(0), PlotEvent(0, "pace", amount=1))] \
        == ["characters", "shots", "pace"]
    info = BackendInfo("photo", (64, 64), None, frozenset({"look"}), frozenset({"lighting"}))
    refuse_unsupported(info, PlotEvent(0, "lighting", "warm"))
    with pytest.raises(UnsupportedEdit, match=r"photo backend cannot follow characters edits \(it follows lighting\)"):
        refuse_unsupported(info, InsertCharacter(0, "hiker"))
    with pytest.raises(UnsupportedEdit) as caught:
        refuse_unsupported(info, PlotEvent(0, "weather", "rain"))
    assert caught.value.field == "event"


def test_the_registry_finds_backends_by_name() -> None:
    registry = BackendRegistry()
    registry.register(ProceduralBackend())
    registry.register(ProceduralBackend())  # a pack loaded twice replaces itself
    assert registry.names() == ("procedural",)
    assert isinstance(registry.get("procedural"), ProceduralBackend)
    with pytest.raises(UnknownBackend, match=r"no world backend named 'photo' \(registered: procedural\)"):
        registry.get("photo")

    class Impostor(ProceduralBackend):
        pass

    with pytest.raises(ValueError, match="'procedural' is taken by ProceduralBackend"):
        registry.register(Impostor())
    reloaded = type("ProceduralBackend", (ProceduralBackend,), {"__module__": ProceduralBackend.__module__})
    registry.register(reloaded())  # the same class imported afresh (a pack loaded again) replaces it
    assert type(registry.get("procedural")) is reloaded
    assert WorldRef("procedural", WorldSpec()).backend in registry.names()
