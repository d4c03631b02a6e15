"""Camera shake as a timeline edit: small, smooth yaw and pitch wobbles added to the look actions.

The wobble is an offset from the walker's own view that fades in and out, added as per-frame look
deltas that sum to zero over the window: the view ends where it would have been without the shake.
"""

from __future__ import annotations

import math

import numpy as np

from world.actions import MAX_LOOK_DEG, ActionTrack
from world.contract import Rollout

#: relative frequencies of the three sine waves that make the wobble, and pitch's share of the yaw
_OCTAVES = (1.0, 2.13, 4.37)
_PITCH_SCALE = 0.6


def offsets(frames: int, fps: float, amplitude: float, frequency: float, seed: int) -> np.ndarray:
    """``[frames + 1, 2]`` yaw and pitch offsets in degrees, zero at both ends, at most ``amplitude``."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames + 1) / fps
    wobble = np.zeros((frames + 1, 2))
    for axis, scale in enumerate((1.0, _PITCH_SCALE)):
        for octave in _OCTAVES:
            phase = rng.uniform(0.0, 2 * math.pi)
            wobble[:, axis] += scale * np.sin(2 * math.pi * frequency * octave * t + phase) / octave
    envelope = np.sin(np.linspace(0.0, math.pi, frames + 1)) ** 2
    return wobble * envelope[:, None] * (amplitude / sum(1 / octave for octave in _OCTAVES))


def shake(timeline: Rollout, start: int, frames: int, amplitude: float, frequency: float, seed: int) -> Rollout:
    """``timeline`` with a shake over ``frames`` frames from frame ``start`` (cut at its end)."""
    stop = min(start + frames, timeline.frames)
    if stop <= start:
        return timeline
    track = timeline.actions
    look = np.array(track.look, dtype=np.float32)  # a copy: cached tracks are read-only
    deltas = np.diff(offsets(stop - start, timeline.fps, amplitude, frequency, seed), axis=0)
    look[start:stop] = np.clip(look[start:stop] + deltas, -MAX_LOOK_DEG, MAX_LOOK_DEG)
    return timeline.with_actions(ActionTrack(track.move, look, track.flags, track.pose))
