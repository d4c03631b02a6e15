"""The photo world's state and its one pure step: where the camera is, relative to where the photo
was taken, and how the Director's pace, lighting and time-of-day edits have eased so far.

Walking follows the procedural walker's gait (2 m/s, 4.5 sprinting, 0.6 crouched; jumps of 4.2 m/s
under gravity) so the walk's footsteps (``Rollout.walk``) match the picture, but the camera never
leaves a disc of ``radius`` metres around the photo's viewpoint: a 2.5D photo has nothing to show
beyond that, so the position is clamped (the walk's sound goes on). Crouching lowers the eye 0.6 m.
Absolute poses (map metres and a heading, as the walk is planned) are taken relative to the walk's
start and clamped the same way. The vertical part of ``move`` is ignored, as the walker ignores it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from world.actions import CROUCH, JUMP, SPRINT, ActionTrack
from world.edits import LIGHTING_LOOKS, Edit, PlotEvent
from world.simulation import Ramp

WALK, SPRINTING, CROUCHED = 2.0, 4.5, 0.6   # m/s
JUMP_SPEED, GRAVITY = 4.2, 9.81
CROUCH_DROP = 0.6                            # metres the eye drops when crouching
MAX_PITCH = 74.0                             # degrees up or down
#: exposure and tint (r, g, b) of daylight by hour, relative to the photo (taken, we assume, at 14:00)
_HOURS = np.array([0.0, 5.0, 6.5, 8.0, 14.0, 17.5, 19.0, 21.0, 24.0])
_DAYLIGHT = np.array([[0.25, 0.70, 0.80, 1.15], [0.35, 0.80, 0.85, 1.10], [0.75, 1.15, 0.95, 0.80],
                      [0.95, 1.05, 1.00, 0.95], [1.00, 1.00, 1.00, 1.00], [0.95, 1.08, 0.98, 0.88],
                      [0.70, 1.20, 0.90, 0.72], [0.35, 0.80, 0.85, 1.10], [0.25, 0.70, 0.80, 1.15]])


@dataclass(frozen=True)
class Start:
    """What a rollout's states are measured from: the walk's start on the map, the hour, the limits."""

    x: float
    y: float
    yaw: float          # radians, counter-clockwise from +x (the planner's convention)
    hour: float         # the world spec's time of day
    time_scale: float   # game seconds per real second
    fps: int
    radius: float       # metres the camera may walk from the photo's viewpoint


@dataclass(frozen=True)
class PhotoState:
    """The camera after ``frame``: ``x`` metres forward and ``y`` right of the photo's viewpoint,
    ``hop`` metres up (jumping), ``yaw`` degrees right and ``pitch`` degrees up, and the eased edits."""

    frame: int = -1          # -1: before the first frame
    x: float = 0.0
    y: float = 0.0
    hop: float = 0.0
    vz: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    crouched: bool = False
    pace: Ramp = Ramp.hold(1.0)
    look: Ramp = Ramp.hold(1.0, 1.0, 1.0, 1.0)   # exposure, tint r, g, b
    hour_offset: Ramp = Ramp.hold(0.0)

    @property
    def eye(self) -> tuple[float, float, float, float, float]:
        """Where the camera is: forward, right, up (metres), yaw right, pitch up (degrees)."""
        return self.x, self.y, self.hop - (CROUCH_DROP if self.crouched else 0.0), self.yaw, self.pitch

    def to_arrays(self) -> dict[str, np.ndarray]:
        pose = [self.frame, self.x, self.y, self.hop, self.vz, self.yaw, self.pitch, float(self.crouched)]
        return {"pose": np.asarray(pose, np.float64), "pace": _ramp_array(self.pace),
                "look": _ramp_array(self.look), "hour_offset": _ramp_array(self.hour_offset)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> PhotoState:
        p = [float(v) for v in np.asarray(arrays["pose"], np.float64)]
        return cls(round(p[0]), p[1], p[2], p[3], p[4], p[5], p[6], p[7] > 0.5, _ramp(arrays["pace"]),
                   _ramp(arrays["look"]), _ramp(arrays["hour_offset"]))


def _ramp_array(ramp: Ramp) -> np.ndarray:
    return np.asarray([ramp.first, ramp.last, *ramp.start, *ramp.end], np.float64)


def _ramp(a: np.ndarray) -> Ramp:
    n = (len(a) - 2) // 2
    values = [float(v) for v in a]
    return Ramp(tuple(values[2:2 + n]), tuple(values[2 + n:]), round(values[0]), round(values[1]))


def step(start: Start, state: PhotoState, actions: ActionTrack, edits: dict[int, list[Edit]]) -> list[PhotoState]:
    """The states after each action in turn (``edits`` by frame: they apply on reaching it). Pure."""
    states = []
    dt = 1.0 / start.fps
    for i in range(len(actions)):
        frame = state.frame + 1
        if not np.isnan(actions.pose[i, 0]):
            state = _placed(start, state, *map(float, actions.pose[i]))
        else:
            state = _walked(start, state, actions.move[i], actions.look[i], int(actions.flags[i]), dt)
        state = replace(state, frame=frame)
        for edit in edits.get(frame, []):
            state = _event(start, state, edit)
        states.append(state)
    return states


def _walked(start: Start, state: PhotoState, move: np.ndarray, look: np.ndarray, flags: int,
            dt: float) -> PhotoState:
    yaw = state.yaw + float(look[0])
    pitch = min(max(state.pitch + float(look[1]), -MAX_PITCH), MAX_PITCH)
    crouched = bool(flags & CROUCH)
    speed = CROUCHED if crouched else (SPRINTING if flags & SPRINT else WALK)
    forward, strafe = float(move[0]), float(move[1])
    norm = math.hypot(forward, strafe)
    if norm > 1.0:
        forward, strafe = forward / norm, strafe / norm
    distance = speed * state.pace.at(state.frame + 1)[0] * dt
    heading = math.radians(yaw)
    x = state.x + (math.cos(heading) * forward - math.sin(heading) * strafe) * distance
    y = state.y + (math.sin(heading) * forward + math.cos(heading) * strafe) * distance
    vz, hop = state.vz, state.hop
    if flags & JUMP and hop == 0.0:
        vz = JUMP_SPEED
    if hop > 0.0 or vz > 0.0:
        vz -= GRAVITY * dt
        hop += vz * dt
        if hop <= 0.0:
            hop, vz = 0.0, 0.0
    x, y = _clamped(x, y, start.radius)
    return replace(state, x=x, y=y, hop=hop, vz=vz, yaw=yaw, pitch=pitch, crouched=crouched)


def _placed(start: Start, state: PhotoState, x: float, y: float, yaw_degrees: float) -> PhotoState:
    """An absolute pose on the map, relative to the walk's start (yaw turns right, the map's left)."""
    dx, dy = x - start.x, y - start.y
    c, s = math.cos(start.yaw), math.sin(start.yaw)
    forward, right = _clamped(c * dx + s * dy, s * dx - c * dy, start.radius)
    return replace(state, x=forward, y=right, hop=0.0, vz=0.0, yaw=math.degrees(start.yaw) - yaw_degrees)


def _clamped(x: float, y: float, radius: float) -> tuple[float, float]:
    distance = math.hypot(x, y)
    return (x, y) if distance <= radius else (x * radius / distance, y * radius / distance)


def _event(start: Start, state: PhotoState, edit: Edit) -> PhotoState:
    """Follow a pace, lighting or time-of-day event (the rollout refuses the others before here)."""
    assert isinstance(edit, PlotEvent)
    frame, frames = state.frame, edit.transition_frames
    if edit.kind == "pace":
        return replace(state, pace=state.pace.towards(frame, (edit.amount,), frames))
    if edit.kind == "lighting":
        exposure, tint = LIGHTING_LOOKS[edit.value]
        return replace(state, look=state.look.towards(frame, (exposure, *tint), frames))
    natural_end = hour(start, state) + frames / start.fps * start.time_scale / 3600.0  # time_of_day: the short
    delta = (edit.amount - natural_end + 12.0) % 24.0 - 12.0                                 # way round
    offset = state.hour_offset.at(frame)[0]
    return replace(state, hour_offset=state.hour_offset.towards(frame, (offset + delta,), frames))


def hour(start: Start, state: PhotoState) -> float:
    elapsed = max(state.frame, 0) / start.fps * start.time_scale / 3600.0
    return (start.hour + elapsed + state.hour_offset.at(state.frame)[0]) % 24.0


def gains(start: Start, state: PhotoState) -> np.ndarray:
    """Per-channel gains [3] of the state's lighting look and daylight (1: the photo as it is)."""
    exposure, r, g, b = state.look.at(state.frame)
    daylight = np.array([np.interp(hour(start, state), _HOURS, _DAYLIGHT[:, c]) for c in range(4)])
    return np.asarray([r, g, b]) * exposure * daylight[1:] * daylight[0]
