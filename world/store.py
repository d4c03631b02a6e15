"""The store protocol world code caches in, and a plain in-memory store for library use.

Nodes hand world functions the graph's content-addressed store; the world layer only relies on
``get``/``put``/``contains`` (and ``tier="memory"`` for values that should stay in memory).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

#: Where the store keeps a value; the same strings as ``graph.store.Tier`` (world code never imports
#: the graph layer): "both" (memory, and disk when it holds arrays), "durable", "memory", "disk".
Tier = Literal["both", "durable", "memory", "disk"]


class Store(Protocol):
    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any, tier: Tier = "both") -> None: ...

    def contains(self, key: str) -> bool: ...


class DictStore:
    """Unbounded in-memory store: for scripts and tests that run world code without the graph."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def get(self, key: str) -> Any | None:
        return self._values.get(key)

    def put(self, key: str, value: Any, tier: Tier = "both") -> None:
        self._values[key] = value

    def contains(self, key: str) -> bool:
        return key in self._values
