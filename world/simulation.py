"""The simulated world state and its pure step: walker, characters, shots, lighting, objects.

``advance(state, action, edits)`` gives the state of the next frame; the state of a frame is what
that frame shows. Ramps make every change (time of day, weather, lighting, pace, camera) smooth.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import physics
from .actions import ActionTrack
from .characters import ARCHETYPES, CharacterSpec, resolve_position, spawn, step_character
from .edits import LIGHTING_LOOKS, ChangeShot, Edit, InsertCharacter, PlotEvent
from .objects import KIND_NAMES, Objects, build, sized, wrap_delta
from .physics import Body
from .render import Actors, Camera
from .render.lighting import Weather, environment
from .render.sprites_kernel import EXPLORER
from .shots import Shot, blend, camera_for
from .world import World


@dataclass(frozen=True)
class Ramp:
    """A value easing from ``start`` to ``end`` between two frames (then holding ``end``)."""

    start: tuple[float, ...]
    end: tuple[float, ...]
    first: int = 0
    last: int = 0

    @classmethod
    def hold(cls, *value: float) -> Ramp:
        return cls(tuple(value), tuple(value))

    def at(self, frame: int) -> tuple[float, ...]:
        if frame >= self.last:
            return self.end
        t = max(0.0, (frame - self.first) / max(self.last - self.first, 1))
        s = t * t * (3 - 2 * t)
        return tuple(a + (b - a) * s for a, b in zip(self.start, self.end, strict=True))

    def towards(self, frame: int, end: tuple[float, ...], frames: int) -> Ramp:
        return Ramp(self.at(frame), end, frame, frame + max(frames, 0))


@dataclass(frozen=True)
class SimState:
    frame: int
    player: Body
    characters: tuple[tuple[CharacterSpec, Body], ...] = ()
    shot: Shot = Shot()
    previous_shot: Shot | None = None
    hour_offset: Ramp = Ramp.hold(0.0)
    weather: Ramp = Ramp.hold(1.0, 0.0, 0.0, 0.0, 0.0)
    look: Ramp = Ramp.hold(1.0, 1.0, 1.0, 1.0)  # exposure, tint r, g, b
    pace: Ramp = Ramp.hold(1.0)
    removed: frozenset[int] = frozenset()
    added: tuple[tuple[int, float, float], ...] = ()   # (kind, x, y)
    seed: int = field(default=0)


@dataclass(frozen=True)
class Clock:
    """Time of day: ``start_hour`` plus ``time_scale`` game seconds per real second."""

    start_hour: float
    time_scale: float
    fps: float

    def hour(self, state: SimState) -> float:
        elapsed_hours = state.frame / self.fps * self.time_scale / 3600.0
        return (self.start_hour + elapsed_hours + state.hour_offset.at(state.frame)[0]) % 24.0


def initial_state(world: World, x: float, y: float, yaw: float, seed: int) -> SimState:
    weather = Weather.of(world.spec.weather).weights
    body = Body(x, y, world.ground(x, y), yaw)
    return SimState(frame=-1, player=body, weather=Ramp.hold(*weather), seed=seed)


def advance(world: World, clock: Clock, state: SimState, actions: ActionTrack, edits: list[Edit]) -> SimState:
    """The state of frame ``state.frame + 1``."""
    frame = state.frame + 1
    dt = 1.0 / clock.fps
    index = min(frame, len(actions) - 1)
    pace = state.pace.at(frame)[0]
    if not np.isnan(actions.pose[index, 0]):
        player = physics.place(world, state.player, *map(float, actions.pose[index]))
    else:
        player = physics.step(world, state.player, actions.move[index], actions.look[index],
                              int(actions.flags[index]), dt, pace, ignore=state.removed)
    stepped = tuple((spec, step_character(world, spec, body, player, frame, dt, state.removed))
                    for spec, body in state.characters)
    state = replace(state, frame=frame, player=player, characters=stepped)
    for edit in edits:  # characters inserted now stand where they were put on this frame
        state = _apply(world, clock, state, edit)
    return state


def _apply(world: World, clock: Clock, state: SimState, edit: Edit) -> SimState:
    frame = state.frame
    if isinstance(edit, InsertCharacter):
        x, y = resolve_position(world, state.player, edit.placement, edit.a, edit.b)
        tx, ty = resolve_position(world, state.player, edit.placement, edit.target_a, edit.target_b)
        facing = math.atan2(float(wrap_delta(state.player.y - y)), float(wrap_delta(state.player.x - x)))
        spec = CharacterSpec(edit.name or f"{edit.archetype}@{frame}", edit.archetype, edit.behaviour, x, y, facing,
                             tx, ty, edit.speed, edit.seed, tint=(edit.seed % 97) / 97.0)
        return replace(state, characters=(*state.characters, (spec, spawn(world, spec))))
    if isinstance(edit, ChangeShot):
        camera = camera_for(world, state.shot, state.player, state.player.eye_height(), frame, clock.fps)
        shot = Shot(edit.kind, edit.fov, edit.distance, edit.height, edit.speed, camera.x, camera.y, camera.z,
                    frame, edit.transition, edit.transition_frames if edit.transition == "smooth" else 0)
        return replace(state, shot=shot, previous_shot=state.shot)
    if isinstance(edit, PlotEvent):
        return _event(world, clock, state, edit)
    raise TypeError(f"unknown edit {edit!r}")


def _event(world: World, clock: Clock, state: SimState, event: PlotEvent) -> SimState:
    frame, frames = state.frame, event.transition_frames
    if event.kind == "weather":
        return replace(state, weather=state.weather.towards(frame, Weather.of(event.value).weights, frames))
    if event.kind == "time_of_day":
        now = clock.hour(state)
        natural_end = now + frames / clock.fps * clock.time_scale / 3600.0
        delta = (event.amount - natural_end + 12.0) % 24.0 - 12.0
        offset = state.hour_offset.at(frame)[0]
        return replace(state, hour_offset=state.hour_offset.towards(frame, (offset + delta,), frames))
    if event.kind == "pace":
        return replace(state, pace=state.pace.towards(frame, (event.amount,), frames))
    if event.kind == "lighting":
        exposure, tint = LIGHTING_LOOKS[event.value]
        return replace(state, look=state.look.towards(frame, (exposure, *tint), frames))
    x, y = resolve_position(world, state.player, "relative", event.a, event.b)
    if event.kind == "add_object":
        return replace(state, added=(*state.added, (KIND_NAMES.index(event.value), x, y)))
    near = world.objects.near(x, y, event.radius + 4.0)
    distance = np.hypot(wrap_delta(world.objects.x[near] - x), wrap_delta(world.objects.y[near] - y))
    gone = {int(i) for i in near[distance <= event.radius]}
    return replace(state, removed=state.removed | gone)


@dataclass(frozen=True)
class Hearing:
    """What a frame sounds like, besides positions: the walker's gait, the hour, the weather, cuts."""

    phase: float
    speed: float
    on_ground: bool
    hour: float
    weather: tuple[float, ...]
    cut: bool


@dataclass(frozen=True)
class FrameView:
    """Everything the renderer needs for one frame, and where the walker is (for metrics)."""

    camera: Camera
    env: np.ndarray
    actors: Actors
    removed: frozenset[int]
    added: tuple[tuple[int, float, float], ...]
    walker: tuple[float, float, float, float]  # x, y, z (feet), yaw
    hearing: Hearing


def view(world: World, clock: Clock, state: SimState) -> FrameView:
    frame = state.frame
    player = state.player
    eye = player.eye_height()
    camera = camera_for(world, state.shot, player, eye, frame, clock.fps)
    shot = state.shot
    if shot.transition_frames and state.previous_shot is not None and frame < shot.start_frame + shot.transition_frames:
        before = camera_for(world, state.previous_shot, player, eye, frame, clock.fps)
        camera = blend(before, camera, (frame - shot.start_frame) / shot.transition_frames)
    exposure, red, green, blue = state.look.at(frame)
    weather = state.weather.at(frame)
    env = environment(clock.hour(state), Weather(weather), world.spec.fog,
                      world.terrain.water_level, frame / clock.fps, exposure=exposure, tint=(red, green, blue),
                      sky_time_s=frame / clock.fps * clock.time_scale / 60.0)
    rows = [(body.x, body.y, body.z, body.yaw, body.phase, ARCHETYPES[spec.archetype][0], spec.tint)
            for spec, body in state.characters]
    if shot.kind != "first_person" or (state.previous_shot and state.previous_shot.kind != "first_person"
                                       and frame < shot.start_frame + shot.transition_frames):
        rows.append((player.x, player.y, player.z, player.yaw, player.phase, EXPLORER, 0.5))
    table = np.asarray(rows, dtype=np.float32).reshape(-1, 7)
    actors = Actors(*(table[:, i] for i in range(7)))
    cut = shot.start_frame == frame and shot.transition == "cut" and state.previous_shot is not None
    hearing = Hearing(player.phase, player.speed, player.on_ground, clock.hour(state), weather, cut)
    return FrameView(camera, env, actors, state.removed, state.added, (player.x, player.y, player.z, player.yaw),
                     hearing)


def added_objects(world: World, added: tuple[tuple[int, float, float], ...]) -> Objects | None:
    if not added:
        return None
    parts = [sized(kind, np.asarray([x]), np.asarray([y]), np.asarray([world.ground(x, y)]),
                   np.random.default_rng([kind, round(x * 100), round(y * 100)]))  # each object its own look
             for kind, x, y in added]
    return build({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})


def state_to_json(sim: SimState) -> dict[str, Any]:
    """The state as plain JSON (``state_from_json`` reads it back equal)."""
    document = dataclasses.asdict(sim)
    document["removed"] = sorted(sim.removed)
    return document


def _ramp(data: dict[str, Any]) -> Ramp:
    return Ramp(tuple(data["start"]), tuple(data["end"]), data["first"], data["last"])


def state_from_json(data: dict[str, Any]) -> SimState:
    return SimState(
        frame=data["frame"], player=Body(**data["player"]),
        characters=tuple((CharacterSpec(**spec), Body(**body)) for spec, body in data["characters"]),
        shot=Shot(**data["shot"]), previous_shot=Shot(**data["previous_shot"]) if data["previous_shot"] else None,
        hour_offset=_ramp(data["hour_offset"]), weather=_ramp(data["weather"]), look=_ramp(data["look"]),
        pace=_ramp(data["pace"]), removed=frozenset(data["removed"]),
        added=tuple(tuple(entry) for entry in data["added"]), seed=data["seed"],
    )
