"""The world-backend contract every world model implements, and the procedural backend.

A backend turns a spec into a state, steps states with canonical actions and edits (purely: the
same inputs give the same state), renders states to uint8 frames, and saves/loads states as arrays.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .actions import ActionTrack
from .characters import CharacterSpec
from .edits import Edit
from .physics import Body
from .render import Camera
from .shots import Shot
from .simulation import Clock, Ramp, SimState, advance, initial_state, view
from .spec import WorldSpec
from .store import Store
from .timeline import draw
from .world import load_world


@dataclass(frozen=True)
class BackendInfo:
    name: str
    native_size: tuple[int, int]
    fps: float
    frames_per_step: int
    actions: tuple[str, ...]
    features: frozenset[str]


@dataclass(frozen=True)
class WorldRef:
    """The WORLD value on a wire: which backend, and the spec it builds its world from."""

    backend: str
    spec: WorldSpec

    @property
    def nbytes(self) -> int:
        return 512


class WorldBackend(Protocol):
    info: BackendInfo

    def create(self, spec: WorldSpec, seed: int) -> Any: ...

    def step(self, state: Any, actions: ActionTrack, events: list[Edit]) -> Any: ...

    def render(self, state: Any, camera: Camera | None, size: tuple[int, int]) -> np.ndarray: ...

    def save(self, state: Any) -> dict[str, np.ndarray]: ...

    def load(self, arrays: dict[str, np.ndarray]) -> Any: ...


@dataclass(frozen=True)
class ProceduralState:
    spec: WorldSpec
    clock: Clock
    sim: SimState


class ProceduralBackend:
    """The default world model: a procedural simulator, real-time on a CPU."""

    info = BackendInfo(
        name="procedural", native_size=(854, 480), fps=30.0, frames_per_step=1,
        actions=("move", "look", "jump", "sprint", "crouch", "pose"),
        features=frozenset({"characters", "shots", "weather", "time_of_day", "pace", "lighting", "add_object",
                            "remove_object", "physics"}),
    )

    def __init__(self, store: Store, fps: float = 30.0, time_scale: float = 0.0) -> None:
        self.store = store
        self.fps = fps
        self.time_scale = time_scale

    def create(self, spec: WorldSpec, seed: int) -> ProceduralState:
        world = load_world(spec, self.store)
        x, y = world.spawn_point()
        return ProceduralState(spec, Clock(spec.time_of_day, self.time_scale, self.fps),
                               initial_state(world, x, y, 0.0, seed))

    def step(self, state: ProceduralState, actions: ActionTrack, events: list[Edit]) -> ProceduralState:
        """Advance one frame per action in ``actions``; ``events`` apply on the first of them."""
        world = load_world(state.spec, self.store)
        sim = state.sim
        for i in range(len(actions)):
            sim = advance(world, state.clock, sim, actions.slice(i, i + 1), events if i == 0 else [])
        return ProceduralState(state.spec, state.clock, sim)

    def render(self, state: ProceduralState, camera: Camera | None, size: tuple[int, int]) -> np.ndarray:
        world = load_world(state.spec, self.store)
        frame_view = view(world, state.clock, state.sim)
        if camera is not None:
            frame_view = dataclasses.replace(frame_view, camera=camera)
        return draw(world, frame_view, size, max(state.sim.frame, 0))[None]

    def save(self, state: ProceduralState) -> dict[str, np.ndarray]:
        document = {"spec": state.spec.to_dict(), "clock": dataclasses.asdict(state.clock),
                    "sim": _sim_to_json(state.sim)}
        return {"state_json": np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)}

    def load(self, arrays: dict[str, np.ndarray]) -> ProceduralState:
        document = json.loads(bytes(np.asarray(arrays["state_json"], dtype=np.uint8)).decode())
        return ProceduralState(WorldSpec.from_dict(document["spec"]), Clock(**document["clock"]),
                               _sim_from_json(document["sim"]))


def _sim_to_json(sim: SimState) -> dict[str, Any]:
    document = dataclasses.asdict(sim)
    document["removed"] = sorted(sim.removed)
    return document


def _ramp(data: dict[str, Any]) -> Ramp:
    return Ramp(tuple(data["start"]), tuple(data["end"]), data["first"], data["last"])


def _sim_from_json(data: dict[str, Any]) -> SimState:
    return SimState(
        frame=data["frame"], player=Body(**data["player"]),
        characters=tuple((CharacterSpec(**spec), Body(**body)) for spec, body in data["characters"]),
        shot=Shot(**data["shot"]), previous_shot=Shot(**data["previous_shot"]) if data["previous_shot"] else None,
        hour_offset=_ramp(data["hour_offset"]), weather=_ramp(data["weather"]), look=_ramp(data["look"]),
        pace=_ramp(data["pace"]), removed=frozenset(data["removed"]),
        added=tuple(tuple(entry) for entry in data["added"]), seed=data["seed"],
    )
