"""The content store: memory LRU by bytes, safetensors disk tier, and the two together."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save as save_safetensors

from graph import ContentStore, DiskTier, MemoryTier
from graph.codecs import CodecRegistry
from graph.files import TEMP_PREFIX
from graph.store import estimate_bytes


def block(nbytes: int, fill: int = 0) -> np.ndarray:
    return np.full(nbytes, fill, dtype=np.uint8)


@pytest.fixture
def disk(tmp_path: Path) -> DiskTier:
    return DiskTier(tmp_path / "objects", CodecRegistry())


def assert_same(actual: Any, expected: Any) -> None:
    """Equal values of the same types, recursively (arrays: dtype, shape and contents)."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, np.generic):
        assert actual.dtype == expected.dtype
        assert actual == expected or (np.isnan(actual) and np.isnan(expected))
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_same(a, e)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same(actual[key], expected[key])
    else:
        assert actual == expected


# ---- MemoryTier --------------------------------------------------------------------------------
def test_memory_tier_evicts_least_recently_used_within_budget() -> None:
    memory = MemoryTier(3000)
    for key in "abc":
        memory.put(key, block(1000))
    assert len(memory) == 3 and memory.used_bytes == 3000

    memory.put("d", block(1000))  # over budget: "a" is the oldest
    assert memory.get("a") is None and not memory.contains("a")
    assert [k for k in "bcd" if memory.contains(k)] == ["b", "c", "d"]
    assert memory.used_bytes == 3000

    assert memory.get("b") is not None  # "b" is now the most recent; "c" the oldest
    memory.put("e", block(1000))
    assert memory.contains("b") and not memory.contains("c")
    assert [k for k in "bde" if memory.contains(k)] == ["b", "d", "e"]


def test_memory_tier_evicts_as_many_as_needed() -> None:
    memory = MemoryTier(3000)
    for key in "abc":
        memory.put(key, block(1000))
    memory.put("big", block(2500))
    assert [k for k in ("a", "b", "c", "big") if memory.contains(k)] == ["big"]
    assert memory.used_bytes == 2500


def test_memory_tier_does_not_store_oversize_values() -> None:
    memory = MemoryTier(1000)
    memory.put("small", block(400))
    memory.put("huge", block(1001))
    assert memory.get("huge") is None
    assert memory.contains("small") and memory.used_bytes == 400

    memory.put("small", block(5000))  # replacing with an oversize value drops the old one too
    assert memory.get("small") is None
    assert memory.used_bytes == 0 and len(memory) == 0


def test_memory_tier_replacing_a_key_keeps_accounting_right() -> None:
    memory = MemoryTier(10_000)
    memory.put("k", block(1000, 1))
    memory.put("k", block(3000, 2))
    assert len(memory) == 1 and memory.used_bytes == 3000
    assert int(memory.get("k")[0]) == 2
    memory.clear()
    assert len(memory) == 0 and memory.used_bytes == 0 and memory.get("k") is None


def test_memory_tier_returns_the_same_object() -> None:
    memory = MemoryTier(1 << 20)
    value = {"outputs": (block(10),), "ui": None}
    memory.put("k", value)
    assert memory.get("k") is value


def test_estimate_bytes_counts_nested_arrays() -> None:
    assert estimate_bytes(block(1000)) == 1000
    nested = {"outputs": (block(1000), [block(500), np.zeros(10, np.float64)]), "ui": None}
    assert 1000 + 500 + 80 < estimate_bytes(nested) < 1000 + 500 + 80 + 1000


def test_estimate_bytes_counts_torch_tensors() -> None:
    import torch

    assert estimate_bytes(torch.zeros(100, dtype=torch.float32)) == 400


# ---- DiskTier ----------------------------------------------------------------------------------
NESTED = {
    "arrays": [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.arange(6, dtype=np.float64),
        np.array([1, -2, 3], dtype=np.int8),
        np.array([1, 2], dtype=np.uint16),
        np.array([-(2**62), 2**62], dtype=np.int64),
        np.array([2**64 - 1], dtype=np.uint64),
        np.array([0.5, -1.5], dtype=np.float16),
        np.array([True, False, True]),
        np.zeros((0, 3), dtype=np.uint8),
        np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        np.arange(10, dtype=np.int32)[::3],  # not contiguous
    ],
    "plain": [None, True, False, 0, -5, 2**70, 1.5, "", "text ünïcødé ☃"],
    "bytes": [b"", b"\x00\x01\xff"],
    "nested": {"tuple": (1, (2, [3, {"deep": np.ones(2, np.uint8)}])), "empty": {}, "list": []},
}


def test_disk_tier_round_trips_nested_values(disk: DiskTier) -> None:
    assert disk.put("key", NESTED) is True
    assert disk.contains("key")
    assert_same(disk.get("key"), NESTED)


SCALARS = (np.float32(1.25), np.int64(-3), np.bool_(True), np.uint8(200), np.float64("nan"),
           np.array(7, dtype=np.int32))


def test_disk_tier_round_trips_numpy_scalars_and_0d_arrays(disk: DiskTier) -> None:
    assert disk.put("scalars", SCALARS)
    assert_same(disk.get("scalars"), SCALARS)


def test_disk_tier_round_trips_with_a_fresh_instance(tmp_path: Path, disk: DiskTier) -> None:
    disk.put("key", (np.arange(3), "x"))
    again = DiskTier(tmp_path / "objects", CodecRegistry())
    assert_same(again.get("key"), (np.arange(3), "x"))


def test_disk_tier_round_trips_torch_tensors(disk: DiskTier) -> None:
    import torch

    value = {
        "float": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "int": torch.tensor([1, 2, 3], dtype=torch.int64),
        "half": torch.tensor([0.5], dtype=torch.float16),
        "grad": torch.ones(2, requires_grad=True),
        "with_array": [torch.zeros(1), np.zeros(1)],
    }
    assert disk.put("tensors", value)
    back = disk.get("tensors")
    for name in ("float", "int", "half", "grad"):
        assert isinstance(back[name], torch.Tensor)
        assert back[name].dtype == value[name].dtype
        assert torch.equal(back[name], value[name].detach())
    assert isinstance(back["with_array"][0], torch.Tensor)
    assert isinstance(back["with_array"][1], np.ndarray)


def test_disk_tier_bfloat16_tensor_is_not_written(disk: DiskTier) -> None:
    import torch

    assert disk.put("bf16", torch.zeros(2, dtype=torch.bfloat16)) is False
    assert not disk.contains("bf16")


def test_disk_tier_requires_arrays_unless_told_otherwise(disk: DiskTier) -> None:
    plain = {"outputs": (1, "two"), "ui": {"text": ["x"]}}
    assert disk.put("plain", plain) is False
    assert not disk.contains("plain") and disk.get("plain") is None
    assert not disk.root.exists() or not any(disk.root.rglob("*"))

    assert disk.put("plain", plain, require_arrays=False) is True
    assert_same(disk.get("plain"), plain)

    assert disk.put("array", {"outputs": (np.zeros(1),)}) is True
    assert disk.contains("array")


def test_disk_tier_files_are_named_by_key_hash(disk: DiskTier) -> None:
    disk.put("a", np.zeros(1))
    path = disk.path_for("a")
    assert path.is_file() and path.suffix == ".safetensors"
    assert path.parent.parent == disk.root and path.name.startswith(path.parent.name)
    assert disk.path_for("b") != path


@pytest.mark.parametrize("cut", ["empty", 4, 8, 30, "half", "minus_one"])
def test_truncated_cache_file_is_a_miss_and_deleted(disk: DiskTier, cut: Any) -> None:
    disk.put("key", {"a": np.arange(100.0), "b": "text"})
    path = disk.path_for("key")
    data = path.read_bytes()
    keep = {"empty": 0, "half": len(data) // 2, "minus_one": len(data) - 1}.get(cut, cut)
    path.write_bytes(data[:keep])

    assert disk.get("key") is None
    assert not path.exists()
    assert not disk.contains("key")


def test_garbage_cache_file_is_a_miss_and_deleted(disk: DiskTier) -> None:
    disk.put("key", np.arange(4))
    path = disk.path_for("key")
    path.write_bytes(b"this is not a safetensors file at all" * 10)
    assert disk.get("key") is None
    assert not path.exists()
    # and it can be written again
    disk.put("key", np.arange(4))
    assert_same(disk.get("key"), np.arange(4))


def test_cache_file_with_bad_array_reference_is_a_miss_and_deleted(disk: DiskTier) -> None:
    path = disk.path_for("key")
    path.parent.mkdir(parents=True)
    path.write_bytes(save_safetensors({"0": np.arange(3)},
                                      metadata={"worldgraph.key": "key", "worldgraph.tree": '{"a": "7"}'}))
    assert disk.get("key") is None
    assert not path.exists()


@pytest.mark.parametrize("tree", ["null", "[]"])
def test_cache_file_with_malformed_tree_is_a_miss_and_deleted(disk: DiskTier, tree: str) -> None:
    path = disk.path_for("key")
    path.parent.mkdir(parents=True)
    path.write_bytes(save_safetensors({"0": np.arange(3)},
                                      metadata={"worldgraph.key": "key", "worldgraph.tree": tree}))
    assert disk.get("key") is None
    assert not path.exists()


def test_file_of_another_key_is_a_miss(disk: DiskTier) -> None:
    disk.put("first", np.arange(5))
    other = disk.path_for("second")
    other.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(disk.path_for("first"), other)  # as if "second" hashed to the same file

    assert disk.contains("second")  # a file is there...
    assert disk.get("second") is None  # ...but it holds another key's value
    assert_same(disk.get("first"), np.arange(5))


def test_get_refreshes_recency(disk: DiskTier) -> None:
    disk.put("k", np.arange(3))
    path = disk.path_for("k")
    old = time.time() - 10_000
    os.utime(path, (old, old))
    disk.get("k")
    assert path.stat().st_mtime > old + 5000


def _set_mtime(path: Path, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def test_prune_deletes_stale_temp_files_only(disk: DiskTier) -> None:
    disk.put("k", np.arange(3))
    folder = disk.path_for("k").parent
    stale = folder / f"{TEMP_PREFIX}stale"
    fresh = folder / f"{TEMP_PREFIX}fresh"
    stale.write_bytes(b"x" * 10)
    fresh.write_bytes(b"x" * 10)
    _set_mtime(stale, DiskTier.STALE_TEMP_SECONDS + 60)
    _set_mtime(disk.path_for("k"), DiskTier.STALE_TEMP_SECONDS + 60)  # old entries are not temp files

    assert disk.prune() == 0  # no budget: nothing but stale temp files goes
    assert not stale.exists()
    assert fresh.exists()
    assert disk.path_for("k").exists()


def test_prune_enforces_budget_oldest_first(tmp_path: Path) -> None:
    codecs = CodecRegistry()
    writer = DiskTier(tmp_path / "objects", codecs)
    for index, key in enumerate(["oldest", "old", "new", "newest"]):
        writer.put(key, block(1000, index))
        _set_mtime(writer.path_for(key), 1000 - index * 100)
    size = writer.path_for("oldest").stat().st_size
    temp = writer.path_for("oldest").parent / f"{TEMP_PREFIX}in-progress"
    temp.write_bytes(b"x" * 5000)  # a fresh temp file: neither counted nor deleted

    pruned = DiskTier(tmp_path / "objects", codecs, budget_bytes=2 * size + 10)
    assert pruned.prune() == 2

    assert [k for k in ["oldest", "old", "new", "newest"] if pruned.contains(k)] == ["new", "newest"]
    assert temp.exists()
    assert pruned.prune() == 0


def test_prune_keeps_recently_read_entries(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path / "objects", CodecRegistry())
    for index, key in enumerate(["a", "b", "c"]):
        tier.put(key, block(1000))
        _set_mtime(tier.path_for(key), 1000 - index * 100)
    tier.get("a")  # "a" becomes the most recently used
    size = tier.path_for("a").stat().st_size

    budgeted = DiskTier(tmp_path / "objects", CodecRegistry(), budget_bytes=2 * size)
    assert budgeted.prune() == 1
    assert [k for k in "abc" if budgeted.contains(k)] == ["a", "c"]


def test_put_prunes_periodically_when_budgeted(tmp_path: Path) -> None:
    probe = DiskTier(tmp_path / "probe", CodecRegistry())
    probe.put("x", block(1000))
    size = probe.path_for("x").stat().st_size

    tier = DiskTier(tmp_path / "objects", CodecRegistry(), budget_bytes=3 * size)
    for index in range(32):
        tier.put(f"k{index}", block(1000, index))
    files = list(tier.root.glob("*/*.safetensors"))
    assert len(files) <= 3
    assert sum(f.stat().st_size for f in files) <= 3 * size


def test_missing_root_is_fine(tmp_path: Path) -> None:
    tier = DiskTier(tmp_path / "never-created", CodecRegistry(), budget_bytes=10)
    assert tier.get("k") is None and not tier.contains("k")
    assert tier.prune() == 0


# ---- DiskTier faults: real ones a test can make even as root (a file where a folder should be) -----
def blocked(tmp_path: Path) -> Path:
    """A cache folder that cannot exist: one of its parents is a regular file."""
    (tmp_path / "not-a-folder").write_text("a file")
    return tmp_path / "not-a-folder" / "objects"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "graph.store" and r.levelname == "WARNING"]


def test_unwritable_folder_is_a_miss_and_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tier = DiskTier(blocked(tmp_path), CodecRegistry(), budget_bytes=10)
    for index in range(40):  # past the periodic prune too
        assert tier.put(f"k{index}", np.arange(3)) is False
        assert tier.get(f"k{index}") is None and not tier.contains(f"k{index}")
    assert tier.prune() == 0

    [warning] = warnings_of(caplog)
    assert f"disk cache {tier.root}: cannot write (Not a directory: " in warning
    assert "values stay in memory only" in warning


def test_each_kind_of_failure_is_warned_once(disk: DiskTier, caplog: pytest.LogCaptureFixture) -> None:
    for key in ("a", "b"):
        disk.path_for(key).mkdir(parents=True)  # a folder where the file should be: EISDIR
        assert disk.get(key) is None  # reading it fails...
        assert disk.put(key, np.arange(3)) is False  # ...and so does renaming a file onto it

    read, write = warnings_of(caplog)
    assert "cannot read (Is a directory: " in read and "count as cache misses" in read
    assert "cannot write (Is a directory: " in write
    assert disk.put("c", np.arange(3)) and disk.get("c") is not None  # the rest of the folder still works


def test_prune_carries_on_past_an_entry_it_cannot_delete(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = DiskTier(tmp_path / "objects", CodecRegistry())
    stuck = writer.path_for("stuck")
    stuck.mkdir(parents=True)  # unlink() of a folder fails
    (stuck / "inside").write_bytes(b"x" * 4000)
    _set_mtime(stuck, 5000)
    for index, key in enumerate(["old", "new"]):
        writer.put(key, block(1000, index))
        _set_mtime(writer.path_for(key), 1000 - index * 100)

    budget = stuck.stat().st_size + writer.path_for("new").stat().st_size  # room for what cannot go, and one
    pruned = DiskTier(tmp_path / "objects", CodecRegistry(), budget_bytes=budget)
    assert pruned.prune() == 1
    assert stuck.is_dir() and not pruned.contains("old") and pruned.contains("new")
    [warning] = warnings_of(caplog)
    assert "cannot delete (Is a directory: " in warning


def test_check_says_why_the_folder_is_unusable(tmp_path: Path) -> None:
    usable = DiskTier(tmp_path / "fresh" / "objects", CodecRegistry())
    assert usable.check() is None
    assert usable.root.is_dir() and list(usable.root.iterdir()) == []  # made, and the probe file removed

    under_a_file = DiskTier(blocked(tmp_path), CodecRegistry())
    assert under_a_file.check() == (f"cache folder {under_a_file.root} is not writable (Not a directory: "
                                    f"{under_a_file.root}): running with the memory cache only")
    a_file = DiskTier(tmp_path / "not-a-folder", CodecRegistry())
    assert f"is not writable (not a folder: {a_file.root})" in (a_file.check() or "")


def test_check_is_the_warning_for_writes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tier = DiskTier(blocked(tmp_path), CodecRegistry())
    assert tier.check() is not None
    assert tier.put("k", np.arange(3)) is False
    assert warnings_of(caplog) == []  # the caller of check() gave it


# ---- ContentStore ------------------------------------------------------------------------------
def test_content_store_memory_then_disk(tmp_path: Path) -> None:
    codecs = CodecRegistry()
    disk = DiskTier(tmp_path / "objects", codecs)
    store = ContentStore(MemoryTier(1 << 20), disk)
    value = {"outputs": (np.arange(4),), "ui": None}

    assert store.get("k") is None and not store.contains("k")
    store.put("k", value)
    assert store.get("k") is value  # from memory: the very object
    assert store.memory.contains("k") and disk.contains("k")
    assert store.contains("k")

    restarted = ContentStore(MemoryTier(1 << 20), DiskTier(tmp_path / "objects", codecs))
    assert restarted.contains("k")  # on disk only
    assert not restarted.memory.contains("k")
    back = restarted.get("k")
    assert_same(back, value)
    assert restarted.memory.contains("k")  # promoted to memory
    assert restarted.get("k") is back


def test_content_store_tiers(tmp_path: Path) -> None:
    disk = DiskTier(tmp_path / "objects", CodecRegistry())
    store = ContentStore(MemoryTier(1 << 20), disk)

    store.put("scalar", (1, 2))  # "both": scalars stay in memory
    assert store.get("scalar") == (1, 2) and not disk.contains("scalar")

    store.put("forced", (1, 2), tier="durable")
    assert disk.contains("forced") and store.memory.contains("forced")

    store.put("transient", (np.zeros(2),), tier="memory")
    assert store.contains("transient") and not disk.contains("transient")

    store.put("large", (np.zeros(2),), tier="disk")
    assert disk.contains("large") and not store.memory.contains("large")
    store.put("large scalars", (1, 2), tier="disk")
    assert disk.contains("large scalars") and not store.memory.contains("large scalars")


def test_content_store_keeps_what_the_disk_refused_in_memory(tmp_path: Path) -> None:
    store = ContentStore(MemoryTier(1 << 20), DiskTier(blocked(tmp_path), CodecRegistry()))
    for tier in ("both", "durable", "disk"):
        store.put(tier, (np.arange(2),), tier=tier)  # type: ignore[arg-type]
        assert_same(store.get(tier), (np.arange(2),))


def test_content_store_without_disk_keeps_every_tier_in_memory() -> None:
    store = ContentStore(MemoryTier(1 << 20))
    for tier in ("both", "durable", "memory", "disk"):
        store.put(tier, (1,), tier=tier)  # type: ignore[arg-type]
        assert store.get(tier) == (1,)


def test_content_store_without_disk() -> None:
    store = ContentStore(MemoryTier(1 << 20))
    assert store.get("k") is None and not store.contains("k")
    store.put("k", np.arange(2))
    assert store.contains("k")
    assert_same(store.get("k"), np.arange(2))


def test_content_store_falls_back_to_disk_after_memory_eviction(tmp_path: Path) -> None:
    disk = DiskTier(tmp_path / "objects", CodecRegistry())
    store = ContentStore(MemoryTier(1500), disk)
    store.put("a", block(1000, 1))
    store.put("b", block(1000, 2))  # evicts "a" from memory
    assert not store.memory.contains("a")
    assert int(store.get("a")[0]) == 1


@pytest.mark.parametrize("array", [np.zeros(2, np.complex128), np.array(["a", "bc"]),
                                   np.zeros(2, "datetime64[s]")], ids=["complex128", "str", "datetime64"])
def test_unstorable_dtype_is_kept_in_memory_only(tmp_path: Path, array: np.ndarray) -> None:
    disk = DiskTier(tmp_path / "objects", CodecRegistry())
    assert disk.put("k", array) is False
    store = ContentStore(MemoryTier(1 << 20), disk)
    store.put("k", (array,))
    assert store.get("k")[0] is array
