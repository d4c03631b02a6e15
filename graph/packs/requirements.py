"""What a pack needs that this environment lacks, and the one way to install it: asked for, by the user.

Nothing installs on import or at start-up: ``guard_installs`` refuses the ``pip install`` a pack runs while it
imports (reported with the pack), and ``worldgraph packs install PACK`` installs what ``missing`` lists, into the
project's own environment, with pip's output shown and the installed torch held where it is (a pack asking for
``torch`` or ``torchvision`` must not swap the CPU build for another).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

#: import names whose package is named otherwise: the module a failed import names -> the packages that give it
#: (the first is installed when the pack lists none of them)
_PACKAGES_OF = {"cv2": ("opencv-python-headless", "opencv-python", "opencv-contrib-python",
                        "opencv-contrib-python-headless"),
                "PIL": ("pillow",), "skimage": ("scikit-image",), "sklearn": ("scikit-learn",), "yaml": ("pyyaml",),
                "git": ("gitpython",), "dateutil": ("python-dateutil",), "imageio_ffmpeg": ("imageio-ffmpeg",)}
_NO_MODULE = re.compile(r"No module named '([^']+)'")


class InstallRefused(RuntimeError):
    """A pack ran ``pip install`` while it was imported."""


def unsatisfied(declared: Sequence[str]) -> list[str]:
    """The requirement lines of ``declared`` that the environment does not satisfy (unreadable lines count)."""
    missing = []
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            missing.append(line)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
            missing.append(line)
    return missing


def missing(declared: Sequence[str], error: str) -> list[str]:
    """What to install for a pack: its unsatisfied requirements, and the package of the module its import
    could not find (``error``: the report's), when it does not list that one."""
    found = unsatisfied(declared)
    module = _NO_MODULE.search(error)
    if module:
        top = module.group(1).split(".")[0]
        packages = _PACKAGES_OF.get(top, (top.replace("_", "-"),))
        listed = {_name(line) for line in declared}
        if not listed & {package.lower() for package in packages}:
            found.append(packages[0])
    return found


def _name(line: str) -> str:
    try:
        return Requirement(line).name.lower().replace("_", "-")
    except InvalidRequirement:
        return line.lower()


@contextlib.contextmanager
def guard_installs(pack: str) -> Iterator[list[str]]:
    """Within: starting ``pip install`` (a process, or pip in this one) raises ``InstallRefused``; the commands
    refused are collected in the list yielded."""
    refused: list[str] = []
    real_popen = subprocess.Popen

    class GuardedPopen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *more: Any, **options: Any) -> None:
            words = [str(part) for part in args] if isinstance(args, (list, tuple)) else str(args).split()
            if _installs(words):
                refused.append(" ".join(words))
                raise InstallRefused(f"pack {pack!r} ran '{' '.join(words)}' while loading; nothing is installed "
                                     f"on start-up: run 'worldgraph packs install {pack}'")
            super().__init__(args, *more, **options)

    subprocess.Popen = GuardedPopen  # type: ignore[misc]
    try:
        yield refused
    finally:
        subprocess.Popen = real_popen  # type: ignore[misc]


def _installs(words: Sequence[str]) -> bool:
    names = [Path(word).name for word in words]
    return "install" in names and any(name.startswith("pip") or name == "uv" for name in names)


def install(requirements: Sequence[str], out: Any = None) -> int:
    """``pip install`` ``requirements`` into this environment, torch held at its installed version; pip's own
    output goes to ``out`` (default: this process's). Returns pip's exit status."""
    held = []
    for name in ("torch", "torchvision", "torchaudio"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            held.append(f"{name}=={metadata.version(name)}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write("\n".join(held) + "\n")
    command = [sys.executable, "-m", "pip", "install", "--constraint", constraints.name, *requirements]
    print("running:", " ".join(command), file=out or sys.stdout, flush=True)
    try:
        return subprocess.call(command, stdout=out, stderr=subprocess.STDOUT if out else None)
    finally:
        Path(constraints.name).unlink(missing_ok=True)
