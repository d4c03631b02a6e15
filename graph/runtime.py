"""Building a ready executor: folders, cache budgets and the store, from arguments or environment.

Environment: ``WORLDGRAPH_CACHE_DIR`` (default ``$XDG_CACHE_HOME/worldgraph`` or
``~/.cache/worldgraph``), ``WORLDGRAPH_CACHE_MEMORY`` (default ``2GiB``) and
``WORLDGRAPH_CACHE_DISK`` (default ``20GiB``).
"""

from __future__ import annotations

import os
from pathlib import Path

from .comfy import surface as comfy_surface
from .executor import Executor
from .packs.plugins import load_registry
from .paths import Paths
from .registry import NodeRegistry
from .store import ContentStore, open_content_store, parse_size

__all__ = ["create_executor", "default_cache_dir", "open_store", "parse_size"]


def default_cache_dir() -> Path:
    if os.environ.get("WORLDGRAPH_CACHE_DIR"):
        return Path(os.environ["WORLDGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "worldgraph"


def open_store(cache_dir: Path | None, registry: NodeRegistry, memory_bytes: int | None = None,
               disk_bytes: int | None = None) -> ContentStore:
    """Memory tier, plus a disk tier unless ``cache_dir`` is None or cannot be written (a warning says so)."""
    return open_content_store(cache_dir, registry.codecs, memory_bytes, disk_bytes)


def create_executor(root: str | os.PathLike[str] = ".", *, registry: NodeRegistry | None = None,
                    output_dir: str | os.PathLike[str] | None = None,
                    input_dir: str | os.PathLike[str] | None = None,
                    cache_dir: str | os.PathLike[str] | None = None, disk_cache: bool = True,
                    memory_bytes: int | None = None, cluster: str | None = None,
                    cluster_cpus: int | None = None, reuse: bool = True) -> Executor:
    """An executor over ``root/output``, ``root/input``, ``root/temp`` and the shared disk cache.

    ``cluster`` (``local``, ``auto`` or a Ray address, ``docs/cluster.md``): the run stays in this process, and
    what nodes do in parallel (video segments) runs as tasks on that cluster; ``cluster_cpus`` sizes a ``local``
    one. ``reuse`` False runs every node every time (nothing is taken from the cache or kept in it). Raises
    ``graph.cluster.ClusterUnavailable`` when it cannot be joined."""
    registry = registry or load_registry()
    base = Paths.under(root, cache_dir or default_cache_dir())
    paths = Paths(
        output=Path(output_dir).absolute() if output_dir else base.output,
        input=Path(input_dir).absolute() if input_dir else base.input,
        temp=base.temp,
        cache=base.cache,
    )
    store = open_store(paths.cache if disk_cache else None, registry, memory_bytes)
    comfy_surface.configure(Path(root).absolute(), paths)  # what packs' folder_paths answers
    if cluster is None:
        return Executor(registry, store, paths, reuse=reuse)
    from .cluster import RayMap, connect

    connect(cluster, cluster_cpus)
    return Executor(registry, store, paths, RayMap(), reuse=reuse)
