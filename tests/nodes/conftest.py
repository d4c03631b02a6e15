"""Fixtures for node tests that need a world: one meadow per module, preloaded into the executor."""

from __future__ import annotations

import pytest

from graph import Executor
from world.presets import PRESETS
from world.store import DictStore
from world.world import GENERATOR_VERSION, World, load_world


@pytest.fixture(scope="module")
def meadow() -> World:
    """The alpine meadow (LoadWorld's default preset at seed 0), generated once for this module."""
    return load_world(PRESETS["alpine_meadow"], DictStore())


@pytest.fixture
def warm(executor: Executor, meadow: World) -> Executor:
    """The executor, its store already holding the built meadow (so no test pays for generating it)."""
    executor.store.put(f"world/{GENERATOR_VERSION}/{meadow.spec.terrain_key()}/built", meadow, tier="memory")
    return executor
