"""Fixtures of the server tests: a registry with test nodes and an app factory over tmp_path.

Apps are always built over the test's tmp_path (``Config(root=tmp_path)``, an executor over
``Paths.under(tmp_path)`` and a store under it), so nothing touches the user's folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from serverkit import TEST_NODES

import graph
import server


@pytest.fixture
def registry() -> graph.NodeRegistry:
    """A fresh registry: built-ins, installed packs and this folder's test nodes."""
    registry = graph.load_registry()
    registry.register_all(TEST_NODES, source="tests")
    return registry


@pytest.fixture
def make_app(tmp_path: Path, registry: graph.NodeRegistry) -> Callable[..., Any]:
    """``make_app(root=None, registry=None, reports=None, **config)``: an app over ``root`` (default
    tmp_path) reporting the custom node packs ``reports``."""

    def make(root: Path | None = None, registry_: graph.NodeRegistry | None = None,
             reports: graph.PackReports | None = None, **config: Any) -> Any:
        base = root or tmp_path
        nodes = registry_ or registry
        store = graph.ContentStore(graph.MemoryTier(1 << 26), graph.DiskTier(base / "cache", nodes.codecs))
        executor = graph.Executor(nodes, store, graph.Paths.under(base))
        return server.create_app(server.Config(root=base, **config), executor, reports)

    return make
