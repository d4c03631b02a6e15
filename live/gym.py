"""A live world as a Gymnasium environment: agents and scripts play it as people do.

Observations are the rendered frames (uint8 [H,W,3]); an action is the canonical one of a frame:
``{"move": [forward, right, up], "look": [yaw_deg, pitch_deg], "jump": 0|1, "sprint": 0|1, "crouch": 0|1}``.
There is no reward: the environment is the world, what to reward is the agent's. ``info`` has the frame, its
time and the camera pose; over a socket, ``latency`` holds the seconds from sending the last action to its frame
(an attribute, not in ``info``: the same actions give the same infos). An episode is truncated after
``max_frames`` frames.

Two environments share the spaces, the action conversion, the info and the step:

- ``WorldEnv`` plays a procedural world in this process, one frame per step; the same world, seed and actions
  give the same frames.
- ``RemoteWorldEnv`` plays any node's world on a server's live socket (``live.client``) in lock-step: the server
  steps one frame per input and waits for the next, so a step returns the frame of exactly that action and the
  same workflow and actions give the same frames, however long the agent thinks.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import EnvSpec

from world.actions import MAX_LOOK_DEG, ActionTrack
from world.capability import Size
from world.presets import PRESETS
from world.spec import WorldSpec
from world.store import DictStore, Store
from world.timeline import Timeline
from world.world import load_world

from .client import LiveClient, Ready
from .protocol import LiveInput
from .session import LiveFrame, LiveSession


def to_input(action: dict[str, Any], seq: int = 0) -> LiveInput:
    """The input of a Gymnasium action (values clipped to the action space)."""
    move = np.clip(np.asarray(action.get("move", (0, 0, 0)), np.float64), -1, 1)
    look = np.clip(np.asarray(action.get("look", (0, 0)), np.float64), -MAX_LOOK_DEG, MAX_LOOK_DEG)
    return LiveInput(seq, (float(move[0]), float(move[1]), float(move[2])), (float(look[0]), float(look[1])),
                     bool(action.get("jump")), bool(action.get("sprint")), bool(action.get("crouch")))


def frame_info(frame: LiveFrame) -> dict[str, Any]:
    """The ``info`` of a frame: its index, time and pose."""
    return {"frame": frame.frame, "time": frame.time, "pose": frame.pose}


class _LiveEnv(gymnasium.Env[np.ndarray, dict[str, Any]]):
    """What both environments are: the spaces, the step and the observation; a subclass begins an episode
    (``_begin``) and plays an input to the frame that reflects it (``_play``)."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"]}  # noqa: RUF012 (declared so by gymnasium.Env)
    #: whether frames come over a socket, and then the seconds from sending the last action to its frame
    remote = False
    latency: float | None = None

    def __init__(self, size: Size, max_frames: int) -> None:
        self.size, self.max_frames = size, max_frames
        self.render_mode = "rgb_array"
        width, height = size
        self.observation_space = spaces.Box(0, 255, (height, width, 3), np.uint8)
        self.action_space = spaces.Dict({
            "move": spaces.Box(-1.0, 1.0, (3,), np.float32),
            "look": spaces.Box(-MAX_LOOK_DEG, MAX_LOOK_DEG, (2,), np.float32),
            "jump": spaces.Discrete(2), "sprint": spaces.Discrete(2), "crouch": spaces.Discrete(2)})
        self._first: int | None = None
        self._observation: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        asked = time.monotonic()
        frame = self._begin(seed)
        self._first = frame.frame
        return self._observe(frame, asked)

    def step(self, action: dict[str, Any]) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._first is None:
            raise RuntimeError("call reset() before step()")
        asked = time.monotonic()
        frame = self._play(to_input(action))
        observation, info = self._observe(frame, asked)
        return observation, 0.0, False, frame.frame - self._first >= self.max_frames, info

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        return self._observation

    def _observe(self, frame: LiveFrame, asked: float) -> tuple[np.ndarray, dict[str, Any]]:
        self._observation = frame.pixels
        if self.remote:
            self.latency = time.monotonic() - asked
        return frame.pixels, frame_info(frame)

    def _begin(self, seed: int | None) -> LiveFrame:
        raise NotImplementedError

    def _play(self, held: LiveInput) -> LiveFrame:
        raise NotImplementedError


class WorldEnv(_LiveEnv):
    """The procedural world of ``spec`` (a preset name or a ``WorldSpec``), walked from its spawn point."""

    def __init__(self, spec: WorldSpec | str = "alpine_meadow", size: Size = (160, 90), fps: int = 10,
                 max_frames: int = 600, store: Store | None = None) -> None:
        super().__init__(size, max_frames)
        self.world_spec = PRESETS[spec] if isinstance(spec, str) else spec
        self.fps = fps
        self.store = store if store is not None else DictStore()
        self.session: LiveSession | None = None

    def _begin(self, seed: int | None) -> LiveFrame:
        world = load_world(self.world_spec, self.store)
        x, y = world.spawn_point()
        walk = Timeline(self.world_spec, self.fps, self.max_frames + 1, 2 * self.fps, (x, y, 0.0), 0.0,
                        ActionTrack.empty(self.max_frames + 1), seed=seed or 0)
        self.session = LiveSession(walk, self.store, self.size)
        return self.session.current()

    def _play(self, held: LiveInput) -> LiveFrame:
        assert self.session is not None
        self.session.hold(replace(held, seq=self.session.held.seq + 1))
        return self.session.tick()


class RemoteWorldEnv(_LiveEnv):
    """The world of node ``node`` of the workflow ``prompt`` (any node with a LATENT output), played on the live
    socket of the server at ``url`` from ``start`` seconds into its walk. Each ``reset`` starts a new session (and
    ends the previous one); ``close`` ends it. The seed seeds ``np_random`` only: the world is the workflow's."""

    remote = True

    def __init__(self, url: str, prompt: dict[str, Any], node: str, size: Size = (160, 90), token: str | None = None,
                 start: float = 0.0, max_frames: int = 600, timeout: float = 60.0) -> None:
        super().__init__(size, max_frames)
        self.url, self.prompt, self.node, self.token = url, prompt, node, token
        self.start, self.timeout = start, timeout
        self.client: LiveClient | None = None
        self.ready: Ready | None = None
        self.spec = EnvSpec("worldgraph/RemoteWorld-v0", entry_point="live.gym:RemoteWorldEnv",
                            nondeterministic=False, max_episode_steps=None,
                            kwargs={"url": url, "prompt": prompt, "node": node, "size": size, "token": token,
                                    "start": start, "max_frames": max_frames, "timeout": timeout})

    def _begin(self, seed: int | None) -> LiveFrame:
        self.close()
        self.client = LiveClient(self.url, self.token, timeout=self.timeout)
        self.ready = self.client.start(self.prompt, self.node, self.size, self.start, lockstep=True)
        return self.client.next_frame()

    def _play(self, held: LiveInput) -> LiveFrame:
        assert self.client is not None
        seq = self.client.send_input(held.move, held.look, held.jump, held.sprint, held.crouch)
        return self.client.next_frame(reflecting=seq)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        self._first = None  # a step now needs a reset first
        super().close()
