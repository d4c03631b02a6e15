"""Director edits: each acts on the timeline from its frame on. Values, hashed into segment hashes."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from .characters import ARCHETYPES, BEHAVIOURS
from .objects import KIND_NAMES
from .shots import SHOT_KINDS, TRANSITIONS
from .spec import WEATHERS

EVENT_KINDS = ("weather", "time_of_day", "pace", "lighting", "add_object", "remove_object")
LIGHTING_LOOKS: dict[str, tuple[float, tuple[float, float, float]]] = {
    "neutral": (1.0, (1.0, 1.0, 1.0)), "warm": (1.05, (1.12, 0.98, 0.82)), "cool": (1.0, (0.85, 0.95, 1.12)),
    "dim": (0.6, (1.0, 1.0, 1.0)), "bright": (1.3, (1.0, 1.0, 1.0)), "eerie": (0.8, (0.8, 1.1, 0.9)),
}
ADDABLE = tuple(name for name in KIND_NAMES)


class EditError(ValueError):
    """An edit's input is out of range; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"input '{field}' {message}")


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise EditError(field, f"= {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Edit:
    frame: int

    def to_json(self) -> str:
        return json.dumps({"type": type(self).__name__, **dataclasses.asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class InsertCharacter(Edit):
    archetype: str
    behaviour: str = "idle"
    placement: str = "relative"    # relative: (ahead, right) of the walker; absolute: (x, y)
    a: float = 8.0
    b: float = 0.0
    target_a: float = 20.0         # walk_to target, same placement
    target_b: float = 0.0
    speed: float = 1.0
    name: str = ""
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("archetype", self.archetype, tuple(ARCHETYPES))
        _choice("behaviour", self.behaviour, BEHAVIOURS)
        _choice("placement", self.placement, ("relative", "absolute"))


@dataclass(frozen=True)
class ChangeShot(Edit):
    kind: str = "third_person"
    fov: float = 70.0
    distance: float = 5.0
    height: float = 1.5
    speed: float = 0.25
    transition: str = "cut"
    transition_frames: int = 0

    def __post_init__(self) -> None:
        _choice("shot", self.kind, SHOT_KINDS)
        _choice("transition", self.transition, TRANSITIONS)
        if not 10.0 <= self.fov <= 150.0:
            raise EditError("fov", f"= {self.fov} must be within [10, 150] degrees")


@dataclass(frozen=True)
class PlotEvent(Edit):
    kind: str
    value: str = ""                # weather name, lighting look or object kind
    amount: float = 0.0            # hour for time_of_day, multiplier for pace
    transition_frames: int = 0
    a: float = 10.0                # add/remove: ahead of the walker, metres
    b: float = 0.0                 # add/remove: to the right
    radius: float = 6.0            # remove: everything static within this radius

    def __post_init__(self) -> None:
        _choice("event", self.kind, EVENT_KINDS)
        if self.kind == "weather":
            _choice("value", self.value, WEATHERS)
        elif self.kind == "lighting":
            _choice("value", self.value, tuple(LIGHTING_LOOKS))
        elif self.kind == "add_object":
            _choice("value", self.value, ADDABLE)
        elif self.kind == "time_of_day" and not 0.0 <= self.amount <= 24.0:
            raise EditError("amount", f"= {self.amount} must be an hour within [0, 24]")
        elif self.kind == "pace" and not 0.1 <= self.amount <= 4.0:
            raise EditError("amount", f"= {self.amount} must be a speed multiplier within [0.1, 4]")


def describe(edit: Edit) -> dict[str, Any]:
    return {"type": type(edit).__name__, **dataclasses.asdict(edit)}


#: The Director node that makes each kind of edit (nodes of the same names: ``nodes/world.py``).
DIRECTOR_NODES = ("InsertCharacter", "ChangeShot", "PlotEvent")


def frame_of(seconds: float, fps: int) -> int:
    """The frame shown at ``seconds`` (the one that has started by then): how a Director node's time is read."""
    return math.floor(seconds * fps + 1e-6)


def director_edit(node: str, inputs: dict[str, Any], frame: int, fps: int) -> Edit:
    """The edit the Director node ``node`` makes at ``frame`` from its widget ``inputs`` (without ``time``)."""
    if node == "InsertCharacter":
        return InsertCharacter(frame, inputs["archetype"], inputs["behaviour"], inputs["placement"],
                               float(inputs["ahead"]), float(inputs["right"]), float(inputs["target_ahead"]),
                               float(inputs["target_right"]), float(inputs["speed"]), inputs["name"],
                               int(inputs["seed"]))
    if node == "ChangeShot":
        frames = round(inputs["transition_seconds"] * fps) if inputs["transition"] == "smooth" else 0
        return ChangeShot(frame, inputs["shot"], float(inputs["fov"]), float(inputs["distance"]),
                          float(inputs["height"]), float(inputs["speed"]), inputs["transition"], frames)
    if node == "PlotEvent":
        return PlotEvent(frame, inputs["event"], inputs["value"], float(inputs["amount"]),
                         round(inputs["transition_seconds"] * fps), float(inputs["ahead"]), float(inputs["right"]),
                         float(inputs["radius"]))
    raise ValueError(f"{node!r} is not a Director node; one of {', '.join(DIRECTOR_NODES)}")


def director_inputs(edit: Edit, fps: int) -> tuple[str, dict[str, Any]]:
    """The Director node and its widget inputs (``time`` included) that make ``edit`` again:
    ``director_edit`` of them at the same frame equals ``edit`` once it went through them once."""
    time = edit.frame / fps
    if isinstance(edit, InsertCharacter):
        return "InsertCharacter", {"time": time, "archetype": edit.archetype, "behaviour": edit.behaviour,
                                   "placement": edit.placement, "ahead": edit.a, "right": edit.b,
                                   "target_ahead": edit.target_a, "target_right": edit.target_b,
                                   "speed": edit.speed, "name": edit.name, "seed": edit.seed}
    if isinstance(edit, ChangeShot):
        return "ChangeShot", {"time": time, "shot": edit.kind, "fov": edit.fov, "transition": edit.transition,
                              "transition_seconds": edit.transition_frames / fps, "distance": edit.distance,
                              "height": edit.height, "speed": edit.speed}
    if isinstance(edit, PlotEvent):
        return "PlotEvent", {"time": time, "event": edit.kind, "value": edit.value, "amount": edit.amount,
                             "transition_seconds": edit.transition_frames / fps, "ahead": edit.a, "right": edit.b,
                             "radius": edit.radius}
    raise ValueError(f"no Director node makes a {type(edit).__name__}")


def as_director_would(edit: Edit, fps: int) -> Edit:
    """``edit`` as its Director node would make it (the same values, hashed the same)."""
    node, inputs = director_inputs(edit, fps)
    return director_edit(node, {k: v for k, v in inputs.items() if k != "time"}, edit.frame, fps)
