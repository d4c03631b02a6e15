"""World specs: the small, hashable description a world is generated from."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

BIOMES = ("meadow", "forest", "desert", "tundra", "coast", "ruins")
WEATHERS = ("clear", "overcast", "rain", "snow", "fog")


class SpecError(ValueError):
    """A world spec field is out of range or unknown; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field} {message}")


#: field -> (min, max) for the numeric fields.
RANGES: dict[str, tuple[float, float]] = {
    "seed": (0, 2**63 - 1),
    "relief": (0.0, 1.0),
    "roughness": (0.0, 1.0),
    "vegetation": (0.0, 1.0),
    "rocks": (0.0, 1.0),
    "structures": (0.0, 1.0),
    "water": (0.0, 0.8),
    "time_of_day": (0.0, 24.0),
    "fog": (0.0, 1.0),
}


@dataclass(frozen=True)
class WorldSpec:
    """Everything a procedural world is generated from. Same spec, same world, everywhere."""

    seed: int = 0
    biome: str = "meadow"
    relief: float = 0.5        # 0 flat .. 1 mountainous
    roughness: float = 0.5     # 0 smooth .. 1 rugged
    vegetation: float = 0.5    # density of trees and plants
    rocks: float = 0.3
    structures: float = 0.0    # ruins, walls, columns
    water: float = 0.0         # share of the land under water
    time_of_day: float = 14.0  # hours, 0..24
    weather: str = "clear"
    fog: float = 0.15          # extra haze on top of the weather's

    def __post_init__(self) -> None:
        if self.biome not in BIOMES:
            raise SpecError("biome", f"= {self.biome!r} is not one of {', '.join(BIOMES)}")
        if self.weather not in WEATHERS:
            raise SpecError("weather", f"= {self.weather!r} is not one of {', '.join(WEATHERS)}")
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise SpecError(name, f"= {value!r} must be a number in [{low}, {high}]")
        if not isinstance(self.seed, int):
            raise SpecError("seed", f"= {self.seed!r} must be an integer")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorldSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(unknown[0], f"is not a world spec field (fields: {', '.join(sorted(known))})")
        return cls(**data)

    def replace(self, **changes: Any) -> WorldSpec:
        return dataclasses.replace(self, **changes)

    def terrain_key(self) -> str:
        """Identifies the generated terrain and objects: lighting and weather do not change them."""
        fields = {k: v for k, v in self.to_dict().items() if k not in ("time_of_day", "weather", "fog")}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]
