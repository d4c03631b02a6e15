"""Canonical actions, one per output frame, as columns of arrays.

An action is ``move`` (forward, strafe right, vertical; each in [-1, 1]), ``look`` (yaw right,
pitch up; degrees per frame), the flags ``jump``, ``sprint``, ``crouch``, and an optional absolute
``pose`` (x, y, yaw degrees) that places the walker directly. Backends adapt this to their own
action format. As JSON: a list of objects ``{"move": [1, 0, 0], "look": [0.5, 0], "sprint": true}``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

JUMP, SPRINT, CROUCH = 1, 2, 4
_FLAG_NAMES = {"jump": JUMP, "sprint": SPRINT, "crouch": CROUCH}
MAX_LOOK_DEG = 45.0


class ActionError(ValueError):
    """An action track is malformed; the message names the frame and field."""


@dataclass(frozen=True)
class ActionTrack:
    move: np.ndarray   # float32 [N, 3]
    look: np.ndarray   # float32 [N, 2]
    flags: np.ndarray  # uint8 [N]
    pose: np.ndarray   # float32 [N, 3]; NaN rows: no absolute pose

    def __len__(self) -> int:
        return int(self.flags.shape[0])

    @classmethod
    def empty(cls, frames: int) -> ActionTrack:
        return cls(np.zeros((frames, 3), np.float32), np.zeros((frames, 2), np.float32),
                   np.zeros(frames, np.uint8), np.full((frames, 3), np.nan, np.float32))

    @classmethod
    def concatenate(cls, parts: Sequence[ActionTrack]) -> ActionTrack:
        """The tracks one after another."""
        return cls(*(np.concatenate([getattr(part, name) for part in parts])
                     for name in ("move", "look", "flags", "pose")))

    def slice(self, start: int, stop: int) -> ActionTrack:
        return ActionTrack(self.move[start:stop], self.look[start:stop], self.flags[start:stop], self.pose[start:stop])

    def digest(self, start: int, stop: int) -> str:
        h = hashlib.sha256()
        for array in (self.move, self.look, self.flags, self.pose):
            h.update(np.ascontiguousarray(array[start:stop]).tobytes())
        return h.hexdigest()

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"move": self.move, "look": self.look, "flags": self.flags, "pose": self.pose}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ActionTrack:
        return cls(arrays["move"], arrays["look"], arrays["flags"], arrays["pose"])

    def to_json(self) -> list[dict[str, Any]]:
        """The track as JSON that ``parse`` reads back to the very same arrays (so the same hashes)."""
        out = []
        for i in range(len(self)):
            entry: dict[str, Any] = {"move": _exact(self.move[i]), "look": _exact(self.look[i])}
            for name, bit in _FLAG_NAMES.items():
                if self.flags[i] & bit:
                    entry[name] = True
            if not np.isnan(self.pose[i, 0]):
                entry["pose"] = _exact(self.pose[i])
            out.append(entry)
        return out


def _exact(values: np.ndarray) -> list[float]:
    """float32 values as the shortest decimals that read back to the same float32 values."""
    return [float(np.format_float_positional(v, unique=True, trim="-")) for v in values]


def parse(data: Any, frames: int) -> ActionTrack:
    """Read a JSON action list. Shorter than ``frames``: the rest stands still."""
    if not isinstance(data, list):
        raise ActionError(f"an action track is a JSON list of per-frame actions, not {type(data).__name__}")
    if not data:
        raise ActionError("the action track is empty")
    track = ActionTrack.empty(frames)
    for i, entry in enumerate(data[:frames]):
        if not isinstance(entry, dict):
            raise ActionError(f"frame {i}: an action is an object, not {type(entry).__name__}")
        unknown = sorted(set(entry) - {"move", "look", "pose", *_FLAG_NAMES})
        if unknown:
            raise ActionError(f"frame {i}: unknown field(s) {unknown}")
        track.move[i] = _vector(entry.get("move", [0, 0, 0]), 3, -1.0, 1.0, f"frame {i}: 'move'")
        track.look[i] = _vector(entry.get("look", [0, 0]), 2, -MAX_LOOK_DEG, MAX_LOOK_DEG, f"frame {i}: 'look'")
        for name, bit in _FLAG_NAMES.items():
            value = entry.get(name, False)
            if not isinstance(value, bool):
                raise ActionError(f"frame {i}: '{name}' must be true or false")
            if value:
                track.flags[i] |= bit
        if "pose" in entry:
            track.pose[i] = _vector(entry["pose"], 3, -1e6, 1e6, f"frame {i}: 'pose'")
    return track


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return False


def _vector(value: Any, size: int, low: float, high: float, where: str) -> Sequence[float]:
    if not (isinstance(value, list) and len(value) == size and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v) for v in value)):
        raise ActionError(f"{where} must be a list of {size} numbers")
    if any(not low <= v <= high for v in value):
        raise ActionError(f"{where} = {value} must stay within [{low}, {high}]")
    return value
