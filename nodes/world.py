"""World nodes: load a world, wander through it, direct it (characters, shots, events), render it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from graph import (LATENT, STRING, VIDEO, WORLD, Choice, Float, Int, Node, NodeResult, NodeSchema, Output,
                   Paths, Seed, Socket, String)
from media.budget import FrameBudget
from media.stream import VideoStream
from world import wander
from world.actions import ActionError
from world.actions import parse as parse_actions
from world.backends import backend_for
from world.characters import ARCHETYPES, BEHAVIOURS
from world.contract import Rollout, WorldHandle
from world.edits import EVENT_KINDS, LIGHTING_LOOKS, EditError, director_edit, frame_of
from world.objects import KIND_NAMES
from world.physics import Body
from world.presets import PRESETS, from_prompt
from world.procedural import WorldRef
from world.render import SIZES
from world.shots import SHOT_KINDS, TRANSITIONS
from world.spec import BIOMES, WEATHERS, SpecError, WorldSpec
from world.store import Store
from world.timeline import ENGINE_VERSION, Timeline
from world.world import load_world

MAX_SECONDS = 600.0


class LoadWorld(Node):
    schema = NodeSchema(
        name="LoadWorld", version=ENGINE_VERSION, display_name="Load world", category="world",
        description="A world from a preset, from parameters, from a JSON world file, or from a text prompt.",
        inputs=(
            Choice("source", ["preset", "parameters", "file", "prompt"], "preset"),
            Choice("preset", list(PRESETS), "alpine_meadow"),
            Seed("seed", 0),
            String("prompt", "foggy pine forest at dawn with a lake", multiline=True,
                   tooltip="words for biome, time of day, weather, density, water... (see docs/world.md)"),
            String("file", "", tooltip="a JSON world spec in the input folder"),
            Choice("biome", list(BIOMES), "meadow"),
            Float("relief", 0.5, min=0.0, max=1.0, step=0.05, display="slider"),
            Float("roughness", 0.5, min=0.0, max=1.0, step=0.05, display="slider"),
            Float("vegetation", 0.5, min=0.0, max=1.0, step=0.05, display="slider"),
            Float("rocks", 0.3, min=0.0, max=1.0, step=0.05, display="slider"),
            Float("structures", 0.0, min=0.0, max=1.0, step=0.05, display="slider"),
            Float("water", 0.0, min=0.0, max=0.8, step=0.05, display="slider"),
            Float("time_of_day", 14.0, min=0.0, max=24.0, step=0.25),
            Choice("weather", list(WEATHERS), "clear"),
            Float("fog", 0.15, min=0.0, max=1.0, step=0.05, display="slider"),
        ),
        outputs=(Output("world", WORLD), Output("description", STRING)),
        context=("paths",),
    )

    @classmethod
    def fingerprint(cls, paths: Paths, **constants: Any) -> Any:
        if constants.get("source") == "file" and constants.get("file"):
            path = paths.resolve("input", constants["file"])
            return path.read_text(encoding="utf-8") if path.is_file() else None
        return None

    def run(self, source: str, preset: str, seed: int, prompt: str, file: str, paths: Paths,
            **parameters: Any) -> NodeResult:
        notes: list[str] = []
        try:
            if source == "preset":
                spec = PRESETS[preset].replace(seed=seed)
                notes.append(f"preset {preset}")
            elif source == "parameters":
                spec = WorldSpec(seed=seed, **parameters)
            elif source == "file":
                spec = _spec_from_file(paths, file, seed)
                notes.append(f"file {file}")
            else:
                result = from_prompt(prompt, WorldSpec(seed=seed))
                spec = result.spec
                understood = ", ".join(f"{word} -> {what}" for word, what in result.understood)
                notes.append(f"understood: {understood or 'nothing'}")
                if result.unknown:
                    notes.append("unknown words (ignored): " + ", ".join(result.unknown))
        except SpecError as error:
            raise ValueError(f"input '{error.field}' {str(error)[len(error.field) + 1:]}") from None
        described = "; ".join([*notes, json.dumps(spec.to_dict())])
        return NodeResult((WorldRef("procedural", spec), described), {"text": notes})


def _spec_from_file(paths: Paths, file: str, seed: int) -> WorldSpec:
    """The spec in the file; the node's seed applies when the file names none."""
    if not file:
        raise ValueError("input 'file' is empty: name a JSON world spec in the input folder")
    path = paths.resolve("input", file)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"input 'file' = {file!r}: no such file in the input folder") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"input 'file' = {file!r} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"input 'file' = {file!r}: a world spec is a JSON object")
    try:
        return WorldSpec.from_dict({"seed": seed, **data})
    except SpecError as error:
        raise ValueError(f"input 'file' = {file!r}: field {error}") from None


class WanderRollout(Node):
    schema = NodeSchema(
        name="WanderRollout", version=ENGINE_VERSION, display_name="Wander rollout", category="world",
        description="A first-person walk through a world: the timeline every later edit works on.",
        inputs=(
            Socket("world", WORLD),
            Choice("mode", ["walk", "explore", "orbit", "look_around", "waypoints", "track"], "explore",
                   tooltip="walk ahead with gentle turns, explore avoiding obstacles, orbit a point, look "
                           "around, follow waypoints, or replay a recorded action track"),
            Float("duration", 20.0, min=0.1, max=MAX_SECONDS, step=0.5, tooltip="seconds"),
            Int("fps", 30, min=1, max=60),
            Choice("speed", ["walk", "sprint"], "walk"),
            Float("time_scale", 0.0, min=0.0, max=3600.0, step=10.0,
                  tooltip="game seconds per real second: 60 moves the sun an hour per minute"),
            Float("radius", 12.0, min=2.0, max=200.0, tooltip="orbit radius, metres"),
            String("waypoints", "[]", multiline=True,
                   tooltip="JSON [[x, y], ...] in metres (0..4096); in track mode, the start (first point, "
                           "facing the second)"),
            String("track", "[]", multiline=True, tooltip="JSON per-frame canonical actions"),
            Float("segment_seconds", 2.0, min=0.5, max=10.0, step=0.5),
            Seed("seed", 0),
        ),
        outputs=(Output("latent", LATENT),),
        context=("store",),
    )

    def run(self, world: WorldHandle, mode: str, duration: float, fps: int, speed: str,
            time_scale: float, radius: float, waypoints: str, track: str, segment_seconds: float, seed: int,
            store: Store) -> tuple[Rollout]:
        frames = max(1, round(duration * fps))
        built = load_world(world.spec, store)
        # a track starts where its waypoints say, if any: a walk kept from waypoints mode starts where it did
        given = _json_input("waypoints", waypoints) if mode in ("waypoints", "track") else []
        points = wander.check_waypoints(given) if mode == "waypoints" or given else []
        x, y = built.spawn_point(*(points[0] if points else ()))
        yaw = math.atan2(points[1][1] - y, points[1][0] - x) if len(points) > 1 else (seed % 628) / 100.0
        if mode == "track":
            try:
                actions = parse_actions(_json_input("track", track), frames)
            except ActionError as error:
                raise ValueError(f"input 'track': {error}") from None
        else:
            actions = wander.plan(built, mode, Body(x, y, built.ground(x, y), yaw), frames, fps, seed,
                                  speed=speed, radius=radius, waypoints=points[1:] if points else ())
        segment = max(1, round(segment_seconds * fps))
        walk = Timeline(world.spec, fps, frames, segment, (x, y, yaw), time_scale, actions, seed=seed)
        # the backend refuses (UnsupportedEdit, naming the input) what it cannot follow
        return (backend_for(world).rollout(world, walk),)


def _json_input(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"input '{name}' is not valid JSON: {error}") from None


def _frame_at(latent: Rollout, seconds: float) -> int:
    """The frame shown at ``seconds`` (the one that has started by then)."""
    frame = frame_of(seconds, latent.fps)
    if not 0 <= frame < latent.frames:
        raise ValueError(f"input 'time' = {seconds:g} s is beyond the rollout (0 to {latent.duration:g} s)")
    return frame


class InsertCharacter(Node):
    schema = NodeSchema(
        name="InsertCharacter", version=ENGINE_VERSION, display_name="Insert character", category="world/director",
        description="A character that appears at a time and stays: idle, walking to a point, following the "
                    "camera, wandering or fleeing.",
        inputs=(
            Socket("latent", LATENT),
            Float("time", 0.0, min=0.0, max=MAX_SECONDS, step=0.1, tooltip="seconds"),
            Choice("archetype", list(ARCHETYPES), "hiker"),
            Choice("behaviour", list(BEHAVIOURS), "wander"),
            Choice("placement", ["relative", "absolute"], "relative",
                   tooltip="relative: ahead/right of the walker; absolute: x/y in metres"),
            Float("ahead", 8.0, min=-4096.0, max=4096.0, tooltip="metres ahead (relative) or x (absolute)"),
            Float("right", 0.0, min=-4096.0, max=4096.0, tooltip="metres to the right (relative) or y (absolute)"),
            Float("target_ahead", 25.0, min=-4096.0, max=4096.0, tooltip="walk_to target, same placement"),
            Float("target_right", 0.0, min=-4096.0, max=4096.0),
            Float("speed", 1.0, min=0.1, max=3.0, step=0.1),
            String("name", ""),
            Seed("seed", 0),
        ),
        outputs=(Output("latent", LATENT),),
        context=("store",),
    )

    def run(self, latent: Rollout, time: float, archetype: str, behaviour: str, placement: str,
            ahead: float, right: float, target_ahead: float, target_right: float, speed: float, name: str, seed: int,
            store: Store) -> tuple[Rollout]:
        edit = director_edit("InsertCharacter", {
            "archetype": archetype, "behaviour": behaviour, "placement": placement, "ahead": ahead, "right": right,
            "target_ahead": target_ahead, "target_right": target_right, "speed": speed, "name": name, "seed": seed,
        }, _frame_at(latent, time), latent.fps)
        return (latent.with_edit(edit, store),)  # checks that the character can stand there


class ChangeShot(Node):
    schema = NodeSchema(
        name="ChangeShot", version=ENGINE_VERSION, display_name="Change shot", category="world/director",
        description="Switch the camera at a time: first person, third-person follow, fixed, orbit, dolly or "
                    "crane; a cut or a smooth move.",
        inputs=(
            Socket("latent", LATENT),
            Float("time", 0.0, min=0.0, max=MAX_SECONDS, step=0.1, tooltip="seconds"),
            Choice("shot", list(SHOT_KINDS), "third_person"),
            Float("fov", 70.0, min=10.0, max=150.0, step=1.0, tooltip="horizontal field of view, degrees"),
            Choice("transition", list(TRANSITIONS), "cut"),
            Float("transition_seconds", 1.0, min=0.0, max=30.0, step=0.1),
            Float("distance", 5.0, min=0.5, max=100.0, tooltip="metres from the walker"),
            Float("height", 1.5, min=-1.0, max=100.0, tooltip="metres above the walker's eyes (crane: top)"),
            Float("speed", 0.25, min=0.0, max=5.0, step=0.05, tooltip="orbit rad/s; dolly/crane share per second"),
        ),
        outputs=(Output("latent", LATENT),),
        context=("store",),
    )

    def run(self, latent: Rollout, time: float, shot: str, fov: float, transition: str,
            transition_seconds: float, distance: float, height: float, speed: float, store: Store) -> tuple[Rollout]:
        edit = director_edit("ChangeShot", {
            "shot": shot, "fov": fov, "transition": transition, "transition_seconds": transition_seconds,
            "distance": distance, "height": height, "speed": speed,
        }, _frame_at(latent, time), latent.fps)
        return (latent.with_edit(edit, store),)


_EVENT_VALUES = ["", *WEATHERS, *LIGHTING_LOOKS, *KIND_NAMES]


class PlotEvent(Node):
    schema = NodeSchema(
        name="PlotEvent", version=ENGINE_VERSION, display_name="Plot event", category="world/director",
        description="Something happens at a time: the weather or the time of day changes, the pace or the "
                    "light changes, an object appears or disappears.",
        inputs=(
            Socket("latent", LATENT),
            Float("time", 0.0, min=0.0, max=MAX_SECONDS, step=0.1, tooltip="seconds"),
            Choice("event", list(EVENT_KINDS), "weather"),
            Choice("value", _EVENT_VALUES, "rain",
                   tooltip="weather name, lighting look or object kind, by event"),
            Float("amount", 1.0, min=0.0, max=24.0, step=0.1, tooltip="time_of_day: hour; pace: speed multiplier"),
            Float("transition_seconds", 2.0, min=0.0, max=120.0, step=0.5),
            Float("ahead", 10.0, min=-500.0, max=500.0, tooltip="add/remove: metres ahead of the walker"),
            Float("right", 0.0, min=-500.0, max=500.0),
            Float("radius", 6.0, min=0.5, max=100.0, tooltip="remove: everything within this many metres"),
        ),
        outputs=(Output("latent", LATENT),),
        context=("store",),
    )

    def run(self, latent: Rollout, time: float, event: str, value: str, amount: float, transition_seconds: float,
            ahead: float, right: float, radius: float, store: Store) -> tuple[Rollout]:
        try:
            edit = director_edit("PlotEvent", {
                "event": event, "value": value, "amount": amount, "transition_seconds": transition_seconds,
                "ahead": ahead, "right": right, "radius": radius,
            }, _frame_at(latent, time), latent.fps)
        except EditError as error:
            raise ValueError(str(error)) from None
        return (latent.with_edit(edit, store),)


class RenderVideo(Node):
    schema = NodeSchema(
        name="RenderVideo", version=ENGINE_VERSION, display_name="Render video", category="world",
        description="Frames of a timeline, rendered segment by segment when something reads them; rendered "
                    "segments are cached, so an edit re-renders only what follows it.",
        inputs=(Socket("latent", LATENT), Choice("resolution", [*SIZES, "native"], "480p",
                                                 tooltip="native: the backend's own size (64x64 for tiny)")),
        outputs=(Output("video", VIDEO),),
        context=("store",),
    )

    def run(self, latent: Rollout, resolution: str, store: Store) -> tuple[VideoStream]:
        size = latent.native_size if resolution == "native" else SIZES[resolution]
        budget, subject = FrameBudget.from_environ(), f"input 'resolution' = {resolution!r}"
        budget.check_frame(*size, subject=subject)
        budget.check_segment(latent.segment_frames, *size, subject=f"{subject} with the latent's segments")
        keys = tuple(f"{h}/{size[0]}x{size[1]}" for h in latent.segment_hashes())
        stream = VideoStream(
            fps=float(latent.fps), width=size[0], height=size[1], frame_count=latent.frames,
            segment_frames=latent.segment_frames,
            segment_source=lambda k, keep: latent.render_segment(k, size, store, cache=keep),
            frame_source=lambda i: latent.render_frame(i, size, store),
            keys=keys,
            prepare=lambda segments: latent.share_segments(segments, store),
            gpu=latent.info.gpu, memory_mb=latent.info.memory_mb,
        )
        return (stream,)


NODES = (LoadWorld, WanderRollout, InsertCharacter, ChangeShot, PlotEvent, RenderVideo)
