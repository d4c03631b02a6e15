"""How graph values cross to cluster workers. A ``ContentStore`` travels as a handle, not as its contents: the
worker opens the same disk folder (shared, on a multi-machine cluster, through a shared path) with a memory tier
of its own, one per worker process, kept warm from task to task."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..codecs import CodecRegistry
from ..store import ContentStore, DiskTier, MemoryTier

_OPENED: dict[tuple[str | None, int, int | None], ContentStore] = {}
_OPENING = threading.Lock()


def store_handle(store: ContentStore) -> tuple[str | None, int, int | None, CodecRegistry | None]:
    disk = store.disk
    return (str(disk.root) if disk is not None else None, store.memory.budget_bytes,
            disk.budget_bytes if disk is not None else None, disk.codecs if disk is not None else None)


def open_handle(handle: tuple[str | None, int, int | None, CodecRegistry | None]) -> ContentStore:
    """The store a handle names, opened once per process."""
    root, memory_budget, disk_budget, codecs = handle
    with _OPENING:
        store = _OPENED.get((root, memory_budget, disk_budget))
        if store is None:
            disk = DiskTier(Path(root), codecs, disk_budget) if root is not None and codecs is not None else None
            store = _OPENED[(root, memory_budget, disk_budget)] = ContentStore(MemoryTier(memory_budget), disk)
        return store


def register_serializers(ray: Any) -> None:
    """Teach this process's ``ray`` how to send a store (called on the head and in each job actor)."""
    ray.util.register_serializer(ContentStore, serializer=store_handle, deserializer=open_handle)
