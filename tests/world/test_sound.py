"""world.sound: what a timeline sounds like (ambience curves and timed events), from its states."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from worldkit import fresh_store, open_start, walk_track, world_of

from world import sound
from world.actions import JUMP, SPRINT, ActionTrack
from world.edits import ChangeShot, InsertCharacter, PlotEvent
from world.physics import PLAYER
from world.spec import WorldSpec
from world.simulation import view
from world.store import DictStore
from world.timeline import Timeline
from world.world import World

MakeTimeline = Callable[..., Timeline]
FPS = 10
STEP_S = PLAYER.stride / 2 / PLAYER.walk  # a foot down every half stride: 0.375 s at 2 m/s


def events(scene: sound.SoundScene, kind: str) -> list[sound.SoundEvent]:
    return [e for e in scene.events if e.kind == kind]


@pytest.fixture(scope="module")
def walking(make_timeline: MakeTimeline) -> Timeline:
    return make_timeline(walk_track(40))


@pytest.fixture(scope="module")
def walking_scene(walking: Timeline) -> sound.SoundScene:
    return sound.scene(walking, fresh_store())


@pytest.fixture(scope="module")
def standing(make_timeline: MakeTimeline) -> Timeline:
    return make_timeline()


def other_biome(preset: str, frames: int = 30, edits: tuple[object, ...] = ()) -> tuple[World, Timeline]:
    world = world_of(preset)
    timeline = Timeline(world.spec, FPS, frames, 10, open_start(world), 0.0, walk_track(frames))
    for edit in edits:
        timeline = timeline.with_edit(edit)  # type: ignore[arg-type]
    return world, timeline


# ---- the scene ---------------------------------------------------------------------------------
def test_scene_shape(walking: Timeline, walking_scene: sound.SoundScene) -> None:
    assert walking_scene.duration == pytest.approx(4.0)
    assert walking_scene.control_rate == FPS
    assert set(walking_scene.ambience) == {"wind", "rain", "snow", "birds", "insects", "water"}
    for name, curve in walking_scene.ambience.items():
        assert curve.shape == (walking.frames,), name
        assert curve.dtype == np.float32
        assert float(curve.min()) >= 0.0 and float(curve.max()) <= 1.5, name
    times = [e.time for e in walking_scene.events]
    assert times == sorted(times)


def test_scene_is_deterministic_and_independent_of_caching(walking: Timeline,
                                                           walking_scene: sound.SoundScene) -> None:
    store = fresh_store()
    cold = sound.scene(walking, store)
    warm = sound.scene(walking, store)  # the segments are cached now
    for scene in (cold, warm):
        assert scene.events == walking_scene.events
        for name, curve in walking_scene.ambience.items():
            np.testing.assert_array_equal(scene.ambience[name], curve)


def test_scene_does_not_depend_on_segment_length(make_timeline: MakeTimeline, walking_scene: sound.SoundScene) -> None:
    other = sound.scene(make_timeline(walk_track(40), segment_frames=7), fresh_store())
    assert [(round(e.time, 9), e.kind, e.voice) for e in other.events] == \
        [(round(e.time, 9), e.kind, e.voice) for e in walking_scene.events]


def test_a_listener_fed_frame_by_frame_hears_what_scene_hears(walking: Timeline) -> None:
    """Live play's path: states stepped one frame at a time, a view made of each and heard at once."""
    timeline = walking.with_edit(PlotEvent(8, "weather", "rain", transition_frames=6)) \
        .with_edit(InsertCharacter(3, "hiker", "walk_to", a=6.0, b=3.0, target_a=6.0, target_b=20.0, seed=1)) \
        .with_edit(ChangeShot(15, "third_person")).with_edit(ChangeShot(31, "first_person"))
    store = fresh_store()
    offline = sound.scene(timeline, store, seed=40)  # the hiker calls at frame 30
    world = timeline.world(store)
    listener = sound.Listener(world, timeline.fps, seed=40)
    state = timeline.initial(world)
    edits = timeline.edits_between(0, timeline.frames)
    heard = []
    for frame in range(timeline.frames):
        state = timeline.step(state, timeline.actions.slice(frame, frame + 1), edits.get(frame, []), store)
        heard.append(listener.hear(frame, view(world, timeline.clock, state)))
    assert [h.frame for h in heard] == list(range(timeline.frames))
    events = [e for h in heard for e in h.events]
    assert tuple(events) == offline.events  # each frame's events in time order are the scene's, in order
    assert {e.kind for e in events} >= {"step", "character_step", "call", "cut"}
    for name, curve in offline.ambience.items():
        np.testing.assert_array_equal(np.array([h.ambience[name] for h in heard], np.float32), curve)
    assert offline.ambience["rain"][-1] > 0.9


def test_standing_still_makes_no_steps(standing: Timeline, store: DictStore) -> None:
    scene = sound.scene(standing, store)
    assert scene.events == ()
    assert float(scene.ambience["wind"].min()) > 0.0  # but the world is still heard


# ---- the walker's steps ------------------------------------------------------------------------
def test_steps_are_spaced_by_stride_over_speed(walking_scene: sound.SoundScene) -> None:
    steps = events(walking_scene, "step")
    assert len(steps) >= 9
    assert pytest.approx(0.375) == STEP_S
    np.testing.assert_allclose(np.diff([e.time for e in steps]), STEP_S, atol=1e-6)
    assert all(0.0 <= e.time < walking_scene.duration for e in steps)
    assert steps[0].time < STEP_S + 0.1  # the first comes after half a stride (from a standing start)
    assert {e.voice for e in steps} == {"grass"}  # the meadow
    assert {e.pan for e in steps} == {0.0}
    assert {round(e.gain, 6) for e in steps} == {round(0.5 + PLAYER.walk / 6.0, 6)}


def test_steps_fall_between_frames_where_the_foot_goes_down(walking: Timeline,
                                                            walking_scene: sound.SoundScene) -> None:
    """Each step lies in the frame interval in which the walk phase passes a multiple of pi."""
    store = fresh_store()
    phases = [walking.state_at(frame, store).player.phase for frame in range(walking.frames)]
    feet = [f for f in range(1, walking.frames)
            if math.floor(phases[f] / math.pi) > math.floor(phases[f - 1] / math.pi)]
    steps = events(walking_scene, "step")
    assert len(steps) == len(feet)
    for step, frame in zip(steps, feet, strict=True):
        assert (frame - 1) / FPS < step.time <= frame / FPS + 1e-9
        # linear interpolation of the phase puts it at the crossing
        n = math.floor(phases[frame] / math.pi)
        fraction = (n * math.pi - phases[frame - 1]) / (phases[frame] - phases[frame - 1])
        assert step.time == pytest.approx((frame - 1 + fraction) / FPS, abs=1e-9)
    assert any(abs(s.time * FPS - round(s.time * FPS)) > 0.1 for s in steps)  # not snapped to frames


def test_sprinting_steps_are_closer_and_louder(make_timeline: MakeTimeline, store: DictStore) -> None:
    track = walk_track(30)
    track.flags[:] = SPRINT
    steps = events(sound.scene(make_timeline(track, frames=30), store), "step")
    np.testing.assert_allclose(np.diff([e.time for e in steps]), PLAYER.stride / 2 / PLAYER.sprint, atol=1e-6)
    assert {e.gain for e in steps} == {1.0}


def test_a_jump_lands_and_has_no_steps_in_the_air(make_timeline: MakeTimeline, store: DictStore) -> None:
    track = walk_track(40)
    track.flags[5] = JUMP
    timeline = make_timeline(track)
    scene = sound.scene(timeline, store)
    [land] = events(scene, "land")
    airborne = [f for f in range(40) if not timeline.state_at(f, store).player.on_ground]
    assert airborne and land.time == pytest.approx((max(airborne) + 1) / FPS)
    assert land.voice == "grass" and land.gain == 1.0
    steps = events(scene, "step")
    assert not [s for s in steps if min(airborne) / FPS <= s.time < land.time]
    assert [s for s in steps if s.time > land.time]


@pytest.mark.parametrize(("preset", "surface"), [("snowy_tundra", "snow"), ("desert_canyon", "sand")])
def test_step_surfaces_match_the_biome(preset: str, surface: str) -> None:
    _, timeline = other_biome(preset)
    scene = sound.scene(timeline, fresh_store())
    steps = events(scene, "step")
    assert len(steps) >= 6
    assert {e.voice for e in steps} == {surface}
    np.testing.assert_allclose(np.diff([e.time for e in steps]), STEP_S, atol=1e-6)


def test_snowfall_turns_meadow_steps_to_snow(make_timeline: MakeTimeline, store: DictStore) -> None:
    timeline = make_timeline(walk_track(40)).with_edit(PlotEvent(5, "weather", "snow", transition_frames=5))
    scene = sound.scene(timeline, store)
    voices = [(e.time, e.voice) for e in events(scene, "step")]
    assert voices[0][1] == "grass" and voices[-1][1] == "snow"
    assert all(v == "snow" for t, v in voices if t > 1.1)
    assert float(scene.ambience["snow"][-1]) == pytest.approx(1.0)


# ---- characters --------------------------------------------------------------------------------
@pytest.mark.parametrize(("right", "sign"), [(4.0, 1), (-4.0, -1)])
def test_a_character_is_panned_to_its_side(standing: Timeline, store: DictStore, right: float, sign: int) -> None:
    edit = InsertCharacter(0, "hiker", "walk_to", a=6.0, b=right, target_a=6.0, target_b=right * 6, seed=1)
    scene = sound.scene(standing.with_edit(edit), store)
    [call] = events(scene, "call")
    assert call.time == 0.0 and call.voice == "hiker"
    assert call.pan == pytest.approx(right / math.hypot(6.0, right), abs=1e-3)
    steps = events(scene, "character_step")
    assert len(steps) >= 4
    assert all(sign * e.pan > 0.5 for e in steps)
    gains = [e.gain for e in steps]
    assert all(b < a for a, b in itertools.pairwise(gains))  # walking away: quieter
    assert events(scene, "step") == []  # the walker stands


def test_a_farther_character_is_quieter(standing: Timeline, store: DictStore) -> None:
    def call_gain(ahead: float) -> float:
        scene = sound.scene(standing.with_edit(InsertCharacter(0, "robot", "idle", a=ahead, b=0.0)), store)
        [call] = events(scene, "call")
        assert call.voice == "robot" and call.pan == pytest.approx(0.0, abs=1e-3)
        return call.gain

    near, far = call_gain(5.0), call_gain(20.0)
    assert far < near / 4
    assert near == pytest.approx(1.6 / (1 + 5.0 / 4) ** 2, rel=1e-3)


def test_a_character_too_far_away_is_not_heard(standing: Timeline, store: DictStore) -> None:
    scene = sound.scene(standing.with_edit(InsertCharacter(0, "deer", "wander", a=120.0, b=0.0)), store)
    assert scene.events == ()


@pytest.mark.parametrize(("archetype", "voice"), [("hiker", "hiker"), ("robot", "robot"), ("deer", "deer")])
def test_calls_use_the_archetype_voice(standing: Timeline, store: DictStore, archetype: str, voice: str) -> None:
    scene = sound.scene(standing.with_edit(InsertCharacter(0, archetype, "idle", a=8.0, b=1.0)), store)
    assert [e.voice for e in events(scene, "call")] == [voice]


def test_the_walker_seen_in_third_person_makes_no_character_sounds(walking: Timeline, store: DictStore) -> None:
    scene = sound.scene(walking.with_edit(ChangeShot(5, "third_person")), store)
    assert events(scene, "character_step") == [] and events(scene, "call") == []
    assert len(events(scene, "step")) == len(events(sound.scene(walking, fresh_store()), "step"))


def test_character_steps_sound_like_the_ground() -> None:
    world = world_of("snowy_tundra")
    x, y, yaw = open_start(world)
    timeline = Timeline(world.spec, FPS, 30, 10, (x, y, yaw), 0.0, ActionTrack.empty(30))
    timeline = timeline.with_edit(InsertCharacter(0, "hiker", "walk_to", a=5.0, b=0.0, target_a=30.0, seed=1))
    steps = events(sound.scene(timeline, fresh_store()), "character_step")
    assert steps
    assert {e.voice for e in steps} == {"snow"}


# ---- cuts --------------------------------------------------------------------------------------
def test_a_cut_makes_a_cut_event_at_its_time(walking: Timeline, store: DictStore) -> None:
    scene = sound.scene(walking.with_edit(ChangeShot(15, "third_person")).with_edit(ChangeShot(32, "first_person")),
                        store)
    assert [(e.time, e.voice) for e in events(scene, "cut")] == [(1.5, "whoosh"), (3.2, "whoosh")]


def test_a_smooth_transition_is_not_a_cut(walking: Timeline, store: DictStore) -> None:
    scene = sound.scene(walking.with_edit(ChangeShot(15, "orbit", transition="smooth", transition_frames=10)), store)
    assert events(scene, "cut") == []


# ---- ambience ----------------------------------------------------------------------------------
def test_rain_rises_after_a_weather_event(walking: Timeline, walking_scene: sound.SoundScene,
                                         store: DictStore) -> None:
    scene = sound.scene(walking.with_edit(PlotEvent(10, "weather", "rain", transition_frames=10)), store)
    rain = scene.ambience["rain"]
    assert not rain[:11].any()
    assert np.all(np.diff(rain[10:21]) > 0)
    np.testing.assert_allclose(rain[20:], 1.0)
    assert not walking_scene.ambience["rain"].any()
    # rain silences the birds and strengthens the wind
    assert float(scene.ambience["birds"][-1]) == 0.0 < float(walking_scene.ambience["birds"][-1])
    assert float(scene.ambience["wind"][-1]) == pytest.approx(float(walking_scene.ambience["wind"][-1]) + 0.3)
    np.testing.assert_array_equal(scene.ambience["birds"][:10], walking_scene.ambience["birds"][:10])


@pytest.mark.parametrize(("hour", "birds", "insects"), [(12.0, 0.99, 0.01), (13.0, 1.0, 0.0), (23.0, 0.0, 1.0),
                                                        (2.0, 0.0, 1.0)])
def test_birds_by_day_insects_by_night(make_timeline: MakeTimeline, meadow: World, store: DictStore, hour: float,
                                       birds: float, insects: float) -> None:
    spec: WorldSpec = meadow.spec.replace(time_of_day=hour)
    scene = sound.scene(make_timeline(frames=10, spec=spec), store)
    assert float(scene.ambience["birds"].mean()) == pytest.approx(birds, abs=0.01)
    assert float(scene.ambience["insects"].mean()) == pytest.approx(insects, abs=0.01)


def test_the_hour_moves_with_time_scale(make_timeline: MakeTimeline, meadow: World, store: DictStore) -> None:
    """An evening sped up: the birds fade and the insects come in over the clip."""
    spec = meadow.spec.replace(time_of_day=18.0)
    scene = sound.scene(make_timeline(frames=40, spec=spec, time_scale=3600.0), store)  # an hour a second
    birds, insects = scene.ambience["birds"], scene.ambience["insects"]
    assert birds[0] > 0.5 > birds[-1] and insects[0] < 0.5 < insects[-1]
    assert np.all(np.diff(birds) <= 1e-6) and np.all(np.diff(insects) >= -1e-6)


@pytest.mark.parametrize("preset", ["snowy_tundra", "desert_canyon"])
def test_ambience_follows_the_biome(walking_scene: sound.SoundScene, preset: str) -> None:
    _, timeline = other_biome(preset, frames=10)
    scene = sound.scene(timeline, fresh_store())
    meadow_wind = float(walking_scene.ambience["wind"][0])
    if preset == "snowy_tundra":
        assert float(scene.ambience["insects"].max()) == 0.0
        assert float(scene.ambience["wind"][0]) > meadow_wind
    else:
        assert float(scene.ambience["birds"].max()) < float(walking_scene.ambience["birds"].max()) / 2
        assert float(scene.ambience["wind"][0]) > meadow_wind
