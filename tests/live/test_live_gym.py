"""The Gymnasium environment: a real rendered world, deterministic, passing Gymnasium's own checker."""

from __future__ import annotations

import numpy as np
from gymnasium.utils.env_checker import check_env
from worldkit import fresh_store

from live.gym import WorldEnv


def test_the_environment_passes_gymnasiums_checker() -> None:
    check_env(WorldEnv(size=(64, 36), max_frames=20, store=fresh_store()), skip_render_check=True)


def test_walking_forward_moves_the_pose_and_the_same_actions_give_the_same_frames() -> None:
    runs = []
    for _ in range(2):
        env = WorldEnv(size=(96, 54), max_frames=12, store=fresh_store())
        first, info = env.reset(seed=3)
        assert first.shape == (54, 96, 3) and first.dtype == np.uint8
        frames, truncated = [], False
        while not truncated:
            observation, reward, terminated, truncated, last = env.step(
                {"move": np.array([1.0, 0.0, 0.0], np.float32), "look": np.array([1.0, 0.0], np.float32),
                 "jump": 0, "sprint": 1, "crouch": 0})
            frames.append(observation)
            assert reward == 0.0 and not terminated
        assert last["frame"] == 12
        assert np.hypot(last["pose"][0] - info["pose"][0], last["pose"][1] - info["pose"][1]) > 1.0
        runs.append(frames)
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))
