"""The folders a run reads and writes, and safe resolution of names inside them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FOLDER_KINDS = ("output", "input", "temp")


class PathOutsideFolder(ValueError):
    """A file name that would leave its folder (``..``, absolute, a symlink out, NUL...)."""


@dataclass(frozen=True)
class Paths:
    output: Path
    input: Path
    temp: Path
    cache: Path

    @classmethod
    def under(cls, root: str | os.PathLike[str], cache: str | os.PathLike[str] | None = None) -> Paths:
        """``root/output``, ``root/input``, ``root/temp`` and a cache folder (default ``root/cache``)."""
        base = Path(root).absolute()
        return cls(base / "output", base / "input", base / "temp", Path(cache) if cache else base / "cache")

    def folder(self, kind: str) -> Path:
        if kind not in FOLDER_KINDS:
            raise PathOutsideFolder(f"folder type must be one of {', '.join(FOLDER_KINDS)}, not {kind!r}")
        return getattr(self, kind)

    def resolve(self, kind: str, filename: str, subfolder: str = "") -> Path:
        """The path of ``subfolder/filename`` inside folder ``kind``; refuses anything that leaves it."""
        return resolve_inside(self.folder(kind), filename, subfolder)


def resolve_inside(folder: Path, filename: str, subfolder: str = "") -> Path:
    relative = f"{subfolder}/{filename}" if subfolder else filename
    if not filename or "\x00" in relative or "\\" in relative:
        raise PathOutsideFolder(f"invalid file name {relative!r}")
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or any(part in ("..", ".") for part in parts):
        raise PathOutsideFolder(f"file name {relative!r} must stay inside its folder")
    root = folder.resolve()
    candidate = (root / relative).resolve()
    if candidate != root and root not in candidate.parents:
        raise PathOutsideFolder(f"file name {relative!r} leads outside its folder")
    return candidate


def next_numbered_file(folder: Path, prefix: str, extension: str) -> tuple[str, str]:
    """``(subfolder, filename)`` of the next free ``name_00001_.ext`` for ``prefix`` in ``folder``.

    ``prefix`` may name a subfolder (``"renders/shot"``); it must stay inside ``folder``.
    """
    subfolder, _, name = prefix.strip().rpartition("/")
    name = name or "output"
    target = resolve_inside(folder, f"{name}_00001_.{extension}", subfolder)
    target.parent.mkdir(parents=True, exist_ok=True)
    counters = []
    for existing in target.parent.glob(f"{_glob_escape(name)}_*_.{extension}"):
        middle = existing.name[len(name) + 1 : -len(extension) - 2]
        if middle.isdigit():
            counters.append(int(middle))
    return subfolder, f"{name}_{max(counters, default=0) + 1:05d}_.{extension}"


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)
