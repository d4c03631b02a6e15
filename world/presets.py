"""Named world presets and the text-prompt vocabulary that maps words onto spec fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .spec import WorldSpec

PRESETS: dict[str, WorldSpec] = {
    "alpine_meadow": WorldSpec(biome="meadow", relief=0.75, roughness=0.5, vegetation=0.35, rocks=0.35,
                               water=0.04, time_of_day=10.5, fog=0.1),
    "pine_forest": WorldSpec(biome="forest", relief=0.45, roughness=0.45, vegetation=0.9, rocks=0.25,
                             water=0.02, time_of_day=15.5, fog=0.25),
    "desert_canyon": WorldSpec(biome="desert", relief=0.7, roughness=0.6, vegetation=0.15, rocks=0.45,
                               time_of_day=17.5, fog=0.08),
    "snowy_tundra": WorldSpec(biome="tundra", relief=0.3, roughness=0.35, vegetation=0.2, rocks=0.3,
                              water=0.03, time_of_day=12.0, weather="snow", fog=0.3),
    "coast": WorldSpec(biome="coast", relief=0.35, roughness=0.4, vegetation=0.35, rocks=0.3, water=0.42,
                       time_of_day=9.0, fog=0.12),
    "ancient_ruins": WorldSpec(biome="ruins", relief=0.35, roughness=0.4, vegetation=0.3, rocks=0.3,
                               structures=0.8, water=0.03, time_of_day=18.0, fog=0.18),
}


@dataclass(frozen=True)
class PromptResult:
    spec: WorldSpec
    #: word -> what it set, in order.
    understood: tuple[tuple[str, str], ...]
    #: words that mean nothing to the vocabulary; reported, never silently dropped.
    unknown: tuple[str, ...]


_BIOME_WORDS = {
    "meadow": "meadow", "meadows": "meadow", "alpine": "meadow", "grassland": "meadow", "hills": "meadow",
    "forest": "forest", "pine": "forest", "pines": "forest", "woods": "forest", "woodland": "forest",
    "taiga": "forest",
    "desert": "desert", "canyon": "desert", "canyons": "desert", "dunes": "desert", "mesa": "desert",
    "tundra": "tundra", "snowy": "tundra", "arctic": "tundra", "frozen": "tundra", "icy": "tundra",
    "coast": "coast", "coastal": "coast", "beach": "coast", "sea": "coast", "ocean": "coast", "island": "coast",
    "ruins": "ruins", "ruin": "ruins", "ancient": "ruins", "temple": "ruins", "ruined": "ruins",
}
_TIME_WORDS = {
    "dawn": 6.2, "sunrise": 6.6, "morning": 9.0, "noon": 12.0, "midday": 12.0, "afternoon": 15.0,
    "golden": 17.8, "sunset": 18.6, "dusk": 19.2, "evening": 19.5, "twilight": 19.6, "night": 23.0,
    "midnight": 0.0, "moonlit": 23.5,
}
_WEATHER_WORDS = {
    "clear": "clear", "sunny": "clear", "cloudy": "overcast", "overcast": "overcast", "grey": "overcast",
    "gray": "overcast", "rain": "rain", "rainy": "rain", "raining": "rain", "storm": "rain", "stormy": "rain",
    "snow": "snow", "snowing": "snow", "blizzard": "snow", "fog": "fog", "foggy": "fog", "misty": "fog",
    "mist": "fog", "hazy": "fog",
}
#: word -> (field, value)
_SETTINGS: dict[str, tuple[str, Any]] = {
    "dense": ("vegetation", 0.95), "lush": ("vegetation", 0.85), "overgrown": ("vegetation", 0.95),
    "sparse": ("vegetation", 0.15), "barren": ("vegetation", 0.02), "treeless": ("vegetation", 0.0),
    "rocky": ("rocks", 0.8), "boulders": ("rocks", 0.8), "stony": ("rocks", 0.7),
    "flat": ("relief", 0.08), "plains": ("relief", 0.1), "gentle": ("relief", 0.25), "rolling": ("relief", 0.35),
    "hilly": ("relief", 0.55), "mountains": ("relief", 0.9), "mountainous": ("relief", 0.9),
    "rugged": ("roughness", 0.85), "smooth": ("roughness", 0.15),
    "lake": ("water", 0.15), "lakes": ("water", 0.2), "river": ("water", 0.1), "water": ("water", 0.2),
    "flooded": ("water", 0.5), "dry": ("water", 0.0), "islands": ("water", 0.55),
    "columns": ("structures", 0.8), "walls": ("structures", 0.6), "abandoned": ("structures", 0.5),
}
_STOPWORDS = frozenset([
    "a", "an", "the", "and", "with", "of", "in", "at", "on", "by", "to", "some", "lots", "lot", "many", "few",
    "very", "is", "are", "under", "over", "near", "into", "land", "landscape", "world", "place", "scene",
])


def preset(name: str) -> WorldSpec:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}") from None


def from_prompt(text: str, base: WorldSpec | None = None) -> PromptResult:
    """Map a prompt such as ``"foggy pine forest at dawn with a lake"`` onto a spec.

    A biome word picks that biome's preset as the base (the last biome word wins); the other words
    adjust it, in any order. Words of any script are read; those not in the vocabulary are reported.
    """
    words = re.findall(r"[^\W\d_]+", text.lower())
    fields: dict[str, Any] = {}
    understood: list[tuple[str, str]] = []
    unknown: list[str] = []
    spec = base or WorldSpec()
    for word in words:
        if word in _BIOME_WORDS:
            biome = _BIOME_WORDS[word]
            spec = next(p for p in PRESETS.values() if p.biome == biome).replace(seed=spec.seed)
            understood.append((word, f"biome={biome}"))
        elif word in _TIME_WORDS:
            fields["time_of_day"] = _TIME_WORDS[word]
            understood.append((word, f"time_of_day={_TIME_WORDS[word]}"))
        elif word in _WEATHER_WORDS:
            fields["weather"] = _WEATHER_WORDS[word]
            understood.append((word, f"weather={_WEATHER_WORDS[word]}"))
        elif word in _SETTINGS:
            field, value = _SETTINGS[word]
            fields[field] = value
            understood.append((word, f"{field}={value}"))
        elif word not in _STOPWORDS:
            unknown.append(word)
    return PromptResult(spec.replace(**fields), tuple(understood), tuple(unknown))


def vocabulary() -> dict[str, list[str]]:
    """The documented prompt vocabulary, by what the words set."""
    return {
        "biome": sorted(_BIOME_WORDS),
        "time_of_day": sorted(_TIME_WORDS),
        "weather": sorted(_WEATHER_WORDS),
        "settings": sorted(_SETTINGS),
        "ignored": sorted(_STOPWORDS),
    }
