"""The one content-addressed store: a byte-budgeted memory LRU over a safetensors disk tier.

Node outputs and time segments share it. Other layers see only a tiny protocol of their own
(``get``/``put``/``contains``: ``world.store.Store``, ``media.segments.SegmentStore``), so a world
or media library can reuse a cached segment without knowing who cached it. ``put`` takes a
``Tier`` as a plain string, so ``world/`` and ``media/`` (which never import this package) pass the
same values through their own copies of the protocol.
"""

from __future__ import annotations

import hashlib
import re
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

from .codecs import CodecRegistry, NotEncodable
from .files import TEMP_PREFIX, atomic_write_bytes

log = logging.getLogger(__name__)

_TREE_KEY = "worldgraph.tree"
_KEY_KEY = "worldgraph.key"


#: Where ``ContentStore.put`` keeps a value:
#: ``"both"``: in memory, and on disk when it holds an array (a value of plain scalars is cheaper to
#: recompute than to write and read back, so it stays in memory only);
#: ``"durable"``: in memory and on disk whatever it holds (an output node's result: a re-run after a
#: restart must not write the same files again);
#: ``"memory"``: in memory only (values that need not, or cannot, outlive the process);
#: ``"disk"``: on disk only, whatever it holds (large values read rarely: memory stays flat).
#: Without a disk tier every value is kept in memory, and so is a ``"disk"`` value the disk tier could not
#: take (the codecs cannot encode it, or the folder refused the write).
Tier = Literal["both", "durable", "memory", "disk"]
_IN_MEMORY: frozenset[Tier] = frozenset({"both", "durable", "memory"})
_ON_DISK: frozenset[Tier] = frozenset({"both", "durable", "disk"})


def estimate_bytes(value: Any, _depth: int = 0) -> int:
    """Roughly how much memory ``value`` holds; arrays and tensors dominate."""
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return value.element_size() * value.nelement()
    if _depth < 6 and isinstance(value, (list, tuple, set, frozenset)):
        return 64 + sum(estimate_bytes(item, _depth + 1) for item in value)
    if _depth < 6 and isinstance(value, dict):
        return 64 + sum(estimate_bytes(k, _depth + 1) + estimate_bytes(v, _depth + 1) for k, v in value.items())
    if _depth < 6 and hasattr(value, "__dict__"):
        return 64 + estimate_bytes(vars(value), _depth + 1)
    return sys.getsizeof(value)


class MemoryTier:
    """Least-recently-used values within a byte budget. Thread-safe."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used_bytes(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def contains(self, key: str) -> bool:
        return key in self._items

    def put(self, key: str, value: Any) -> None:
        size = estimate_bytes(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= old[1]
            if size > self.budget_bytes:
                return
            self._items[key] = (value, size)
            self._used += size
            while self._used > self.budget_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self._used -= evicted

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0


class DiskTier:
    """Values with arrays, as safetensors files named by a hash of their key; survives restarts.

    The disk is a cache, never a reason for a run to fail: a read or write the file system refuses
    (a folder that cannot be written, a full disk) is a miss, and a warning says so once per kind of
    failure (what was tried and the error number), not once per value.
    """

    STALE_TEMP_SECONDS = 3600

    def __init__(self, root: str | os.PathLike[str], codecs: CodecRegistry,
                 budget_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.codecs = codecs
        self.budget_bytes = budget_bytes
        self._puts_since_prune = 0
        self._failures: set[tuple[str, int | None]] = set()

    def check(self) -> str | None:
        """None when a file can be written in the folder (created if need be); otherwise the warning to give."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
            try:
                os.write(fd, b"probe")  # a full disk may still let an empty file be made
            finally:
                os.close(fd)
                os.unlink(probe)
        except OSError as error:
            self._failures.add(("write", error.errno))  # the caller gives this warning, not the first put
            return f"cache folder {self.root} is not writable ({_reason(error)}): running with the memory cache only"
        return None

    def path_for(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / digest[:2] / f"{digest}.safetensors"

    def contains(self, key: str) -> bool:
        try:
            return self.path_for(key).is_file()
        except OSError as error:
            self._failed("read", error)
            return False

    def get(self, key: str) -> Any | None:
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # not there (a file in the way is the writes' to tell)
            return None
        except OSError as error:
            self._failed("read", error)
            return None
        try:
            arrays, metadata = _load_with_metadata(data)
            if metadata.get(_KEY_KEY) != key:
                return None
            value = self.codecs.decode(arrays, json.loads(metadata[_TREE_KEY]))
        except (SafetensorError, KeyError, ValueError, TypeError, AttributeError, NotEncodable, OSError) as error:
            log.warning("dropping unreadable cache file %s: %s", path, error)
            self._remove(path)
            return None
        try:
            os.utime(path)
        except OSError as error:
            self._failed("write", error)
        return value

    def put(self, key: str, value: Any, require_arrays: bool = True) -> bool:
        """Write ``value`` if every part is encodable and (unless not required) it holds an array.

        Values of plain scalars are cheaper to recompute than to write, so they stay in memory. False when
        nothing was written (also when the file system refused the write).
        """
        try:
            arrays, tree = self.codecs.encode(value)
        except NotEncodable as reason:
            log.debug("not caching %s on disk: %s", key, reason)
            return False
        if require_arrays and not arrays:
            return False
        metadata = {_TREE_KEY: json.dumps(tree), _KEY_KEY: key}
        try:
            data = save_safetensors(arrays, metadata=metadata)
        except (SafetensorError, ValueError, TypeError) as reason:  # e.g. a dtype safetensors lacks
            log.debug("not caching %s on disk: %s", key, reason)
            return False
        try:
            atomic_write_bytes(self.path_for(key), data)
        except OSError as error:
            self._failed("write", error)
            return False
        self._puts_since_prune += 1
        if self.budget_bytes is not None and self._puts_since_prune >= 32:
            self.prune()
        return True

    def prune(self) -> int:
        """Delete stale temporary files and, over budget, the least recently used entries."""
        self._puts_since_prune = 0
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for path in self.root.glob("*/*"):  # nothing when the folder is missing or not a folder
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            except OSError as error:
                self._failed("read", error)
                continue
            if path.name.startswith(TEMP_PREFIX):
                if now - stat.st_mtime > self.STALE_TEMP_SECONDS:
                    self._remove(path)
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        if self.budget_bytes is None:
            return removed
        for _, size, path in sorted(entries):
            if total <= self.budget_bytes:
                break
            if self._remove(path):
                total -= size
                removed += 1
        return removed

    def _remove(self, path: Path) -> bool:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            self._failed("delete", error)
            return False
        return True

    def _failed(self, action: str, error: OSError) -> None:
        """The file system refused to ``action`` ("read", "write", "delete") a cache file: warn once per kind."""
        kind = (action, error.errno)
        if kind in self._failures:
            log.debug("disk cache %s: cannot %s (%s)", self.root, action, _reason(error))
            return
        self._failures.add(kind)
        log.warning("disk cache %s: cannot %s (%s): %s (warned once for this kind of failure)", self.root,
                    action, _reason(error), _CONSEQUENCES[action])


_CONSEQUENCES = {"read": "its files count as cache misses", "write": "values stay in memory only",
                 "delete": "old entries stay on disk"}


def _reason(error: OSError) -> str:
    """What the system said, and about which path: ``"Not a directory: /x/objects"``."""
    if isinstance(error, FileExistsError):  # from making a folder where a file is
        return f"not a folder: {error.filename}"
    if error.strerror and error.filename:
        return f"{error.strerror}: {error.filename}"
    return str(error) or type(error).__name__


def _load_with_metadata(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    header_size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_size])
    return load_safetensors(data), header.get("__metadata__") or {}


class ContentStore:
    """Memory first, then disk; ``put`` keeps a value in the tiers its ``Tier`` names."""

    def __init__(self, memory: MemoryTier, disk: DiskTier | None = None) -> None:
        self.memory = memory
        self.disk = disk

    def get(self, key: str) -> Any | None:
        value = self.memory.get(key)
        if value is None and self.disk is not None:
            value = self.disk.get(key)
            if value is not None:
                self.memory.put(key, value)
        return value

    def put(self, key: str, value: Any, tier: Tier = "both") -> None:
        """Keep ``value`` where ``tier`` says (see ``Tier``); the default keeps it in memory and
        persists it when it holds arrays."""
        on_disk = tier in _ON_DISK and self.disk is not None and self.disk.put(key, value,
                                                                                require_arrays=tier == "both")
        if tier in _IN_MEMORY or not on_disk:
            self.memory.put(key, value)

    def contains(self, key: str) -> bool:
        return self.memory.contains(key) or (self.disk is not None and self.disk.contains(key))


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(text: str) -> int:
    """``"512MiB"`` -> 536870912; plain numbers are bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"{text!r} is not a size like 512MiB, 2GiB or 1000000")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def open_content_store(cache_dir: Path | None, codecs: CodecRegistry, memory_bytes: int | None = None,
                       disk_bytes: int | None = None) -> ContentStore:
    """Memory tier, plus a disk tier unless ``cache_dir`` is None or cannot be written (a warning says so)."""
    memory = MemoryTier(memory_bytes or parse_size(os.environ.get("WORLDGRAPH_CACHE_MEMORY", "2GiB")))
    if cache_dir is None:
        return ContentStore(memory)
    budget = disk_bytes or parse_size(os.environ.get("WORLDGRAPH_CACHE_DISK", "20GiB"))
    disk = DiskTier(Path(cache_dir) / "objects", codecs, budget)
    unusable = disk.check()
    if unusable is not None:
        log.warning("%s", unusable)
        return ContentStore(memory)
    disk.prune()
    return ContentStore(memory, disk)
