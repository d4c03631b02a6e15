"""Helpers for the world-engine tests: shared worlds, open spots, tracks and hand-made worlds.

Worlds are generated once per session (about 2 s each) into one store. Tests that cache timelines
get a fresh ``DictStore`` that already holds the built worlds, so simulation and rendering caches
never leak between tests while generation is paid only once.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from world import objects as objects_module
from world.actions import ActionTrack
from world.presets import PRESETS
from world.spec import WorldSpec
from world.store import DictStore, Tier
from world.terrain import Terrain
from world.world import GENERATOR_VERSION, World, load_world

#: the worlds most tests share (the alpine meadow and the ancient ruins), built once per session
_WORLDS = DictStore()
#: other worlds (one-off presets and specs): only the most recent few are kept, to bound memory
_OTHERS: OrderedDict[str, World] = OrderedDict()
_KEEP_OTHERS = 2
_SHARED = ("alpine_meadow", "ancient_ruins")

SMALL = (160, 90)


def world_of(spec: WorldSpec | str) -> World:
    """The world of a preset name or spec, generated at most once while it is kept."""
    if isinstance(spec, str):
        if spec in _SHARED:
            return load_world(PRESETS[spec], _WORLDS)
        spec = PRESETS[spec]
    if any(spec.terrain_key() == PRESETS[name].terrain_key() for name in _SHARED):
        return load_world(spec, _WORLDS)
    key = spec.terrain_key()
    if key not in _OTHERS:
        _OTHERS[key] = load_world(spec, DictStore())
        while len(_OTHERS) > _KEEP_OTHERS:
            _OTHERS.popitem(last=False)
    _OTHERS.move_to_end(key)
    built = _OTHERS[key]
    return World(spec, built.terrain, built.objects, built.renderer)


class _WorldsShared(DictStore):
    """A store of its own for timelines, sharing the session's generated worlds."""

    PREFIX = f"world/{GENERATOR_VERSION}/"

    def get(self, key: str) -> object | None:
        return _WORLDS.get(key) if key.startswith(self.PREFIX) else super().get(key)

    def put(self, key: str, value: object, tier: Tier = "both") -> None:
        if key.startswith(self.PREFIX):
            _WORLDS.put(key, value, tier)
        else:
            super().put(key, value, tier)

    def contains(self, key: str) -> bool:
        return _WORLDS.contains(key) if key.startswith(self.PREFIX) else super().contains(key)

    def keys(self) -> list[str]:
        return list(self._values)


def fresh_store() -> _WorldsShared:
    """An empty store for simulated and rendered segments that shares the session's built worlds."""
    return _WorldsShared()


def clear_heading(world: World, x: float, y: float, length: float, radius: float = 1.2) -> float | None:
    """A yaw along which the next ``length`` metres are dry, gentle and free of objects, or None."""
    for step in range(36):
        yaw = step * math.pi / 18
        ok = True
        for d in np.arange(0.0, length + 0.01, 1.0):
            px, py = x + math.cos(yaw) * d, y + math.sin(yaw) * d
            gx, gy = world.terrain.gradient_at(px, py)
            if world.is_water(px, py, -0.5) or math.hypot(gx, gy) > 0.3 or world.blocking(px, py, radius) >= 0:
                ok = False
                break
        if ok:
            return yaw
    return None


def open_start(world: World, length: float = 40.0) -> tuple[float, float, float]:
    """A spawn (x, y, yaw) with a clear, gentle corridor of ``length`` metres ahead."""
    for attempt in range(400):
        near = (1000.0 + 37.0 * attempt) % 4096.0, (900.0 + 53.0 * attempt) % 4096.0
        x, y = world.spawn_point(*near)
        yaw = clear_heading(world, x, y, length)
        if yaw is not None:
            return x, y, yaw
    raise AssertionError("no open corridor found")


def walk_track(frames: int, forward: float = 1.0) -> ActionTrack:
    track = ActionTrack.empty(frames)
    track.move[:, 0] = forward
    return track


def synthetic_world(height: np.ndarray, objects: Sequence[tuple[int, float, float, float]] = (),
                    water_level: float = -100.0) -> World:
    """A hand-made world for physics: ``height`` is a periodic [n,n] field (2 m cells); objects are
    (kind, x, y, collision radius). No renderer."""
    n = height.shape[0]
    terrain = Terrain.from_arrays({"height": height.astype(np.float32), "color": np.zeros((n, n, 3), np.uint8),
                                   "water_level": np.asarray(water_level, np.float32)})
    columns = {name: np.zeros(0, np.float32) for name in ("x", "y", "z", "height", "width", "radius", "tint")}
    columns["kind"] = np.zeros(0, np.int8)
    columns["variant"] = np.zeros(0, np.int32)
    if objects:
        columns = {
            "x": np.asarray([o[1] for o in objects], np.float32), "y": np.asarray([o[2] for o in objects], np.float32),
            "z": np.asarray([terrain.height_at(o[1], o[2]) for o in objects], np.float32),
            "kind": np.asarray([o[0] for o in objects], np.int8),
            "height": np.full(len(objects), 3.0, np.float32), "width": np.full(len(objects), 2.0, np.float32),
            "radius": np.asarray([o[3] for o in objects], np.float32),
            "tint": np.zeros(len(objects), np.float32), "variant": np.zeros(len(objects), np.int32),
        }
    return World(WorldSpec(), terrain, objects_module.build(columns), None)  # type: ignore[arg-type]


def approaches(world: World, kinds: tuple[int, ...], distance: float = 6.0, limit: int = 3) -> list[int]:
    """Objects of ``kinds`` with a dry, gentle, free approach from ``distance`` m to their west."""
    o = world.objects
    candidates = np.nonzero(np.isin(o.kind, kinds))[0]
    found: list[int] = []
    for index in candidates[:: max(1, len(candidates) // 400)]:
        ox, oy = float(o.x[index]), float(o.y[index])
        others = frozenset({int(index)})
        path = [ox - distance + d for d in np.arange(0.0, distance + 3.0, 0.5)]
        if all(world.blocking(x, oy, 1.0, others) < 0 and not world.is_water(x, oy, -0.5)
               and math.hypot(*world.terrain.gradient_at(x, oy)) < 0.3 for x in path):
            found.append(int(index))
            if len(found) == limit:
                break
    return found
