"""ComfyUI's own modules, as far as Worldgraph provides them, for packs written for ComfyUI.

This folder goes on ``sys.path`` (``make_importable``) before packs load, so a pack's ``import folder_paths``
finds the module here, which answers from Worldgraph's folders (``configure``). Each module holds only what the
docs list (``docs/custom-nodes.md``, "ComfyUI's modules"); the names of ComfyUI's that Worldgraph's own top-level
packages take (``nodes``, ``server``) are not here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ...paths import Paths
from . import placeholders

SURFACE = Path(__file__).resolve().parent / "modules"


def make_importable() -> None:
    """Put ComfyUI's module names within a pack's reach (after everything installed: a real one wins), and the
    parts Worldgraph does not provide as placeholders (``placeholders``)."""
    if str(SURFACE) not in sys.path:
        sys.path.append(str(SURFACE))
    placeholders.install()


def configure(root: Path, paths: Paths) -> None:
    """Point ``folder_paths`` at ``paths`` (input, output, temp) and ``root`` (``root/models``, ``root/user``)."""
    make_importable()
    import folder_paths

    folder_paths.use_root(root, paths.input, paths.output, paths.temp)
