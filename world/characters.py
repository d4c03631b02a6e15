"""Characters: archetypes with their own look and gait, and behaviours stepped once per frame."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .objects import KIND_NAMES
from .physics import Body, Gait, step
from .render.sprites_kernel import DEER, HIKER, ROBOT
from .terrain import TILE_M
from .world import World

#: archetype -> (sprite kind, gait)
ARCHETYPES: dict[str, tuple[int, Gait]] = {
    "hiker": (HIKER, Gait(walk=1.3, sprint=3.2, radius=0.3, stride=1.4)),
    "robot": (ROBOT, Gait(walk=1.0, sprint=2.2, radius=0.4, stride=1.0)),
    "deer": (DEER, Gait(walk=1.6, sprint=6.5, radius=0.5, stride=2.2)),
}
BEHAVIOURS = ("idle", "walk_to", "follow", "wander", "flee")
FOLLOW_DISTANCE = 3.0
FLEE_RADIUS = 25.0


class PlacementError(ValueError):
    """A character cannot stand where it was asked to; ``field`` names the input, ``detail`` says why."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"input '{field}' {detail}")


@dataclass(frozen=True)
class CharacterSpec:
    """What ``InsertCharacter`` asks for. Positions are absolute metres, resolved at insertion."""

    name: str
    archetype: str
    behaviour: str
    x: float
    y: float
    heading: float            # radians
    target_x: float = 0.0     # walk_to
    target_y: float = 0.0
    speed: float = 1.0        # multiplier of the archetype's gait
    seed: int = 0
    tint: float = 0.5


def resolve_position(world: World, player: Body, placement: str, a: float, b: float) -> tuple[float, float]:
    """``relative``: (ahead metres, right metres) of the player; ``absolute``: (x, y) metres."""
    if placement == "absolute":
        return a % TILE_M, b % TILE_M
    cos_yaw, sin_yaw = math.cos(player.yaw), math.sin(player.yaw)
    return ((player.x + cos_yaw * a + sin_yaw * b) % TILE_M, (player.y + sin_yaw * a - cos_yaw * b) % TILE_M)


def check_standing(world: World, spec: CharacterSpec) -> None:
    gait = ARCHETYPES[spec.archetype][1]
    if world.is_water(spec.x, spec.y, 0.6):
        raise PlacementError("position", f"({spec.x:.1f}, {spec.y:.1f}) is in deep water")
    hit = world.blocking(spec.x, spec.y, gait.radius)
    if hit >= 0:
        kind = KIND_NAMES[int(world.objects.kind[hit])]
        raise PlacementError("position", f"({spec.x:.1f}, {spec.y:.1f}) is inside a {kind}; move it a little")


def spawn(world: World, spec: CharacterSpec) -> Body:
    return Body(spec.x, spec.y, world.ground(spec.x, spec.y), spec.heading)


TURN_RATE = 3.6     # radians per second
WANDER_PERIOD = 1.5  # seconds between a wanderer's changes of mind


def _steer(body: Body, goal_x: float, goal_y: float, dt: float) -> tuple[float, float, float]:
    """(yaw change this frame in degrees toward the goal, the turn still left in radians, distance)."""
    dx = (goal_x - body.x + TILE_M / 2) % TILE_M - TILE_M / 2
    dy = (goal_y - body.y + TILE_M / 2) % TILE_M - TILE_M / 2
    turn = (math.atan2(dy, dx) - body.yaw + math.pi) % (2 * math.pi) - math.pi
    limit = TURN_RATE * dt
    return -math.degrees(max(-limit, min(limit, turn))), turn, math.hypot(dx, dy)


def step_character(world: World, spec: CharacterSpec, body: Body, player: Body, frame: int, dt: float,
                   removed: frozenset[int] = frozenset()) -> Body:
    """One frame of a character's behaviour."""
    gait = ARCHETYPES[spec.archetype][1]
    look = np.zeros(2)
    move = np.zeros(3)
    flags = 0
    behaviour = spec.behaviour
    if behaviour == "walk_to":
        look[0], _, distance = _steer(body, spec.target_x, spec.target_y, dt)
        move[0] = 1.0 if distance > 0.6 else 0.0
    elif behaviour == "follow":
        look[0], _, distance = _steer(body, player.x, player.y, dt)
        move[0] = min(1.0, max(0.0, (distance - FOLLOW_DISTANCE) / 2.0))
        flags = 2 if distance > FOLLOW_DISTANCE * 4 else 0
    elif behaviour == "flee":
        look[0], remaining, _ = _steer(body, 2 * body.x - player.x, 2 * body.y - player.y, dt)
        _, _, distance = _steer(body, player.x, player.y, dt)
        facing_away = abs(remaining) < math.pi / 3  # turn first, then run: never toward the walker
        move[0] = (1.0 if facing_away else 0.0) if distance < FLEE_RADIUS else 0.0
        flags = 2 if distance < FLEE_RADIUS * 0.6 and facing_away else 0
    elif behaviour == "wander":
        rng = np.random.default_rng([spec.seed, int(frame * dt / WANDER_PERIOD)])
        look[0] = float(rng.uniform(-1.5, 1.5)) * dt * 30.0
        move[0] = 1.0 if rng.random() < 0.9 else 0.0  # now and then it stops to look around
    moved = step(world, body, move, look, flags, dt, spec.speed, gait, removed)
    if behaviour in ("wander", "flee") and moved.x == body.x and moved.y == body.y and move[0] > 0:
        moved = replace(moved, yaw=moved.yaw + 0.6)  # blocked: turn away and try again next frame
    return moved

