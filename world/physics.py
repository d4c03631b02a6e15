"""Walking bodies: ground following, slope limits, collisions, gravity and jumps. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .actions import CROUCH, JUMP, SPRINT
from .terrain import TILE_M
from .world import World

GRAVITY = 9.81
MAX_SLOPE = math.tan(math.radians(33.0))
STEP_DOWN = 0.35
SUBSTEP = 0.2  # metres: the longest move checked against obstacles at once
DEEP_WATER = 0.6


@dataclass(frozen=True)
class Gait:
    walk: float = 2.0       # m/s
    sprint: float = 4.5
    crouch: float = 0.6
    jump_speed: float = 4.2  # m/s upward
    radius: float = 0.35     # collision radius
    eye: float = 1.7         # eye height standing
    eye_crouched: float = 1.1
    stride: float = 1.5      # metres per walk cycle


PLAYER = Gait()


@dataclass(frozen=True)
class Body:
    x: float
    y: float
    z: float         # feet
    yaw: float       # radians
    pitch: float = 0.0
    vz: float = 0.0
    on_ground: bool = True
    phase: float = 0.0   # walk cycle, radians
    speed: float = 0.0   # realised horizontal speed, m/s
    crouched: bool = False

    def eye_height(self, gait: Gait = PLAYER) -> float:
        return gait.eye_crouched if self.crouched else gait.eye

    def as_array(self) -> np.ndarray:
        return np.asarray([self.x, self.y, self.z, self.yaw, self.pitch, self.vz, float(self.on_ground), self.phase,
                           self.speed, float(self.crouched)], dtype=np.float64)

    @classmethod
    def from_array(cls, a: np.ndarray) -> Body:
        return cls(float(a[0]), float(a[1]), float(a[2]), float(a[3]), float(a[4]), float(a[5]), bool(a[6] > 0.5),
                   float(a[7]), float(a[8]), bool(a[9] > 0.5))


def _try_move(world: World, body: Body, nx: float, ny: float, gait: Gait,
              ignore: frozenset[int]) -> tuple[float, float] | None:
    """(x, y) after moving toward (nx, ny), sliding around obstacles; None when blocked."""
    hit = world.blocking(nx, ny, gait.radius, ignore)
    if hit >= 0:
        ox, oy = float(world.objects.x[hit]), float(world.objects.y[hit])
        dx = (nx - ox + TILE_M / 2) % TILE_M - TILE_M / 2
        dy = (ny - oy + TILE_M / 2) % TILE_M - TILE_M / 2
        distance = math.hypot(dx, dy) or 1e-6
        reach = float(world.objects.radius[hit]) + gait.radius + 1e-3
        nx, ny = ox + dx / distance * reach, oy + dy / distance * reach
        if world.blocking(nx, ny, gait.radius, ignore) >= 0:
            return None
    if world.is_water(nx, ny, DEEP_WATER):
        return None
    run = math.hypot(nx - body.x, ny - body.y)
    if run > 1e-6:  # airborne too: jumping must not climb what walking cannot
        rise = world.ground(nx, ny) - world.ground(body.x, body.y)
        if rise / run > MAX_SLOPE:
            return None
    return nx % TILE_M, ny % TILE_M


def step(world: World, body: Body, move: np.ndarray, look: np.ndarray, flags: int, dt: float,
         pace: float = 1.0, gait: Gait = PLAYER, ignore: frozenset[int] = frozenset()) -> Body:
    """Advance one frame: turn, walk (colliding with objects not in ``ignore``), fall or jump."""
    yaw = body.yaw - math.radians(float(look[0]))
    pitch = min(max(body.pitch + math.radians(float(look[1])), -1.3), 1.3)
    crouched = bool(flags & CROUCH)
    speed = gait.crouch if crouched else (gait.sprint if flags & SPRINT else gait.walk)
    forward, strafe = float(move[0]), float(move[1])
    norm = math.hypot(forward, strafe)
    if norm > 1.0:
        forward, strafe = forward / norm, strafe / norm
    distance = speed * pace * dt
    dx = (math.cos(yaw) * forward + math.sin(yaw) * strafe) * distance
    dy = (math.sin(yaw) * forward - math.cos(yaw) * strafe) * distance
    x, y = body.x, body.y
    substeps = max(1, math.ceil(math.hypot(dx, dy) / SUBSTEP))  # never jump past an obstacle
    for _ in range(substeps if dx or dy else 0):
        here = replace(body, x=x, y=y)
        sx, sy = dx / substeps, dy / substeps
        moved = _try_move(world, here, x + sx, y + sy, gait, ignore)
        if moved is None:  # slide along one axis
            moved = (_try_move(world, here, x + sx, y, gait, ignore)
                     or _try_move(world, here, x, y + sy, gait, ignore))
        if moved is None:
            break
        x, y = moved
    travelled = math.hypot((x - body.x + TILE_M / 2) % TILE_M - TILE_M / 2,
                           (y - body.y + TILE_M / 2) % TILE_M - TILE_M / 2)
    ground = world.ground(x, y)
    vz, z, on_ground = body.vz, body.z, body.on_ground
    if flags & JUMP and on_ground:
        vz, on_ground = gait.jump_speed, False
    if on_ground and body.z - ground <= STEP_DOWN:
        z, vz = ground, 0.0
    else:
        vz -= GRAVITY * dt
        z += vz * dt
        on_ground = z <= ground
        if on_ground:
            z, vz = ground, 0.0
    phase = (body.phase + travelled / gait.stride * 2 * math.pi) % (2 * math.pi * 1000)
    return replace(body, x=x, y=y, z=z, yaw=yaw, pitch=pitch, vz=vz, on_ground=on_ground, phase=phase,
                   speed=travelled / dt if dt > 0 else 0.0, crouched=crouched)


def place(world: World, body: Body, x: float, y: float, yaw_degrees: float) -> Body:
    """An absolute pose from the action track: put the body there, on the ground."""
    x, y = x % TILE_M, y % TILE_M
    return replace(body, x=x, y=y, z=world.ground(x, y), yaw=math.radians(yaw_degrees), vz=0.0, on_ground=True,
                   speed=0.0)
