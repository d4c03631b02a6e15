"""Lighting from time of day and weather: sun and moon directions, sky, ambient and fog colours.

Everything varies smoothly with the hour and with the weather blend, so lighting shifts never pop.
The result is a flat float32 vector (``Env``) the render kernels read by index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..spec import WEATHERS

# indices into the env vector
SUN, SUN_RGB, AMBIENT, ZENITH, HORIZON, FOG_RGB = 0, 3, 6, 9, 12, 15
FOG_DENSITY, WATER_LEVEL, TIME_S, CLOUDS, STARS, MOON = 18, 19, 20, 21, 22, 23
PRECIPITATION, SNOW, WATER_RGB, SKY_TIME_S, ENV_SIZE = 26, 27, 28, 31, 32


@dataclass(frozen=True)
class Weather:
    """Weight of each weather kind (they sum to 1): a change blends from one vector to another."""

    weights: tuple[float, ...]

    @classmethod
    def of(cls, name: str) -> Weather:
        return cls(tuple(1.0 if w == name else 0.0 for w in WEATHERS))

    def blend(self, other: Weather, t: float) -> Weather:
        return Weather(tuple(a + (b - a) * t for a, b in zip(self.weights, other.weights, strict=True)))

    def __getitem__(self, name: str) -> float:
        return self.weights[WEATHERS.index(name)]


def _mix(a: tuple[float, ...], b: tuple[float, ...], t: float) -> np.ndarray:
    return np.asarray(a) * (1 - t) + np.asarray(b) * t


def _smooth(edge0: float, edge1: float, x: float) -> float:
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3 - 2 * t)


LATITUDE = math.radians(42.0)
DECLINATION = math.radians(16.0)  # early summer: sunrise near 5:00, sunset near 19:00
MOON_DIRECTION = np.asarray([0.45, -0.55, 0.70]) / np.linalg.norm([0.45, -0.55, 0.70])


def sun_direction(hour: float) -> np.ndarray:
    """Unit vector (east, north, up) to the sun at ``hour``: east in the morning, south at noon."""
    theta = (hour - 12.0) / 24.0 * 2 * math.pi
    east = -math.cos(DECLINATION) * math.sin(theta)
    north = math.sin(DECLINATION) * math.cos(LATITUDE) - math.cos(DECLINATION) * math.sin(LATITUDE) * math.cos(theta)
    up = math.sin(DECLINATION) * math.sin(LATITUDE) + math.cos(DECLINATION) * math.cos(LATITUDE) * math.cos(theta)
    return np.asarray([east, north, up])


def environment(hour: float, weather: Weather, fog: float, water_level: float, time_s: float,
                biome_haze: tuple[float, float, float] = (1.0, 1.0, 1.0), exposure: float = 1.0,
                tint: tuple[float, float, float] = (1.0, 1.0, 1.0), sky_time_s: float = 0.0) -> np.ndarray:
    """The env vector. ``time_s`` animates water; ``sky_time_s`` moves the clouds (it follows game
    time, so a world with static lighting also has a still sky)."""
    sun = sun_direction(hour % 24.0)
    elevation = float(sun[2])
    day = _smooth(-0.1, 0.2, elevation)
    golden = _smooth(-0.08, 0.04, elevation) * (1 - _smooth(0.1, 0.35, elevation))
    overcast = min(1.0, weather["overcast"] + weather["rain"] * 0.9 + weather["snow"] * 0.8 + weather["fog"] * 0.6)
    zenith = _mix((0.03, 0.06, 0.16), (0.22, 0.42, 0.80), day)
    horizon = _mix((0.10, 0.14, 0.25), (0.68, 0.80, 0.94), day)
    horizon = _mix(tuple(horizon), (1.0, 0.58, 0.32), golden * 0.85)
    zenith = _mix(tuple(zenith), (0.30, 0.32, 0.52), golden * 0.35)
    grey = _mix((0.10, 0.11, 0.14), (0.58, 0.60, 0.63), day)
    zenith = _mix(tuple(zenith), tuple(grey * 0.8), overcast * 0.85)
    horizon = _mix(tuple(horizon), tuple(grey), overcast * 0.85)
    sunlight = _mix((1.05, 0.55, 0.28), (1.15, 1.08, 0.98), _smooth(0.04, 0.4, elevation)) * day
    moonlight = np.asarray((0.20, 0.26, 0.42)) * (1 - day)
    key = sun * day + MOON_DIRECTION * (1 - day)
    key = key / (np.linalg.norm(key) or 1.0)
    key_rgb = (sunlight + moonlight) * (1 - 0.75 * overcast)
    ambient = horizon * 0.42 + zenith * 0.3 + 0.015
    fog_rgb = horizon * np.asarray(biome_haze)
    density = 0.00045 + 0.004 * fog**2 + 0.02 * weather["fog"] + 0.003 * weather["rain"] + 0.005 * weather["snow"]
    env = np.zeros(ENV_SIZE, dtype=np.float32)
    grade = np.asarray(tint) * exposure
    env[SUN:SUN + 3] = key
    env[SUN_RGB:SUN_RGB + 3] = key_rgb * grade
    env[AMBIENT:AMBIENT + 3] = ambient * grade
    env[ZENITH:ZENITH + 3] = zenith * grade
    env[HORIZON:HORIZON + 3] = horizon * grade
    env[FOG_RGB:FOG_RGB + 3] = fog_rgb * grade
    env[FOG_DENSITY] = density
    env[WATER_LEVEL] = water_level
    env[TIME_S] = time_s
    env[SKY_TIME_S] = sky_time_s
    env[CLOUDS] = 0.25 + 0.75 * min(1.0, overcast)
    env[STARS] = (1 - _smooth(-0.2, -0.02, elevation)) * (1 - overcast)
    env[MOON:MOON + 3] = MOON_DIRECTION
    env[PRECIPITATION] = weather["rain"] + weather["snow"]
    env[SNOW] = weather["snow"] / max(weather["rain"] + weather["snow"], 1e-6)
    env[WATER_RGB:WATER_RGB + 3] = _mix((0.02, 0.05, 0.08), (0.08, 0.22, 0.30), day) * grade
    return env
