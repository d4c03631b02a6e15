"""What a timeline sounds like: ambience curves and timed sound events, computed from its states.

This module describes sound; synthesising it is the media layer's job. Footsteps fall exactly where
the walk cycle puts a foot down (between frames when that is where it happens), character sounds are
placed by their position relative to the camera, and ambience follows biome, weather, hour and water.

``Listener`` does the work frame by frame; ``scene()`` runs it over a whole timeline and live play feeds it
the frames as they are played, so the two hear the same walk the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .objects import COLUMN, WALL, wrap_delta
from .simulation import FrameView
from .render.sprites_kernel import DEER, EXPLORER, HIKER, ROBOT
from .spec import WEATHERS
from .store import Store
from .timeline import Timeline
from .world import World

_VOICES = {HIKER: "hiker", ROBOT: "robot", DEER: "deer"}
_BIRDS = {"meadow": 1.0, "forest": 1.0, "ruins": 0.8, "coast": 0.6, "desert": 0.15, "tundra": 0.1}
_INSECTS = {"meadow": 1.0, "forest": 0.7, "ruins": 0.9, "coast": 0.5, "desert": 0.8, "tundra": 0.0}
_WIND = {"meadow": 0.35, "forest": 0.25, "ruins": 0.35, "coast": 0.5, "desert": 0.45, "tundra": 0.6}
CALL_PERIOD_S = 7.0


@dataclass(frozen=True)
class SoundEvent:
    time: float    # seconds
    kind: str      # step (the walker), character_step, land, call, cut
    voice: str     # surface for steps (grass, sand, snow, stone, water), archetype for calls
    gain: float    # linear, after distance attenuation
    pan: float     # -1 left .. 1 right


@dataclass(frozen=True)
class SoundScene:
    duration: float
    control_rate: float                # ambience curves have one value per frame
    ambience: dict[str, np.ndarray]    # wind, rain, snow, birds, insects, water: 0..1 per frame
    events: tuple[SoundEvent, ...]


def _surface(world: World, x: float, y: float, weather: tuple[float, ...]) -> str:
    ground = world.ground(x, y)
    if ground < world.terrain.water_level:
        return "water"
    biome = world.spec.biome
    if biome == "tundra" or weather[WEATHERS.index("snow")] > 0.5:
        return "snow"
    if biome == "desert" or (biome == "coast" and ground < world.terrain.water_level + 2.0):
        return "sand"
    near = world.objects.near(x, y, 6.0)
    if near.shape[0] and np.any(np.isin(world.objects.kind[near], (COLUMN, WALL)) &
                                (np.hypot(wrap_delta(world.objects.x[near] - x),
                                          wrap_delta(world.objects.y[near] - y)) < 6.0)):
        return "stone"
    return "grass"


def _water_nearby(world: World, x: float, y: float, reach: float = 60.0) -> float:
    """1 at the water's edge, 0 beyond ``reach`` metres."""
    if world.terrain.water_level <= float(world.terrain.height.min()):
        return 0.0
    for radius in (2.0, 6.0, 12.0, 24.0, 40.0, reach):
        for k in range(12):
            angle = k * math.pi / 6
            if world.is_water(x + math.cos(angle) * radius, y + math.sin(angle) * radius):
                return max(0.0, 1.0 - radius / reach)
    return 0.0


def _crossings(previous: float, current: float) -> list[float]:
    """Fractions (0..1] of the way from ``previous`` to ``current`` where the phase passes a multiple
    of pi (a foot down)."""
    if current <= previous:
        return []
    first = math.floor(previous / math.pi) + 1
    last = math.floor(current / math.pi)
    return [(n * math.pi - previous) / (current - previous) for n in range(first, last + 1)]


AMBIENCE = ("wind", "rain", "snow", "birds", "insects", "water")


@dataclass(frozen=True)
class Heard:
    """What one frame sounds like: its ambience levels and the events that happen since the frame before it
    (footsteps between the two frames, landings, cuts and calls on it), in time order."""

    frame: int
    ambience: dict[str, float]    # the AMBIENCE curves' values at this frame
    events: tuple[SoundEvent, ...]


class Listener:
    """Hears a walk frame by frame, carrying what the next frame's sounds depend on: the walker's last step
    phase and whether it was on the ground, each character's step phase, the water nearby (probed every
    10th frame and on the first one heard). ``scene()`` is this listener run over a whole timeline; live
    play feeds it one frame at a time."""

    def __init__(self, world: World, fps: float, seed: int = 0) -> None:
        self.world, self.fps, self.seed = world, float(fps), seed
        self.previous_phase: float | None = None
        self.was_on_ground = True
        self.character_phase: dict[int, float] = {}
        self.water: float | None = None

    def hear(self, frame: int, view: FrameView) -> Heard:
        world, fps = self.world, self.fps
        biome = world.spec.biome
        hearing = view.hearing
        x, y, _, _ = view.walker
        weather = hearing.weather
        day = 1.0 - min(1.0, abs(hearing.hour - 13.0) / 7.5) ** 3
        wet = weather[WEATHERS.index("rain")]
        if frame % 10 == 0 or self.water is None:
            self.water = _water_nearby(world, x, y)
        levels = {
            "wind": _WIND[biome] + 0.35 * weather[WEATHERS.index("overcast")] + 0.3 * wet
            + 0.4 * weather[WEATHERS.index("snow")],
            "rain": wet, "snow": weather[WEATHERS.index("snow")],
            "birds": _BIRDS[biome] * day * (1.0 - wet), "insects": _INSECTS[biome] * (1.0 - day) * (1.0 - wet),
            "water": self.water,
        }
        events: list[SoundEvent] = []
        time = frame / fps
        if self.previous_phase is not None and hearing.on_ground and hearing.speed > 0.3:
            surface = _surface(world, x, y, weather)
            loud = min(1.0, 0.5 + hearing.speed / 6.0)
            for fraction in _crossings(self.previous_phase, hearing.phase):
                events.append(SoundEvent(time - (1.0 - fraction) / fps, "step", surface, loud, 0.0))
        if hearing.on_ground and not self.was_on_ground:
            events.append(SoundEvent(time, "land", _surface(world, x, y, weather), 1.0, 0.0))
        self.was_on_ground, self.previous_phase = hearing.on_ground, hearing.phase
        if hearing.cut:
            events.append(SoundEvent(time, "cut", "whoosh", 0.8, 0.0))
        events.extend(_character_sounds(world, view, self.character_phase, time, fps, frame, self.seed))
        return Heard(frame, levels, tuple(sorted(events, key=lambda e: e.time)))


def scene(timeline: Timeline, store: Store, seed: int = 0) -> SoundScene:
    frames = timeline.frames
    listener = Listener(timeline.world(store), timeline.fps, seed)
    curves = {name: np.zeros(frames, dtype=np.float32) for name in AMBIENCE}
    events: list[SoundEvent] = []
    for k in range(timeline.segment_count):
        for offset, view in enumerate(timeline.segment(k, store).views):
            heard = listener.hear(k * timeline.segment_frames + offset, view)
            for name, value in heard.ambience.items():
                curves[name][heard.frame] = value
            events.extend(heard.events)
    return SoundScene(frames / listener.fps, listener.fps, curves, tuple(sorted(events, key=lambda e: e.time)))


def _character_sounds(world: World, view: FrameView, phases: dict[int, float], time: float, fps: float,
                      frame: int, seed: int) -> list[SoundEvent]:
    camera = view.camera
    actors = view.actors
    out = []
    for index in range(actors.x.shape[0]):
        kind = int(actors.kind[index])
        if kind == EXPLORER:
            continue
        dx = float(wrap_delta(actors.x[index] - camera.x))
        dy = float(wrap_delta(actors.y[index] - camera.y))
        distance = math.hypot(dx, dy)
        if distance > 80.0:
            phases[index] = float(actors.phase[index])
            continue
        gain = 1.0 / (1.0 + distance / 4.0) ** 2
        pan = max(-1.0, min(1.0, (dx * math.sin(camera.yaw) - dy * math.cos(camera.yaw)) / max(distance, 1e-3)))
        phase = float(actors.phase[index])
        if index in phases:
            steps = _crossings(phases[index], phase)
            surface = _surface(world, float(actors.x[index]), float(actors.y[index]), view.hearing.weather) \
                if steps else ""
            for fraction in steps:
                out.append(SoundEvent(time - (1.0 - fraction) / fps, "character_step", surface, gain * 0.7, pan))
        phases[index] = phase
        period = round(CALL_PERIOD_S * fps)
        if (frame + (index * 37 + seed) % period) % period == 0:
            out.append(SoundEvent(time, "call", _VOICES[kind], gain * 1.6, pan))
    return out
