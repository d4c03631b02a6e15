"""Training and evaluation data: simulator rollouts (frames and the canonical actions that made them).

Each trajectory starts at a random dry spot of a world with a random heading and follows either a
random action script (commands held for a few frames: walk, strafe, turn, look up or down, sprint,
jump, stand) or one of the wander planners (walk, explore, orbit, look around).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import wander
from ..actions import CROUCH, JUMP, SPRINT, ActionTrack
from ..physics import Body
from ..presets import PRESETS
from ..spec import WorldSpec
from ..store import DictStore
from ..terrain import TILE_M
from ..timeline import Timeline
from ..world import load_world

LOOK_SCALE_DEG = 10.0
MODES = ("random", "random", "walk", "explore", "orbit", "look_around")


@dataclass(frozen=True)
class Rollouts:
    frames: np.ndarray   # uint8 [N, T, H, W, 3]
    actions: np.ndarray  # float32 [N, T, 8]: action t made frame t (from frame t - 1)

    def __len__(self) -> int:
        return int(self.frames.shape[0])


def action_features(track: ActionTrack, pace: np.ndarray | None = None) -> np.ndarray:
    """Canonical actions -> float32 [N, 8]: move (3), look / 10 degrees (2), jump, sprint, crouch.

    ``pace`` (per frame) scales walking the way the model can follow: slower is a smaller move,
    twice as fast or more is a sprint."""
    move = track.move.astype(np.float32)
    flags = track.flags
    sprint = (flags & SPRINT) > 0
    if pace is not None:
        move = move * np.minimum(pace, 1.0)[:, None].astype(np.float32)
        sprint = sprint | (pace >= 2.0)
    return np.concatenate([
        move, track.look.astype(np.float32) / LOOK_SCALE_DEG,
        np.stack([(flags & JUMP) > 0, sprint, (flags & CROUCH) > 0], axis=1).astype(np.float32),
    ], axis=1)


def random_actions(rng: np.random.Generator, frames: int) -> ActionTrack:
    """Commands held for 3 to 15 frames each, covering every action the model is told about."""
    track = ActionTrack.empty(frames)
    i = 0
    while i < frames:
        hold = int(rng.integers(3, 16))
        kind = rng.choice(["forward", "forward", "turn", "strafe", "back", "stand", "look"])
        move = np.zeros(3, np.float32)
        look = np.zeros(2, np.float32)
        flags = 0
        if kind in ("forward", "turn"):
            move[0] = rng.uniform(0.3, 1.0)
        if kind == "strafe":
            move[1] = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)
        if kind == "back":
            move[0] = -rng.uniform(0.3, 1.0)
        if kind in ("turn", "look", "stand"):
            look[0] = rng.uniform(-8.0, 8.0)
        if kind == "look":
            look[1] = rng.uniform(-3.0, 3.0)
        if move[0] > 0 and rng.random() < 0.25:
            flags |= SPRINT
        if rng.random() < 0.1:
            flags |= JUMP
        if rng.random() < 0.05:
            flags |= CROUCH
        stop = min(frames, i + hold)
        track.move[i:stop] = move
        track.look[i:stop] = look
        track.flags[i:stop] = flags
        i = stop
    return track


def worlds(count: int, seed: int) -> list[WorldSpec]:
    """``count`` worlds cycling through the presets, each with its own seed."""
    names = sorted(PRESETS)
    return [PRESETS[names[i % len(names)]].replace(seed=seed * 1000 + i) for i in range(count)]


def generate(specs: Sequence[WorldSpec], per_world: int, frames: int, size: int, fps: float, seed: int,
             progress: Callable[[int], None] | None = None) -> Rollouts:
    """``per_world`` trajectories of ``frames`` frames at ``size`` x ``size`` in each world (one world in
    memory at a time)."""
    rng = np.random.default_rng([seed, 8])
    all_frames = np.empty((len(specs) * per_world, frames, size, size, 3), np.uint8)
    all_actions = np.empty((len(specs) * per_world, frames, 8), np.float32)
    n = 0
    for spec in specs:
        store = DictStore()
        world = load_world(spec, store)
        for _ in range(per_world):
            x, y = world.spawn_point(*(rng.uniform(0.0, TILE_M, 2)))
            yaw = float(rng.uniform(-math.pi, math.pi))
            mode = str(rng.choice(MODES))
            if mode == "random":
                track = random_actions(rng, frames)
            else:
                track = wander.plan(world, mode, Body(x, y, world.ground(x, y), yaw), frames, fps,
                                    int(rng.integers(1 << 30)), speed="sprint" if rng.random() < 0.2 else "walk")
            timeline = Timeline(spec, round(fps), frames, frames, (x, y, yaw), 0.0, track)
            all_frames[n] = timeline.render_segment(0, (size, size), store, cache=False)
            all_actions[n] = action_features(track)
            n += 1
        if progress is not None:
            progress(per_world)
    return Rollouts(all_frames, all_actions)
