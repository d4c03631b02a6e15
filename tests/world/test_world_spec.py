"""World specs, presets and the text-prompt vocabulary."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from worldkit import SMALL, world_of

from world import presets
from world.presets import PRESETS, from_prompt, preset, vocabulary
from world.simulation import Clock, initial_state, view
from world.spec import BIOMES, RANGES, WEATHERS, SpecError, WorldSpec

VOCABULARY = vocabulary()
STOPWORDS = frozenset(VOCABULARY["ignored"])
KNOWN = frozenset(w for group, words in VOCABULARY.items() if group != "ignored" for w in words)


# ---- WorldSpec ---------------------------------------------------------------------------------
def test_default_spec_is_valid_and_round_trips() -> None:
    spec = WorldSpec()
    assert WorldSpec.from_dict(spec.to_dict()) == spec
    full = WorldSpec(seed=2**63 - 1, biome="ruins", relief=1.0, roughness=0.0, vegetation=1.0, rocks=0.0,
                     structures=1.0, water=0.8, time_of_day=24.0, weather="fog", fog=1.0)
    assert WorldSpec.from_dict(full.to_dict()) == full


@pytest.mark.parametrize("field, value", [
    *[(name, high + 0.5) for name, (_, high) in RANGES.items() if name != "seed"],
    *[(name, low - 0.01) for name, (low, _) in RANGES.items() if name != "seed"],
    ("relief", math.nan), ("fog", math.inf), ("rocks", "0.5"), ("vegetation", None), ("water", True),
    ("seed", -1), ("seed", 2**63), ("seed", 1.5), ("seed", True),
    ("biome", "jungle"), ("biome", "Meadow"), ("weather", "hail"), ("weather", ""),
])
def test_spec_errors_name_the_field(field: str, value: Any) -> None:
    with pytest.raises(SpecError) as caught:
        WorldSpec(**{field: value})
    assert caught.value.field == field
    assert str(caught.value).startswith(field + " ")
    assert isinstance(caught.value, ValueError)


def test_spec_error_for_a_choice_lists_the_allowed_values() -> None:
    with pytest.raises(SpecError) as caught:
        WorldSpec(biome="jungle")
    assert all(biome in str(caught.value) for biome in BIOMES)
    with pytest.raises(SpecError) as caught:
        WorldSpec(weather="hail")
    assert all(weather in str(caught.value) for weather in WEATHERS)


def test_replace_validates_too() -> None:
    with pytest.raises(SpecError) as caught:
        WorldSpec().replace(water=0.9)
    assert caught.value.field == "water"


def test_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(SpecError) as caught:
        WorldSpec.from_dict({"biome": "forest", "colour": "green"})
    assert caught.value.field == "colour"
    assert "not a world spec field" in str(caught.value)
    assert "vegetation" in str(caught.value)  # lists the real fields


def test_from_dict_accepts_partial_specs_and_validates_values() -> None:
    assert WorldSpec.from_dict({"biome": "desert"}) == WorldSpec(biome="desert")
    with pytest.raises(SpecError) as caught:
        WorldSpec.from_dict({"relief": 3})
    assert caught.value.field == "relief"


def test_terrain_key_ignores_light_and_weather_only() -> None:
    spec = WorldSpec(seed=4)
    assert spec.terrain_key() == spec.replace(time_of_day=2.0, weather="snow", fog=0.9).terrain_key()
    for change in ({"seed": 5}, {"biome": "forest"}, {"relief": 0.6}, {"vegetation": 0.1}, {"water": 0.2},
                   {"structures": 0.4}, {"rocks": 0.9}, {"roughness": 0.1}):
        assert spec.replace(**change).terrain_key() != spec.terrain_key(), change


# ---- presets -----------------------------------------------------------------------------------
def test_there_are_six_clearly_different_presets() -> None:
    assert len(PRESETS) >= 6
    assert {spec.biome for spec in PRESETS.values()} == set(BIOMES)  # one per biome, every biome
    for (name_a, a), (name_b, b) in itertools.combinations(PRESETS.items(), 2):
        differing = [k for k, v in a.to_dict().items() if v != b.to_dict()[k]]
        assert len(differing) >= 3, (name_a, name_b, differing)
        assert a.terrain_key() != b.terrain_key()


def test_preset_lookup() -> None:
    assert preset("coast") is PRESETS["coast"]
    with pytest.raises(KeyError, match=r"unknown preset 'volcano'.*alpine_meadow"):
        preset("volcano")


@pytest.mark.slow
def test_presets_look_different() -> None:
    """Each preset, rendered from its spawn point, has its own mean colour."""
    means = {}
    for name, spec in PRESETS.items():
        world = world_of(spec)
        x, y = world.spawn_point()
        state = initial_state(world, x, y, 0.0, 0)
        frame_view = view(world, Clock(spec.time_of_day, 0.0, 10.0), state)
        frame = world.renderer.render(frame_view.camera, frame_view.env, SMALL)
        assert frame.shape == (SMALL[1], SMALL[0], 3)
        means[name] = frame.reshape(-1, 3).mean(axis=0)
    for (a, mean_a), (b, mean_b) in itertools.combinations(means.items(), 2):
        assert np.linalg.norm(mean_a - mean_b) > 8.0, (a, b, mean_a, mean_b)


# ---- prompts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("prompt, field, expected", [
    ("forest", "biome", "forest"), ("desert canyon", "biome", "desert"), ("arctic", "biome", "tundra"),
    ("beach", "biome", "coast"), ("temple", "biome", "ruins"), ("grassland", "biome", "meadow"),
    ("dawn", "time_of_day", 6.2), ("midnight", "time_of_day", 0.0), ("golden", "time_of_day", 17.8),
    ("noon", "time_of_day", 12.0),
    ("rainy", "weather", "rain"), ("misty", "weather", "fog"), ("blizzard", "weather", "snow"),
    ("cloudy", "weather", "overcast"), ("sunny", "weather", "clear"),
    ("dense", "vegetation", 0.95), ("barren", "vegetation", 0.02), ("treeless", "vegetation", 0.0),
    ("rocky", "rocks", 0.8), ("mountainous", "relief", 0.9), ("flat", "relief", 0.08),
    ("rugged", "roughness", 0.85),
    ("lake", "water", 0.15), ("flooded", "water", 0.5), ("dry", "water", 0.0),
    ("columns", "structures", 0.8),
])
def test_prompt_words_set_fields(prompt: str, field: str, expected: Any) -> None:
    result = from_prompt(prompt)
    assert getattr(result.spec, field) == expected
    assert result.unknown == ()
    assert [word for word, _ in result.understood] == prompt.split()


def test_a_full_prompt() -> None:
    result = from_prompt("Foggy pine forest at DAWN, with a lake!", WorldSpec(seed=99))
    spec = result.spec
    assert (spec.biome, spec.weather, spec.time_of_day, spec.water, spec.seed) == ("forest", "fog", 6.2, 0.15, 99)
    assert [word for word, _ in result.understood] == ["foggy", "pine", "forest", "dawn", "lake"]
    assert ("lake", "water=0.15") in result.understood
    assert result.unknown == ()


def test_a_biome_word_starts_from_that_biomes_preset() -> None:
    assert from_prompt("desert", WorldSpec(seed=3)).spec == PRESETS["desert_canyon"].replace(seed=3)
    # later words adjust the preset, whatever their order relative to the biome word
    assert from_prompt("canyon at night").spec == PRESETS["desert_canyon"].replace(time_of_day=23.0)
    assert from_prompt("night canyon").spec == PRESETS["desert_canyon"].replace(time_of_day=23.0)


def test_unknown_words_are_reported_in_order_never_dropped() -> None:
    result = from_prompt("a purple forest full of dragons and the sea")
    assert result.unknown == ("purple", "full", "dragons")
    assert result.spec.biome == "coast"  # the last biome word wins
    nothing = from_prompt("xyzzy plugh")
    assert nothing.understood == () and nothing.unknown == ("xyzzy", "plugh")
    assert nothing.spec == WorldSpec()


def test_every_vocabulary_word_is_understood() -> None:
    for group, words in VOCABULARY.items():
        for word in words:
            result = from_prompt(word)
            assert result.unknown == (), word
            assert (len(result.understood) == 1) == (group != "ignored"), word


def test_prompt_does_not_depend_on_word_order() -> None:
    assert from_prompt("sunny meadow").spec == from_prompt("meadow sunny").spec


@pytest.mark.parametrize("prompt, word", [("foggy лес", "лес"), ("forêt misty", "forêt"), ("森林 at dawn", "森林")])
def test_non_ascii_words_are_reported_as_typed(prompt: str, word: str) -> None:
    assert word in from_prompt(prompt).unknown


_ASCII_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=9)
_PROMPT_WORDS = st.one_of(st.sampled_from(sorted(KNOWN | STOPWORDS)), _ASCII_WORDS)


@given(st.lists(_PROMPT_WORDS, max_size=12), st.sampled_from([" ", ", ", "  ", "\n", "; ", "-"]))
def test_every_word_is_understood_ignored_or_unknown(words: list[str], separator: str) -> None:
    result = from_prompt(separator.join(words))
    understood = [word for word, _ in result.understood]
    lowered = [w.lower() for w in words]
    assert [w for w in lowered if w in KNOWN] == understood
    assert [w for w in lowered if w not in KNOWN and w not in STOPWORDS] == list(result.unknown)
    assert len(understood) + len(result.unknown) + sum(w in STOPWORDS for w in lowered) == len(words)


@given(st.text(max_size=200), st.integers(0, 2**63 - 1))
def test_from_prompt_never_raises_and_accounts_for_every_token(text: str, seed: int) -> None:
    result = from_prompt(text, WorldSpec(seed=seed))
    assert isinstance(result.spec, WorldSpec) and result.spec.seed == seed
    WorldSpec.from_dict(result.spec.to_dict())  # still valid
    tokens = re.findall(r"[^\W\d_]+", text.lower())  # words of any script
    assert [w for w, _ in result.understood] == [t for t in tokens if t in KNOWN]
    assert list(result.unknown) == [t for t in tokens if t not in KNOWN and t not in STOPWORDS]


def test_prompt_vocabulary_has_no_overlaps() -> None:
    groups = [set(words) for words in VOCABULARY.values()]
    for a, b in itertools.combinations(groups, 2):
        assert not a & b
    assert presets.PromptResult is type(from_prompt(""))
