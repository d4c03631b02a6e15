"""One local Ray cluster per test module: 2 CPUs, so two 1-CPU task workers run at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("ray")

from graph.cluster import connect, disconnect

CPUS = 2


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A Ray cluster on this machine (127.0.0.1, no dashboard), stopped when the module's tests end."""
    ray = connect("local", num_cpus=CPUS)
    yield ray
    disconnect()
