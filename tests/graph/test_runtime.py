"""Building the store from arguments: a cache folder that cannot be written is warned about, not fatal."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from graph import NodeRegistry
from graph.files import TEMP_PREFIX
from graph.runtime import open_store


def test_an_unwritable_cache_folder_gives_a_memory_only_store_and_a_warning(
        tmp_path: Path, registry: NodeRegistry, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, "graph.runtime"):
        store = open_store(tmp_path / "cache", registry)

    assert store.disk is None
    store.put("k", (1,), tier="durable")
    assert store.get("k") == (1,)
    assert [r.getMessage() for r in caplog.records] == [
        f"cache folder {tmp_path / 'cache' / 'objects'} is not writable (Not a directory: "
        f"{tmp_path / 'cache' / 'objects'}): running with the memory cache only"]


def test_a_usable_cache_folder_is_pruned_at_start(tmp_path: Path, registry: NodeRegistry,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    stale = tmp_path / "cache" / "objects" / "ab" / f"{TEMP_PREFIX}left-by-a-crash"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))

    store = open_store(tmp_path / "cache", registry)

    assert store.disk is not None and store.disk.root == tmp_path / "cache" / "objects"
    assert not stale.exists()
    assert caplog.records == []
