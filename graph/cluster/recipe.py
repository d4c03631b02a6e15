"""``ExecutorRecipe``: what a cluster worker needs to build an executor like the head's — the same folders, cache
folder and budgets, node packages and packs — as a small value that travels (the executor itself does not)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..executor import Executor
from ..packs import PackOptions, load_packs, load_registry
from ..parallel import ParallelMap
from ..paths import Paths
from ..store import open_content_store


@dataclass(frozen=True)
class ExecutorRecipe:
    paths: Paths
    memory_bytes: int
    #: the cache folder (its ``objects/`` is the disk tier); None: memory only. On a cluster of several machines
    #: it must be a path every machine shares, or each keeps its own cache
    cache_dir: Path | None
    disk_bytes: int | None = None
    packs: PackOptions | None = None

    @classmethod
    def of(cls, executor: Executor, packs: PackOptions | None = None) -> ExecutorRecipe:
        disk = executor.store.disk
        return cls(executor.paths, executor.store.memory.budget_bytes, disk.root.parent if disk else None,
                   disk.budget_bytes if disk else None, packs)

    def build(self, parallel: ParallelMap | None = None) -> Executor:
        registry = load_registry()
        if self.packs is not None:
            load_packs(registry, self.packs)
        store = open_content_store(self.cache_dir, registry.codecs, self.memory_bytes, self.disk_bytes)
        return Executor(registry, store, self.paths, parallel)
