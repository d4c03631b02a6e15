"""Shared fixtures: a fresh registry, folders, a store and an executor under each test's tmp_path."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

import graph

# Property tests may use the function-scoped fixtures below (the autouse one included).
settings.register_profile(
    "worldgraph", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("worldgraph")


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    """Never touch the user's cache: anything that builds an executor from the environment
    (``graph.create_executor``, the CLI) caches under this test's tmp_path."""
    monkeypatch.setenv("WORLDGRAPH_CACHE_DIR", str(tmp_path / "env-cache"))


@pytest.fixture
def registry() -> graph.NodeRegistry:
    """A fresh registry (built-ins plus installed packs); tests may register more nodes into it."""
    return graph.load_registry()


@pytest.fixture
def paths(tmp_path) -> graph.Paths:
    return graph.Paths.under(tmp_path)


@pytest.fixture
def store(tmp_path, registry) -> graph.ContentStore:
    return graph.ContentStore(graph.MemoryTier(1 << 28), graph.DiskTier(tmp_path / "cache", registry.codecs))


@pytest.fixture
def executor(registry, store, paths) -> graph.Executor:
    return graph.Executor(registry, store, paths)
