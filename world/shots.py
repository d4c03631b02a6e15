"""Shots: where the camera is, given the walker's body; cuts and smooth transitions between shots."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .physics import Body
from .render import Camera
from .terrain import TILE_M
from .world import World

SHOT_KINDS = ("first_person", "third_person", "fixed", "orbit", "dolly", "crane")
TRANSITIONS = ("cut", "smooth")


@dataclass(frozen=True)
class Shot:
    kind: str = "first_person"
    fov: float = 80.0
    distance: float = 5.0      # third person, orbit, dolly start
    height: float = 1.5        # metres above the walker's eyes (crane: the end height)
    speed: float = 0.25        # orbit: radians per second; dolly/crane: share of the way per second
    #: fixed: where the camera stands (set when the shot starts)
    anchor_x: float = 0.0
    anchor_y: float = 0.0
    anchor_z: float = 0.0
    start_frame: int = 0
    transition: str = "cut"
    transition_frames: int = 0


def _look_at(x: float, y: float, z: float, tx: float, ty: float, tz: float, fov: float) -> Camera:
    dx = (tx - x + TILE_M / 2) % TILE_M - TILE_M / 2
    dy = (ty - y + TILE_M / 2) % TILE_M - TILE_M / 2
    return Camera(x, y, z, math.atan2(dy, dx), math.atan2(tz - z, math.hypot(dx, dy) + 1e-6), fov)


def _above_ground(world: World, camera: Camera, clearance: float = 0.6) -> Camera:
    floor = max(world.ground(camera.x, camera.y), world.terrain.water_level) + clearance
    if camera.z >= floor:
        return camera
    return Camera(camera.x, camera.y, floor, camera.yaw, camera.pitch, camera.fov)


def camera_for(world: World, shot: Shot, body: Body, eye: float, frame: int, fps: float) -> Camera:
    """The camera of ``shot`` at ``frame`` for a walker in ``body`` whose eyes are at ``eye`` metres."""
    eye_z = body.z + eye + 0.035 * math.sin(2 * body.phase) * min(body.speed / 1.5, 1.0)
    if shot.kind == "first_person":
        return Camera(body.x, body.y, eye_z, body.yaw, body.pitch, shot.fov)
    elapsed = (frame - shot.start_frame) / fps
    target_z = body.z + eye * 0.8
    if shot.kind == "third_person":
        x = body.x - math.cos(body.yaw) * shot.distance
        y = body.y - math.sin(body.yaw) * shot.distance
        camera = _look_at(x, y, eye_z + shot.height, body.x, body.y, target_z, shot.fov)
    elif shot.kind == "fixed":
        camera = _look_at(shot.anchor_x, shot.anchor_y, shot.anchor_z, body.x, body.y, target_z, shot.fov)
    elif shot.kind == "orbit":
        angle = body.yaw + math.pi + shot.speed * elapsed
        x = body.x + math.cos(angle) * shot.distance
        y = body.y + math.sin(angle) * shot.distance
        camera = _look_at(x, y, eye_z + shot.height, body.x, body.y, target_z, shot.fov)
    elif shot.kind == "dolly":
        progress = min(elapsed * shot.speed, 1.0)
        distance = shot.distance * (1 - progress) + 1.8 * progress
        x = body.x + math.cos(body.yaw) * distance
        y = body.y + math.sin(body.yaw) * distance
        camera = _look_at(x, y, eye_z + 0.2, body.x, body.y, target_z + 0.6, shot.fov)
    else:  # crane
        progress = min(elapsed * shot.speed, 1.0)
        rise = 0.5 + (shot.height - 0.5) * (progress * progress * (3 - 2 * progress))
        x = body.x + math.cos(body.yaw + 2.3) * shot.distance
        y = body.y + math.sin(body.yaw + 2.3) * shot.distance
        camera = _look_at(x, y, body.z + rise, body.x, body.y, target_z, shot.fov)
    return _above_ground(world, camera)


def blend(a: Camera, b: Camera, t: float) -> Camera:
    """Smoothstep from camera ``a`` to ``b`` (angles the short way round)."""
    s = t * t * (3 - 2 * t)
    dx = (b.x - a.x + TILE_M / 2) % TILE_M - TILE_M / 2
    dy = (b.y - a.y + TILE_M / 2) % TILE_M - TILE_M / 2
    turn = (b.yaw - a.yaw + math.pi) % (2 * math.pi) - math.pi
    return Camera((a.x + dx * s) % TILE_M, (a.y + dy * s) % TILE_M, a.z + (b.z - a.z) * s, a.yaw + turn * s,
                  a.pitch + (b.pitch - a.pitch) * s, a.fov + (b.fov - a.fov) * s)
