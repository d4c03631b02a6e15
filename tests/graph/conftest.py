"""Fixtures of the graph tests: a bare registry with stand-ins of the built-in nodes (standins.py).

The graph layer is tested without the ``nodes`` package: nothing here, and nothing the test modules
import at collection, may load ``nodes`` and with it world/, numba or torch (test_isolation.py).
"""

from __future__ import annotations

import pytest
from standins import standin_registry

import graph


@pytest.fixture
def registry() -> graph.NodeRegistry:
    """A fresh bare registry with the stand-ins; tests may register more nodes into it."""
    return standin_registry()
