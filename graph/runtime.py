"""Building a ready executor: folders, cache budgets and the store, from arguments or environment.

Environment: ``WORLDGRAPH_CACHE_DIR`` (default ``$XDG_CACHE_HOME/worldgraph`` or
``~/.cache/worldgraph``), ``WORLDGRAPH_CACHE_MEMORY`` (default ``2GiB``) and
``WORLDGRAPH_CACHE_DISK`` (default ``20GiB``).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from .executor import Executor
from .packs.plugins import load_registry
from .paths import Paths
from .registry import NodeRegistry
from .store import ContentStore, DiskTier, MemoryTier

log = logging.getLogger(__name__)

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(text: str) -> int:
    """``"512MiB"`` -> 536870912; plain numbers are bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"{text!r} is not a size like 512MiB, 2GiB or 1000000")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def default_cache_dir() -> Path:
    if os.environ.get("WORLDGRAPH_CACHE_DIR"):
        return Path(os.environ["WORLDGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "worldgraph"


def open_store(cache_dir: Path | None, registry: NodeRegistry, memory_bytes: int | None = None,
               disk_bytes: int | None = None) -> ContentStore:
    """Memory tier, plus a disk tier unless ``cache_dir`` is None or cannot be written (a warning says so)."""
    memory = MemoryTier(memory_bytes or parse_size(os.environ.get("WORLDGRAPH_CACHE_MEMORY", "2GiB")))
    if cache_dir is None:
        return ContentStore(memory)
    budget = disk_bytes or parse_size(os.environ.get("WORLDGRAPH_CACHE_DISK", "20GiB"))
    disk = DiskTier(Path(cache_dir) / "objects", registry.codecs, budget)
    unusable = disk.check()
    if unusable is not None:
        log.warning("%s", unusable)
        return ContentStore(memory)
    disk.prune()
    return ContentStore(memory, disk)


def create_executor(root: str | os.PathLike[str] = ".", *, registry: NodeRegistry | None = None,
                    output_dir: str | os.PathLike[str] | None = None,
                    input_dir: str | os.PathLike[str] | None = None,
                    cache_dir: str | os.PathLike[str] | None = None, disk_cache: bool = True,
                    memory_bytes: int | None = None) -> Executor:
    """An executor over ``root/output``, ``root/input``, ``root/temp`` and the shared disk cache."""
    registry = registry or load_registry()
    base = Paths.under(root, cache_dir or default_cache_dir())
    paths = Paths(
        output=Path(output_dir).absolute() if output_dir else base.output,
        input=Path(input_dir).absolute() if input_dir else base.input,
        temp=base.temp,
        cache=base.cache,
    )
    store = open_store(paths.cache if disk_cache else None, registry, memory_bytes)
    return Executor(registry, store, paths)
