"""Wander: turning a mode (walk, explore, orbit, look around, waypoints) into canonical actions.

Controllers run closed-loop against the same physics the timeline uses, so the recorded actions
replay to exactly the walk they were planned on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import physics
from .actions import JUMP, SPRINT, ActionTrack
from .physics import Body
from .terrain import TILE_M
from .world import World

MODES = ("walk", "explore", "orbit", "look_around", "waypoints", "track")


class WanderError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"input '{field}' {message}")


def _turn_towards(body: Body, x: float, y: float, max_degrees: float) -> float:
    """Look-yaw (degrees per frame, positive = right) that turns toward (x, y)."""
    dx = (x - body.x + TILE_M / 2) % TILE_M - TILE_M / 2
    dy = (y - body.y + TILE_M / 2) % TILE_M - TILE_M / 2
    turn = (math.atan2(dy, dx) - body.yaw + math.pi) % (2 * math.pi) - math.pi
    return -max(-max_degrees, min(max_degrees, math.degrees(turn)))


def _free_ahead(world: World, body: Body, heading: float, reach: float) -> bool:
    for step in np.arange(1.0, reach + 0.01, 1.0):
        x = body.x + math.cos(heading) * step
        y = body.y + math.sin(heading) * step
        if world.is_water(x, y, 0.3) or world.blocking(x, y, 2.2) >= 0:
            return False
        rise = world.ground(x, y) - world.ground(body.x, body.y)
        if rise / step > physics.MAX_SLOPE * 0.5:
            return False
    return True


def plan(world: World, mode: str, start: Body, frames: int, fps: float, seed: int, *, speed: str = "walk",
         radius: float = 12.0, waypoints: Sequence[tuple[float, float]] = ()) -> ActionTrack:
    """Actions for ``frames`` frames of ``mode``, simulated from ``start``."""
    track = ActionTrack.empty(frames)
    rng = np.random.default_rng([seed, 3])
    body = start
    dt = 1.0 / fps
    sprint = speed == "sprint"
    center = (start.x + math.cos(start.yaw) * radius, start.y + math.sin(start.yaw) * radius)
    phase = rng.random(3) * 2 * math.pi
    heading_goal = start.yaw
    turn_rate = 0.0
    waypoint = 0
    for i in range(frames):
        t = i * dt
        move = track.move[i]
        look = track.look[i]
        flags = SPRINT if sprint else 0
        if mode == "walk":
            move[0] = 1.0
            look[0] = 0.35 * math.sin(t * 0.7 + phase[0]) + 0.2 * math.sin(t * 0.23 + phase[1])
            look[1] = 0.0
        elif mode == "explore":
            move[0] = 1.0
            if i % max(int(fps / 3), 1) == 0:
                if not _free_ahead(world, body, heading_goal, 7.0) or rng.random() < 0.02:
                    for offset in sorted(rng.uniform(-2.2, 2.2, 24), key=abs):
                        if _free_ahead(world, body, body.yaw + offset, 7.0):
                            heading_goal = body.yaw + offset
                            break
                    else:
                        heading_goal = body.yaw + math.pi * 0.75
                if rng.random() < 0.01:
                    flags |= JUMP
                if speed == "sprint" and rng.random() < 0.05:
                    sprint = not sprint  # bursts of running between stretches of walking
            goal = (body.x + math.cos(heading_goal) * 10, body.y + math.sin(heading_goal) * 10)
            wanted = _turn_towards(body, *goal, 1.4) + 0.15 * math.sin(t * 0.9 + phase[2])
            turn_rate += max(-0.12, min(0.12, wanted - turn_rate))  # ease into and out of turns
            look[0] = turn_rate
        elif mode == "orbit":
            move[1] = 1.0
            look[0] = _turn_towards(body, *center, 3.0)
        elif mode == "look_around":
            look[0] = math.degrees(1.2 * math.cos(t * 2 * math.pi / 9.0 + phase[0]) * 2 * math.pi / 9.0) * dt * 0.8
            look[1] = math.degrees(0.15 * math.cos(t * 2 * math.pi / 6.0) * 2 * math.pi / 6.0) * dt
        elif mode == "waypoints" and waypoint < len(waypoints):
            tx, ty = waypoints[waypoint]
            distance = math.hypot((tx - body.x + TILE_M / 2) % TILE_M - TILE_M / 2,
                                  (ty - body.y + TILE_M / 2) % TILE_M - TILE_M / 2)
            if distance < 1.5:
                waypoint += 1
            else:
                look[0] = _turn_towards(body, tx, ty, 4.0)
                move[0] = 1.0 if abs(look[0]) < 3.9 else 0.3
        track.flags[i] = flags
        body = physics.step(world, body, move, look, flags, dt)
    return track


def check_waypoints(points: object) -> list[tuple[float, float]]:
    """Waypoints as JSON ``[[x, y], ...]`` in metres on the map (0..4096)."""
    if not isinstance(points, list) or not points:
        raise WanderError("waypoints", "must be a non-empty JSON list of [x, y] points")
    checked = []
    for i, point in enumerate(points):
        if not (isinstance(point, list) and len(point) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)):
            raise WanderError("waypoints", f"point {i} = {point!r} must be [x, y]")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x < TILE_M and 0.0 <= y < TILE_M):
            raise WanderError("waypoints", f"point {i} = [{x:g}, {y:g}] is off the map (0..{TILE_M:g} m)")
        checked.append((x, y))
    return checked
