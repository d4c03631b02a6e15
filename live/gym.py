"""A live world as a Gymnasium environment: agents and scripts play it as people do.

Observations are the rendered frames (uint8 [H,W,3]); an action is the canonical one of a frame:
``{"move": [forward, right, up], "look": [yaw_deg, pitch_deg], "jump": 0|1, "sprint": 0|1, "crouch": 0|1}``.
There is no reward: the environment is the world, what to reward is the agent's. ``info`` has the frame, its
time and the camera pose; an episode is truncated after ``max_frames``. The same world, seed and actions give
the same frames.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from world.actions import MAX_LOOK_DEG, ActionTrack
from world.capability import Size
from world.presets import PRESETS
from world.spec import WorldSpec
from world.store import DictStore, Store
from world.timeline import Timeline
from world.world import load_world

from .protocol import LiveInput
from .session import LiveSession


class WorldEnv(gymnasium.Env[np.ndarray, dict[str, Any]]):
    """The procedural world of ``spec`` (a preset name or a ``WorldSpec``), walked from its spawn point."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"]}  # noqa: RUF012 (declared so by gymnasium.Env)

    def __init__(self, spec: WorldSpec | str = "alpine_meadow", size: Size = (160, 90), fps: int = 10,
                 max_frames: int = 600, store: Store | None = None) -> None:
        self.world_spec = PRESETS[spec] if isinstance(spec, str) else spec
        self.size, self.fps, self.max_frames = size, fps, max_frames
        self.store = store if store is not None else DictStore()
        self.render_mode = "rgb_array"
        width, height = size
        self.observation_space = spaces.Box(0, 255, (height, width, 3), np.uint8)
        self.action_space = spaces.Dict({
            "move": spaces.Box(-1.0, 1.0, (3,), np.float32),
            "look": spaces.Box(-MAX_LOOK_DEG, MAX_LOOK_DEG, (2,), np.float32),
            "jump": spaces.Discrete(2), "sprint": spaces.Discrete(2), "crouch": spaces.Discrete(2)})
        self.session: LiveSession | None = None
        self._observation: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        world = load_world(self.world_spec, self.store)
        x, y = world.spawn_point()
        walk = Timeline(self.world_spec, self.fps, self.max_frames + 1, 2 * self.fps, (x, y, 0.0), 0.0,
                        ActionTrack.empty(self.max_frames + 1), seed=seed or 0)
        self.session = LiveSession(walk, self.store, self.size)
        return self._observe(self.session.current())

    def step(self, action: dict[str, Any]) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.session is None:
            raise RuntimeError("call reset() before step()")
        move = np.clip(np.asarray(action.get("move", (0, 0, 0)), np.float64), -1, 1)
        look = np.clip(np.asarray(action.get("look", (0, 0)), np.float64), -MAX_LOOK_DEG, MAX_LOOK_DEG)
        self.session.hold(LiveInput(self.session.held.seq + 1, (move[0], move[1], move[2]), (look[0], look[1]),
                                    bool(action.get("jump")), bool(action.get("sprint")), bool(action.get("crouch"))))
        observation, info = self._observe(self.session.tick())
        return observation, 0.0, False, self.session.frame >= self.max_frames, info

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        return self._observation

    def _observe(self, frame: Any) -> tuple[np.ndarray, dict[str, Any]]:
        self._observation = frame.pixels
        return frame.pixels, {"frame": frame.frame, "time": frame.time, "pose": frame.pose}
