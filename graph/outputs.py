"""Numbered output files (``name_00001_.png``) that keep their names when a crash cuts a run short.

An output node's result is recorded in the cache after it has written its files, so a process killed in
between used to leave the files without a record, and the re-run wrote the next numbers beside them. Now
each file's name and identity (inode, size, modification time) are recorded under the node's cache key
*before* the rename makes the file visible. The same node with the same key, run again, finds the record
and keeps the file as it is when it is still the one it wrote, writes the same name again when the file
is gone, and takes the next free number only when another file has taken the name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .files import atomic_write
from .paths import Paths, next_numbered_file
from .store import ContentStore


class OutputFiles:
    """The numbered files one node writes in one run (the ``files`` context item), in the order it writes
    them: the n-th file of a re-run finds the record of the n-th file of the run before."""

    def __init__(self, paths: Paths, store: ContentStore, key: str | None) -> None:
        """``key``: the node's cache key; None for a node that runs every time (its files are new each time)."""
        self.paths = paths
        self.store = store
        self.key = key
        self._count = 0

    def write_bytes(self, kind: str, prefix: str, extension: str, data: bytes) -> dict[str, str]:
        """``data`` as the next numbered file; see ``write``."""
        return self.write(kind, prefix, extension, lambda path: path.write_bytes(data))

    def write(self, kind: str, prefix: str, extension: str, write: Callable[[Path], object]) -> dict[str, str]:
        """The next numbered ``prefix_00001_.extension`` in folder ``kind`` ("output" or "temp"), made by
        ``write(path)``, which fills ``path`` (a temporary name beside it) with the whole file. Returns the
        file's UI entry ``{"filename", "subfolder", "type"}``.

        ``prefix`` may start with a subfolder (``"renders/shot"``). ``write`` is not called when the run
        before wrote this very file and was cut short before its result was recorded.
        """
        record_key = None if self.key is None else f"{self.key}/file/{self._count}"
        self._count += 1
        recorded = self.store.get(record_key) if record_key is not None else None
        if recorded is not None and recorded["type"] == kind:
            entry = {name: recorded[name] for name in ("filename", "subfolder", "type")}
            found = _identity(self._path(entry))
            if found == recorded["file"]:
                return entry  # written before a crash: the very file this run would write
            if found is None:
                return self._write(entry, write, record_key)  # gone: the same name again
        subfolder, filename = next_numbered_file(self.paths.folder(kind), prefix, extension)
        return self._write({"filename": filename, "subfolder": subfolder, "type": kind}, write, record_key)

    def _write(self, entry: dict[str, str], write: Callable[[Path], object], record_key: str | None) -> dict[str, str]:
        def record(temp: Path) -> None:  # complete, not yet under its name: a crash from here on is recoverable
            if record_key is not None:
                self.store.put(record_key, {**entry, "file": _identity(temp)}, tier="durable")

        atomic_write(self._path(entry), write, record)
        return entry

    def _path(self, entry: dict[str, str]) -> Path:
        return self.paths.resolve(entry["type"], entry["filename"], entry["subfolder"])


def _identity(path: Path) -> list[int] | None:
    """What tells the file written from one written later under the same name; None when there is none."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]
