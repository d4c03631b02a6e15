"""Shared fixtures: a fresh registry, folders, a store and an executor under each test's tmp_path; a memory cap
and huge-but-small PNG files for the frame budget's tests."""

from __future__ import annotations

import resource
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import graph

# Property tests may use the function-scoped fixtures below (the autouse one included).
settings.register_profile(
    "worldgraph", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("worldgraph")


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    """Never touch the user's cache: anything that builds an executor from the environment
    (``graph.create_executor``, the CLI) caches under this test's tmp_path."""
    monkeypatch.setenv("WORLDGRAPH_CACHE_DIR", str(tmp_path / "env-cache"))


@pytest.fixture
def registry() -> graph.NodeRegistry:
    """A fresh registry (built-ins plus installed packs); tests may register more nodes into it."""
    return graph.load_registry()


@pytest.fixture
def paths(tmp_path) -> graph.Paths:
    return graph.Paths.under(tmp_path)


@pytest.fixture
def store(tmp_path, registry) -> graph.ContentStore:
    return graph.ContentStore(graph.MemoryTier(1 << 28), graph.DiskTier(tmp_path / "cache", registry.codecs))


@pytest.fixture
def executor(registry, store, paths) -> graph.Executor:
    return graph.Executor(registry, store, paths)


@pytest.fixture
def capped_memory() -> Callable[[], AbstractContextManager[None]]:
    """``with capped_memory():`` the process may map only 512 MiB more than it has, so frames a budget should have
    refused fail at once with MemoryError instead of taking the machine's memory (the cap is lifted as the
    error leaves the block, so pytest can report it)."""
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("needs Linux's /proc to read the process's size")

    @contextmanager
    def capped() -> Iterator[None]:
        used = next(int(line.split()[1]) * 1024 for line in status.read_text().splitlines()
                    if line.startswith("VmSize:"))
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (used + 512 * 2**20, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    return capped


@pytest.fixture
def grey_png() -> Callable[..., Path]:
    """``write(path, width, height, text=None)``: a valid black greyscale PNG of any size (with ``text`` chunks),
    small on disk however large it is."""

    def write(path: Path, width: int, height: int, text: dict[str, str] | None = None) -> Path:
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        packer, row = zlib.compressobj(9), bytes(width + 1)  # filter byte 0, then the row's pixels
        pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
        notes = b"".join(chunk(b"tEXt", f"{key}\0{value}".encode("latin-1")) for key, value in (text or {}).items())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + notes + chunk(b"IDAT", pixels)
                         + chunk(b"IEND", b""))
        return path

    return write
