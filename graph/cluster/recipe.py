"""``ExecutorRecipe``: what a cluster worker needs to build an executor like the head's — the same folders, cache
folder and budgets, node packages and packs — as a small value that travels (the executor itself does not)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..comfy import surface as comfy_surface
from ..executor import Executor
from ..packs import PackOptions, load_packs, load_registry
from ..parallel import ParallelMap
from ..paths import Paths
from ..store import ContentStore, DiskTier, MemoryTier

log = logging.getLogger("worldgraph.cluster")


@dataclass(frozen=True)
class ExecutorRecipe:
    paths: Paths
    memory_bytes: int
    #: the disk tier's folder; None: memory only. On a cluster of several machines it must be a path every
    #: machine shares (or each machine keeps a cache of its own, and outputs land on the machine that ran the job)
    disk_root: Path | None
    disk_bytes: int | None = None
    packs: PackOptions | None = None
    #: False: every node runs every time (``Executor.reuse``)
    reuse: bool = True

    @classmethod
    def of(cls, executor: Executor, packs: PackOptions | None = None) -> ExecutorRecipe:
        disk = executor.store.disk
        return cls(executor.paths, executor.store.memory.budget_bytes, disk.root if disk else None,
                   disk.budget_bytes if disk else None, packs, executor.reuse)

    def build(self, parallel: ParallelMap | None = None) -> Executor:
        registry = load_registry()
        if self.packs is not None:
            load_packs(registry, self.packs)
        disk = DiskTier(self.disk_root, registry.codecs, self.disk_bytes) if self.disk_root is not None else None
        unusable = disk.check() if disk is not None else None
        if unusable is not None:
            log.warning("%s", unusable)
            disk = None
        comfy_surface.configure(self.paths.output.parent, self.paths)
        return Executor(registry, ContentStore(MemoryTier(self.memory_bytes), disk), self.paths, parallel,
                        reuse=self.reuse)
